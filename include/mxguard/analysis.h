/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * analysis.h - the whole analysis of one MX answer in one block of
 * caller memory: the parsed answer (mx.h), the decision (policy.h) and
 * the mail distribution (distribution.h), laid out together and run in
 * order:
 *	mem = alloc(mxg_analysis_size(n));
 *	mxg_analysis_init(&an, mem, size, n);
 *	mxg_answer_begin/add/end(an.answer, ...); set facts;
 *	mxg_analysis_run(&an, settings);
 * then read an.decision and an.distribution.  No allocation.
 * Unbound-independent.
 */
#ifndef MXGUARD_ANALYSIS_H
#define MXGUARD_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "mxguard/settings.h"
#include "mxguard/mx.h"
#include "mxguard/policy.h"
#include "mxguard/distribution.h"

struct mxg_analysis {
	struct mxg_answer *answer;
	struct mxg_decision *decision;
	struct mxg_distribution *distribution;
};

size_t mxg_analysis_size(size_t n);
bool mxg_analysis_init(struct mxg_analysis *an, void *mem, size_t memlen,
    size_t n);
/* Decide and distribute, once the answer is parsed and facts are in. */
bool mxg_analysis_run(struct mxg_analysis *an,
    const struct mxg_settings *cfg);

#endif /* MXGUARD_ANALYSIS_H */
