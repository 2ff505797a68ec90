/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * police.c - one MX answer, from the moment it comes back up the module
 * chain (module_event_moddone) until it is handed on, policed.
 *
 *   moddone:  find the MX rrset, let the engine parse it, take what the
 *             cache knows about the exchanges;
 *             prefetch wait: sub-queries for the rest, wait for them;
 *             prefetch background: detached sub-queries, go on;
 *   resume:   (all sub-queries back) merge facts, decide, apply, log.
 *
 * Any failure of our own leaves the answer as it came (fail open).
 */
#include "config.h"
#include "util/module.h"
#include "util/regional.h"
#include "util/log.h"
#include "util/net_help.h"
#include "services/cache/dns.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "sldns/rrdef.h"

#include "mxguard/analysis.h"
#include "mxguard/dname.h"
#include "glue.h"

static bool
is_policed(struct module_qstate *qstate)
{
	struct reply_info *rep;

	if (qstate->qinfo.qtype != LDNS_RR_TYPE_MX ||
	    qstate->qinfo.qclass != LDNS_RR_CLASS_IN ||
	    !qstate->return_msg || !(rep = qstate->return_msg->rep))
		return false;
	/*
	 * Bogus answers are policed too: they keep their bogus status, so
	 * CD=0 clients still get SERVFAIL, but Unbound hands bogus data to
	 * CD=1 clients, from the cache as well, and those must not get an
	 * unpoliced MX set either.  Errors are not ours.
	 */
	return FLAGS_GET_RCODE(rep->flags) == LDNS_RCODE_NOERROR &&
	    qstate->return_rcode == LDNS_RCODE_NOERROR;
}

/*
 * Lay out the per-answer state and the engine's arena in region, and
 * let the engine parse the MX rrset.  The answer is known by qname, the
 * name the client asked, which differs from the rrset's owner when a
 * CNAME leads to it: exempt-domain and the statistics use that name on
 * every path, as cache hits only ever see the query.  NULL when memory
 * ran out.
 */
struct mxg_query *
mxg_query_new(struct regional *region, struct ub_packed_rrset_key *mx,
    const uint8_t *qname, size_t qname_len, const struct mxg_settings *set,
    const struct mxg_hash_key *key)
{
	struct packed_rrset_data *d = mx->entry.data;
	struct mxg_query *q;
	size_t size = mxg_analysis_size(d->count);
	void *mem;

	if (!(q = regional_alloc_zero(region, sizeof(*q))) ||
	    !(mem = regional_alloc(region, size)) ||
	    !mxg_analysis_init(&q->an, mem, size, d->count))
		return NULL;
	q->mx = mx;
	q->an.answer->key = key;
	if (!mxg_answer_parse(q->an.answer, qname, qname_len,
	    (const uint8_t *const *)d->rr_data, d->rr_len, d->count,
	    set->max_exchanges))
		return NULL;
	q->lookups = regional_alloc_zero(region,
	    sizeof(*q->lookups) * (q->an.answer->exchange_count + 1));
	return q->lookups ? q : NULL;
}

/*
 * Count the answer, cached for ttl; log its decision when it has faults
 * and is not the one logged for the domain within the TTL before, and
 * its distribution when new or changed.
 */
static void
account(struct mxg_env *me, const struct mxg_query *q, time_t ttl,
    time_t now)
{
	struct mxg_stats_shard *shard = mxg_thread_shard(me);
	const struct mxg_analysis *an = &q->an;
	uint64_t decision = an->decision->faulty ?
	    mxg_decision_fingerprint(an->answer, an->decision) : 0;
	char line[MXG_LOGLINE];
	unsigned fresh;

	if (q->subqueries)
		mxg_stats_add(shard, MXG_STAT_PREFETCHES, q->subqueries);
	fresh = mxg_stats_record(me->stats, shard, an, decision, now + ttl, now);
	if ((fresh & MXG_STATS_NEW_DECISION) && mxg_log_allowed(me, now)) {
		mxg_decision_render(line, sizeof(line), an->answer, an->decision);
		log_info("mxguard: %s", line);
	}
	if (!(fresh & MXG_STATS_NEW_DISTRIBUTION) ||
	    !me->settings->log_distribution || !mxg_log_allowed(me, now))
		return;
	mxg_distribution_render(line, sizeof(line), an->distribution);
	log_info("mxguard: %s", line);
	mxg_stats_add(shard, MXG_STAT_DISTRIBUTIONS_LOGGED, 1);
}

/* Decide on the facts known so far; false leaves the answer as it is. */
static bool
judge(const struct mxg_settings *set, struct mxg_query *q)
{
	mxg_lookup_facts(q);
	if (mxg_analysis_run(&q->an, set))
		return true;
	log_err("mxguard: analysis failed; answer passed unchanged");
	return false;
}

static enum module_ext_state
finish(struct module_qstate *qstate, struct mxg_env *me, struct mxg_query *q)
{
	const struct mxg_settings *set = me->settings;
	/* A decision stands as long as the MX set it was made on. */
	time_t ttl = ((struct packed_rrset_data *)q->mx->entry.data)->ttl;

	if (q->phase == MXG_PHASE_WAIT)
		mxg_ledger_wait_end(mxg_thread_ledger(me));
	q->phase = MXG_PHASE_DONE;
	if (!judge(set, q))
		return module_finished;
	switch (q->an.decision->action) {
	case MXG_ACTION_SERVFAIL:
		mxg_reply_servfail(qstate, q, set->servfail_ttl);
		break;
	case MXG_ACTION_CHANGE:
	case MXG_ACTION_KEEP:
		if (!mxg_reply_apply(qstate, q, set->additional))
			log_err("mxguard: out of memory; answer passed unchanged");
		break;
	}
	verbose(VERB_QUERY, "mxguard: %s: %zu records, %zu faulty, %zu "
	    "dropped, %zu rewritten, %zu unchecked", mxg_action_name(
	    q->an.decision->action), q->an.answer->record_count,
	    q->an.decision->faulty, q->an.decision->dropped,
	    q->an.decision->rewritten, q->an.decision->unchecked);
	account(me, q, ttl, *qstate->env->now);
	return module_finished;
}

/*
 * The exchanges' lookups may take minutes when their servers are down,
 * longer than Unbound keeps clients waiting, so the clients still
 * waiting at the deadline (deadline.c) are answered from the cache.
 * Before the wait, and each time a lookup comes back with a new fault:
 * police the answer with what is known now (what is not fails open)
 * and store it there.  True when that is a SERVFAIL: it is final, as
 * more facts only add faults, and the caller answers it at once rather
 * than at the deadline, where Unbound 1.26 does not serve a cached
 * SERVFAIL.  The lookups still out go on, detached, and warm the
 * cache.  The final answer replaces the stored one.
 */
static bool
police_so_far(struct module_qstate *qstate, const struct mxg_settings *set,
    struct mxg_query *q)
{
	struct reply_info *old = qstate->return_msg->rep, *rep;

	q->provisional = true;
	if (!judge(set, q))
		return false;
	if (q->an.decision->action == MXG_ACTION_SERVFAIL)
		return true;
	/* Once stored, only a new fault changes what the clients get. */
	if (q->phase == MXG_PHASE_WAIT &&
	    q->an.decision->faulty == q->stored_faulty)
		return false;
	q->stored_faulty = q->an.decision->faulty;
	if ((rep = mxg_reply_rebuild(qstate->region, old, q,
	    mxg_reply_additional(qstate->env, set->additional))) != NULL &&
	    rep != old)
		mxg_reply_store(qstate, rep);
	return false;
}

/*
 * A query without RD (cache snooping, allowed by allow_snoop) asks what
 * the cache holds and must start no recursion: its exchanges are judged
 * on the cache alone, as with prefetch: off.  Its answer is not stored
 * either, as the validator stores no message for it: the next recursive
 * query is then policed on complete facts.
 */
static enum mxg_prefetch
prefetch_mode(struct module_qstate *qstate, const struct mxg_settings *set)
{
	if (!(qstate->query_flags & BIT_RD)) {
		qstate->no_cache_store = 1;
		return MXG_PREFETCH_OFF;
	}
	/*
	 * A bogus answer is SERVFAIL for a client that does not set CD,
	 * and its exchange names are unauthenticated: nobody is to send
	 * queries to them on its account.
	 */
	if (qstate->return_msg->rep->security == sec_status_bogus &&
	    !(qstate->query_flags & BIT_CD))
		return MXG_PREFETCH_OFF;
	return set->prefetch;
}

/* Wait up to ms for the lookups; when they take longer, see resume. */
static void
set_deadline(struct module_qstate *qstate, struct mxg_query *q, int ms)
{
	struct timeval wait;

	wait.tv_sec = ms / 1000;
	wait.tv_usec = (ms % 1000) * 1000;
	timeradd(qstate->env->now_tv, &wait, &q->deadline);
	if (!mxg_deadline_arm(qstate, ms))
		log_err("mxguard: out of memory arming the lookup deadline");
}

enum module_ext_state
mxg_police_moddone(struct module_qstate *qstate, int id, struct mxg_env *me)
{
	const struct mxg_settings *set = me->settings;
	struct ub_packed_rrset_key *mx;
	struct mxg_query *q;
	enum mxg_prefetch mode;

	if (!is_policed(qstate))
		return module_finished;
	mx = reply_find_answer_rrset(&qstate->qinfo, qstate->return_msg->rep);
	if (!mx)
		return module_finished;		/* NODATA: nothing to police */
	if (!(q = mxg_query_new(qstate->region, mx, qstate->qinfo.qname,
	    qstate->qinfo.qname_len, set, &me->name_key))) {
		log_err("mxguard: out of memory; answer passed unchanged");
		return module_finished;
	}
	qstate->minfo[id] = q;
	mxg_lookup_cached(qstate, q);
	mode = prefetch_mode(qstate, set);
	if (mode == MXG_PREFETCH_WAIT &&
	    !mxg_ledger_may_wait(mxg_thread_ledger(me), set)) {
		verbose(VERB_ALGO, "mxguard: as many answers wait as the "
		    "budget allows: lookups in the background");
		mode = MXG_PREFETCH_BACKGROUND;
	}
	if (verbosity >= VERB_ALGO)
		log_query_info(VERB_ALGO, "mxguard: policing", &qstate->qinfo);
	verbose(VERB_ALGO, "mxguard: %zu records, %zu exchanges, %zu to "
	    "look up, prefetch %s", q->an.answer->record_count,
	    q->an.answer->exchange_count, q->an.answer->lookup_count,
	    mode == MXG_PREFETCH_WAIT ? "wait" : mode ==
	    MXG_PREFETCH_BACKGROUND ? "background" : "off");
	switch (mode) {
	case MXG_PREFETCH_WAIT:
		if (mxg_lookup_attach(qstate, id, q, me) > 0 &&
		    !police_so_far(qstate, set, q)) {
			q->phase = MXG_PHASE_WAIT;
			mxg_ledger_wait_begin(mxg_thread_ledger(me));
			set_deadline(qstate, q, mxg_deadline_ms(qstate->env));
			verbose(VERB_ALGO, "mxguard: waiting for %zu lookups",
			    q->outstanding);
			return module_wait_subquery;
		}
		break;
	case MXG_PREFETCH_BACKGROUND:
		(void)mxg_lookup_detach(qstate, id, q, me);
		break;
	case MXG_PREFETCH_OFF:
		break;
	}
	return finish(qstate, me, q);
}

/*
 * A lookup came back.  Past the deadline the clients have had their
 * answer from the cache, and waiting on would only keep this query in
 * Unbound's mesh, where num-queries-per-thread no longer counts it, for
 * as long as the slowest exchange's servers take: it ends now with what
 * is known.  The lookups still out go on detached, warm the cache, and
 * stay in the thread's budget until Unbound ends them.  A module runs
 * only when Unbound gives it an event, so this is the first lookup back
 * after the deadline, not the deadline itself.
 */
enum module_ext_state
mxg_police_resume(struct module_qstate *qstate, struct mxg_env *me,
    struct mxg_query *q)
{
	if (q->outstanding > 0 && timercmp(qstate->env->now_tv, &q->deadline, <) &&
	    !police_so_far(qstate, me->settings, q))
		return module_wait_subquery;
	if (q->outstanding > 0)
		verbose(VERB_ALGO, "mxguard: past the deadline or decided: "
		    "done, %zu lookups go on detached", q->outstanding);
	return finish(qstate, me, q);
}
