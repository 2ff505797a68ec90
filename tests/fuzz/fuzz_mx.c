/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_mx.c - libFuzzer target for the MX analysis engine: arbitrary
 * RDATA items and arbitrary lookup facts through parse, fact merge,
 * decide, distribute, both renderings, copy and compare.
 *
 * Input format (every field optional: missing bytes read as 0):
 *   byte 0-3   cname, address-literal, dangling, null-mx policy (% 5)
 *   byte 4     max-exchanges - 1 (% 64)
 *   byte 5     bit 0: owner is exempt; bits 1-7: render buffer size
 *              (value * 8 + 4 octets, so truncation is exercised)
 *   byte 6     owner length L, then L octets of wire owner name
 *              (invalid: "example.org" is used instead)
 *   2 octets   big-endian item count N (at most 1500)
 *   N times    2-octet big-endian item length, then that many octets:
 *              the item as a packed rrset keeps it (rdlength, pref,
 *              name) but taken as is, so it may lie about anything
 *   per exchange, in order of first appearance, 5 octets:
 *              A result kind (% 6), AAAA result kind (% 6), A count,
 *              AAAA count, canonical: bit 7 set = none, else the
 *              exchange of record (value % records) or, for 127,
 *              the owner.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/distribution.h"
#include "mxguard/stats.h"
#include "fuzz_input.h"

#define FUZZ_MAX_ITEMS	1500

static const uint8_t example_org[] = "\7example\3org";

static void
read_owner(struct fuzz_input *in, const uint8_t **owner, size_t *owner_len)
{
	*owner = fuzz_take_bytes(in, fuzz_take(in), owner_len);
	if (mxg_dname_len(*owner, *owner_len) == 0) {
		*owner = example_org;
		*owner_len = sizeof(example_org);
	}
}

static size_t
read_items(struct fuzz_input *in, const uint8_t **items, size_t *lens)
{
	size_t n = fuzz_take16(in), i;

	if (n > FUZZ_MAX_ITEMS)
		n = FUZZ_MAX_ITEMS;
	for (i = 0; i < n && in->pos < in->size; i++)
		items[i] = fuzz_take_bytes(in, fuzz_take16(in), &lens[i]);
	return i;
}

static void
read_facts(struct fuzz_input *in, struct mxg_answer *ans)
{
	size_t i;

	for (i = 0; i < ans->exchange_count && in->pos < in->size; i++) {
		struct mxg_fact a = { 0, 0, 0, NULL }, aaaa = { 0, 0, 0, NULL };
		struct mxg_fact merged;

		a.kind = (enum mxg_fact_kind)(fuzz_take(in) % 6);
		aaaa.kind = (enum mxg_fact_kind)(fuzz_take(in) % 6);
		a.a_count = fuzz_take(in);
		aaaa.aaaa_count = fuzz_take(in);
		a.canonical = fuzz_canonical(ans, fuzz_take(in));
		aaaa.canonical = a.canonical;
		merged = mxg_fact_merge(&a, &aaaa);
		mxg_answer_set_fact(ans, i, &merged);
	}
}

static void
check_outputs(const struct mxg_analysis *an, size_t render_size)
{
	static char line[8192];
	struct mxg_distribution *copy;
	size_t size;
	void *mem;

	mxg_decision_render(line, render_size, an->answer, an->decision);
	if (strlen(line) >= render_size)
		abort();
	mxg_distribution_render(line, render_size, an->distribution);
	if (strlen(line) >= render_size)
		abort();
	/* The action never asks for an empty answer. */
	if (an->decision->action == MXG_ACTION_CHANGE &&
	    an->decision->served == 0)
		abort();
	size = mxg_distribution_copy_size(an->distribution,
	    MXG_STATS_DIST_ENTRIES);
	mem = malloc(size);
	copy = mxg_distribution_copy(mem, size, an->distribution,
	    MXG_STATS_DIST_ENTRIES);
	if (copy == NULL || !mxg_distribution_equal(copy, an->distribution))
		abort();
	mxg_distribution_render(line, sizeof(line), copy);
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t *items[FUZZ_MAX_ITEMS];
	static size_t lens[FUZZ_MAX_ITEMS];
	struct fuzz_input in = { data, size, 0 };
	struct mxg_settings cfg;
	struct mxg_analysis an;
	uint8_t *exempt[1];
	const uint8_t *owner;
	size_t owner_len, n, render_size, memsize;
	uint8_t flags;
	void *mem;

	fuzz_take_settings(&in, &cfg);
	flags = fuzz_take(&in);
	render_size = (size_t)(flags >> 1) * 8 + 4;
	read_owner(&in, &owner, &owner_len);
	if (flags & 1) {
		exempt[0] = (uint8_t *)(uintptr_t)owner;
		cfg.exempt = exempt;
		cfg.exempt_count = 1;
	}
	n = read_items(&in, items, lens);
	memsize = mxg_analysis_size(n);
	mem = malloc(memsize);
	if (!mxg_analysis_init(&an, mem, memsize, n) ||
	    !mxg_answer_parse(an.answer, owner, owner_len, items, lens, n,
	    cfg.max_exchanges))
		abort();
	read_facts(&in, an.answer);
	if (!mxg_analysis_run(&an, &cfg))
		abort();
	check_outputs(&an, render_size);
	free(mem);
	return 0;
}
