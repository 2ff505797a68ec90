/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * budget.c - how many exchange lookups a worker thread may have out at a
 * time (lookups-per-thread).
 *
 * Whoever publishes an MX set chooses where its exchanges' lookups go,
 * and each answer may send 2 x max-exchanges of them: without a bound
 * across answers, a client sending random names under a wildcard MX
 * makes the resolver send queries to a third party's servers at many
 * times its own rate, and dead servers keep every one of them waiting.
 *
 * Each thread keeps a ledger of the lookups it started and that are
 * still in its mesh.  A lookup leaves the ledger when its answer comes
 * back to the query that asked for it (inform_super), or, when nobody
 * waits for it any more (prefetch: background, a query that ended
 * first), once Unbound has ended its mesh state: a full ledger is swept
 * for those, asking the mesh, at most once a second.  So the ledger
 * counts every lookup that may still send queries upstream, whoever
 * waits for it.  When it is full, no lookup is sent: the exchange is
 * judged on what the cache knows, and counted.  The same budget bounds
 * how many answers wait for their lookups (mxg_ledger_may_wait).
 *
 * The mesh is the thread's own, and so is its ledger: no locks.
 */
#include "config.h"
#include "util/module.h"
#include "util/net_help.h"
#include "services/mesh.h"
#include "sldns/rrdef.h"

#include "mxguard/dname.h"
#include "glue.h"

struct mxg_ledger_entry {
	uint16_t qtype;
	uint8_t name_len;
	uint8_t name[MXG_DNAME_MAXLEN];
};

struct mxg_ledger {
	size_t count, cap;
	size_t waiting;			/* MX answers waiting for lookups */
	time_t swept;			/* the last sweep, to the second */
	struct mxg_ledger_entry entry[];
};

struct mxg_ledger *
mxg_ledger_new(size_t cap)
{
	struct mxg_ledger *l;

	l = calloc(1, sizeof(*l) + cap * sizeof(l->entry[0]));
	if (l)
		l->cap = cap;
	return l;
}

void
mxg_ledger_free(struct mxg_ledger *l)
{
	free(l);
}

size_t
mxg_ledger_memory(const struct mxg_ledger *l)
{
	return l ? sizeof(*l) + l->cap * sizeof(l->entry[0]) : 0;
}

/* Does the thread's mesh still hold the lookup start_sub made? */
static bool
in_mesh(struct module_env *env, struct mxg_ledger_entry *e)
{
	struct query_info qinfo;

	memset(&qinfo, 0, sizeof(qinfo));
	qinfo.qname = e->name;
	qinfo.qname_len = e->name_len;
	qinfo.qtype = e->qtype;
	qinfo.qclass = LDNS_RR_CLASS_IN;
	return mesh_area_find(env->mesh, NULL, &qinfo, BIT_RD, 0, 0) != NULL;
}

static void
remove_at(struct mxg_ledger *l, size_t i)
{
	l->entry[i] = l->entry[--l->count];
}

static void
sweep(struct mxg_ledger *l, struct module_env *env)
{
	size_t i = 0;

	while (i < l->count) {
		if (in_mesh(env, &l->entry[i]))
			i++;
		else
			remove_at(l, i);
	}
}

bool
mxg_ledger_room(struct mxg_ledger *l, struct module_env *env)
{
	if (!l)
		return false;
	if (l->count < l->cap)
		return true;
	if (l->cap == 0 || l->swept == *env->now)
		return false;
	l->swept = *env->now;
	sweep(l, env);
	return l->count < l->cap;
}

void
mxg_ledger_add(struct mxg_ledger *l, const uint8_t *name, uint16_t qtype)
{
	struct mxg_ledger_entry *e;
	size_t len = mxg_dname_len(name, MXG_DNAME_MAXLEN);

	if (!l || l->count >= l->cap || len == 0)
		return;
	e = &l->entry[l->count++];
	e->qtype = qtype;
	e->name_len = (uint8_t)len;
	memcpy(e->name, name, len);
}

void
mxg_ledger_release(struct mxg_ledger *l, const uint8_t *name,
    uint16_t qtype)
{
	size_t i, len = mxg_dname_len(name, MXG_DNAME_MAXLEN);

	if (!l)
		return;
	for (i = 0; i < l->count; i++) {
		struct mxg_ledger_entry *e = &l->entry[i];

		if (e->qtype == qtype && e->name_len == len &&
		    mxg_dname_equal(e->name, name)) {
			remove_at(l, i);
			return;
		}
	}
}

/*
 * Answers that wait hold their whole message in their query's region
 * (an MX set of 1,024 long names is some hundreds of KiB parsed, and
 * the engine's view of it more), and one that waits past its deadline
 * holds it until a lookup comes back.  So no more answers wait than
 * could each have all their lookups out within the budget:
 * lookups-per-thread / (2 x max-exchanges), at least one.  The others
 * send their lookups in the background.
 */
bool
mxg_ledger_may_wait(const struct mxg_ledger *l,
    const struct mxg_settings *set)
{
	size_t per_answer = 2 * (size_t)set->max_exchanges;
	size_t most = l ? l->cap / per_answer : 0;

	if (!l || l->cap == 0)
		return false;
	return l->waiting < (most > 0 ? most : 1);
}

void
mxg_ledger_wait_begin(struct mxg_ledger *l)
{
	if (l)
		l->waiting++;
}

void
mxg_ledger_wait_end(struct mxg_ledger *l)
{
	if (l && l->waiting > 0)
		l->waiting--;
}
