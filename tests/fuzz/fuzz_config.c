/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c - libFuzzer target: the input as an mxguard.conf file.
 *
 * Parses from memory with the parser the module and mxguard-checkconf
 * use, then writes any accepted settings back out and parses that again,
 * which must succeed: -o output is meant to be a valid configuration.
 *
 * The input is parsed as the file fuzz.conf in a sandbox directory:
 * $MXG_FUZZ_CONF_DIR (scripts/fuzz fills one with the files of
 * tests/conf/, so that includes find real files, loops and errors), or
 * an empty directory made at start.  Includes stay inside it: the
 * target is linked with -Wl,--wrap=open,--wrap=glob, and the wrappers
 * below refuse any path or pattern that could leave the sandbox.
 * Without them an include of an absolute pattern with a wildcard in
 * every component makes glob(3) walk the whole file system: a single
 * input took over a minute, and the run depended on the machine.
 */

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxguard/config.h"

static char sandbox[4096];	/* the directory, no trailing slash */
static char top_name[4096];	/* sandbox/fuzz.conf */
static unsigned long refused;	/* paths the wrappers turned away */

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_glob(const char *pattern, int flags,
    int (*errfunc)(const char *, int), glob_t *g);
int __wrap_glob(const char *pattern, int flags,
    int (*errfunc)(const char *, int), glob_t *g);

/*
 * Whether path (a file name or a glob pattern) stays in the sandbox: it
 * starts with the sandbox, never climbs above it with "..", has no
 * backslash escapes, and no wildcard component that could match a name
 * starting with "." (only such components can match "..").
 */
static int
confined(const char *path)
{
	size_t len = strlen(sandbox);
	const char *c, *end;
	long depth = 0;

	if (strncmp(path, sandbox, len) != 0 || path[len] != '/' ||
	    strchr(path, '\\') != NULL)
		return 0;
	for (c = path + len + 1; *c != '\0'; c = *end ? end + 1 : end) {
		size_t n;

		end = strchr(c, '/');
		if (end == NULL)
			end = c + strlen(c);
		n = (size_t)(end - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return 0;
			continue;
		}
		if (c[0] == '.' && strcspn(c, "*?[") < n)
			return 0;
		depth++;
	}
	return 1;
}

int
__wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (!confined(path)) {
		refused++;
		errno = ENOENT;
		return -1;
	}
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return __real_open(path, flags, mode);
}

int
__wrap_glob(const char *pattern, int flags,
    int (*errfunc)(const char *, int), glob_t *g)
{
	if (!confined(pattern)) {
		refused++;
		memset(g, 0, sizeof(*g));
		return GLOB_NOMATCH;
	}
	return __real_glob(pattern, flags, errfunc, g);
}

static void
ignore(void *arg, const char *file, unsigned line, const char *message)
{
	(void)arg;
	(void)file;
	(void)line;
	(void)message;
}

static void
remove_sandbox(void)
{
	rmdir(sandbox);
}

/* Choose the sandbox, and prove the wrappers are linked in. */
static void
setup_sandbox(void)
{
	static const char escape[] = "mxguard:\n include: \"/*\"\n";
	const char *dir = getenv("MXG_FUZZ_CONF_DIR");
	struct mxg_settings *s;

	if (dir != NULL && *dir != '\0') {
		snprintf(sandbox, sizeof(sandbox), "%s", dir);
	} else {
		snprintf(sandbox, sizeof(sandbox), "%s/mxg-fuzz-conf.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(sandbox) == NULL) {
			perror("fuzz_config: mkdtemp");
			abort();
		}
		atexit(remove_sandbox);
	}
	snprintf(top_name, sizeof(top_name), "%s/fuzz.conf", sandbox);
	s = mxg_config_parse(top_name, escape, sizeof(escape) - 1, ignore,
	    NULL);
	if (s != NULL || refused == 0) {
		fprintf(stderr, "fuzz_config: includes are not confined "
		    "(link with -Wl,--wrap=open,--wrap=glob)\n");
		abort();
	}
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup_sandbox();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxg_settings *s;

	s = mxg_config_parse(top_name, (const char *)data, size, ignore,
	    NULL);
	if (s != NULL) {
		reparse_written(s);
		mxg_config_free(s);
	}
	return 0;
}
