/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_policy.c - unit tests of the policy decision: each policy for
 * each fault, fail open, never an empty answer, rewrite and its
 * fallbacks, exempt domains, mixed faults and large sets.
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
#include "testlib.h"

/*
 * The answer under test, written in the notation of testlib.h (every
 * exchange that should simply work has "=1/0"), and its analysis.
 */
static struct tl_answer rrset;
static struct mxg_analysis *an;
static uint8_t exempt_name[MXG_DNAME_MAXLEN];
static uint8_t *exempt_list[1] = { exempt_name };
static struct mxg_settings cfg;

/* The answer under test is the state tl_setup() empties. */
static int
setup(void **state)
{
	tl_settings(&cfg);
	return tl_setup(state);
}

/* The answer decided again, into the same memory, as settings changed. */
static struct mxg_decision *
decide_again(void)
{
	assert_true(mxg_decide(an->decision, &cfg, an->answer));
	return an->decision;
}

/* The answer under test parsed, with its facts, and decided. */
static struct mxg_decision *
decide(void)
{
	an = tl_analysis(&rrset, cfg.max_exchanges);
	return decide_again();
}

static const char *
line(void)
{
	static char buf[2048];

	return mxg_decision_render(buf, sizeof(buf), an->answer, an->decision);
}

static void
test_clean_answer_is_kept(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	tl_spec(&rrset, "10 mailhost1.example.org=1/0, "
	    "20 mailhost2.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, 0);
	assert_int_equal(dec->served, 2);
	assert_string_equal(line(), "answer example.org kept");
}

static void
test_rfc2181_10_3_alias_stripped(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	tl_spec(&rrset, "10 alias.example.org=alias:real.example.net, "
	    "20 mx.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->verdicts[0].faults, MXG_FAULT_ALIAS);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	assert_int_equal(dec->verdicts[1].action, MXG_RECORD_KEEP);
	assert_int_equal(dec->dropped, 1);
	assert_int_equal(dec->served, 1);
	assert_int_equal(dec->acted_faults, MXG_FAULT_ALIAS);
	assert_string_equal(line(), "answer example.org changed; pref 10 "
	    "exchange alias.example.org canonical real.example.net "
	    "fault alias action strip");
}

static void
test_rfc2181_10_3_strip_leaving_nothing_is_servfail(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	tl_spec(&rrset, "10 a1.example.org=alias, "
	    "20 a2.example.org=alias:real.example.org");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(dec->servfail_cause, MXG_SERVFAIL_EMPTY);
	assert_int_equal(dec->served, 0);
	assert_string_equal(line(), "answer example.org servfail (no record "
	    "would be left); pref 10 exchange a1.example.org canonical "
	    "unknown fault alias action strip; pref 20 exchange "
	    "a2.example.org canonical real.example.org fault alias "
	    "action strip");
}

static void
test_rfc2181_10_3_rewrite_keeps_preference(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_REWRITE;
	tl_spec(&rrset, "10 alias.example.org=alias:Real.Example.net");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_REWRITE);
	assert_ptr_equal(dec->verdicts[0].new_exchange,
	    rrset.item[0].canonical);
	assert_int_equal(dec->rewritten, 1);
	assert_int_equal(dec->served, 1);
	assert_string_equal(line(), "answer example.org changed; pref 10 "
	    "exchange alias.example.org canonical Real.Example.net "
	    "fault alias action rewrite");
}

static void
test_rfc2181_10_3_rewrite_without_canonical_falls_back_to_strip(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_REWRITE;
	tl_spec(&rrset, "10 alias.example.org=alias, 20 mx.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	assert_true(dec->verdicts[0].rewrite_fell_back);
	/* Alone, the fallback strip leaves nothing: SERVFAIL. */
	tl_clear(&rrset);
	tl_spec(&rrset, "10 alias.example.org=alias");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(dec->servfail_cause, MXG_SERVFAIL_EMPTY);
}

static void
test_rfc2181_10_3_rewrite_duplicating_a_kept_record_drops(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_REWRITE;
	tl_spec(&rrset, "10 alias.example.org=alias:real.example.org, "
	    "10 REAL.example.org=1/0");
	/* Same canonical, other preference: a different record. */
	tl_spec(&rrset, "20 alias2.example.org=alias:real.example.org, "
	    "10 alias3.example.org=alias:other.example.org, "
	    "30 alias4.example.org=alias:other.example.org");
	dec = decide();
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	assert_true(dec->verdicts[0].rewrite_fell_back);
	assert_int_equal(dec->verdicts[1].action, MXG_RECORD_KEEP);
	assert_int_equal(dec->verdicts[2].action, MXG_RECORD_REWRITE);
	assert_int_equal(dec->verdicts[3].action, MXG_RECORD_REWRITE);
	assert_int_equal(dec->verdicts[4].action, MXG_RECORD_REWRITE);
	/* Two aliases rewritten to the same record: the second is dropped. */
	tl_clear(&rrset);
	tl_spec(&rrset, "10 a.example.org=alias:real.example.org, "
	    "10 b.example.org=alias:real.example.org");
	dec = decide();
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_REWRITE);
	assert_int_equal(dec->verdicts[1].action, MXG_RECORD_DROP);
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->served, 1);
}

static void
test_rfc2181_10_3_servfail_policy(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_SERVFAIL;
	tl_spec(&rrset, "10 mx.example.org=1/0, 20 alias.example.org=alias");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(dec->servfail_cause, MXG_SERVFAIL_POLICY);
	assert_int_equal(dec->acted_faults, MXG_FAULT_ALIAS);
	assert_int_equal(dec->verdicts[1].policy, MXG_POLICY_SERVFAIL);
}

/* A changed answer lives no longer than the facts it was changed on. */
static void
test_evidence_ttl_is_the_shortest_acted_on(void **state)
{
	(void)state;
	tl_spec(&rrset, "10 a1.example.org=alias@30, 20 a2.example.org=nx@70, "
	    "30 mx.example.org=1/0@5");
	cfg.dangling_policy = MXG_POLICY_STRIP;
	assert_int_equal(decide()->action, MXG_ACTION_CHANGE);
	assert_int_equal(an->decision->evidence_ttl, 30);
	/* Only logged: the dangling name is no evidence of the change. */
	cfg.dangling_policy = MXG_POLICY_LOG;
	assert_int_equal(decide_again()->evidence_ttl, 30);
	cfg.cname_policy = MXG_POLICY_LOG;
	cfg.dangling_policy = MXG_POLICY_SERVFAIL;
	assert_int_equal(decide_again()->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(an->decision->evidence_ttl, 70);
	/* Nothing changed: no bound. */
	cfg.dangling_policy = MXG_POLICY_LOG;
	assert_int_equal(decide_again()->action, MXG_ACTION_KEEP);
	assert_int_equal(an->decision->evidence_ttl, MXG_TTL_NONE);
}

/* An address literal is in the record itself: nothing else to expire. */
static void
test_evidence_ttl_of_record_faults_is_none(void **state)
{
	(void)state;
	cfg.address_literal_policy = MXG_POLICY_SERVFAIL;
	tl_spec(&rrset, "10 192.0.2.1, 20 mx.example.org=1/0@5");
	assert_int_equal(decide()->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(an->decision->evidence_ttl, MXG_TTL_NONE);
	/* Stripping everything: SERVFAIL on the aliases' evidence. */
	tl_clear(&rrset);
	tl_spec(&rrset, "10 a1.example.org=alias@300, 20 a2.example.org=alias@40");
	assert_int_equal(decide()->servfail_cause, MXG_SERVFAIL_EMPTY);
	assert_int_equal(an->decision->evidence_ttl, 40);
}

static void
test_log_reports_and_keeps(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_LOG;
	tl_spec(&rrset, "10 alias.example.org=alias:real.example.org");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, MXG_FAULT_ALIAS);
	assert_int_equal(dec->acted_faults, 0);
	assert_int_equal(dec->verdicts[0].policy, MXG_POLICY_LOG);
	assert_string_equal(line(), "answer example.org kept; pref 10 exchange "
	    "alias.example.org canonical real.example.org fault alias "
	    "action log");
}

static void
test_off_is_not_checked(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_OFF;
	cfg.address_literal_policy = MXG_POLICY_OFF;
	cfg.dangling_policy = MXG_POLICY_OFF;
	cfg.null_mx_policy = MXG_POLICY_OFF;
	tl_spec(&rrset, "10 alias.example.org=alias, 20 192.0.2.1, "
	    "30 gone.example.org=nx, 40 .");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, 0);
	assert_int_equal(dec->faulty, 0);
}

static void
test_fail_open_unknown_and_failed_never_change(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_SERVFAIL;
	cfg.dangling_policy = MXG_POLICY_SERVFAIL;
	tl_spec(&rrset, "10 unknown.example.org, 20 failed.example.org=fail");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, 0);
	assert_int_equal(dec->unchecked, 2);
	assert_true(dec->verdicts[0].unchecked && dec->verdicts[1].unchecked);
	assert_string_equal(line(), "answer example.org kept; unchecked 2");
}

static void
test_rfc5321_5_1_dangling_nxdomain_and_nodata(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.dangling_policy = MXG_POLICY_STRIP;
	tl_spec(&rrset, "10 gone.example.org=nx, 20 empty.example.org=nodata, "
	    "30 mx.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->verdicts[0].faults, MXG_FAULT_DANGLING);
	assert_int_equal(dec->verdicts[1].faults, MXG_FAULT_DANGLING);
	assert_int_equal(dec->dropped, 2);
	assert_int_equal(dec->verdicts[2].action, MXG_RECORD_KEEP);
}

static void
test_rfc5321_5_1_address_literal_policies(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.address_literal_policy = MXG_POLICY_STRIP;
	tl_spec(&rrset, "10 192.0.2.1, 20 mx.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->verdicts[0].faults, MXG_FAULT_ADDRESS_LITERAL);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	/* Rewrite makes no sense for a literal: it strips. */
	cfg.address_literal_policy = MXG_POLICY_REWRITE;
	dec = decide_again();
	assert_int_equal(dec->verdicts[0].policy, MXG_POLICY_STRIP);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	cfg.address_literal_policy = MXG_POLICY_SERVFAIL;
	assert_int_equal(decide_again()->action, MXG_ACTION_SERVFAIL);
}

static void
test_rfc7505_null_mx_alone_is_legit(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = cfg.address_literal_policy = MXG_POLICY_SERVFAIL;
	cfg.dangling_policy = cfg.null_mx_policy = MXG_POLICY_SERVFAIL;
	tl_spec(&rrset, "0 .");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, 0);
	assert_int_equal(dec->unchecked, 0);
}

static void
test_rfc7505_3_null_mx_misuse_policies(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.null_mx_policy = MXG_POLICY_STRIP;
	tl_spec(&rrset, "0 ., 10 mx.example.org=1/0");
	dec = decide();
	assert_int_equal(dec->verdicts[0].faults, MXG_FAULT_NULL_MX_MISUSE);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_DROP);
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	/* "10 ." alone: stripping it would leave nothing. */
	tl_clear(&rrset);
	tl_spec(&rrset, "10 .");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_SERVFAIL);
	assert_int_equal(dec->servfail_cause, MXG_SERVFAIL_EMPTY);
	assert_string_equal(line(), "answer example.org servfail (no record "
	    "would be left); pref 10 exchange . fault null-mx-misuse "
	    "action strip");
}

static void
test_exempt_domain_and_subdomains_never_changed(void **state)
{
	struct mxg_decision *dec;

	(void)state;
	cfg.cname_policy = MXG_POLICY_SERVFAIL;
	mxg_dname_from_text(exempt_name, "Example.ORG");
	cfg.exempt = exempt_list;
	cfg.exempt_count = 1;
	tl_owner(&rrset, "sub.example.org");
	tl_spec(&rrset, "10 alias.example.org=alias");
	dec = decide();
	assert_true(dec->exempt);
	assert_int_equal(dec->action, MXG_ACTION_KEEP);
	assert_int_equal(dec->faults, MXG_FAULT_ALIAS);
	assert_int_equal(dec->verdicts[0].policy, MXG_POLICY_SERVFAIL);
	assert_int_equal(dec->verdicts[0].action, MXG_RECORD_KEEP);
	assert_string_equal(line(), "answer sub.example.org kept (exempt); "
	    "pref 10 exchange alias.example.org canonical unknown fault "
	    "alias action exempt");
	/* A sibling domain is not exempt. */
	tl_owner(&rrset, "example.net");
	dec = decide();
	assert_false(dec->exempt);
	assert_int_equal(dec->action, MXG_ACTION_SERVFAIL);
}

/* A decision line names MXG_TEXT_NAMES_MAX faulty records at most. */
static void
test_log_line_names_a_few(void **state)
{
	char spec[64];
	int i;

	(void)state;
	cfg.cname_policy = MXG_POLICY_LOG;
	for (i = 0; i < 20; i++) {
		snprintf(spec, sizeof(spec), "10 a%02d.example.org=alias", i);
		tl_spec(&rrset, spec);
	}
	decide();
	assert_non_null(strstr(line(), "exchange a07.example.org"));
	assert_null(strstr(line(), "a08.example.org"));
	assert_non_null(strstr(line(), "; faulty records not named 12"));
}

/* The same decision, the same fingerprint; another one, another. */
static void
test_decision_fingerprint(void **state)
{
	uint64_t first;

	(void)state;
	tl_spec(&rrset, "10 alias.example.org=alias, 20 mx.example.org=1/0");
	decide();
	first = mxg_decision_fingerprint(an->answer, an->decision);
	assert_true(first != 0);
	/* The facts' TTLs and the clean record's addresses are not in it. */
	tl_clear(&rrset);
	tl_spec(&rrset, "10 alias.example.org=alias@5, 20 mx.example.org=3/1");
	decide();
	assert_true(mxg_decision_fingerprint(an->answer, an->decision) == first);
	cfg.cname_policy = MXG_POLICY_LOG;
	decide_again();
	assert_true(mxg_decision_fingerprint(an->answer, an->decision) != first);
	tl_clear(&rrset);
	tl_spec(&rrset, "10 alias2.example.org=alias, 20 mx.example.org=1/0");
	cfg.cname_policy = MXG_POLICY_STRIP;
	decide();
	assert_true(mxg_decision_fingerprint(an->answer, an->decision) != first);
}

static void
test_mixed_faults(void **state)
{
	const uint8_t junk[] = { 0, 4, 0, 10, 0xc0, 0x0c };
	struct mxg_decision *dec;

	(void)state;
	cfg.dangling_policy = MXG_POLICY_STRIP;
	tl_spec(&rrset, "10 alias.example.org=alias:real.example.org, "
	    "10 192.0.2.7");
	tl_add_raw(&rrset, junk, sizeof(junk));
	tl_spec(&rrset, "20 gone.example.org=nx, 30 good.example.org=1/1, "
	    "40 unknown.example.org");
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->faults, MXG_FAULT_ALIAS |
	    MXG_FAULT_ADDRESS_LITERAL | MXG_FAULT_DANGLING | MXG_FAULT_MALFORMED);
	assert_int_equal(dec->acted_faults, MXG_FAULT_ALIAS | MXG_FAULT_DANGLING);
	assert_int_equal(dec->faulty, 4);
	assert_int_equal(dec->dropped, 2);
	assert_int_equal(dec->unchecked, 1);
	/* Malformed and literal (log) records stay, untouched. */
	assert_int_equal(dec->verdicts[1].action, MXG_RECORD_KEEP);
	assert_int_equal(dec->verdicts[2].action, MXG_RECORD_KEEP);
	assert_int_equal(dec->served, 4);
	assert_string_equal(line(), "answer example.org changed; pref 10 "
	    "exchange alias.example.org canonical real.example.org fault "
	    "alias action strip; pref 10 exchange 192.0.2.7 fault "
	    "address-literal action log; record 2 fault malformed action "
	    "pass; pref 20 exchange gone.example.org fault dangling action "
	    "strip; unchecked 1");
}

static void
test_large_set_half_aliases(void **state)
{
	struct mxg_decision *dec;
	char entry[64];

	(void)state;
	for (int i = 0; i < 1100; i++) {
		snprintf(entry, sizeof(entry), "%d %s%d.example.org=%s", i % 5,
		    i % 2 ? "alias" : "mx", i, i % 2 ? "alias" : "1/0");
		tl_spec(&rrset, entry);
	}
	dec = decide();
	assert_int_equal(dec->action, MXG_ACTION_CHANGE);
	assert_int_equal(dec->dropped, MXG_MX_MAX_RECORDS / 2);
	/* Kept half plus the records beyond the bound, untouched. */
	assert_int_equal(dec->served, 1100 - MXG_MX_MAX_RECORDS / 2);
	assert_int_equal(an->answer->overflow, 1100 - MXG_MX_MAX_RECORDS);
}

static void
test_log_line_escapes_and_truncates(void **state)
{
	char small[48];

	(void)state;
	cfg.cname_policy = MXG_POLICY_LOG;
	tl_spec(&rrset, "10 evil\\010mxguard:\\032forged.example.org=alias");
	decide();
	assert_string_equal(line(), "answer example.org kept; pref 10 exchange "
	    "evil\\010mxguard:\\032forged.example.org canonical unknown "
	    "fault alias action log");
	mxg_decision_render(small, sizeof(small), an->answer, an->decision);
	assert_string_equal(small, "answer example.org kept; pref 10 exchange ...");
	assert_true(strlen(small) < sizeof(small));
}

static void
test_decision_memory_is_checked(void **state)
{
	uint64_t small[16];
	struct mxg_decision *dec;

	(void)state;
	tl_spec(&rrset, "10 a.example.org, 20 b.example.org");
	an = tl_analysis(&rrset, cfg.max_exchanges);
	assert_null(mxg_decision_init(small, mxg_decision_size(1) - 1, 1));
	dec = mxg_decision_init(small, sizeof(small), 1);
	assert_non_null(dec);
	assert_false(mxg_decide(dec, &cfg, an->answer));
	assert_string_equal(mxg_action_name(MXG_ACTION_SERVFAIL), "servfail");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_prestate_setup_teardown(name, setup, \
    tl_teardown, &rrset)
		T(test_clean_answer_is_kept),
		T(test_rfc2181_10_3_alias_stripped),
		T(test_rfc2181_10_3_strip_leaving_nothing_is_servfail),
		T(test_rfc2181_10_3_rewrite_keeps_preference),
		T(test_rfc2181_10_3_rewrite_without_canonical_falls_back_to_strip),
		T(test_rfc2181_10_3_rewrite_duplicating_a_kept_record_drops),
		T(test_rfc2181_10_3_servfail_policy),
		T(test_evidence_ttl_is_the_shortest_acted_on),
		T(test_evidence_ttl_of_record_faults_is_none),
		T(test_log_reports_and_keeps),
		T(test_off_is_not_checked),
		T(test_fail_open_unknown_and_failed_never_change),
		T(test_rfc5321_5_1_dangling_nxdomain_and_nodata),
		T(test_rfc5321_5_1_address_literal_policies),
		T(test_rfc7505_null_mx_alone_is_legit),
		T(test_rfc7505_3_null_mx_misuse_policies),
		T(test_exempt_domain_and_subdomains_never_changed),
		T(test_log_line_names_a_few),
		T(test_decision_fingerprint),
		T(test_mixed_faults),
		T(test_large_set_half_aliases),
		T(test_log_line_escapes_and_truncates),
		T(test_decision_memory_is_checked),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
