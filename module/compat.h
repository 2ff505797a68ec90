/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat.h - the Unbound API differences mxguard copes with.
 *
 * configure compiles small calls against the Unbound tree and defines
 * MXG_HAVE_* in build-info.h for the signatures it found (see configure.ac); these wrappers
 * give the glue one signature to call.  Include after Unbound's config.h
 * and the Unbound headers.
 */
#ifndef MXGUARD_COMPAT_H
#define MXGUARD_COMPAT_H

#include "build-info.h"

/* Unbound 1.25 added a respip_client_info argument after qinfo. */
#if MXG_HAVE_SUB_CINFO
#define MXG_ATTACH_SUB(qs, qi, flags, prime, valrec, newq) \
	((qs)->env->attach_sub((qs), (qi), NULL, (flags), (prime), (valrec), (newq)))
#define MXG_ADD_SUB(qs, qi, flags, prime, valrec, newq, sub) \
	((qs)->env->add_sub((qs), (qi), NULL, (flags), (prime), (valrec), (newq), (sub)))
#else
#define MXG_ATTACH_SUB(qs, qi, flags, prime, valrec, newq) \
	((qs)->env->attach_sub((qs), (qi), (flags), (prime), (valrec), (newq)))
#define MXG_ADD_SUB(qs, qi, flags, prime, valrec, newq, sub) \
	((qs)->env->add_sub((qs), (qi), (flags), (prime), (valrec), (newq), (sub)))
#endif

/* qstarttime arrived in 1.17.1 (serve-expired), is_valrec in 1.22. */
#if MXG_HAVE_CACHE_STORE_VALREC
#define MXG_DNS_CACHE_STORE(env, qi, rep, leeway, region, flags, qstart) \
	dns_cache_store((env), (qi), (rep), 0, (leeway), 0, (region), (flags), \
	    (qstart), 0)
#elif MXG_HAVE_CACHE_STORE_QSTARTTIME
#define MXG_DNS_CACHE_STORE(env, qi, rep, leeway, region, flags, qstart) \
	dns_cache_store((env), (qi), (rep), 0, (leeway), 0, (region), (flags), \
	    (qstart))
#else
#define MXG_DNS_CACHE_STORE(env, qi, rep, leeway, region, flags, qstart) \
	dns_cache_store((env), (qi), (rep), 0, (leeway), 0, (region), (flags))
#endif

/*
 * Newer Unbound keeps the views in the module environment, older in the
 * daemon.
 * Needs daemon/worker.h and daemon/daemon.h for the older place.
 */
#if MXG_HAVE_ENV_VIEWS
#define MXG_VIEWS(env, worker)	((env)->views)
#else
#define MXG_VIEWS(env, worker)	((worker)->daemon->views)
#endif

#endif /* MXGUARD_COMPAT_H */
