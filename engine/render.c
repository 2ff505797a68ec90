/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render.c - statistics snapshots as summary log lines, JSON and
 * Prometheus text, and the atomic stats-file writer (see render.h).
 *
 * Names are turned into text once, by mxg_text_name() (dname.c), which
 * escapes every octet that is not printable ASCII as \DDD; the format
 * escapers below then only have '"' and '\\' left to deal with, but
 * escape every control character anyway, so they are safe on their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mxguard/dname.h"
#include "mxguard/render.h"

/* ---- sinks -------------------------------------------------------- */

void
mxg_sink_buffer(struct mxg_sink *s)
{
	memset(s, 0, sizeof(*s));
}

void
mxg_sink_file(struct mxg_sink *s, FILE *fp)
{
	memset(s, 0, sizeof(*s));
	s->fp = fp;
}

void
mxg_sink_free(struct mxg_sink *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* Room for n more octets and a NUL in the buffer. */
static bool
sink_reserve(struct mxg_sink *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 4096;
	char *buf;

	if (s->len + n < s->cap)
		return true;
	while (cap <= s->len + n)
		cap *= 2;
	if ((buf = realloc(s->buf, cap)) == NULL) {
		s->failed = true;
		return false;
	}
	s->buf = buf;
	s->cap = cap;
	return true;
}

static void
sink_write(struct mxg_sink *s, const char *data, size_t n)
{
	if (s->failed)
		return;
	if (s->fp != NULL) {
		if (n > 0 && fwrite(data, 1, n, s->fp) != n)
			s->failed = true;
		return;
	}
	if (!sink_reserve(s, n))
		return;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void
mxg_sink_str(struct mxg_sink *s, const char *str)
{
	sink_write(s, str, strlen(str));
}

void
mxg_sink_printf(struct mxg_sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->failed)
		return;
	/* A file takes the text directly; a buffer is measured, then filled. */
	va_start(ap, fmt);
	if (s->fp != NULL)
		n = vfprintf(s->fp, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		s->failed = true;
	if (n < 0 || s->fp != NULL || !sink_reserve(s, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static void
sink_u64(struct mxg_sink *s, uint64_t v)
{
	mxg_sink_printf(s, "%llu", (unsigned long long)v);
}

/* ---- shared helpers ----------------------------------------------- */

/* A name as escaped presentation text, no final dot, as in the logs. */
static const char *
name_text(char *buf, size_t size, const uint8_t *name)
{
	struct mxg_text t;

	mxg_text_init(&t, buf, size);
	mxg_text_name(&t, name);
	return mxg_text_end(&t);
}

/* Counter c over the interval from prev (NULL: since start). */
static uint64_t
delta(const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, enum mxg_stat c)
{
	return cur->counter[c] - (prev ? prev->counter[c] : 0);
}

static const char *
dist_state_name(enum mxg_dist_state state)
{
	switch (state) {
	case MXG_DIST_STATE_MX:		return "mx";
	case MXG_DIST_STATE_NULL_MX:	return "null_mx";
	case MXG_DIST_STATE_SERVFAIL:	return "servfail";
	case MXG_DIST_STATE_NO_USABLE:	return "no_usable";
	}
	return "?";
}

/* Entry flags as JSON words, in bit order. */
static const struct {
	unsigned flag;
	const char *word;
} entry_flags[] = {
	{ MXG_DIST_NULL, "null" },
	{ MXG_DIST_DANGLING, "dangling" },
	{ MXG_DIST_BACKUP, "backup" },
	{ MXG_DIST_DUPLICATE, "duplicate" },
	{ MXG_DIST_REWRITTEN, "rewritten" },
	{ MXG_DIST_ALIAS, "alias" },
	{ MXG_DIST_LITERAL, "address_literal" },
	{ MXG_DIST_UNCHECKED, "unchecked" }
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- summary log lines -------------------------------------------- */

static bool
anything_happened(const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev)
{
	int c;

	for (c = 0; c < MXG_STAT_COUNT; c++)
		if (delta(cur, prev, c) != 0)
			return true;
	return false;
}

/* " word n" for each counter in [first, last] that moved. */
static void
text_counters(struct mxg_text *t, const char *title,
    const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, int first, int last)
{
	int c;
	bool any = false;

	for (c = first; c <= last; c++) {
		if (delta(cur, prev, c) == 0)
			continue;
		mxg_text_str(t, any ? " " : title);
		mxg_text_str(t, mxg_stat_name(c));
		mxg_text_str(t, " ");
		mxg_text_uint(t, (unsigned long)delta(cur, prev, c));
		any = true;
	}
}

static void
text_answers(struct mxg_text *t, uint64_t resolved, uint64_t cached)
{
	mxg_text_str(t, "answers ");
	mxg_text_uint(t, (unsigned long)(resolved + cached));
	mxg_text_str(t, " (resolved ");
	mxg_text_uint(t, (unsigned long)resolved);
	mxg_text_str(t, ", cache ");
	mxg_text_uint(t, (unsigned long)cached);
	mxg_text_str(t, ")");
}

static void
summary_line(char *line, const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev)
{
	struct mxg_text t;
	time_t since = prev ? prev->taken : cur->started;

	mxg_text_init(&t, line, MXG_RENDER_LINE_MAX);
	mxg_text_str(&t, "stats ");
	mxg_text_uint(&t, cur->taken > since ? (unsigned long)(cur->taken -
	    since) : 0);
	mxg_text_str(&t, "s: ");
	text_answers(&t, delta(cur, prev, MXG_STAT_ANSWERS_RESOLVED),
	    delta(cur, prev, MXG_STAT_ANSWERS_CACHED));
	mxg_text_str(&t, "; domains ");
	mxg_text_uint(&t, (unsigned long)cur->domains_tracked);
	text_counters(&t, "; faults ", cur, prev, MXG_STAT_FAULT_ALIAS,
	    MXG_STAT_FAULT_MALFORMED);
	text_counters(&t, "; actions ", cur, prev, MXG_STAT_ACTION_KEPT,
	    MXG_STAT_ACTION_SERVFAIL);
	text_counters(&t, "; records ", cur, prev, MXG_STAT_RECORDS_DROPPED,
	    MXG_STAT_RECORDS_REWRITTEN);
	mxg_text_count(&t, "unchecked", (unsigned long)delta(cur, prev,
	    MXG_STAT_UNCHECKED));
	mxg_text_count(&t, "prefetches", (unsigned long)delta(cur, prev,
	    MXG_STAT_PREFETCHES));
	mxg_text_count(&t, "evictions", (unsigned long)delta(cur, prev,
	    MXG_STAT_EVICTIONS));
	mxg_text_count(&t, "log lines suppressed", (unsigned long)delta(cur,
	    prev, MXG_STAT_LOG_SUPPRESSED));
	mxg_text_count(&t, "lookups over budget", (unsigned long)delta(cur,
	    prev, MXG_STAT_OVER_BUDGET));
	mxg_text_end(&t);
}

/* "top 1: answers 50 (resolved 5, cache 45); distribution ..." */
static void
top_line(char *line, size_t rank, const struct mxg_stats_top *top)
{
	char dist[MXG_RENDER_LINE_MAX], name[MXG_DNAME_TEXTLEN];
	struct mxg_text t;

	mxg_text_init(&t, line, MXG_RENDER_LINE_MAX);
	mxg_text_str(&t, "top ");
	mxg_text_uint(&t, (unsigned long)rank);
	mxg_text_str(&t, ": ");
	text_answers(&t, top->domain.resolved, top->domain.cached);
	mxg_text_str(&t, "; ");
	if (top->distribution != NULL) {
		mxg_text_str(&t, mxg_distribution_render(dist, sizeof(dist),
		    top->distribution));
	} else {
		mxg_text_str(&t, "domain ");
		mxg_text_str(&t, name_text(name, sizeof(name), top->owner));
	}
	mxg_text_end(&t);
}

size_t
mxg_render_summary(const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, size_t top_lines,
    mxg_line_fn *fn, void *arg)
{
	char line[MXG_RENDER_LINE_MAX];
	size_t i;

	if (!anything_happened(cur, prev))
		return 0;
	summary_line(line, cur, prev);
	fn(arg, line);
	for (i = 0; i < top_lines && i < cur->top_count; i++) {
		top_line(line, i + 1, &cur->top[i]);
		fn(arg, line);
	}
	return i + 1;
}

static void
line_to_sink(void *arg, const char *line)
{
	mxg_sink_str(arg, line);
	mxg_sink_str(arg, "\n");
}

size_t
mxg_render_summary_sink(struct mxg_sink *s,
    const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, size_t top_lines)
{
	return mxg_render_summary(cur, prev, top_lines, line_to_sink, s);
}

/* ---- JSON --------------------------------------------------------- */

/* A JSON string: quotes, backslashes and all controls escaped. */
void
mxg_render_json_string(struct mxg_sink *s, const char *str)
{
	const char *run = str;

	mxg_sink_str(s, "\"");
	for (; *str != '\0'; str++) {
		unsigned char c = (unsigned char)*str;

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		sink_write(s, run, (size_t)(str - run));
		if (c == '"' || c == '\\')
			mxg_sink_printf(s, "\\%c", c);
		else
			mxg_sink_printf(s, "\\u%04x", c);
		run = str + 1;
	}
	sink_write(s, run, (size_t)(str - run));
	mxg_sink_str(s, "\"");
}

void
mxg_render_json_name(struct mxg_sink *s, const uint8_t *name)
{
	char text[MXG_DNAME_TEXTLEN];

	mxg_render_json_string(s, name_text(text, sizeof(text), name));
}

/* "key": n, for counters first..last of the snapshot. */
static void
json_counters(struct mxg_sink *s, const char *key,
    const struct mxg_stats_snapshot *snap, int first, int last)
{
	int c;

	mxg_sink_printf(s, "  \"%s\": {", key);
	for (c = first; c <= last; c++) {
		mxg_sink_printf(s, "%s\"%s\": ", c == first ? "" : ", ",
		    mxg_stat_name(c));
		sink_u64(s, snap->counter[c]);
	}
	mxg_sink_str(s, "},\n");
}

static void
json_entry(struct mxg_sink *s, const struct mxg_dist_entry *e)
{
	size_t i;
	const char *sep = "";

	mxg_sink_str(s, "{\"exchange\": ");
	mxg_render_json_name(s, e->name);
	mxg_sink_printf(s, ", \"preference\": %u, \"records\": %u, "
	    "\"addresses\": ", e->preference, e->records);
	if (e->flags & MXG_DIST_ADDR_KNOWN)
		mxg_sink_printf(s, "%u", (unsigned)e->addresses);
	else
		mxg_sink_str(s, "null");
	mxg_sink_printf(s, ", \"share_ppm\": %u, \"address_share_ppm\": %u, "
	    "\"flags\": [", (unsigned)e->share_ppm,
	    (unsigned)e->addr_share_ppm);
	for (i = 0; i < NELEM(entry_flags); i++) {
		if (!(e->flags & entry_flags[i].flag))
			continue;
		mxg_sink_printf(s, "%s\"%s\"", sep, entry_flags[i].word);
		sep = ", ";
	}
	mxg_sink_str(s, "]}");
}

void
mxg_render_distribution_json(struct mxg_sink *s,
    const struct mxg_distribution *d, bool one_line)
{
	/* The stats file puts one exchange a line; a JSON-lines record cannot. */
	const char *first = one_line ? "" : "\n        ";
	const char *next = one_line ? ", " : ",\n        ";
	const char *end = one_line ? "]}" : "\n      ]}";
	size_t i;

	if (d == NULL) {
		mxg_sink_str(s, "null");
		return;
	}
	mxg_sink_printf(s, "{\"state\": \"%s\", \"primary_preference\": %u, "
	    "\"takeover\": %s, \"tiers\": %zu, \"usable\": %zu, "
	    "\"malformed\": %zu, \"not_analysed\": %zu, \"not_kept\": %zu, "
	    "\"exchanges\": [",
	    dist_state_name(d->state), d->primary_preference,
	    d->takeover ? "true" : "false", d->tiers, d->usable,
	    d->malformed, d->overflow, d->omitted);
	for (i = 0; i < d->count; i++) {
		mxg_sink_str(s, i ? next : first);
		json_entry(s, &d->entries[i]);
	}
	mxg_sink_str(s, d->count ? end : "]}");
}

static void
json_top(struct mxg_sink *s, const struct mxg_stats_top *t)
{
	const struct mxg_domain_stats *d = &t->domain;
	int k;

	mxg_sink_str(s, "    {\"domain\": ");
	mxg_render_json_name(s, t->owner);
	mxg_sink_printf(s, ",\n      \"answers\": {\"resolved\": %llu, "
	    "\"cache\": %llu},\n      \"faults\": {",
	    (unsigned long long)d->resolved, (unsigned long long)d->cached);
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		mxg_sink_printf(s, "%s\"%s\": %llu", k ? ", " : "",
		    mxg_stat_name(MXG_STAT_FAULT_ALIAS + k),
		    (unsigned long long)d->fault_answers[k]);
	mxg_sink_printf(s, "},\n      \"faults_last\": %u, "
	    "\"actions\": {\"kept\": %llu, \"changed\": %llu, "
	    "\"servfail\": %llu},\n      \"first_seen\": %lld, "
	    "\"last_seen\": %lld,\n      \"distribution\": ", d->faults_last,
	    (unsigned long long)d->kept, (unsigned long long)d->changed,
	    (unsigned long long)d->servfail, (long long)d->first_seen,
	    (long long)d->last_seen);
	mxg_render_distribution_json(s, t->distribution, false);
	mxg_sink_str(s, "}");
}

bool
mxg_render_json(struct mxg_sink *s, const struct mxg_stats_snapshot *snap)
{
	size_t i;
	int c;

	mxg_sink_printf(s, "{\n  \"version\": %d,\n  \"started\": %lld,\n"
	    "  \"generated\": %lld,\n", MXG_STATS_JSON_VERSION,
	    (long long)snap->started, (long long)snap->taken);
	json_counters(s, "answers", snap, MXG_STAT_ANSWERS_RESOLVED,
	    MXG_STAT_ANSWERS_CACHED);
	json_counters(s, "faults", snap, MXG_STAT_FAULT_ALIAS,
	    MXG_STAT_FAULT_MALFORMED);
	json_counters(s, "actions", snap, MXG_STAT_ACTION_KEPT,
	    MXG_STAT_ACTION_SERVFAIL);
	json_counters(s, "records", snap, MXG_STAT_RECORDS_DROPPED,
	    MXG_STAT_RECORDS_REWRITTEN);
	json_counters(s, "other", snap, MXG_STAT_UNCHECKED,
	    MXG_STAT_OVER_BUDGET);
	mxg_sink_printf(s, "  \"domains\": {\"tracked\": %llu, \"max\": %llu",
	    (unsigned long long)snap->domains_tracked,
	    (unsigned long long)snap->domains_max);
	for (c = 0; c < MXG_CLASS_COUNT; c++) {
		mxg_sink_printf(s, ", \"%s\": ", mxg_stats_class_name(c));
		sink_u64(s, snap->domains_by_class[c]);
	}
	mxg_sink_printf(s, "},\n  \"memory_bytes\": %zu,\n"
	    "  \"top_domains\": [", snap->memory);
	for (i = 0; i < snap->top_count; i++) {
		mxg_sink_str(s, i ? ",\n" : "\n");
		json_top(s, &snap->top[i]);
	}
	mxg_sink_str(s, snap->top_count ? "\n  ]\n}\n" : "]\n}\n");
	return !s->failed;
}

/* ---- Prometheus --------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped. */
static void
prom_label_value(struct mxg_sink *s, const char *str)
{
	const char *run = str;

	for (; *str != '\0'; str++) {
		if (*str != '\\' && *str != '"' && *str != '\n')
			continue;
		sink_write(s, run, (size_t)(str - run));
		mxg_sink_str(s, *str == '\\' ? "\\\\" : *str == '"' ? "\\\"" :
		    "\\n");
		run = str + 1;
	}
	sink_write(s, run, (size_t)(str - run));
}

static void
prom_family(struct mxg_sink *s, const char *name, const char *type,
    const char *help)
{
	mxg_sink_printf(s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* name{label="value"} n, with one fixed label, or none when label NULL. */
static void
prom_sample(struct mxg_sink *s, const char *name, const char *label,
    const char *value, uint64_t n)
{
	mxg_sink_str(s, name);
	if (label != NULL) {
		mxg_sink_printf(s, "{%s=\"", label);
		prom_label_value(s, value);
		mxg_sink_str(s, "\"}");
	}
	mxg_sink_str(s, " ");
	sink_u64(s, n);
	mxg_sink_str(s, "\n");
}

/* One counter family with a label over counters first..last. */
static void
prom_counters(struct mxg_sink *s, const struct mxg_stats_snapshot *snap,
    const char *name, const char *label, const char *help, int first,
    int last)
{
	int c;

	prom_family(s, name, "counter", help);
	for (c = first; c <= last; c++)
		prom_sample(s, name, label, mxg_stat_name(c), snap->counter[c]);
}

static void
prom_gauge(struct mxg_sink *s, const char *name, const char *help,
    uint64_t n)
{
	prom_family(s, name, "gauge", help);
	prom_sample(s, name, NULL, NULL, n);
}

/* The counter families: name, label (NULL: none), help, counters. */
static const struct prom_counter_family {
	const char *name, *label, *help;
	enum mxg_stat first, last;
} counter_families[] = {
	{ "mxguard_answers_total", "source",
	    "MX answers served, by where they came from.",
	    MXG_STAT_ANSWERS_RESOLVED, MXG_STAT_ANSWERS_CACHED },
	{ "mxguard_fault_answers_total", "kind",
	    "Policed MX answers with at least one record of the fault kind.",
	    MXG_STAT_FAULT_ALIAS, MXG_STAT_FAULT_MALFORMED },
	{ "mxguard_actions_total", "action",
	    "Policed MX answers, by what was done with them.",
	    MXG_STAT_ACTION_KEPT, MXG_STAT_ACTION_SERVFAIL },
	{ "mxguard_records_total", "action",
	    "MX records dropped or rewritten.",
	    MXG_STAT_RECORDS_DROPPED, MXG_STAT_RECORDS_REWRITTEN },
	{ "mxguard_unchecked_records_total", NULL,
	    "MX records whose exchange could not be checked.",
	    MXG_STAT_UNCHECKED, MXG_STAT_UNCHECKED },
	{ "mxguard_prefetch_queries_total", NULL,
	    "A/AAAA sub-queries sent for exchanges.",
	    MXG_STAT_PREFETCHES, MXG_STAT_PREFETCHES },
	{ "mxguard_distributions_logged_total", NULL,
	    "Distribution log lines written.",
	    MXG_STAT_DISTRIBUTIONS_LOGGED, MXG_STAT_DISTRIBUTIONS_LOGGED },
	{ "mxguard_domain_evictions_total", NULL,
	    "Domains evicted from the table, least recently seen first.",
	    MXG_STAT_EVICTIONS, MXG_STAT_EVICTIONS },
	{ "mxguard_log_lines_suppressed_total", NULL,
	    "Per-answer log lines refused over log-rate.",
	    MXG_STAT_LOG_SUPPRESSED, MXG_STAT_LOG_SUPPRESSED },
	{ "mxguard_lookups_over_budget_total", NULL,
	    "Exchange lookups not sent: the thread's lookups-per-thread was spent.",
	    MXG_STAT_OVER_BUDGET, MXG_STAT_OVER_BUDGET }
};

static void
prom_fleet(struct mxg_sink *s, const struct mxg_stats_snapshot *snap)
{
	size_t i;
	int c;

	for (i = 0; i < NELEM(counter_families); i++) {
		const struct prom_counter_family *f = &counter_families[i];

		prom_counters(s, snap, f->name, f->label, f->help, f->first,
		    f->last);
	}
	prom_gauge(s, "mxguard_domains_tracked",
	    "Domains in the table.", snap->domains_tracked);
	prom_gauge(s, "mxguard_domains_max",
	    "Bound of the table (stats-max-domains).", snap->domains_max);
	prom_family(s, "mxguard_domains", "gauge",
	    "Tracked domains by the shape of their latest MX answer.");
	for (c = 0; c < MXG_CLASS_COUNT; c++)
		prom_sample(s, "mxguard_domains", "class",
		    mxg_stats_class_name(c), snap->domains_by_class[c]);
	prom_gauge(s, "mxguard_memory_bytes",
	    "Memory held by the statistics.", snap->memory);
	prom_gauge(s, "mxguard_start_time_seconds",
	    "When the statistics started, Unix time.",
	    (uint64_t)snap->started);
	prom_gauge(s, "mxguard_snapshot_time_seconds",
	    "When these values were taken, Unix time.", (uint64_t)snap->taken);
}

/* {domain="..."} or {domain="...",key="value"}, value already text. */
static void
prom_domain_labels(struct mxg_sink *s, const char *domain, const char *key,
    const char *value)
{
	mxg_sink_str(s, "{domain=\"");
	prom_label_value(s, domain);
	if (key != NULL) {
		mxg_sink_printf(s, "\",%s=\"", key);
		prom_label_value(s, value);
	}
	mxg_sink_str(s, "\"}");
}

/* The primary tier's shares, at most MXG_RENDER_PROM_EXCHANGES. */
static void
prom_shares(struct mxg_sink *s, const char *domain,
    const struct mxg_distribution *d)
{
	char text[MXG_DNAME_TEXTLEN];
	size_t i, n = 0;

	for (i = 0; i < d->count && n < MXG_RENDER_PROM_EXCHANGES; i++) {
		const struct mxg_dist_entry *e = &d->entries[i];

		if (e->share_ppm == 0)
			continue;
		mxg_sink_str(s, "mxguard_domain_exchange_share");
		prom_domain_labels(s, domain, "exchange",
		    name_text(text, sizeof(text), e->name));
		mxg_sink_printf(s, " %u.%06u\n", (unsigned)e->share_ppm /
		    1000000u, (unsigned)e->share_ppm % 1000000u);
		n++;
	}
}

/* Series per top domain, family by family (samples must be grouped). */
static void
prom_top(struct mxg_sink *s, const struct mxg_stats_snapshot *snap)
{
	char names[MXG_STATS_TOP_MAX][MXG_DNAME_TEXTLEN];
	size_t i;

	for (i = 0; i < snap->top_count; i++)
		name_text(names[i], sizeof(names[i]), snap->top[i].owner);
	prom_family(s, "mxguard_domain_answers_total", "counter",
	    "MX answers served for one of the top domains.");
	for (i = 0; i < snap->top_count; i++) {
		const struct mxg_domain_stats *d = &snap->top[i].domain;

		mxg_sink_str(s, "mxguard_domain_answers_total");
		prom_domain_labels(s, names[i], "source", "resolved");
		mxg_sink_printf(s, " %llu\n", (unsigned long long)d->resolved);
		mxg_sink_str(s, "mxguard_domain_answers_total");
		prom_domain_labels(s, names[i], "source", "cache");
		mxg_sink_printf(s, " %llu\n", (unsigned long long)d->cached);
	}
	prom_family(s, "mxguard_domain_last_seen_seconds", "gauge",
	    "Last answer for one of the top domains, Unix time.");
	for (i = 0; i < snap->top_count; i++) {
		mxg_sink_str(s, "mxguard_domain_last_seen_seconds");
		prom_domain_labels(s, names[i], NULL, NULL);
		mxg_sink_printf(s, " %lld\n",
		    (long long)snap->top[i].domain.last_seen);
	}
	prom_family(s, "mxguard_domain_exchange_share", "gauge",
	    "Share of a top domain's mail an exchange gets (0..1).");
	for (i = 0; i < snap->top_count; i++)
		if (snap->top[i].distribution != NULL)
			prom_shares(s, names[i], snap->top[i].distribution);
}

bool
mxg_render_prometheus(struct mxg_sink *s,
    const struct mxg_stats_snapshot *snap)
{
	prom_fleet(s, snap);
	prom_top(s, snap);
	return !s->failed;
}

/* ---- the stats file ----------------------------------------------- */

static bool
fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
	return false;
}

static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Write, sync and rename the rendered text; the temp file is removed on error. */
static bool
replace_file(const char *path, const struct mxg_sink *text, char *err,
    size_t errlen)
{
	size_t tlen = strlen(path) + sizeof(".XXXXXX");
	char *tmp = malloc(tlen);
	int fd, saved;
	bool ok = false;

	if (tmp == NULL)
		return fail(err, errlen, "no memory for", path);
	/* Same directory, so rename(2) is atomic; no ".prom" suffix, so a
	 * textfile collector ignores it while it is written. */
	snprintf(tmp, tlen, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		fail(err, errlen, "cannot create a temporary file for", path);
		free(tmp);
		return false;
	}
	if (!write_all(fd, text->buf ? text->buf : "", text->len))
		fail(err, errlen, "cannot write", tmp);
	else if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
		fail(err, errlen, "cannot sync", tmp);
	else
		ok = true;
	saved = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
		fail(err, errlen, "cannot close", tmp);
	}
	if (ok && rename(tmp, path) != 0) {
		ok = false;
		saved = errno;
		fail(err, errlen, "cannot rename to", path);
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return ok;
}

bool
mxg_stats_render_file(struct mxg_sink *text, enum mxg_stats_format format,
    const struct mxg_stats_snapshot *snap)
{
	mxg_sink_buffer(text);
	if (format == MXG_STATS_PROMETHEUS)
		return mxg_render_prometheus(text, snap);
	return mxg_render_json(text, snap);
}

bool
mxg_stats_replace_file(const char *path, const struct mxg_sink *text,
    char *err, size_t errlen)
{
	return replace_file(path, text, err, errlen);
}

bool
mxg_stats_write_file(const char *path, enum mxg_stats_format format,
    const struct mxg_stats_snapshot *snap, char *err, size_t errlen)
{
	struct mxg_sink text;
	bool ok;

	/* Render all of it first: a failure then touches no file at all. */
	if (!mxg_stats_render_file(&text, format, snap)) {
		errno = ENOMEM;
		mxg_sink_free(&text);
		return fail(err, errlen, "cannot render statistics for", path);
	}
	ok = replace_file(path, &text, err, errlen);
	mxg_sink_free(&text);
	return ok;
}
