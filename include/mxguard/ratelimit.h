/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit.h - a token bucket for the module's per-answer log lines.
 *
 * An attacker chooses the MX sets that mxguard logs, and so how much it
 * logs: the bucket lets a burst through, then a low sustained rate, and
 * counts what it refused so the next line that goes out can say so.
 * Whole seconds are enough: the clock is Unbound's, in seconds.
 * Unbound-independent; safe to use from any thread.
 */
#ifndef MXGUARD_RATELIMIT_H
#define MXGUARD_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct mxg_bucket {
	pthread_mutex_t lock;
	/* Under lock: */
	uint64_t tokens;	/* lines that may go out now */
	time_t last;		/* when tokens were last topped up */
	uint64_t refused;	/* since the last line that went out */
	/* Fixed after mxg_bucket_init(): */
	unsigned rate;		/* tokens a second */
	unsigned burst;		/* most tokens */
};

/* A full bucket at now. */
void mxg_bucket_init(struct mxg_bucket *b, unsigned rate, unsigned burst,
    time_t now);
void mxg_bucket_destroy(struct mxg_bucket *b);

/*
 * May one more line go out at now?  When it may, *refused_before is set
 * to the lines refused since the last one that went out (to be logged
 * first, as one line); when it may not, the line is counted as refused.
 */
bool mxg_bucket_take(struct mxg_bucket *b, time_t now,
    uint64_t *refused_before);

#endif /* MXGUARD_RATELIMIT_H */
