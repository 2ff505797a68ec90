/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c - unit tests of the mxguard.conf parser (config.c).
 *
 * Every option with every value and bound, every kind of error, odd
 * whitespace and quoting, long lines, binary junk, includes, the file
 * location rule, the -o round trip, and the example and corpus files
 * (tests/conf/good must parse, tests/conf/bad must give exactly the
 * errors written in their "# expect:" lines).
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mxguard/config.h"
#include "mxguard/dname.h"

#define MAX_ERRORS	(MXG_CONF_ERRORS_MAX + 8)
#define ERROR_LEN	(PATH_MAX * 2 + 600)

/* The errors of one parse, each as "FILE:LINE: message". */
struct errors {
	char line[MAX_ERRORS][ERROR_LEN];
	int count;
};

static struct errors errs;
static char tmpdir[256];	/* short, so every path built on it fits */

static void
collect(void *arg, const char *file, unsigned line, const char *message)
{
	struct errors *e = arg;

	if (e->count >= MAX_ERRORS)
		fail_msg("more than %d errors reported", MAX_ERRORS);
	snprintf(e->line[e->count++], ERROR_LEN, "%s:%u: %s", file, line,
	    message);
}

static struct mxg_settings *
parse(const char *text)
{
	memset(&errs, 0, sizeof(errs));
	return mxg_config_parse("t.conf", text, strlen(text), collect, &errs);
}

static struct mxg_settings *
parse_len(const char *text, size_t len)
{
	memset(&errs, 0, sizeof(errs));
	return mxg_config_parse("t.conf", text, len, collect, &errs);
}

/* text must parse; the result is returned for inspection. */
static struct mxg_settings *
parse_ok(const char *text)
{
	struct mxg_settings *s = parse(text);

	if (s == NULL)
		fail_msg("unexpected error: %s", errs.count ? errs.line[0] : "");
	assert_int_equal(errs.count, 0);
	return s;
}

/* text must fail with exactly the errors given, in order, then NULL. */
static void
parse_fails(const char *text, ...)
{
	const char *want;
	va_list ap;
	int i = 0;

	assert_null(parse(text));
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= errs.count)
			fail_msg("missing error: %s", want);
		assert_string_equal(errs.line[i], want);
		i++;
	}
	va_end(ap);
	if (i != errs.count)
		fail_msg("unexpected error: %s", errs.line[i]);
}

/* Write content to tmpdir/name; returns the full path (static). */
static const char *
write_file(const char *name, const char *content)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct mxg_settings *
load(const char *path, unsigned flags)
{
	memset(&errs, 0, sizeof(errs));
	return mxg_config_load(path, flags, collect, &errs);
}

/* Loading path must fail with exactly the one error want. */
static void
load_fails(const char *path, const char *want)
{
	assert_null(load(path, 0));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.line[0], want);
}

static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];
	struct stat st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
make_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/mxg-test-config-XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
drop_tmpdir(void **state)
{
	(void)state;
	remove_tree(tmpdir);
	return 0;
}

/* ---- defaults ---- */

static void
check_defaults(const struct mxg_settings *s)
{
	assert_int_equal(s->cname_policy, MXG_POLICY_STRIP);
	assert_int_equal(s->address_literal_policy, MXG_POLICY_LOG);
	assert_int_equal(s->dangling_policy, MXG_POLICY_LOG);
	assert_int_equal(s->null_mx_policy, MXG_POLICY_LOG);
	assert_int_equal(s->servfail_ttl, 60);
	assert_int_equal(s->exempt_count, 0);
	assert_int_equal(s->prefetch, MXG_PREFETCH_WAIT);
	assert_int_equal(s->max_exchanges, 8);
	assert_true(s->additional);
	assert_true(s->log_distribution);
	assert_int_equal(s->log_rate, 5);
	assert_int_equal(s->lookups_per_thread, 256);
	assert_int_equal(s->stats_interval, 300);
	assert_null(s->stats_file);
	assert_int_equal(s->stats_format, MXG_STATS_JSON);
	assert_int_equal(s->stats_max_domains, 10000);
	assert_int_equal(s->stats_max_memory, 32UL << 20);
}

static void
test_defaults(void **state)
{
	struct mxg_settings d, *s;

	(void)state;
	mxg_settings_defaults(&d);
	check_defaults(&d);
	assert_null(d.source);

	s = parse_ok("mxguard:\n");
	check_defaults(s);
	assert_string_equal(s->source, "t.conf");
	mxg_config_free(s);

	assert_non_null(s = load(NULL, 0));
	check_defaults(s);
	assert_null(s->source);
	mxg_config_free(s);
	mxg_config_free(NULL);
}

/* ---- every option, every value ---- */

struct word_case {
	const char *option;
	const char *value;
	size_t offset;		/* of an int-sized enum or a bool field */
	bool is_bool;
	int expect;
};

#define POL(opt, field, word, val) \
	{ opt, word, offsetof(struct mxg_settings, field), false, val }
#define POLICIES(opt, field) \
	POL(opt, field, "off", MXG_POLICY_OFF), \
	POL(opt, field, "log", MXG_POLICY_LOG), \
	POL(opt, field, "strip", MXG_POLICY_STRIP), \
	POL(opt, field, "servfail", MXG_POLICY_SERVFAIL)
#define BOOLS(opt, field) \
	{ opt, "yes", offsetof(struct mxg_settings, field), true, 1 }, \
	{ opt, "no", offsetof(struct mxg_settings, field), true, 0 }

static const struct word_case word_cases[] = {
	POLICIES("cname-policy", cname_policy),
	POL("cname-policy", cname_policy, "rewrite", MXG_POLICY_REWRITE),
	POLICIES("address-literal-policy", address_literal_policy),
	POLICIES("dangling-policy", dangling_policy),
	POLICIES("null-mx-policy", null_mx_policy),
	POL("prefetch", prefetch, "wait", MXG_PREFETCH_WAIT),
	POL("prefetch", prefetch, "background", MXG_PREFETCH_BACKGROUND),
	POL("prefetch", prefetch, "off", MXG_PREFETCH_OFF),
	BOOLS("additional", additional),
	BOOLS("log-distribution", log_distribution),
	POL("stats-format", stats_format, "json", MXG_STATS_JSON),
	POL("stats-format", stats_format, "prometheus", MXG_STATS_PROMETHEUS),
};

static void
test_every_word(void **state)
{
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]); i++) {
		const struct word_case *c = &word_cases[i];
		struct mxg_settings *s;
		const char *field;
		int got;

		snprintf(text, sizeof(text), "mxguard:\n\t%s: %s\n",
		    c->option, c->value);
		s = parse_ok(text);
		field = (const char *)s + c->offset;
		if (c->is_bool)
			got = *(const bool *)field;
		else
			memcpy(&got, field, sizeof(got));
		if (got != c->expect)
			fail_msg("%s: %s gave %d", c->option, c->value, got);
		mxg_config_free(s);
	}
}

static void
test_bad_words(void **state)
{
	(void)state;
	parse_fails("mxguard:\n address-literal-policy: rewrite\n",
	    "t.conf:2: address-literal-policy: invalid value 'rewrite' "
	    "(expected off, log, strip or servfail)", NULL);
	parse_fails("mxguard:\n cname-policy: STRIP\n",
	    "t.conf:2: cname-policy: invalid value 'STRIP' "
	    "(expected off, log, strip, rewrite or servfail)", NULL);
	parse_fails("mxguard:\n additional: true\n",
	    "t.conf:2: additional: invalid value 'true' (expected yes or no)",
	    NULL);
	parse_fails("mxguard:\n log-distribution: 1\n",
	    "t.conf:2: log-distribution: invalid value '1' "
	    "(expected yes or no)", NULL);
	parse_fails("mxguard:\n prefetch: \"\"\n",
	    "t.conf:2: prefetch: invalid value '' "
	    "(expected wait, background or off)", NULL);
	parse_fails("mxguard:\n stats-format: xml\n",
	    "t.conf:2: stats-format: invalid value 'xml' "
	    "(expected json or prometheus)", NULL);
	parse_fails("mxguard:\n dangling-policy: \"log \"\n",
	    "t.conf:2: dangling-policy: invalid value 'log ' "
	    "(expected off, log, strip or servfail)", NULL);
}

/* text must parse, to these three numbers. */
static void
assert_numbers(const char *text, unsigned max_exchanges,
    unsigned long stats_interval, unsigned long stats_max_domains)
{
	struct mxg_settings *s = parse_ok(text);

	assert_int_equal(s->max_exchanges, max_exchanges);
	assert_int_equal(s->stats_interval, stats_interval);
	assert_int_equal(s->stats_max_domains, stats_max_domains);
	mxg_config_free(s);
}

/* Sizes as unbound.conf writes them: bytes, or k, m, g. */
static void
test_sizes(void **state)
{
	static const struct { const char *text; unsigned long bytes; } ok[] = {
		{ "1048576", 1UL << 20 }, { "1024k", 1UL << 20 },
		{ "1M", 1UL << 20 }, { "64m", 64UL << 20 }, { "2g", 2UL << 30 },
		{ "1024G", 1UL << 40 },
	};
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct mxg_settings *s;

		snprintf(text, sizeof(text), "mxguard:\nstats-max-memory: %s\n",
		    ok[i].text);
		s = parse_ok(text);
		assert_int_equal(s->stats_max_memory, ok[i].bytes);
		mxg_config_free(s);
	}
	parse_fails("mxguard:\nstats-max-memory: 1023k\n",
	    "t.conf:2: stats-max-memory: 1023k is out of range "
	    "1048576..1099511627776", NULL);
	parse_fails("mxguard:\nstats-max-memory: 1025g\n",
	    "t.conf:2: stats-max-memory: 1025g is out of range "
	    "1048576..1099511627776", NULL);
	parse_fails("mxguard:\nstats-max-memory: 99999999999999999999g\n",
	    "t.conf:2: stats-max-memory: 99999999999999999999g is out of range "
	    "1048576..1099511627776", NULL);
	parse_fails("mxguard:\nstats-max-memory: 16mb\n",
	    "t.conf:2: stats-max-memory: invalid number '16mb' (expected "
	    "decimal digits, then k, m or g)", NULL);
	parse_fails("mxguard:\nstats-max-memory: m\n",
	    "t.conf:2: stats-max-memory: invalid number 'm' (expected "
	    "decimal digits, then k, m or g)", NULL);
	/* A suffix is for sizes only. */
	parse_fails("mxguard:\nstats-max-domains: 10k\n",
	    "t.conf:2: stats-max-domains: invalid number '10k' (expected "
	    "decimal digits)", NULL);
}

static void
test_number_bounds(void **state)
{
	(void)state;
	assert_numbers("mxguard:\nmax-exchanges: 1\nstats-interval: 0\n"
	    "stats-max-domains: 1\n", 1, 0, 1);
	assert_numbers("mxguard:\nmax-exchanges: 64\nstats-interval: 604800\n"
	    "stats-max-domains: 10000000\n", MXG_MAX_EXCHANGES_MAX,
	    MXG_STATS_INTERVAL_MAX, MXG_STATS_MAX_DOMAINS_MAX);
	/* leading zeros are decimal; the others keep their defaults */
	assert_numbers("mxguard:\nmax-exchanges: 007\n", 7, 300, 10000);

	parse_fails("mxguard:\nmax-exchanges: 0\nmax-exchanges: 65\n",
	    "t.conf:2: max-exchanges: 0 is out of range 1..64",
	    "t.conf:3: max-exchanges: set twice (first at t.conf:2)", NULL);
	parse_fails("mxguard:\nmax-exchanges: 65\n",
	    "t.conf:2: max-exchanges: 65 is out of range 1..64", NULL);
	parse_fails("mxguard:\nlog-rate: 1001\n",
	    "t.conf:2: log-rate: 1001 is out of range 0..1000", NULL);
	parse_fails("mxguard:\nlookups-per-thread: 16385\n",
	    "t.conf:2: lookups-per-thread: 16385 is out of range 0..16384",
	    NULL);
	parse_fails("mxguard:\nservfail-ttl: 86401\n",
	    "t.conf:2: servfail-ttl: 86401 is out of range 0..86400", NULL);
	parse_fails("mxguard:\nstats-interval: 604801\n",
	    "t.conf:2: stats-interval: 604801 is out of range 0..604800", NULL);
	parse_fails("mxguard:\nstats-max-domains: 0\n",
	    "t.conf:2: stats-max-domains: 0 is out of range 1..10000000",
	    NULL);
	parse_fails("mxguard:\nstats-max-domains: 10000001\n",
	    "t.conf:2: stats-max-domains: 10000001 is out of range "
	    "1..10000000", NULL);
	parse_fails("mxguard:\nstats-interval: 18446744073709551616\n",
	    "t.conf:2: stats-interval: 18446744073709551616 is out of range "
	    "0..604800", NULL);
	parse_fails("mxguard:\nstats-interval: "
	    "99999999999999999999999999999999999999999999999999\n",
	    "t.conf:2: stats-interval: "
	    "99999999999999999999999999999999999999999999999999 is out of "
	    "range 0..604800", NULL);
}

static void
test_bad_numbers(void **state)
{
	static const char *bad[] = {
		"-1", "+1", "0x10", "1e3", "12a", "1.5", "\"\"", "' 1'", "١",
	};
	char text[128], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char value[32];
		size_t n = strlen(bad[i]);

		/* What the message shows: the value without its quotes. */
		if (bad[i][0] == '"' || bad[i][0] == '\'')
			snprintf(value, sizeof(value), "%.*s", (int)(n - 2),
			    bad[i] + 1);
		else if (strcmp(bad[i], "١") == 0)
			snprintf(value, sizeof(value), "\\xd9\\xa1");
		else
			snprintf(value, sizeof(value), "%s", bad[i]);
		snprintf(text, sizeof(text), "mxguard:\nmax-exchanges: %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "t.conf:2: max-exchanges: invalid "
		    "number '%s' (expected decimal digits)", value);
		parse_fails(text, want, NULL);
	}
}

/* "stats-file: VALUE" gives want (NULL: no stats file). */
static void
assert_stats_file(const char *value, const char *want)
{
	char text[256];
	struct mxg_settings *s;

	snprintf(text, sizeof(text), "mxguard:\nstats-file: %s\n", value);
	s = parse_ok(text);
	if (want == NULL)
		assert_null(s->stats_file);
	else
		assert_string_equal(s->stats_file, want);
	mxg_config_free(s);
}

static void
test_stats_file(void **state)
{
	(void)state;
	assert_stats_file("/var/lib/unbound/mx.json", "/var/lib/unbound/mx.json");
	assert_stats_file("\"\"", NULL);
	assert_stats_file("''", NULL);
	assert_stats_file("\"/var/my stats/#1.json\"", "/var/my stats/#1.json");
	assert_stats_file("/a:b", "/a:b");

	parse_fails("mxguard:\nstats-file: a\nstats-file: \"\"\n",
	    "t.conf:3: stats-file: set twice (first at t.conf:2)", NULL);
}

/* ---- exempt-domain ---- */

static void
assert_name(const uint8_t *wire, const char *text)
{
	uint8_t want[MXG_DNAME_MAXLEN];
	size_t len = mxg_dname_from_text(want, text);

	assert_true(len > 0);
	assert_memory_equal(wire, want, len);
}

static void
test_exempt(void **state)
{
	struct mxg_settings *s;

	(void)state;
	s = parse_ok("mxguard:\n"
	    "exempt-domain: Example.ORG\n"
	    "exempt-domain: \"b.example.net.\"\n"
	    "exempt-domain: 'a.example.net'\n");
	assert_int_equal(s->exempt_count, 3);
	/* sorted by wire octets: a.example.net, b.example.net, example.org */
	assert_name(s->exempt[0], "a.example.net");
	assert_name(s->exempt[1], "b.example.net");
	assert_name(s->exempt[2], "example.org");
	mxg_config_free(s);

	/* The root exempts everything: an observe-only mode. */
	s = parse_ok("mxguard:\nexempt-domain: .\n");
	assert_int_equal(s->exempt_count, 1);
	assert_int_equal(s->exempt[0][0], 0);
	mxg_config_free(s);

	s = parse_ok("mxguard:\nexempt-domain: a\\032b.example\n");
	assert_int_equal(s->exempt_count, 1);
	assert_memory_equal(s->exempt[0], "\003a b\007example", 13);
	mxg_config_free(s);
}

static void
test_exempt_duplicates(void **state)
{
	struct mxg_settings *s;

	(void)state;
	/* Harmless, and kept once. */
	s = parse_ok("mxguard:\nexempt-domain: example.org\n"
	    "exempt-domain: EXAMPLE.org.\nexempt-domain: example.org\n");
	assert_int_equal(s->exempt_count, 1);
	assert_name(s->exempt[0], "example.org");
	mxg_config_free(s);
}

static void
test_exempt_invalid(void **state)
{
	(void)state;
	parse_fails("mxguard:\nexempt-domain: a..b\n",
	    "t.conf:2: exempt-domain: invalid domain name 'a..b'", NULL);
	parse_fails("mxguard:\nexempt-domain: \"\"\n",
	    "t.conf:2: exempt-domain: invalid domain name ''", NULL);
	parse_fails("mxguard:\nexempt-domain: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".org\n",
	    "t.conf:2: exempt-domain: invalid domain name "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'",
	    NULL);
}

static void
test_exempt_limit(void **state)
{
	size_t each = 32, n = MXG_CONF_EXEMPT_MAX + 2;
	char *text = malloc(16 + n * each), *at;
	struct mxg_settings *s;
	char want[128];
	size_t i;

	(void)state;
	assert_non_null(text);
	at = text + sprintf(text, "mxguard:\n");
	for (i = 0; i < MXG_CONF_EXEMPT_MAX; i++)
		at += sprintf(at, "exempt-domain: d%zu.example\n", i);
	s = parse_ok(text);
	assert_int_equal(s->exempt_count, MXG_CONF_EXEMPT_MAX);
	mxg_config_free(s);

	/* One error for the overflow, however many values follow. */
	at += sprintf(at, "exempt-domain: one-more.example\n");
	at += sprintf(at, "exempt-domain: two-more.example\n");
	snprintf(want, sizeof(want), "t.conf:%d: exempt-domain: more than %d "
	    "values", MXG_CONF_EXEMPT_MAX + 2, MXG_CONF_EXEMPT_MAX);
	parse_fails(text, want, NULL);
	free(text);
}

/* ---- structural errors ---- */

static void
test_unknown_option(void **state)
{
	(void)state;
	parse_fails("mxguard:\n\tcname-polcy: strip\n",
	    "t.conf:2: unknown option 'cname-polcy'", NULL);
	/* names are case-sensitive, as in unbound.conf */
	parse_fails("mxguard:\n\tCNAME-POLICY: strip\n",
	    "t.conf:2: unknown option 'CNAME-POLICY'", NULL);
	parse_fails("verbosity: 1\nmxguard:\n",
	    "t.conf:1: unknown option 'verbosity'", NULL);
}

static void
test_unknown_clause(void **state)
{
	struct mxg_settings *s;

	(void)state;
	/* The clause is reported once; what it holds is not judged. */
	parse_fails("server:\n\tverbosity: 1\n\tinterface: 0.0.0.0\n"
	    "mxguard:\n\tprefetch: wait\n",
	    "t.conf:1: unknown clause 'server:'", NULL);
	parse_fails("mxguard:\nremote-control: control-enable: yes\n"
	    "mxguard: prefetch: nope\n",
	    "t.conf:2: unknown clause 'remote-control:'",
	    "t.conf:3: prefetch: invalid value 'nope' "
	    "(expected wait, background or off)", NULL);
	/* a clause may appear twice, as server: may in unbound.conf */
	s = parse_ok("mxguard:\nprefetch: off\nmxguard:\nadditional: no\n");
	assert_int_equal(s->prefetch, MXG_PREFETCH_OFF);
	assert_false(s->additional);
	mxg_config_free(s);
}

static void
test_outside_clause(void **state)
{
	(void)state;
	parse_fails("cname-policy: log\nmxguard:\n",
	    "t.conf:1: cname-policy: outside the mxguard: clause", NULL);
	parse_fails("# only a comment\ncname-policy: log\n",
	    "t.conf:2: cname-policy: outside the mxguard: clause", NULL);
}

static void
test_missing_clause(void **state)
{
	(void)state;
	parse_fails("", "t.conf:0: no mxguard: clause", NULL);
	parse_fails("# nothing here\n\n   \n",
	    "t.conf:0: no mxguard: clause", NULL);
	parse_fails("\"mxguard:\"\n",
	    "t.conf:1: 'mxguard:': expected 'name: value'", NULL);
}

static void
test_duplicates(void **state)
{
	(void)state;
	parse_fails("mxguard:\ncname-policy: log\n\n"
	    "cname-policy: log\ncname-policy: bogus\n",
	    "t.conf:4: cname-policy: set twice (first at t.conf:2)",
	    "t.conf:5: cname-policy: set twice (first at t.conf:2)", NULL);
	/* a first value that was wrong still counts as set */
	parse_fails("mxguard:\nadditional: maybe\nadditional: no\n",
	    "t.conf:2: additional: invalid value 'maybe' (expected yes or no)",
	    "t.conf:3: additional: set twice (first at t.conf:2)", NULL);
}

static void
test_missing_value(void **state)
{
	(void)state;
	parse_fails("mxguard:\nprefetch:\n",
	    "t.conf:2: prefetch: missing value", NULL);
	parse_fails("mxguard:\nprefetch:\nadditional: no\n",
	    "t.conf:2: prefetch: missing value", NULL);
	parse_fails("mxguard:\ninclude:\n",
	    "t.conf:2: include: missing value", NULL);
	parse_fails("mxguard: yes\n",
	    "t.conf:1: 'yes': expected 'name: value'", NULL);
	parse_fails("mxguard:yes\n",
	    "t.conf:1: mxguard: takes no value", NULL);
}

static void
test_stray_tokens(void **state)
{
	(void)state;
	parse_fails("mxguard:\nprefetch: wait off\n",
	    "t.conf:2: 'off': expected 'name: value'", NULL);
	parse_fails("mxguard:\n'prefetch': wait\n",
	    "t.conf:2: 'prefetch': expected 'name: value'",
	    "t.conf:2: unknown option ''", NULL);
	parse_fails("mxguard:\n: wait\n",
	    "t.conf:2: unknown option ''", NULL);
}

/* ---- whitespace and quoting ---- */

static void
test_whitespace(void **state)
{
	struct mxg_settings *s;

	(void)state;
	s = parse_ok("\t mxguard:\t\r\n\t\tcname-policy:\t\tlog\t\r\n"
	    "prefetch:off additional:no   log-distribution: no\r\n"
	    "max-exchanges:\n\n  # a comment between name and value\n 3\n"
	    "stats-format:'prometheus'stats-file:\"/x y\"\r");
	assert_int_equal(s->cname_policy, MXG_POLICY_LOG);
	assert_int_equal(s->prefetch, MXG_PREFETCH_OFF);
	assert_false(s->additional);
	assert_false(s->log_distribution);
	assert_int_equal(s->max_exchanges, 3);
	assert_int_equal(s->stats_format, MXG_STATS_PROMETHEUS);
	assert_string_equal(s->stats_file, "/x y");
	mxg_config_free(s);

	/* all on one line, as Unbound's token-based lexer allows */
	s = parse_ok("mxguard: cname-policy: off dangling-policy: strip "
	    "null-mx-policy: servfail address-literal-policy: off");
	assert_int_equal(s->cname_policy, MXG_POLICY_OFF);
	assert_int_equal(s->dangling_policy, MXG_POLICY_STRIP);
	assert_int_equal(s->null_mx_policy, MXG_POLICY_SERVFAIL);
	assert_int_equal(s->address_literal_policy, MXG_POLICY_OFF);
	mxg_config_free(s);

	/* a byte order mark is skipped */
	s = parse_ok("\xef\xbb\xbfmxguard:\nprefetch: off\n");
	assert_int_equal(s->prefetch, MXG_PREFETCH_OFF);
	mxg_config_free(s);
}

static void
test_quoting(void **state)
{
	struct mxg_settings *s;

	(void)state;
	s = parse_ok("mxguard:\n"
	    "stats-file: \"/a#b'c\" # comment \"quoted\"\n"
	    "cname-policy: 'rewrite'#comment\n"
	    "prefetch: \"off\"\n");
	assert_string_equal(s->stats_file, "/a#b'c");
	assert_int_equal(s->cname_policy, MXG_POLICY_REWRITE);
	assert_int_equal(s->prefetch, MXG_PREFETCH_OFF);
	mxg_config_free(s);

	assert_stats_file("'/a\"b'", "/a\"b");

	/* bare values end at '#' */
	assert_stats_file("/a#b", "/a");

	/* a value that looks like a name must be quoted */
	assert_stats_file("\"x:\"", "x:");

	parse_fails("mxguard:\nstats-file: \"/a\nprefetch: off\n",
	    "t.conf:2: unterminated quoted string", NULL);
	parse_fails("mxguard:\nstats-file: '/a\n",
	    "t.conf:2: unterminated quoted string", NULL);
	parse_fails("mxguard:\nstats-file: \"/a",
	    "t.conf:2: unterminated quoted string", NULL);
	parse_fails("mxguard:\n\"unterminated\nprefetch: nope\n",
	    "t.conf:2: unterminated quoted string",
	    "t.conf:3: prefetch: invalid value 'nope' "
	    "(expected wait, background or off)", NULL);
}

/* ---- length limits ---- */

static char *
line_of(size_t valuelen, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *text = malloc(plen + valuelen + 32);

	assert_non_null(text);
	memcpy(text, prefix, plen);
	memset(text + plen, 'v', valuelen);
	strcpy(text + plen + valuelen, "\nprefetch: x\n");
	return text;
}

static void
test_long_lines(void **state)
{
	const char *prefix = "mxguard:\n# ";
	char *text;
	char want[128];
	struct mxg_settings *s;

	(void)state;
	/* a comment line of exactly the limit is fine */
	text = line_of(MXG_CONF_LINE_MAX - 2, prefix);
	assert_null(parse(text));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.line[0], "t.conf:3: prefetch: invalid value "
	    "'x' (expected wait, background or off)");
	free(text);

	/* one more octet: reported, skipped whole, parsing goes on */
	text = line_of(MXG_CONF_LINE_MAX - 1, prefix);
	snprintf(want, sizeof(want), "t.conf:2: line too long (more than %d "
	    "octets)", MXG_CONF_LINE_MAX);
	parse_fails(text, want, "t.conf:3: prefetch: invalid value 'x' "
	    "(expected wait, background or off)", NULL);
	free(text);

	/* the first line counts too; \r\n is not part of the length */
	text = line_of(MXG_CONF_LINE_MAX + 100, "");
	assert_null(parse(text));
	assert_string_equal(errs.line[0], "t.conf:1: line too long (more than "
	    "4096 octets)");
	free(text);
	s = parse_ok("mxguard:\r\n");
	mxg_config_free(s);
}

static void
test_long_values(void **state)
{
	char *text = line_of(MXG_CONF_VALUE_MAX, "mxguard:\nstats-file: /");
	struct mxg_settings *s;
	char want[128];

	(void)state;
	/* "/" plus the limit is one octet too many */
	snprintf(want, sizeof(want), "t.conf:2: stats-file: value too long "
	    "(more than %d octets)", MXG_CONF_VALUE_MAX);
	parse_fails(text, want, "t.conf:3: prefetch: invalid value 'x' "
	    "(expected wait, background or off)", NULL);
	free(text);

	text = line_of(MXG_CONF_VALUE_MAX - 1, "mxguard:\nstats-file: /");
	text[strlen(text) - 13] = '\0';	/* drop the bad prefetch line */
	s = parse_ok(text);
	assert_int_equal(strlen(s->stats_file), MXG_CONF_VALUE_MAX);
	mxg_config_free(s);
	free(text);
}

/* ---- binary junk ---- */

static void
test_nul_and_control(void **state)
{
	static const char nul[] = "mxguard:\nprefetch: of\0f\nadditional: no\n";
	static const char ctl[] = "mxguard:\n\001\002prefetch: off\n";
	static const char qnul[] = "mxguard:\nstats-file: \"/a\0b\"\n";
	struct mxg_settings *s;

	(void)state;
	assert_null(parse_len(nul, sizeof(nul) - 1));
	assert_int_equal(errs.count, 3);
	assert_string_equal(errs.line[0], "t.conf:2: prefetch: invalid value "
	    "'of' (expected wait, background or off)");
	assert_string_equal(errs.line[1], "t.conf:2: invalid character 0x00");
	assert_string_equal(errs.line[2], "t.conf:2: 'f': expected "
	    "'name: value'");

	assert_null(parse_len(ctl, sizeof(ctl) - 1));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.line[0], "t.conf:2: invalid character 0x01");

	assert_null(parse_len(qnul, sizeof(qnul) - 1));
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.line[0], "t.conf:2: invalid character 0x00");

	/* NUL and control octets in comments are only comment */
	s = parse_len("mxguard: # \0\001\n", 14);
	assert_non_null(s);
	mxg_config_free(s);
}

static void
test_binary_junk(void **state)
{
	size_t len = 256 * 1024, i;
	char *junk = malloc(len);
	uint32_t x = 2463534242u;
	int round;

	(void)state;
	assert_non_null(junk);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			junk[i] = (char)(x >> (round * 3));
		}
		/* some rounds with a few printable lines in between */
		if (round & 1)
			memcpy(junk + len / 2, "\nmxguard:\n", 10);
		assert_null(parse_len(junk, len));
		assert_true(errs.count >= 1);
		assert_true(errs.count <= MXG_CONF_ERRORS_MAX + 1);
		for (i = 0; i < (size_t)errs.count; i++)
			for (const char *c = errs.line[i]; *c; c++)
				assert_true(*c >= 0x20 && *c < 0x7f);
	}
	free(junk);
}

static void
test_too_many_errors(void **state)
{
	char *text = malloc(100 * 32), *at = text;
	int i;

	(void)state;
	assert_non_null(text);
	at += sprintf(at, "mxguard:\n");
	for (i = 0; i < 100; i++)
		at += sprintf(at, "bogus-%d: 1\n", i);
	assert_null(parse(text));
	assert_int_equal(errs.count, MXG_CONF_ERRORS_MAX + 1);
	assert_string_equal(errs.line[MXG_CONF_ERRORS_MAX - 1],
	    "t.conf:51: unknown option 'bogus-49'");
	assert_string_equal(errs.line[MXG_CONF_ERRORS_MAX],
	    "t.conf:52: too many errors, giving up");
	free(text);
}

/* ---- files and includes ---- */

static void
test_load_files(void **state)
{
	struct mxg_settings *s;
	char missing[PATH_MAX], want[PATH_MAX + 128];
	const char *path;

	(void)state;
	path = write_file("plain.conf", "mxguard:\n\tprefetch: background\n");
	assert_non_null(s = load(path, 0));
	assert_int_equal(s->prefetch, MXG_PREFETCH_BACKGROUND);
	assert_string_equal(s->source, path);
	mxg_config_free(s);

	snprintf(missing, sizeof(missing), "%s/missing.conf", tmpdir);
	assert_non_null(s = load(missing, MXG_CONF_MISSING_OK));
	check_defaults(s);
	assert_null(s->source);
	assert_int_equal(errs.count, 0);
	mxg_config_free(s);

	snprintf(want, sizeof(want), "%s:0: cannot open: %s", missing,
	    strerror(ENOENT));
	load_fails(missing, want);

	/* a directory is not a file, even with MISSING_OK */
	assert_null(load(tmpdir, MXG_CONF_MISSING_OK));
	snprintf(want, sizeof(want), "%s:0: not a regular file", tmpdir);
	assert_string_equal(errs.line[0], want);

	path = write_file("empty.conf", "");
	assert_null(load(path, MXG_CONF_MISSING_OK));
	snprintf(want, sizeof(want), "%s:0: no mxguard: clause", path);
	assert_string_equal(errs.line[0], want);
}

/* A file that is there but cannot be opened is an error even when a
 * missing one is not.  A path through a regular file fails with ENOTDIR
 * for root too, who reads files of mode 0. */
static void
test_unopenable(void **state)
{
	char bad[PATH_MAX], want[PATH_MAX + 128];
	const char *path;

	(void)state;
	path = write_file("plain.conf", "mxguard:\n");
	snprintf(bad, sizeof(bad), "%s/mxguard.conf", path);
	assert_null(load(bad, MXG_CONF_MISSING_OK));
	snprintf(want, sizeof(want), "%s:0: cannot open: %s", bad,
	    strerror(ENOTDIR));
	assert_string_equal(errs.line[0], want);
}

static void
test_include(void **state)
{
	struct mxg_settings *s;
	char want[PATH_MAX + 128];
	const char *path;

	(void)state;
	snprintf(want, sizeof(want), "%s/d", tmpdir);
	assert_int_equal(mkdir(want, 0700), 0);
	/* textual: the included text continues the open clause */
	write_file("d/policies.conf", "cname-policy: servfail\n"
	    "include: sub/*.conf\n");
	snprintf(want, sizeof(want), "%s/d/sub", tmpdir);
	assert_int_equal(mkdir(want, 0700), 0);
	write_file("d/sub/20-b.conf", "exempt-domain: b.example\n"
	    "stats-format: prometheus\n");
	write_file("d/sub/10-a.conf", "exempt-domain: a.example\n");
	path = write_file("d/main.conf", "mxguard:\n"
	    "include: \"policies.conf\"\nprefetch: off\n");
	assert_non_null(s = load(path, 0));
	assert_int_equal(s->cname_policy, MXG_POLICY_SERVFAIL);
	assert_int_equal(s->prefetch, MXG_PREFETCH_OFF);
	assert_int_equal(s->stats_format, MXG_STATS_PROMETHEUS);
	assert_int_equal(s->exempt_count, 2);
	mxg_config_free(s);

	/* an included file may open the clause for the includer */
	write_file("d/clause.conf", "mxguard:\n");
	path = write_file("d/opens.conf", "include: clause.conf\n"
	    "max-exchanges: 2\n");
	assert_non_null(s = load(path, 0));
	assert_int_equal(s->max_exchanges, 2);
	mxg_config_free(s);

	/* errors in an included file name that file */
	write_file("d/bad.conf", "\n\nmax-exchanges: 99\n");
	path = write_file("d/top.conf", "mxguard:\ninclude: bad.conf\n"
	    "max-exchanges: 2\n");
	assert_null(load(path, 0));
	assert_int_equal(errs.count, 2);
	snprintf(want, sizeof(want), "%s/d/bad.conf:3: max-exchanges: 99 is "
	    "out of range 1..64", tmpdir);
	assert_string_equal(errs.line[0], want);
	snprintf(want, sizeof(want), "%s/d/top.conf:3: max-exchanges: set "
	    "twice (first at %s/d/bad.conf:3)", tmpdir, tmpdir);
	assert_string_equal(errs.line[1], want);
}

static void
test_include_errors(void **state)
{
	char want[3][PATH_MAX * 3];
	const char *path;
	char chain[PATH_MAX];
	int i;

	(void)state;
	/* a file including itself, and a loop over two files */
	path = write_file("self.conf", "mxguard:\ninclude: self.conf\n");
	snprintf(want[0], sizeof(want[0]), "%s:2: include loop: '%s/self.conf'"
	    " is already being read", path, tmpdir);
	load_fails(path, want[0]);

	write_file("loop-b.conf", "\ninclude: loop-a.conf\n");
	path = write_file("loop-a.conf", "mxguard:\ninclude: loop-b.conf\n");
	snprintf(want[0], sizeof(want[0]), "%s/loop-b.conf:2: include loop: "
	    "'%s/loop-a.conf' is already being read", tmpdir, tmpdir);
	load_fails(path, want[0]);

	/* the same file twice, not nested, is no loop (but a duplicate) */
	write_file("once.conf", "prefetch: off\n");
	path = write_file("twice.conf", "mxguard:\ninclude: once.conf\n"
	    "include: once.conf\n");
	assert_null(load(path, 0));
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.line[0], "prefetch: set twice"));

	/* a chain deeper than the limit */
	for (i = 0; i <= MXG_CONF_INCLUDE_DEPTH + 1; i++) {
		char body[64];

		snprintf(chain, sizeof(chain), "chain-%d.conf", i);
		snprintf(body, sizeof(body), "include: chain-%d.conf\n", i + 1);
		write_file(chain, i == MXG_CONF_INCLUDE_DEPTH + 1 ?
		    "mxguard:\n" : body);
	}
	snprintf(chain, sizeof(chain), "%s/chain-0.conf", tmpdir);
	snprintf(want[0], sizeof(want[0]), "%s/chain-%d.conf:1: include "
	    "'%s/chain-%d.conf': nested more than %d deep", tmpdir,
	    MXG_CONF_INCLUDE_DEPTH, tmpdir, MXG_CONF_INCLUDE_DEPTH + 1,
	    MXG_CONF_INCLUDE_DEPTH);
	/* the missing clause follows from the error: not reported again */
	load_fails(chain, want[0]);

	/* one less is fine */
	snprintf(chain, sizeof(chain), "%s/chain-1.conf", tmpdir);
	mxg_config_free(load(chain, 0));
	assert_int_equal(errs.count, 0);

	/* a pattern matching nothing, a missing file, an empty name */
	path = write_file("nomatch.conf", "mxguard:\n"
	    "include: \"none.d/*.conf\"\ninclude: none.conf\ninclude: ''\n");
	assert_null(load(path, 0));
	assert_int_equal(errs.count, 3);
	snprintf(want[0], sizeof(want[0]), "%s:2: include: no file matches "
	    "'%s/none.d/*.conf'", path, tmpdir);
	snprintf(want[1], sizeof(want[1]), "%s:3: include '%s/none.conf': "
	    "cannot open: %s", path, tmpdir, strerror(ENOENT));
	snprintf(want[2], sizeof(want[2]), "%s:4: include: empty file name",
	    path);
	for (i = 0; i < 3; i++)
		assert_string_equal(errs.line[i], want[i]);
}

static void
test_include_many_files(void **state)
{
	char dir[PATH_MAX], name[64], want[PATH_MAX + 128];
	const char *path;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/many", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < MXG_CONF_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "many/%03d.conf", i);
		write_file(name, "# empty\n");
	}
	path = write_file("many.conf", "mxguard:\ninclude: many/*.conf\n");
	snprintf(want, sizeof(want), "%s:2: too many files (more than %d)",
	    path, MXG_CONF_FILES_MAX);
	load_fails(path, want);
}

static void
test_include_from_memory(void **state)
{
	char name[PATH_MAX];
	struct mxg_settings *s;
	const char *text = "mxguard:\ninclude: mem-part.conf\n";

	(void)state;
	write_file("mem-part.conf", "stats-interval: 60\n");
	snprintf(name, sizeof(name), "%s/virtual.conf", tmpdir);
	memset(&errs, 0, sizeof(errs));
	s = mxg_config_parse(name, text, strlen(text), collect, &errs);
	assert_non_null(s);
	assert_int_equal(s->stats_interval, 60);
	mxg_config_free(s);
}

/* ---- where the file is ---- */

/* mxg_config_locate(env, dir, chroot) gives origin, and want as path. */
static const struct locate_case {
	const char *env, *dir, *chroot;
	enum mxg_config_origin origin;
	const char *want;
} locate_cases[] = {
	{ NULL, NULL, NULL, MXG_CONF_ORIGIN_NONE, "" },
	{ "", "", "", MXG_CONF_ORIGIN_NONE, "" },
	{ "/etc/mx.conf", "/etc/unbound", NULL,
	    MXG_CONF_ORIGIN_ENV, "/etc/mx.conf" },
	{ "", "/etc/unbound", NULL,
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/unbound/mxguard.conf" },
	{ NULL, "/etc/unbound/", "",
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/unbound/mxguard.conf" },
	{ "rel.conf", NULL, "/var/unbound", MXG_CONF_ORIGIN_ENV, "rel.conf" },
	{ NULL, ".", NULL, MXG_CONF_ORIGIN_DIRECTORY, "./mxguard.conf" },
	{ NULL, "etc", "/var/unbound",
	    MXG_CONF_ORIGIN_DIRECTORY, "etc/mxguard.conf" },
	/* under the chroot: relative to it, since init runs after chroot */
	{ NULL, "/var/unbound/etc", "/var/unbound",
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/mxguard.conf" },
	{ NULL, "/var/unbound/etc/", "/var/unbound/",
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/mxguard.conf" },
	{ NULL, "/var/unbound", "/var/unbound",
	    MXG_CONF_ORIGIN_DIRECTORY, "/mxguard.conf" },
	{ "/var/unbound/etc/mx.conf", "/x", "/var/unbound",
	    MXG_CONF_ORIGIN_ENV, "/etc/mx.conf" },
	/* a mere common prefix is not "under" */
	{ NULL, "/var/unbound2/etc", "/var/unbound",
	    MXG_CONF_ORIGIN_DIRECTORY, "/var/unbound2/etc/mxguard.conf" },
	{ NULL, "/etc/unbound", "/var/unbound",
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/unbound/mxguard.conf" },
	/* a chroot of "/" changes nothing */
	{ NULL, "/etc/unbound", "/",
	    MXG_CONF_ORIGIN_DIRECTORY, "/etc/unbound/mxguard.conf" },
};

static void
test_locate(void **state)
{
	char out[PATH_MAX], small[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(locate_cases) / sizeof(locate_cases[0]); i++) {
		const struct locate_case *c = &locate_cases[i];

		/* junk first: a path left unwritten shows */
		memset(out, 'x', sizeof(out));
		assert_int_equal(mxg_config_locate(out, sizeof(out), c->env,
		    c->dir, c->chroot), c->origin);
		assert_string_equal(out, c->want);
	}
	/* too long for the buffer: said so, never cut */
	assert_int_equal(mxg_config_locate(small, sizeof(small), NULL,
	    "/etc/unbound", NULL), MXG_CONF_ORIGIN_TOO_LONG);
	assert_int_equal(mxg_config_locate(small, sizeof(small),
	    "/0123456789abcdef", NULL, NULL), MXG_CONF_ORIGIN_TOO_LONG);
	assert_int_equal(mxg_config_locate(small, sizeof(small),
	    "/0123456789abcd", NULL, NULL), MXG_CONF_ORIGIN_ENV);
}

/* ---- writing the effective settings ---- */

static char *
written(const struct mxg_settings *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(mxg_config_write(f, s), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
assert_same_settings(const struct mxg_settings *a,
    const struct mxg_settings *b)
{
	size_t i;

	assert_int_equal(a->cname_policy, b->cname_policy);
	assert_int_equal(a->address_literal_policy, b->address_literal_policy);
	assert_int_equal(a->dangling_policy, b->dangling_policy);
	assert_int_equal(a->null_mx_policy, b->null_mx_policy);
	assert_int_equal(a->servfail_ttl, b->servfail_ttl);
	assert_int_equal(a->prefetch, b->prefetch);
	assert_int_equal(a->max_exchanges, b->max_exchanges);
	assert_int_equal(a->lookups_per_thread, b->lookups_per_thread);
	assert_int_equal(a->additional, b->additional);
	assert_int_equal(a->log_distribution, b->log_distribution);
	assert_int_equal(a->log_rate, b->log_rate);
	assert_int_equal(a->stats_interval, b->stats_interval);
	assert_int_equal(a->stats_format, b->stats_format);
	assert_int_equal(a->stats_max_domains, b->stats_max_domains);
	assert_int_equal(a->stats_max_memory, b->stats_max_memory);
	if (a->stats_file == NULL || b->stats_file == NULL)
		assert_ptr_equal(a->stats_file, b->stats_file);
	else
		assert_string_equal(a->stats_file, b->stats_file);
	assert_int_equal(a->exempt_count, b->exempt_count);
	for (i = 0; i < a->exempt_count; i++)
		assert_memory_equal(a->exempt[i], b->exempt[i],
		    mxg_dname_len(a->exempt[i], MXG_DNAME_MAXLEN));
}

static void
test_write_defaults(void **state)
{
	struct mxg_settings d;
	char *text;

	(void)state;
	mxg_settings_defaults(&d);
	text = written(&d);
	assert_string_equal(text, "mxguard:\n"
	    "\tcname-policy: strip\n"
	    "\taddress-literal-policy: log\n"
	    "\tdangling-policy: log\n"
	    "\tnull-mx-policy: log\n"
	    "\tservfail-ttl: 60\n"
	    "\tprefetch: wait\n"
	    "\tmax-exchanges: 8\n"
	    "\tlookups-per-thread: 256\n"
	    "\tadditional: yes\n"
	    "\tlog-distribution: yes\n"
	    "\tlog-rate: 5\n"
	    "\tstats-interval: 300\n"
	    "\tstats-file: \"\"\n"
	    "\tstats-format: json\n"
	    "\tstats-max-domains: 10000\n"
	    "\tstats-max-memory: 33554432\n");
	free(text);
}

static void
round_trip(const char *conf)
{
	struct mxg_settings *a = parse_ok(conf), *b;
	char *text = written(a);

	b = parse_ok(text);
	assert_same_settings(a, b);
	free(text);
	mxg_config_free(a);
	mxg_config_free(b);
}

static void
test_write_round_trip(void **state)
{
	(void)state;
	round_trip("mxguard:\ncname-policy: rewrite\n"
	    "address-literal-policy: servfail\ndangling-policy: strip\n"
	    "null-mx-policy: off\nservfail-ttl: 0\nprefetch: background\n"
	    "max-exchanges: 64\nlookups-per-thread: 16384\n"
	    "additional: no\nlog-distribution: no\nlog-rate: 1000\n"
	    "stats-interval: 0\n"
	    "stats-file: '/var/a \"b\" #c.json'\nstats-format: prometheus\n"
	    "stats-max-domains: 10000000\nstats-max-memory: 3g\n"
	    "exempt-domain: Example.ORG\nexempt-domain: .\n"
	    "exempt-domain: a\\032b\\\"c\\#d\\.e\\\\f\\000.example\n"
	    "exempt-domain: \\255\\001x.example\n");
	round_trip("mxguard:\nstats-file: \"/a'b\"\n");
	round_trip("mxguard:\n");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(mxg_policy_name(MXG_POLICY_REWRITE), "rewrite");
	assert_string_equal(mxg_policy_name(MXG_POLICY_OFF), "off");
	assert_string_equal(mxg_prefetch_name(MXG_PREFETCH_BACKGROUND),
	    "background");
	assert_string_equal(mxg_stats_format_name(MXG_STATS_PROMETHEUS),
	    "prometheus");
}

/* ---- example and corpus files ---- */

/* The source tree: $MXG_SRCDIR, else automake's $srcdir, else here. */
static const char *
source_dir(void)
{
	static const char *const tries[] = { "", "/..", "/../.." };
	static char found[PATH_MAX / 2];
	const char *base = getenv("MXG_SRCDIR");
	struct stat st;
	size_t i;

	if (base == NULL)
		base = getenv("srcdir");
	if (base == NULL)
		base = ".";
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char probe[PATH_MAX];

		snprintf(found, sizeof(found), "%s%s", base, tries[i]);
		snprintf(probe, sizeof(probe), "%s/tests/conf/good", found);
		if (stat(probe, &st) == 0)
			return found;
	}
	fail_msg("cannot find tests/conf from '%s' (set MXG_SRCDIR)", base);
	return NULL;
}

/* The "# expect: " lines at the top of a corpus file. */
static int
read_expected(const char *path, char want[][ERROR_LEN], int max)
{
	FILE *f = fopen(path, "r");
	char line[ERROR_LEN];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL &&
	    strncmp(line, "# expect: ", 10) == 0 && n < max) {
		line[strcspn(line, "\r\n")] = '\0';
		snprintf(want[n++], ERROR_LEN, "%s", line + 10);
	}
	fclose(f);
	return n;
}

/* Check every *.conf in dir: good ones parse, bad ones as expected. */
static int
check_corpus(const char *dir, bool good)
{
	static char want[MAX_ERRORS][ERROR_LEN];
	char path[PATH_MAX], prefix[PATH_MAX];
	struct dirent **list;
	int n, i, checked = 0;

	n = scandir(dir, &list, NULL, alphasort);
	assert_true(n >= 0);
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		struct mxg_settings *s;
		int nwant, j;

		if (len < 6 || strcmp(name + len - 5, ".conf") != 0) {
			free(list[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		nwant = read_expected(path, want, MAX_ERRORS);
		s = load(path, 0);
		for (j = 0; j < errs.count; j++) {
			/* relative to the file's directory, as expect says */
			char *at = strstr(errs.line[j], prefix);

			while (at != NULL) {
				memmove(at, at + strlen(prefix),
				    strlen(at + strlen(prefix)) + 1);
				at = strstr(errs.line[j], prefix);
			}
		}
		if (good && s == NULL)
			fail_msg("%s: %s", path, errs.line[0]);
		if (!good && (s != NULL || nwant == 0))
			fail_msg("%s: should fail with expect lines", path);
		for (j = 0; j < nwant && j < errs.count; j++)
			if (strcmp(want[j], errs.line[j]) != 0)
				fail_msg("%s: expected '%s', got '%s'", path,
				    want[j], errs.line[j]);
		if (nwant != errs.count)
			fail_msg("%s: %d errors expected, %d reported", path,
			    nwant, errs.count);
		mxg_config_free(s);
		free(list[i]);
		checked++;
	}
	free(list);
	return checked;
}

static void
test_corpus(void **state)
{
	char dir[PATH_MAX];
	const char *src = source_dir();

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/conf/good", src);
	assert_true(check_corpus(dir, true) > 0);
	snprintf(dir, sizeof(dir), "%s/tests/conf/bad", src);
	assert_true(check_corpus(dir, false) > 0);
}

static void
test_examples(void **state)
{
	static const char *const examples[] = {
		"mxguard.conf", "mxguard-strict.conf", "mxguard-lenient.conf",
	};
	struct mxg_settings *s, d;
	char path[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		snprintf(path, sizeof(path), "%s/conf-examples/%s",
		    source_dir(), examples[i]);
		if ((s = load(path, 0)) == NULL)
			fail_msg("%s: %s", path, errs.line[0]);
		if (i == 0) {
			/* the commented example shows every default */
			mxg_settings_defaults(&d);
			assert_same_settings(s, &d);
		}
		mxg_config_free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_word),
		cmocka_unit_test(test_bad_words),
		cmocka_unit_test(test_number_bounds),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_stats_file),
		cmocka_unit_test(test_exempt),
		cmocka_unit_test(test_exempt_duplicates),
		cmocka_unit_test(test_exempt_invalid),
		cmocka_unit_test(test_exempt_limit),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_unknown_clause),
		cmocka_unit_test(test_outside_clause),
		cmocka_unit_test(test_missing_clause),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_stray_tokens),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_nul_and_control),
		cmocka_unit_test(test_binary_junk),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_unopenable),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_include_many_files),
		cmocka_unit_test(test_include_from_memory),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_write_defaults),
		cmocka_unit_test(test_write_round_trip),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, drop_tmpdir);
}
