/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats-bench.c - what the statistics cost the hot path: nanoseconds per
 * mxg_stats_record() of an unchanged answer (the resolved path) and per
 * mxg_stats_cache_hit() (the cache path), with 1 thread and with 2
 * threads contending for the table's lock (records always; cache hits
 * when a thread's table of names fills and is folded in), for tables of
 * 10k and 1M domains, filled before the timed loop.
 *
 * Each thread has its own shard, as the workers will.  Domains are
 * visited in a scattered order so the table does not stay in cache.
 * Also prints what the table holds in memory and what a snapshot with
 * the top 10 costs.  Usage: stats-bench [ops-per-thread]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mxguard/analysis.h"
#include "mxguard/dname.h"
#include "mxguard/stats.h"

#define ITEM_MAX	(4 + MXG_DNAME_MAXLEN)

struct run {
	struct mxg_stats *st;
	int thread;
	bool record;		/* else cache hits */
	size_t domains;
	size_t ops;
	struct mxg_analysis an;	/* this thread's copy */
	void *mem;
};

static uint8_t (*names)[MXG_DNAME_MAXLEN];
static size_t *name_lens;
static uint8_t item_buf[2][ITEM_MAX];
static const uint8_t *items[2];
static size_t item_lens[2];
static struct mxg_settings cfg;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
make_names(size_t n)
{
	char text[64];
	size_t i;

	names = malloc(n * sizeof(*names));
	name_lens = malloc(n * sizeof(*name_lens));
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "d%zu.example%zu.org", i, i % 97);
		name_lens[i] = mxg_dname_from_text(names[i], text);
	}
}

/* Two equal exchanges with addresses: an answer kept as it is. */
static void
analyse(struct run *r)
{
	struct mxg_fact f = { MXG_FACT_ADDRESSES, 1, 1, NULL, 300 };
	size_t size = mxg_analysis_size(2), i;

	r->mem = malloc(size);
	mxg_analysis_init(&r->an, r->mem, size, 2);
	mxg_answer_parse(r->an.answer, names[0], name_lens[0], items,
	    item_lens, 2, cfg.max_exchanges);
	for (i = 0; i < r->an.answer->exchange_count; i++)
		mxg_answer_set_fact(r->an.answer, i, &f);
	mxg_analysis_run(&r->an, &cfg);
}

/* Domain number k of a scattered walk over the table. */
static size_t
scatter(size_t k, size_t n, int thread)
{
	return (k * 2654435761u + (size_t)thread * 7919) % n;
}

static void *
run_ops(void *arg)
{
	struct run *r = arg;
	struct mxg_stats_shard *sh = mxg_stats_shard(r->st, r->thread);
	size_t k;

	for (k = 0; k < r->ops; k++) {
		size_t d = scatter(k, r->domains, r->thread);

		if (r->record) {
			r->an.answer->owner = names[d];
			r->an.distribution->owner = names[d];
			mxg_stats_record(r->st, sh, &r->an, 0, 0, (time_t)k);
		} else
			mxg_stats_cache_hit(r->st, sh, names[d], name_lens[d],
			    (time_t)k);
	}
	return NULL;
}

/* ns per operation, as seen by each thread. */
static double
measure(struct mxg_stats *st, size_t domains, int threads, bool record,
    size_t ops)
{
	struct run r[2];
	pthread_t t[2];
	double start, ns;
	int i;

	for (i = 0; i < threads; i++) {
		r[i] = (struct run){ st, i, record, domains, ops, { 0 }, NULL };
		analyse(&r[i]);
	}
	start = now_ns();
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, run_ops, &r[i]);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	ns = (now_ns() - start) / (double)ops;
	for (i = 0; i < threads; i++)
		free(r[i].mem);
	return ns;
}

static void
fill(struct mxg_stats *st, size_t domains)
{
	struct run r = { st, 0, true, domains, 0, { 0 }, NULL };
	struct mxg_stats_shard *sh = mxg_stats_shard(st, 0);
	size_t d;

	analyse(&r);
	for (d = 0; d < domains; d++) {
		r.an.answer->owner = names[d];
		r.an.distribution->owner = names[d];
		mxg_stats_record(st, sh, &r.an, 0, 0, 0);
	}
	free(r.mem);
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 10000, 1000000 };
	size_t ops = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	size_t s, i;
	char text[2][32] = { "mx1.example.org", "mx2.example.org" };

	cfg.cname_policy = MXG_POLICY_STRIP;
	cfg.max_exchanges = 8;
	for (i = 0; i < 2; i++) {
		uint8_t wire[MXG_DNAME_MAXLEN];

		mxg_dname_from_text(wire, text[i]);
		item_lens[i] = mxg_mx_item_build(item_buf[i], ITEM_MAX, 10,
		    wire);
		items[i] = item_buf[i];
	}
	make_names(sizes[1]);
	printf("%-9s %-8s %12s %12s %12s %12s %10s %12s\n", "domains",
	    "bytes/d", "record 1t", "record 2t", "hit 1t", "hit 2t",
	    "snap ms", "ops/thread");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct mxg_stats *st = mxg_stats_new(2, sizes[s],
		    MXG_STATS_MAX_MEMORY_MAX, 0);
		struct mxg_stats_snapshot snap;
		double rec1, rec2, hit1, hit2, t0, snap_ms;

		fill(st, sizes[s]);
		rec1 = measure(st, sizes[s], 1, true, ops);
		rec2 = measure(st, sizes[s], 2, true, ops);
		hit1 = measure(st, sizes[s], 1, false, ops);
		hit2 = measure(st, sizes[s], 2, false, ops);
		t0 = now_ns();
		mxg_stats_snapshot(st, &snap, MXG_STATS_TOP_MAX, 0);
		snap_ms = (now_ns() - t0) / 1e6;
		mxg_stats_snapshot_release(&snap);
		printf("%-9zu %-8zu %9.1f ns %9.1f ns %9.1f ns %9.1f ns "
		    "%10.2f %12zu\n", sizes[s], mxg_stats_memory(st) / sizes[s],
		    rec1, rec2, hit1, hit2, snap_ms, ops);
		mxg_stats_free(st);
	}
	free(names);
	free(name_lens);
	return 0;
}
