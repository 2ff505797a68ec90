/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * output.c - one domain's result as text or as a JSON line, its exit
 * status, and the run's summary.  The module's own log lines come from
 * the engine's renderers and the distribution object from the stats
 * file's, so the checker and the module cannot drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "mxguard/analysis.h"
#include "mxguard/policy.h"
#include "mxguard/stats.h"
#include "check.h"

static const char *const status_names[] = {
	[CHK_STATUS_OK] = "ok",
	[CHK_STATUS_NO_MX] = "no_mx",
	[CHK_STATUS_NXDOMAIN] = "nxdomain",
	[CHK_STATUS_SERVFAIL] = "servfail",
	[CHK_STATUS_BOGUS] = "bogus",
	[CHK_STATUS_TIMEOUT] = "timeout",
	[CHK_STATUS_ERROR] = "error"
};

static const char *const dnssec_names[] = {
	[CHK_DNSSEC_UNCHECKED] = "unchecked",
	[CHK_DNSSEC_INSECURE] = "insecure",
	[CHK_DNSSEC_SECURE] = "secure",
	[CHK_DNSSEC_BOGUS] = "bogus"
};

const char *
chk_status_name(enum chk_status s)
{
	return (size_t)s < sizeof(status_names) / sizeof(status_names[0]) ?
	    status_names[s] : "?";
}

const char *
chk_dnssec_name(enum chk_dnssec d)
{
	return (size_t)d < sizeof(dnssec_names) / sizeof(dnssec_names[0]) ?
	    dnssec_names[d] : "?";
}

static const char *
rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED" };

	return rcode >= 0 && rcode < 6 ? names[rcode] : "other";
}

int
chk_result_exit(const struct chk_result *r)
{
	const struct mxg_decision *dec;

	switch (r->status) {
	case CHK_STATUS_OK:
		dec = r->an->decision;
		if (dec->faults == 0)
			return CHK_EXIT_CLEAN;
		return dec->action == MXG_ACTION_KEEP ? CHK_EXIT_LOGGED :
		    CHK_EXIT_CHANGED;
	case CHK_STATUS_NO_MX:
		return CHK_EXIT_CLEAN;
	default:
		return CHK_EXIT_UNRESOLVED;
	}
}

/* The classes a domain falls in, as the stats file counts them. */
static unsigned
classes_of(const struct chk_result *r)
{
	return r->status == CHK_STATUS_OK ? mxg_stats_classify(
	    r->an->distribution, r->an->decision->faults) : 0;
}

/* ---- text ------------------------------------------------------------ */

static void
text_name(struct mxg_sink *s, const uint8_t *name)
{
	char buf[MXG_DNAME_TEXTLEN];
	struct mxg_text t;

	mxg_text_init(&t, buf, sizeof(buf));
	mxg_text_name(&t, name);
	mxg_sink_str(s, mxg_text_end(&t));
}

static void
text_faults(struct mxg_sink *s, unsigned faults, const char *sep)
{
	unsigned bit;

	for (bit = 1; bit <= MXG_FAULT_ALL; bit <<= 1)
		if (faults & bit) {
			mxg_sink_printf(s, "%s%s", sep, mxg_fault_name(bit));
			sep = ",";
		}
}

/* The exchange's canonical name, when it is a known alias. */
static const uint8_t *
canonical_of(const struct mxg_answer *ans, const struct mxg_record *rec)
{
	const struct mxg_exchange *ex;

	if (rec->exchange_index == MXG_NO_EXCHANGE)
		return NULL;
	ex = &ans->exchanges[rec->exchange_index];
	return ex->fact.kind == MXG_FACT_ALIAS ? ex->fact.canonical : NULL;
}

/* Every faulty record, one line each, none left out. */
static void
text_records(struct mxg_sink *s, const struct mxg_analysis *an)
{
	const struct mxg_decision *dec = an->decision;
	size_t i;

	for (i = 0; i < dec->count; i++) {
		const struct mxg_record *rec = &an->answer->records[i];
		const uint8_t *canon = canonical_of(an->answer, rec);

		if (dec->verdicts[i].faults == 0)
			continue;
		if (rec->exchange == NULL)
			mxg_sink_printf(s, "  record %zu", i);
		else {
			mxg_sink_printf(s, "  record pref %u exchange ",
			    rec->preference);
			text_name(s, rec->exchange);
		}
		text_faults(s, dec->verdicts[i].faults, " fault ");
		if (canon != NULL) {
			mxg_sink_str(s, " canonical ");
			text_name(s, canon);
		}
		mxg_sink_printf(s, " action %s\n",
		    mxg_record_action_name(dec, i));
	}
}

static void
text_classes(struct mxg_sink *s, unsigned classes)
{
	const char *sep = "; class ";
	int c;

	for (c = 0; c < MXG_CLASS_FAULTS; c++)
		if (classes & (1u << c)) {
			mxg_sink_printf(s, "%s%s", sep, mxg_stats_class_name(c));
			sep = ",";
		}
}

static void
text_analysis(struct mxg_sink *s, const struct chk_result *r)
{
	const struct mxg_analysis *an = r->an;
	const struct mxg_decision *dec = an->decision;
	char line[MXG_LOGLINE];

	mxg_sink_printf(s, ": %s%s; dnssec %s", mxg_action_name(dec->action),
	    dec->exempt ? " (exempt)" : "", chk_dnssec_name(r->dnssec));
	text_faults(s, dec->faults, "; fault ");
	text_classes(s, classes_of(r));
	if (r->lookups_timed_out)
		mxg_sink_printf(s, "; %u address lookups timed out",
		    r->lookups_timed_out);
	mxg_sink_str(s, "\n");
	text_records(s, an);
	/* The module logs a decision only when it found a fault. */
	if (dec->faults != 0)
		mxg_sink_printf(s, "  mxguard: %s\n", mxg_decision_render(line,
		    sizeof(line), an->answer, dec));
	mxg_sink_printf(s, "  mxguard: %s\n", mxg_distribution_render(line,
	    sizeof(line), an->distribution));
}

void
chk_render_text(struct mxg_sink *s, const struct chk_result *r)
{
	text_name(s, r->owner);
	switch (r->status) {
	case CHK_STATUS_OK:
		text_analysis(s, r);
		return;
	case CHK_STATUS_NO_MX:
		mxg_sink_printf(s, ": no MX records (mail would go to the "
		    "domain's own address); dnssec %s\n",
		    chk_dnssec_name(r->dnssec));
		return;
	case CHK_STATUS_NXDOMAIN:
		mxg_sink_printf(s, ": nxdomain (the domain does not exist); "
		    "dnssec %s\n", chk_dnssec_name(r->dnssec));
		return;
	case CHK_STATUS_SERVFAIL:
		mxg_sink_printf(s, ": unresolved (rcode %s)\n",
		    rcode_name(r->rcode));
		return;
	case CHK_STATUS_BOGUS:
		mxg_sink_str(s, ": bogus (DNSSEC validation failed)\n");
		return;
	case CHK_STATUS_TIMEOUT:
		mxg_sink_printf(s, ": timeout (no answer within %u s)\n",
		    r->timeout);
		return;
	case CHK_STATUS_ERROR:
		mxg_sink_printf(s, ": error (%s)\n", r->error ? r->error : "?");
		return;
	}
}

/* ---- JSON ------------------------------------------------------------ */

static void
json_fault_words(struct mxg_sink *s, unsigned faults)
{
	const char *sep = "";
	int k;

	mxg_sink_str(s, "[");
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		if (faults & (1u << k)) {
			mxg_sink_printf(s, "%s\"%s\"", sep,
			    mxg_stat_name(MXG_STAT_FAULT_ALIAS + k));
			sep = ", ";
		}
	mxg_sink_str(s, "]");
}

/* "faults" as in the stats file: answers with each kind, here 0 or 1. */
static void
json_faults(struct mxg_sink *s, unsigned faults)
{
	int k;

	mxg_sink_str(s, ", \"faults\": {");
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		mxg_sink_printf(s, "%s\"%s\": %u", k ? ", " : "",
		    mxg_stat_name(MXG_STAT_FAULT_ALIAS + k),
		    (faults >> k) & 1u);
	mxg_sink_printf(s, "}, \"faults_last\": %u", faults);
}

static void
json_record(struct mxg_sink *s, const struct mxg_analysis *an, size_t i)
{
	const struct mxg_record *rec = &an->answer->records[i];
	const uint8_t *canon = canonical_of(an->answer, rec);

	mxg_sink_str(s, "{\"exchange\": ");
	if (rec->exchange != NULL)
		mxg_render_json_name(s, rec->exchange);
	else
		mxg_sink_str(s, "null");
	mxg_sink_printf(s, ", \"preference\": %u, \"record\": %zu, "
	    "\"faults\": ", rec->preference, i);
	json_fault_words(s, an->decision->verdicts[i].faults);
	mxg_sink_str(s, ", \"canonical\": ");
	if (canon != NULL)
		mxg_render_json_name(s, canon);
	else
		mxg_sink_str(s, "null");
	mxg_sink_printf(s, ", \"action\": \"%s\"}",
	    mxg_record_action_name(an->decision, i));
}

static void
json_classes(struct mxg_sink *s, unsigned classes)
{
	const char *sep = "";
	int c;

	mxg_sink_str(s, ", \"classes\": [");
	for (c = 0; c < MXG_CLASS_COUNT; c++)
		if (classes & (1u << c)) {
			mxg_sink_printf(s, "%s\"%s\"", sep,
			    mxg_stats_class_name(c));
			sep = ", ";
		}
	mxg_sink_str(s, "]");
}

static void
json_analysis(struct mxg_sink *s, const struct mxg_analysis *an)
{
	const struct mxg_decision *dec = an->decision;
	const char *sep = "";
	size_t i;

	mxg_sink_printf(s, ", \"action\": \"%s\", \"exempt\": %s",
	    mxg_action_name(dec->action), dec->exempt ? "true" : "false");
	json_faults(s, dec->faults);
	mxg_sink_printf(s, ", \"records\": {\"dropped\": %zu, \"rewritten\": "
	    "%zu}, \"unchecked\": %zu, \"faulty_records\": [", dec->dropped,
	    dec->rewritten, dec->unchecked);
	for (i = 0; i < dec->count; i++)
		if (dec->verdicts[i].faults != 0) {
			mxg_sink_str(s, sep);
			json_record(s, an, i);
			sep = ", ";
		}
	mxg_sink_str(s, "]");
}

void
chk_render_json(struct mxg_sink *s, const struct chk_result *r)
{
	bool ok = r->status == CHK_STATUS_OK;

	mxg_sink_str(s, "{\"domain\": ");
	mxg_render_json_name(s, r->owner);
	mxg_sink_printf(s, ", \"status\": \"%s\", \"dnssec\": \"%s\", "
	    "\"rcode\": ", chk_status_name(r->status),
	    chk_dnssec_name(r->dnssec));
	/* No answer, no rcode. */
	if (r->rcode < 0)
		mxg_sink_str(s, "null");
	else
		mxg_sink_printf(s, "\"%s\"", rcode_name(r->rcode));
	mxg_sink_str(s, ", \"error\": ");
	if (r->status == CHK_STATUS_ERROR && r->error != NULL)
		mxg_render_json_string(s, r->error);
	else if (r->status == CHK_STATUS_TIMEOUT)
		mxg_sink_printf(s, "\"no answer within %u s\"", r->timeout);
	else
		mxg_sink_str(s, "null");
	if (ok)
		json_analysis(s, r->an);
	else {
		mxg_sink_str(s, ", \"action\": null, \"exempt\": false");
		json_faults(s, 0);
		mxg_sink_str(s, ", \"records\": {\"dropped\": 0, \"rewritten\": "
		    "0}, \"unchecked\": 0, \"faulty_records\": []");
	}
	json_classes(s, classes_of(r));
	mxg_sink_printf(s, ", \"queries\": %u, \"lookups_timed_out\": %u, "
	    "\"exit\": %d, \"distribution\": ", r->queries,
	    r->lookups_timed_out, chk_result_exit(r));
	mxg_render_distribution_json(s, ok ? r->an->distribution : NULL, true);
	mxg_sink_str(s, "}\n");
}

/* ---- summary --------------------------------------------------------- */

void
chk_summary_add(struct chk_summary *sum, const struct chk_result *r)
{
	unsigned classes = classes_of(r), faults;
	int k;

	sum->domains++;
	sum->by_status[r->status]++;
	sum->queries += r->queries;
	sum->exit = chk_exit_worst(sum->exit, chk_result_exit(r));
	if (r->status != CHK_STATUS_OK && r->status != CHK_STATUS_NO_MX &&
	    r->status != CHK_STATUS_NXDOMAIN)
		return;
	sum->by_dnssec[r->dnssec]++;
	for (k = 0; k < MXG_CLASS_COUNT; k++)
		if (classes & (1u << k))
			sum->by_class[k]++;
	if (r->status != CHK_STATUS_OK)
		return;
	sum->by_action[r->an->decision->action]++;
	if ((faults = r->an->decision->faults) != 0)
		sum->with_faults++;
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		if (faults & (1u << k))
			sum->by_fault[k]++;
}

void
chk_render_summary(struct mxg_sink *s, const struct chk_summary *sum,
    double seconds)
{
	int k;

	mxg_sink_printf(s, "summary: %lu domains in %.1f s", sum->domains,
	    seconds);
	for (k = 0; k <= CHK_STATUS_ERROR; k++)
		mxg_sink_printf(s, "%s %s %lu", k ? "," : ":",
		    chk_status_name(k), sum->by_status[k]);
	mxg_sink_printf(s, "; invalid names %lu, lines skipped %lu\n",
	    sum->invalid, sum->skipped);
	mxg_sink_printf(s, "summary: domains with faults %lu:", sum->with_faults);
	for (k = 0; k < MXG_STATS_FAULT_KINDS; k++)
		mxg_sink_printf(s, "%s %s %lu", k ? "," : "",
		    mxg_fault_name(1u << k), sum->by_fault[k]);
	mxg_sink_printf(s, "\nsummary: actions: kept %lu, changed %lu, "
	    "servfail %lu\n", sum->by_action[MXG_ACTION_KEEP],
	    sum->by_action[MXG_ACTION_CHANGE],
	    sum->by_action[MXG_ACTION_SERVFAIL]);
	mxg_sink_printf(s, "summary: classes: single exchange %lu, load "
	    "balanced %lu, with backup %lu, null MX %lu\n",
	    sum->by_class[MXG_CLASS_SINGLE], sum->by_class[MXG_CLASS_BALANCED],
	    sum->by_class[MXG_CLASS_BACKUP], sum->by_class[MXG_CLASS_NULL_MX]);
	mxg_sink_printf(s, "summary: dnssec: secure %lu, insecure %lu, bogus "
	    "%lu, unchecked %lu\n", sum->by_dnssec[CHK_DNSSEC_SECURE],
	    sum->by_dnssec[CHK_DNSSEC_INSECURE], sum->by_status[CHK_STATUS_BOGUS],
	    sum->by_dnssec[CHK_DNSSEC_UNCHECKED]);
	mxg_sink_printf(s, "summary: queries %lu (%.2f per domain); exit %d\n",
	    sum->queries, sum->domains ? (double)sum->queries /
	    (double)sum->domains : 0.0, sum->exit);
}
