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
 */
#include "config.h"
#include "util/module.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "services/cache/dns.h"
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
		len = mxg_dname_len(ex->name, MXG_DNAME_MAXLEN);
		for (t = 0; t < 2; t++) {
			/* Flags 0: the key an MTA's plain query uses. */
			msg = dns_cache_lookup(env, (uint8_t *)ex->name, len,
			    addr_qtype[t], LDNS_RR_CLASS_IN, 0, qstate->region,
			    env->scratch, 0, NULL, 0);
			if (msg && msg->rep)
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

/* Send sub-queries for every result not known; returns how many. */
static size_t
start_subs(struct module_qstate *qstate, int id, struct mxg_query *q,
    bool attach)
{
	struct mxg_answer *ans = q->an.answer;
	size_t i, n = 0;
	int t;

	for (i = 0; i < ans->exchange_count; i++) {
		if (!ans->exchanges[i].lookup)
			continue;
		for (t = 0; t < 2; t++) {
			struct mxg_type_lookup *tl = &q->lookups[i].type[t];

			if (tl->known || tl->pending)
				continue;
			if (!start_sub(qstate, id, ans->exchanges[i].name,
			    addr_qtype[t], attach))
				continue;
			tl->pending = attach;
			n++;
		}
	}
	q->subqueries += n;
	return n;
}

size_t
mxg_lookup_attach(struct module_qstate *qstate, int id, struct mxg_query *q)
{
	size_t n = start_subs(qstate, id, q, true);

	q->outstanding += n;
	return n;
}

size_t
mxg_lookup_detach(struct module_qstate *qstate, int id, struct mxg_query *q)
{
	return start_subs(qstate, id, q, false);
}

void
mxg_lookup_inform(struct module_qstate *sub, struct module_qstate *super,
    struct mxg_query *q)
{
	size_t i;
	int t;
	struct mxg_type_lookup *tl;

	i = mxg_answer_find_exchange(q->an.answer, sub->qinfo.qname);
	if (i == MXG_NO_EXCHANGE || i >= q->an.answer->exchange_count)
		return;
	t = sub->qinfo.qtype == LDNS_RR_TYPE_AAAA ? MXG_AAAA : MXG_A;
	tl = &q->lookups[i].type[t];
	if (!tl->pending)
		return;
	tl->pending = false;
	if (q->outstanding > 0)
		q->outstanding--;
	interpret(super->region, sub->qinfo.qname, addr_qtype[t],
	    sub->return_rcode, sub->return_msg ? sub->return_msg->rep : NULL,
	    tl);
}

void
mxg_lookup_facts(struct mxg_query *q)
{
	struct mxg_answer *ans = q->an.answer;
	struct mxg_fact unknown, fact;
	size_t i;

	memset(&unknown, 0, sizeof(unknown));
	for (i = 0; i < ans->exchange_count; i++) {
		struct mxg_type_lookup *tl = q->lookups[i].type;

		if (!tl[MXG_A].known && !tl[MXG_AAAA].known)
			continue;
		fact = mxg_fact_merge(tl[MXG_A].known ? &tl[MXG_A].fact : &unknown,
		    tl[MXG_AAAA].known ? &tl[MXG_AAAA].fact : &unknown);
		mxg_answer_set_fact(ans, i, &fact);
	}
}
