/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c - the periodic report: every stats-interval seconds the
 * statistics are summed, the summary logged and the stats file replaced;
 * at unload (shutdown, reload) once more.
 *
 * Unbound's event loops are not ours to add timers to (the function
 * pointer whitelist forbids it), and a thread of our own would cost every
 * query: it makes a single-threaded Unbound multi-threaded, and glibc
 * then takes its slower, locked paths (about 100 instructions a query
 * under callgrind, 1.8% of a cached A answer).  So the report is driven
 * by the traffic: the module sees every answer (cache hits through its
 * callback, resolutions in operate), and the first worker that sees the
 * interval elapsed makes the report, while the others go on.  A resolver
 * with no traffic at all makes no report until the next query, or until
 * it stops.
 */
#include "config.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/module.h"
#include "util/log.h"

#include "mxguard/render.h"
#include "glue.h"

struct mxg_reporter {
	struct mxg_env *me;
	pthread_mutex_t lock;		/* one report at a time */
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
report(struct mxg_reporter *r, time_t now)
{
	struct mxg_stats_snapshot cur;

	mxg_stats_snapshot(r->me->stats, &cur, MXG_STATS_TOP_MAX, now);
	mxg_render_summary(&cur, r->have_prev ? &r->prev : NULL,
	    MXG_RENDER_SUMMARY_TOP, log_line, NULL);
	write_file(r, &cur);
	mxg_stats_snapshot_release(&cur);
	r->prev = cur;
	r->have_prev = true;
}

struct mxg_reporter *
mxg_reporter_start(struct mxg_env *me)
{
	struct mxg_reporter *r;
	unsigned long interval = me->settings->stats_interval;

	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->me = me;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&me->report_due, interval ? time(NULL) + (time_t)interval : 0);
	return r;
}

void
mxg_reporter_due(struct mxg_env *me, time_t now)
{
	struct mxg_reporter *r = me->reporter;
	time_t due = atomic_load(&me->report_due);

	/* One worker wins the interval; a report still running skips it. */
	if (due == 0 || now < due || !atomic_compare_exchange_strong(
	    &me->report_due, &due, now + (time_t)me->settings->stats_interval))
		return;
	if (pthread_mutex_trylock(&r->lock) != 0)
		return;
	report(r, now);
	pthread_mutex_unlock(&r->lock);
}

void
mxg_reporter_stop(struct mxg_reporter *r)
{
	if (!r)
		return;
	/* The final summary and file: the workers have stopped by now. */
	pthread_mutex_lock(&r->lock);
	report(r, time(NULL));
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
