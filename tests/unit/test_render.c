/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_render.c - unit tests of the statistics renderers: the summary
 * log lines (and silence when nothing happened), JSON read back with
 * jansson, Prometheus text read back with the strict parser below, the
 * escaping of hostile domain names in both, and the atomic file writer.
 *
 * Snapshots are written by hand: the renderers read nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>

#include "mxguard/dname.h"
#include "mxguard/render.h"

/* ---- a hand-made snapshot ----------------------------------------- */

static const uint8_t example[] = "\7example\3org";
static const uint8_t mx1[] = "\3mx1\7example\3org";
static const uint8_t mx2[] = "\3mx2\7example\3org";
static const uint8_t backup[] = "\6backup\7example\3org";
/* A label with a quote, a backslash, a newline and a high octet. */
static const uint8_t hostile[] = "\7a\"b\\c\n\xff\7example\0";

static struct mxg_dist_entry entries[] = {
	{ mx1, 10, MXG_DIST_ADDR_KNOWN, 1, 2, 500000, 250000 },
	{ mx2, 10, MXG_DIST_ADDR_KNOWN, 1, 1, 500000, 500000 },
	{ backup, 20, MXG_DIST_BACKUP, 1, 0, 0, 0 }
};
static struct mxg_dist_entry hostile_entries[] = {
	{ hostile, 5, MXG_DIST_UNCHECKED, 2, 0, 1000000, 0 }
};
static struct mxg_distribution dist = {
	.owner = example, .state = MXG_DIST_STATE_MX,
	.lowest_preference = 10, .primary_preference = 10, .tiers = 2,
	.usable = 2, .entries = entries, .count = 3, .capacity = 3
};
static struct mxg_distribution hostile_dist = {
	.owner = hostile, .state = MXG_DIST_STATE_MX,
	.lowest_preference = 5, .primary_preference = 5, .tiers = 1,
	.usable = 1, .entries = hostile_entries, .count = 1, .capacity = 1
};

static struct mxg_stats_snapshot prev, cur;

static void
set_top(struct mxg_stats_top *t, const uint8_t *owner, size_t owner_len,
    uint64_t resolved, uint64_t cached, const struct mxg_distribution *d)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->owner, owner, owner_len);
	t->domain.resolved = resolved;
	t->domain.cached = cached;
	t->domain.kept = resolved;
	t->domain.first_seen = 100;
	t->domain.last_seen = 250;
	t->distribution = d;
}

static int
setup(void **state)
{
	(void)state;
	memset(&prev, 0, sizeof(prev));
	prev.counter[MXG_STAT_ANSWERS_RESOLVED] = 10;
	prev.counter[MXG_STAT_ANSWERS_CACHED] = 20;
	prev.domains_tracked = 2;
	cur = prev;
	cur.started = 0;
	cur.taken = 300;
	cur.counter[MXG_STAT_ANSWERS_RESOLVED] = 13;
	cur.counter[MXG_STAT_ANSWERS_CACHED] = 25;
	cur.counter[MXG_STAT_FAULT_ALIAS] = 1;
	cur.counter[MXG_STAT_ACTION_KEPT] = 2;
	cur.counter[MXG_STAT_ACTION_CHANGED] = 1;
	cur.counter[MXG_STAT_RECORDS_DROPPED] = 1;
	cur.counter[MXG_STAT_PREFETCHES] = 4;
	cur.domains_tracked = 3;
	cur.domains_max = 10000;
	cur.domains_by_class[MXG_CLASS_BALANCED] = 1;
	cur.domains_by_class[MXG_CLASS_BACKUP] = 1;
	cur.domains_by_class[MXG_CLASS_FAULTS] = 1;
	cur.memory = 4096;
	set_top(&cur.top[0], example, sizeof(example), 10, 20, &dist);
	set_top(&cur.top[1], hostile, sizeof(hostile), 3, 0, &hostile_dist);
	set_top(&cur.top[2], mx1, sizeof(mx1), 1, 0, NULL);
	cur.top_count = 3;
	return 0;
}

/* The text every renderer must show for a name. */
static const char *
expected_text(const uint8_t *name)
{
	static char text[MXG_DNAME_TEXTLEN];

	mxg_dname_to_text(text, sizeof(text), name);
	if (strlen(text) > 1)
		text[strlen(text) - 1] = '\0';	/* no final dot */
	return text;
}

/* ---- summary lines ------------------------------------------------ */

struct lines {
	size_t n;
	char line[8][MXG_RENDER_LINE_MAX];
};

static void
collect(void *arg, const char *line)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	assert_null(strchr(line, '\n'));
	snprintf(l->line[l->n++], MXG_RENDER_LINE_MAX, "%s", line);
}

static void
test_summary_silent(void **state)
{
	struct lines l = { 0 };
	struct mxg_stats_snapshot zero;

	(void)state;
	assert_int_equal(mxg_render_summary(&prev, &prev, 3, collect, &l), 0);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(mxg_render_summary(&zero, NULL, 3, collect, &l), 0);
	/* Top domains alone are no news. */
	cur = prev;
	cur.top_count = 0;
	assert_int_equal(mxg_render_summary(&cur, &prev, 3, collect, &l), 0);
	assert_int_equal(l.n, 0);
}

static void
test_summary_lines(void **state)
{
	struct lines l = { 0 };

	(void)state;
	assert_int_equal(mxg_render_summary(&cur, &prev, 2, collect, &l), 3);
	assert_string_equal(l.line[0], "stats 300s: answers 8 (resolved 3, "
	    "cache 5); domains 3; faults alias 1; actions kept 2 changed 1; "
	    "records dropped 1; prefetches 4");
	assert_string_equal(l.line[1], "top 1: answers 30 (resolved 10, "
	    "cache 20); distribution example.org: pref 10 mx1.example.org 50% "
	    "(2 addr) mx2.example.org 50% (1 addr); pref 20 "
	    "backup.example.org backup");
	/* Hostile names stay on their line, escaped. */
	assert_string_equal(l.line[2], "top 2: answers 3 (resolved 3, "
	    "cache 0); distribution a\\\"b\\\\c\\010\\255.example: pref 5 "
	    "a\\\"b\\\\c\\010\\255.example 100% (listed 2x)");

	/* Since start, and no more top lines than there are domains. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(mxg_render_summary(&cur, NULL, 10, collect, &l), 4);
	assert_non_null(strstr(l.line[0], "answers 38 (resolved 13, cache 25)"));
	assert_string_equal(l.line[3], "top 3: answers 1 (resolved 1, "
	    "cache 0); domain mx1.example.org");
}

static void
test_summary_sink(void **state)
{
	struct mxg_sink s;
	char buf[4096];
	FILE *fp;

	(void)state;
	mxg_sink_buffer(&s);
	assert_int_equal(mxg_render_summary_sink(&s, &cur, &prev, 1), 2);
	assert_false(s.failed);
	assert_int_equal(s.buf[s.len - 1], '\n');
	assert_non_null(strstr(s.buf, "\ntop 1: "));

	/* The same text through a FILE*. */
	fp = tmpfile();
	assert_non_null(fp);
	{
		struct mxg_sink f;

		mxg_sink_file(&f, fp);
		assert_int_equal(mxg_render_summary_sink(&f, &cur, &prev, 1), 2);
		assert_false(f.failed);
	}
	rewind(fp);
	assert_int_equal(fread(buf, 1, sizeof(buf), fp), s.len);
	assert_memory_equal(buf, s.buf, s.len);
	fclose(fp);
	mxg_sink_free(&s);
}

/* ---- JSON --------------------------------------------------------- */

static json_t *
parse_json(const char *text)
{
	json_error_t error;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &error);

	if (root == NULL)
		fail_msg("JSON: %s at line %d", error.text, error.line);
	return root;
}

static json_int_t
int_at(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);

	if (b != NULL)
		v = json_object_get(v, b);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/*
 * Member name of obj, written compact with sorted keys, is want, in
 * which ' stands for " to keep it readable.
 */
static void
assert_member(json_t *obj, const char *name, const char *want)
{
	char *got = json_dumps(json_object_get(obj, name),
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *quoted = strdup(want), *c;

	assert_non_null(got);
	assert_non_null(quoted);
	for (c = quoted; *c != '\0'; c++)
		if (*c == '\'')
			*c = '"';
	assert_string_equal(got, quoted);
	free(quoted);
	free(got);
}

static void
check_json_top(json_t *top)
{
	json_t *d0, *dist0, *ex, *flags;

	assert_true(json_is_array(top));
	assert_int_equal(json_array_size(top), 3);
	d0 = json_array_get(top, 0);
	assert_string_equal(json_string_value(json_object_get(d0, "domain")),
	    "example.org");
	assert_int_equal(int_at(d0, "answers", "resolved"), 10);
	assert_int_equal(int_at(d0, "answers", "cache"), 20);
	assert_int_equal(int_at(d0, "actions", "kept"), 10);
	assert_int_equal(int_at(d0, "first_seen", NULL), 100);
	assert_int_equal(int_at(d0, "last_seen", NULL), 250);
	dist0 = json_object_get(d0, "distribution");
	assert_string_equal(json_string_value(json_object_get(dist0, "state")),
	    "mx");
	assert_int_equal(int_at(dist0, "usable", NULL), 2);
	assert_true(json_is_false(json_object_get(dist0, "takeover")));
	ex = json_object_get(dist0, "exchanges");
	assert_int_equal(json_array_size(ex), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ex, 0), "exchange")), "mx1.example.org");
	assert_int_equal(int_at(json_array_get(ex, 0), "addresses", NULL), 2);
	assert_int_equal(int_at(json_array_get(ex, 0), "share_ppm", NULL),
	    500000);
	assert_true(json_is_null(json_object_get(json_array_get(ex, 2),
	    "addresses")));
	flags = json_object_get(json_array_get(ex, 2), "flags");
	assert_int_equal(json_array_size(flags), 1);
	assert_string_equal(json_string_value(json_array_get(flags, 0)),
	    "backup");

	/* The hostile name comes back exactly as the logs write it. */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(top, 1), "domain")), expected_text(hostile));
	ex = json_object_get(json_object_get(json_array_get(top, 1),
	    "distribution"), "exchanges");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ex, 0), "exchange")), expected_text(hostile));
	assert_true(json_is_null(json_object_get(json_array_get(top, 2),
	    "distribution")));
}

static void
test_json(void **state)
{
	struct mxg_sink s;
	json_t *root;

	(void)state;
	mxg_sink_buffer(&s);
	assert_true(mxg_render_json(&s, &cur));
	root = parse_json(s.buf);
	assert_int_equal(int_at(root, "version", NULL), MXG_STATS_JSON_VERSION);
	assert_int_equal(int_at(root, "generated", NULL), 300);
	/* Each group whole: every member there, and nothing else. */
	assert_member(root, "answers", "{'cache':25,'resolved':13}");
	assert_member(root, "faults", "{'address_literal':0,'alias':1,"
	    "'dangling':0,'malformed':0,'null_mx_misuse':0}");
	assert_member(root, "actions", "{'changed':1,'kept':2,'servfail':0}");
	assert_member(root, "records", "{'dropped':1,'rewritten':0}");
	assert_member(root, "other", "{'distributions_logged':0,"
	    "'evictions':0,'log_lines_suppressed':0,"
	    "'lookups_over_budget':0,'prefetches':4,'unchecked':0}");
	assert_member(root, "domains", "{'load_balanced':1,'max':10000,"
	    "'null_mx':0,'single_exchange':0,'tracked':3,'with_backup':1,"
	    "'with_faults':1}");
	assert_int_equal(int_at(root, "memory_bytes", NULL), 4096);
	check_json_top(json_object_get(root, "top_domains"));
	json_decref(root);
	mxg_sink_free(&s);

	/* No top domains: an empty array, still valid. */
	cur.top_count = 0;
	mxg_sink_buffer(&s);
	assert_true(mxg_render_json(&s, &cur));
	root = parse_json(s.buf);
	assert_int_equal(json_array_size(json_object_get(root, "top_domains")),
	    0);
	json_decref(root);
	mxg_sink_free(&s);
}

/* ---- Prometheus, read back strictly --------------------------------- */

#define PROM_MAX	256

struct prom {
	size_t n;
	char series[PROM_MAX][1200];	/* name{k="decoded",...} */
	double value[PROM_MAX];
	size_t families;
	char family[64][128];		/* in order of appearance */
	char help[64][256], type[64][256];
};

static bool
is_name(const char *s, size_t len, bool colon)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    !(colon && s[i] == ':'))
			return false;
	return true;
}

/* "# HELP name text" / "# TYPE name type"; other comments are free. */
static bool
prom_comment(struct prom *p, const char *line)
{
	char kind[8], name[128], rest[256];
	size_t f;

	if (sscanf(line, "# %7s %127s %255[^\n]", kind, name, rest) != 3 ||
	    (strcmp(kind, "HELP") != 0 && strcmp(kind, "TYPE") != 0))
		return true;
	if (!is_name(name, strlen(name), true))
		return false;
	for (f = 0; f < p->families; f++)
		if (strcmp(p->family[f], name) == 0)
			break;
	if (f == p->families) {
		if (f == 64)
			return false;
		snprintf(p->family[p->families++], 128, "%s", name);
	} else if (f != p->families - 1)
		return false;	/* a family must not be split */
	if (strcmp(kind, "HELP") == 0) {
		if (p->help[f][0] || p->type[f][0])
			return false;	/* HELP once, before TYPE */
		snprintf(p->help[f], sizeof(p->help[f]), "%s", rest);
		return true;
	}
	if (p->type[f][0] || !p->help[f][0])
		return false;
	if (strcmp(rest, "counter") != 0 && strcmp(rest, "gauge") != 0)
		return false;
	/* Our convention: counters, and only they, end in _total. */
	if ((strcmp(rest, "counter") == 0) !=
	    (strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_total") == 0))
		return false;
	snprintf(p->type[f], sizeof(p->type[f]), "%s", rest);
	return true;
}

/* A quoted label value from *s, escapes decoded into out. */
static bool
prom_label_value(const char **s, char *out, size_t outlen)
{
	const char *c = *s;
	size_t n = 0;

	if (*c++ != '"')
		return false;
	for (; *c != '"'; c++) {
		char ch = *c;

		if (ch == '\0' || ch == '\n' || n + 1 >= outlen)
			return false;
		if (ch == '\\') {
			c++;
			if (*c == 'n')
				ch = '\n';
			else if (*c == '\\' || *c == '"')
				ch = *c;
			else
				return false;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	*s = c + 1;
	return true;
}

/* {k="v",...} into key, decoded; *s moves past the closing brace. */
static bool
prom_labels(const char **s, char *key, size_t keylen)
{
	const char *c = *s + 1;

	snprintf(key + strlen(key), keylen - strlen(key), "{");
	for (;;) {
		const char *start = c;
		char value[600];
		int name_len;

		while (isalnum((unsigned char)*c) || *c == '_')
			c++;
		name_len = (int)(c - start);
		if (!is_name(start, (size_t)name_len, false) || *c++ != '=')
			return false;
		if (!prom_label_value(&c, value, sizeof(value)))
			return false;
		snprintf(key + strlen(key), keylen - strlen(key), "%.*s=\"%s\"",
		    name_len, start, value);
		if (*c == '}')
			break;
		if (*c++ != ',')
			return false;
		snprintf(key + strlen(key), keylen - strlen(key), ",");
	}
	snprintf(key + strlen(key), keylen - strlen(key), "}");
	*s = c + 1;
	return true;
}

static bool
prom_sample(struct prom *p, const char *line)
{
	const char *c = line;
	char key[1200], *end;
	size_t i, f = p->families;

	while (isalnum((unsigned char)*c) || *c == '_' || *c == ':')
		c++;
	if (!is_name(line, (size_t)(c - line), true) || p->n == PROM_MAX)
		return false;
	snprintf(key, sizeof(key), "%.*s", (int)(c - line), line);
	/* Its family is the one being written, with HELP and TYPE. */
	if (f == 0 || strcmp(p->family[f - 1], key) != 0 ||
	    !p->type[f - 1][0])
		return false;
	if (*c == '{' && !prom_labels(&c, key, sizeof(key)))
		return false;
	if (*c++ != ' ')
		return false;
	p->value[p->n] = strtod(c, &end);
	if (end == c || *end != '\0')
		return false;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->series[i], key) == 0)
			return false;	/* duplicate series */
	snprintf(p->series[p->n++], sizeof(p->series[0]), "%s", key);
	return true;
}

/* Every line a comment, blank, or a sample; false on the first fault. */
static bool
prom_parse(struct prom *p, const char *text)
{
	char *copy = strdup(text), *line, *save;
	bool ok = true;

	memset(p, 0, sizeof(*p));
	if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
		ok = false;
	for (line = strtok_r(copy, "\n", &save); ok && line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			ok = prom_comment(p, line);
		else if (line[0] != '\0')
			ok = prom_sample(p, line);
	}
	free(copy);
	return ok;
}

static double
prom_value(const struct prom *p, const char *series)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->series[i], series) == 0)
			return p->value[i];
	fail_msg("no series %s", series);
	return -1;
}

static void
test_prometheus_parser_is_strict(void **state)
{
	struct prom *p = malloc(sizeof(*p));
	static const char *const bad[] = {
		"x_total 1\n",					/* no HELP/TYPE */
		"# HELP x X.\nx 1\n",				/* no TYPE */
		"# TYPE x gauge\n# HELP x X.\nx 1\n",		/* order */
		"# HELP x X.\n# TYPE x counter\nx 1\n",		/* _total */
		"# HELP x X.\n# TYPE x gauge\nx 1\nx 2\n",	/* duplicate */
		"# HELP x X.\n# TYPE x gauge\nx{a=\"\\q\"} 1\n",	/* escape */
		"# HELP x X.\n# TYPE x gauge\nx{a=\"b} 1\n",	/* unterminated */
		"# HELP x X.\n# TYPE x gauge\nx{1a=\"b\"} 1\n",	/* label name */
		"# HELP x X.\n# TYPE x gauge\nx one\n",		/* value */
		"# HELP 1x X.\n# TYPE 1x gauge\n1x 1\n",	/* name */
		"# HELP x X.\n# TYPE x gauge\nx 1",		/* no newline */
		("# HELP x X.\n# TYPE x gauge\n# HELP y Y.\n# TYPE y gauge\n"
		    "y 1\nx 1\n"),				/* split family */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (prom_parse(p, bad[i]))
			fail_msg("accepted bad input %zu", i);
	assert_true(prom_parse(p, "# a comment\n\n# HELP x X.\n# TYPE x gauge\n"
	    "x{a=\"q\\\"\\\\\\n\",b=\"\"} 1.5\nx 2\n"));
	assert_true(prom_value(p, "x{a=\"q\"\\\n\",b=\"\"}") == 1.5);
	free(p);
}

static void
test_prometheus(void **state)
{
	struct mxg_sink s;
	struct prom *p = malloc(sizeof(*p));
	char series[1200];
	size_t i, per_domain = 0;

	(void)state;
	mxg_sink_buffer(&s);
	assert_true(mxg_render_prometheus(&s, &cur));
	if (!prom_parse(p, s.buf))
		fail_msg("Prometheus output rejected:\n%s", s.buf);
	for (i = 0; i < p->families; i++)
		assert_int_equal(strncmp(p->family[i], "mxguard_", 8), 0);
	assert_true(prom_value(p, "mxguard_answers_total{source=\"resolved\"}")
	    == 13);
	assert_true(prom_value(p, "mxguard_answers_total{source=\"cache\"}")
	    == 25);
	assert_true(prom_value(p,
	    "mxguard_fault_answers_total{kind=\"alias\"}") == 1);
	assert_true(prom_value(p, "mxguard_actions_total{action=\"changed\"}")
	    == 1);
	assert_true(prom_value(p, "mxguard_records_total{action=\"dropped\"}")
	    == 1);
	assert_true(prom_value(p, "mxguard_prefetch_queries_total") == 4);
	assert_true(prom_value(p, "mxguard_domains_tracked") == 3);
	assert_true(prom_value(p, "mxguard_domains{class=\"with_faults\"}")
	    == 1);
	assert_true(prom_value(p, "mxguard_memory_bytes") == 4096);
	assert_true(prom_value(p, "mxguard_domain_answers_total"
	    "{domain=\"example.org\",source=\"cache\"}") == 20);
	assert_true(prom_value(p, "mxguard_domain_exchange_share"
	    "{domain=\"example.org\",exchange=\"mx1.example.org\"}") == 0.5);
	/* The backup carries no mail: no share series. */
	for (i = 0; i < p->n; i++)
		assert_null(strstr(p->series[i], "backup.example.org"));
	/* The hostile name is one label value, decoded back exactly. */
	snprintf(series, sizeof(series), "mxguard_domain_answers_total"
	    "{domain=\"%s\",source=\"resolved\"}", expected_text(hostile));
	assert_true(prom_value(p, series) == 3);
	/* Per-domain series only for the three top domains. */
	for (i = 0; i < p->n; i++)
		if (strncmp(p->series[i], "mxguard_domain_answers_total", 28)
		    == 0)
			per_domain++;
	assert_int_equal(per_domain, 2 * 3);
	mxg_sink_free(&s);
	free(p);
}

/* ---- the stats file ------------------------------------------------- */

static size_t
files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(fp);
	assert_true(fread(buf, 1, (1 << 16) - 1, fp) > 0);
	fclose(fp);
	return buf;
}

static void
test_write_file(void **state)
{
	char dir[] = "/tmp/mxg-render-XXXXXX", path[64], err[256];
	struct stat sb;
	struct prom *p = malloc(sizeof(*p));
	json_t *root;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mxguard.prom", dir);
	assert_true(mxg_stats_write_file(path, MXG_STATS_JSON, &cur, err,
	    sizeof(err)));
	text = slurp(path);
	root = parse_json(text);
	assert_int_equal(int_at(root, "version", NULL), MXG_STATS_JSON_VERSION);
	json_decref(root);
	free(text);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);

	/* Replaced, not appended to; no temporary file left behind. */
	assert_true(mxg_stats_write_file(path, MXG_STATS_PROMETHEUS, &cur, err,
	    sizeof(err)));
	text = slurp(path);
	assert_true(prom_parse(p, text));
	free(text);
	assert_int_equal(files_in(dir), 1);

	/* A directory that is not there: an error naming it, no file. */
	snprintf(path, sizeof(path), "%s/missing/stats.json", dir);
	err[0] = '\0';
	assert_false(mxg_stats_write_file(path, MXG_STATS_JSON, &cur, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "missing/stats.json"));
	assert_int_equal(files_in(dir), 1);

	/* The target is a directory: rename fails, the temp file goes. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_false(mxg_stats_write_file(path, MXG_STATS_JSON, &cur, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "rename"));
	assert_int_equal(files_in(dir), 2);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/mxguard.prom", dir);
	unlink(path);
	rmdir(dir);
	free(p);
}

static void
test_sink_failure(void **state)
{
	FILE *fp = fopen("/dev/null", "r");
	struct mxg_sink s;

	(void)state;
	assert_non_null(fp);
	mxg_sink_file(&s, fp);
	setvbuf(fp, NULL, _IONBF, 0);
	assert_false(mxg_render_json(&s, &cur));
	assert_true(s.failed);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, setup)
		T(test_summary_silent),
		T(test_summary_lines),
		T(test_summary_sink),
		T(test_json),
		T(test_prometheus_parser_is_strict),
		T(test_prometheus),
		T(test_write_file),
		T(test_sink_failure),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
