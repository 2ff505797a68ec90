/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lookup.c - what the exchanges of an MX answer resolve to: taken from
 * Unbound's caches, or asked for with sub-queries.
 *
 * Each exchange the engine marked for lookup gets an A and an AAAA
 * result.  A message in the cache answers at once; what is missing is
 * asked for with attach_sub (prefetch: wait; the answer comes back
 * through inform_super) or add_sub (prefetch: background; detached, the
 * result only warms the cache).  Either way the iterator stores the
 * address answers in the message cache, which is what makes the MTA's
 * next queries cache hits.  Sub-queries go through Unbound's mesh, which
 * merges identical ones, so an exchange already being resolved is not
 * asked for twice.  At most 2 x max-exchanges are sent per answer.
 *
 * Unbound applies its local zones, views and RPZ QNAME triggers to
 * client queries only, in the worker: the sub-queries see public data.
 * An exchange whose name one of them covers is therefore not looked up
 * at all and stays unchecked (fail open), since what the mail server
 * gets for it from this resolver may differ from what the sub-query
 * would see.
 */
#include "config.h"
#include "util/module.h"
#include "util/log.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "services/cache/dns.h"
#include "services/localzone.h"
#include "services/view.h"
#include "services/authzone.h"
#include "services/rpz.h"
#include "daemon/worker.h"
#include "daemon/daemon.h"
#include "util/data/dname.h"
#include "sldns/rrdef.h"

#include "mxguard/dname.h"
#include "glue.h"
#include "compat.h"

static const uint16_t addr_qtype[2] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };

/* The target of a CNAME rrset's first record, or NULL if malformed. */
static const uint8_t *
cname_target(struct ub_packed_rrset_key *rrset)
{
	struct packed_rrset_data *d = rrset->entry.data;

	if (!d || d->count < 1 || d->rr_len[0] < 3)
		return NULL;
	if (mxg_dname_len(d->rr_data[0] + 2, d->rr_len[0] - 2) == 0)
		return NULL;
	return d->rr_data[0] + 2;
}

static time_t
rrset_ttl(const struct ub_packed_rrset_key *k)
{
	return ((const struct packed_rrset_data *)k->entry.data)->ttl;
}

/* A relative TTL as the engine keeps it. */
static uint32_t
fact_ttl(time_t ttl)
{
	return ttl < 0 ? 0 : ttl > (time_t)UINT32_MAX ? UINT32_MAX : (uint32_t)ttl;
}

/*
 * Read what an answer for (qname, qtype) says: an alias when a CNAME
 * chain (also one synthesized from a DNAME) starts at qname, addresses
 * when the end of the chain has records of qtype, else NXDOMAIN or
 * NODATA.  A bogus or failed answer says nothing (fail open).  The
 * address rrset and canonical name are copied into region, since the
 * answer may belong to a sub-query that is about to be freed.
 */
static void
interpret(struct regional *region, const uint8_t *qname, uint16_t qtype,
    int rcode, struct reply_info *rep, struct mxg_type_lookup *out)
{
	const uint8_t *name = qname, *target;
	struct ub_packed_rrset_key *found = NULL, *s;
	bool alias = false;
	time_t chain_ttl = rep ? rep->ttl : 0;
	size_t i;

	memset(&out->fact, 0, sizeof(out->fact));
	out->addresses = NULL;
	out->known = true;
	out->fact.kind = MXG_FACT_FAILED;
	if (!rep || (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
	    || rep->security == sec_status_bogus)
		return;
	for (i = 0; i < rep->an_numrrsets && i < rep->rrset_count; i++) {
		s = rep->rrsets[i];
		if (!mxg_dname_equal(s->rk.dname, name))
			continue;
		if (ntohs(s->rk.type) == LDNS_RR_TYPE_CNAME &&
		    (target = cname_target(s)) != NULL) {
			name = target;
			if (!alias || rrset_ttl(s) < chain_ttl)
				chain_ttl = rrset_ttl(s);
			alias = true;
		} else if (ntohs(s->rk.type) == qtype)
			found = s;
	}
	if (found) {
		struct packed_rrset_data *d = found->entry.data;
		unsigned n = d ? (unsigned)d->count : 0;

		if (qtype == LDNS_RR_TYPE_A)
			out->fact.a_count = n;
		else
			out->fact.aaaa_count = n;
		if (n > 0)
			out->addresses = packed_rrset_copy_region(found, region, 0);
	}
	/*
	 * How long the fact holds: an alias as long as its chain, a
	 * negative answer as long as the message (its SOA's TTL).
	 */
	out->fact.ttl = fact_ttl(alias ? chain_ttl : found ? rrset_ttl(found) :
	    rep->ttl);
	if (alias) {
		out->fact.kind = MXG_FACT_ALIAS;
		out->fact.canonical = regional_alloc_init(region, name,
		    mxg_dname_len(name, MXG_DNAME_MAXLEN));
	} else if (found && (out->fact.a_count || out->fact.aaaa_count))
		out->fact.kind = MXG_FACT_ADDRESSES;
	else if (rcode == LDNS_RCODE_NXDOMAIN)
		out->fact.kind = MXG_FACT_NXDOMAIN;
	else
		out->fact.kind = MXG_FACT_NODATA;
}

/*
 * The closest local zone enclosing name, read-locked, or NULL.  Takes
 * the tree's lock for the search, as Unbound does, then the zone's.
 */
static struct local_zone *
closest_zone(struct local_zones *zones, uint8_t *name, size_t len)
{
	struct local_zone *z;
	int labs = dname_count_labels(name);

	lock_rw_rdlock(&zones->lock);
	while ((z = local_zones_find(zones, name, len, labs,
	    LDNS_RR_CLASS_IN)) == NULL && labs > 1) {
		dname_remove_label(&name, &len);
		labs--;
	}
	if (z)
		lock_rw_rdlock(&z->lock);
	lock_rw_unlock(&zones->lock);
	return z;
}

/*
 * Does this zone hand a client's query for name on to recursion?  Only
 * the transparent kinds do, and only without local data for the name; a
 * zone bound to tags or overridden per client address may do anything.
 */
static bool
zone_passes(struct local_zone *z, uint8_t *name, size_t len)
{
	if (z->taglist || z->override_tree)
		return false;
	switch (z->type) {
	case local_zone_always_transparent:
		return true;
	case local_zone_transparent:
	case local_zone_typetransparent:
	case local_zone_inform:
	case local_zone_nodefault:
		return local_zone_find_data(z, name, len,
		    dname_count_labels(name)) == NULL;
	default:
		return false;
	}
}

/* Does a local zone of this tree answer, or may it change, name? */
static bool
local_zone_covers(struct local_zones *zones, uint8_t *name, size_t len)
{
	struct local_zone *z;
	bool covers;

	if (!zones || !(z = closest_zone(zones, name, len)))
		return false;
	covers = !zone_passes(z, name, len);
	lock_rw_unlock(&z->lock);
	return covers;
}

/* Is the name in the tree exactly?  Takes the tree's read lock. */
static bool
zone_named(struct local_zones *zones, uint8_t *name, size_t len)
{
	bool found;

	lock_rw_rdlock(&zones->lock);
	found = local_zones_find(zones, name, len, dname_count_labels(name),
	    LDNS_RR_CLASS_IN) != NULL;
	lock_rw_unlock(&zones->lock);
	return found;
}

/*
 * Does an RPZ QNAME trigger match name: the name itself, or a wildcard
 * "*." at one of its parents (a superset of what RPZ matches, which is
 * the safe side: more exchanges left unchecked, none judged wrongly).
 */
static bool
rpz_qname_trigger(struct rpz *r, uint8_t *name, size_t len)
{
	uint8_t wc[LDNS_MAX_DOMAINLEN + 1], *n = name;
	size_t nlen = len;

	if (!r->local_zones)
		return false;
	if (zone_named(r->local_zones, name, len))
		return true;
	while (!dname_is_root(n)) {
		dname_remove_label(&n, &nlen);
		if (nlen + 2 > sizeof(wc))
			return true;
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, n, nlen);
		if (zone_named(r->local_zones, wc, nlen + 2))
			return true;
	}
	return false;
}

/* Client-IP triggers apply to every name asked by the clients they name. */
static bool
rpz_has_clientip(struct rpz *r)
{
	struct clientip_synthesized_rrset *set = r->client_set;
	bool has;

	if (!set)
		return false;
	lock_rw_rdlock(&set->lock);
	has = set->entries.count > 0;
	lock_rw_unlock(&set->lock);
	return has;
}

/*
 * May an RPZ change what a client gets for name: a QNAME trigger for
 * it, or client-IP triggers, which apply to every name for some
 * clients.  The locks are taken as the worker takes them.
 */
static bool
rpz_covers(struct auth_zones *az, uint8_t *name, size_t len)
{
	struct auth_zone *a;
	bool covers = false;

	if (!az)
		return false;
	lock_rw_rdlock(&az->rpz_lock);
	for (a = az->rpz_first; a && !covers; a = a->rpz_az_next) {
		lock_rw_rdlock(&a->lock);
		if (a->rpz && !a->rpz->disabled)
			covers = rpz_qname_trigger(a->rpz, name, len) ||
			    rpz_has_clientip(a->rpz);
		lock_rw_unlock(&a->lock);
	}
	lock_rw_unlock(&az->rpz_lock);
	return covers;
}

/* Does a view's local zone cover name?  Any view may be a client's. */
static bool
views_cover(struct views *vs, uint8_t *name, size_t len)
{
	struct view *v;
	bool covers = false;

	if (!vs)
		return false;
	lock_rw_rdlock(&vs->lock);
	RBTREE_FOR(v, struct view *, &vs->vtree) {
		lock_rw_rdlock(&v->lock);
		covers = local_zone_covers(v->local_zones, name, len);
		lock_rw_unlock(&v->lock);
		if (covers)
			break;
	}
	lock_rw_unlock(&vs->lock);
	return covers;
}

/*
 * Would this resolver answer a client's query for name from something
 * else than recursion: a local zone or local data, a view's, an RPZ?
 */
static bool
answered_locally(struct module_env *env, const uint8_t *name)
{
	struct worker *w = env->worker;
	uint8_t *n = (uint8_t *)name;
	size_t len = mxg_dname_len(name, MXG_DNAME_MAXLEN);

	if (!w || !w->daemon)
		return false;
	return local_zone_covers(w->daemon->local_zones, n, len) ||
	    views_cover(MXG_VIEWS(env, w), n, len) ||
	    rpz_covers(env->auth_zones, n, len);
}

/* Known and unchecked: no sub-query, no addresses, never a change. */
static void
mark_unchecked(struct mxg_exchange_lookup *lk)
{
	int t;

	for (t = 0; t < 2; t++) {
		memset(&lk->type[t], 0, sizeof(lk->type[t]));
		lk->type[t].known = true;
		lk->type[t].fact.kind = MXG_FACT_FAILED;
	}
}

/*
 * Has the validator judged this cached answer, where Unbound validates?
 * The iterator caches what it gets before validation: the target of a
 * CNAME it followed (the validator judges the chain as a whole), its own
 * lookups of name server addresses.  The worker serves no client such an
 * answer, and neither is it evidence: a sub-query has it validated.
 */
static bool
validated(const struct module_env *env, const struct reply_info *rep)
{
	return !env->need_to_validate || rep->security != sec_status_unchecked;
}

void
mxg_lookup_cached(struct module_qstate *qstate, struct mxg_query *q)
{
	struct mxg_answer *ans = q->an.answer;
	struct module_env *env = qstate->env;
	struct dns_msg *msg;
	size_t i, len;
	int t;

	for (i = 0; i < ans->exchange_count; i++) {
		struct mxg_exchange *ex = &ans->exchanges[i];

		if (!ex->lookup)
			continue;
		if (answered_locally(env, ex->name)) {
			verbose(VERB_ALGO, "mxguard: an exchange is answered "
			    "locally (local data, view, RPZ): unchecked");
			mark_unchecked(&q->lookups[i]);
			continue;
		}
		len = mxg_dname_len(ex->name, MXG_DNAME_MAXLEN);
		for (t = 0; t < 2; t++) {
			/* Flags 0: the key an MTA's plain query uses. */
			msg = dns_cache_lookup(env, (uint8_t *)ex->name, len,
			    addr_qtype[t], LDNS_RR_CLASS_IN, 0, qstate->region,
			    env->scratch, 0, NULL, 0);
			if (msg && msg->rep && validated(env, msg->rep))
				interpret(qstate->region, ex->name, addr_qtype[t],
				    FLAGS_GET_RCODE(msg->rep->flags), msg->rep,
				    &q->lookups[i].type[t]);
		}
	}
}

/* Start one sub-query, attached (wait) or detached (background). */
static bool
start_sub(struct module_qstate *qstate, int id, const uint8_t *name,
    uint16_t qtype, bool attach)
{
	struct query_info qinfo;
	struct module_qstate *newq = NULL;
	struct mesh_state *sub = NULL;
	int ok;

	memset(&qinfo, 0, sizeof(qinfo));
	qinfo.qname = (uint8_t *)name;
	qinfo.qname_len = mxg_dname_len(name, MXG_DNAME_MAXLEN);
	qinfo.qtype = qtype;
	qinfo.qclass = LDNS_RR_CLASS_IN;
	/* A query that would wait for itself: leave it unknown. */
	if ((*qstate->env->detect_cycle)(qstate, &qinfo, BIT_RD, 0, 0))
		return false;
	if (attach)
		ok = MXG_ATTACH_SUB(qstate, &qinfo, BIT_RD, 0, 0, &newq);
	else
		ok = MXG_ADD_SUB(qstate, &qinfo, BIT_RD, 0, 0, &newq, &sub);
	if (!ok)
		return false;
	if (newq) {
		/* A new mesh state: it starts at this module, as in dns64. */
		newq->curmod = id;
		newq->ext_state[id] = module_state_initial;
		newq->minfo[id] = NULL;
	}
	return true;
}

/*
 * Send sub-queries for every result not known, as far as the thread's
 * budget goes (budget.c); returns how many.  What the budget refuses
 * stays unknown: it fails open, and is counted.
 */
static size_t
start_subs(struct module_qstate *qstate, int id, struct mxg_query *q,
    struct mxg_env *me, bool attach)
{
	struct mxg_answer *ans = q->an.answer;
	struct mxg_ledger *ledger = mxg_thread_ledger(me);
	size_t i, n = 0, refused = 0;
	int t;

	for (i = 0; i < ans->exchange_count; i++) {
		if (!ans->exchanges[i].lookup)
			continue;
		for (t = 0; t < 2; t++) {
			struct mxg_type_lookup *tl = &q->lookups[i].type[t];

			if (tl->known || tl->pending)
				continue;
			if (!mxg_ledger_room(ledger, qstate->env)) {
				refused++;
				continue;
			}
			if (!start_sub(qstate, id, ans->exchanges[i].name,
			    addr_qtype[t], attach))
				continue;
			mxg_ledger_add(ledger, ans->exchanges[i].name,
			    addr_qtype[t]);
			tl->pending = attach;
			n++;
		}
	}
	if (refused) {
		verbose(VERB_ALGO, "mxguard: %zu lookups over the thread's "
		    "budget: judged on the cache", refused);
		mxg_stats_add(mxg_thread_shard(me), MXG_STAT_OVER_BUDGET,
		    refused);
	}
	q->subqueries += n;
	return n;
}

size_t
mxg_lookup_attach(struct module_qstate *qstate, int id, struct mxg_query *q,
    struct mxg_env *me)
{
	size_t n = start_subs(qstate, id, q, me, true);

	q->outstanding += n;
	return n;
}

size_t
mxg_lookup_detach(struct module_qstate *qstate, int id, struct mxg_query *q,
    struct mxg_env *me)
{
	return start_subs(qstate, id, q, me, false);
}

/*
 * Is sub one of the lookups start_sub attached, or another module's
 * sub-query of the same answer (the validator's key lookups, an
 * iterator's leftover)?  The mesh keeps one state per name, type,
 * class, RD and CD flags, priming and validation recursion, so a state
 * with the key start_sub used is the one it attached to; anything else
 * says nothing about an exchange's addresses.  The address type, or -1.
 */
static int
own_lookup_type(const struct module_qstate *sub)
{
	if (sub->qinfo.qclass != LDNS_RR_CLASS_IN || sub->is_priming ||
	    sub->is_valrec || sub->client_info ||
	    (sub->query_flags & (BIT_RD | BIT_CD)) != BIT_RD)
		return -1;
	if (sub->qinfo.qtype == LDNS_RR_TYPE_A)
		return MXG_A;
	if (sub->qinfo.qtype == LDNS_RR_TYPE_AAAA)
		return MXG_AAAA;
	return -1;
}

void
mxg_lookup_inform(struct module_qstate *sub, struct module_qstate *super,
    struct mxg_query *q, struct mxg_env *me)
{
	size_t i;
	int t;
	struct mxg_type_lookup *tl;

	if ((t = own_lookup_type(sub)) < 0)
		return;
	i = mxg_answer_find_exchange(q->an.answer, sub->qinfo.qname);
	if (i == MXG_NO_EXCHANGE || i >= q->an.answer->exchange_count)
		return;
	tl = &q->lookups[i].type[t];
	if (!tl->pending)
		return;
	tl->pending = false;
	if (q->outstanding > 0)
		q->outstanding--;
	if (me)
		mxg_ledger_release(mxg_thread_ledger(me),
		    q->an.answer->exchanges[i].name, addr_qtype[t]);
	interpret(super->region, sub->qinfo.qname, addr_qtype[t],
	    sub->return_rcode, sub->return_msg ? sub->return_msg->rep : NULL,
	    tl);
}

void
mxg_lookup_facts(struct mxg_query *q)
{
	struct mxg_answer *ans = q->an.answer;
	size_t i;

	for (i = 0; i < ans->exchange_count; i++) {
		struct mxg_type_lookup *tl = q->lookups[i].type;

		mxg_answer_set_results(ans, i,
		    tl[MXG_A].known ? &tl[MXG_A].fact : NULL,
		    tl[MXG_AAAA].known ? &tl[MXG_AAAA].fact : NULL);
	}
}
