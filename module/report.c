/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c - the periodic report: every stats-interval seconds the
 * statistics are summed, the summary logged and the stats file replaced;
 * at unload (shutdown, reload) once more.
 *
 * Unbound's event loops are not ours to add timers to (the function
 * pointer whitelist forbids it), so the report is driven by the traffic:
 * the first worker that runs the module (operate) after the interval
 * has elapsed makes it, while the others go on.  Not from the cache-hit
 * callback: Unbound calls that with the message's and its rrsets' locks
 * held, and a thread storing the same message would wait for them with
 * a slab of the message cache locked, stalling every thread.  A resolver
 * that only serves cache hits reports at its next resolution, or when
 * it stops.
 *
 * Writing the file means an fsync, which may take as long as the disk
 * likes; a worker must not wait for it.  So the worker only renders the
 * file into memory, and a thread of ours writes it, started only when
 * there is a stats-file: a thread makes a single-threaded Unbound
 * multi-threaded, and glibc then takes slower, locked paths on every
 * query.  When the writer is still busy with the last file, the newer
 * one replaces the one waiting.  The writer calls nothing of Unbound's
 * (not even its log): Unbound built with lock checks knows only its own
 * threads; a worker logs the writer's errors at the next report.
 */
#include "config.h"
#include <pthread.h>
#include <signal.h>
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

	/* The file writer: pending is its next file, taken under wlock. */
	bool writer_running;
	pthread_t writer;
	pthread_mutex_t wlock;
	pthread_cond_t wake;
	struct mxg_sink pending;
	bool have_pending, stopping;
	char last_error[256];		/* the writer's, until it changes */
	/* A new error for a worker to log: the writer calls nothing of
	 * Unbound's, whose lock-checking build knows only its threads. */
	char error_to_log[256];
};

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	log_info("mxguard: %s", line);
}

/* Write the file; a new error is kept for the log (once until it changes). */
static void
write_file(struct mxg_reporter *r, const struct mxg_sink *text)
{
	const char *path = r->me->settings->stats_file;
	char err[256];

	if (mxg_stats_replace_file(path, text, err, sizeof(err))) {
		r->last_error[0] = 0;
		return;
	}
	/* A full disk must not fill the log as well. */
	if (strcmp(err, r->last_error) == 0)
		return;
	snprintf(r->last_error, sizeof(r->last_error), "%s", err);
	pthread_mutex_lock(&r->wlock);
	snprintf(r->error_to_log, sizeof(r->error_to_log), "%s", err);
	pthread_mutex_unlock(&r->wlock);
}

/* In a worker: log what the writer found wrong since the last report. */
static void
log_write_error(struct mxg_reporter *r)
{
	char err[256];

	pthread_mutex_lock(&r->wlock);
	snprintf(err, sizeof(err), "%s", r->error_to_log);
	r->error_to_log[0] = 0;
	pthread_mutex_unlock(&r->wlock);
	if (err[0])
		log_err("mxguard: stats-file %s: %s",
		    r->me->settings->stats_file, err);
}

static void *
writer_main(void *arg)
{
	struct mxg_reporter *r = arg;
	struct mxg_sink text;

	pthread_mutex_lock(&r->wlock);
	for (;;) {
		while (!r->have_pending && !r->stopping)
			pthread_cond_wait(&r->wake, &r->wlock);
		if (!r->have_pending)
			break;
		text = r->pending;
		r->have_pending = false;
		pthread_mutex_unlock(&r->wlock);
		write_file(r, &text);
		mxg_sink_free(&text);
		pthread_mutex_lock(&r->wlock);
	}
	pthread_mutex_unlock(&r->wlock);
	return NULL;
}

/* Hand the rendered file to the writer, or write it here without one. */
static void
deliver(struct mxg_reporter *r, struct mxg_sink *text)
{
	if (!r->writer_running) {
		write_file(r, text);
		mxg_sink_free(text);
		log_write_error(r);
		return;
	}
	pthread_mutex_lock(&r->wlock);
	if (r->have_pending)
		mxg_sink_free(&r->pending);
	r->pending = *text;
	r->have_pending = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->wlock);
}

static void
render_file(struct mxg_reporter *r, const struct mxg_stats_snapshot *snap)
{
	const struct mxg_settings *set = r->me->settings;
	struct mxg_sink text;

	if (!set->stats_file || !*set->stats_file)
		return;
	if (!mxg_stats_render_file(&text, set->stats_format, snap)) {
		mxg_sink_free(&text);
		log_err("mxguard: stats-file %s: out of memory rendering it",
		    set->stats_file);
		return;
	}
	deliver(r, &text);
}

/* One report: the summary lines (if anything happened) and the file. */
static void
report(struct mxg_reporter *r, time_t now)
{
	struct mxg_stats_snapshot cur;

	log_write_error(r);
	mxg_stats_snapshot(r->me->stats, &cur, MXG_STATS_TOP_MAX, now);
	mxg_render_summary(&cur, r->have_prev ? &r->prev : NULL,
	    MXG_RENDER_SUMMARY_TOP, log_line, NULL);
	render_file(r, &cur);
	mxg_stats_snapshot_release(&cur);
	r->prev = cur;
	r->have_prev = true;
}

/* The writer takes no signals: they are the main thread's to handle. */
static bool
start_writer(struct mxg_reporter *r)
{
	sigset_t all, old;
	bool ok;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&r->writer, NULL, writer_main, r) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static void
destroy(struct mxg_reporter *r)
{
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->wlock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct mxg_reporter *
mxg_reporter_start(struct mxg_env *me)
{
	const struct mxg_settings *set = me->settings;
	struct mxg_reporter *r;
	unsigned long interval = set->stats_interval;

	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->me = me;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->wlock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (set->stats_file && *set->stats_file && interval) {
		if (!start_writer(r)) {
			log_err("mxguard: cannot start the stats-file writer");
			destroy(r);
			return NULL;
		}
		r->writer_running = true;
	}
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

static void
stop_writer(struct mxg_reporter *r)
{
	if (!r->writer_running)
		return;
	pthread_mutex_lock(&r->wlock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->wlock);
	pthread_join(r->writer, NULL);
	r->writer_running = false;
}

void
mxg_reporter_stop(struct mxg_reporter *r)
{
	if (!r)
		return;
	/* The files handed over are written first, then the final one. */
	stop_writer(r);
	/* The workers have stopped by now. */
	pthread_mutex_lock(&r->lock);
	report(r, time(NULL));
	pthread_mutex_unlock(&r->lock);
	destroy(r);
}
