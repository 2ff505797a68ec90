/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_stats.c - libFuzzer target for the statistics and what renders
 * them: MX answers whose owners and exchanges come from the input are
 * recorded in a small domain table (stats.c), mixed with cache hits on
 * arbitrary names and with the clock moving, and every snapshot is
 * rendered as the summary log lines, JSON and Prometheus text
 * (render.c).  The names are what an attacker controls, so the outputs
 * are checked, not just produced:
 *   - a summary line is shorter than MXG_RENDER_LINE_MAX and holds no
 *     control character (no log injection);
 *   - the JSON document parses (jansson) and counts what was recorded
 *     (checked on the last snapshot of an input: parsing it costs as
 *     much as the rest of an execution);
 *   - every Prometheus line is a comment or "name{label="value",...} N"
 *     with only \\, \" and \n escapes inside values.
 *
 * Input format (missing bytes read as 0):
 *   byte 0-4   the settings prefix of fuzz_input.h
 *   byte 5     stats-max-domains - 1 (% 8), so that the table evicts
 *   byte 6     top domains per snapshot (% (MXG_STATS_TOP_MAX + 1))
 *   then operations until the input ends, each an op byte:
 *     op % 4 == 0, 1   an answer: owner length L and L octets (invalid:
 *                      "example.org"), item count N (% 9), N times an
 *                      item length and that many octets of RDATA, then
 *                      per exchange a fact kind (% 6) and an address count
 *     op % 4 == 2      a cache hit: length L and L octets, as they are
 *     op % 4 == 3      the clock moves op / 4 seconds; a snapshot,
 *                      rendered and checked (the first
 *                      FUZZ_MAX_RENDERS of an input: rendering is most
 *                      of the cost of an execution)
 *   and a last snapshot, rendered and checked, at the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/render.h"
#include "mxguard/stats.h"
#include "fuzz_input.h"

#define FUZZ_MAX_ITEMS	8
#define FUZZ_MAX_RENDERS	2

static const uint8_t example_org[] = "\7example\3org";

/* A summary line: bounded, and nothing in it that could end a log line. */
static void
check_line(void *arg, const char *line)
{
	size_t len = strlen(line), i;

	(void)arg;
	if (len >= MXG_RENDER_LINE_MAX)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			abort();
}

/* What the JSON says was counted must be what the snapshot holds. */
static void
check_json(const char *text, const struct mxg_stats_snapshot *snap)
{
	json_error_t err;
	json_t *doc = json_loads(text, 0, &err), *answers, *top;

	if (doc == NULL)
		abort();
	answers = json_object_get(doc, "answers");
	top = json_object_get(doc, "top_domains");
	if (!json_is_object(answers) || !json_is_array(top) ||
	    json_array_size(top) != snap->top_count ||
	    (uint64_t)json_integer_value(json_object_get(answers,
	    "resolved")) != snap->counter[MXG_STAT_ANSWERS_RESOLVED] ||
	    (uint64_t)json_integer_value(json_object_get(answers,
	    "cache")) != snap->counter[MXG_STAT_ANSWERS_CACHED])
		abort();
	json_decref(doc);
}

/* A label value from just after its opening quote; past its closing one. */
static const char *
skip_label_value(const char *p)
{
	for (; *p != '"'; p++) {
		if (*p == '\0' || *p == '\n')
			abort();
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n')
				abort();
		}
	}
	return p + 1;
}

/* One sample line: name, optional {labels}, a space, a number. */
static void
check_sample(const char *p, const char *end)
{
	if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
		abort();
	while (p < end && ((*p >= 'a' && *p <= 'z') || *p == '_' ||
	    (*p >= '0' && *p <= '9')))
		p++;
	if (*p == '{') {
		for (p++; *p != '}'; ) {
			while ((*p >= 'a' && *p <= 'z') || *p == '_')
				p++;
			if (p[0] != '=' || p[1] != '"')
				abort();
			p = skip_label_value(p + 2);
			if (*p == ',')
				p++;
			else if (*p != '}')
				abort();
		}
		p++;
	}
	if (*p != ' ' || p + 1 >= end || strspn(p + 1, "0123456789.e+-") !=
	    (size_t)(end - p - 1))
		abort();
}

static void
check_prometheus(const char *text)
{
	const char *line = text, *end;

	for (; *line != '\0'; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			abort();	/* every line ends in a newline */
		if (*line != '#')
			check_sample(line, end);
	}
}

/*
 * A snapshot rendered in every form and checked.  The summary covers the
 * interval since prev (the snapshot before, or NULL); the new snapshot
 * is returned to be the next one's prev (its distributions released, as
 * the reporter keeps it).
 */
static struct mxg_stats_snapshot *
render_and_check(struct mxg_stats *st, size_t top_n, time_t now,
    struct mxg_stats_snapshot *prev, bool last)
{
	struct mxg_stats_snapshot *snap = malloc(sizeof(*snap));
	struct mxg_sink sink;

	if (snap == NULL)
		return prev;
	mxg_stats_snapshot(st, snap, top_n, now);
	mxg_render_summary(snap, prev, MXG_RENDER_SUMMARY_TOP, check_line,
	    NULL);
	mxg_sink_buffer(&sink);
	if (mxg_render_json(&sink, snap) && sink.len > 0 && last)
		check_json(sink.buf, snap);
	mxg_sink_free(&sink);
	mxg_sink_buffer(&sink);
	if (mxg_render_prometheus(&sink, snap) && sink.len > 0)
		check_prometheus(sink.buf);
	mxg_sink_free(&sink);
	mxg_stats_snapshot_release(snap);
	free(prev);
	return snap;
}

/* One MX answer from the input, analysed and recorded. */
static void
record_answer(struct fuzz_input *in, const struct mxg_settings *cfg,
    struct mxg_stats *st, struct mxg_stats_shard *sh, time_t now)
{
	const uint8_t *owner, *items[FUZZ_MAX_ITEMS];
	size_t owner_len, lens[FUZZ_MAX_ITEMS], n, i, memsize;
	struct mxg_analysis an;
	void *mem;

	owner = fuzz_take_bytes(in, fuzz_take(in), &owner_len);
	if (mxg_dname_len(owner, owner_len) == 0) {
		owner = example_org;
		owner_len = sizeof(example_org);
	}
	n = fuzz_take(in) % (FUZZ_MAX_ITEMS + 1);
	for (i = 0; i < n; i++)
		items[i] = fuzz_take_bytes(in, fuzz_take(in), &lens[i]);
	memsize = mxg_analysis_size(n);
	if ((mem = malloc(memsize)) == NULL)
		return;
	if (!mxg_analysis_init(&an, mem, memsize, n) ||
	    !mxg_answer_parse(an.answer, owner, owner_len, items, lens, n,
	    cfg->max_exchanges))
		abort();
	for (i = 0; i < an.answer->exchange_count; i++) {
		struct mxg_fact f = { 0, 0, 0, NULL };

		f.kind = (enum mxg_fact_kind)(fuzz_take(in) % 6);
		f.a_count = fuzz_take(in);
		mxg_answer_set_fact(an.answer, i, &f);
	}
	if (!mxg_analysis_run(&an, cfg))
		abort();
	mxg_stats_record(st, sh, &an, an.decision->faulty ? 1 : 0, now + 1, now);
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct mxg_settings cfg;
	struct mxg_stats *st;
	struct mxg_stats_shard *sh;
	struct mxg_stats_snapshot *prev = NULL;
	const uint8_t *name;
	size_t top_n, len, renders = 0;
	time_t now = 1700000000;
	uint8_t op;

	fuzz_take_settings(&in, &cfg);
	st = mxg_stats_new(1, 1 + fuzz_take(&in) % 8,
	    MXG_STATS_MAX_MEMORY_MIN, now);
	top_n = fuzz_take(&in) % (MXG_STATS_TOP_MAX + 1);
	if (st == NULL)
		abort();
	sh = mxg_stats_shard(st, 0);
	while (in.pos < in.size) {
		op = fuzz_take(&in);
		switch (op % 4) {
		case 0:
		case 1:
			record_answer(&in, &cfg, st, sh, now);
			break;
		case 2:
			name = fuzz_take_bytes(&in, fuzz_take(&in), &len);
			mxg_stats_cache_hit(st, sh, name, len, now);
			break;
		default:
			now += op / 4;
			if (renders++ < FUZZ_MAX_RENDERS)
				prev = render_and_check(st, top_n, now, prev,
				    false);
			break;
		}
	}
	free(render_and_check(st, top_n, now, prev, true));
	mxg_stats_free(st);
	return 0;
}
