/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.c - the token bucket of the per-answer log lines (see
 * ratelimit.h).  Taken only when a line is to be logged, which is rare
 * next to the answers, so one short mutex is all it needs.
 */
#include "mxguard/ratelimit.h"

void
mxg_bucket_init(struct mxg_bucket *b, unsigned rate, unsigned burst,
    time_t now)
{
	pthread_mutex_init(&b->lock, NULL);
	b->rate = rate;
	b->burst = burst;
	b->tokens = rate ? burst : 0;
	b->last = now;
	b->refused = 0;
}

void
mxg_bucket_destroy(struct mxg_bucket *b)
{
	pthread_mutex_destroy(&b->lock);
}

/* Under the lock: the tokens earned since the last top-up. */
static void
top_up(struct mxg_bucket *b, time_t now)
{
	uint64_t earned;

	if (now <= b->last)
		return;
	earned = (uint64_t)(now - b->last) * b->rate;
	b->tokens = earned >= b->burst - b->tokens ? b->burst :
	    b->tokens + earned;
	b->last = now;
}

bool
mxg_bucket_take(struct mxg_bucket *b, time_t now, uint64_t *refused_before)
{
	bool ok;

	pthread_mutex_lock(&b->lock);
	top_up(b, now);
	ok = b->tokens > 0;
	if (ok) {
		b->tokens--;
		*refused_before = b->refused;
		b->refused = 0;
	} else
		b->refused++;
	pthread_mutex_unlock(&b->lock);
	return ok;
}
