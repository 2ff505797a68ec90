/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxguard-checkconf.c - check mxguard.conf before Unbound reads it.
 *
 * Runs the module's own parser on the file, so what it accepts the
 * module accepts, and reports every error as FILE:LINE: message.  With
 * no FILE it checks the file the module would read from the current
 * directory: $MXGUARD_CONF if set, else ./mxguard.conf, else nothing
 * (built-in defaults).  Exits 0 when the file is valid, 1 otherwise.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mxguard/config.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static void
usage(FILE *out)
{
	fprintf(out, "usage: mxguard-checkconf [-ho] [file]\n"
	    "  -h  show this help\n"
	    "  -o  print the effective settings\n"
	    "file defaults to $%s, else ./%s\n", MXG_CONF_ENV,
	    MXG_CONF_BASENAME);
}

static void
print_error(void *arg, const char *file, unsigned line, const char *message)
{
	(void)arg;
	fprintf(stderr, "%s:%u: %s\n", file, line, message);
}

int
main(int argc, char **argv)
{
	struct mxg_settings *settings;
	char located[PATH_MAX];
	const char *path = NULL;
	unsigned flags = 0;
	int ch, print = 0;

	while ((ch = getopt(argc, argv, "ho")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'o':
			print = 1;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1) {
		usage(stderr);
		return 1;
	}
	if (argc == 1) {
		path = argv[0];
	} else {
		/* The module's rule, with the current directory as Unbound's. */
		switch (mxg_config_locate(located, sizeof(located),
		    getenv(MXG_CONF_ENV), ".", NULL)) {
		case MXG_CONF_ORIGIN_DIRECTORY:
			flags = MXG_CONF_MISSING_OK;
			/* FALLTHROUGH */
		case MXG_CONF_ORIGIN_ENV:
			path = located;
			break;
		default:
			fprintf(stderr, "mxguard-checkconf: $%s is too long\n",
			    MXG_CONF_ENV);
			return 1;
		}
	}

	if ((settings = mxg_config_load(path, flags, print_error, NULL)) == NULL)
		return 1;
	if (print) {
		if (mxg_config_write(stdout, settings) != 0) {
			perror("mxguard-checkconf: stdout");
			mxg_config_free(settings);
			return 1;
		}
	} else if (settings->source == NULL) {
		printf("mxguard-checkconf: no %s, built-in defaults\n", path);
	} else {
		printf("mxguard-checkconf: no errors in %s\n", path);
	}
	mxg_config_free(settings);
	return 0;
}
