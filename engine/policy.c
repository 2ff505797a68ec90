/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.c - apply the configured policies to an analysed MX answer:
 * which faults each record has, what happens to it, and whether the
 * answer as a whole is kept, changed or turned into SERVFAIL.
 *
 * Two rules shape everything here: fail open (what we could not check
 * never changes an answer) and never serve an empty MX answer.
 */
#include <string.h>

#include "mxguard/dname.h"
#include "mxguard/policy.h"


size_t
mxg_decision_size(size_t n)
{
	return MXG_ALIGN8(sizeof(struct mxg_decision)) +
	    MXG_ALIGN8(MXG_MX_CAPPED(n) * sizeof(struct mxg_verdict));
}

struct mxg_decision *
mxg_decision_init(void *mem, size_t memlen, size_t n)
{
	struct mxg_decision *dec = mem;

	if (mem == NULL || ((uintptr_t)mem & 7) != 0 ||
	    memlen < mxg_decision_size(n))
		return NULL;
	memset(dec, 0, sizeof(*dec));
	dec->capacity = MXG_MX_CAPPED(n);
	dec->verdicts = (struct mxg_verdict *)((uint8_t *)mem +
	    MXG_ALIGN8(sizeof(*dec)));
	return dec;
}

bool
mxg_is_exempt(const struct mxg_settings *cfg, const uint8_t *owner)
{
	size_t i;

	for (i = 0; i < cfg->exempt_count; i++)
		if (mxg_dname_is_subdomain(owner, cfg->exempt[i]))
			return true;
	return false;
}

static enum mxg_policy
policy_for(const struct mxg_settings *cfg, unsigned fault)
{
	switch (fault) {
	case MXG_FAULT_ALIAS:		return cfg->cname_policy;
	case MXG_FAULT_ADDRESS_LITERAL:	return cfg->address_literal_policy;
	case MXG_FAULT_DANGLING:	return cfg->dangling_policy;
	case MXG_FAULT_NULL_MX_MISUSE:	return cfg->null_mx_policy;
	/* Malformed records are reported and passed over, never touched. */
	default:			return MXG_POLICY_LOG;
	}
}

/*
 * How hard a policy bites.  Rewrite ranks below strip: a record that
 * must be stripped for one fault is not saved by rewriting it.
 */
static int
strength(enum mxg_policy policy)
{
	switch (policy) {
	case MXG_POLICY_LOG:		return 1;
	case MXG_POLICY_REWRITE:	return 2;
	case MXG_POLICY_STRIP:		return 3;
	case MXG_POLICY_SERVFAIL:	return 4;
	default:			return 0;
	}
}

/* Faults of one record, from the data and from its exchange's fact. */
static void
judge_record(struct mxg_verdict *v, const struct mxg_settings *cfg,
    const struct mxg_answer *ans, const struct mxg_record *rec)
{
	unsigned found = rec->faults, bit;

	memset(v, 0, sizeof(*v));
	if (rec->exchange_index != MXG_NO_EXCHANGE) {
		const struct mxg_exchange *ex =
		    &ans->exchanges[rec->exchange_index];

		if (ex->resolvable) {
			if (ex->fact.kind == MXG_FACT_ALIAS)
				found |= MXG_FAULT_ALIAS;
			else if (mxg_fact_is_dangling(&ex->fact))
				found |= MXG_FAULT_DANGLING;
			v->unchecked = mxg_fact_is_unchecked(&ex->fact);
		}
	}
	v->policy = MXG_POLICY_OFF;
	for (bit = 1; bit <= MXG_FAULT_ALL; bit <<= 1) {
		enum mxg_policy p;

		if (!(found & bit))
			continue;
		p = policy_for(cfg, bit);
		if (p == MXG_POLICY_OFF)
			continue;
		v->faults |= bit;
		if (strength(p) > strength(v->policy))
			v->policy = p;
	}
	/* Rewrite is for aliases only; anything else falls back to strip. */
	if (v->policy == MXG_POLICY_REWRITE && v->faults != MXG_FAULT_ALIAS)
		v->policy = MXG_POLICY_STRIP;
}

/* The record as served: kept untouched, or rewritten. */
static bool
serves(const struct mxg_verdict *v)
{
	return v->action != MXG_RECORD_DROP;
}

/*
 * Would record i, rewritten to name, repeat a record that stays in the
 * answer (same preference and exchange)?  Kept records are found via
 * the answer's exchange table, earlier rewrites by a scan of those.
 */
static bool
rewrite_duplicates(const struct mxg_decision *dec,
    const struct mxg_answer *ans, size_t i, const uint8_t *name)
{
	uint16_t preference = ans->records[i].preference;
	size_t ex = mxg_answer_find_exchange(ans, name);
	size_t j;

	if (ex != MXG_NO_EXCHANGE) {
		uint16_t r;

		for (r = ans->exchanges[ex].first_record; r != MXG_NO_EXCHANGE;
		    r = ans->records[r].next_same)
			if (r != i && ans->records[r].preference == preference &&
			    dec->verdicts[r].action == MXG_RECORD_KEEP)
				return true;
	}
	for (j = 0; j < i; j++) {
		const struct mxg_verdict *v = &dec->verdicts[j];

		if (v->action == MXG_RECORD_REWRITE &&
		    ans->records[j].preference == preference &&
		    mxg_dname_equal(v->new_exchange, name))
			return true;
	}
	return false;
}

/* Strip and rewrite, record by record. */
static void
apply_record_policies(struct mxg_decision *dec, const struct mxg_answer *ans)
{
	size_t i;

	/* Drops first, so rewrites see exactly what stays. */
	for (i = 0; i < dec->count; i++) {
		struct mxg_verdict *v = &dec->verdicts[i];

		if (v->policy == MXG_POLICY_STRIP ||
		    v->policy == MXG_POLICY_REWRITE)
			v->action = MXG_RECORD_DROP;
	}
	for (i = 0; i < dec->count; i++) {
		struct mxg_verdict *v = &dec->verdicts[i];
		const uint8_t *canonical;

		if (v->policy != MXG_POLICY_REWRITE)
			continue;
		canonical = ans->exchanges[ans->records[i].exchange_index]
		    .fact.canonical;
		if (canonical == NULL ||
		    rewrite_duplicates(dec, ans, i, canonical)) {
			v->rewrite_fell_back = true;
			continue;
		}
		v->action = MXG_RECORD_REWRITE;
		v->new_exchange = canonical;
	}
}

static void
count_outcome(struct mxg_decision *dec, const struct mxg_answer *ans)
{
	size_t i;

	dec->served = ans->overflow;
	for (i = 0; i < dec->count; i++) {
		const struct mxg_verdict *v = &dec->verdicts[i];

		if (v->action == MXG_RECORD_DROP)
			dec->dropped++;
		else if (v->action == MXG_RECORD_REWRITE)
			dec->rewritten++;
		if (serves(v))
			dec->served++;
		if (v->action != MXG_RECORD_KEEP)
			dec->acted_faults |= v->faults;
	}
}

/*
 * The smallest TTL of the facts behind the faults of the records that
 * acted: an alias or a dangling name is looked up, the other faults are
 * in the MX record itself.
 */
static uint32_t
evidence_ttl(const struct mxg_decision *dec, const struct mxg_answer *ans,
    bool servfail)
{
	uint32_t ttl = MXG_TTL_NONE;
	size_t i;

	for (i = 0; i < dec->count; i++) {
		const struct mxg_verdict *v = &dec->verdicts[i];
		const struct mxg_record *rec = &ans->records[i];
		bool acted = servfail ? v->policy == MXG_POLICY_SERVFAIL :
		    v->action != MXG_RECORD_KEEP;

		if (!acted || !(v->faults & (MXG_FAULT_ALIAS | MXG_FAULT_DANGLING)))
			continue;
		if (ans->exchanges[rec->exchange_index].fact.ttl < ttl)
			ttl = ans->exchanges[rec->exchange_index].fact.ttl;
	}
	return ttl;
}

uint64_t
mxg_decision_fingerprint(const struct mxg_answer *ans,
    const struct mxg_decision *dec)
{
	uint64_t hash = MXG_FNV64_INIT;
	size_t i;

	hash = mxg_fnv64(hash, ((uint64_t)dec->action << 32) |
	    ((uint64_t)dec->exempt << 16) | dec->servfail_cause);
	for (i = 0; i < dec->count; i++) {
		const struct mxg_verdict *v = &dec->verdicts[i];
		const struct mxg_record *rec = &ans->records[i];

		if (v->faults == 0)
			continue;
		hash = mxg_fnv64(hash, ((uint64_t)i << 32) | ((uint64_t)v->faults << 8) |
		    v->action);
		hash = mxg_fnv64(hash, ((uint64_t)rec->preference << 32) |
		    (rec->exchange ? mxg_dname_hash(rec->exchange) : 0));
	}
	return hash ? hash : 1;
}

bool
mxg_decide(struct mxg_decision *dec, const struct mxg_settings *cfg,
    const struct mxg_answer *ans)
{
	bool any_servfail = false;
	size_t i;

	if (dec->capacity < ans->record_count)
		return false;
	dec->action = MXG_ACTION_KEEP;
	dec->servfail_cause = MXG_SERVFAIL_NONE;
	dec->exempt = mxg_is_exempt(cfg, ans->owner);
	dec->faults = dec->acted_faults = 0;
	dec->faulty = dec->dropped = dec->rewritten = dec->unchecked = 0;
	dec->served = ans->item_count;
	dec->count = ans->record_count;
	dec->evidence_ttl = MXG_TTL_NONE;
	for (i = 0; i < dec->count; i++) {
		struct mxg_verdict *v = &dec->verdicts[i];

		judge_record(v, cfg, ans, &ans->records[i]);
		dec->faults |= v->faults;
		if (v->faults)
			dec->faulty++;
		if (v->unchecked)
			dec->unchecked++;
		if (v->policy == MXG_POLICY_SERVFAIL)
			any_servfail = true;
	}
	/* Exempt: checked and reported above, never changed. */
	if (dec->exempt || dec->faulty == 0)
		return true;
	if (any_servfail) {
		dec->action = MXG_ACTION_SERVFAIL;
		dec->servfail_cause = MXG_SERVFAIL_POLICY;
		for (i = 0; i < dec->count; i++)
			if (dec->verdicts[i].policy == MXG_POLICY_SERVFAIL)
				dec->acted_faults |= dec->verdicts[i].faults;
		dec->evidence_ttl = evidence_ttl(dec, ans, true);
		return true;
	}
	apply_record_policies(dec, ans);
	count_outcome(dec, ans);
	if (dec->dropped + dec->rewritten == 0)
		return true;
	dec->action = MXG_ACTION_CHANGE;
	dec->evidence_ttl = evidence_ttl(dec, ans, false);
	if (dec->served == 0) {
		/* An empty MX answer sends mail to the domain's A record. */
		dec->action = MXG_ACTION_SERVFAIL;
		dec->servfail_cause = MXG_SERVFAIL_EMPTY;
	}
	return true;
}

const char *
mxg_action_name(enum mxg_action action)
{
	switch (action) {
	case MXG_ACTION_KEEP:		return "kept";
	case MXG_ACTION_CHANGE:		return "changed";
	case MXG_ACTION_SERVFAIL:	return "servfail";
	default:			return "?";
	}
}

/* What happened to one record, as one word for the log. */
static const char *
record_action_word(const struct mxg_decision *dec, const struct mxg_verdict *v)
{
	if (dec->exempt)
		return "exempt";
	if (v->faults & MXG_FAULT_MALFORMED)
		return "pass";
	if (v->action == MXG_RECORD_DROP)
		return "strip";
	if (v->action == MXG_RECORD_REWRITE)
		return "rewrite";
	/*
	 * Kept: logged, or the whole answer became SERVFAIL by policy.
	 * The engine does not link the configuration parser, so it names
	 * the policies itself, in the configuration's words.
	 */
	switch (v->policy) {
	case MXG_POLICY_STRIP:		return "strip";
	case MXG_POLICY_REWRITE:	return "rewrite";
	case MXG_POLICY_SERVFAIL:	return "servfail";
	default:			return "log";
	}
}

static void
render_faults(struct mxg_text *t, unsigned faults)
{
	unsigned bit;
	bool first = true;

	for (bit = 1; bit <= MXG_FAULT_ALL; bit <<= 1) {
		if (!(faults & bit))
			continue;
		mxg_text_str(t, first ? " fault " : ",");
		mxg_text_str(t, mxg_fault_name(bit));
		first = false;
	}
}

static void
render_record(struct mxg_text *t, const struct mxg_answer *ans,
    const struct mxg_decision *dec, size_t i)
{
	const struct mxg_record *rec = &ans->records[i];
	const struct mxg_verdict *v = &dec->verdicts[i];

	if (rec->exchange == NULL) {
		/* Nothing in a malformed record can be trusted but its place. */
		mxg_text_str(t, "; record ");
		mxg_text_uint(t, (unsigned long)i);
	} else {
		const struct mxg_exchange *ex =
		    &ans->exchanges[rec->exchange_index];

		mxg_text_str(t, "; pref ");
		mxg_text_uint(t, rec->preference);
		mxg_text_str(t, " exchange ");
		mxg_text_name(t, rec->exchange);
		if (ex->fact.kind == MXG_FACT_ALIAS) {
			mxg_text_str(t, " canonical ");
			if (ex->fact.canonical != NULL)
				mxg_text_name(t, ex->fact.canonical);
			else
				mxg_text_str(t, "unknown");
		}
	}
	render_faults(t, v->faults);
	mxg_text_str(t, " action ");
	mxg_text_str(t, record_action_word(dec, v));
}

const char *
mxg_record_action_name(const struct mxg_decision *dec, size_t i)
{
	return i < dec->count ? record_action_word(dec, &dec->verdicts[i]) : "?";
}

char *
mxg_decision_render(char *out, size_t outlen, const struct mxg_answer *ans,
    const struct mxg_decision *dec)
{
	struct mxg_text t;
	size_t i, named = 0;

	mxg_text_init(&t, out, outlen);
	mxg_text_str(&t, "answer ");
	mxg_text_name(&t, ans->owner);
	mxg_text_str(&t, " ");
	mxg_text_str(&t, mxg_action_name(dec->action));
	if (dec->exempt)
		mxg_text_str(&t, " (exempt)");
	else if (dec->servfail_cause == MXG_SERVFAIL_EMPTY)
		mxg_text_str(&t, " (no record would be left)");
	for (i = 0; i < dec->count; i++)
		if (dec->verdicts[i].faults != 0 && named++ < MXG_TEXT_NAMES_MAX)
			render_record(&t, ans, dec, i);
	if (named > MXG_TEXT_NAMES_MAX)
		mxg_text_count(&t, "faulty records not named",
		    (unsigned long)(named - MXG_TEXT_NAMES_MAX));
	mxg_text_count(&t, "unchecked", (unsigned long)dec->unchecked);
	mxg_text_count(&t, "not analysed", (unsigned long)ans->overflow);
	return mxg_text_end(&t);
}
