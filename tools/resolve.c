/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve.c - one domain's check on libunbound, asynchronously: the MX
 * set first, then an A and an AAAA lookup of each exchange the engine
 * marks for lookup (the first max-exchanges by preference), as the
 * module does with prefetch: wait.  What a lookup says becomes a fact
 * the way the module reads its sub-queries (lookup.c): an alias when a
 * CNAME chain (also one synthesized from a DNAME) starts at the name,
 * addresses, NXDOMAIN or NODATA; an error, a bogus answer or a lookup
 * cut off by the deadline says nothing (unchecked, fail open).  Facts
 * per type are merged with mxg_fact_merge, then the engine decides.
 *
 * Callbacks only record what came back; chk_job_step, called from the
 * driver's loop, moves each job on, so that no libunbound call is made
 * from inside ub_process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <unbound.h>

#include "mxguard/analysis.h"
#include "mxguard/mx.h"
#include "check.h"

#define CHK_ROOT_KEY	"/usr/share/dns/root.key"
#define RR_MX		15
#define RR_A		1
#define RR_AAAA		28
#define RCODE_NOERROR	0
#define RCODE_NXDOMAIN	3
/* Outgoing UDP sockets, at most; and the message cache's size. */
#define CHK_PORTS_MAX	4096
#define CHK_CACHE_BYTES	(32UL << 20)
/*
 * The least a query waits before it is sent again.  Unbound's 50 ms
 * suits a resolver; a checker with hundreds of queries out queues its
 * own answers longer than that at a busy server or forwarder, and
 * resending them then only adds load until domains end in SERVFAIL.
 */
#define CHK_MIN_RTT_MS	300UL

struct chk_resolver {
	struct ub_ctx *ctx;
	const struct mxg_settings *set;
	unsigned timeout;
	bool validating;
};

/* One query of a job: the MX one, or an exchange's A or AAAA. */
struct chk_query {
	struct chk_job *job;
	int id;
	bool out;		/* asked, no answer yet */
};

/* What one address type of one exchange said. */
struct chk_type {
	struct mxg_fact fact;
	bool known;
	uint8_t canonical[MXG_DNAME_MAXLEN];
};

enum chk_phase { PHASE_MX = 0, PHASE_ADDRESSES, PHASE_DONE };

struct chk_job {
	struct chk_resolver *res;
	enum chk_phase phase;
	double deadline;
	char *text;
	uint8_t owner[MXG_DNAME_MAXLEN];
	size_t outstanding;
	struct chk_query *queries;	/* [0] MX, [1 + 2i + t] exchange i */
	size_t query_count;
	struct ub_result *mx;		/* kept: the records point into it */
	int mx_err;
	bool mx_back;
	uint8_t *items;			/* RDATA items as packed rrsets hold them */
	const uint8_t **item_ptrs;
	size_t *item_lens;
	void *mem;
	struct mxg_analysis an;
	struct chk_type (*types)[2];	/* per exchange: A, AAAA */
	struct chk_result result;
};

double
chk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the context ----------------------------------------------------- */

static bool
ub_ok(int rc, const char *what, char *err, size_t errlen)
{
	if (rc == 0)
		return true;
	snprintf(err, errlen, "%s: %s", what, ub_strerror(rc));
	return false;
}

/*
 * Unbound answers names under its default local zones (test., invalid.,
 * ...) itself; a stub zone under one of them must reach its server, so
 * it is made a transparent local zone, which hands its names on to
 * resolution.  Done last: adding a zone ends libunbound's configuration.
 */
static bool
open_stub_zones(struct ub_ctx *ctx, const struct chk_options *o, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < o->stubs; i++)
		if (strcmp(o->stub[i].zone, ".") != 0 &&
		    !ub_ok(ub_ctx_zone_add(ctx, o->stub[i].zone, "transparent"),
		    o->stub[i].zone, err, errlen))
			return false;
	return true;
}

static bool
set_upstreams(struct ub_ctx *ctx, const struct chk_options *o, char *err,
    size_t errlen)
{
	size_t i;

	if (o->forwards == 0 && o->stubs == 0)
		return true;
	/* Tests and split horizons point at servers on the loopback. */
	if (!ub_ok(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"),
	    "do-not-query-localhost", err, errlen))
		return false;
	for (i = 0; i < o->forwards; i++)
		if (!ub_ok(ub_ctx_set_fwd(ctx, o->forward[i]), o->forward[i],
		    err, errlen))
			return false;
	for (i = 0; i < o->stubs; i++)
		if (!ub_ok(ub_ctx_set_stub(ctx, o->stub[i].zone, o->stub[i].addr,
		    0), o->stub[i].zone, err, errlen))
			return false;
	return true;
}

static bool
set_trust_anchor(struct chk_resolver *res, const struct chk_options *o,
    char *err, size_t errlen)
{
	const char *ta = o->trust_anchor;

	if (!o->dnssec)
		return true;
	if (ta == NULL && access(CHK_ROOT_KEY, R_OK) == 0)
		ta = CHK_ROOT_KEY;
	if (ta == NULL) {
		fprintf(stderr, "mxguard-check: no trust anchor (%s is missing; "
		    "install dns-root-data or use --trust-anchor): DNSSEC is not "
		    "validated\n", CHK_ROOT_KEY);
		return true;
	}
	if (access(ta, R_OK) != 0) {
		snprintf(err, errlen, "--trust-anchor %s: cannot read it", ta);
		return false;
	}
	res->validating = true;
	return ub_ok(ub_ctx_add_ta_file(res->ctx, ta), ta, err, errlen);
}

/* Set a numeric libunbound option. */
static bool
set_number(struct ub_ctx *ctx, const char *opt, unsigned long n, char *err,
    size_t errlen)
{
	char val[32];

	snprintf(val, sizeof(val), "%lu", n);
	return ub_ok(ub_ctx_set_option(ctx, opt, val), opt, err, errlen);
}

/*
 * Descriptors for outgoing UDP sockets: as many as the soft limit
 * allows once raised to the hard one, less a margin for the rest.
 */
static unsigned long
sockets_allowed(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 16;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < want + 64) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want +
		    64 ? want + 64 : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want + 64)
		return want;
	return rl.rlim_cur > 80 ? (unsigned long)rl.rlim_cur - 64 : 16;
}

/*
 * Room for every query the jobs in flight may have out at once.  As a
 * library, libunbound keeps 16 outgoing ports and 1 MB caches, which
 * would cap the queries in flight at 16 whatever -p says.
 */
static bool
size_tables(struct ub_ctx *ctx, const struct chk_options *o,
    const struct mxg_settings *set, char *err, size_t errlen)
{
	unsigned long queries = (unsigned long)o->parallel *
	    (1 + 2 * (unsigned long)set->max_exchanges);
	/* Most domains have a few exchanges: an MX and their A and AAAA. */
	unsigned long ports = (unsigned long)o->parallel * 5 + 16;

	if (queries < 1024)
		queries = 1024;
	if (ports > CHK_PORTS_MAX)
		ports = CHK_PORTS_MAX;
	return set_number(ctx, "num-queries-per-thread:", queries, err,
	    errlen) &&
	    set_number(ctx, "outgoing-range:", sockets_allowed(ports), err,
	    errlen) &&
	    set_number(ctx, "infra-cache-min-rtt:", CHK_MIN_RTT_MS, err,
	    errlen) &&
	    set_number(ctx, "msg-cache-size:", CHK_CACHE_BYTES, err, errlen) &&
	    set_number(ctx, "rrset-cache-size:", 2 * CHK_CACHE_BYTES, err,
	    errlen);
}

struct chk_resolver *
chk_resolver_new(const struct chk_options *o, const struct mxg_settings *set,
    char *err, size_t errlen)
{
	struct chk_resolver *res = calloc(1, sizeof(*res));

	if (res == NULL || (res->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "cannot create a libunbound context");
		free(res);
		return NULL;
	}
	res->set = set;
	res->timeout = o->timeout;
	if (!ub_ok(ub_ctx_async(res->ctx, 1), "async", err, errlen) ||
	    !set_upstreams(res->ctx, o, err, errlen) ||
	    !set_trust_anchor(res, o, err, errlen) ||
	    !size_tables(res->ctx, o, set, err, errlen) ||
	    !open_stub_zones(res->ctx, o, err, errlen)) {
		chk_resolver_free(res);
		return NULL;
	}
	return res;
}

void
chk_resolver_free(struct chk_resolver *res)
{
	if (res == NULL)
		return;
	ub_ctx_delete(res->ctx);
	free(res);
}

int
chk_resolver_fd(const struct chk_resolver *res)
{
	return ub_fd(res->ctx);
}

bool
chk_resolver_process(struct chk_resolver *res)
{
	return ub_process(res->ctx) == 0;
}

/* ---- what came back -------------------------------------------------- */

static void
mx_back(void *arg, int err, struct ub_result *result)
{
	struct chk_query *q = arg;

	q->out = false;
	q->job->outstanding--;
	q->job->mx = result;
	q->job->mx_err = err;
	q->job->mx_back = true;
}

/* As the module's lookup.c reads an answer for (name, type). */
static void
interpret(int err, const struct ub_result *r, int qtype, struct chk_type *out)
{
	unsigned n = 0;

	memset(&out->fact, 0, sizeof(out->fact));
	out->known = true;
	out->fact.kind = MXG_FACT_FAILED;
	if (err != 0 || r == NULL || r->bogus ||
	    (r->rcode != RCODE_NOERROR && r->rcode != RCODE_NXDOMAIN))
		return;
	while (r->havedata && r->data[n] != NULL)
		n++;
	if (qtype == RR_A)
		out->fact.a_count = n;
	else
		out->fact.aaaa_count = n;
	out->fact.ttl = r->ttl < 0 ? 0 : (uint32_t)r->ttl;
	/* libunbound names the end of a CNAME chain that starts at qname. */
	if (r->canonname != NULL) {
		out->fact.kind = MXG_FACT_ALIAS;
		if (mxg_dname_from_text(out->canonical, r->canonname) > 0)
			out->fact.canonical = out->canonical;
	} else if (n > 0)
		out->fact.kind = MXG_FACT_ADDRESSES;
	else if (r->rcode == RCODE_NXDOMAIN)
		out->fact.kind = MXG_FACT_NXDOMAIN;
	else
		out->fact.kind = MXG_FACT_NODATA;
}

static void
address_back(void *arg, int err, struct ub_result *result)
{
	struct chk_query *q = arg;
	struct chk_job *job = q->job;
	size_t k = (size_t)(q - job->queries) - 1;

	q->out = false;
	job->outstanding--;
	interpret(err, result, k % 2 ? RR_AAAA : RR_A, &job->types[k / 2][k % 2]);
	if (result != NULL)
		ub_resolve_free(result);
}

/* ---- moving a job on ------------------------------------------------- */

static bool
ask(struct chk_job *job, size_t k, const uint8_t *name, int qtype,
    ub_callback_type cb)
{
	char text[MXG_DNAME_TEXTLEN];
	struct chk_query *q = &job->queries[k];

	mxg_dname_to_text(text, sizeof(text), name);
	q->job = job;
	if (ub_resolve_async(job->res->ctx, text, qtype, 1, q, cb, &q->id) != 0)
		return false;
	q->out = true;
	job->outstanding++;
	job->result.queries++;
	return true;
}

static void
finish(struct chk_job *job, enum chk_status status)
{
	job->result.status = status;
	job->phase = PHASE_DONE;
}

/* The MX records as the engine takes them: rdlength, then RDATA. */
static bool
parse_mx(struct chk_job *job)
{
	const struct ub_result *r = job->mx;
	size_t n = 0, i, total = 0, off = 0, size;

	while (r->data[n] != NULL)
		n++;
	for (i = 0; i < n; i++)
		total += 2 + (size_t)r->len[i];
	size = mxg_analysis_size(n);
	if ((job->items = malloc(total ? total : 1)) == NULL ||
	    (job->item_ptrs = calloc(n, sizeof(*job->item_ptrs))) == NULL ||
	    (job->item_lens = calloc(n, sizeof(*job->item_lens))) == NULL ||
	    (job->mem = malloc(size)) == NULL ||
	    !mxg_analysis_init(&job->an, job->mem, size, n))
		return false;
	for (i = 0; i < n; i++) {
		job->items[off] = (uint8_t)((unsigned)r->len[i] >> 8);
		job->items[off + 1] = (uint8_t)r->len[i];
		memcpy(job->items + off + 2, r->data[i], (size_t)r->len[i]);
		job->item_ptrs[i] = job->items + off;
		job->item_lens[i] = 2 + (size_t)r->len[i];
		off += job->item_lens[i];
	}
	return mxg_answer_parse(job->an.answer, job->owner,
	    mxg_dname_len(job->owner, MXG_DNAME_MAXLEN), job->item_ptrs,
	    job->item_lens, n, job->res->set->max_exchanges);
}

static enum chk_dnssec
dnssec_of(const struct chk_job *job, const struct ub_result *r)
{
	if (r->bogus)
		return CHK_DNSSEC_BOGUS;
	if (!job->res->validating)
		return CHK_DNSSEC_UNCHECKED;
	return r->secure ? CHK_DNSSEC_SECURE : CHK_DNSSEC_INSECURE;
}

static void
start_addresses(struct chk_job *job)
{
	struct mxg_answer *ans = job->an.answer;
	size_t i, n = ans->exchange_count;

	struct chk_query *q;

	/* The MX query is back, so the array may move under it. */
	job->types = calloc(n ? n : 1, sizeof(*job->types));
	q = realloc(job->queries, (1 + 2 * n) * sizeof(*q));
	if (job->types == NULL || q == NULL) {
		job->result.error = "out of memory";
		finish(job, CHK_STATUS_ERROR);
		return;
	}
	job->queries = q;
	job->query_count = 1 + 2 * n;
	memset(job->queries + 1, 0, 2 * n * sizeof(*job->queries));
	for (i = 0; i < n; i++) {
		if (!ans->exchanges[i].lookup)
			continue;
		/* A lookup that cannot even be asked says nothing. */
		if (!ask(job, 1 + 2 * i, ans->exchanges[i].name, RR_A,
		    address_back))
			interpret(-1, NULL, RR_A, &job->types[i][0]);
		if (!ask(job, 2 + 2 * i, ans->exchanges[i].name, RR_AAAA,
		    address_back))
			interpret(-1, NULL, RR_AAAA, &job->types[i][1]);
	}
	job->phase = PHASE_ADDRESSES;
}

static void
take_mx(struct chk_job *job)
{
	const struct ub_result *r = job->mx;

	if (job->mx_err != 0 || r == NULL) {
		job->result.error = ub_strerror(job->mx_err);
		finish(job, CHK_STATUS_ERROR);
		return;
	}
	job->result.dnssec = dnssec_of(job, r);
	job->result.rcode = r->rcode;
	if (r->bogus)
		finish(job, CHK_STATUS_BOGUS);
	else if (r->rcode == RCODE_NXDOMAIN)
		finish(job, CHK_STATUS_NXDOMAIN);
	else if (r->rcode != RCODE_NOERROR)
		finish(job, CHK_STATUS_SERVFAIL);
	else if (!r->havedata)
		finish(job, CHK_STATUS_NO_MX);
	else if (!parse_mx(job)) {
		job->result.error = "out of memory";
		finish(job, CHK_STATUS_ERROR);
	} else
		start_addresses(job);
}

/* Merge each exchange's two results and let the engine decide. */
static void
judge(struct chk_job *job)
{
	struct mxg_answer *ans = job->an.answer;
	size_t i;

	for (i = 0; i < ans->exchange_count; i++) {
		struct chk_type *t = job->types[i];

		mxg_answer_set_results(ans, i, t[0].known ? &t[0].fact : NULL,
		    t[1].known ? &t[1].fact : NULL);
	}
	if (!mxg_analysis_run(&job->an, job->res->set)) {
		job->result.error = "the analysis failed";
		finish(job, CHK_STATUS_ERROR);
		return;
	}
	job->result.an = &job->an;
	finish(job, CHK_STATUS_OK);
}

/* The deadline: what is still out is cancelled, and counts as such. */
static void
cut_off(struct chk_job *job)
{
	size_t k;

	for (k = 0; k < job->query_count; k++)
		if (job->queries[k].out) {
			ub_cancel(job->res->ctx, job->queries[k].id);
			job->queries[k].out = false;
			if (k > 0)
				job->result.lookups_timed_out++;
		}
	job->outstanding = 0;
	job->result.timeout = job->res->timeout;
	if (job->phase == PHASE_MX)
		finish(job, CHK_STATUS_TIMEOUT);
	else
		judge(job);
}

struct chk_job *
chk_job_start(struct chk_resolver *res, const char *text, const uint8_t *wire)
{
	struct chk_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return NULL;
	job->res = res;
	job->deadline = chk_now() + res->timeout;
	job->query_count = 1;
	if ((job->text = strdup(text)) == NULL ||
	    (job->queries = calloc(1, sizeof(*job->queries))) == NULL) {
		chk_job_free(job);
		return NULL;
	}
	memcpy(job->owner, wire, mxg_dname_len(wire, MXG_DNAME_MAXLEN));
	job->result.text = job->text;
	job->result.rcode = -1;
	job->result.owner = job->owner;
	if (!ask(job, 0, job->owner, RR_MX, mx_back)) {
		job->result.error = "libunbound refused the query";
		finish(job, CHK_STATUS_ERROR);
	}
	return job;
}

bool
chk_job_step(struct chk_job *job, double now)
{
	if (job->phase == PHASE_MX && job->mx_back)
		take_mx(job);
	if (job->phase == PHASE_ADDRESSES && job->outstanding == 0)
		judge(job);
	if (job->phase != PHASE_DONE && now >= job->deadline)
		cut_off(job);
	return job->phase == PHASE_DONE;
}

double
chk_job_left(const struct chk_job *job, double now)
{
	return job->deadline > now ? job->deadline - now : 0;
}

const struct chk_result *
chk_job_result(const struct chk_job *job)
{
	return &job->result;
}

void
chk_job_free(struct chk_job *job)
{
	size_t k;

	if (job == NULL)
		return;
	for (k = 0; k < job->query_count && job->queries; k++)
		if (job->queries[k].out)
			ub_cancel(job->res->ctx, job->queries[k].id);
	if (job->mx != NULL)
		ub_resolve_free(job->mx);
	free(job->items);
	free(job->item_ptrs);
	free(job->item_lens);
	free(job->mem);
	free(job->types);
	free(job->queries);
	free(job->text);
	free(job);
}
