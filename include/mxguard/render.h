/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render.h - statistics snapshots as text: the periodic summary log
 * lines, JSON (schema in doc/stats.md) and the Prometheus text
 * exposition format, and the atomic stats-file writer.
 *
 * Everything here reads a struct mxg_stats_snapshot (stats.h) and no
 * live state, so the reporter renders without holding any lock.
 * Domain names come from the network: in every format they are written
 * in escaped presentation form first (mxg_text_name), then escaped
 * again for the format (JSON string, Prometheus label value).
 * Unbound-independent.
 */
#ifndef MXGUARD_RENDER_H
#define MXGUARD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mxguard/distribution.h"
#include "mxguard/settings.h"
#include "mxguard/stats.h"

/* Version of the JSON document ("version" field). */
#define MXG_STATS_JSON_VERSION	1
/* Longest summary log line, NUL included; longer ones end in "...". */
#define MXG_RENDER_LINE_MAX	1024
/* Top domains in the summary lines, at most. */
#define MXG_RENDER_SUMMARY_TOP	3
/* Exchanges per top domain in the Prometheus share series, at most. */
#define MXG_RENDER_PROM_EXCHANGES	8

/*
 * Where rendered text goes: a FILE*, or a buffer that grows with
 * malloc.  Once a write fails the sink stays failed and ignores the
 * rest, so renderers check only at the end.
 */
struct mxg_sink {
	FILE *fp;		/* NULL: the buffer */
	char *buf;		/* NUL-terminated when len > 0 */
	size_t len, cap;
	bool failed;
};

void mxg_sink_buffer(struct mxg_sink *s);
void mxg_sink_file(struct mxg_sink *s, FILE *fp);
/* Frees the buffer (not the FILE). */
void mxg_sink_free(struct mxg_sink *s);
void mxg_sink_str(struct mxg_sink *s, const char *str);
void mxg_sink_printf(struct mxg_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Receives one summary line, without newline or "mxguard: ". */
typedef void mxg_line_fn(void *arg, const char *line);

/*
 * The summary for the interval from prev to cur (prev NULL: since
 * start): one line of counters, then up to top_lines lines for the top
 * domains with their distribution.  Nothing when no counter moved.
 * Returns the number of lines passed to fn.
 */
size_t mxg_render_summary(const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, size_t top_lines,
    mxg_line_fn *fn, void *arg);

/* The same lines into a sink, each ending in "\n". */
size_t mxg_render_summary_sink(struct mxg_sink *s,
    const struct mxg_stats_snapshot *cur,
    const struct mxg_stats_snapshot *prev, size_t top_lines);

/* A JSON string, quotes, backslashes and control characters escaped. */
void mxg_render_json_string(struct mxg_sink *s, const char *str);
/* A domain name as a JSON string: presentation form, then JSON escapes. */
void mxg_render_json_name(struct mxg_sink *s, const uint8_t *name);

/*
 * One distribution as the "distribution" object of the JSON document
 * (null when d is NULL); one_line keeps it on a single line, for tools
 * that write one JSON object per line.
 */
void mxg_render_distribution_json(struct mxg_sink *s,
    const struct mxg_distribution *d, bool one_line);

/* The snapshot as one JSON document; false if the sink failed. */
bool mxg_render_json(struct mxg_sink *s, const struct mxg_stats_snapshot *snap);

/* The snapshot in Prometheus text format; false if the sink failed. */
bool mxg_render_prometheus(struct mxg_sink *s,
    const struct mxg_stats_snapshot *snap);

/*
 * Replace the file at path with the snapshot in format: written to a
 * temporary file in the same directory, fsynced, renamed over path,
 * mode 0644.  A reader sees the old file or the new one, never a part.
 * On failure the temporary file is removed, path is untouched, and err
 * (errlen bytes) says what failed.
 */
bool mxg_stats_write_file(const char *path, enum mxg_stats_format format,
    const struct mxg_stats_snapshot *snap, char *err, size_t errlen);

/*
 * The two halves of it, for a writer apart from the renderer: the
 * snapshot into a buffer sink (false: out of memory; free the sink
 * either way), and the file replaced by a rendered buffer.
 */
bool mxg_stats_render_file(struct mxg_sink *text,
    enum mxg_stats_format format, const struct mxg_stats_snapshot *snap);
bool mxg_stats_replace_file(const char *path, const struct mxg_sink *text,
    char *err, size_t errlen);

#endif /* MXGUARD_RENDER_H */
