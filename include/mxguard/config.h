/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - reading mxguard.conf into an immutable struct mxg_settings.
 *
 * The file is written like unbound.conf: a "mxguard:" clause, "name: value"
 * pairs, "#" comments, quoted or bare values, "include:" of further files.
 * Every error is reported through a callback with the file and line, and
 * parsing goes on so that one run reports them all; a result is returned
 * only when there was no error.  The module and mxguard-checkconf share
 * this code, so they always agree.  Unbound-independent.
 */
#ifndef MXGUARD_CONFIG_H
#define MXGUARD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "mxguard/settings.h"

/* Limits: exceeding one is an error, never a silent truncation. */
#define MXG_CONF_LINE_MAX	4096		/* octets in one line */
#define MXG_CONF_VALUE_MAX	1024		/* octets in one value */
#define MXG_CONF_FILE_MAX	(16UL << 20)	/* octets in one file */
#define MXG_CONF_INCLUDE_DEPTH	16		/* nested includes */
#define MXG_CONF_FILES_MAX	256		/* files read in one load */
#define MXG_CONF_EXEMPT_MAX	10000		/* exempt-domain values */
#define MXG_CONF_ERRORS_MAX	50		/* then the parser gives up */

/* Name of the environment variable that names the file. */
#define MXG_CONF_ENV		"MXGUARD_CONF"
/* Name of the file looked for in Unbound's directory. */
#define MXG_CONF_BASENAME	"mxguard.conf"

/*
 * Receives one error.  line is 0 when the error is about the file as a
 * whole (cannot open it, no mxguard: clause).  message has no trailing
 * newline and contains no control characters.
 */
typedef void mxg_config_report_fn(void *arg, const char *file, unsigned line,
    const char *message);

/* Flags for mxg_config_load(). */
#define MXG_CONF_MISSING_OK	0x1	/* no such file: built-in defaults */

/* Where mxg_config_locate() found the file to read. */
enum mxg_config_origin {
	MXG_CONF_ORIGIN_NONE = 0,	/* no file: built-in defaults */
	MXG_CONF_ORIGIN_ENV,		/* MXGUARD_CONF: must exist */
	MXG_CONF_ORIGIN_DIRECTORY,	/* Unbound's directory: may be absent */
	MXG_CONF_ORIGIN_TOO_LONG	/* the path does not fit in out */
};

/* Fill s with the built-in defaults; nothing is allocated. */
void mxg_settings_defaults(struct mxg_settings *s);

/*
 * Decide which file to read, without touching the file system.  env is
 * the value of MXGUARD_CONF (NULL or "" when unset), directory Unbound's
 * "directory:" and chroot its "chroot:" (NULL or "" when unset).  A path
 * under the chroot is made relative to it, because the module reads the
 * file after Unbound has changed root.  The path is written to out.
 */
enum mxg_config_origin mxg_config_locate(char *out, size_t outlen,
    const char *env, const char *directory, const char *chroot);

/*
 * Read the file at path (NULL: built-in defaults).  With
 * MXG_CONF_MISSING_OK a file that does not exist gives the defaults,
 * with source NULL.  Returns NULL after reporting every error (or when
 * memory ran out, reported too).
 */
struct mxg_settings *mxg_config_load(const char *path, unsigned flags,
    mxg_config_report_fn *report, void *arg);

/*
 * Parse len octets of text as if read from the file called name (used in
 * messages and to resolve relative includes).  Same result as load.
 */
struct mxg_settings *mxg_config_parse(const char *name, const char *text,
    size_t len, mxg_config_report_fn *report, void *arg);

/* Free settings returned by mxg_config_load() or mxg_config_parse(). */
void mxg_config_free(struct mxg_settings *s);

/*
 * Write s in mxguard.conf syntax, every option, so that parsing the
 * output gives the same settings.  Returns 0, or -1 on a write error.
 */
int mxg_config_write(FILE *out, const struct mxg_settings *s);

/* The configuration words for the enum values, for logs. */
const char *mxg_policy_name(enum mxg_policy policy);
const char *mxg_prefetch_name(enum mxg_prefetch prefetch);
const char *mxg_stats_format_name(enum mxg_stats_format format);

#endif /* MXGUARD_CONFIG_H */
