/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slow-fsync.c - an LD_PRELOAD library for t_report: every fsync(2)
 * first sleeps SLOW_FSYNC_MS milliseconds (default 3000) and notes its
 * start in the file SLOW_FSYNC_LOG, so that a test can make a disk as
 * slow as it likes and know when a write was under way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Exported: the build hides every symbol by default. */
__attribute__((visibility("default"))) int
fsync(int fd)
{
	static int (*real_fsync)(int);
	const char *ms = getenv("SLOW_FSYNC_MS"), *log = getenv("SLOW_FSYNC_LOG");
	long wait = ms ? atol(ms) : 3000;
	struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };
	FILE *fp;

	if (!real_fsync)
		real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (log && (fp = fopen(log, "a")) != NULL) {
		fprintf(fp, "%ld\n", (long)time(NULL));
		fclose(fp);
	}
	nanosleep(&ts, NULL);
	return real_fsync ? real_fsync(fd) : 0;
}
