/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dname.c - domain names in uncompressed wire format, and the bounded
 * text builder the engine writes its log lines with.
 *
 * Every name that reaches this file came out of an MX record somebody
 * else controls.  mxg_dname_len() is the one gate: it checks a name
 * against its buffer, and every other function here may then trust it.
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "mxguard/dname.h"

/* The two top bits of a length octet: 00 is a label, 11 a pointer. */
#define LABEL_TYPE_MASK	0xc0

static uint8_t
lower_octet(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

size_t
mxg_dname_len(const uint8_t *buf, size_t buflen)
{
	size_t pos = 0;

	if (buf == NULL)
		return 0;
	for (;;) {
		uint8_t lablen;

		if (pos >= buflen)
			return 0;
		lablen = buf[pos];
		/* Pointers and extended label types have no place here. */
		if (lablen & LABEL_TYPE_MASK)
			return 0;
		pos += 1 + (size_t)lablen;
		if (pos > MXG_DNAME_MAXLEN)
			return 0;
		if (lablen == 0)
			return pos;
	}
}

bool
mxg_dname_is_root(const uint8_t *name)
{
	return name[0] == 0;
}

bool
mxg_dname_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t len = *a;
		uint8_t i;

		if (len != *b)
			return false;
		if (len == 0)
			return true;
		a++;
		b++;
		/* Most names meet in the same case: compare bytes first. */
		if (memcmp(a, b, len) != 0)
			for (i = 0; i < len; i++)
				if (lower_octet(a[i]) != lower_octet(b[i]))
					return false;
		a += len;
		b += len;
	}
}

unsigned
mxg_dname_labels(const uint8_t *name)
{
	unsigned count = 0;

	while (*name != 0) {
		count++;
		name += 1 + *name;
	}
	return count;
}

bool
mxg_dname_is_subdomain(const uint8_t *name, const uint8_t *zone)
{
	unsigned name_labels = mxg_dname_labels(name);
	unsigned zone_labels = mxg_dname_labels(zone);

	if (name_labels < zone_labels)
		return false;
	/* Skip the labels that name has beyond zone, then compare the rest. */
	while (name_labels-- > zone_labels)
		name += 1 + *name;
	return mxg_dname_equal(name, zone);
}

void
mxg_dname_lower(uint8_t *out, const uint8_t *name)
{
	for (;;) {
		uint8_t len = *name;
		uint8_t i;

		*out++ = len;
		if (len == 0)
			return;
		name++;
		for (i = 0; i < len; i++)
			*out++ = lower_octet(*name++);
	}
}

/*
 * The names hashed are chosen by whoever publishes an MX set: with a
 * hash known in advance, colliding names could be made offline, and
 * each would walk a long chain under a table's lock.  SipHash-1-3 with
 * a key drawn at each start keeps them apart.
 */
static uint64_t hash_key[2];

void
mxg_dname_hash_key(const uint8_t key[16])
{
	uint64_t k[2];

	memcpy(k, key, sizeof(k));
	hash_key[0] = k[0];
	hash_key[1] = k[1];
}

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND() do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)
#define SIPWORD(m) do { v3 ^= (m); SIPROUND(); v0 ^= (m); } while (0)

/*
 * Eight octets with A-Z lowered, all at once: a byte gets 0x20 when it
 * is at least 'A' and not above 'Z' (label lengths, below 64, never are).
 */
static uint64_t
lower8(uint64_t m)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t low7 = m & ~high;
	uint64_t at_least_a = low7 + 0x3f3f3f3f3f3f3f3fULL;
	uint64_t above_z = low7 + 0x2525252525252525ULL;

	return m | (((at_least_a ^ above_z) & ~m & high) >> 2);
}

uint32_t
mxg_dname_hash(const uint8_t *name)
{
	size_t len = mxg_dname_len(name, MXG_DNAME_MAXLEN), i;
	uint64_t v0 = 0x736f6d6570736575ULL ^ hash_key[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ hash_key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ hash_key[0];
	uint64_t v3 = 0x7465646279746573ULL ^ hash_key[1];
	uint64_t m;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, name + i, 8);
		m = lower8(le64toh(m));
		SIPWORD(m);
	}
	for (m = 0; i < len; i++)
		m |= (uint64_t)name[i] << (8 * (i & 7));
	m = ((uint64_t)len << 56) | lower8(m);
	SIPWORD(m);
	v2 ^= 0xff;
	SIPROUND();
	SIPROUND();
	SIPROUND();
	m = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(m ^ (m >> 32));
}

uint64_t
mxg_fnv64(uint64_t hash, uint64_t value)
{
	int i;

	for (i = 0; i < 8; i++) {
		hash ^= (value >> (8 * i)) & 0xff;
		hash *= 1099511628211ULL;
	}
	return hash;
}

int
mxg_dname_order(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t alen = *a++, blen = *b++;
		uint8_t common = alen < blen ? alen : blen;
		uint8_t i;

		/* The root label ends a name: fewer labels sort first. */
		if (alen == 0 || blen == 0)
			return (int)alen - (int)blen;
		for (i = 0; i < common; i++) {
			int diff = (int)lower_octet(a[i]) - (int)lower_octet(b[i]);

			if (diff != 0)
				return diff;
		}
		if (alen != blen)
			return (int)alen - (int)blen;
		a += alen;
		b += blen;
	}
}

/* Value of a decimal digit character, or -1. */
static int
digit_value(char c)
{
	return (c >= '0' && c <= '9') ? c - '0' : -1;
}

/*
 * Read one possibly escaped character of a presentation name at *text
 * into *octet; returns false on a bad escape.  *escaped tells a literal
 * "\." from the "." that separates labels.
 */
static bool
read_text_octet(const char **text, uint8_t *octet, bool *escaped)
{
	const char *p = *text;

	*escaped = false;
	if (*p != '\\') {
		*octet = (uint8_t)*p;
		*text = p + 1;
		return true;
	}
	*escaped = true;
	p++;
	if (digit_value(p[0]) >= 0) {
		int value;

		if (digit_value(p[1]) < 0 || digit_value(p[2]) < 0)
			return false;
		value = digit_value(p[0]) * 100 + digit_value(p[1]) * 10 +
		    digit_value(p[2]);
		if (value > 255)
			return false;
		*octet = (uint8_t)value;
		*text = p + 3;
		return true;
	}
	if (*p == '\0')
		return false;
	*octet = (uint8_t)*p;
	*text = p + 1;
	return true;
}

size_t
mxg_dname_from_text(uint8_t *out, const char *text)
{
	size_t pos = 0;		/* next free octet in out */
	size_t label_start = 0;	/* where the current label's length goes */

	if (text == NULL || *text == '\0')
		return 0;
	if (strcmp(text, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	pos = 1;
	while (*text != '\0') {
		uint8_t octet;
		bool escaped;

		if (!read_text_octet(&text, &octet, &escaped))
			return 0;
		if (octet == '.' && !escaped) {
			size_t lablen = pos - label_start - 1;

			/* Empty labels ("a..b", ".a") are not names. */
			if (lablen == 0)
				return 0;
			out[label_start] = (uint8_t)lablen;
			label_start = pos;
			/* A trailing dot ends the name. */
			if (*text == '\0')
				break;
			if (pos + 1 >= MXG_DNAME_MAXLEN)
				return 0;
			pos++;
			continue;
		}
		if (pos - label_start - 1 >= MXG_LABEL_MAXLEN)
			return 0;
		/* Leave room for the root label after this octet. */
		if (pos + 1 >= MXG_DNAME_MAXLEN)
			return 0;
		out[pos++] = octet;
	}
	if (label_start != pos) {
		/* No trailing dot: close the last label. */
		out[label_start] = (uint8_t)(pos - label_start - 1);
		label_start = pos;
	}
	out[label_start] = 0;
	return label_start + 1;
}

/* Octets written as \X in presentation form: they mean something there. */
static bool
is_special(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
	    c == ';' || c == '@' || c == '$';
}

/* Append the text for one octet; returns the new position or 0 if full. */
static size_t
put_octet(char *out, size_t outlen, size_t pos, uint8_t c)
{
	if (is_special(c)) {
		if (pos + 2 >= outlen)
			return 0;
		out[pos++] = '\\';
		out[pos++] = (char)c;
	} else if (c > 0x20 && c < 0x7f) {
		if (pos + 1 >= outlen)
			return 0;
		out[pos++] = (char)c;
	} else {
		/* Spaces, controls and high octets could forge a log line. */
		if (pos + 4 >= outlen)
			return 0;
		snprintf(out + pos, 5, "\\%03u", (unsigned)c);
		pos += 4;
	}
	return pos;
}

/*
 * Presentation text of name into out; returns the length written, and
 * *complete false when out was too small (cut on an octet boundary).
 */
static size_t
name_to_text(char *out, size_t outlen, const uint8_t *name, bool *complete)
{
	size_t pos = 0;

	*complete = false;
	if (outlen == 0)
		return 0;
	if (*name == 0) {
		if (outlen < 2) {
			out[0] = '\0';
			return 0;
		}
		memcpy(out, ".", 2);
		*complete = true;
		return 1;
	}
	while (*name != 0) {
		uint8_t len = *name++;
		uint8_t i;

		for (i = 0; i < len; i++) {
			size_t next = put_octet(out, outlen, pos, *name++);

			if (next == 0) {
				out[pos] = '\0';
				return pos;
			}
			pos = next;
		}
		if (pos + 1 >= outlen) {
			out[pos] = '\0';
			return pos;
		}
		out[pos++] = '.';
	}
	out[pos] = '\0';
	*complete = true;
	return pos;
}

char *
mxg_dname_to_text(char *out, size_t outlen, const uint8_t *name)
{
	bool complete;

	name_to_text(out, outlen, name, &complete);
	return out;
}

void
mxg_text_init(struct mxg_text *t, char *buf, size_t size)
{
	t->buf = buf;
	t->size = size;
	t->len = 0;
	t->truncated = false;
	if (size > 0)
		buf[0] = '\0';
}

void
mxg_text_str(struct mxg_text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->truncated)
		return;
	if (t->size == 0 || t->len + n >= t->size) {
		t->truncated = true;
		return;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

void
mxg_text_uint(struct mxg_text *t, unsigned long v)
{
	char digits[24];
	size_t pos = sizeof(digits) - 1;

	/* By hand: printf costs more than the rest of a log line. */
	digits[pos] = '\0';
	do {
		digits[--pos] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	mxg_text_str(t, digits + pos);
}

void
mxg_text_count(struct mxg_text *t, const char *what, unsigned long n)
{
	if (n == 0)
		return;
	mxg_text_str(t, "; ");
	mxg_text_str(t, what);
	mxg_text_str(t, " ");
	mxg_text_uint(t, n);
}

void
mxg_text_name(struct mxg_text *t, const uint8_t *name)
{
	size_t n;
	bool complete;

	if (t->truncated || t->size == 0)
		return;
	/* Straight into the line: names are most of what a line holds. */
	n = name_to_text(t->buf + t->len, t->size - t->len, name, &complete);
	if (!complete) {
		t->buf[t->len] = '\0';
		t->truncated = true;
		return;
	}
	/* Log lines name hosts the way people write them: no final dot. */
	if (n > 1)
		t->buf[t->len + --n] = '\0';
	t->len += n;
}

char *
mxg_text_end(struct mxg_text *t)
{
	if (t->size == 0)
		return t->buf;
	if (t->truncated) {
		/* Whole items were dropped; say so where the line stops. */
		size_t at = t->len;

		if (at + 4 > t->size)
			at = t->size >= 4 ? t->size - 4 : 0;
		if (t->size >= 4)
			memcpy(t->buf + at, "...", 4);
		else
			t->buf[0] = '\0';
	}
	return t->buf;
}
