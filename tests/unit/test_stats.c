/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_stats.c - unit tests of the statistics model: shards and their
 * merge, what one policed answer and one cache hit count, the
 * new/changed distribution signal, LRU eviction order and count, the
 * fleet-wide aggregates, the top domains, the bounds, memory
 * accounting, cache hits counted in per-thread tables and folded in
 * exactly (full tables, two shards, eviction with hits pending, folds
 * racing the counting threads), the thread's shard memo, and two
 * threads updating at once with exact totals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <cmocka.h>

#include "mxguard/analysis.h"
#include "mxguard/dname.h"
#include "mxguard/config.h"
#include "mxguard/stats.h"
#include "testlib.h"

static struct mxg_settings cfg;
static struct tl_answer scratch;	/* the answer recorded last */
static struct mxg_stats *st;
static struct mxg_stats_shard *sh;	/* st's first shard */

static int
setup(void **state)
{
	(void)state;
	tl_settings(&cfg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mxg_stats_free(st);
	st = NULL;
	sh = NULL;
	tl_free(&scratch);
	return 0;
}

/* Build and run the analysis of an answer for domain. */
static const struct mxg_analysis *
analyse_into(struct tl_answer *b, const char *domain, const char *spec)
{
	struct mxg_analysis *an;

	tl_owner(b, domain);
	tl_clear(b);
	tl_spec(b, spec);
	an = tl_analysis(b, cfg.max_exchanges);
	assert_true(mxg_analysis_run(an, &cfg));
	return an;
}

/* Shapes of answer used throughout, in the notation of testlib.h. */
static const char single[] = "10 mx.example.org=1/0";
static const char balanced[] = "10 mx1.example.org=2/0, 10 mx2.example.org=1/0";
static const char with_backup[] =
    "10 mx1.example.org=1/0, 20 backup.example.org=1/0";
static const char null_mx[] = "0 .";
static const char with_alias[] =
    "10 mx1.example.org=1/0, 10 alias.example.org=alias";
static const char dangling[] = "10 mx1.example.org=1/0, 20 gone.example.org=nx";

/* A bytes bound that the tests of the domain bound never reach. */
#define NO_MEMORY_BOUND	MXG_STATS_MAX_MEMORY_MAX

/* The table under test, and the shard its tests write to. */
static void
new_table(size_t shards, size_t max_domains)
{
	st = mxg_stats_new(shards, max_domains, NO_MEMORY_BOUND, 0);
	assert_non_null(st);
	sh = mxg_stats_shard(st, 0);
}

/* Record the answer shape for domain, at now; true if new or changed. */
static bool
record(const char *domain, const char *shape, time_t now)
{
	return mxg_stats_record(st, sh, analyse_into(&scratch, domain, shape),
	    0, 0, now) & MXG_STATS_NEW_DISTRIBUTION;
}

static void
cache_hit(const char *domain, time_t now)
{
	uint8_t wire[MXG_DNAME_MAXLEN];
	size_t len = mxg_dname_from_text(wire, domain);

	assert_true(len > 0);
	mxg_stats_cache_hit(st, sh, wire, len, now);
}

static bool
tracked(const char *domain, struct mxg_domain_stats *d)
{
	uint8_t wire[MXG_DNAME_MAXLEN];
	struct mxg_domain_stats ignored;

	assert_true(mxg_dname_from_text(wire, domain) > 0);
	return mxg_stats_lookup(st, wire, d ? d : &ignored);
}

static void
snapshot(struct mxg_stats_snapshot *snap, size_t top_n)
{
	mxg_stats_snapshot(st, snap, top_n, 1000);
}

/* The snapshot's domains in each class, as one line to compare. */
static const char *
classes(const struct mxg_stats_snapshot *snap)
{
	static char line[128];
	const uint64_t *n = snap->domains_by_class;

	snprintf(line, sizeof(line), "single %llu balanced %llu backup %llu "
	    "null-mx %llu faults %llu",
	    (unsigned long long)n[MXG_CLASS_SINGLE],
	    (unsigned long long)n[MXG_CLASS_BALANCED],
	    (unsigned long long)n[MXG_CLASS_BACKUP],
	    (unsigned long long)n[MXG_CLASS_NULL_MX],
	    (unsigned long long)n[MXG_CLASS_FAULTS]);
	return line;
}

static void
test_bounds(void **state)
{
	(void)state;
	assert_null(mxg_stats_new(1, 0, NO_MEMORY_BOUND, 0));
	assert_null(mxg_stats_new(1, MXG_STATS_MAX_DOMAINS_MAX + 1,
	    NO_MEMORY_BOUND, 0));
	assert_null(mxg_stats_new(1, 10, MXG_STATS_MAX_MEMORY_MIN - 1, 0));
	assert_null(mxg_stats_new(1, 10, MXG_STATS_MAX_MEMORY_MAX + 1, 0));
	assert_null(mxg_stats_new(0, 10, NO_MEMORY_BOUND, 0));
	st = mxg_stats_new(4, MXG_STATS_MAX_DOMAINS_MAX, NO_MEMORY_BOUND, 0);
	assert_non_null(st);
	/* The bucket array for ten million is accounted from the start. */
	assert_true(mxg_stats_memory(st) > MXG_STATS_MAX_DOMAINS_MAX / 2 *
	    sizeof(void *));
	mxg_stats_free(st);
	/*
	 * Ten million domains in 32 MiB: the table can hold only what
	 * fits in the memory, and its buckets are sized for that.
	 */
	st = mxg_stats_new(4, MXG_STATS_MAX_DOMAINS_MAX, 32UL << 20, 0);
	assert_non_null(st);
	assert_true(mxg_stats_memory(st) < (32UL << 20) / 16);
	mxg_stats_free(st);
	st = mxg_stats_new(1, 1, NO_MEMORY_BOUND, 0);
	assert_non_null(st);
}

static void
test_shard_merge(void **state)
{
	struct mxg_stats_snapshot snap;

	(void)state;
	st = mxg_stats_new(3, 10, NO_MEMORY_BOUND, 0);
	assert_ptr_not_equal(mxg_stats_shard(st, 0), mxg_stats_shard(st, 1));
	/* Unforeseen threads share the overflow shard. */
	assert_ptr_equal(mxg_stats_shard(st, 3), mxg_stats_shard(st, -1));
	assert_ptr_equal(mxg_stats_shard(st, 99), mxg_stats_shard(st, 3));
	/* Cache-line separated. */
	assert_true((uintptr_t)mxg_stats_shard(st, 1) -
	    (uintptr_t)mxg_stats_shard(st, 0) >= 64);
	assert_int_equal((uintptr_t)mxg_stats_shard(st, 0) % 64, 0);

	mxg_stats_add(mxg_stats_shard(st, 0), MXG_STAT_PREFETCHES, 2);
	mxg_stats_add(mxg_stats_shard(st, 1), MXG_STAT_PREFETCHES, 3);
	mxg_stats_add(mxg_stats_shard(st, 2), MXG_STAT_PREFETCHES, 5);
	mxg_stats_add(mxg_stats_shard(st, 7), MXG_STAT_PREFETCHES, 7);
	mxg_stats_add(mxg_stats_shard(st, 2), MXG_STAT_DISTRIBUTIONS_LOGGED, 1);
	snapshot(&snap, 0);
	assert_int_equal(snap.counter[MXG_STAT_PREFETCHES], 17);
	assert_int_equal(snap.counter[MXG_STAT_DISTRIBUTIONS_LOGGED], 1);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_RESOLVED], 0);
	assert_int_equal(snap.started, 0);
	assert_int_equal(snap.taken, 1000);
	assert_int_equal(snap.domains_max, 10);
}

static void
test_record_counts(void **state)
{
	struct mxg_stats_snapshot snap;
	struct mxg_domain_stats d;

	(void)state;
	new_table(1, 10);
	record("example.org", with_alias, 100);	/* strip: changed */
	record("example.org", with_alias, 110);
	record("other.example", dangling, 120);	/* log: kept */
	snapshot(&snap, 0);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_RESOLVED], 3);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], 0);
	assert_int_equal(snap.counter[MXG_STAT_FAULT_ALIAS], 2);
	assert_int_equal(snap.counter[MXG_STAT_FAULT_DANGLING], 1);
	assert_int_equal(snap.counter[MXG_STAT_FAULT_MALFORMED], 0);
	assert_int_equal(snap.counter[MXG_STAT_ACTION_CHANGED], 2);
	assert_int_equal(snap.counter[MXG_STAT_ACTION_KEPT], 1);
	assert_int_equal(snap.counter[MXG_STAT_RECORDS_DROPPED], 2);
	assert_int_equal(snap.domains_tracked, 2);

	assert_true(tracked("EXAMPLE.org", &d));
	assert_int_equal(d.resolved, 2);
	assert_int_equal(d.changed, 2);
	assert_int_equal(d.faults_seen, MXG_FAULT_ALIAS);
	assert_int_equal(d.fault_answers[0], 2);
	assert_int_equal(d.first_seen, 100);
	assert_int_equal(d.last_seen, 110);
	assert_false(tracked("nowhere.example", NULL));
}

static void
test_cache_hit(void **state)
{
	struct mxg_stats_snapshot snap;
	struct mxg_domain_stats d;

	(void)state;
	new_table(1, 10);
	/* Unknown domain: counted, never inserted. */
	cache_hit("example.org", 50);
	assert_false(tracked("example.org", NULL));
	record("example.org", single, 100);
	cache_hit("Example.ORG", 200);
	cache_hit("example.org", 300);
	/* A malformed owner is counted and ignored. */
	mxg_stats_cache_hit(st, sh, (const uint8_t *)"\5abc", 4, 400);
	snapshot(&snap, 0);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], 4);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_RESOLVED], 1);
	assert_true(tracked("example.org", &d));
	assert_int_equal(d.cached, 2);
	assert_int_equal(d.resolved, 1);
	assert_int_equal(d.last_seen, 300);
	assert_int_equal(mxg_domain_answers(&d), 3);
}

static void
test_changed_signal(void **state)
{

	(void)state;
	new_table(1, 10);
	assert_true(record("example.org", balanced, 1));	/* new */
	assert_false(record("example.org", balanced, 2));
	assert_false(record("EXAMPLE.ORG", balanced, 3));
	assert_true(record("example.org", with_backup, 4)); /* changed */
	assert_false(record("example.org", with_backup, 5));
	assert_true(record("example.org", balanced, 6));	/* back */
	/* Another domain with the same shape is new to the table. */
	assert_true(record("example.net", balanced, 7));
}

/* What record() found new about the decision fingerprinted fp. */
static unsigned
decision_news(const char *domain, uint64_t fp, time_t until, time_t now)
{
	return mxg_stats_record(st, sh, analyse_into(&scratch, domain,
	    with_alias), fp, until, now) & MXG_STATS_NEW_DECISION;
}

/* A decision is new once, then again only when it changed or expired. */
static void
test_decision_signal(void **state)
{
	(void)state;
	new_table(1, 10);
	assert_true(decision_news("example.org", 7, 100, 1));
	assert_false(decision_news("example.org", 7, 100, 50));
	assert_false(decision_news("example.org", 7, 100, 99));
	/* Another decision is news at once, and so is the first one back. */
	assert_true(decision_news("example.org", 8, 200, 99));
	assert_true(decision_news("example.org", 7, 200, 99));
	/* Past its TTL, the same decision is news again. */
	assert_true(decision_news("example.org", 7, 300, 200));
	assert_false(decision_news("example.org", 7, 300, 201));
	/* A clean answer is no news, but what follows it is. */
	assert_false(decision_news("example.org", 0, 0, 202));
	assert_true(decision_news("example.org", 7, 300, 203));
	assert_true(decision_news("example.net", 7, 300, 203));
}

static void
test_eviction_order(void **state)
{
	struct mxg_stats_snapshot snap;

	(void)state;
	new_table(1, 3);
	record("a.example", single, 1);
	record("b.example", single, 2);
	record("c.example", single, 3);
	cache_hit("a.example", 4);		/* a is now the newest */
	record("d.example", single, 5);	/* evicts b */
	assert_false(tracked("b.example", NULL));
	assert_true(tracked("a.example", NULL));
	record("c.example", single, 6);	/* now c, d, a */
	record("e.example", single, 7);	/* evicts a */
	assert_false(tracked("a.example", NULL));
	assert_true(tracked("d.example", NULL));
	record("f.example", single, 8);	/* evicts d */
	assert_false(tracked("d.example", NULL));
	assert_true(tracked("c.example", NULL));
	assert_true(tracked("e.example", NULL));
	assert_true(tracked("f.example", NULL));
	snapshot(&snap, 0);
	assert_int_equal(snap.counter[MXG_STAT_EVICTIONS], 3);
	assert_int_equal(snap.domains_tracked, 3);
	assert_string_equal(classes(&snap),
	    "single 3 balanced 0 backup 0 null-mx 0 faults 0");
	/* An evicted domain that comes back is new again. */
	assert_true(record("a.example", single, 9));
}

static void
test_table_of_one(void **state)
{
	struct mxg_stats_snapshot snap;
	int i;

	(void)state;
	new_table(1, 1);
	for (i = 0; i < 5; i++) {
		assert_true(record(i % 2 ? "odd.example" : "even.example",
		    single, i));
	}
	snapshot(&snap, 10);
	assert_int_equal(snap.domains_tracked, 1);
	assert_int_equal(snap.counter[MXG_STAT_EVICTIONS], 4);
	assert_int_equal(snap.top_count, 1);
	assert_true(tracked("even.example", NULL));
	mxg_stats_snapshot_release(&snap);
}

static void
test_aggregates(void **state)
{
	struct mxg_stats_snapshot snap;

	(void)state;
	new_table(1, 4);
	record("single.example", single, 1);
	record("balanced.example", balanced, 2);
	record("backup.example", with_backup, 3);
	record("null.example", null_mx, 4);
	snapshot(&snap, 0);
	assert_string_equal(classes(&snap),
	    "single 1 balanced 1 backup 1 null-mx 1 faults 0");

	/* A domain changes shape: it moves class. */
	record("single.example", balanced, 5);
	/* A dangling backup is no backup, but it is a fault. */
	record("backup.example", dangling, 6);
	snapshot(&snap, 0);
	assert_string_equal(classes(&snap),
	    "single 1 balanced 2 backup 0 null-mx 1 faults 1");

	/* The oldest (balanced.example) goes: its class count with it. */
	record("alias.example", with_alias, 7);
	snapshot(&snap, 0);
	assert_false(tracked("balanced.example", NULL));
	/* Alias stripped: one usable exchange left, no backup. */
	assert_string_equal(classes(&snap),
	    "single 2 balanced 1 backup 0 null-mx 1 faults 2");
}

static void
test_top(void **state)
{
	struct mxg_stats_snapshot snap;
	int i;

	(void)state;
	new_table(1, 100);
	record("b.example", balanced, 1);
	record("a.example", single, 1);
	record("c.example", with_backup, 1);
	record("quiet.example", single, 1);
	for (i = 0; i < 5; i++)
		cache_hit("c.example", 2);
	cache_hit("a.example", 2);
	cache_hit("b.example", 2);
	snapshot(&snap, 3);
	assert_int_equal(snap.top_count, 3);
	assert_memory_equal(snap.top[0].owner, "\1c\7example", 11);
	assert_int_equal(mxg_domain_answers(&snap.top[0].domain), 6);
	/* a and b tie at 2: by name. */
	assert_memory_equal(snap.top[1].owner, "\1a\7example", 11);
	assert_memory_equal(snap.top[2].owner, "\1b\7example", 11);
	assert_non_null(snap.top[0].distribution);
	assert_int_equal(snap.top[0].distribution->count, 2);

	/* The snapshot's distribution outlives its replacement. */
	record("c.example", single, 3);
	assert_int_equal(snap.top[0].distribution->count, 2);
	assert_true(mxg_dname_equal(snap.top[0].distribution->owner,
	    (const uint8_t *)"\1c\7example"));
	mxg_stats_snapshot_release(&snap);
	assert_int_equal(snap.top_count, 0);

	/* More than the maximum is capped. */
	snapshot(&snap, 50);
	assert_int_equal(snap.top_count, 4);
	mxg_stats_snapshot_release(&snap);
}

static void
test_memory(void **state)
{
	size_t empty, one, two;

	(void)state;
	new_table(2, 2);
	empty = mxg_stats_memory(st);
	record("a.example", single, 1);
	one = mxg_stats_memory(st);
	assert_true(one > empty);
	record("b.example", single, 1);
	two = mxg_stats_memory(st);
	assert_int_equal(two - one, one - empty);
	/* Bounded: a third domain replaces one of the same size. */
	record("c.example", single, 1);
	assert_int_equal(mxg_stats_memory(st), two);
	/* A larger distribution costs more; the smaller one is given back. */
	record("c.example", balanced, 1);
	assert_true(mxg_stats_memory(st) > two);
	record("c.example", single, 1);
	assert_int_equal(mxg_stats_memory(st), two);
}

/*
 * An MX set of n exchanges with names of about 230 octets, the shape an
 * attacker picks to make each domain cost the most.
 */
static char *
big_shape(size_t n)
{
	static const char label[] =
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc";
	size_t size = n * 300, len = 0, i;
	char *spec = malloc(size);

	assert_non_null(spec);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(spec + len, size - len,
		    "%s%zu x%zu.%s.%s.%s.example.org=1/0", i ? ", " : "",
		    10 + i % 3, i, label, label, label);
	return spec;
}

/* Bounded by bytes too: a table of big domains stays within its bytes. */
static void
test_memory_bound(void **state)
{
	struct mxg_stats_snapshot snap;
	char *big = big_shape(64), name[32];
	size_t empty, one, i;

	(void)state;
	st = mxg_stats_new(1, MXG_STATS_MAX_DOMAINS_MAX, MXG_STATS_MAX_MEMORY_MIN, 0);
	assert_non_null(st);
	sh = mxg_stats_shard(st, 0);
	empty = mxg_stats_memory(st);
	record("d0.example", big, 1);
	one = mxg_stats_memory(st) - empty;
	/* 16 of the 64 exchanges kept: a few KiB, whatever the MX set. */
	assert_true(one < 6 * 1024);
	assert_true(one > MXG_STATS_DIST_ENTRIES * 230);
	for (i = 1; i < 2000; i++) {
		snprintf(name, sizeof(name), "d%zu.example", i);
		record(name, big, 1 + (time_t)i);
	}
	assert_true(mxg_stats_memory(st) <= empty + MXG_STATS_MAX_MEMORY_MIN);
	snapshot(&snap, 0);
	assert_true(snap.domains_tracked < 2000);
	assert_int_equal(snap.counter[MXG_STAT_EVICTIONS],
	    2000 - snap.domains_tracked);
	/* The newest stay, the oldest went. */
	assert_true(tracked("d1999.example", NULL));
	assert_false(tracked("d0.example", NULL));
	mxg_stats_snapshot_release(&snap);
	free(big);
}

/* ---- cache hits counted per thread -------------------------------- */

/* One hit of domain, in shard s. */
static void
hit_in(struct mxg_stats_shard *s, const char *domain, time_t now)
{
	uint8_t wire[MXG_DNAME_MAXLEN];
	size_t len = mxg_dname_from_text(wire, domain);

	assert_true(len > 0);
	mxg_stats_cache_hit(st, s, wire, len, now);
}

/* The domain's cache hits, as a lookup finds them; it must be tracked. */
static uint64_t
cached_of(const char *domain)
{
	struct mxg_domain_stats d;

	assert_true(tracked(domain, &d));
	return d.cached;
}

static void
domain_name(char *out, size_t size, const char *prefix, size_t i)
{
	snprintf(out, size, "%s%zu.example", prefix, i);
}

/*
 * Hits go to the thread's table, without the lock, and reach the
 * domains exactly: at a snapshot, at a lookup, once each, however
 * often the counts are folded.
 */
static void
test_hits_exact_after_fold(void **state)
{
	struct mxg_stats_snapshot snap;
	char name[64];
	uint64_t total = 0;
	size_t i, k;

	(void)state;
	new_table(1, 100);
	for (i = 0; i < 50; i++) {
		domain_name(name, sizeof(name), "d", i);
		record(name, single, 1);
	}
	for (i = 0; i < 50; i++) {
		domain_name(name, sizeof(name), "d", i);
		for (k = 0; k <= i; k++, total++)
			hit_in(sh, name, 2);
	}
	/* Counted in the thread's table, one name a slot. */
	assert_int_equal(mxg_stats_shard_hits_used(sh), 50);
	snapshot(&snap, 3);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], total);
	assert_int_equal(snap.top_count, 3);
	assert_int_equal(snap.top[0].domain.cached, 50);
	assert_int_equal(snap.top[0].domain.last_seen, 2);
	assert_int_equal(snap.top[2].domain.cached, 48);
	mxg_stats_snapshot_release(&snap);
	/* The fold took the counts and left the slots to their thread. */
	assert_int_equal(mxg_stats_shard_hits_used(sh), 50);
	for (i = 0; i < 50; i++) {
		domain_name(name, sizeof(name), "d", i);
		assert_int_equal(cached_of(name), i + 1);
		assert_int_equal(cached_of(name), i + 1);
	}
	/* More hits after the fold: counted once more, not again. */
	hit_in(sh, "d0.example", 3);
	hit_in(sh, "D0.EXAMPLE", 4);
	assert_int_equal(cached_of("d0.example"), 3);
	snapshot(&snap, 1);
	assert_int_equal(snap.top[0].domain.cached, 50);
	mxg_stats_snapshot_release(&snap);
	assert_int_equal(cached_of("d0.example"), 3);
	assert_true(tracked("d0.example", NULL));
	{
		struct mxg_domain_stats d;

		tracked("d0.example", &d);
		assert_int_equal(d.last_seen, 4);
	}
}

/*
 * More names than the thread's table holds: when it is full, it is
 * folded and emptied under the lock and the hit counted there.  No hit
 * is lost, none counted twice, untracked names included.
 */
static void
test_hits_table_full_falls_back(void **state)
{
	struct mxg_stats_snapshot snap;
	char name[64];
	size_t i, pass, used, most = 0, emptied = 0, last = 0;

	(void)state;
	new_table(1, 2000);
	for (i = 0; i < 1000; i++) {
		domain_name(name, sizeof(name), "d", i);
		record(name, single, 1);
	}
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < 1000; i++) {
			domain_name(name, sizeof(name), "d", i);
			hit_in(sh, name, 10 + (time_t)pass);
			/* And a name the table does not track. */
			if (i % 3 == 0) {
				domain_name(name, sizeof(name), "untracked", i);
				hit_in(sh, name, 10);
			}
			used = mxg_stats_shard_hits_used(sh);
			if (used < last)
				emptied++;
			if (used > most)
				most = used;
			last = used;
		}
	}
	/* The table filled, was emptied many times, and stayed bounded. */
	assert_true(most <= MXG_STATS_HIT_SLOTS);
	assert_true(most >= MXG_STATS_HIT_SLOTS / 2);
	assert_true(emptied >= 4000 / MXG_STATS_HIT_SLOTS);
	for (i = 0; i < 1000; i++) {
		domain_name(name, sizeof(name), "d", i);
		assert_int_equal(cached_of(name), 3);
	}
	snapshot(&snap, 1);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], 3000 + 3 * 334);
	assert_int_equal(snap.domains_tracked, 1000);
	assert_int_equal(snap.top[0].domain.cached, 3);
	assert_int_equal(snap.top[0].domain.last_seen, 12);
	mxg_stats_snapshot_release(&snap);
}

/*
 * Two workers' tables and the overflow shard (counted under the lock)
 * add up, folded in any order.
 */
static void
test_hits_two_shards(void **state)
{
	struct mxg_stats_shard *other, *overflow;
	struct mxg_stats_snapshot snap;
	char name[64];
	uint64_t total = 0;
	size_t i, k;

	(void)state;
	new_table(2, 100);
	other = mxg_stats_shard(st, 1);
	overflow = mxg_stats_shard(st, -1);
	for (i = 0; i < 20; i++) {
		domain_name(name, sizeof(name), "d", i);
		record(name, single, 1);
	}
	for (i = 0; i < 20; i++) {
		domain_name(name, sizeof(name), "d", i);
		for (k = 0; k < i; k++, total++)
			hit_in(sh, name, 2);
		/* A fold between the two shards' hits. */
		if (i == 10) {
			snapshot(&snap, 0);
			assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED],
			    total);
		}
		for (k = 0; k < 2 * i; k++, total++)
			hit_in(other, name, 3);
		hit_in(overflow, name, 4);
		total++;
	}
	assert_int_equal(mxg_stats_shard_hits_used(sh), 19);
	assert_int_equal(mxg_stats_shard_hits_used(other), 19);
	assert_int_equal(mxg_stats_shard_hits_used(overflow), 0);
	for (i = 0; i < 20; i++) {
		domain_name(name, sizeof(name), "d", i);
		assert_int_equal(cached_of(name), 3 * i + 1);
	}
	snapshot(&snap, 1);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], total);
	assert_int_equal(snap.top[0].domain.cached, 3 * 19 + 1);
	mxg_stats_snapshot_release(&snap);
}

/*
 * Eviction and pending hits: a domain with hits pending is more recent
 * than its place in the LRU says and stays, counted; the domain just
 * recorded stays whatever is pending; hits of a domain from before it
 * was (again) tracked are not its own.
 */
static void
test_hits_eviction_pending(void **state)
{
	struct mxg_stats_snapshot snap;
	struct mxg_domain_stats d;

	(void)state;
	new_table(1, 3);
	record("a.example", single, 1);
	record("b.example", single, 2);
	record("c.example", single, 3);
	hit_in(sh, "a.example", 4);		/* pending: a is recent */
	hit_in(sh, "a.example", 4);
	record("d.example", single, 5);		/* evicts b, not a */
	assert_false(tracked("b.example", NULL));
	assert_true(tracked("a.example", &d));
	assert_int_equal(d.cached, 2);
	assert_int_equal(d.last_seen, 4);
	record("e.example", single, 6);		/* evicts c */
	assert_false(tracked("c.example", NULL));

	/* Hits while untracked, then tracked again: it starts at 0. */
	hit_in(sh, "c.example", 7);
	hit_in(sh, "c.example", 7);
	record("c.example", single, 8);
	assert_int_equal(cached_of("c.example"), 0);
	hit_in(sh, "c.example", 9);
	assert_int_equal(cached_of("c.example"), 1);

	/*
	 * A domain's hits taken, the domain evicted, hits pending again,
	 * then back in the table: none of the old counts come with it.
	 */
	hit_in(sh, "e.example", 10);
	assert_int_equal(cached_of("e.example"), 1);
	record("f.example", single, 11);
	record("g.example", single, 12);
	record("h.example", single, 13);
	assert_false(tracked("e.example", NULL));
	hit_in(sh, "e.example", 14);
	snapshot(&snap, 0);			/* folds: e is not tracked */
	assert_int_equal(snap.domains_tracked, 3);
	record("e.example", single, 15);
	assert_int_equal(cached_of("e.example"), 0);
	snapshot(&snap, 0);
	/* Every hit was counted in the shard's counter all the same. */
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], 7);
}

/* A table of one: the domain just recorded stays, pending hits or not. */
static void
test_hits_newest_stays(void **state)
{
	struct mxg_stats_snapshot snap;

	(void)state;
	new_table(1, 1);
	record("x.example", single, 1);
	hit_in(sh, "x.example", 2);
	assert_true(record("y.example", single, 3));
	assert_true(tracked("y.example", NULL));
	assert_false(tracked("x.example", NULL));
	snapshot(&snap, 0);
	assert_int_equal(snap.domains_tracked, 1);
	assert_int_equal(snap.counter[MXG_STAT_EVICTIONS], 1);
}

/*
 * Two threads count hits of more names than their tables hold (so each
 * empties its table under the lock, again and again) while this one
 * folds them into snapshots and lookups: every hit is counted once.
 */
#define HITTER_ROUNDS	40
#define HITTER_NAMES	600		/* the first 500 tracked */
#define HITTER_TRACKED	500

static uint8_t hitter_name[HITTER_NAMES][MXG_DNAME_MAXLEN];
static size_t hitter_len[HITTER_NAMES];
static atomic_int hitters_done;

static void *
run_hitter(void *arg)
{
	int id = *(const int *)arg, r, i;
	struct mxg_stats_shard *mine = mxg_stats_shard(st, id);

	for (r = 0; r < HITTER_ROUNDS; r++)
		for (i = 0; i < HITTER_NAMES; i++) {
			/* Each name once a round, in an order of its own. */
			int j = (i * 7 + r + id * 101) % HITTER_NAMES;

			mxg_stats_cache_hit(st, mine, hitter_name[j],
			    hitter_len[j], r);
		}
	atomic_fetch_add(&hitters_done, 1);
	return NULL;
}

static void
test_hits_concurrent_folds(void **state)
{
	static const int ids[2] = { 0, 1 };
	struct mxg_stats_snapshot snap;
	char name[64];
	pthread_t t[2];
	size_t i, folds = 0;

	(void)state;
	new_table(2, 1000);
	for (i = 0; i < HITTER_NAMES; i++) {
		domain_name(name, sizeof(name), "d", i);
		hitter_len[i] = mxg_dname_from_text(hitter_name[i], name);
		if (i < HITTER_TRACKED)
			record(name, single, 0);
	}
	atomic_store(&hitters_done, 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run_hitter,
		    (void *)&ids[i]), 0);
	while (atomic_load(&hitters_done) < 2) {
		snapshot(&snap, 5);
		mxg_stats_snapshot_release(&snap);
		domain_name(name, sizeof(name), "d", folds % HITTER_TRACKED);
		assert_true(tracked(name, NULL));
		folds++;
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < HITTER_NAMES; i++) {
		domain_name(name, sizeof(name), "d", i);
		if (i < HITTER_TRACKED)
			assert_int_equal(cached_of(name), 2 * HITTER_ROUNDS);
		else
			assert_false(tracked(name, NULL));
	}
	snapshot(&snap, 1);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED],
	    2 * HITTER_ROUNDS * HITTER_NAMES);
	assert_int_equal(snap.top[0].domain.cached, 2 * HITTER_ROUNDS);
	mxg_stats_snapshot_release(&snap);
}

/* The thread's memo of its shard, and the hit that goes by it. */
static void *
memo_elsewhere(void *arg)
{
	return mxg_stats_thread_shard(arg);
}

static void
test_thread_shard_memo(void **state)
{
	struct mxg_stats_snapshot snap;
	struct mxg_stats_shard *other;
	uint8_t wire[MXG_DNAME_MAXLEN];
	size_t len = mxg_dname_from_text(wire, "a.example");
	pthread_t t;
	void *seen;

	(void)state;
	new_table(2, 10);
	other = mxg_stats_shard(st, 1);
	record("a.example", single, 1);
	assert_null(mxg_stats_thread_shard(st));
	/* No memo yet: nothing counted, the caller finds the shard. */
	assert_false(mxg_stats_cache_hit_here(st, wire, len, 2));
	mxg_stats_set_thread_shard(st, other);
	assert_ptr_equal(mxg_stats_thread_shard(st), other);
	assert_true(mxg_stats_cache_hit_here(st, wire, len, 2));
	assert_true(mxg_stats_cache_hit_here(st, wire, len, 3));
	assert_int_equal(mxg_stats_shard_hits_used(other), 1);
	assert_int_equal(mxg_stats_shard_hits_used(sh), 0);
	assert_int_equal(cached_of("a.example"), 2);
	snapshot(&snap, 0);
	assert_int_equal(snap.counter[MXG_STAT_ANSWERS_CACHED], 2);
	/* Another thread has a memo of its own. */
	assert_int_equal(pthread_create(&t, NULL, memo_elsewhere, st), 0);
	pthread_join(t, &seen);
	assert_null(seen);
	/* New statistics, wherever they land: the old memo is not theirs. */
	mxg_stats_free(st);
	new_table(2, 10);
	assert_null(mxg_stats_thread_shard(st));
	assert_false(mxg_stats_cache_hit_here(st, wire, len, 4));
}

/* ---- two threads -------------------------------------------------- */

#define THREAD_OPS	20000
#define THREAD_DOMAINS	40

struct worker {
	int id;
	struct tl_answer domain[THREAD_DOMAINS];
};

/* One analysis per domain, made before the threads start. */
static void
prepare_worker(struct worker *w)
{
	int i;

	for (i = 0; i < THREAD_DOMAINS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "d%d.example", i);
		analyse_into(&w->domain[i], name,
		    i % 2 ? balanced : with_backup);
	}
}

static void *
run_worker(void *arg)
{
	struct worker *w = arg;
	struct mxg_stats_shard *mine = mxg_stats_shard(st, w->id);
	int i;

	for (i = 0; i < THREAD_OPS; i++) {
		struct tl_answer *b = &w->domain[(i + w->id) % THREAD_DOMAINS];

		/* Every domain: one round of records, then three of hits. */
		if ((i / THREAD_DOMAINS) % 4 == 0)
			mxg_stats_record(st, mine, &b->an, 0, 0, i);
		else
			mxg_stats_cache_hit(st, mine, b->owner, b->owner_len,
			    i);
		mxg_stats_add(mine, MXG_STAT_PREFETCHES, 1);
	}
	return NULL;
}

static void
run_two_threads(size_t max_domains)
{
	static struct worker w[2];
	pthread_t t[2];
	int i, j;

	st = mxg_stats_new(2, max_domains, NO_MEMORY_BOUND, 0);
	for (i = 0; i < 2; i++) {
		w[i].id = i;
		prepare_worker(&w[i]);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run_worker,
		    &w[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++)
		for (j = 0; j < THREAD_DOMAINS; j++)
			tl_free(&w[i].domain[j]);
}

/* Every answer of both threads counted; tracked domains, each classed. */
static void
assert_thread_totals(const struct mxg_stats_snapshot *snap, size_t tracked)
{
	assert_int_equal(snap->counter[MXG_STAT_ANSWERS_RESOLVED],
	    2 * THREAD_OPS / 4);
	assert_int_equal(snap->counter[MXG_STAT_ANSWERS_CACHED],
	    2 * THREAD_OPS * 3 / 4);
	assert_int_equal(snap->domains_tracked, tracked);
	assert_int_equal(snap->domains_by_class[MXG_CLASS_BALANCED] +
	    snap->domains_by_class[MXG_CLASS_BACKUP], tracked);
}

static void
test_two_threads_exact(void **state)
{
	struct mxg_stats_snapshot snap;
	uint64_t resolved = 0, cached = 0;
	int i;

	(void)state;
	run_two_threads(THREAD_DOMAINS);
	snapshot(&snap, 0);
	assert_thread_totals(&snap, THREAD_DOMAINS);
	assert_int_equal(snap.counter[MXG_STAT_PREFETCHES], 2 * THREAD_OPS);
	assert_int_equal(snap.counter[MXG_STAT_EVICTIONS], 0);
	for (i = 0; i < THREAD_DOMAINS; i++) {
		char name[64];
		struct mxg_domain_stats d;

		snprintf(name, sizeof(name), "d%d.example", i);
		assert_true(tracked(name, &d));
		resolved += d.resolved;
		cached += d.cached;
	}
	/* Each thread records a domain before it has cache hits for it. */
	assert_int_equal(resolved, 2 * THREAD_OPS / 4);
	assert_int_equal(cached, 2 * THREAD_OPS * 3 / 4);
}

static void
test_two_threads_evicting(void **state)
{
	struct mxg_stats_snapshot snap;

	(void)state;
	run_two_threads(7);
	snapshot(&snap, 5);
	assert_thread_totals(&snap, 7);
	assert_true(snap.counter[MXG_STAT_EVICTIONS] > 0);
	mxg_stats_snapshot_release(&snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_bounds),
		T(test_shard_merge),
		T(test_record_counts),
		T(test_cache_hit),
		T(test_changed_signal),
		T(test_decision_signal),
		T(test_eviction_order),
		T(test_table_of_one),
		T(test_aggregates),
		T(test_top),
		T(test_memory),
		T(test_hits_exact_after_fold),
		T(test_hits_table_full_falls_back),
		T(test_hits_two_shards),
		T(test_hits_eviction_pending),
		T(test_hits_newest_stays),
		T(test_hits_concurrent_folds),
		T(test_thread_shard_memo),
		T(test_two_threads_exact),
		T(test_two_threads_evicting),
		T(test_memory_bound),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
