/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_check.c - unit tests of mxguard-check's own logic: the command
 * line, the lines of a domain file, how exit statuses combine, and a
 * synthetic result rendered as text and as a JSON line read back with
 * jansson.  The resolution (libunbound) is left to the integration
 * test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "mxguard/analysis.h"
#include "mxguard/config.h"
#include "mxguard/policy.h"
#include "check.h"
#include "testlib.h"

static char err[256];

/* Parse a command line given as one string of words. */
static enum chk_args
parse(struct chk_options *o, const char *line)
{
	static char buf[512];
	static char *argv[32];
	int argc = 0;
	char *w;

	snprintf(buf, sizeof(buf), "mxguard-check %s", line);
	for (w = strtok(buf, " "); w != NULL && argc < 31; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	return chk_parse_args(o, argc, argv, err, sizeof(err));
}

static void
test_args_defaults(void **state)
{
	struct chk_options o;

	(void)state;
	assert_int_equal(parse(&o, "example.org example.net"), CHK_ARGS_RUN);
	assert_int_equal(o.parallel, 10);
	assert_int_equal(o.timeout, 10);
	assert_true(o.dnssec);
	assert_false(o.json);
	assert_null(o.file);
	assert_int_equal(o.domain_count, 2);
	assert_string_equal(o.domains[1], "example.net");
	chk_options_free(&o);
}

static void
test_args_options(void **state)
{
	struct chk_options o;

	(void)state;
	assert_int_equal(parse(&o, "-p 100 --json --no-dnssec --timeout 3 "
	    "--stub mx.test=127.0.0.1@5300 --stub .=::1 -c m.conf -f -"),
	    CHK_ARGS_RUN);
	assert_int_equal(o.parallel, 100);
	assert_int_equal(o.timeout, 3);
	assert_true(o.json);
	assert_false(o.dnssec);
	assert_string_equal(o.file, "-");
	assert_string_equal(o.conf, "m.conf");
	assert_int_equal(o.stubs, 2);
	assert_string_equal(o.stub[0].zone, "mx.test");
	assert_string_equal(o.stub[0].addr, "127.0.0.1@5300");
	assert_string_equal(o.stub[1].zone, ".");
	assert_int_equal(o.domain_count, 0);
	chk_options_free(&o);
	assert_int_equal(parse(&o, "-r 192.0.2.53 -r 2001:db8::53@5353 a.org"),
	    CHK_ARGS_RUN);
	assert_int_equal(o.forwards, 2);
	assert_int_equal(parse(&o, "--help"), CHK_ARGS_HELP);
	assert_int_equal(parse(&o, "-V"), CHK_ARGS_VERSION);
}

static void
test_args_errors(void **state)
{
	static const char *const bad[] = {
		"",				/* nothing to check */
		"-f list example.org",		/* both */
		"-p 0 a.org", "-p 10001 a.org", "-p x a.org", "-p 1x a.org",
		"--timeout 0 a.org", "--timeout 3601 a.org",
		"-r resolver.example a.org", "-r 192.0.2.1@0 a.org",
		"-r 192.0.2.1@65536 a.org", "--stub mx.test a.org",
		"--stub =127.0.0.1 a.org", "--stub mx..test=127.0.0.1 a.org",
		"--stub mx.test=host a.org",
		"-r 192.0.2.1 --stub a=192.0.2.2 b.org",
		"--no-dnssec --trust-anchor k a.org",
		"--bogus a.org", "-p",
	};
	struct chk_options o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(&o, bad[i]) != CHK_ARGS_ERROR)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strlen(err) > 0);
		chk_options_free(&o);
	}
}

static enum chk_line
line(const char *text, const char **name)
{
	static char buf[1024];
	static uint8_t wire[MXG_DNAME_MAXLEN];

	snprintf(buf, sizeof(buf), "%s", text);
	return chk_parse_line(buf, name, wire, err, sizeof(err));
}

static void
test_lines(void **state)
{
	const char *name = NULL;

	(void)state;
	assert_int_equal(line("example.org\n", &name), CHK_LINE_DOMAIN);
	assert_string_equal(name, "example.org");
	assert_int_equal(line("  Example.ORG.\r\n", &name), CHK_LINE_DOMAIN);
	assert_string_equal(name, "Example.ORG.");
	assert_int_equal(line("example.org   # customer 17\n", &name),
	    CHK_LINE_DOMAIN);
	assert_string_equal(name, "example.org");
	assert_int_equal(line("a#b.example\n", &name), CHK_LINE_DOMAIN);
	assert_string_equal(name, "a#b.example");
	assert_int_equal(line("\n", &name), CHK_LINE_SKIP);
	assert_int_equal(line(" \t \r\n", &name), CHK_LINE_SKIP);
	assert_int_equal(line("# a comment\n", &name), CHK_LINE_SKIP);
	assert_int_equal(line("   #indented\n", &name), CHK_LINE_SKIP);
	assert_int_equal(line("example.org example.net\n", &name),
	    CHK_LINE_INVALID);
	assert_non_null(strstr(err, "more than one word"));
	assert_int_equal(line("a..b\n", &name), CHK_LINE_INVALID);
	assert_int_equal(line(".\n", &name), CHK_LINE_INVALID);
	assert_int_equal(line("-p\n", &name), CHK_LINE_INVALID);
	assert_int_equal(line("bad\x01name.org\n", &name), CHK_LINE_INVALID);
	assert_int_equal(line("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa.org\n", &name), CHK_LINE_INVALID);
}

static void
test_exit_worst(void **state)
{
	(void)state;
	assert_int_equal(chk_exit_worst(CHK_EXIT_CLEAN, CHK_EXIT_LOGGED), 1);
	assert_int_equal(chk_exit_worst(CHK_EXIT_CHANGED, CHK_EXIT_LOGGED), 2);
	assert_int_equal(chk_exit_worst(CHK_EXIT_CHANGED,
	    CHK_EXIT_UNRESOLVED), 3);
	assert_int_equal(chk_exit_worst(CHK_EXIT_USAGE, CHK_EXIT_CLEAN), 4);
	assert_int_equal(chk_exit_worst(CHK_EXIT_CLEAN, CHK_EXIT_CLEAN), 0);
}

/* ---- a synthetic result ---------------------------------------------- */

static struct chk_result
analysed(struct tl_answer *a, const char *spec, enum mxg_policy cname)
{
	static struct mxg_settings cfg;
	struct chk_result r;
	struct mxg_analysis *an;

	tl_settings(&cfg);
	cfg.cname_policy = cname;
	tl_spec(a, spec);
	an = tl_analysis(a, cfg.max_exchanges);
	assert_true(mxg_analysis_run(an, &cfg));
	memset(&r, 0, sizeof(r));
	r.text = "example.org";
	r.owner = a->owner;
	r.status = CHK_STATUS_OK;
	r.dnssec = CHK_DNSSEC_INSECURE;
	r.an = an;
	r.queries = 5;
	return r;
}

static json_t *
as_json(const struct chk_result *r)
{
	struct mxg_sink s;
	json_error_t jerr;
	json_t *j;

	mxg_sink_buffer(&s);
	chk_render_json(&s, r);
	assert_false(s.failed);
	/* One object, one line. */
	assert_non_null(strchr(s.buf, '\n'));
	assert_int_equal(strchr(s.buf, '\n') - s.buf, (long)s.len - 1);
	j = json_loads(s.buf, 0, &jerr);
	if (j == NULL)
		fail_msg("not JSON (%s): %s", jerr.text, s.buf);
	mxg_sink_free(&s);
	return j;
}

static void
test_json_alias_stripped(void **state)
{
	struct tl_answer *a = *state;
	struct chk_result r = analysed(a, "10 alias.example.org=alias:real."
	    "example.org, 20 mx.example.org=1/1", MXG_POLICY_STRIP);
	json_t *j = as_json(&r), *rec, *dist, *ex;

	assert_string_equal(json_string_value(json_object_get(j, "domain")),
	    "example.org");
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "ok");
	assert_string_equal(json_string_value(json_object_get(j, "dnssec")),
	    "insecure");
	assert_string_equal(json_string_value(json_object_get(j, "action")),
	    "changed");
	assert_int_equal(json_integer_value(json_object_get(j, "exit")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "faults_last")),
	    MXG_FAULT_ALIAS);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "faults"), "alias")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "records"), "dropped")), 1);
	rec = json_array_get(json_object_get(j, "faulty_records"), 0);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "exchange")),
	    "alias.example.org");
	assert_string_equal(json_string_value(json_object_get(rec,
	    "canonical")), "real.example.org");
	assert_int_equal(json_integer_value(json_object_get(rec, "preference")),
	    10);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec,
	    "faults"), 0)), "alias");
	assert_string_equal(json_string_value(json_object_get(rec, "action")),
	    "strip");
	/* The stats file's distribution object: the alias is gone. */
	dist = json_object_get(j, "distribution");
	assert_string_equal(json_string_value(json_object_get(dist, "state")),
	    "mx");
	assert_int_equal(json_integer_value(json_object_get(dist, "usable")), 1);
	ex = json_array_get(json_object_get(dist, "exchanges"), 0);
	assert_string_equal(json_string_value(json_object_get(ex, "exchange")),
	    "mx.example.org");
	assert_int_equal(json_integer_value(json_object_get(ex, "share_ppm")),
	    1000000);
	assert_int_equal(json_integer_value(json_object_get(ex, "addresses")),
	    2);
	assert_int_equal(json_array_size(json_object_get(dist, "exchanges")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "classes"), 0)), "single_exchange");
	json_decref(j);
}

static void
test_json_clean_and_unresolved(void **state)
{
	struct tl_answer *a = *state;
	struct chk_result r = analysed(a, "10 mx1.example.org=1/0, "
	    "10 mx2.example.org=1/0, 20 b.example.org=1/0", MXG_POLICY_STRIP);
	json_t *j = as_json(&r);

	assert_string_equal(json_string_value(json_object_get(j, "action")),
	    "kept");
	assert_int_equal(json_integer_value(json_object_get(j, "exit")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "faulty_records")),
	    0);
	assert_int_equal(json_array_size(json_object_get(j, "classes")), 2);
	json_decref(j);

	r.status = CHK_STATUS_TIMEOUT;
	r.timeout = 7;
	r.rcode = -1;
	r.an = NULL;
	j = as_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "timeout");
	assert_true(json_is_null(json_object_get(j, "rcode")));
	assert_true(json_is_null(json_object_get(j, "distribution")));
	assert_true(json_is_null(json_object_get(j, "action")));
	assert_int_equal(json_integer_value(json_object_get(j, "exit")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
	    "7 s"));
	json_decref(j);
}

static void
test_json_hostile_name(void **state)
{
	struct tl_answer *a = *state;
	struct chk_result r;
	json_t *j;

	tl_owner(a, "a\\\"b\\\\c\\010.example");
	r = analysed(a, "10 mx.example.org=1/0", MXG_POLICY_STRIP);
	j = as_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "domain")),
	    "a\\\"b\\\\c\\010.example");
	json_decref(j);
}

static void
test_text_has_module_lines(void **state)
{
	struct tl_answer *a = *state;
	struct chk_result r = analysed(a, "10 alias.example.org=alias:real."
	    "example.org, 20 mx.example.org=1/1", MXG_POLICY_LOG);
	struct mxg_sink s;
	struct chk_summary sum;

	mxg_sink_buffer(&s);
	chk_render_text(&s, &r);
	assert_non_null(strstr(s.buf, "example.org: kept; dnssec insecure; "
	    "fault alias"));
	assert_non_null(strstr(s.buf, "  record pref 10 exchange "
	    "alias.example.org fault alias canonical real.example.org action "
	    "log\n"));
	assert_non_null(strstr(s.buf, "  mxguard: answer example.org kept; "
	    "pref 10 exchange alias.example.org canonical real.example.org "
	    "fault alias action log\n"));
	assert_non_null(strstr(s.buf, "  mxguard: distribution example.org: "
	    "pref 10 alias.example.org 100% (alias)"));
	mxg_sink_free(&s);
	assert_int_equal(chk_result_exit(&r), CHK_EXIT_LOGGED);

	memset(&sum, 0, sizeof(sum));
	chk_summary_add(&sum, &r);
	r.status = CHK_STATUS_NXDOMAIN;
	chk_summary_add(&sum, &r);
	assert_int_equal(sum.domains, 2);
	assert_int_equal(sum.by_fault[0], 1);
	assert_int_equal(sum.with_faults, 1);
	assert_int_equal(sum.by_status[CHK_STATUS_NXDOMAIN], 1);
	assert_int_equal(sum.exit, CHK_EXIT_UNRESOLVED);
	mxg_sink_buffer(&s);
	chk_render_summary(&s, &sum, 1.0);
	assert_non_null(strstr(s.buf, "summary: 2 domains"));
	assert_non_null(strstr(s.buf, "alias 1"));
	mxg_sink_free(&s);
}

/* The answer under test, emptied before each test and freed after. */
static struct tl_answer rrset;
#define T(name) cmocka_unit_test_prestate_setup_teardown(name, tl_setup, \
	tl_teardown, &rrset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_options),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_exit_worst),
		T(test_json_alias_stripped),
		T(test_json_clean_and_unresolved),
		T(test_json_hostile_name),
		T(test_text_has_module_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
