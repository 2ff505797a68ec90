/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h - what the module counts: answers, faults and actions, per
 * worker thread without locks, and per domain in a bounded table.
 *
 * Two halves, because they are paid for on different paths:
 *
 * - Counters live in one struct mxg_stats_shard per worker thread.  A
 *   shard is written only by its own thread, with relaxed atomic loads
 *   and stores (a plain add on x86 and arm64: no lock prefix, no fence),
 *   and padded to its own cache lines so threads never share one.  The
 *   reporter sums the shards into a snapshot; a value may be a moment
 *   stale, never torn.  Indices beyond the thread count share one extra
 *   shard updated with atomic read-modify-write, so a thread the glue
 *   did not foresee still counts exactly.
 *
 * - The domain table (stats-max-domains entries) keeps, per MX owner:
 *   answers resolved and from cache, faults, actions, first and last
 *   seen, and a compact copy of the current distribution.  One mutex
 *   guards it; what runs under it is a hash lookup, a few additions and
 *   an LRU relink.  Nothing is allocated, freed, logged or rendered
 *   under the lock: a new entry or a new distribution is built before,
 *   an evicted one freed after.  When full, the least recently seen
 *   domain is evicted (and counted).  Names are hashed with a keyed
 *   hash, the key drawn at random by mxg_stats_new().
 *
 * - Cache hits, one per MX answer served from Unbound's cache, take no
 *   lock: a worker shard counts them per domain in a small table of its
 *   own (MXG_STATS_HIT_SLOTS names, by keyed hash), folded into the
 *   domain table under the lock whenever the counts must be exact: a
 *   snapshot, a lookup, the eviction of a domain with hits pending, and
 *   when the thread's table is full (that hit is then counted under the
 *   lock).  No hit is lost or counted twice.
 *
 * Fleet-wide aggregates (single exchange, load balanced, backup, null
 * MX, faults) are kept up to date on every change, so a snapshot costs
 * O(1) for them; the top domains are found by walking the table in
 * short locked slices.  Unbound-independent.
 */
#ifndef MXGUARD_STATS_H
#define MXGUARD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/distribution.h"

/* The counters, summed over all threads. */
enum mxg_stat {
	MXG_STAT_ANSWERS_RESOLVED = 0,	/* policed by the module */
	MXG_STAT_ANSWERS_CACHED,	/* served from the message cache */
	/* Answers with at least one record of the kind (checks not off). */
	MXG_STAT_FAULT_ALIAS,
	MXG_STAT_FAULT_ADDRESS_LITERAL,
	MXG_STAT_FAULT_DANGLING,
	MXG_STAT_FAULT_NULL_MX_MISUSE,
	MXG_STAT_FAULT_MALFORMED,
	/* What was done with the answers. */
	MXG_STAT_ACTION_KEPT,
	MXG_STAT_ACTION_CHANGED,
	MXG_STAT_ACTION_SERVFAIL,
	MXG_STAT_RECORDS_DROPPED,
	MXG_STAT_RECORDS_REWRITTEN,
	MXG_STAT_UNCHECKED,		/* records whose exchange was unchecked */
	MXG_STAT_PREFETCHES,		/* A/AAAA sub-queries sent (glue counts) */
	MXG_STAT_DISTRIBUTIONS_LOGGED,	/* distribution lines (glue counts) */
	MXG_STAT_EVICTIONS,		/* domains evicted: kept by the table */
	MXG_STAT_LOG_SUPPRESSED,	/* per-answer lines over log-rate (glue) */
	MXG_STAT_OVER_BUDGET,		/* lookups not sent: budget spent (glue) */
	MXG_STAT_COUNT
};

/* Fault kinds in the order of the MXG_FAULT_* bits (mx.h). */
#define MXG_STATS_FAULT_KINDS	5

/* Fleet-wide classes of domains, by their current distribution. */
enum mxg_stats_class {
	MXG_CLASS_SINGLE = 0,	/* one usable exchange and no usable backup */
	MXG_CLASS_BALANCED,	/* more than one usable exchange in the primary tier */
	MXG_CLASS_BACKUP,	/* a usable exchange above the primary tier */
	MXG_CLASS_NULL_MX,	/* RFC 7505 null MX */
	MXG_CLASS_FAULTS,	/* its latest resolved answer had a fault */
	MXG_CLASS_COUNT
};

/* Top domains a snapshot can hold. */
#define MXG_STATS_TOP_MAX	10

/*
 * Exchanges a domain's stored distribution keeps, those carrying mail
 * first; the rest are counted.  With the longest names a domain costs
 * a few KiB, whatever the size of its MX set.
 */
#define MXG_STATS_DIST_ENTRIES	16

/* Names a worker shard counts cache hits of between two folds. */
#define MXG_STATS_HIT_SLOTS	256

/* Counters of one worker thread.  Opaque beyond mxg_stats_add(). */
struct mxg_stats_shard;

/* The statistics of one module instance. */
struct mxg_stats;

/* What the table knows of one domain. */
struct mxg_domain_stats {
	uint64_t resolved;			/* answers policed */
	uint64_t cached;			/* answers from the cache */
	unsigned faults_seen;			/* MXG_FAULT_* bits, ever */
	unsigned faults_last;			/* ... in the latest answer */
	uint64_t fault_answers[MXG_STATS_FAULT_KINDS];
	uint64_t kept, changed, servfail;	/* answers per action */
	time_t first_seen, last_seen;
};

struct mxg_stats_dist;		/* a shared, reference-counted copy */

/* One of the top domains, as a snapshot holds it. */
struct mxg_stats_top {
	uint8_t owner[MXG_DNAME_MAXLEN];	/* wire, lowercased */
	struct mxg_domain_stats domain;
	/* Current distribution (NULL if none): valid until release. */
	const struct mxg_distribution *distribution;
	struct mxg_stats_dist *ref;		/* private */
};

/* Everything a report needs, detached from the live statistics. */
struct mxg_stats_snapshot {
	time_t started;			/* statistics created */
	time_t taken;			/* this snapshot */
	uint64_t counter[MXG_STAT_COUNT];
	uint64_t domains_tracked;
	uint64_t domains_max;
	uint64_t domains_by_class[MXG_CLASS_COUNT];
	size_t memory;			/* bytes, as mxg_stats_memory() */
	size_t top_count;		/* by answers, most first */
	struct mxg_stats_top top[MXG_STATS_TOP_MAX];
};

/*
 * New statistics for threads shards (worker threads: Unbound's
 * num-threads, at least 1) and a table of at most max_domains entries
 * (MXG_STATS_MAX_DOMAINS_MIN..MAX) and max_bytes of entries and
 * distributions (MXG_STATS_MAX_MEMORY_MIN..MAX); the least recently
 * seen domains make room.  The shard array is sized here and never
 * grows.  now: start time.  NULL on a bad bound or no memory.
 */
struct mxg_stats *mxg_stats_new(size_t threads, unsigned long max_domains,
    unsigned long max_bytes, time_t now);

/* Free everything; no thread may use the statistics any more. */
void mxg_stats_free(struct mxg_stats *st);

/* Bytes allocated for the statistics, table and distributions included. */
size_t mxg_stats_memory(struct mxg_stats *st);

/*
 * The shard of worker thread `thread` (0..threads-1).  Any other value
 * gets the shared overflow shard, which is slower but still exact.
 */
struct mxg_stats_shard *mxg_stats_shard(struct mxg_stats *st, int thread);

/* Add n to counter c, from the thread that owns the shard. */
void mxg_stats_add(struct mxg_stats_shard *sh, enum mxg_stat c, uint64_t n);

/* What mxg_stats_record() found new, for the caller to log. */
#define MXG_STATS_NEW_DISTRIBUTION	0x1u
#define MXG_STATS_NEW_DECISION		0x2u

/*
 * Count one answer policed by the module (the resolved path): its
 * faults and actions in the shard, and its domain in the table.
 * Returns MXG_STATS_NEW_DISTRIBUTION when the domain's distribution is
 * new or differs from the one recorded before, MXG_STATS_NEW_DECISION
 * when decision (a fingerprint of a decision to log; 0 for none) is
 * not the one recorded for the domain before decision_until: the
 * caller logs what is new (once; a concurrent record of the same change
 * does not return it).  an->answer->owner is the domain;
 * an->distribution must have been computed.
 */
unsigned mxg_stats_record(struct mxg_stats *st, struct mxg_stats_shard *sh,
    const struct mxg_analysis *an, uint64_t decision, time_t decision_until,
    time_t now);

/*
 * Count one answer served from the message cache: the shard's counter,
 * and the domain's, if the table tracks it when the hit is folded in
 * (never inserts; hits from before the domain was inserted are not
 * its).  owner is the query name in wire format, owner_len octets (any
 * case).  From the thread that owns the shard; without a lock unless
 * the shard is the overflow one or its table of names is full.
 */
void mxg_stats_cache_hit(struct mxg_stats *st, struct mxg_stats_shard *sh,
    const uint8_t *owner, size_t owner_len, time_t now);

/*
 * The shard the calling thread counts cache hits of st in, remembered
 * per thread, so that it is found without a search: NULL until the
 * thread set it.  A memo of statistics freed since is never returned,
 * even if new ones come at the same address.
 */
struct mxg_stats_shard *mxg_stats_thread_shard(const struct mxg_stats *st);
void mxg_stats_set_thread_shard(const struct mxg_stats *st,
    struct mxg_stats_shard *sh);

/*
 * mxg_stats_cache_hit() in mxg_stats_thread_shard(st); false, with
 * nothing counted, when the calling thread has set none.
 */
bool mxg_stats_cache_hit_here(struct mxg_stats *st, const uint8_t *owner,
    size_t owner_len, time_t now);

/*
 * The domain's entry copied into out, with every hit counted so far;
 * false if it is not tracked.
 */
bool mxg_stats_lookup(struct mxg_stats *st, const uint8_t *owner,
    struct mxg_domain_stats *out);

/*
 * Names in the shard's table of cache hits (0 for the overflow shard):
 * for tests and diagnostics, read by the shard's thread.
 */
size_t mxg_stats_shard_hits_used(const struct mxg_stats_shard *sh);

/*
 * Take a snapshot: shards summed, aggregates, and the top_n (at most
 * MXG_STATS_TOP_MAX) domains by answers, ties by name.  The table is
 * walked in short locked slices, so updates go on meanwhile.
 */
void mxg_stats_snapshot(struct mxg_stats *st,
    struct mxg_stats_snapshot *snap, size_t top_n, time_t now);

/*
 * Drop the snapshot's hold on the top domains' distributions.  The
 * counters stay valid: keep the snapshot as the "previous" one.
 */
void mxg_stats_snapshot_release(struct mxg_stats_snapshot *snap);

/* Answers of a domain: resolved + cached. */
uint64_t mxg_domain_answers(const struct mxg_domain_stats *d);

/*
 * The classes (1 << enum mxg_stats_class) a domain falls in, from the
 * distribution of its latest answer and that answer's fault bits.
 */
unsigned mxg_stats_classify(const struct mxg_distribution *dist,
    unsigned faults);

/* Short fixed names, as used in logs, JSON and Prometheus labels. */
const char *mxg_stat_name(enum mxg_stat c);
const char *mxg_stats_class_name(enum mxg_stats_class c);

#endif /* MXGUARD_STATS_H */
