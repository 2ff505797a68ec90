/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mx.c - unit tests of MX RDATA parsing and exchange analysis:
 * malformed RDATA of every shape, null MX, address literals,
 * duplicates, which exchanges get resolved, and the A/AAAA fact merge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mxguard/dname.h"
#include "mxguard/mx.h"
#include "testlib.h"

/* The answer under test, item by item. */
static struct tl_answer rrset;

static void
test_rfc1035_3_3_9_parse_seed_records(void **state)
{
	struct mxg_answer *ans;

	(void)state;
	tl_spec(&rrset, "10 mailhost1.example.org, 20 mailhost2.example.org");
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->record_count, 2);
	assert_int_equal(ans->exchange_count, 2);
	assert_int_equal(ans->malformed, 0);
	assert_int_equal(ans->records[0].preference, 10);
	assert_int_equal(ans->records[1].preference, 20);
	assert_int_equal(ans->records[1].exchange_index, 1);
	assert_true(ans->exchanges[0].lookup && ans->exchanges[1].lookup);
	assert_int_equal(ans->lookup_count, 2);
	assert_false(ans->null_mx);
	assert_int_equal(ans->records[0].faults, 0);
}

static void
test_rfc1035_3_3_9_preference_edges(void **state)
{
	struct mxg_answer *ans;

	(void)state;
	tl_spec(&rrset, "65535 last.example.org, 0 first.example.org");
	ans = tl_parse(&rrset, 1);
	assert_int_equal(ans->records[0].preference, 65535);
	assert_int_equal(ans->records[1].preference, 0);
	/* Only one lookup allowed: it goes to the primary tier. */
	assert_false(ans->exchanges[0].lookup);
	assert_true(ans->exchanges[1].lookup);
	assert_int_equal(ans->order[0], 1);
}

static void
expect_malformed(const uint8_t *bytes, size_t len)
{
	struct mxg_answer *ans;

	tl_clear(&rrset);
	tl_add_raw(&rrset, bytes, len);
	tl_add(&rrset, 10, "mx.example.org");
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->malformed, 1);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_MALFORMED);
	assert_null(ans->records[0].exchange);
	assert_int_equal(ans->records[0].exchange_index, MXG_NO_EXCHANGE);
	assert_int_equal(ans->exchange_count, 1);
	assert_int_equal(ans->records[1].faults, 0);
}

static void
test_rfc1035_3_2_1_rdlength_must_match(void **state)
{
	/* rdlength 9 for an 8-octet RDATA, and 7 for the same. */
	const uint8_t too_long[] = { 0, 9, 0, 10, 2, 'm', 'x', 1, 'a', 0 };
	const uint8_t too_short[] = { 0, 7, 0, 10, 2, 'm', 'x', 1, 'a', 0 };

	(void)state;
	expect_malformed(too_long, sizeof(too_long));
	expect_malformed(too_short, sizeof(too_short));
	expect_malformed(too_long, 1);
	expect_malformed(too_long, 0);
}

static void
test_rfc1035_3_3_9_truncated_rdata(void **state)
{
	const uint8_t no_name[] = { 0, 2, 0, 10 };
	const uint8_t half_pref[] = { 0, 1, 0 };
	const uint8_t cut_label[] = { 0, 5, 0, 10, 5, 'm', 'x' };
	const uint8_t no_root[] = { 0, 5, 0, 10, 2, 'm', 'x' };

	(void)state;
	expect_malformed(no_name, sizeof(no_name));
	expect_malformed(half_pref, sizeof(half_pref));
	expect_malformed(cut_label, sizeof(cut_label));
	expect_malformed(no_root, sizeof(no_root));
}

static void
test_rfc1035_2_3_4_overlong_label_in_rdata(void **state)
{
	uint8_t item[2 + 2 + 1 + 64 + 1];

	(void)state;
	memset(item, 'a', sizeof(item));
	item[0] = 0;
	item[1] = sizeof(item) - 2;
	item[2] = 0;
	item[3] = 10;
	item[4] = 64;
	item[sizeof(item) - 1] = 0;
	expect_malformed(item, sizeof(item));
}

static void
test_rfc3597_4_compression_pointer_in_rdata(void **state)
{
	/* MX is a well-known type, but stored RDATA is uncompressed. */
	const uint8_t item[] = { 0, 7, 0, 10, 2, 'm', 'x', 0xc0, 0x0c };

	(void)state;
	expect_malformed(item, sizeof(item));
}

static void
test_rfc1035_3_3_9_trailing_junk(void **state)
{
	const uint8_t item[] = { 0, 7, 0, 10, 2, 'm', 'x', 0, 'j', 'k' };

	(void)state;
	expect_malformed(item, sizeof(item));
}

static void
test_rfc1035_2_3_4_exchange_over_255(void **state)
{
	uint8_t item[2 + 2 + 4 * 64 + 1];
	size_t pos = 4;

	(void)state;
	item[0] = (sizeof(item) - 2) >> 8;
	item[1] = (sizeof(item) - 2) & 0xff;
	item[2] = 0;
	item[3] = 10;
	for (int i = 0; i < 4; i++) {
		item[pos++] = 63;
		memset(item + pos, 'a', 63);
		pos += 63;
	}
	item[pos] = 0;
	expect_malformed(item, sizeof(item));
}

static void
test_rfc7505_3_null_mx_alone_is_legit(void **state)
{
	struct mxg_answer *ans;

	(void)state;
	tl_add(&rrset, 0, ".");
	ans = tl_parse(&rrset, 8);
	assert_true(ans->null_mx);
	assert_int_equal(ans->records[0].faults, 0);
	assert_true(ans->exchanges[0].is_root);
	assert_false(ans->exchanges[0].lookup);
	assert_int_equal(ans->lookup_count, 0);
}

static void
test_rfc7505_3_null_mx_nonzero_preference_is_misuse(void **state)
{
	struct mxg_answer *ans;

	(void)state;
	tl_add(&rrset, 10, ".");
	ans = tl_parse(&rrset, 8);
	assert_false(ans->null_mx);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_NULL_MX_MISUSE);
}

static void
test_rfc7505_3_null_mx_beside_other_records_is_misuse(void **state)
{
	const uint8_t junk[] = { 0, 1, 0 };
	struct mxg_answer *ans;

	(void)state;
	tl_spec(&rrset, "0 ., 10 mx.example.org");
	ans = tl_parse(&rrset, 8);
	assert_false(ans->null_mx);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_NULL_MX_MISUSE);
	assert_int_equal(ans->records[1].faults, 0);
	/* A malformed neighbour is still a neighbour. */
	tl_clear(&rrset);
	tl_add(&rrset, 0, ".");
	tl_add_raw(&rrset, junk, sizeof(junk));
	ans = tl_parse(&rrset, 8);
	assert_false(ans->null_mx);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_NULL_MX_MISUSE);
	/* Two null MX records: both misuse. */
	tl_clear(&rrset);
	tl_spec(&rrset, "0 ., 0 .");
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_NULL_MX_MISUSE);
	assert_int_equal(ans->records[1].faults, MXG_FAULT_NULL_MX_MISUSE);
	assert_int_equal(ans->exchange_count, 1);
}

static void
check_literal(const char *text, bool literal)
{
	uint8_t name[MXG_DNAME_MAXLEN];

	assert_true(mxg_dname_from_text(name, text) > 0);
	if (mxg_dname_is_address_literal(name) != literal)
		fail_msg("%s: expected literal=%d", text, literal);
}

static void
test_rfc5321_5_1_address_literal_names(void **state)
{
	(void)state;
	check_literal("192.0.2.1", true);
	check_literal("192.0.2.1.", true);
	check_literal("0.0.0.0", true);
	check_literal("255.255.255.255", true);
	check_literal("[192.0.2.1]", true);
	check_literal("2001:db8::1", true);
	check_literal("[IPv6:2001:db8::25]", true);
	check_literal("::ffff:192.0.2.1", true);
	/* An IPv6 address in any label counts. */
	check_literal("2001:db8::1.example.org", true);
	check_literal("256.0.2.1", false);
	check_literal("192.0.2", false);
	check_literal("192.0.2.1.5", false);
	check_literal("1234.0.2.1", false);
	check_literal("192.0.2.1.example.org", false);
	check_literal("mx1.example.org", false);
	check_literal("1.2.3.in-addr", false);
	check_literal("a:b", false);
	check_literal("192\\000.0.2.1", false);
	check_literal(".", false);
}

static void
test_rfc5321_5_1_literal_is_not_looked_up(void **state)
{
	struct mxg_answer *ans;
	struct mxg_fact fact = { MXG_FACT_ALIAS, 0, 0, NULL };

	(void)state;
	tl_spec(&rrset, "10 192.0.2.1, 20 mx.example.org");
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->records[0].faults, MXG_FAULT_ADDRESS_LITERAL);
	assert_true(ans->exchanges[0].is_literal);
	assert_false(ans->exchanges[0].resolvable);
	assert_false(ans->exchanges[0].lookup);
	assert_int_equal(ans->lookup_count, 1);
	/* A fact for it is ignored: nothing to resolve there. */
	mxg_answer_set_fact(ans, 0, &fact);
	assert_int_equal(ans->exchanges[0].fact.kind, MXG_FACT_UNKNOWN);
	mxg_answer_set_fact(ans, 99, &fact);
}

static void
test_rfc4343_duplicate_exchange_case_insensitive(void **state)
{
	struct mxg_answer *ans;

	(void)state;
	tl_spec(&rrset, "20 MX.example.org, 10 mx.EXAMPLE.org, "
	    "30 other.example.org, 40 mx.example.org");
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->exchange_count, 2);
	assert_int_equal(ans->duplicate_count, 2);
	assert_int_equal(ans->exchanges[0].record_count, 3);
	assert_int_equal(ans->exchanges[0].best_preference, 10);
	assert_int_equal(ans->records[1].exchange_index, 0);
	assert_int_equal(ans->records[3].exchange_index, 0);
	/* The records of one exchange are chained in order. */
	assert_int_equal(ans->exchanges[0].first_record, 0);
	assert_int_equal(ans->records[0].next_same, 1);
	assert_int_equal(ans->records[1].next_same, 3);
	assert_int_equal(ans->records[3].next_same, MXG_NO_EXCHANGE);
	assert_int_equal(ans->lookup_count, 2);
	assert_int_equal(mxg_answer_find_exchange(ans,
	    (const uint8_t *)"\5OTHER\7example\3org"), 1);
	assert_int_equal(mxg_answer_find_exchange(ans,
	    (const uint8_t *)"\4none\7example\3org"), MXG_NO_EXCHANGE);
}

static void
test_lookups_primary_tier_first_and_capped(void **state)
{
	struct mxg_answer *ans;
	char name[64];

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "mx%d.example.org", i);
		tl_add(&rrset, (uint16_t)(100 - i), name);
	}
	ans = tl_parse(&rrset, 8);
	assert_int_equal(ans->lookup_count, 8);
	/* The 8 lowest preferences are the last 8 records. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(ans->exchanges[i].lookup, i >= 12);
	ans = tl_parse(&rrset, 64);
	assert_int_equal(ans->lookup_count, 20);
}

static void
test_large_set_is_bounded(void **state)
{
	struct mxg_answer *ans;
	char name[64];

	(void)state;
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "mx%d.example.org", i % 700);
		tl_add(&rrset, (uint16_t)(i % 7), name);
	}
	ans = tl_parse(&rrset, 64);
	assert_int_equal(ans->item_count, 1500);
	assert_int_equal(ans->record_count, MXG_MX_MAX_RECORDS);
	assert_int_equal(ans->overflow, 1500 - MXG_MX_MAX_RECORDS);
	assert_int_equal(ans->exchange_count, 700);
	assert_int_equal(ans->duplicate_count, MXG_MX_MAX_RECORDS - 700);
	assert_int_equal(ans->lookup_count, 64);
	for (size_t i = 1; i < ans->exchange_count; i++)
		assert_true(ans->exchanges[ans->order[i - 1]].best_preference <=
		    ans->exchanges[ans->order[i]].best_preference);
}

static void
test_answer_memory_is_checked(void **state)
{
	uint64_t mem[64];
	uint8_t bad_owner[] = { 5, 'a' };

	(void)state;
	assert_null(mxg_answer_init(NULL, 100, 1));
	assert_null(mxg_answer_init(mem, mxg_answer_size(1) - 1, 1));
	assert_null(mxg_answer_init((uint8_t *)mem + 1, sizeof(mem) - 1, 1));
	assert_true(mxg_answer_size(5000) == mxg_answer_size(MXG_MX_MAX_RECORDS));
	assert_non_null(mxg_answer_init(mem, sizeof(mem), 1));
	assert_false(mxg_answer_begin((struct mxg_answer *)mem, bad_owner,
	    sizeof(bad_owner)));
}

/*
 * The kind mxg_fact_merge() gives for every pair of kinds: a row per A
 * result, "A: merged with AAAA unknown, addresses, alias, nxdomain,
 * nodata, failed", both in the order of the enum.
 */
static const char *const merge_table[] = {
	"unknown: unknown addresses alias nxdomain unknown failed",
	"addresses: addresses addresses alias addresses addresses addresses",
	"alias: alias alias alias alias alias alias",
	"nxdomain: nxdomain addresses alias nxdomain nxdomain nxdomain",
	"nodata: unknown addresses alias nxdomain nodata failed",
	"failed: failed addresses alias nxdomain failed failed",
};

/* Merge a with every kind for AAAA: row names a, then the results. */
static void
expect_merge_row(enum mxg_fact_kind a, const char *row)
{
	char words[80], *want, *save;
	int aaaa = MXG_FACT_UNKNOWN;

	snprintf(words, sizeof(words), "%s", row);
	want = strtok_r(words, ": ", &save);
	assert_string_equal(want, mxg_fact_name(a));
	for (want = strtok_r(NULL, " ", &save); want != NULL;
	    want = strtok_r(NULL, " ", &save), aaaa++) {
		struct mxg_fact fa = { a, 0, 0, NULL };
		struct mxg_fact f6 = { (enum mxg_fact_kind)aaaa, 0, 0, NULL };
		const char *got = mxg_fact_name(mxg_fact_merge(&fa, &f6).kind);

		if (strcmp(got, want) != 0)
			fail_msg("merge(%s, %s) = %s, expected %s",
			    mxg_fact_name(a), mxg_fact_name(f6.kind), got,
			    want);
	}
	assert_int_equal(aaaa, MXG_FACT_FAILED + 1);
}

static void
test_fact_merge_of_a_and_aaaa(void **state)
{
	const uint8_t canon[] = "\4real\7example\3org";
	struct mxg_fact fa = { MXG_FACT_ADDRESSES, 2, 9, NULL };
	struct mxg_fact f6 = { MXG_FACT_ALIAS, 9, 1, canon };
	struct mxg_fact m;

	(void)state;
	m = mxg_fact_merge(&fa, &f6);
	assert_int_equal(m.kind, MXG_FACT_ALIAS);
	assert_ptr_equal(m.canonical, canon);
	/* Each count from its own lookup. */
	assert_int_equal(m.a_count, 2);
	assert_int_equal(m.aaaa_count, 1);
	/* Every pair of kinds, from the table above. */
	for (int a = MXG_FACT_UNKNOWN; a <= MXG_FACT_FAILED; a++)
		expect_merge_row((enum mxg_fact_kind)a, merge_table[a]);
	/* An A count without the kind set still means addresses. */
	fa.kind = MXG_FACT_UNKNOWN;
	f6.kind = MXG_FACT_NODATA;
	assert_int_equal(mxg_fact_merge(&fa, &f6).kind, MXG_FACT_ADDRESSES);
	assert_true(mxg_fact_is_dangling(&(struct mxg_fact){ MXG_FACT_NODATA,
	    0, 0, NULL }));
	assert_true(mxg_fact_is_unchecked(&(struct mxg_fact){ MXG_FACT_FAILED,
	    0, 0, NULL }));
}

/* The merged fact lives as long as the shorter result that says something. */
static void
test_fact_merge_ttl(void **state)
{
	struct mxg_fact fa = { MXG_FACT_NXDOMAIN, 0, 0, NULL, 60 };
	struct mxg_fact f6 = { MXG_FACT_NXDOMAIN, 0, 0, NULL, 20 };

	(void)state;
	assert_int_equal(mxg_fact_merge(&fa, &f6).ttl, 20);
	/* A failed or missing result is no evidence, so it does not bound. */
	f6.kind = MXG_FACT_FAILED;
	f6.ttl = 0;
	assert_int_equal(mxg_fact_merge(&fa, &f6).ttl, 60);
	f6.kind = MXG_FACT_UNKNOWN;
	assert_int_equal(mxg_fact_merge(&f6, &fa).ttl, 60);
	fa.kind = MXG_FACT_FAILED;
	assert_int_equal(mxg_fact_merge(&fa, &f6).ttl, 0);
}

static void
test_set_fact_keeps_canonical_only_for_alias(void **state)
{
	struct mxg_answer *ans;
	const uint8_t canon[] = "\4real\7example\3org";
	struct mxg_fact fact = { MXG_FACT_NXDOMAIN, 0, 0, canon };

	(void)state;
	tl_add(&rrset, 10, "mx.example.org");
	ans = tl_parse(&rrset, 8);
	mxg_answer_set_fact(ans, 0, &fact);
	assert_int_equal(ans->exchanges[0].fact.kind, MXG_FACT_NXDOMAIN);
	assert_null(ans->exchanges[0].fact.canonical);
	fact.kind = MXG_FACT_ALIAS;
	mxg_answer_set_fact(ans, 0, &fact);
	assert_ptr_equal(ans->exchanges[0].fact.canonical, canon);
}

static int
cmp_values(const void *ctx, uint16_t a, uint16_t b)
{
	const int *values = ctx;

	return values[a] - values[b];
}

static void
test_sort_indices_orders_with_index_ties(void **state)
{
	int values[300];
	uint16_t idx[300];

	(void)state;
	for (int i = 0; i < 300; i++) {
		values[i] = (i * 37) % 11;
		idx[i] = (uint16_t)(299 - i);
	}
	mxg_sort_indices(idx, 300, cmp_values, values);
	for (int i = 1; i < 300; i++) {
		assert_true(values[idx[i - 1]] <= values[idx[i]]);
		if (values[idx[i - 1]] == values[idx[i]])
			assert_true(idx[i - 1] < idx[i]);
	}
	mxg_sort_indices(idx, 0, cmp_values, values);
}

/* The largest sort the engine makes, from every starting order. */
static void
test_sort_indices_capacity(void **state)
{
	static int values[MXG_MX_MAX_RECORDS];
	static uint16_t idx[MXG_MX_MAX_RECORDS];
	int start;

	(void)state;
	for (start = 0; start < 3; start++) {
		for (int i = 0; i < MXG_MX_MAX_RECORDS; i++) {
			values[i] = start == 0 ? 7 : start == 1 ? i : (i * 7919) % 101;
			idx[i] = (uint16_t)(start == 1 ? MXG_MX_MAX_RECORDS - 1 - i : i);
		}
		mxg_sort_indices(idx, MXG_MX_MAX_RECORDS, cmp_values, values);
		for (int i = 1; i < MXG_MX_MAX_RECORDS; i++) {
			assert_true(values[idx[i - 1]] <= values[idx[i]]);
			if (values[idx[i - 1]] == values[idx[i]])
				assert_true(idx[i - 1] < idx[i]);
		}
	}
}

static void
test_item_build_and_names(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(mxg_mx_item_build(out, sizeof(out), 1,
	    (const uint8_t *)"\1a"), 7);
	assert_memory_equal(out, "\0\5\0\1\1a\0", 7);
	assert_int_equal(mxg_mx_item_build(out, 6, 1,
	    (const uint8_t *)"\1a"), 0);
	assert_string_equal(mxg_fault_name(MXG_FAULT_DANGLING), "dangling");
	assert_string_equal(mxg_fault_name(3), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_prestate_setup_teardown(name, tl_setup, \
    tl_teardown, &rrset)
		T(test_rfc1035_3_3_9_parse_seed_records),
		T(test_rfc1035_3_3_9_preference_edges),
		T(test_rfc1035_3_2_1_rdlength_must_match),
		T(test_rfc1035_3_3_9_truncated_rdata),
		T(test_rfc1035_2_3_4_overlong_label_in_rdata),
		T(test_rfc3597_4_compression_pointer_in_rdata),
		T(test_rfc1035_3_3_9_trailing_junk),
		T(test_rfc1035_2_3_4_exchange_over_255),
		T(test_rfc7505_3_null_mx_alone_is_legit),
		T(test_rfc7505_3_null_mx_nonzero_preference_is_misuse),
		T(test_rfc7505_3_null_mx_beside_other_records_is_misuse),
		T(test_rfc5321_5_1_address_literal_names),
		T(test_rfc5321_5_1_literal_is_not_looked_up),
		T(test_rfc4343_duplicate_exchange_case_insensitive),
		T(test_lookups_primary_tier_first_and_capped),
		T(test_large_set_is_bounded),
		T(test_answer_memory_is_checked),
		T(test_fact_merge_of_a_and_aaaa),
		T(test_fact_merge_ttl),
		T(test_set_fact_keeps_canonical_only_for_alias),
		T(test_sort_indices_orders_with_index_ties),
		T(test_sort_indices_capacity),
		T(test_item_build_and_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
