/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * deadline.c - a bound on how long an MX answer waits for its exchanges.
 *
 * With prefetch: wait the answer waits for the exchanges' A/AAAA
 * lookups.  When an exchange's name servers are down or slow, Unbound
 * takes minutes to give up on them, while it drops any reply that
 * waited longer than its discard-timeout: the MX answer would be lost
 * for every client meanwhile, although it is good and the backup
 * exchange may be too.
 *
 * A module may not arm timers of its own (the function pointer
 * whitelist), but Unbound's serve-expired machinery has one: the timer
 * of a query's serve_expired_data calls mesh_serve_expired_callback,
 * which answers the clients still waiting with what the message cache
 * holds for the query.  police.c first stores the answer policed with
 * what is known so far (unknown exchanges fail open), then arms that
 * timer, and stores it again as lookups come back (a SERVFAIL it answers
 * at once: Unbound 1.26 serves none from the cache at this timer); when
 * the lookups end in time, Unbound deletes the timer with the query.
 * If Unbound's own serve-expired-client-timeout already armed one, that
 * one is left to do the same job.
 */
#include "config.h"
#include "util/module.h"
#include "util/regional.h"
#include "util/netevent.h"
#include "util/config_file.h"
#include "services/mesh.h"

#include "glue.h"
#include "compat.h"

/* Short of the discard-timeout, so the clients waiting get the answer. */
#define MXG_DEADLINE_DEFAULT_MS	1500
#define MXG_DEADLINE_MIN_MS	100

int
mxg_deadline_ms(struct module_env *env)
{
	int ms = MXG_DEADLINE_DEFAULT_MS;

#if MXG_HAVE_DISCARD_TIMEOUT
	if (env->cfg->discard_timeout > 0 &&
	    env->cfg->discard_timeout * 3 / 4 < ms)
		ms = env->cfg->discard_timeout * 3 / 4;
#else
	(void)env;
#endif
	return ms < MXG_DEADLINE_MIN_MS ? MXG_DEADLINE_MIN_MS : ms;
}

bool
mxg_deadline_arm(struct module_qstate *qstate, int ms)
{
	struct serve_expired_data *d = qstate->serve_expired_data;
	struct timeval tv;

	if (d && d->timer)
		return true;
	if (!d) {
		if (!(d = regional_alloc_zero(qstate->region, sizeof(*d))))
			return false;
		qstate->serve_expired_data = d;
	}
	if (!d->get_cached_answer)
		d->get_cached_answer = &mesh_serve_expired_lookup;
	d->timer = comm_timer_create(qstate->env->worker_base,
	    mesh_serve_expired_callback, qstate->mesh_info);
	if (!d->timer)
		return false;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	comm_timer_set(d->timer, &tv);
	return true;
}
