/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dname.h - domain names in uncompressed wire format.
 *
 * The engine keeps names as Unbound keeps them in packed rrsets: a
 * sequence of length-prefixed labels ending in the root label (0).
 * Everything here is bounds-checked against the buffer length, because
 * the names come from MX records that an attacker controls.
 * Unbound-independent.
 */
#ifndef MXGUARD_DNAME_H
#define MXGUARD_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MXG_DNAME_MAXLEN	255	/* RFC 1035 §2.3.4, wire octets */
#define MXG_LABEL_MAXLEN	63
/* Longest presentation form: every octet as \DDD, dots, final dot, NUL. */
#define MXG_DNAME_TEXTLEN	(MXG_DNAME_MAXLEN * 4 + 2)

/*
 * Length in octets of the wire name at buf, reading at most buflen
 * octets; 0 if it is malformed (label over 63, compression pointer,
 * total over 255, or runs past buflen).
 */
size_t mxg_dname_len(const uint8_t *buf, size_t buflen);

/* Case-insensitive equality of two valid wire names. */
bool mxg_dname_equal(const uint8_t *a, const uint8_t *b);

/* True when name equals zone or lies beneath it (valid wire names). */
bool mxg_dname_is_subdomain(const uint8_t *name, const uint8_t *zone);

/* Number of labels, not counting the root label. */
unsigned mxg_dname_labels(const uint8_t *name);

/* Copy a valid wire name into out (MXG_DNAME_MAXLEN octets), lowercased. */
void mxg_dname_lower(uint8_t *out, const uint8_t *name);

/*
 * Parse a presentation name ("mx1.example.org", trailing dot optional,
 * "." for the root, \DDD and \X escapes) into wire form in out
 * (MXG_DNAME_MAXLEN octets).  Returns the wire length, 0 on error.
 */
size_t mxg_dname_from_text(uint8_t *out, const char *text);

/*
 * Write the presentation form of a valid wire name into out (size
 * outlen, at least MXG_DNAME_TEXTLEN to never truncate), with a final
 * dot; non-printable octets and specials escaped as \DDD / \X, so a log
 * line cannot be forged by the data.  Returns out.
 */
char *mxg_dname_to_text(char *out, size_t outlen, const uint8_t *name);

/* True for the root name ".", a single zero octet. */
bool mxg_dname_is_root(const uint8_t *name);

/*
 * Hash of a valid wire name, case-insensitive (FNV-1a over the octets
 * with bit 0x20 set), so equal names hash equally whatever their case.
 */
uint32_t mxg_dname_hash(const uint8_t *name);

/*
 * FNV-1a over the 8 octets of value, from MXG_FNV64_INIT: fingerprints
 * that tell whether something logged changed (not for hash tables).
 */
#define MXG_FNV64_INIT	14695981039346656037ULL
uint64_t mxg_fnv64(uint64_t hash, uint64_t value);

/*
 * Total order on valid wire names for stable output: label by label
 * from the left, octets compared lowercased, a shorter label before a
 * longer one it prefixes, fewer labels first.  Returns <0, 0, >0;
 * 0 exactly when mxg_dname_equal().
 */
int mxg_dname_order(const uint8_t *a, const uint8_t *b);

/*
 * A bounded text builder for log lines.  Appends never write past the
 * buffer; when something did not fit, mxg_text_end() replaces the tail
 * with "..." so the truncation is visible.  The buffer always ends up
 * NUL-terminated (size at least 4 to hold "...").
 */
/*
 * Exchanges a log line names at most; the rest are counted, so that a
 * line stays short whatever MX set an attacker publishes.
 */
#define MXG_TEXT_NAMES_MAX	8

struct mxg_text {
	char *buf;
	size_t size;		/* bytes available, NUL included */
	size_t len;		/* bytes written, NUL excluded */
	bool truncated;
};

void mxg_text_init(struct mxg_text *t, char *buf, size_t size);
void mxg_text_str(struct mxg_text *t, const char *s);
void mxg_text_uint(struct mxg_text *t, unsigned long v);
/* "; what n", only when n is not 0: the tail counters of a log line. */
void mxg_text_count(struct mxg_text *t, const char *what, unsigned long n);
/* A name as escaped presentation text, without the final dot ("." stays). */
void mxg_text_name(struct mxg_text *t, const uint8_t *name);
/* Finish: mark truncation with "...", return the buffer. */
char *mxg_text_end(struct mxg_text *t);

#endif /* MXGUARD_DNAME_H */
