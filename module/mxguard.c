/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxguard.c - the dynlib entry points: init, deinit, operate,
 * inform_super, clear, get_mem.
 *
 * Unbound's dynlib module looks these six up by name.  They are the only
 * symbols the module exports (everything else is built hidden), so
 * nothing of ours can clash with Unbound's own symbols.
 */
#include "config.h"
#include "util/module.h"
#include "util/log.h"
#include "dynlibmod/dynlibmod.h"

#include "build-info.h"
#include "glue.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int init(struct module_env *env, int id);
EXPORT void deinit(struct module_env *env, int id);
EXPORT void operate(struct module_qstate *qstate, enum module_ev event,
    int id, struct outbound_entry *outbound);
EXPORT void inform_super(struct module_qstate *qstate, int id,
    struct module_qstate *super);
EXPORT void clear(struct module_qstate *qstate, int id);
EXPORT size_t get_mem(struct module_env *env, int id);

static struct mxg_env *
module_env_of(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];

	return de ? de->dyn_env : NULL;
}

EXPORT int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct mxg_env *me;

	me = calloc(1, sizeof(*me));
	if (!me) {
		log_err("mxguard: out of memory");
		return 0;
	}
	de->dyn_env = me;
	log_info("mxguard %s loaded (built for Unbound %s)",
	    MXG_VERSION, MXG_UNBOUND_VERSION);
	return 1;
}

EXPORT void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];

	if (!de || !de->dyn_env)
		return;
	free(de->dyn_env);
	de->dyn_env = NULL;
	log_info("mxguard: unloaded");
}

EXPORT void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	(void)outbound;
	switch (event) {
	case module_event_new:
	case module_event_pass:
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_moddone:
		qstate->ext_state[id] = module_finished;
		return;
	default:
		/* Not ours to judge: hand the error on as it is. */
		qstate->ext_state[id] = module_error;
		return;
	}
}

EXPORT void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	(void)qstate;
	(void)id;
	(void)super;
}

EXPORT void
clear(struct module_qstate *qstate, int id)
{
	if (qstate)
		qstate->minfo[id] = NULL;
}

EXPORT size_t
get_mem(struct module_env *env, int id)
{
	struct mxg_env *me = module_env_of(env, id);

	return me ? sizeof(*me) : 0;
}
