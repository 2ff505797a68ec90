/*
 * load-verdict - the accounting of scripts/harden's load run (and of the
 * locks and tsan steps, which run the same load).
 *
 *   load-verdict STATS.json DNSPERF.out LOAD LOAD.counted BEFORE \
 *       UB_MX_BEFORE UB_MX_AFTER [RSS]
 *
 * STATS.json is mxguard's stats file as written at the clean stop,
 * DNSPERF.out dnsperf's output, LOAD the "NAME TYPE" lines dnsperf sent
 * over and over, LOAD.counted one line a query (1 when the module counts
 * its answer: an MX rrset or a SERVFAIL by policy, else 0), BEFORE what
 * the stats file counted before the run (warm-up passes), UB_MX_* Unbound's
 * num.query.type.MX before and after, RSS "SECONDS KIB" samples of
 * Unbound's resident size (none: not judged, as under a sanitizer).
 *
 * Prints one TAP-like "ok - ..." / "not ok - ..." line a check and a
 * "# summary: ..." line; exits 1 when a check failed, 2 on bad input.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed;

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failed = 1;
}

static long long
number(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "load-verdict: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static FILE *
open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "load-verdict: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

/* dnsperf's "  Queries sent:  N" lines; -1 when absent. */
static long long
dnsperf_figure(const char *path, const char *label)
{
	FILE *f = open_or_die(path);
	char line[512], *p;
	long long v = -1;

	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " \t");
		if (strncmp(p, label, strlen(label)) == 0) {
			v = strtoll(p + strlen(label), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* An integer at a path of the stats JSON ("answers", "resolved"). */
static long long
stat_of(json_t *root, const char *section, const char *key)
{
	json_t *v = json_object_get(json_object_get(root, section), key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/*
 * dnsperf sends the LOAD lines in order, over and over: of its first
 * SENT queries, how many are MX ones and how many of those the module
 * counts.
 */
static void
mx_among(const char *load, const char *counted, long long sent,
    long long *mx_sent, long long *mx_counted)
{
	FILE *lf = open_or_die(load), *cf = open_or_die(counted);
	char l[512], c[64];
	long long n = 0, mx = 0, cnt = 0, rest_mx = 0, rest_cnt = 0, cycles, rest;
	int is_mx, one;

	/* First pass: the totals of one cycle. */
	while (fgets(l, sizeof(l), lf) && fgets(c, sizeof(c), cf))
		n++;
	if (n == 0) {
		fprintf(stderr, "load-verdict: %s is empty\n", load);
		exit(2);
	}
	cycles = sent / n;
	rest = sent % n;
	rewind(lf);
	rewind(cf);
	for (long long i = 0; i < n; i++) {
		if (!fgets(l, sizeof(l), lf) || !fgets(c, sizeof(c), cf))
			break;
		l[strcspn(l, "\n")] = '\0';
		is_mx = strlen(l) >= 3 && strcmp(l + strlen(l) - 3, " MX") == 0;
		one = atoi(c) != 0;
		mx += is_mx;
		cnt += one;
		if (i < rest) {
			rest_mx += is_mx;
			rest_cnt += one;
		}
	}
	fclose(lf);
	fclose(cf);
	*mx_sent = cycles * mx + rest_mx;
	*mx_counted = cycles * cnt + rest_cnt;
}

/*
 * RSS flat after warm-up: the samples after the first third may not grow
 * more than 10% (and 2 MiB) over the first of them.
 */
static void
rss_check(const char *path)
{
	FILE *f = open_or_die(path);
	long long t, r, *ts = NULL, *rs = NULL, min, max;
	size_t n = 0, cap = 0, w, i;

	while (fscanf(f, "%lld %lld", &t, &r) == 2) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ts = realloc(ts, cap * sizeof(*ts));
			rs = realloc(rs, cap * sizeof(*rs));
			if (!ts || !rs) {
				fprintf(stderr, "load-verdict: out of memory\n");
				exit(2);
			}
		}
		ts[n] = t;
		rs[n++] = r;
	}
	fclose(f);
	if (n < 3) {
		check(0, "RSS flat after warm-up: too few RSS samples (%zu)", n);
		goto out;
	}
	w = n / 3;
	min = max = rs[w];
	for (i = w; i < n; i++) {
		if (rs[i] < min)
			min = rs[i];
		if (rs[i] > max)
			max = rs[i];
	}
	check(!(max - rs[w] > rs[w] / 10 && max - rs[w] > 2048),
	    "RSS flat after warm-up (%lld KiB at start, %lld KiB after warm-up "
	    "(%lld s), %lld-%lld KiB after, %lld KiB at end, %zu samples)",
	    rs[0], rs[w], ts[w], min, max, rs[n - 1], n);
out:
	free(ts);
	free(rs);
}

int
main(int argc, char **argv)
{
	json_t *root;
	json_error_t err;
	long long sent, completed, lost, before, ub, mx_sent, mx_counted, got;
	long long tracked, max, evicted;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: load-verdict STATS.json DNSPERF.out LOAD "
		    "LOAD.counted BEFORE UB_MX_BEFORE UB_MX_AFTER [RSS]\n");
		return 2;
	}
	sent = dnsperf_figure(argv[2], "Queries sent:");
	completed = dnsperf_figure(argv[2], "Queries completed:");
	lost = dnsperf_figure(argv[2], "Queries lost:");
	before = number(argv[5]);
	ub = number(argv[7]) - number(argv[6]);
	check(sent > 0, "dnsperf ran (%lld queries sent)", sent);
	check(lost == 0, "no query lost (%lld of %lld)", lost, sent);
	if (sent < 0)
		sent = 0;
	mx_among(argv[3], argv[4], sent, &mx_sent, &mx_counted);
	check(ub == mx_sent, "Unbound counted the MX queries sent (%lld of %lld)",
	    ub, mx_sent);

	root = json_load_file(argv[1], 0, &err);
	if (!root) {
		check(0, "the stats file is JSON (%s: %s)", argv[1], err.text);
		return 1;
	}
	got = stat_of(root, "answers", "resolved") + stat_of(root, "answers", "cache")
	    - before;
	check(got == mx_counted, "the stats file counts the MX answers sent "
	    "(%lld counted, %lld of the %lld MX queries had MX answers)",
	    got, mx_counted, mx_sent);
	tracked = stat_of(root, "domains", "tracked");
	max = stat_of(root, "domains", "max");
	evicted = stat_of(root, "other", "evictions");
	check(tracked >= 0 && tracked <= max && evicted > 0,
	    "the domain table stayed bounded (%lld domains of at most %lld, "
	    "%lld evictions)", tracked, max, evicted);
	json_decref(root);
	if (argc == 9)
		rss_check(argv[8]);
	printf("# summary: sent %lld, completed %lld, lost %lld; MX queries %lld "
	    "sent (%lld by Unbound's num.query.type.MX), %lld of them with an MX "
	    "answer (or SERVFAIL by policy), %lld counted by the stats file; "
	    "stats table %lld of at most %lld domains, %lld evictions\n",
	    sent, completed, lost, mx_sent, ub, mx_counted, got, tracked, max,
	    evicted);
	return failed;
}
