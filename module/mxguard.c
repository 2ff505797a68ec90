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
#include "util/config_file.h"
#include "dynlibmod/dynlibmod.h"

#include "mxguard/config.h"
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

/* Configuration errors, one log line each: "mxguard: FILE:LINE: what". */
static void
report_config_error(void *arg, const char *file, unsigned line,
    const char *message)
{
	(void)arg;
	/* Line 0: the file as a whole; written as checkconf writes it. */
	log_err("mxguard: %s:%u: %s", file, line, message);
}

static struct mxg_settings *
load_settings(struct module_env *env)
{
	char path[4096];
	enum mxg_config_origin origin;
	struct mxg_settings *set;

	origin = mxg_config_locate(path, sizeof(path), getenv(MXG_CONF_ENV),
	    env->cfg->directory, env->cfg->chrootdir);
	switch (origin) {
	case MXG_CONF_ORIGIN_TOO_LONG:
		log_err("mxguard: the configuration file's path is too long");
		return NULL;
	case MXG_CONF_ORIGIN_NONE:
		set = mxg_config_load(NULL, 0, report_config_error, NULL);
		break;
	case MXG_CONF_ORIGIN_ENV:
		set = mxg_config_load(path, 0, report_config_error, NULL);
		break;
	case MXG_CONF_ORIGIN_DIRECTORY:
	default:
		set = mxg_config_load(path, MXG_CONF_MISSING_OK,
		    report_config_error, NULL);
		break;
	}
	if (!set)
		return NULL;
	if (set->source)
		log_info("mxguard: settings from %s", set->source);
	else
		log_info("mxguard: no configuration file (looked for %s): "
		    "built-in defaults", origin == MXG_CONF_ORIGIN_NONE ?
		    MXG_CONF_BASENAME : path);
	return set;
}

static void
warn_inconsistent(struct module_env *env, const struct mxg_settings *set)
{
	if (set->additional && env->cfg->minimal_responses)
		log_warn("mxguard: additional: yes has no visible effect with "
		    "Unbound's minimal-responses: yes (clients see no "
		    "additional section)");
}

EXPORT int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct mxg_env *me;

	if (!(me = calloc(1, sizeof(*me)))) {
		log_err("mxguard: out of memory");
		return 0;
	}
	if (!(me->settings = load_settings(env))) {
		log_err("mxguard: configuration failed; not starting");
		free(me);
		return 0;
	}
	warn_inconsistent(env, me->settings);
	de->dyn_env = me;
	log_info("mxguard %s loaded (built for Unbound %s)",
	    MXG_VERSION, MXG_UNBOUND_VERSION);
	return 1;
}

EXPORT void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct mxg_env *me;

	if (!de || !(me = de->dyn_env))
		return;
	mxg_config_free(me->settings);
	free(me);
	de->dyn_env = NULL;
	log_info("mxguard: unloaded");
}

EXPORT void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	struct mxg_env *me = module_env_of(qstate->env, id);
	struct mxg_query *q = qstate->minfo[id];

	(void)outbound;
	switch (event) {
	case module_event_new:
		qstate->minfo[id] = NULL;
		qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_pass:
		/* After inform_super: our sub-queries are coming back. */
		if (q && q->phase == MXG_PHASE_WAIT)
			qstate->ext_state[id] = mxg_police_resume(qstate, id, me, q);
		else
			qstate->ext_state[id] = module_wait_module;
		return;
	case module_event_moddone:
		qstate->ext_state[id] = me ? mxg_police_moddone(qstate, id, me) :
		    module_finished;
		return;
	default:
		/* An error below us: hand it on as it is. */
		qstate->ext_state[id] = module_error;
		return;
	}
}

EXPORT void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	struct mxg_query *q = super->minfo[id];

	if (q && q->phase == MXG_PHASE_WAIT)
		mxg_lookup_inform(qstate, super, q);
}

EXPORT void
clear(struct module_qstate *qstate, int id)
{
	/* Our per-query state lives in the query's region. */
	if (qstate)
		qstate->minfo[id] = NULL;
}

EXPORT size_t
get_mem(struct module_env *env, int id)
{
	struct mxg_env *me = module_env_of(env, id);

	return me ? sizeof(*me) : 0;
}
