/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * thread.c - what belongs to the calling worker thread: its index among
 * the workers, and by it its statistics shard and lookup ledger; and the
 * limiter of the per-answer log lines.
 *
 * A leaf of the glue: it calls only the engine and Unbound's log, so the
 * entry points (mxguard.c) and the per-answer code (police.c, lookup.c)
 * both depend on it without depending on each other.
 */
#include "config.h"
#include "util/module.h"
#include "util/log.h"

#include "mxguard/stats.h"
#include "mxguard/ratelimit.h"
#include "glue.h"

/*
 * The calling thread's index among the workers: a thread takes the next
 * free one on its first call.  -1 for a thread beyond num-threads.
 */
static int
thread_index(struct mxg_env *me)
{
	pthread_t self = pthread_self();
	size_t i, n = atomic_load_explicit(&me->thread_count,
	    memory_order_acquire);

	for (i = 0; i < n; i++)
		if (pthread_equal(me->thread_ids[i], self))
			return (int)i;
	pthread_mutex_lock(&me->thread_lock);
	n = atomic_load_explicit(&me->thread_count, memory_order_relaxed);
	for (i = 0; i < n; i++)
		if (pthread_equal(me->thread_ids[i], self))
			break;
	if (i == n && n < me->threads) {
		me->thread_ids[n] = self;
		atomic_store_explicit(&me->thread_count, n + 1,
		    memory_order_release);
	}
	pthread_mutex_unlock(&me->thread_lock);
	return i < me->threads ? (int)i : -1;
}

struct mxg_stats_shard *
mxg_thread_shard(struct mxg_env *me)
{
	/* More threads than shards: the shared, slower one (still exact). */
	return mxg_stats_shard(me->stats, thread_index(me));
}

struct mxg_ledger *
mxg_thread_ledger(struct mxg_env *me)
{
	int i = thread_index(me);

	/* A thread beyond num-threads has no ledger: it sends no lookups. */
	return i < 0 ? NULL : me->ledgers[i];
}

bool
mxg_log_allowed(struct mxg_env *me, time_t now)
{
	uint64_t refused;

	if (!mxg_bucket_take(&me->log_bucket, now, &refused)) {
		mxg_stats_add(mxg_thread_shard(me), MXG_STAT_LOG_SUPPRESSED, 1);
		return false;
	}
	if (refused)
		log_info("mxguard: %llu answer lines suppressed (over "
		    "log-rate: %lu)", (unsigned long long)refused,
		    me->settings->log_rate);
	return true;
}
