/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.h - from an analysed MX answer and the settings, a verdict per
 * record and one action for the whole answer.
 *
 * The action tells the glue everything it must do: keep the answer; or
 * drop some records and rewrite others (verdict[i] for record i, i.e.
 * for item i of the rrset); or answer SERVFAIL.  It never asks for an
 * empty MX answer: an MTA would then deliver to the domain's own
 * address.  The caller supplies the memory (mxg_decision_size() bytes,
 * 8-byte aligned).  Unbound-independent.
 */
#ifndef MXGUARD_POLICY_H
#define MXGUARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mxguard/mx.h"
#include "mxguard/settings.h"

enum mxg_action {
	MXG_ACTION_KEEP = 0,	/* serve the answer unchanged */
	MXG_ACTION_CHANGE,	/* drop/rewrite the records the verdicts say */
	MXG_ACTION_SERVFAIL	/* answer SERVFAIL instead */
};

enum mxg_record_action {
	MXG_RECORD_KEEP = 0,
	MXG_RECORD_DROP,
	MXG_RECORD_REWRITE	/* same preference, exchange new_exchange */
};

/* Why an answer became SERVFAIL. */
enum mxg_servfail_cause {
	MXG_SERVFAIL_NONE = 0,
	MXG_SERVFAIL_POLICY,	/* a fault whose policy is servfail */
	MXG_SERVFAIL_EMPTY	/* strip/rewrite would leave no record */
};

struct mxg_verdict {
	unsigned faults;		/* MXG_FAULT_* bits found (checks not off) */
	/*
	 * The strongest policy among those faults (OFF when none); under
	 * an exempt domain, what would have applied.
	 */
	enum mxg_policy policy;
	enum mxg_record_action action;
	const uint8_t *new_exchange;	/* REWRITE: the canonical name */
	bool unchecked;			/* exchange's fact unknown or failed */
	/* REWRITE wanted but no canonical name, or it would duplicate. */
	bool rewrite_fell_back;
};

struct mxg_decision {
	enum mxg_action action;
	enum mxg_servfail_cause servfail_cause;
	bool exempt;			/* owner under an exempt domain */
	unsigned faults;		/* union of the verdicts' faults */
	unsigned acted_faults;		/* faults that changed the answer */
	size_t faulty;			/* records with at least one fault */
	size_t dropped;
	size_t rewritten;
	size_t unchecked;
	size_t served;			/* records left (incl. untouched extra) */
	/*
	 * CHANGE and SERVFAIL: the smallest TTL of the exchanges' facts
	 * (alias, dangling) behind the faults acted on, so that the
	 * decision is not cached longer than its evidence; MXG_TTL_NONE
	 * when it rests on the MX records alone.
	 */
	uint32_t evidence_ttl;
	struct mxg_verdict *verdicts;	/* one per analysed record */
	size_t count;
	size_t capacity;
};

/* Bytes a decision for n records needs (n capped like the answer). */
size_t mxg_decision_size(size_t n);

/* Lay out a decision for n records in mem; NULL if memlen too small. */
struct mxg_decision *mxg_decision_init(void *mem, size_t memlen, size_t n);

/*
 * Decide.  Facts are read from the answer's exchanges: an exchange
 * never looked up, or whose lookup failed, is unchecked and never
 * causes a change (fail open).  False when the decision was laid out
 * for fewer records than the answer holds.
 */
bool mxg_decide(struct mxg_decision *dec, const struct mxg_settings *cfg,
    const struct mxg_answer *ans);

/* True when the owner is one of cfg->exempt or beneath one. */
bool mxg_is_exempt(const struct mxg_settings *cfg, const uint8_t *owner);

/*
 * A fingerprint of what the decision line says (never 0), so that the
 * same decision is not logged again while it stands.
 */
uint64_t mxg_decision_fingerprint(const struct mxg_answer *ans,
    const struct mxg_decision *dec);

/* "kept", "changed", "servfail".  (Policy words: config.h.) */
const char *mxg_action_name(enum mxg_action action);

/*
 * What the decision does with record i, in the word its log line uses:
 * "log", "strip", "rewrite", "servfail", "exempt" or "pass".
 */
const char *mxg_record_action_name(const struct mxg_decision *dec, size_t i);

/*
 * One log line for the answer (the logger adds "mxguard: "), e.g.
 *   answer example.org changed; pref 10 exchange alias.example.org
 *   fault alias canonical real.example.org action rewrite
 * one "; pref ..." part per faulty record, names escaped, safely
 * truncated with a visible "...".  Returns out.
 */
char *mxg_decision_render(char *out, size_t outlen,
    const struct mxg_answer *ans, const struct mxg_decision *dec);

#endif /* MXGUARD_POLICY_H */
