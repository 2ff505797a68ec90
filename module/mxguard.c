/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxguard.c - the dynlib entry points: init, deinit, operate,
 * inform_super, clear, get_mem.
 *
 * Unbound's dynlib module looks these six up by name.  They are the only
 * symbols the module exports (everything else is built hidden), so
 * nothing of ours can clash with Unbound's own symbols.
 */
#include "config.h"
#include "util/module.h"
#include "util/log.h"
#include "util/config_file.h"
#include "sldns/rrdef.h"
#include "dynlibmod/dynlibmod.h"

#include "mxguard/config.h"
#include "mxguard/stats.h"
#include "build-info.h"
#include "glue.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int init(struct module_env *env, int id);
EXPORT void deinit(struct module_env *env, int id);
EXPORT void operate(struct module_qstate *qstate, enum module_ev event,
    int id, struct outbound_entry *outbound);
EXPORT void inform_super(struct module_qstate *qstate, int id,
    struct module_qstate *super);
EXPORT void clear(struct module_qstate *qstate, int id);
EXPORT size_t get_mem(struct module_env *env, int id);

static struct mxg_env *
module_env_of(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];

	return de ? de->dyn_env : NULL;
}

/* Configuration errors, one log line each: "mxguard: FILE:LINE: what". */
static void
report_config_error(void *arg, const char *file, unsigned line,
    const char *message)
{
	(void)arg;
	/* Line 0: the file as a whole; written as checkconf writes it. */
	log_err("mxguard: %s:%u: %s", file, line, message);
}

static struct mxg_settings *
load_settings(struct module_env *env)
{
	char path[4096];
	enum mxg_config_origin origin;
	struct mxg_settings *set;

	origin = mxg_config_locate(path, sizeof(path), getenv(MXG_CONF_ENV),
	    env->cfg->directory, env->cfg->chrootdir);
	switch (origin) {
	case MXG_CONF_ORIGIN_TOO_LONG:
		log_err("mxguard: the configuration file's path is too long");
		return NULL;
	case MXG_CONF_ORIGIN_NONE:
		set = mxg_config_load(NULL, 0, report_config_error, NULL);
		break;
	case MXG_CONF_ORIGIN_ENV:
		set = mxg_config_load(path, 0, report_config_error, NULL);
		break;
	case MXG_CONF_ORIGIN_DIRECTORY:
	default:
		set = mxg_config_load(path, MXG_CONF_MISSING_OK,
		    report_config_error, NULL);
		break;
	}
	if (!set)
		return NULL;
	if (set->source)
		log_info("mxguard: settings from %s", set->source);
	else
		log_info("mxguard: no configuration file (looked for %s): "
		    "built-in defaults", origin == MXG_CONF_ORIGIN_NONE ?
		    MXG_CONF_BASENAME : path);
	return set;
}

/*
 * Answers served from the message cache never reach operate(): Unbound
 * calls this instead, for every client answer it takes from the cache.
 * Count the MX ones in the thread's own table; touch nothing else (no
 * allocation, no lock but when that table must be folded in).
 * Unbound holds the message's and its rrsets' locks around this call,
 * and another thread storing the same message waits for them with a
 * slab of the cache locked: the periodic report is made in operate().
 */
static int
reply_cache_cb(struct query_info *qinfo, struct module_qstate *qstate,
    struct reply_info *rep, int rcode, struct edns_data *edns,
    struct edns_option **opt_list_out, struct comm_reply *repinfo,
    struct regional *region, struct timeval *start_time, int id,
    void *arg)
{
	struct mxg_env *me = arg;
	struct ub_packed_rrset_key *first;
	time_t now;

	(void)qstate; (void)rcode; (void)edns; (void)opt_list_out;
	(void)repinfo; (void)region; (void)id;
	/* Most answers are not MX: done without a call, or a stack frame. */
	if (qinfo->qtype != LDNS_RR_TYPE_MX || qinfo->qclass != LDNS_RR_CLASS_IN)
		return 1;
	/*
	 * Most MX answers start with the MX rrset, owned by the query name
	 * as the client wrote it: what mxg_reply_was_policed() finds first,
	 * but without its case-insensitive walk of both names.  Any other
	 * answer gets the full check.
	 */
	if (!(rep->an_numrrsets > 0 &&
	    (rep->flags & 0xf) == LDNS_RCODE_NOERROR &&
	    (first = rep->rrsets[0])->rk.type == htons(LDNS_RR_TYPE_MX) &&
	    first->rk.rrset_class == htons(LDNS_RR_CLASS_IN) &&
	    first->rk.dname_len == qinfo->qname_len &&
	    mxg_octets_equal(first->rk.dname, qinfo->qname,
	    qinfo->qname_len)) &&
	    !mxg_reply_was_policed(qinfo, rep))
		return 1;
	now = start_time ? start_time->tv_sec : time(NULL);
	/* The thread's shard is remembered after its first hit. */
	if (!mxg_stats_cache_hit_here(me->stats, qinfo->qname,
	    qinfo->qname_len, now)) {
		struct mxg_stats_shard *sh = mxg_thread_shard(me);

		mxg_stats_set_thread_shard(me->stats, sh);
		mxg_stats_cache_hit(me->stats, sh, qinfo->qname,
		    qinfo->qname_len, now);
	}
	return 1;
}

static bool
ledgers_start(struct mxg_env *me)
{
	size_t i;

	for (i = 0; i < me->threads; i++)
		if (!(me->ledgers[i] = mxg_ledger_new(
		    me->settings->lookups_per_thread)))
			return false;
	return true;
}

static void
ledgers_stop(struct mxg_env *me)
{
	size_t i;

	for (i = 0; i < me->threads; i++) {
		mxg_ledger_free(me->ledgers[i]);
		me->ledgers[i] = NULL;
	}
}

static bool
stats_start(struct module_env *env, int id, struct mxg_env *me)
{
	struct dynlibmod_env *de = env->modinfo[id];
	int threads = env->cfg->num_threads;

	me->threads = threads < 1 ? 1 : threads > MXG_THREADS_MAX ?
	    MXG_THREADS_MAX : (size_t)threads;
	pthread_mutex_init(&me->thread_lock, NULL);
	if (!(me->stats = mxg_stats_new(me->threads,
	    me->settings->stats_max_domains, me->settings->stats_max_memory,
	    time(NULL))))
		return false;
	if (!(me->reporter = mxg_reporter_start(me)))
		return false;
	if (!ledgers_start(me))
		return false;
	return de->inplace_cb_register_wrapped((void *)&reply_cache_cb,
	    inplace_cb_reply_cache, me, env, id) != 0;
}

static void
stats_stop(struct module_env *env, int id, struct mxg_env *me)
{
	struct dynlibmod_env *de = env->modinfo[id];

	de->inplace_cb_delete_wrapped(env, inplace_cb_reply_cache, id);
	mxg_reporter_stop(me->reporter);
	me->reporter = NULL;
	ledgers_stop(me);
	mxg_stats_free(me->stats);
	me->stats = NULL;
	pthread_mutex_destroy(&me->thread_lock);
}

static void
warn_inconsistent(struct module_env *env, const struct mxg_settings *set)
{
	if (set->additional && env->cfg->minimal_responses)
		log_warn("mxguard: additional: yes has no visible effect with "
		    "Unbound's minimal-responses: yes (clients see no "
		    "additional section)");
}

EXPORT int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct mxg_env *me;

	if (!(me = calloc(1, sizeof(*me)))) {
		log_err("mxguard: out of memory");
		return 0;
	}
	if (!(me->settings = load_settings(env))) {
		log_err("mxguard: configuration failed; not starting");
		free(me);
		return 0;
	}
	warn_inconsistent(env, me->settings);
	if (!mxg_hash_key_random(&me->name_key))
		log_warn("mxguard: no randomness from the kernel: the hash key "
		    "is made from the time and the process");
	mxg_bucket_init(&me->log_bucket, (unsigned)me->settings->log_rate,
	    (unsigned)me->settings->log_rate * MXG_LOG_BURST_SECONDS,
	    time(NULL));
	de->dyn_env = me;
	if (!stats_start(env, id, me)) {
		log_err("mxguard: out of memory starting the statistics");
		stats_stop(env, id, me);
		mxg_bucket_destroy(&me->log_bucket);
		mxg_config_free(me->settings);
		free(me);
		de->dyn_env = NULL;
		return 0;
	}
	log_info("mxguard %s loaded (built for Unbound %s)",
	    MXG_VERSION, MXG_UNBOUND_VERSION);
	return 1;
}

EXPORT void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct mxg_env *me;

	if (!de || !(me = de->dyn_env))
		return;
	stats_stop(env, id, me);
	mxg_bucket_destroy(&me->log_bucket);
	mxg_config_free(me->settings);
	free(me);
	de->dyn_env = NULL;
	log_info("mxguard: unloaded");
}

EXPORT void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	struct mxg_env *me = module_env_of(qstate->env, id);
	struct mxg_query *q = qstate->minfo[id];

	(void)outbound;
	/* Unbound holds none of its locks here: the place for the report. */
	if (me)
		mxg_reporter_tick(me, *qstate->env->now);
	switch (event) {
	case module_event_new:
		qstate->minfo[id] = NULL;
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_pass:
		/* After inform_super: our sub-queries are coming back. */
		if (q && q->phase == MXG_PHASE_WAIT)
			qstate->ext_state[id] = mxg_police_resume(qstate, me, q);
		else
			qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_moddone:
		if (!me) {
			qstate->ext_state[id] = module_finished;
			return;
		}
		qstate->ext_state[id] = mxg_police_moddone(qstate, id, me);
		return;
	default:
		/* An error below us: hand it on as it is. */
		qstate->ext_state[id] = module_error;
		return;
	}
}

EXPORT void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	struct mxg_query *q = super->minfo[id];

	if (q && q->phase == MXG_PHASE_WAIT)
		mxg_lookup_inform(qstate, super, q,
		    module_env_of(super->env, id));
}

EXPORT void
clear(struct module_qstate *qstate, int id)
{
	struct mxg_env *me;
	struct mxg_query *q;

	if (!qstate)
		return;
	/*
	 * Ended before its lookups came back (jostled out, flushed, a
	 * reload): the answer it stored for the wait was policed on part
	 * of the facts, and must not be served for the rest of its TTL.
	 */
	q = qstate->minfo[id];
	if (q && q->phase == MXG_PHASE_WAIT && q->provisional &&
	    !qstate->no_cache_store)
		mxg_reply_forget(qstate);
	if (q && q->phase == MXG_PHASE_WAIT &&
	    (me = module_env_of(qstate->env, id)) != NULL)
		mxg_ledger_wait_end(mxg_thread_ledger(me));
	/* Our per-query state lives in the query's region. */
	qstate->minfo[id] = NULL;
}

EXPORT size_t
get_mem(struct module_env *env, int id)
{
	struct mxg_env *me = module_env_of(env, id);

	size_t i, bytes;

	if (!me)
		return 0;
	bytes = sizeof(*me) + mxg_stats_memory(me->stats);
	for (i = 0; i < me->threads; i++)
		bytes += mxg_ledger_memory(me->ledgers[i]);
	return bytes;
}
