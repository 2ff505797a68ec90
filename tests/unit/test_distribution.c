/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_distribution.c - unit tests of the mail distribution: the seed
 * examples, shares and their rounding, takeover by the next tier,
 * duplicates, what the policy removed, the log line, the fingerprint
 * and the compact copy the stats keep.
 *
 * Answers are written as one string, in the notation of testlib.h:
 * "10 mx1.example.org=2/1, 20 b".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mxguard/config.h"
#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/distribution.h"
#include "testlib.h"

/* The answer under test and its analysis. */
static struct tl_answer rrset;
static struct mxg_analysis *an;
static struct mxg_settings cfg;
static char out[65536];

/* The answer under test is the state tl_setup() empties. */
static int
setup(void **state)
{
	tl_settings(&cfg);
	return tl_setup(state);
}

/* Parse a spec with its facts, decide and distribute it. */
static struct mxg_distribution *
analyse(const char *spec)
{
	tl_clear(&rrset);
	tl_spec(&rrset, spec);
	an = tl_analysis(&rrset, cfg.max_exchanges);
	assert_true(mxg_analysis_run(an, &cfg));
	return an->distribution;
}

static const char *
render(const struct mxg_distribution *dist)
{
	return mxg_distribution_render(out, sizeof(out), dist);
}

static void
expect(const char *spec, const char *rendered)
{
	assert_string_equal(render(analyse(spec)), rendered);
}

static void
test_rfc5321_5_1_seed_lower_preference_takes_all(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 mailhost1.example.org, 20 mailhost2.example.org");
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "mailhost1.example.org 100%; pref 20 mailhost2.example.org backup");
	assert_int_equal(dist->entries[0].share_ppm, 1000000);
	assert_int_equal(dist->entries[1].share_ppm, 0);
	assert_true(dist->entries[1].flags & MXG_DIST_BACKUP);
	assert_int_equal(dist->tiers, 2);
	assert_int_equal(dist->usable, 1);
	assert_false(dist->takeover);
}

static void
test_rfc5321_5_1_seed_equal_preferences_share(void **state)
{
	(void)state;
	expect("10 mailhost1.example.org, 10 mailhost2.example.org",
	    "distribution example.org: pref 10 mailhost1.example.org 50% "
	    "mailhost2.example.org 50%");
}

static void
test_rfc5321_5_1_shares_split_over_addresses(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	/* Out of order on purpose: the rendering sorts by name. */
	dist = analyse("20 backup.example.org=1/0, 10 mx2.example.org=1/0, "
	    "10 mx1.example.org=1/1");
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "mx1.example.org 50% (2 addr) mx2.example.org 50% (1 addr); "
	    "pref 20 backup.example.org backup");
	assert_int_equal(dist->entries[0].addr_share_ppm, 250000);
	assert_int_equal(dist->entries[1].addr_share_ppm, 500000);
	assert_int_equal(dist->entries[0].addresses, 2);
}

static void
test_shares_round_to_a_tenth_of_a_percent(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 a.example.org=3/0, 10 b.example.org, 10 c.example.org");
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "a.example.org 33.3% (3 addr) b.example.org 33.3% "
	    "c.example.org 33.3%");
	assert_int_equal(dist->entries[0].share_ppm, 333333);
	assert_int_equal(dist->entries[0].addr_share_ppm, 111111);
	expect("10 a.x, 10 b.x, 10 c.x, 10 d.x, 10 e.x, 10 f.x",
	    "distribution example.org: pref 10 a.x 16.7% b.x 16.7% c.x 16.7% "
	    "d.x 16.7% e.x 16.7% f.x 16.7%");
	expect("10 a.x, 10 b.x, 10 c.x, 10 d.x, 10 e.x, 10 f.x, 10 g.x",
	    "distribution example.org: pref 10 a.x 14.3% b.x 14.3% c.x 14.3% "
	    "d.x 14.3% e.x 14.3% f.x 14.3% g.x 14.3%");
}

static void
test_rfc5321_5_1_next_tier_takes_over(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 gone.example.org=nx, 10 empty.example.org=nodata, "
	    "20 mx.example.org, 30 last.example.org");
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "empty.example.org dangling gone.example.org dangling; pref 20 "
	    "(takes over) mx.example.org 100%; pref 30 last.example.org backup");
	assert_true(dist->takeover);
	assert_int_equal(dist->lowest_preference, 10);
	assert_int_equal(dist->primary_preference, 20);
	/* A dangling exchange beside usable ones gets no share. */
	expect("10 gone.example.org=nx, 10 mx.example.org",
	    "distribution example.org: pref 10 gone.example.org dangling "
	    "mx.example.org 100%");
}

static void
test_no_usable_exchange_said_so(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 gone.example.org=nx, 20 .");
	assert_int_equal(dist->state, MXG_DIST_STATE_NO_USABLE);
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "gone.example.org dangling; pref 20 . null; no usable exchange");
}

static void
test_rfc7505_null_mx_alone_is_legit(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("0 .");
	assert_int_equal(dist->state, MXG_DIST_STATE_NULL_MX);
	assert_string_equal(render(dist),
	    "distribution example.org: null MX, accepts no mail");
}

static void
test_servfail_answer_has_no_distribution(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 alias.example.org=alias");
	assert_int_equal(dist->state, MXG_DIST_STATE_SERVFAIL);
	assert_int_equal(dist->count, 0);
	assert_string_equal(render(dist),
	    "distribution example.org: answer is SERVFAIL");
}

static void
test_rfc2181_10_3_stripped_and_rewritten_as_served(void **state)
{
	(void)state;
	expect("10 alias.example.org=alias, 10 mx.example.org=1/0",
	    "distribution example.org: pref 10 mx.example.org 100% (1 addr)");
	cfg.cname_policy = MXG_POLICY_REWRITE;
	expect("10 alias.example.org=alias:real.example.org, "
	    "10 mx.example.org=1/0",
	    "distribution example.org: pref 10 mx.example.org 50% (1 addr) "
	    "real.example.org 50% (rewritten)");
	cfg.cname_policy = MXG_POLICY_LOG;
	expect("10 alias.example.org=alias, 10 192.0.2.1",
	    "distribution example.org: pref 10 192.0.2.1 50% (address literal) "
	    "alias.example.org 50% (alias)");
}

static void
test_duplicates_noted_share_not_doubled(void **state)
{
	struct mxg_distribution *dist;

	(void)state;
	dist = analyse("10 mx1.example.org=2/0, 10 MX1.example.org, "
	    "10 mx2.example.org");
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "mx1.example.org 50% (2 addr, listed 2x) mx2.example.org 50%");
	assert_int_equal(dist->count, 2);
	assert_int_equal(dist->entries[0].records, 2);
	assert_true(dist->entries[0].flags & MXG_DIST_DUPLICATE);
	expect("10 mx1.example.org, 20 mx1.example.org",
	    "distribution example.org: pref 10 mx1.example.org 100% "
	    "(duplicate); pref 20 mx1.example.org backup (duplicate)");
}

static void
test_malformed_left_out_and_counted(void **state)
{
	static const uint8_t junk[] = { 0, 5, 0, 10, 3, 'm', 'x' };

	(void)state;
	tl_add_raw(&rrset, junk, sizeof(junk));
	tl_add(&rrset, 10, "mx.example.org");
	an = tl_analysis(&rrset, 8);
	assert_true(mxg_analysis_run(an, &cfg));
	assert_string_equal(render(an->distribution),
	    "distribution example.org: pref 10 mx.example.org 100%; "
	    "malformed 1");
}

static void
test_rfc1035_3_3_9_preference_0_and_65535(void **state)
{
	(void)state;
	expect("65535 last.example.org, 0 first.example.org",
	    "distribution example.org: pref 0 first.example.org 100%; "
	    "pref 65535 last.example.org backup");
	expect("65535 last.example.org, 0 first.example.org=nodata",
	    "distribution example.org: pref 0 first.example.org dangling; "
	    "pref 65535 (takes over) last.example.org 100%");
}

static void
test_names_escaped_in_distribution(void **state)
{
	(void)state;
	expect("10 a\\010mxguard:\\032x.example.org",
	    "distribution example.org: pref 10 a\\010mxguard:\\032x.example.org "
	    "100%");
}

static void
test_order_of_records_does_not_matter(void **state)
{
	struct mxg_distribution *a;
	void *keep;
	size_t size;

	(void)state;
	a = analyse("10 mx1.example.org=1/0, 10 mx2.example.org=1/1, "
	    "20 b.example.org");
	size = mxg_distribution_copy_size(a, SIZE_MAX);
	keep = malloc(size);
	a = mxg_distribution_copy(keep, size, a, SIZE_MAX);
	assert_non_null(a);
	analyse("20 B.example.org, 10 MX2.example.org=1/1, "
	    "10 mx1.example.org=1/0");
	assert_int_equal(a->fingerprint, an->distribution->fingerprint);
	assert_true(mxg_distribution_equal(a, an->distribution));
	/* One address more is a change. */
	analyse("20 b.example.org, 10 mx2.example.org=1/1, "
	    "10 mx1.example.org=2/0");
	assert_true(a->fingerprint != an->distribution->fingerprint);
	assert_false(mxg_distribution_equal(a, an->distribution));
	free(keep);
}

/* A capped copy keeps the exchanges carrying mail first, counts the rest. */
static void
test_capped_copy_keeps_the_mail_carriers(void **state)
{
	struct mxg_distribution *copy;
	void *keep;
	size_t size;

	(void)state;
	/* The lowest tier is dead: the mail goes to pref 20. */
	analyse("10 d1.example.org=nx, 10 d2.example.org=nx, "
	    "10 d3.example.org=nx, 20 ok1.example.org=1/0, "
	    "20 ok2.example.org=1/0");
	size = mxg_distribution_copy_size(an->distribution, 3);
	keep = malloc(size);
	copy = mxg_distribution_copy(keep, size, an->distribution, 3);
	assert_non_null(copy);
	assert_int_equal(copy->count, 3);
	assert_int_equal(copy->omitted, 2);
	/* In order: the first dead exchange, then both carriers. */
	assert_string_equal(render(copy), "distribution example.org: "
	    "pref 10 d1.example.org dangling; "
	    "pref 20 (takes over) ok1.example.org 50% (1 addr) "
	    "ok2.example.org 50% (1 addr); "
	    "exchanges not kept 2");
	assert_true(mxg_distribution_equal(copy, an->distribution));
	assert_true(mxg_distribution_equal(an->distribution, copy));
	/* A change in a record the copy left out is a change all the same. */
	analyse("10 d1.example.org=nx, 10 d2.example.org=nx, "
	    "10 d3.example.org=1/0, 20 ok1.example.org=1/0, "
	    "20 ok2.example.org=1/0");
	assert_false(mxg_distribution_equal(copy, an->distribution));
	/* Fewer carriers than the cap: all kept, whatever the order. */
	analyse("10 d1.example.org=nx, 10 d2.example.org=nx, "
	    "10 d3.example.org=nx, 20 ok1.example.org=1/0, "
	    "20 ok2.example.org=1/0");
	free(keep);
	size = mxg_distribution_copy_size(an->distribution, 1);
	keep = malloc(size);
	copy = mxg_distribution_copy(keep, size, an->distribution, 1);
	assert_int_equal(copy->count, 1);
	assert_int_equal(copy->omitted, 4);
	assert_string_equal(copy->entries[0].name, "\3ok1\7example\3org");
	assert_true(mxg_distribution_equal(copy, an->distribution));
	free(keep);
}

static void
test_copy_is_compact_and_self_contained(void **state)
{
	struct mxg_distribution *copy;
	char first[512];
	void *keep;
	size_t size;

	(void)state;
	analyse("10 mx1.example.org=1/0, 20 mx2.example.org");
	mxg_distribution_render(first, sizeof(first), an->distribution);
	size = mxg_distribution_copy_size(an->distribution, 2);
	assert_int_equal(size, sizeof(struct mxg_distribution) +
	    2 * sizeof(struct mxg_dist_entry) + 13 + 17 + 17);
	keep = malloc(size);
	assert_null(mxg_distribution_copy(keep, size - 1, an->distribution, 2));
	copy = mxg_distribution_copy(keep, size, an->distribution, 2);
	assert_non_null(copy);
	/* Answer and memory go (overwritten); the copy renders the same. */
	tl_free(&rrset);
	assert_string_equal(render(copy), first);
	assert_true(mxg_distribution_equal(copy, copy));
	free(keep);
}

static void
test_large_tier_and_truncated_line(void **state)
{
	static char spec[65536];
	struct mxg_distribution *dist;
	char small[200];
	size_t pos = 0;

	(void)state;
	for (int i = 0; i < 500; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
		    "%s10 mx%03d.example.org", i ? ", " : "", i);
	dist = analyse(spec);
	assert_int_equal(dist->usable, 500);
	assert_int_equal(dist->entries[0].share_ppm, 2000);
	/* The line names MXG_TEXT_NAMES_MAX of them and counts the rest. */
	assert_string_equal(render(dist), "distribution example.org: pref 10 "
	    "mx000.example.org 0.2% mx001.example.org 0.2% "
	    "mx002.example.org 0.2% mx003.example.org 0.2% "
	    "mx004.example.org 0.2% mx005.example.org 0.2% "
	    "mx006.example.org 0.2% mx007.example.org 0.2%; "
	    "exchanges not named 492");
	mxg_distribution_render(small, sizeof(small), dist);
	assert_true(strlen(small) < sizeof(small));
	assert_true(strlen(small) > sizeof(small) - 40);
	assert_string_equal(small + strlen(small) - 3, "...");
	/* Every record at its own preference: one primary, 499 backups. */
	pos = 0;
	for (int i = 0; i < MXG_MX_MAX_RECORDS; i++)
		pos += (size_t)snprintf(spec + pos, sizeof(spec) - pos,
		    "%s%d m%d.x", i ? ", " : "", i, i);
	dist = analyse(spec);
	assert_int_equal(dist->tiers, MXG_MX_MAX_RECORDS);
	assert_int_equal(dist->usable, 1);
	assert_true(dist->entries[MXG_MX_MAX_RECORDS - 1].flags &
	    MXG_DIST_BACKUP);
}

static void
test_distribution_memory_is_checked(void **state)
{
	uint64_t small[32];

	(void)state;
	assert_true(mxg_distribution_size(1) <= sizeof(small));
	assert_null(mxg_distribution_init(small, sizeof(small), 100));
	assert_null(mxg_distribution_init(NULL, 1000, 1));
	analyse("10 a.x, 20 b.x");
	assert_non_null(mxg_distribution_init(small, sizeof(small), 1));
	assert_false(mxg_distribute((struct mxg_distribution *)small,
	    an->answer, an->decision));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_prestate_setup_teardown(name, setup, \
    tl_teardown, &rrset)
		T(test_rfc5321_5_1_seed_lower_preference_takes_all),
		T(test_rfc5321_5_1_seed_equal_preferences_share),
		T(test_rfc5321_5_1_shares_split_over_addresses),
		T(test_shares_round_to_a_tenth_of_a_percent),
		T(test_rfc5321_5_1_next_tier_takes_over),
		T(test_no_usable_exchange_said_so),
		T(test_rfc7505_null_mx_alone_is_legit),
		T(test_servfail_answer_has_no_distribution),
		T(test_rfc2181_10_3_stripped_and_rewritten_as_served),
		T(test_duplicates_noted_share_not_doubled),
		T(test_malformed_left_out_and_counted),
		T(test_rfc1035_3_3_9_preference_0_and_65535),
		T(test_names_escaped_in_distribution),
		T(test_order_of_records_does_not_matter),
		T(test_capped_copy_keeps_the_mail_carriers),
		T(test_copy_is_compact_and_self_contained),
		T(test_large_tier_and_truncated_line),
		T(test_distribution_memory_is_checked),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
