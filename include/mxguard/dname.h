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
#include <endian.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The same with only letters, digits, '-' and '_' bare and every other
 * octet as \DDD, so a configuration file reads it back unchanged.
 */
char *mxg_dname_to_word(char *out, size_t outlen, const uint8_t *name);

/* True for the root name ".", a single zero octet. */
bool mxg_dname_is_root(const uint8_t *name);

/*
 * Hash of a valid wire name, case-insensitive (FNV-1a over the octets
 * with bit 0x20 set), so equal names hash equally whatever their case.
 */
uint32_t mxg_dname_hash(const uint8_t *name);

/*
 * The key of mxg_dname_hash_keyed(): drawn at random by whoever owns a
 * table, at each start, so that names colliding in it cannot be made
 * in advance.
 */
struct mxg_hash_key {
	uint64_t seed;		/* mixed from the key, by mxg_hash_key_set() */
	uint64_t secret[2];
};

/*
 * Fill key from the kernel's randomness.  False when there is none to
 * be had (early boot, no /dev/urandom): the key is then made from the
 * time, the process and addresses, weaker but still not known in
 * advance.
 */
bool mxg_hash_key_random(struct mxg_hash_key *key);

/* Set key from 24 given octets (tests, and mxg_hash_key_random()). */
void mxg_hash_key_set(struct mxg_hash_key *key, const uint8_t octets[24]);

/*
 * Eight octets with A-Z lowered, all at once: a byte gets 0x20 when it
 * is at least 'A' and not above 'Z' (label lengths, below 64, never
 * are).  No carry crosses a byte: each sum stays below 0x100.
 */
static inline uint64_t
mxg_lower8(uint64_t m)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t low7 = m & ~high;
	uint64_t at_least_a = low7 + 0x3f3f3f3f3f3f3f3fULL;
	uint64_t above_z = low7 + 0x2525252525252525ULL;

	return m | (((at_least_a ^ above_z) & ~m & high) >> 2);
}

static inline uint64_t
mxg_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline uint64_t
mxg_load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* The 128-bit product of a and b, its halves folded together. */
static inline uint64_t
mxg_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Keyed 64-bit hash of the len octets of a wire name at name (read as
 * octets: the name need not be valid), case-insensitive: A-Z are
 * lowered first, exactly as mxg_dname_equal() folds, so equal names
 * hash equally whatever their case and no other names are folded
 * together.  The octets carry the label lengths, and len is mixed in.
 * Multiply-and-fold over 8-octet words (after wyhash): a few dozen
 * instructions for a usual name, inline, as it runs on every MX cache
 * hit.
 */
static inline __attribute__((always_inline)) uint64_t
mxg_dname_hash_keyed(const struct mxg_hash_key *key, const uint8_t *name,
    size_t len)
{
	const uint8_t *p = name;
	uint64_t seed = key->seed, a, b;
	unsigned __int128 r;
	size_t left = len;

	/* Overlapping loads cover every octet once or twice, none beyond. */
	if (len <= 16) {
		if (len >= 4) {
			size_t q = (len >> 3) << 2;

			a = (mxg_load32(p) << 32) | mxg_load32(p + q);
			b = (mxg_load32(p + len - 4) << 32) |
			    mxg_load32(p + len - 4 - q);
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) |
			    ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else
			a = b = 0;
	} else {
		while (left > 16) {
			seed = mxg_mum(mxg_lower8(mxg_load64(p)) ^
			    key->secret[1], mxg_lower8(mxg_load64(p + 8)) ^ seed);
			p += 16;
			left -= 16;
		}
		a = mxg_load64(p + left - 16);
		b = mxg_load64(p + left - 8);
	}
	a = mxg_lower8(a) ^ key->secret[1];
	b = mxg_lower8(b) ^ seed;
	r = (unsigned __int128)a * b;
	return mxg_mum((uint64_t)r ^ key->secret[0] ^ len,
	    (uint64_t)(r >> 64) ^ key->secret[1]);
}

/*
 * The len octets at a and b are the same (exactly: no case folding).
 * Inline, in words: for names compared on every cache hit.
 */
static inline bool
mxg_octets_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y;
	uint32_t u, v;

	if (len >= 8) {
		/* Whole words, then the last word, overlapping. */
		for (; len > 8; len -= 8, a += 8, b += 8) {
			memcpy(&x, a, 8);
			memcpy(&y, b, 8);
			if (x != y)
				return false;
		}
		memcpy(&x, a + len - 8, 8);
		memcpy(&y, b + len - 8, 8);
		return x == y;
	}
	if (len >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return false;
		memcpy(&u, a + len - 4, 4);
		memcpy(&v, b + len - 4, 4);
		return u == v;
	}
	for (; len > 0; len--)
		if (*a++ != *b++)
			return false;
	return true;
}

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
 * Exchanges a log line names at most; the rest are counted, so that a
 * line stays short whatever MX set an attacker publishes.
 */
#define MXG_TEXT_NAMES_MAX	8
/*
 * Room for one log line of a decision or a distribution: with at most
 * MXG_TEXT_NAMES_MAX names, longer only for names escaped at length,
 * which are cut short ("...").  The module and mxguard-check both
 * render into this much, so that they print the same lines.
 */
#define MXG_LOGLINE	1024

/*
 * A bounded text builder for log lines.  Appends never write past the
 * buffer; when something did not fit, mxg_text_end() replaces the tail
 * with "..." so the truncation is visible.  The buffer always ends up
 * NUL-terminated (size at least 4 to hold "...").
 */
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

/*
 * The one escaper for text from outside (a file, the command line) in a
 * message: anything but printable ASCII, and the backslash, becomes
 * \xNN, so the data cannot forge or break a log line; text that does not
 * fit is cut with "...".  outsize must be at least 8.  Returns out.
 */
const char *mxg_show(char *out, size_t outsize, const char *text,
    size_t len);

#endif /* MXGUARD_DNAME_H */
