/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glue.h - the module's state as the Unbound glue sees it, and the glue
 * functions shared between its files.
 *
 * One struct mxg_env per loaded module instance, shared by every worker
 * thread (settings are immutable after init); one struct mxg_query per
 * MX answer being policed, allocated in that query's region, so it is
 * freed with the query and never outlives it.
 */
#ifndef MXGUARD_GLUE_H
#define MXGUARD_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Unbound's config.h must come first, as in every Unbound source. */
#include "util/module.h"
#include <pthread.h>
#include <stdatomic.h>

#include "mxguard/settings.h"
#include "mxguard/mx.h"
#include "mxguard/policy.h"
#include "mxguard/analysis.h"
#include "mxguard/stats.h"
#include "mxguard/ratelimit.h"


/* The security status of the SERVFAIL entries policy stores. */
#define MXG_SERVFAIL_SECURITY	sec_status_insecure

/*
 * Set in rk.flags of an MX rrset that mxguard changed.  The rrset cache
 * key includes the flags, so the changed rrset lives beside the upstream
 * one instead of replacing it: the iterator keeps seeing upstream data,
 * and only the message mxguard stores refers to the changed set.
 * Unbound uses bits 0x1-0x40 and 0x80000000 only.
 */
#define MXG_RRSET_FLAG	0x40000000u

/* Worker threads that get a statistics shard of their own. */
#define MXG_THREADS_MAX	256

struct mxg_reporter;
struct mxg_ledger;

struct mxg_env {
	struct mxg_settings *settings;
	struct mxg_stats *stats;
	struct mxg_reporter *reporter;
	/* When the next periodic report is due; 0: none (report.c). */
	_Atomic time_t report_due;
	/*
	 * Which thread owns which shard: a thread takes the next free
	 * index on its first count.  Entries are written once, before
	 * thread_count is raised (release), and read after it (acquire).
	 */
	pthread_t thread_ids[MXG_THREADS_MAX];
	_Atomic size_t thread_count;
	size_t threads;			/* shards: Unbound's num-threads */
	/* Each thread's lookups out (budget.c), by the shard's index. */
	struct mxg_ledger *ledgers[MXG_THREADS_MAX];
	pthread_mutex_t thread_lock;	/* serialises first counts */
	/* Per-answer log lines: log-rate a second, after a burst. */
	struct mxg_bucket log_bucket;
	/* Hashes the exchanges of every answer: random at each start. */
	struct mxg_hash_key name_key;
};

/* Index into mxg_exchange_lookup.type[]. */
enum mxg_addr_type { MXG_A = 0, MXG_AAAA = 1 };

/* What is known of one address type of one exchange. */
struct mxg_type_lookup {
	bool known;		/* a result, from the cache or a sub-query */
	bool pending;		/* a sub-query is out for it */
	struct mxg_fact fact;	/* per-type result (merged later) */
	/* The address rrset, copied into the query's region; or NULL. */
	struct ub_packed_rrset_key *addresses;
};

struct mxg_exchange_lookup {
	struct mxg_type_lookup type[2];
};

enum mxg_phase {
	MXG_PHASE_DOWN = 0,	/* passed on to the next module */
	MXG_PHASE_WAIT,		/* waiting for exchange sub-queries */
	MXG_PHASE_DONE
};

/* One MX answer being policed. */
struct mxg_query {
	enum mxg_phase phase;
	/*
	 * Waited for sub-queries: the cache holds an answer policed with
	 * what was known then, which the final one must replace, and which
	 * must not outlive the query.
	 */
	bool provisional;
	size_t outstanding;		/* sub-queries not back yet */
	size_t subqueries;		/* sub-queries sent, wait or detached */
	size_t stored_faulty;		/* faulty records when last stored */
	struct timeval deadline;	/* the clients answered from the cache */
	struct ub_packed_rrset_key *mx;	/* the MX rrset of return_msg */
	struct mxg_analysis an;		/* engine state, in the region */
	/* One per distinct exchange, parallel to an.answer->exchanges. */
	struct mxg_exchange_lookup *lookups;
};

/*
 * budget.c: a thread's ledger of the exchange lookups it has out, at
 * most lookups-per-thread.  room() sweeps a full ledger for lookups
 * Unbound has ended (once a second); NULL ledgers have no room.
 */
struct mxg_ledger *mxg_ledger_new(size_t cap);
void mxg_ledger_free(struct mxg_ledger *l);
size_t mxg_ledger_memory(const struct mxg_ledger *l);
bool mxg_ledger_room(struct mxg_ledger *l, struct module_env *env);
void mxg_ledger_add(struct mxg_ledger *l, const uint8_t *name,
    uint16_t qtype);
void mxg_ledger_release(struct mxg_ledger *l, const uint8_t *name,
    uint16_t qtype);
/* May one more answer wait for its lookups?  Count those that do. */
bool mxg_ledger_may_wait(const struct mxg_ledger *l,
    const struct mxg_settings *set);
void mxg_ledger_wait_begin(struct mxg_ledger *l);
void mxg_ledger_wait_end(struct mxg_ledger *l);

/* lookup.c: facts about the exchanges, from the cache and sub-queries. */
void mxg_lookup_cached(struct module_qstate *qstate, struct mxg_query *q);
size_t mxg_lookup_attach(struct module_qstate *qstate, int id,
    struct mxg_query *q, struct mxg_env *me);
size_t mxg_lookup_detach(struct module_qstate *qstate, int id,
    struct mxg_query *q, struct mxg_env *me);
void mxg_lookup_inform(struct module_qstate *sub, struct module_qstate *super,
    struct mxg_query *q, struct mxg_env *me);
void mxg_lookup_facts(struct mxg_query *q);

/* reply.c: the policed answer, built in the region and cached. */
struct reply_info *mxg_reply_rebuild(struct regional *region,
    struct reply_info *old, struct mxg_query *q, bool additional);
/*
 * Would the module have policed (and counted) this answer, which Unbound
 * serves from its cache: an MX rrset, or a SERVFAIL that policy made.
 */
bool mxg_reply_was_policed(struct query_info *qinfo, struct reply_info *rep);
bool mxg_reply_apply(struct module_qstate *qstate, struct mxg_query *q,
    bool additional);
void mxg_reply_servfail(struct module_qstate *qstate, struct mxg_query *q,
    unsigned long servfail_ttl);
/* Store a reply, or the SERVFAIL policy makes, in the message cache. */
void mxg_reply_store(struct module_qstate *qstate, struct reply_info *rep);
void mxg_reply_store_servfail(struct module_qstate *qstate,
    struct mxg_query *q, unsigned long servfail_ttl);
/*
 * Add the exchanges' addresses, as wanted?  Not where the resolver
 * rewrites addresses for its clients (response-ip, RPZ).
 */
bool mxg_reply_additional(struct module_env *env, bool wanted);
/* Remove the query's answer from the message cache. */
void mxg_reply_forget(struct module_qstate *qstate);

/* deadline.c: answer the waiting clients from the cache after ms. */
int mxg_deadline_ms(struct module_env *env);
bool mxg_deadline_arm(struct module_qstate *qstate, int ms);

/* thread.c: the calling thread's statistics shard and lookup ledger. */
struct mxg_stats_shard *mxg_thread_shard(struct mxg_env *me);
struct mxg_ledger *mxg_thread_ledger(struct mxg_env *me);
/* thread.c: may one more per-answer line be logged now? */
bool mxg_log_allowed(struct mxg_env *me, time_t now);

/*
 * report.c: the periodic report, driven by the traffic: tick is called
 * each time Unbound runs the module, where it holds none of its locks
 * (cheap unless a report is due); stop makes the final report.
 */
struct mxg_reporter *mxg_reporter_start(struct mxg_env *me);
void mxg_reporter_due(struct mxg_env *me, time_t now);
void mxg_reporter_stop(struct mxg_reporter *r);

/* One load and one compare unless a report is due. */
static inline void
mxg_reporter_tick(struct mxg_env *me, time_t now)
{
	time_t due = atomic_load_explicit(&me->report_due, memory_order_relaxed);

	if (due != 0 && now >= due)
		mxg_reporter_due(me, now);
}

/*
 * police.c: one MX answer's state, the engine's parse of its rrset,
 * known by the name the client asked (qname).
 */
struct mxg_query *mxg_query_new(struct regional *region,
    struct ub_packed_rrset_key *mx, const uint8_t *qname, size_t qname_len,
    const struct mxg_settings *set, const struct mxg_hash_key *key);

/* police.c: one MX answer from moddone to finished. */
enum module_ext_state mxg_police_moddone(struct module_qstate *qstate,
    int id, struct mxg_env *me);
enum module_ext_state mxg_police_resume(struct module_qstate *qstate,
    struct mxg_env *me, struct mxg_query *q);

#endif /* MXGUARD_GLUE_H */
