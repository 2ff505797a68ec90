/*
 * settings.h - the module's settings, as one immutable struct.
 *
 * Filled once by the configuration parser (config.c) from mxguard.conf or
 * from the built-in defaults, then read-only for the module's lifetime:
 * every thread reads it without locks.  Unbound-independent.
 */
#ifndef MXGUARD_SETTINGS_H
#define MXGUARD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What to do with an MX record that has a given fault. */
enum mxg_policy {
	MXG_POLICY_OFF = 0,	/* do not check */
	MXG_POLICY_LOG,		/* check, log, count; answer unchanged */
	MXG_POLICY_STRIP,	/* drop offending records; none left: SERVFAIL */
	MXG_POLICY_REWRITE,	/* alias only: replace by its canonical name */
	MXG_POLICY_SERVFAIL	/* any offending record: SERVFAIL */
};

/* When the exchanges' address records are resolved. */
enum mxg_prefetch {
	MXG_PREFETCH_OFF = 0,	/* use only what is cached */
	MXG_PREFETCH_WAIT,	/* resolve before the MX answer is sent */
	MXG_PREFETCH_BACKGROUND	/* send the answer, resolve detached */
};

enum mxg_stats_format {
	MXG_STATS_JSON = 0,
	MXG_STATS_PROMETHEUS
};

/* Bounds of the numeric options, shared by parser, docs and tests. */
#define MXG_MAX_EXCHANGES_MIN		1
#define MXG_MAX_EXCHANGES_MAX		64
#define MXG_STATS_MAX_DOMAINS_MIN	1UL
#define MXG_STATS_MAX_DOMAINS_MAX	10000000UL
#define MXG_STATS_INTERVAL_MAX		(7UL * 24 * 3600)
#define MXG_SERVFAIL_TTL_MAX		86400UL
#define MXG_LOG_RATE_MAX		1000UL
#define MXG_LOOKUPS_PER_THREAD_MAX	16384UL
/* The log bucket holds this many seconds of log-rate. */
#define MXG_LOG_BURST_SECONDS		20
#define MXG_STATS_MAX_MEMORY_MIN	(1UL << 20)
#define MXG_STATS_MAX_MEMORY_MAX	(1UL << 40)

struct mxg_settings {
	enum mxg_policy cname_policy;
	enum mxg_policy address_literal_policy;
	enum mxg_policy dangling_policy;
	enum mxg_policy null_mx_policy;
	/* Seconds a SERVFAIL that policy made stays in the cache, at most. */
	unsigned long servfail_ttl;

	/*
	 * Exempt domains: uncompressed wire-format names, lowercased,
	 * each a separately allocated buffer.  The domain and everything
	 * under it is checked and counted but never changed.
	 */
	uint8_t **exempt;
	size_t exempt_count;

	enum mxg_prefetch prefetch;
	unsigned max_exchanges;
	/* Exchange lookups one worker thread may have out at a time. */
	unsigned long lookups_per_thread;
	bool additional;
	bool log_distribution;
	unsigned long log_rate;		/* per-answer lines a second */

	unsigned long stats_interval;	/* seconds; 0 = no summary lines */
	char *stats_file;		/* NULL or "" = no stats file */
	enum mxg_stats_format stats_format;
	unsigned long stats_max_domains;
	unsigned long stats_max_memory;	/* bytes of the per-domain table */

	/* The file these settings came from; NULL for built-in defaults. */
	char *source;
};

#endif /* MXGUARD_SETTINGS_H */
