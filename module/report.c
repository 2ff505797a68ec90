/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c - the reporter thread: every stats-interval seconds it sums
 * the statistics, logs the summary and replaces the stats file; at
 * shutdown (and reload) it does so a last time.
 *
 * Unbound's event loops are not ours to add timers to (the function
 * pointer whitelist forbids it), and a report driven by queries would
 * stop when the queries stop; so the module keeps one thread of its
 * own, which touches nothing of Unbound's but its thread-safe log.
 */
#include "config.h"
#include <pthread.h>
#include <time.h>
#include <errno.h>

#include "util/module.h"
#include "util/log.h"

#include "mxguard/render.h"
#include "glue.h"

struct mxg_reporter {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct mxg_env *me;
	struct mxg_stats_snapshot prev;	/* counters of the last report */
	bool have_prev;
	char last_error[256];		/* logged once until it changes */
};

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	log_info("mxguard: %s", line);
}

static void
write_file(struct mxg_reporter *r, const struct mxg_stats_snapshot *snap)
{
	const struct mxg_settings *set = r->me->settings;
	char err[256];

	if (!set->stats_file || !*set->stats_file)
		return;
	if (mxg_stats_write_file(set->stats_file, set->stats_format, snap,
	    err, sizeof(err))) {
		r->last_error[0] = 0;
		return;
	}
	/* A full disk must not fill the log as well: once per new error. */
	if (strcmp(err, r->last_error) != 0) {
		log_err("mxguard: stats-file %s: %s", set->stats_file, err);
		snprintf(r->last_error, sizeof(r->last_error), "%s", err);
	}
}

/* One report: the summary lines (if anything happened) and the file. */
static void
report(struct mxg_reporter *r)
{
	struct mxg_stats_snapshot cur;

	mxg_stats_snapshot(r->me->stats, &cur, MXG_STATS_TOP_MAX, time(NULL));
	mxg_render_summary(&cur, r->have_prev ? &r->prev : NULL,
	    MXG_RENDER_SUMMARY_TOP, log_line, NULL);
	write_file(r, &cur);
	mxg_stats_snapshot_release(&cur);
	r->prev = cur;
	r->have_prev = true;
}

static void *
reporter_main(void *arg)
{
	struct mxg_reporter *r = arg;
	unsigned long interval = r->me->settings->stats_interval;
	struct timespec deadline;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += (time_t)interval;
		while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock,
		    &deadline) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->lock);
		report(r);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct mxg_reporter *
mxg_reporter_start(struct mxg_env *me)
{
	struct mxg_reporter *r;

	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->me = me;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	/* No periodic reports: only the final one, from mxg_reporter_stop. */
	if (me->settings->stats_interval == 0)
		return r;
	if (pthread_create(&r->thread, NULL, reporter_main, r) != 0) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return NULL;
	}
	return r;
}

void
mxg_reporter_stop(struct mxg_reporter *r)
{
	if (!r)
		return;
	if (r->me->settings->stats_interval > 0) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->wake);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	/* The final summary and file: the workers have stopped by now. */
	report(r);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
