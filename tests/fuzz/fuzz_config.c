/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c - libFuzzer target: the input as an mxguard.conf file.
 *
 * Parses from memory with the parser the module and mxguard-checkconf
 * use, then writes any accepted settings back out and parses that again,
 * which must succeed: -o output is meant to be a valid configuration.
 * Includes resolve relative to a name in an empty directory, so most of
 * them miss; absolute ones may read real files, which is harmless.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mxguard/config.h"

static void
ignore(void *arg, const char *file, unsigned line, const char *message)
{
	(void)arg;
	(void)file;
	(void)line;
	(void)message;
}

static void
reparse_written(const struct mxg_settings *s)
{
	struct mxg_settings *again;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (out == NULL)
		return;
	if (mxg_config_write(out, s) != 0 || fclose(out) != 0) {
		free(text);
		return;
	}
	again = mxg_config_parse("written.conf", text, len, ignore, NULL);
	if (again == NULL)
		abort();	/* what -o prints must read back */
	mxg_config_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxg_settings *s;

	s = mxg_config_parse("/nonexistent/fuzz.conf", (const char *)data,
	    size, ignore, NULL);
	if (s != NULL) {
		reparse_written(s);
		mxg_config_free(s);
	}
	return 0;
}
