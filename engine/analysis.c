/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * analysis.c - lay out the parsed answer, the decision and the
 * distribution of one MX answer in one block, and run them in order
 * (see analysis.h).
 */
#include <stdint.h>

#include "mxguard/analysis.h"

size_t
mxg_analysis_size(size_t n)
{
	return mxg_answer_size(n) + mxg_decision_size(n) +
	    mxg_distribution_size(n);
}

bool
mxg_analysis_init(struct mxg_analysis *an, void *mem, size_t memlen,
    size_t n)
{
	uint8_t *p = mem;

	if (mem == NULL || memlen < mxg_analysis_size(n))
		return false;
	/* Each size is a multiple of 8, so every part stays aligned. */
	an->answer = mxg_answer_init(p, mxg_answer_size(n), n);
	p += mxg_answer_size(n);
	an->decision = mxg_decision_init(p, mxg_decision_size(n), n);
	p += mxg_decision_size(n);
	an->distribution = mxg_distribution_init(p, mxg_distribution_size(n),
	    n);
	return an->answer && an->decision && an->distribution;
}

bool
mxg_analysis_run(struct mxg_analysis *an, const struct mxg_settings *cfg)
{
	return mxg_decide(an->decision, cfg, an->answer) &&
	    mxg_distribute(an->distribution, an->answer, an->decision);
}
