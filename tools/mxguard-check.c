/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxguard-check.c - check domains' MX setups as the mxguard module
 * would judge them, from the command line.
 *
 * The driver: reads the options and mxguard.conf (the module's parser,
 * the module's errors), then keeps up to -p domains in flight on one
 * libunbound context, printing each result in input order as soon as
 * the ones before it are out, with progress on a terminal and a
 * summary at the end.  The exit status is the worst of the domains'.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxguard/config.h"
#include "build-info.h"
#include "check.h"

#define PROG	"mxguard-check"
/* How often the progress line is redrawn, in seconds. */
#define PROGRESS_EVERY	0.25

/* Where the domains come from: the operands or the lines of a file. */
struct input {
	char **argv;
	size_t argc, argi;
	FILE *fp;
	const char *name;
	char *line;
	size_t cap;
	unsigned lineno;
	bool failed;		/* a read error */
};

/* Results finished out of order wait here for their turn. */
struct outq {
	char **text;		/* by sequence number modulo size */
	size_t size;
	size_t next_print;
};

struct run {
	struct chk_options opt;
	struct mxg_settings *set;
	struct chk_resolver *res;
	struct input in;
	struct chk_job **jobs;	/* opt.parallel slots */
	size_t *seq;		/* each slot's sequence number */
	size_t active, next_seq;
	struct outq out;
	struct chk_summary sum;
	double started, progress_at;
	bool progress;
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: " PROG " [options] DOMAIN...\n"
	    "       " PROG " [options] -f FILE   (one domain a line; - for "
	    "stdin)\n"
	    "  -c FILE              apply this mxguard.conf (default: built-in "
	    "defaults)\n"
	    "  -p N                 domains checked at once (default 10)\n"
	    "  -r ADDR[@PORT]       forward to this resolver (repeatable)\n"
	    "  --stub ZONE=ADDR[@PORT]  ask this server for ZONE (repeatable)\n"
	    "  --trust-anchor FILE  DNSSEC trust anchor (default "
	    "/usr/share/dns/root.key)\n"
	    "  --no-dnssec          do not validate\n"
	    "  --timeout SECONDS    per domain (default 10)\n"
	    "  -j, --json           one JSON object a line\n"
	    "  -q, --quiet          no progress, no summary\n"
	    "  -h, --help           this help;  -V, --version\n"
	    "exit: 0 clean, 1 faults only logged, 2 faults that change the "
	    "answer,\n      3 a domain not resolved, 4 bad usage, "
	    "configuration or input\n");
}

static void
print_conf_error(void *arg, const char *file, unsigned line,
    const char *message)
{
	(void)arg;
	fprintf(stderr, "%s:%u: %s\n", file, line, message);
}

static void
invalid(struct run *r, const char *text, const char *why)
{
	char buf[80];

	mxg_show(buf, sizeof(buf), text, strlen(text));
	if (r->in.fp != NULL)
		fprintf(stderr, PROG ": %s:%u: %s: \"%s\" (line skipped)\n",
		    r->in.name, r->in.lineno, why, buf);
	else
		fprintf(stderr, PROG ": \"%s\": %s (skipped)\n", buf, why);
	r->sum.invalid++;
}

/* The next valid domain; false at the end of the input. */
static bool
next_domain(struct run *r, const char **text, uint8_t *wire)
{
	struct input *in = &r->in;
	char err[160];
	ssize_t n;

	while (in->fp == NULL && in->argi < in->argc) {
		*text = in->argv[in->argi++];
		if (chk_parse_name(*text, wire, err, sizeof(err)))
			return true;
		invalid(r, *text, err);
	}
	while (in->fp != NULL && (n = getline(&in->line, &in->cap, in->fp)) >= 0) {
		in->lineno++;
		if (strlen(in->line) != (size_t)n) {
			invalid(r, "", "a NUL octet in the line");
			continue;
		}
		switch (chk_parse_line(in->line, text, wire, err, sizeof(err))) {
		case CHK_LINE_DOMAIN:
			return true;
		case CHK_LINE_SKIP:
			r->sum.skipped++;
			break;
		case CHK_LINE_INVALID:
			invalid(r, *text, err);
			break;
		}
	}
	if (in->fp != NULL && ferror(in->fp) && !in->failed) {
		fprintf(stderr, PROG ": %s: %s\n", in->name, strerror(errno));
		in->failed = true;
	}
	return false;
}

static bool
open_input(struct run *r)
{
	struct input *in = &r->in;

	in->argv = r->opt.domains;
	in->argc = r->opt.domain_count;
	if (r->opt.file == NULL)
		return true;
	if (strcmp(r->opt.file, "-") == 0) {
		in->fp = stdin;
		in->name = "(stdin)";
		return true;
	}
	in->name = r->opt.file;
	if ((in->fp = fopen(r->opt.file, "r")) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", r->opt.file, strerror(errno));
		return false;
	}
	return true;
}

/* ---- output in input order ------------------------------------------ */

static void
flush_output(struct run *r)
{
	struct outq *q = &r->out;
	char **slot;

	while (*(slot = &q->text[q->next_print % q->size]) != NULL) {
		fputs(*slot, stdout);
		free(*slot);
		*slot = NULL;
		q->next_print++;
	}
	fflush(stdout);
}

static void
done(struct run *r, size_t i)
{
	const struct chk_result *res = chk_job_result(r->jobs[i]);
	struct mxg_sink s;

	mxg_sink_buffer(&s);
	if (r->opt.json)
		chk_render_json(&s, res);
	else
		chk_render_text(&s, res);
	chk_summary_add(&r->sum, res);
	if (s.failed || s.buf == NULL) {
		fprintf(stderr, PROG ": out of memory rendering %s\n", res->text);
		mxg_sink_free(&s);
		s.buf = strdup("");
	}
	r->out.text[r->seq[i] % r->out.size] = s.buf;
	chk_job_free(r->jobs[i]);
	r->jobs[i] = r->jobs[--r->active];
	r->seq[i] = r->seq[r->active];
}

/* ---- the loop --------------------------------------------------------- */

static void
progress(struct run *r, double now, bool last)
{
	double secs = now - r->started;

	if (!r->progress || (!last && now < r->progress_at))
		return;
	r->progress_at = now + PROGRESS_EVERY;
	if (last) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r" PROG ": %lu done, %zu in flight, %.0f/s, %lu with "
	    "faults, %lu unresolved\033[K", r->sum.domains, r->active,
	    secs > 0 ? (double)r->sum.domains / secs : 0.0, r->sum.with_faults,
	    r->sum.domains - r->sum.by_status[CHK_STATUS_OK] -
	    r->sum.by_status[CHK_STATUS_NO_MX]);
}

/* Start domains while there is a free slot and room to hold the output. */
static bool
fill(struct run *r, bool *more)
{
	const char *text;
	uint8_t wire[MXG_DNAME_MAXLEN];
	struct chk_job *job;

	while (*more && r->active < r->opt.parallel &&
	    r->next_seq - r->out.next_print < r->out.size) {
		if (!next_domain(r, &text, wire)) {
			*more = false;
			break;
		}
		if ((job = chk_job_start(r->res, text, wire)) == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return false;
		}
		r->jobs[r->active] = job;
		r->seq[r->active++] = r->next_seq++;
	}
	return true;
}

static bool
wait_answers(struct run *r)
{
	double now = chk_now(), left = PROGRESS_EVERY, l;
	struct pollfd pfd;
	size_t i;

	for (i = 0; i < r->active; i++)
		if ((l = chk_job_left(r->jobs[i], now)) < left)
			left = l;
	pfd.fd = chk_resolver_fd(r->res);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)(left * 1000) + 1) > 0 &&
	    !chk_resolver_process(r->res)) {
		fprintf(stderr, PROG ": libunbound failed to deliver answers\n");
		return false;
	}
	return true;
}

static bool
loop(struct run *r)
{
	bool more = true;
	size_t i;
	double now;

	for (;;) {
		if (!fill(r, &more))
			return false;
		if (r->active == 0 && !more)
			break;
		if (!wait_answers(r))
			return false;
		now = chk_now();
		for (i = 0; i < r->active; )
			if (chk_job_step(r->jobs[i], now))
				done(r, i);
			else
				i++;
		flush_output(r);
		progress(r, now, false);
	}
	progress(r, chk_now(), true);
	return true;
}

/* ---- setup and the end ----------------------------------------------- */

static int
setup(struct run *r, int argc, char **argv)
{
	char err[256];

	switch (chk_parse_args(&r->opt, argc, argv, err, sizeof(err))) {
	case CHK_ARGS_HELP:
		usage(stdout);
		return 0;
	case CHK_ARGS_VERSION:
		printf(PROG " (mxguard) " MXG_VERSION "\n");
		return 0;
	case CHK_ARGS_ERROR:
		fprintf(stderr, PROG ": %s\n", err);
		usage(stderr);
		return CHK_EXIT_USAGE;
	case CHK_ARGS_RUN:
		break;
	}
	if ((r->set = mxg_config_load(r->opt.conf, 0, print_conf_error,
	    NULL)) == NULL) {
		fprintf(stderr, PROG ": %s: configuration not applied\n",
		    r->opt.conf);
		return CHK_EXIT_USAGE;
	}
	if (!open_input(r))
		return CHK_EXIT_USAGE;
	if ((r->res = chk_resolver_new(&r->opt, r->set, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		return CHK_EXIT_USAGE;
	}
	r->out.size = 4 * (size_t)r->opt.parallel + 64;
	r->jobs = calloc(r->opt.parallel, sizeof(*r->jobs));
	r->seq = calloc(r->opt.parallel, sizeof(*r->seq));
	r->out.text = calloc(r->out.size, sizeof(*r->out.text));
	if (r->jobs == NULL || r->seq == NULL || r->out.text == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return CHK_EXIT_USAGE;
	}
	r->progress = !r->opt.quiet && isatty(STDERR_FILENO);
	r->started = chk_now();
	return -1;
}

/* The summary, and the exit status with the input's faults in it. */
static int
conclude(struct run *r)
{
	int status = r->sum.exit;
	struct mxg_sink s;

	if (r->sum.invalid > 0 || r->in.failed)
		status = chk_exit_worst(status, CHK_EXIT_USAGE);
	if (r->sum.domains == 0 && r->sum.invalid == 0 && !r->in.failed) {
		fprintf(stderr, PROG ": %s: no domain to check (%lu blank or "
		    "comment lines)\n", r->in.name ? r->in.name : "arguments",
		    r->sum.skipped);
		return CHK_EXIT_USAGE;
	}
	if (r->opt.quiet)
		return status;
	r->sum.exit = status;
	mxg_sink_file(&s, r->opt.json ? stderr : stdout);
	chk_render_summary(&s, &r->sum, chk_now() - r->started);
	return status;
}

static void
teardown(struct run *r)
{
	size_t i;

	for (i = 0; i < r->active; i++)
		chk_job_free(r->jobs[i]);
	chk_resolver_free(r->res);
	if (r->in.fp != NULL && r->in.fp != stdin)
		fclose(r->in.fp);
	free(r->in.line);
	if (r->out.text != NULL)
		for (i = 0; i < r->out.size; i++)
			free(r->out.text[i]);
	free(r->out.text);
	free(r->jobs);
	free(r->seq);
	mxg_config_free(r->set);
	chk_options_free(&r->opt);
}

int
main(int argc, char **argv)
{
	struct run r;
	int status;

	memset(&r, 0, sizeof(r));
	if ((status = setup(&r, argc, argv)) < 0)
		status = loop(&r) ? conclude(&r) : CHK_EXIT_USAGE;
	teardown(&r);
	return status;
}
