/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reply.c - the policed MX answer: built in the query's region, handed
 * to the client and stored in the message cache.
 *
 * Nothing that came from the cache is written to: the new reply_info and
 * the changed MX rrset are fresh region allocations that point at the
 * unchanged rrsets of the old reply.  The changed MX rrset carries
 * MXG_RRSET_FLAG, so that storing the message adds it to the rrset cache
 * beside the upstream rrset instead of over it.  Storing the message is
 * what makes later cache hits, which never reach the module, carry the
 * policed answer too.
 */
#include "config.h"
#include "util/module.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/data/msgreply.h"
#include "util/data/msgparse.h"
#include "util/data/packed_rrset.h"
#include "services/cache/dns.h"
#include "sldns/rrdef.h"
#include "daemon/worker.h"
#include "daemon/daemon.h"

#include "mxguard/dname.h"
#include "glue.h"
#include "compat.h"

/* A packed rrset data block laid out as packed_rrset_ptr_fixup expects. */
static struct packed_rrset_data *
data_alloc(struct regional *region, const struct packed_rrset_data *like,
    size_t count, size_t rdata_total)
{
	struct packed_rrset_data *d;
	size_t size = sizeof(*d) + count * (sizeof(size_t) +
	    sizeof(uint8_t *) + sizeof(time_t)) + rdata_total;

	if (!(d = regional_alloc(region, size)))
		return NULL;
	*d = *like;		/* trust, security, ttl and any newer fields */
	d->count = count;
	d->rrsig_count = 0;
	d->rr_len = (size_t *)((uint8_t *)d + sizeof(*d));
	d->rr_data = (uint8_t **)&d->rr_len[count];
	d->rr_ttl = (time_t *)&d->rr_data[count];
	return d;
}

/*
 * The MX rrset as the decision wants it: dropped records left out,
 * rewritten ones built anew, RRSIGs left out since they no longer cover
 * the set.  Records past the engine's bound are kept as they are.
 */
static struct ub_packed_rrset_key *
policed_mx(struct regional *region, struct mxg_query *q, time_t ttl)
{
	struct ub_packed_rrset_key *old = q->mx, *k;
	struct packed_rrset_data *od = old->entry.data, *d;
	const struct mxg_decision *dec = q->an.decision;
	uint8_t item[2 + 2 + MXG_DNAME_MAXLEN];
	size_t i, n = 0, total = 0, len;
	uint8_t *p;

	for (i = 0; i < od->count; i++) {
		const struct mxg_verdict *v = i < dec->count ? &dec->verdicts[i] : NULL;

		if (v && v->action == MXG_RECORD_DROP)
			continue;
		n++;
		total += (v && v->action == MXG_RECORD_REWRITE) ?
		    2 + 2 + MXG_DNAME_MAXLEN : od->rr_len[i];
	}
	if (!(k = regional_alloc_zero(region, sizeof(*k))) ||
	    !(d = data_alloc(region, od, n, total)))
		return NULL;
	k->rk = old->rk;
	k->rk.flags |= MXG_RRSET_FLAG;
	k->entry.key = k;
	k->entry.data = d;
	k->entry.hash = rrset_key_hash(&k->rk);
	p = (uint8_t *)&d->rr_ttl[n];
	for (i = 0, n = 0; i < od->count; i++) {
		const struct mxg_verdict *v = i < dec->count ? &dec->verdicts[i] : NULL;

		if (v && v->action == MXG_RECORD_DROP)
			continue;
		if (v && v->action == MXG_RECORD_REWRITE) {
			len = mxg_mx_item_build(item, sizeof(item),
			    q->an.answer->records[i].preference, v->new_exchange);
			if (len == 0)
				return NULL;
			memcpy(p, item, len);
		} else {
			len = od->rr_len[i];
			memcpy(p, od->rr_data[i], len);
		}
		d->rr_len[n] = len;
		d->rr_data[n] = p;
		d->rr_ttl[n] = od->rr_ttl[i] < ttl ? od->rr_ttl[i] : ttl;
		p += len;
		n++;
	}
	if (d->ttl > ttl)
		d->ttl = ttl;
	/*
	 * The least trust: where the flag is lost (unbound-control
	 * dump_cache writes no flags, load_cache reads the copy back as
	 * a plain rrset), the upstream rrset always prevails over it.
	 */
	d->trust = rrset_trust_add_noAA;
	/* Changed data is not what was validated. */
	if (d->security == sec_status_secure)
		d->security = sec_status_insecure;
	return k;
}

/* Was a record naming exchange x dropped?  Walks its own records only. */
static bool
exchange_dropped(const struct mxg_query *q, size_t x)
{
	const struct mxg_answer *ans = q->an.answer;
	const struct mxg_decision *dec = q->an.decision;
	size_t r;

	for (r = ans->exchanges[x].first_record;
	    r < ans->record_count && r < dec->count;
	    r = ans->records[r].next_same)
		if (dec->verdicts[r].action != MXG_RECORD_KEEP)
			return true;
	return false;
}

/*
 * Is this rrset name an exchange whose record got dropped?  A hash
 * lookup: an answer may have a thousand exchanges and as many
 * additional rrsets.
 */
static bool
owned_by_dropped(const struct mxg_query *q, const uint8_t *name)
{
	size_t x = mxg_answer_find_exchange(q->an.answer, name);

	return x < q->an.answer->exchange_count && exchange_dropped(q, x);
}

static bool
rep_has_rrset(struct ub_packed_rrset_key **rrsets, size_t n,
    const struct ub_packed_rrset_key *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rrsets[i]->rk.type == k->rk.type &&
		    rrsets[i]->rk.rrset_class == k->rk.rrset_class &&
		    mxg_dname_equal(rrsets[i]->rk.dname, k->rk.dname))
			return true;
	return false;
}

static time_t
rrset_ttl(const struct ub_packed_rrset_key *k)
{
	return ((const struct packed_rrset_data *)k->entry.data)->ttl;
}

/*
 * May this address rrset go into an answer cached for ttl seconds?  Not
 * when it expires first: Unbound drops a cached message as soon as any
 * rrset in it expires, so the MX answer would be resolved again.  Into
 * a secure answer only what validated secure: Unbound serves a secure
 * message from its cache only while every rrset in it is secure, and
 * the validator keeps anything else out of its additional section.
 */
static bool
may_add(const struct ub_packed_rrset_key *k, bool secure_answer, time_t ttl)
{
	const struct packed_rrset_data *d = k->entry.data;

	if (d->security == sec_status_bogus || d->ttl < ttl)
		return false;
	return !secure_answer || d->security == sec_status_secure;
}

/* The exchanges' address rrsets to add: kept exchanges, known addresses. */
static size_t
addresses_to_add(struct mxg_query *q, struct ub_packed_rrset_key **out,
    size_t max, const struct reply_info *old, bool secure_answer, time_t ttl)
{
	const struct mxg_answer *ans = q->an.answer;
	size_t i, n = 0;
	int t;

	for (i = 0; i < ans->exchange_count; i++) {
		const struct mxg_exchange *ex = &ans->exchanges[i];

		if (ex->fact.kind == MXG_FACT_ALIAS || exchange_dropped(q, i))
			continue;
		for (t = 0; t < 2; t++) {
			struct ub_packed_rrset_key *k = q->lookups[i].type[t].addresses;

			if (!k || n >= max || !may_add(k, secure_answer, ttl) ||
			    rep_has_rrset(old->rrsets, old->rrset_count, k) ||
			    rep_has_rrset(out, n, k))
				continue;
			out[n++] = k;
		}
	}
	return n;
}

/*
 * A new reply: the old one's header and rrsets, the MX rrset replaced by
 * mx, additional rrsets of dropped exchanges left out, add[] appended,
 * cached for ttl.
 */
static struct reply_info *
rebuild(struct regional *region, struct reply_info *old,
    struct ub_packed_rrset_key *oldmx, struct ub_packed_rrset_key *mx,
    struct mxg_query *q, struct ub_packed_rrset_key **add, size_t nadd,
    time_t ttl)
{
	struct reply_info *rep;
	size_t total = old->rrset_count + nadd, size, i, n = 0, ar = 0;
	struct ub_packed_rrset_key *k;

	size = sizeof(*rep) + sizeof(struct ub_packed_rrset_key *) * total;
	if (!(rep = regional_alloc(region, size)))
		return NULL;
	*rep = *old;	/* flags, security and any newer fields */
	rep->rrsets = (struct ub_packed_rrset_key **)&rep->ref[0];
	for (i = 0; i < old->rrset_count; i++) {
		k = old->rrsets[i] == oldmx ? mx : old->rrsets[i];
		if (i >= old->an_numrrsets + old->ns_numrrsets) {
			if (owned_by_dropped(q, k->rk.dname))
				continue;
			ar++;
		}
		rep->rrsets[n++] = k;
	}
	for (i = 0; i < nadd; i++, ar++)
		rep->rrsets[n++] = add[i];
	rep->ttl = ttl;
	rep->rrset_count = n;
	rep->ar_numrrsets = ar;
	rep->prefetch_ttl = PREFETCH_TTL_CALC(rep->ttl);
	rep->serve_expired_ttl = rep->ttl + SERVE_EXPIRED_TTL;
	if (mx != oldmx && rep->security == sec_status_secure)
		rep->security = sec_status_insecure;
	return rep;
}

/*
 * How long the policed answer may be cached: as long as the answer
 * (which the validator may have shortened, for bogus data), and a
 * change no longer than the facts it was made on.
 */
static time_t
answer_ttl(const struct reply_info *old, const struct mxg_query *q)
{
	const struct mxg_decision *dec = q->an.decision;

	if (dec->action != MXG_ACTION_KEEP && dec->evidence_ttl != MXG_TTL_NONE &&
	    (time_t)dec->evidence_ttl < old->ttl)
		return (time_t)dec->evidence_ttl;
	return old->ttl;
}

void
mxg_reply_forget(struct module_qstate *qstate)
{
	struct query_info *qi = &qstate->qinfo;

	msg_cache_remove(qstate->env, qi->qname, qi->qname_len, qi->qtype,
	    qi->qclass, qstate->query_flags);
}

/*
 * The leeway is the one Unbound's prefetch gives the query: without it,
 * the rrsets the refreshed answer shares with the one it replaces would
 * keep their old expiry, and the refreshed answer would die with it.
 */
void
mxg_reply_store(struct module_qstate *qstate, struct reply_info *rep)
{
	if (qstate->no_cache_store)
		return;
	/*
	 * Unbound does not cache an answer with TTL 0, and would go on
	 * serving the validator's unpoliced one from the cache instead.
	 */
	if (rep->ttl == 0) {
		mxg_reply_forget(qstate);
		return;
	}
	if (!MXG_DNS_CACHE_STORE(qstate->env, &qstate->qinfo, rep,
	    qstate->prefetch_leeway, NULL, qstate->query_flags,
	    qstate->qstarttime))
		log_err("mxguard: out of memory storing the policed answer");
}

/*
 * Does this resolver rewrite addresses for its clients (response-ip
 * rules, RPZ)?  Then an address in the additional section could differ
 * from what the client gets when it asks for it, and none is added.
 */
bool
mxg_reply_additional(struct module_env *env, bool wanted)
{
	struct worker *worker = env->worker;

	return wanted && !(worker && worker->daemon &&
	    (worker->daemon->use_response_ip || worker->daemon->use_rpz));
}

/*
 * The policed reply for old, in region: old itself when nothing is to
 * change, NULL when memory ran out.  Touches nothing but the region.
 */
struct reply_info *
mxg_reply_rebuild(struct regional *region, struct reply_info *old,
    struct mxg_query *q, bool additional)
{
	struct ub_packed_rrset_key *mx = q->mx, *add[2 * MXG_MAX_EXCHANGES_MAX];
	size_t nadd = 0;
	bool changed = q->an.decision->action == MXG_ACTION_CHANGE;
	bool secure = old->security == sec_status_secure && !changed;
	time_t ttl = answer_ttl(old, q);

	if (additional)
		nadd = addresses_to_add(q, add, sizeof(add) / sizeof(add[0]),
		    old, secure, ttl);
	if (!changed && nadd == 0)
		return old;
	if (changed && !(mx = policed_mx(region, q, ttl)))
		return NULL;
	return rebuild(region, old, q->mx, mx, q, add, nadd, ttl);
}

bool
mxg_reply_apply(struct module_qstate *qstate, struct mxg_query *q,
    bool additional)
{
	struct reply_info *old = qstate->return_msg->rep, *rep;

	if (!(rep = mxg_reply_rebuild(qstate->region, old, q,
	    mxg_reply_additional(qstate->env, additional))))
		return false;
	/* Unchanged: what the validator stored, unless a provisional one is. */
	if (rep == old && !q->provisional)
		return true;
	qstate->return_msg->rep = rep;
	mxg_reply_store(qstate, rep);
	return true;
}

void
mxg_reply_store_servfail(struct module_qstate *qstate, struct mxg_query *q,
    unsigned long servfail_ttl)
{
	struct reply_info err;
	time_t ttl;

	/*
	 * Cached so that cache hits cannot serve the offending MX rrset
	 * meanwhile, the way the iterator caches its own SERVFAIL answers;
	 * no longer than the MX answer and the facts the decision rests
	 * on, and servfail-ttl at most, so a fixed zone is seen soon.
	 */
	memset(&err, 0, sizeof(err));
	err.flags = (uint16_t)(BIT_QR | BIT_RA);
	FLAGS_SET_RCODE(err.flags, LDNS_RCODE_SERVFAIL);
	err.qdcount = 1;
	ttl = answer_ttl(qstate->return_msg->rep, q);
	if (rrset_ttl(q->mx) < ttl)
		ttl = rrset_ttl(q->mx);
	err.ttl = (time_t)servfail_ttl < ttl ? (time_t)servfail_ttl : ttl;
	err.prefetch_ttl = PREFETCH_TTL_CALC(err.ttl);
	err.serve_expired_ttl = err.ttl;
	/*
	 * Not data to validate: served as it is.  Insecure rather than the
	 * indeterminate of the iterator's own SERVFAIL entries tells this
	 * one apart on cache hits (mxg_reply_was_policed).
	 */
	err.security = MXG_SERVFAIL_SECURITY;
	mxg_reply_store(qstate, &err);
}

void
mxg_reply_servfail(struct module_qstate *qstate, struct mxg_query *q,
    unsigned long servfail_ttl)
{
	mxg_reply_store_servfail(qstate, q, servfail_ttl);
	qstate->return_rcode = LDNS_RCODE_SERVFAIL;
	qstate->return_msg = NULL;
}

bool
mxg_reply_was_policed(struct query_info *qinfo, struct reply_info *rep)
{
	switch (FLAGS_GET_RCODE(rep->flags)) {
	case LDNS_RCODE_NOERROR:
		return reply_find_answer_rrset(qinfo, rep) != NULL;
	case LDNS_RCODE_SERVFAIL:
		return rep->rrset_count == 0 &&
		    rep->security == MXG_SERVFAIL_SECURITY;
	default:
		return false;
	}
}
