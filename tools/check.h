/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.h - mxguard-check, the module's verdicts from the command line.
 *
 * The checker resolves a domain's MX set and its exchanges' addresses
 * with libunbound, hands them to the same engine the module runs
 * (mx.h, policy.h, distribution.h) under the same settings (config.h),
 * and prints what the module would log and do.  This header joins its
 * parts: options and input lines (args.c), the per-domain result and
 * its rendering (output.c), the resolution (resolve.c) and the driver
 * (mxguard-check.c).  Only resolve.c sees libunbound's types.
 */
#ifndef MXGUARD_CHECK_H
#define MXGUARD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mxguard/dname.h"
#include "mxguard/analysis.h"
#include "mxguard/render.h"
#include "mxguard/settings.h"

/* Exit statuses: with many domains the largest one wins. */
#define CHK_EXIT_CLEAN		0	/* no fault anywhere */
#define CHK_EXIT_LOGGED		1	/* faults the settings only log */
#define CHK_EXIT_CHANGED	2	/* faults that change the answer */
#define CHK_EXIT_UNRESOLVED	3	/* a domain could not be resolved */
#define CHK_EXIT_USAGE		4	/* bad options, config or input */

/* Bounds of the options. */
#define CHK_PARALLEL_MAX	10000
#define CHK_TIMEOUT_MAX		3600
#define CHK_UPSTREAMS_MAX	32

/* A stub zone given as ZONE=ADDR[@PORT]. */
struct chk_stub {
	char *zone;		/* presentation form, as given */
	const char *addr;	/* ADDR[@PORT] */
};

struct chk_options {
	const char *file;		/* -f FILE, "-" for stdin; NULL: argv */
	const char *conf;		/* -c FILE; NULL: built-in defaults */
	unsigned parallel;		/* -p: domains checked at once */
	unsigned timeout;		/* --timeout: seconds per domain */
	bool json;			/* --json */
	bool dnssec;			/* false with --no-dnssec */
	bool quiet;			/* -q: no progress, no summary */
	const char *trust_anchor;	/* --trust-anchor FILE */
	const char *forward[CHK_UPSTREAMS_MAX];	/* -r ADDR[@PORT] */
	size_t forwards;
	struct chk_stub stub[CHK_UPSTREAMS_MAX];	/* --stub */
	size_t stubs;
	char **domains;			/* the operands */
	size_t domain_count;
};

/* What parsing the command line asks for. */
enum chk_args {
	CHK_ARGS_RUN = 0,
	CHK_ARGS_HELP,
	CHK_ARGS_VERSION,
	CHK_ARGS_ERROR		/* err says why */
};

/*
 * Parse argv into o (pointers into argv; stub zones are copied, free
 * them with chk_options_free).  Defaults: -p 10, --timeout 10, DNSSEC
 * on.  err receives a one-line message on CHK_ARGS_ERROR.
 */
enum chk_args chk_parse_args(struct chk_options *o, int argc, char **argv,
    char *err, size_t errlen);
void chk_options_free(struct chk_options *o);

/* One line of a domain file. */
enum chk_line {
	CHK_LINE_DOMAIN = 0,	/* a name: text and wire filled */
	CHK_LINE_SKIP,		/* blank, or a comment */
	CHK_LINE_INVALID	/* err says why */
};

/*
 * A domain name as typed: trailing dot optional, not the root, no
 * control characters or spaces.  Wire form into wire (MXG_DNAME_MAXLEN
 * octets); false with a message in err.
 */
bool chk_parse_name(const char *text, uint8_t *wire, char *err,
    size_t errlen);

/*
 * One line of a domain file (modified in place): surrounding blanks
 * and a trailing "# comment" are dropped; a line left empty is skipped;
 * what remains must be a single name.  *text points to it in line.
 */
enum chk_line chk_parse_line(char *line, const char **text, uint8_t *wire,
    char *err, size_t errlen);

/* The worse of two exit statuses. */
int chk_exit_worst(int a, int b);

/* ---- one domain's result ------------------------------------------- */

enum chk_status {
	CHK_STATUS_OK = 0,	/* an MX set, analysed */
	CHK_STATUS_NO_MX,	/* the name exists, no MX records */
	CHK_STATUS_NXDOMAIN,
	CHK_STATUS_SERVFAIL,	/* or another error rcode */
	CHK_STATUS_BOGUS,	/* failed DNSSEC validation */
	CHK_STATUS_TIMEOUT,	/* no answer within --timeout */
	CHK_STATUS_ERROR	/* libunbound could not ask */
};

enum chk_dnssec {
	CHK_DNSSEC_UNCHECKED = 0,	/* no trust anchor: not validated */
	CHK_DNSSEC_INSECURE,
	CHK_DNSSEC_SECURE,
	CHK_DNSSEC_BOGUS
};

struct chk_result {
	const char *text;		/* the domain as given */
	const uint8_t *owner;		/* its wire form */
	enum chk_status status;
	enum chk_dnssec dnssec;		/* of the MX answer */
	int rcode;			/* of the MX answer; -1 if none */
	const char *error;		/* STATUS_ERROR: libunbound's reason */
	unsigned timeout;		/* STATUS_TIMEOUT: seconds waited */
	/* STATUS_OK: the engine's analysis, run under the settings. */
	const struct mxg_analysis *an;
	unsigned queries;		/* DNS lookups the checker asked */
	unsigned lookups_timed_out;	/* address lookups cut by --timeout */
};

const char *chk_status_name(enum chk_status s);
const char *chk_dnssec_name(enum chk_dnssec d);
/* The exit status this domain alone calls for. */
int chk_result_exit(const struct chk_result *r);

/* Lines for one domain, as the text output prints them. */
void chk_render_text(struct mxg_sink *s, const struct chk_result *r);
/* One JSON object on one line, newline included. */
void chk_render_json(struct mxg_sink *s, const struct chk_result *r);

/* ---- the run's summary --------------------------------------------- */

struct chk_summary {
	unsigned long domains;			/* checked (valid names) */
	unsigned long invalid;			/* lines or operands rejected */
	unsigned long skipped;			/* blank and comment lines */
	unsigned long by_status[CHK_STATUS_ERROR + 1];
	unsigned long by_dnssec[CHK_DNSSEC_BOGUS + 1];
	unsigned long by_action[3];		/* enum mxg_action */
	unsigned long by_fault[5];		/* MXG_FAULT_* bit order */
	unsigned long by_class[5];		/* enum mxg_stats_class */
	unsigned long with_faults;
	unsigned long queries;
	int exit;
};

void chk_summary_add(struct chk_summary *sum, const struct chk_result *r);
/* The summary lines ("summary: ..."), for a person. */
void chk_render_summary(struct mxg_sink *s, const struct chk_summary *sum,
    double seconds);

/* ---- resolution (resolve.c, on libunbound) --------------------------- */

struct chk_resolver;
struct chk_job;

/*
 * A libunbound context as the options say: recursive and validating by
 * default, or forwarding (-r), with stub zones (--stub).  parallel and
 * max_exchanges size its query table.  NULL with a message in err.
 */
struct chk_resolver *chk_resolver_new(const struct chk_options *o,
    const struct mxg_settings *set, char *err, size_t errlen);
void chk_resolver_free(struct chk_resolver *res);
/* The descriptor that is readable when answers are waiting. */
int chk_resolver_fd(const struct chk_resolver *res);
/* Take the waiting answers in; false on a libunbound error. */
bool chk_resolver_process(struct chk_resolver *res);

/* Start checking one domain (text as given, wire its wire form). */
struct chk_job *chk_job_start(struct chk_resolver *res, const char *text,
    const uint8_t *wire);
/*
 * Move the job on with what came back, or end it at its deadline (now:
 * CLOCK_MONOTONIC seconds).  True once its result is ready.
 */
bool chk_job_step(struct chk_job *job, double now);
/* Seconds until its deadline (never below 0). */
double chk_job_left(const struct chk_job *job, double now);
const struct chk_result *chk_job_result(const struct chk_job *job);
void chk_job_free(struct chk_job *job);

/* CLOCK_MONOTONIC in seconds. */
double chk_now(void);

#endif /* MXGUARD_CHECK_H */
