/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.c - per-thread counter shards and the bounded per-domain table
 * (see stats.h for the threading rules).
 *
 * The table is a fixed array of hash buckets (chains) plus an intrusive
 * doubly linked LRU list, newest first: lookup, update, insert and
 * eviction are O(1).  The bucket array is sized once for the bound, so
 * it never rehashes under the lock, and the top-N walk can visit it in
 * slices, letting updates in between.  Names are hashed with a keyed
 * 64-bit hash, the key drawn at each start.
 *
 * Cache hits, the hot path, do not take the lock: each worker thread
 * counts them in a table of its own (struct hit_table), by the owner's
 * keyed hash, and the counts are folded into the domain table under the
 * lock by whoever needs them exact: a snapshot, a lookup, an eviction
 * (whose victim may have hits pending, so is more recent than it
 * looks), an insertion (hits from before a domain was tracked are not
 * its own, as they would not have been counted either), and the owning
 * thread itself when its table fills up.
 *
 * A hit table's slots are written by their thread only, without atomic
 * read-modify-write: a slot's hash is set once (release, after its
 * first count) and its count only grows.  Folding reads them and keeps
 * what it has taken in the slot's `folded`, under the lock, so a hit is
 * taken exactly once, whenever the fold runs.  Only the owning thread
 * empties its table, and only under the lock: no fold reads it then,
 * and the owner writes nothing else meanwhile.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mxguard/analysis.h"
#include "mxguard/settings.h"
#include "mxguard/stats.h"

#define CACHE_LINE	64
/* Buckets walked per lock hold when looking for the top domains. */
#define WALK_SLICE	1024

/*
 * A thread's hit table: slots, how many may be taken before the table
 * is folded and emptied (three quarters, so probes stay short), and the
 * longest probe.
 */
#define HIT_SLOTS	MXG_STATS_HIT_SLOTS
#define HIT_FILL	(HIT_SLOTS * 3 / 4)
#define HIT_PROBES	16
/* Domains with pending hits one eviction may put back as recent. */
#define RESCUES_MAX	64

struct hit_slot {
	_Atomic uint64_t hash;		/* owner's keyed hash; 0: free */
	_Atomic uint64_t count;		/* hits since the slot was taken */
	_Atomic time_t last;		/* second of the latest of them */
	uint64_t folded;		/* of count, folded: under the lock */
};

struct hit_table {
	struct hit_slot slot[HIT_SLOTS];
	size_t used;			/* slots taken: owner only */
	char pad[CACHE_LINE - sizeof(size_t)];
};

struct shard_counters {
	atomic_uint_least64_t counter[MXG_STAT_COUNT];
	bool shared;		/* the overflow shard: any thread writes it */
	struct hit_table *hits;	/* NULL for the overflow shard */
};

/* Rounded up to whole cache lines, so two shards never share one. */
#define SHARD_SIZE \
	((sizeof(struct shard_counters) / CACHE_LINE + 1) * CACHE_LINE)

struct mxg_stats_shard {
	struct shard_counters c;
	char pad[SHARD_SIZE - sizeof(struct shard_counters)];
};

/* A distribution copy, shared by the table and snapshots. */
struct mxg_stats_dist {
	atomic_uint refs;
	size_t bytes;			/* allocated, for the accounting */
	struct mxg_distribution *dist;	/* in the same allocation */
};

struct entry {
	struct entry *chain;		/* next in the bucket */
	struct entry *newer, *older;	/* LRU list */
	uint64_t hash;			/* keyed: owner_hash() */
	unsigned classes;		/* 1 << enum mxg_stats_class */
	size_t bytes;			/* this allocation */
	struct mxg_domain_stats d;
	struct mxg_stats_dist *dist;	/* NULL until one is recorded */
	uint64_t decision;		/* the last decision logged, or 0 */
	time_t decision_until;		/* ... logged again after this */
	uint8_t owner[];		/* wire, lowercased */
};

struct mxg_stats {
	pthread_mutex_t lock;
	/* Under lock: */
	struct entry **buckets;
	size_t mask;
	struct entry *newest, *oldest;
	size_t count;
	uint64_t evictions;
	uint64_t by_class[MXG_CLASS_COUNT];
	size_t bytes;			/* entries and distributions */
	/* Fixed after mxg_stats_new(): */
	size_t max;
	size_t max_bytes;		/* of entries and distributions */
	size_t fixed_bytes;		/* this struct, buckets, shards */
	time_t started;
	size_t threads;
	struct mxg_stats_shard *shards;	/* threads + 1: the last is shared */
	struct hit_table *hits;		/* threads: one per worker shard */
	void *hits_block;		/* their allocation */
	struct mxg_hash_key key;
	uint64_t serial;		/* unique in the process */
};

/* Numbers the statistics made, so a thread's memo names exactly one. */
static atomic_uint_least64_t serials;

/* The calling thread's shard, and of which statistics. */
static _Thread_local struct {
	uint64_t serial;
	struct mxg_stats_shard *shard;
} mine;

/* What one policed answer changes in its domain's entry. */
struct update {
	const uint8_t *owner;
	uint64_t hash;
	unsigned faults;
	unsigned classes;
	enum mxg_action action;
	uint64_t decision;
	time_t decision_until;
};

/* ---- shards ------------------------------------------------------- */

struct mxg_stats_shard *
mxg_stats_shard(struct mxg_stats *st, int thread)
{
	if (thread < 0 || (size_t)thread >= st->threads)
		return &st->shards[st->threads];
	return &st->shards[thread];
}

void
mxg_stats_add(struct mxg_stats_shard *sh, enum mxg_stat c, uint64_t n)
{
	atomic_uint_least64_t *v = &sh->c.counter[c];

	if (sh->c.shared) {
		atomic_fetch_add_explicit(v, n, memory_order_relaxed);
		return;
	}
	/* Only this thread writes: load and store, no locked add. */
	atomic_store_explicit(v, atomic_load_explicit(v,
	    memory_order_relaxed) + n, memory_order_relaxed);
}

/* The keyed hash of an owner name of len octets; never 0 (a free slot). */
static inline __attribute__((always_inline)) uint64_t
owner_hash(const struct mxg_stats *st, const uint8_t *owner, size_t len)
{
	uint64_t h = mxg_dname_hash_keyed(&st->key, owner, len);

	return h + (h == 0);
}

struct mxg_stats_shard *
mxg_stats_thread_shard(const struct mxg_stats *st)
{
	return mine.serial == st->serial ? mine.shard : NULL;
}

void
mxg_stats_set_thread_shard(const struct mxg_stats *st,
    struct mxg_stats_shard *sh)
{
	mine.serial = st->serial;
	mine.shard = sh;
}

size_t
mxg_stats_shard_hits_used(const struct mxg_stats_shard *sh)
{
	return sh->c.hits ? sh->c.hits->used : 0;
}

static void
merge_shards(const struct mxg_stats *st, uint64_t *sum)
{
	size_t i, c;

	memset(sum, 0, MXG_STAT_COUNT * sizeof(*sum));
	for (i = 0; i <= st->threads; i++)
		for (c = 0; c < MXG_STAT_COUNT; c++)
			sum[c] += atomic_load_explicit(
			    &st->shards[i].c.counter[c], memory_order_relaxed);
}

/* ---- distribution copies ------------------------------------------ */

static struct mxg_stats_dist *
dist_new(const struct mxg_distribution *dist)
{
	size_t head = MXG_ALIGN8(sizeof(struct mxg_stats_dist));
	size_t size = mxg_distribution_copy_size(dist, MXG_STATS_DIST_ENTRIES);
	struct mxg_stats_dist *d = malloc(head + size);

	if (d == NULL)
		return NULL;
	atomic_init(&d->refs, 1);
	d->bytes = head + size;
	d->dist = mxg_distribution_copy((uint8_t *)d + head, size, dist,
	    MXG_STATS_DIST_ENTRIES);
	return d;
}

static void
dist_hold(struct mxg_stats_dist *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
}

/* Drop one reference; the last one frees.  Never under the lock. */
static void
dist_release(struct mxg_stats_dist *d)
{
	if (d != NULL &&
	    atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1)
		free(d);
}

/* ---- the table ---------------------------------------------------- */

struct mxg_stats *
mxg_stats_new(size_t threads, unsigned long max_domains,
    unsigned long max_bytes, time_t now)
{
	struct mxg_stats *st;
	size_t nbuckets = 1, t;
	void *shards, *hits;

	if (threads == 0 || max_domains < MXG_STATS_MAX_DOMAINS_MIN ||
	    max_domains > MXG_STATS_MAX_DOMAINS_MAX ||
	    max_bytes < MXG_STATS_MAX_MEMORY_MIN ||
	    max_bytes > MXG_STATS_MAX_MEMORY_MAX)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	/*
	 * At most two entries per chain when full; calloc maps lazily.
	 * Full means whichever bound comes first: no more domains fit in
	 * max_bytes than entries of the smallest size, so a large
	 * stats-max-domains does not buy buckets the memory cannot fill.
	 */
	while (nbuckets * 2 < max_domains &&
	    nbuckets * 2 < max_bytes / sizeof(struct entry))
		nbuckets *= 2;
	st->buckets = calloc(nbuckets, sizeof(*st->buckets));
	if (st->buckets == NULL ||
	    posix_memalign(&shards, CACHE_LINE,
	    (threads + 1) * sizeof(struct mxg_stats_shard)) != 0) {
		free(st->buckets);
		free(st);
		return NULL;
	}
	/* calloc: a big zeroed block comes mapped lazily, not written. */
	if ((hits = calloc(1, threads * sizeof(struct hit_table) +
	    CACHE_LINE)) == NULL) {
		free(shards);
		free(st->buckets);
		free(st);
		return NULL;
	}
	memset(shards, 0, (threads + 1) * sizeof(struct mxg_stats_shard));
	st->shards = shards;
	st->hits_block = hits;
	/* Each table on cache lines of its own, as the shards are. */
	st->hits = (struct hit_table *)(((uintptr_t)hits + CACHE_LINE - 1) &
	    ~(uintptr_t)(CACHE_LINE - 1));
	for (t = 0; t < threads; t++)
		st->shards[t].c.hits = &st->hits[t];
	st->shards[threads].c.shared = true;
	/* Without the kernel's randomness the key is weaker, not absent. */
	(void)mxg_hash_key_random(&st->key);
	st->serial = atomic_fetch_add_explicit(&serials, 1,
	    memory_order_relaxed) + 1;
	st->threads = threads;
	st->mask = nbuckets - 1;
	st->max = max_domains;
	st->max_bytes = max_bytes;
	st->started = now;
	st->fixed_bytes = sizeof(*st) + nbuckets * sizeof(*st->buckets) +
	    (threads + 1) * sizeof(struct mxg_stats_shard) +
	    threads * sizeof(struct hit_table) + CACHE_LINE;
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

void
mxg_stats_free(struct mxg_stats *st)
{
	struct entry *e, *next;

	if (st == NULL)
		return;
	for (e = st->newest; e != NULL; e = next) {
		next = e->older;
		dist_release(e->dist);
		free(e);
	}
	pthread_mutex_destroy(&st->lock);
	free(st->buckets);
	free(st->shards);
	free(st->hits_block);
	free(st);
}

size_t
mxg_stats_memory(struct mxg_stats *st)
{
	size_t bytes;

	pthread_mutex_lock(&st->lock);
	bytes = st->fixed_bytes + st->bytes;
	pthread_mutex_unlock(&st->lock);
	return bytes;
}

static struct entry *
find(const struct mxg_stats *st, uint64_t hash, const uint8_t *owner)
{
	struct entry *e;

	for (e = st->buckets[hash & st->mask]; e != NULL; e = e->chain)
		if (e->hash == hash && mxg_dname_equal(e->owner, owner))
			return e;
	return NULL;
}

/*
 * By the keyed hash alone, as cache hits are counted: two names of one
 * 64-bit hash under a key drawn at start are left to chance, and the
 * chance is too small to matter.
 */
static struct entry *
find_hash(const struct mxg_stats *st, uint64_t hash)
{
	struct entry *e;

	for (e = st->buckets[hash & st->mask]; e != NULL; e = e->chain)
		if (e->hash == hash)
			return e;
	return NULL;
}

static void
lru_unlink(struct mxg_stats *st, struct entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		st->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		st->oldest = e->newer;
}

static void
lru_push(struct mxg_stats *st, struct entry *e)
{
	e->newer = NULL;
	e->older = st->newest;
	if (st->newest != NULL)
		st->newest->newer = e;
	else
		st->oldest = e;
	st->newest = e;
}

static void
lru_touch(struct mxg_stats *st, struct entry *e)
{
	if (st->newest == e)
		return;
	lru_unlink(st, e);
	lru_push(st, e);
}

/*
 * Second place, behind the newest: for a domain that turns out to be
 * recent while room is made for the newest, which stays first.
 */
static void
lru_second(struct mxg_stats *st, struct entry *e)
{
	struct entry *first = st->newest;

	if (first == e || first->older == e)
		return;
	lru_unlink(st, e);
	e->newer = first;
	e->older = first->older;
	if (first->older != NULL)
		first->older->newer = e;
	else
		st->oldest = e;
	first->older = e;
}

/* ---- cache hits ---------------------------------------------------- */

/* Under the lock: n cache hits of e, the latest in second last. */
static void
credit(struct mxg_stats *st, struct entry *e, uint64_t n, time_t last)
{
	e->d.cached += n;
	/*
	 * Recency to the second is enough for eviction, and relinking
	 * writes to two neighbours' cache lines: at most once a second.
	 */
	if (e->d.last_seen < last) {
		e->d.last_seen = last;
		lru_touch(st, e);
	}
}

/*
 * The calling thread counts one hit of hash in its own table; false
 * when the table has no room for a new name (nor a short probe to it).
 */
static inline bool
hit_count(struct hit_table *t, uint64_t hash, time_t now)
{
	size_t i = (size_t)hash & (HIT_SLOTS - 1), n;

	for (n = 0; n < HIT_PROBES; n++, i = (i + 1) & (HIT_SLOTS - 1)) {
		struct hit_slot *s = &t->slot[i];
		uint64_t h = atomic_load_explicit(&s->hash,
		    memory_order_relaxed);

		if (h == hash) {
			/* last before count: a fold that sees the count sees it. */
			atomic_store_explicit(&s->last, now,
			    memory_order_relaxed);
			atomic_store_explicit(&s->count, atomic_load_explicit(
			    &s->count, memory_order_relaxed) + 1,
			    memory_order_release);
			return true;
		}
		if (h == 0) {
			if (t->used >= HIT_FILL)
				return false;
			t->used++;
			atomic_store_explicit(&s->last, now,
			    memory_order_relaxed);
			atomic_store_explicit(&s->count, 1,
			    memory_order_relaxed);
			/* Published last: a fold that sees it sees its count. */
			atomic_store_explicit(&s->hash, hash,
			    memory_order_release);
			return true;
		}
	}
	return false;
}

/* Under the lock: what slot s counted since it was last taken. */
static uint64_t
take_slot(struct hit_slot *s, time_t *last)
{
	uint64_t c = atomic_load_explicit(&s->count, memory_order_acquire);
	uint64_t n = c - s->folded;

	s->folded = c;
	*last = atomic_load_explicit(&s->last, memory_order_relaxed);
	return n;
}

/*
 * Under the lock: fold a thread's hit table into the domain table.
 * empty: also free every slot, which only the table's thread may ask.
 * Hits of a domain the table does not track are dropped, as they are
 * when counted under the lock.
 */
static void
fold_table(struct mxg_stats *st, struct hit_table *t, bool empty)
{
	size_t i;

	for (i = 0; i < HIT_SLOTS; i++) {
		struct hit_slot *s = &t->slot[i];
		uint64_t hash = atomic_load_explicit(&s->hash,
		    memory_order_acquire), n;
		struct entry *e;
		time_t last;

		if (hash == 0)
			continue;
		if ((n = take_slot(s, &last)) != 0 &&
		    (e = find_hash(st, hash)) != NULL)
			credit(st, e, n, last);
		if (empty) {
			atomic_store_explicit(&s->hash, 0, memory_order_relaxed);
			atomic_store_explicit(&s->count, 0,
			    memory_order_relaxed);
			s->folded = 0;
		}
	}
	if (empty)
		t->used = 0;
}

/* The slot of hash in t, probed as its thread does; NULL if none. */
static struct hit_slot *
find_slot(struct hit_table *t, uint64_t hash)
{
	size_t i = (size_t)hash & (HIT_SLOTS - 1), n;

	for (n = 0; n < HIT_PROBES; n++, i = (i + 1) & (HIT_SLOTS - 1)) {
		uint64_t h = atomic_load_explicit(&t->slot[i].hash,
		    memory_order_acquire);

		if (h == hash)
			return &t->slot[i];
		if (h == 0)
			return NULL;
	}
	return NULL;
}

/*
 * Under the lock: take the hits of hash pending in every thread's
 * table; *last is raised to the latest of them.
 */
static uint64_t
take_pending(struct mxg_stats *st, uint64_t hash, time_t *last)
{
	uint64_t n = 0, got;
	size_t i;
	time_t l;

	for (i = 0; i < st->threads; i++) {
		struct hit_slot *s = find_slot(&st->hits[i], hash);

		if (s != NULL && (got = take_slot(s, &l)) != 0) {
			n += got;
			if (l > *last)
				*last = l;
		}
	}
	return n;
}

static void
count_classes(struct mxg_stats *st, unsigned classes, int64_t delta)
{
	int c;

	for (c = 0; c < MXG_CLASS_COUNT; c++)
		if (classes & (1u << c))
			st->by_class[c] += (uint64_t)delta;
}

/* Take the least recently seen entry out; the caller frees it. */
static struct entry *
evict_oldest(struct mxg_stats *st)
{
	struct entry *e = st->oldest, **pp;

	for (pp = &st->buckets[e->hash & st->mask]; *pp != e;
	    pp = &(*pp)->chain)
		;
	*pp = e->chain;
	lru_unlink(st, e);
	count_classes(st, e->classes, -1);
	st->count--;
	st->evictions++;
	st->bytes -= e->bytes + (e->dist ? e->dist->bytes : 0);
	return e;
}

/*
 * Evict the least recently seen entries until the table is within its
 * bounds (the newest, just recorded, stays); returns them chained for
 * free_entries(), to be freed after the lock is released.
 */
static struct entry *
make_room(struct mxg_stats *st)
{
	struct entry *evicted = NULL, *e;
	unsigned rescues = 0;

	while (st->count > 1 &&
	    (st->count > st->max || st->bytes > st->max_bytes)) {
		/*
		 * Hits pending in the threads' tables make the oldest more
		 * recent than its place says, as a hit counted under the
		 * lock would have: count them and look at the next.  Bounded,
		 * as threads may go on counting meanwhile.
		 */
		if (rescues < RESCUES_MAX) {
			time_t last = 0;
			uint64_t n;

			e = st->oldest;
			if ((n = take_pending(st, e->hash, &last)) != 0) {
				e->d.cached += n;
				if (e->d.last_seen < last)
					e->d.last_seen = last;
				lru_second(st, e);
				rescues++;
				continue;
			}
		}
		e = evict_oldest(st);
		e->chain = evicted;
		evicted = e;
	}
	return evicted;
}

static void
free_entries(struct entry *e)
{
	struct entry *next;

	for (; e != NULL; e = next) {
		next = e->chain;
		dist_release(e->dist);
		free(e);
	}
}

static void
insert(struct mxg_stats *st, struct entry *e)
{
	struct entry **bucket = &st->buckets[e->hash & st->mask];

	e->chain = *bucket;
	*bucket = e;
	lru_push(st, e);
	st->count++;
	st->bytes += e->bytes;
}

static struct entry *
entry_new(const struct update *u, time_t now)
{
	size_t len = mxg_dname_len(u->owner, MXG_DNAME_MAXLEN);
	struct entry *e = calloc(1, sizeof(*e) + len);

	if (e == NULL)
		return NULL;
	e->hash = u->hash;
	e->bytes = sizeof(*e) + len;
	e->d.first_seen = now;
	mxg_dname_lower(e->owner, u->owner);
	return e;
}

/* Under the lock: what one policed answer adds to its entry. */
static void
apply(struct mxg_stats *st, struct entry *e, const struct update *u,
    time_t now)
{
	int k;

	e->d.resolved++;
	e->d.faults_seen |= u->faults;
	e->d.faults_last = u->faults;
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		if (u->faults & (1u << k))
			e->d.fault_answers[k]++;
	if (u->action == MXG_ACTION_CHANGE)
		e->d.changed++;
	else if (u->action == MXG_ACTION_SERVFAIL)
		e->d.servfail++;
	else
		e->d.kept++;
	e->d.last_seen = now;
	if (e->classes != u->classes) {
		count_classes(st, e->classes, -1);
		count_classes(st, u->classes, 1);
		e->classes = u->classes;
	}
	lru_touch(st, e);
}

/* Which fleet-wide classes a domain falls in, from its latest answer. */
unsigned
mxg_stats_classify(const struct mxg_distribution *dist, unsigned faults)
{
	unsigned classes = faults ? 1u << MXG_CLASS_FAULTS : 0;
	bool backup = false;
	size_t i;

	if (dist->state == MXG_DIST_STATE_NULL_MX)
		classes |= 1u << MXG_CLASS_NULL_MX;
	if (dist->state != MXG_DIST_STATE_MX)
		return classes;
	for (i = 0; i < dist->count; i++) {
		unsigned f = dist->entries[i].flags;

		if ((f & MXG_DIST_BACKUP) &&
		    !(f & (MXG_DIST_NULL | MXG_DIST_DANGLING)))
			backup = true;
	}
	if (backup)
		classes |= 1u << MXG_CLASS_BACKUP;
	if (dist->usable > 1)
		classes |= 1u << MXG_CLASS_BALANCED;
	else if (dist->usable == 1 && !backup)
		classes |= 1u << MXG_CLASS_SINGLE;
	return classes;
}

/* The answer's faults and actions into the thread's shard. */
static void
count_answer(struct mxg_stats_shard *sh, const struct mxg_decision *dec)
{
	static const enum mxg_stat action_stat[] = {
		[MXG_ACTION_KEEP] = MXG_STAT_ACTION_KEPT,
		[MXG_ACTION_CHANGE] = MXG_STAT_ACTION_CHANGED,
		[MXG_ACTION_SERVFAIL] = MXG_STAT_ACTION_SERVFAIL
	};
	int k;

	mxg_stats_add(sh, MXG_STAT_ANSWERS_RESOLVED, 1);
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		if (dec->faults & (1u << k))
			mxg_stats_add(sh, MXG_STAT_FAULT_ALIAS + k, 1);
	mxg_stats_add(sh, action_stat[dec->action], 1);
	if (dec->dropped)
		mxg_stats_add(sh, MXG_STAT_RECORDS_DROPPED, dec->dropped);
	if (dec->rewritten)
		mxg_stats_add(sh, MXG_STAT_RECORDS_REWRITTEN, dec->rewritten);
	if (dec->unchecked)
		mxg_stats_add(sh, MXG_STAT_UNCHECKED, dec->unchecked);
}

/*
 * Under the lock: is the decision to log new for the entry?  A clean
 * answer in between makes the next faulty one new.
 */
static unsigned
note_decision(struct entry *e, const struct update *u, time_t now)
{
	if (u->decision == 0)
		e->decision = 0;
	if (u->decision == 0 ||
	    (e->decision == u->decision && now < e->decision_until))
		return 0;
	e->decision = u->decision;
	e->decision_until = u->decision_until;
	return MXG_STATS_NEW_DECISION;
}

/*
 * The fast path: a known domain whose distribution did not change.
 * True when done, with *found what it found new.
 */
static bool
record_unchanged(struct mxg_stats *st, const struct update *u,
    const struct mxg_distribution *dist, time_t now, unsigned *found)
{
	struct entry *e;
	bool done = false;

	pthread_mutex_lock(&st->lock);
	e = find(st, u->hash, u->owner);
	if (e != NULL && e->dist != NULL &&
	    mxg_distribution_equal(e->dist->dist, dist)) {
		apply(st, e, u, now);
		*found = note_decision(e, u, now);
		done = true;
	}
	pthread_mutex_unlock(&st->lock);
	return done;
}

unsigned
mxg_stats_record(struct mxg_stats *st, struct mxg_stats_shard *sh,
    const struct mxg_analysis *an, uint64_t decision, time_t decision_until,
    time_t now)
{
	const struct mxg_distribution *dist = an->distribution;
	struct mxg_stats_dist *fresh, *old = NULL;
	struct entry *spare, *e, *evicted;
	struct update u;
	unsigned found = 0;

	count_answer(sh, an->decision);
	u.owner = an->answer->owner;
	u.hash = owner_hash(st, u.owner,
	    mxg_dname_len(u.owner, MXG_DNAME_MAXLEN));
	u.faults = an->decision->faults;
	u.classes = mxg_stats_classify(dist, u.faults);
	u.action = an->decision->action;
	u.decision = decision;
	u.decision_until = decision_until;
	if (record_unchanged(st, &u, dist, now, &found))
		return found;

	/* New domain or new distribution (rare): build both unlocked. */
	fresh = dist_new(dist);
	spare = entry_new(&u, now);
	if (fresh == NULL || spare == NULL) {
		free(spare);
		dist_release(fresh);
		return 0;
	}
	pthread_mutex_lock(&st->lock);
	if ((e = find(st, u.hash, u.owner)) == NULL) {
		time_t ignored = 0;

		insert(st, spare);
		e = spare;
		spare = NULL;
		/* Hits from before it was tracked are not counted. */
		(void)take_pending(st, u.hash, &ignored);
	}
	/* Another thread may have recorded this very change meanwhile. */
	if (e->dist == NULL || !mxg_distribution_equal(e->dist->dist, dist)) {
		old = e->dist;
		st->bytes += fresh->bytes - (old ? old->bytes : 0);
		e->dist = fresh;
		fresh = NULL;
		found |= MXG_STATS_NEW_DISTRIBUTION;
	}
	apply(st, e, &u, now);
	found |= note_decision(e, &u, now);
	evicted = make_room(st);
	pthread_mutex_unlock(&st->lock);

	free(spare);
	dist_release(fresh);
	dist_release(old);
	free_entries(evicted);
	return found;
}

/*
 * The overflow shard, or a full table: fold the table and empty it,
 * and count this hit under the lock.  Out of line, so that the fast
 * path saves no registers for it.
 */
static __attribute__((noinline)) void
cache_hit_locked(struct mxg_stats *st, struct hit_table *t, uint64_t hash,
    time_t now)
{
	struct entry *e;

	pthread_mutex_lock(&st->lock);
	if (t != NULL)
		fold_table(st, t, true);
	if ((e = find_hash(st, hash)) != NULL)
		credit(st, e, 1, now);
	pthread_mutex_unlock(&st->lock);
}

/* The hit path of both entries, inline in each. */
static inline __attribute__((always_inline)) void
cache_hit(struct mxg_stats *st, struct mxg_stats_shard *sh,
    const uint8_t *owner, size_t owner_len, time_t now)
{
	struct hit_table *t = sh->c.hits;
	uint64_t hash;

	mxg_stats_add(sh, MXG_STAT_ANSWERS_CACHED, 1);
	/*
	 * Hashed as owner_len octets, never walked label by label: the
	 * length is all there is to check.  A malformed name hashes to
	 * nothing the table tracks.
	 */
	if (owner_len == 0 || owner_len > MXG_DNAME_MAXLEN)
		return;
	hash = owner_hash(st, owner, owner_len);
	if (t == NULL || !hit_count(t, hash, now))
		cache_hit_locked(st, t, hash, now);
}

void
mxg_stats_cache_hit(struct mxg_stats *st, struct mxg_stats_shard *sh,
    const uint8_t *owner, size_t owner_len, time_t now)
{
	cache_hit(st, sh, owner, owner_len, now);
}

bool
mxg_stats_cache_hit_here(struct mxg_stats *st, const uint8_t *owner,
    size_t owner_len, time_t now)
{
	if (mine.serial != st->serial)
		return false;
	cache_hit(st, mine.shard, owner, owner_len, now);
	return true;
}

bool
mxg_stats_lookup(struct mxg_stats *st, const uint8_t *owner,
    struct mxg_domain_stats *out)
{
	uint64_t hash = owner_hash(st, owner,
	    mxg_dname_len(owner, MXG_DNAME_MAXLEN)), n;
	struct entry *e;

	pthread_mutex_lock(&st->lock);
	if ((e = find(st, hash, owner)) != NULL) {
		time_t last = 0;

		if ((n = take_pending(st, hash, &last)) != 0)
			credit(st, e, n, last);
		*out = e->d;
	}
	pthread_mutex_unlock(&st->lock);
	return e != NULL;
}

/* ---- snapshots ---------------------------------------------------- */

uint64_t
mxg_domain_answers(const struct mxg_domain_stats *d)
{
	return d->resolved + d->cached;
}

/* Order of the top list: more answers first, then by name. */
static bool
ranks_before(const struct mxg_domain_stats *a, const uint8_t *a_owner,
    const struct mxg_stats_top *b)
{
	uint64_t na = mxg_domain_answers(a), nb = mxg_domain_answers(&b->domain);

	if (na != nb)
		return na > nb;
	return mxg_dname_order(a_owner, b->owner) < 0;
}

/* Offer an entry to the top list (sorted, at most n long). */
static void
offer_top(struct mxg_stats_snapshot *snap, size_t n, const struct entry *e)
{
	size_t at = snap->top_count;

	if (at == n && !ranks_before(&e->d, e->owner, &snap->top[n - 1]))
		return;
	if (at == n)
		at--;
	while (at > 0 && ranks_before(&e->d, e->owner, &snap->top[at - 1])) {
		snap->top[at] = snap->top[at - 1];
		at--;
	}
	memset(&snap->top[at], 0, sizeof(snap->top[at]));
	memcpy(snap->top[at].owner, e->owner,
	    mxg_dname_len(e->owner, MXG_DNAME_MAXLEN));
	snap->top[at].domain = e->d;
	if (snap->top_count < n)
		snap->top_count++;
}

/*
 * Under one lock: refresh the winners and hold their distributions.
 * A winner evicted since the walk is dropped.
 */
static void
hold_top(struct mxg_stats *st, struct mxg_stats_snapshot *snap)
{
	size_t i, kept = 0;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < snap->top_count; i++) {
		struct mxg_stats_top *t = &snap->top[i];
		struct entry *e = find(st, owner_hash(st, t->owner,
		    mxg_dname_len(t->owner, MXG_DNAME_MAXLEN)), t->owner);

		if (e == NULL)
			continue;
		t->domain = e->d;
		if ((t->ref = e->dist) != NULL) {
			dist_hold(t->ref);
			t->distribution = t->ref->dist;
		}
		if (kept != i)
			snap->top[kept] = *t;
		kept++;
	}
	snap->top_count = kept;
	pthread_mutex_unlock(&st->lock);
}

void
mxg_stats_snapshot(struct mxg_stats *st, struct mxg_stats_snapshot *snap,
    size_t top_n, time_t now)
{
	size_t b, end;

	memset(snap, 0, sizeof(*snap));
	snap->started = st->started;
	snap->taken = now;
	snap->domains_max = st->max;
	/* The threads' hits into the table first, one lock hold each. */
	for (b = 0; b < st->threads; b++) {
		pthread_mutex_lock(&st->lock);
		fold_table(st, &st->hits[b], false);
		pthread_mutex_unlock(&st->lock);
	}
	merge_shards(st, snap->counter);
	if (top_n > MXG_STATS_TOP_MAX)
		top_n = MXG_STATS_TOP_MAX;

	pthread_mutex_lock(&st->lock);
	snap->counter[MXG_STAT_EVICTIONS] = st->evictions;
	snap->domains_tracked = st->count;
	memcpy(snap->domains_by_class, st->by_class, sizeof(st->by_class));
	snap->memory = st->fixed_bytes + st->bytes;
	pthread_mutex_unlock(&st->lock);

	for (b = 0; top_n > 0 && b <= st->mask; b = end) {
		end = b + WALK_SLICE;
		pthread_mutex_lock(&st->lock);
		for (; b < end && b <= st->mask; b++) {
			const struct entry *e;

			for (e = st->buckets[b]; e != NULL; e = e->chain)
				offer_top(snap, top_n, e);
		}
		pthread_mutex_unlock(&st->lock);
	}
	hold_top(st, snap);
}

void
mxg_stats_snapshot_release(struct mxg_stats_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->top_count; i++) {
		dist_release(snap->top[i].ref);
		snap->top[i].ref = NULL;
		snap->top[i].distribution = NULL;
	}
	snap->top_count = 0;
}

/* ---- names -------------------------------------------------------- */

const char *
mxg_stat_name(enum mxg_stat c)
{
	static const char *const names[MXG_STAT_COUNT] = {
		[MXG_STAT_ANSWERS_RESOLVED] = "resolved",
		[MXG_STAT_ANSWERS_CACHED] = "cache",
		[MXG_STAT_FAULT_ALIAS] = "alias",
		[MXG_STAT_FAULT_ADDRESS_LITERAL] = "address_literal",
		[MXG_STAT_FAULT_DANGLING] = "dangling",
		[MXG_STAT_FAULT_NULL_MX_MISUSE] = "null_mx_misuse",
		[MXG_STAT_FAULT_MALFORMED] = "malformed",
		[MXG_STAT_ACTION_KEPT] = "kept",
		[MXG_STAT_ACTION_CHANGED] = "changed",
		[MXG_STAT_ACTION_SERVFAIL] = "servfail",
		[MXG_STAT_RECORDS_DROPPED] = "dropped",
		[MXG_STAT_RECORDS_REWRITTEN] = "rewritten",
		[MXG_STAT_UNCHECKED] = "unchecked",
		[MXG_STAT_PREFETCHES] = "prefetches",
		[MXG_STAT_DISTRIBUTIONS_LOGGED] = "distributions_logged",
		[MXG_STAT_EVICTIONS] = "evictions",
		[MXG_STAT_LOG_SUPPRESSED] = "log_lines_suppressed",
		[MXG_STAT_OVER_BUDGET] = "lookups_over_budget"
	};

	return (unsigned)c < MXG_STAT_COUNT ? names[c] : "?";
}

const char *
mxg_stats_class_name(enum mxg_stats_class c)
{
	static const char *const names[MXG_CLASS_COUNT] = {
		[MXG_CLASS_SINGLE] = "single_exchange",
		[MXG_CLASS_BALANCED] = "load_balanced",
		[MXG_CLASS_BACKUP] = "with_backup",
		[MXG_CLASS_NULL_MX] = "null_mx",
		[MXG_CLASS_FAULTS] = "with_faults"
	};

	return (unsigned)c < MXG_CLASS_COUNT ? names[c] : "?";
}
