/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_answer.c - libFuzzer target for the whole per-answer path, with
 * Unbound's own message code: a DNS response in wire format is parsed by
 * Unbound (parse_packet, parse_create_msg into a regional), its MX rrset
 * found (reply_find_answer_rrset), laid out for the engine
 * (mxg_query_new, police.c), given lookup facts taken from the input,
 * merged (mxg_lookup_facts, lookup.c), decided (mxg_analysis_run),
 * rebuilt (mxg_reply_rebuild, reply.c) and encoded back to wire by
 * Unbound (reply_info_answer_encode with a large and a 512-octet UDP
 * size, reply_info_encode minimal and not); each encoding that succeeds
 * must parse again.
 *
 * Linked against the objects of the configured Unbound tree (libunbound.a)
 * and the module's glue and engine sources; see scripts/fuzz.
 *
 * Input format (missing bytes read as 0):
 *   byte 0-3   cname, address-literal, dangling, null-mx policy (% 5)
 *   byte 4     max-exchanges - 1 (% 64)
 *   byte 5     bit 0: additional; bit 1: owner exempt; bit 2: keep the
 *              question's type (else it is taken as MX IN)
 *   2 octets   big-endian length L of the message, then L octets: the
 *              DNS response as it came from upstream
 *   per exchange, in order of first appearance, 6 octets: A result kind
 *              (% 6), AAAA result kind (% 6), A count, AAAA count,
 *              canonical (bit 7 set = none, 127 = the owner, else the
 *              exchange of record value % records), and bits: 0/1 = the
 *              A/AAAA fact is known, 2/3 = attach the message's A/AAAA
 *              rrset of that name (if any) as the looked-up addresses.
 */
#include "config.h"
#include "util/module.h"
#include "util/regional.h"
#include "util/data/msgparse.h"
#include "util/data/msgreply.h"
#include "util/data/msgencode.h"
#include "util/data/packed_rrset.h"
#include "sldns/sbuffer.h"
#include "sldns/rrdef.h"
#include "sldns/pkthdr.h"
#include "util/net_help.h"

#include <stdlib.h>
#include <string.h>

#include "mxguard/analysis.h"
#include "mxguard/dname.h"
#include "glue.h"
#include "fuzz_input.h"

/* The rrset of type in rep owned by name, or NULL. */
static struct ub_packed_rrset_key *
find_rrset(struct reply_info *rep, const uint8_t *name, uint16_t type)
{
	size_t i;

	for (i = 0; i < rep->rrset_count; i++) {
		struct ub_packed_rrset_key *k = rep->rrsets[i];

		if (ntohs(k->rk.type) == type && k->rk.dname &&
		    mxg_dname_equal(k->rk.dname, name))
			return k;
	}
	return NULL;
}

static void
read_facts(struct fuzz_input *in, struct mxg_query *q, struct reply_info *rep)
{
	struct mxg_answer *ans = q->an.answer;
	static const uint16_t types[2] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
	size_t i;
	int t;

	for (i = 0; i < ans->exchange_count && in->pos < in->size; i++) {
		struct mxg_type_lookup *tl = q->lookups[i].type;
		uint8_t kind[2], count[2], bits;
		const uint8_t *canonical;

		kind[0] = fuzz_take(in) % 6;
		kind[1] = fuzz_take(in) % 6;
		count[0] = fuzz_take(in);
		count[1] = fuzz_take(in);
		canonical = fuzz_canonical(ans, fuzz_take(in));
		bits = fuzz_take(in);
		for (t = 0; t < 2; t++) {
			memset(&tl[t], 0, sizeof(tl[t]));
			if (!(bits & (1u << t)))
				continue;
			tl[t].known = true;
			tl[t].fact.kind = (enum mxg_fact_kind)kind[t];
			if (t == MXG_A)
				tl[t].fact.a_count = count[t];
			else
				tl[t].fact.aaaa_count = count[t];
			tl[t].fact.canonical = canonical;
			if ((bits & (4u << t)) && ans->exchanges[i].name)
				tl[t].addresses = find_rrset(rep,
				    ans->exchanges[i].name, types[t]);
		}
	}
}

/* An encoding that Unbound produced must parse again. */
static void
check_encoding(sldns_buffer *buf, struct regional *region)
{
	struct msg_parse *prs;

	if (!(prs = regional_alloc_zero(region, sizeof(*prs))))
		return;
	sldns_buffer_set_position(buf, 0);
	if (parse_packet(buf, prs, region) != 0)
		abort();
}

static void
check_rebuilt(struct query_info *qinf, struct reply_info *old,
    struct reply_info *rep, struct mxg_query *q)
{
	const struct mxg_decision *dec = q->an.decision;
	struct ub_packed_rrset_key *mx;
	size_t i;

	if (!rep)
		abort();	/* only out of memory may give NULL */
	if (rep->an_numrrsets != old->an_numrrsets ||
	    rep->ns_numrrsets != old->ns_numrrsets ||
	    rep->rrset_count != rep->an_numrrsets + rep->ns_numrrsets +
	    rep->ar_numrrsets)
		abort();
	for (i = 0; i < rep->rrset_count; i++)
		if (!rep->rrsets[i] || !rep->rrsets[i]->entry.data)
			abort();
	if (dec->action != MXG_ACTION_CHANGE)
		return;
	/* A changed answer is never empty and serves what was decided. */
	mx = reply_find_answer_rrset(qinf, rep);
	if (!mx || mx == q->mx)
		abort();
	if (((struct packed_rrset_data *)mx->entry.data)->count == 0 ||
	    ((struct packed_rrset_data *)mx->entry.data)->count != dec->served)
		abort();
}

static void
encode_all(struct query_info *qinf, struct reply_info *rep,
    struct regional *region)
{
	static uint8_t wire[65535];
	static const uint16_t sizes[] = { 65535, 1232, 512 };
	sldns_buffer buf;
	struct edns_data edns;
	size_t i;

	memset(&edns, 0, sizeof(edns));
	edns.edns_present = 1;
	edns.udp_size = 1232;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sldns_buffer_init_frm_data(&buf, wire, sizeof(wire));
		if (reply_info_answer_encode(qinf, rep, 0x1234,
		    BIT_RD | BIT_CD, &buf, 0, 1, region, sizes[i], &edns,
		    (int)(i & 1), rep->security == sec_status_secure))
			check_encoding(&buf, region);
		sldns_buffer_init_frm_data(&buf, wire, sizeof(wire));
		if (reply_info_encode(qinf, rep, 0x4321, rep->flags | BIT_QR,
		    &buf, 0, region, sizes[i], 1, (int)(i & 1)))
			check_encoding(&buf, region);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct regional *region;
	struct fuzz_input in = { data, size, 0 };
	struct mxg_settings cfg;
	struct query_info qinf;
	struct reply_info *old, *rep;
	struct ub_packed_rrset_key *mx;
	struct msg_parse *prs;
	struct mxg_query *q;
	struct edns_data edns;
	sldns_buffer pkt;
	uint8_t *exempt[1], flags;
	const uint8_t *wire;
	size_t len;

	if (!region && !(region = regional_create()))
		abort();
	fuzz_take_settings(&in, &cfg);
	flags = fuzz_take(&in);
	wire = fuzz_take_bytes(&in, fuzz_take16(&in), &len);
	sldns_buffer_init_frm_data(&pkt, (uint8_t *)(uintptr_t)wire, len);

	if (!(prs = regional_alloc_zero(region, sizeof(*prs))))
		abort();
	memset(&qinf, 0, sizeof(qinf));
	/* As the iterator takes a response: the OPT record taken out. */
	if (parse_packet(&pkt, prs, region) != 0 ||
	    parse_extract_edns_from_response_msg(prs, &edns, region) != 0 ||
	    !parse_create_msg(&pkt, prs, NULL, &qinf, &old, region) ||
	    !qinf.qname)
		goto out;
	if (!(flags & 4)) {
		qinf.qtype = LDNS_RR_TYPE_MX;
		qinf.qclass = LDNS_RR_CLASS_IN;
	}
	if (!(mx = reply_find_answer_rrset(&qinf, old)) ||
	    ntohs(mx->rk.type) != LDNS_RR_TYPE_MX)
		goto out;
	if (flags & 2) {
		exempt[0] = qinf.qname;
		cfg.exempt = exempt;
		cfg.exempt_count = 1;
	}
	if (!(q = mxg_query_new(region, mx, qinf.qname, qinf.qname_len, &cfg, NULL)))
		abort();
	read_facts(&in, q, old);
	mxg_lookup_facts(q);
	if (!mxg_analysis_run(&q->an, &cfg))
		abort();
	rep = mxg_reply_rebuild(region, old, q, (flags & 1) != 0);
	check_rebuilt(&qinf, old, rep, q);
	encode_all(&qinf, rep, region);
out:
	regional_free_all(region);
	return 0;
}
