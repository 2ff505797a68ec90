/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine-bench.c - what analysing one MX answer costs: parse, decide,
 * distribute and render both log lines, in nanoseconds per answer, for
 * answers of 2, 10 and 100 records.  The memory is set up once, as the
 * glue gets it from the query's region; the timed loop allocates
 * nothing.
 *
 * Every tenth exchange is an alias (policy strip), the rest have two
 * addresses, preferences spread over five tiers: a realistic mix that
 * takes every path.  Prints a small table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/distribution.h"

#define MAX_RECORDS	100
#define ITEM_MAX	(4 + MXG_DNAME_MAXLEN)

static uint8_t item_buf[MAX_RECORDS][ITEM_MAX];
static const uint8_t *items[MAX_RECORDS];
static size_t item_lens[MAX_RECORDS];
static const uint8_t owner[] = "\7example\3org";
static const uint8_t canonical[] = "\4real\7example\3org";

static void
make_items(size_t n)
{
	char text[64];
	uint8_t name[MXG_DNAME_MAXLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "mx%zu.mail.example.org", i);
		mxg_dname_from_text(name, text);
		item_lens[i] = mxg_mx_item_build(item_buf[i], ITEM_MAX,
		    (uint16_t)(10 * (i % 5)), name);
		items[i] = item_buf[i];
	}
}

/* One answer, start to finish, as the glue will run it. */
static size_t
analyse_once(struct mxg_analysis *an, const struct mxg_settings *cfg,
    size_t n)
{
	static char line[4096];
	size_t i, out = 0;

	mxg_answer_parse(an->answer, owner, sizeof(owner), items, item_lens,
	    n, cfg->max_exchanges);
	for (i = 0; i < an->answer->exchange_count; i++) {
		struct mxg_fact a = { MXG_FACT_ADDRESSES, 1, 0, NULL, 300 };
		struct mxg_fact aaaa = { MXG_FACT_ADDRESSES, 0, 1, NULL, 300 };
		struct mxg_fact merged;

		if (i % 10 == 3) {
			a.kind = MXG_FACT_ALIAS;
			a.canonical = canonical;
		}
		merged = mxg_fact_merge(&a, &aaaa);
		mxg_answer_set_fact(an->answer, i, &merged);
	}
	mxg_analysis_run(an, cfg);
	out += strlen(mxg_decision_render(line, sizeof(line), an->answer,
	    an->decision));
	out += strlen(mxg_distribution_render(line, sizeof(line),
	    an->distribution));
	return out;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
bench(size_t n, long iterations)
{
	struct mxg_settings cfg;
	struct mxg_analysis an;
	size_t size = mxg_analysis_size(n), sink = 0;
	void *mem = malloc(size);
	double start, elapsed;
	long i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cname_policy = MXG_POLICY_STRIP;
	cfg.address_literal_policy = MXG_POLICY_LOG;
	cfg.dangling_policy = MXG_POLICY_LOG;
	cfg.null_mx_policy = MXG_POLICY_LOG;
	cfg.max_exchanges = 64;
	if (mem == NULL || !mxg_analysis_init(&an, mem, size, n)) {
		fprintf(stderr, "engine-bench: no memory\n");
		exit(1);
	}
	make_items(n);
	for (i = 0; i < iterations / 10; i++)	/* warm the caches */
		sink += analyse_once(&an, &cfg, n);
	start = now_ns();
	for (i = 0; i < iterations; i++)
		sink += analyse_once(&an, &cfg, n);
	elapsed = now_ns() - start;
	free(mem);
	/* Keep the work observable so the compiler cannot drop it. */
	if (sink == 0)
		printf("?\n");
	return elapsed / (double)iterations;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 2, 10, 100 };
	long scale = argc > 1 ? atol(argv[1]) : 1;
	size_t i;

	if (scale < 1)
		scale = 1;
	printf("%-8s %-12s %-10s %s\n", "records", "ns/answer", "ns/record",
	    "memory (bytes)");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long iterations = scale * 2000000L / (long)sizes[i];
		double ns = bench(sizes[i], iterations);

		printf("%-8zu %-12.0f %-10.1f %zu\n", sizes[i], ns,
		    ns / (double)sizes[i], mxg_analysis_size(sizes[i]));
	}
	return 0;
}
