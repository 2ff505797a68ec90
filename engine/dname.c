/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dname.c - domain names in uncompressed wire format, and the bounded
 * text builder the engine writes its log lines with.
 *
 * Every name that reaches this file came out of an MX record somebody
 * else controls.  mxg_dname_len() is the one gate: it checks a name
 * against its buffer, and every other function here may then trust it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

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

uint32_t
mxg_dname_hash(const uint8_t *name)
{
	uint32_t hash = 2166136261u;

	for (;;) {
		uint8_t len = *name++;
		uint8_t i;

		hash = (hash ^ len) * 16777619u;
		if (len == 0)
			return hash;
		/*
		 * c | 0x20 folds A-Z onto a-z in one instruction (it also
		 * folds a few punctuation pairs together, harmless in a hash
		 * that is always followed by mxg_dname_equal).  It runs on
		 * every MX cache hit.
		 */
		for (i = 0; i < len; i++)
			hash = (hash ^ (uint8_t)(*name++ | 0x20)) * 16777619u;
	}
}

/* ---- the keyed hash ----------------------------------------------- */

void
mxg_hash_key_set(struct mxg_hash_key *key, const uint8_t octets[24])
{
	uint64_t seed = mxg_load64(octets);

	key->secret[0] = mxg_load64(octets + 8);
	key->secret[1] = mxg_load64(octets + 16);
	key->seed = seed ^ mxg_mum(seed ^ key->secret[0], key->secret[1]);
}

/* n octets from the kernel; false when it has none to give at once. */
static bool
kernel_random(uint8_t *out, size_t n)
{
	ssize_t got;
	size_t done = 0;
	int fd;

	if (getrandom(out, n, GRND_NONBLOCK) == (ssize_t)n)
		return true;
	/* Older kernels, or seccomp filters that refuse the call. */
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	while (done < n) {
		got = read(fd, out + done, n - done);
		if (got <= 0 && !(got < 0 && errno == EINTR))
			break;
		if (got > 0)
			done += (size_t)got;
	}
	close(fd);
	return done == n;
}

bool
mxg_hash_key_random(struct mxg_hash_key *key)
{
	uint8_t octets[24];
	bool strong = kernel_random(octets, sizeof(octets));

	if (!strong) {
		struct timespec ts;
		uint64_t v[3], m = 0x9e3779b97f4a7c15ULL;
		int i;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		v[1] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30);
		v[2] = (uint64_t)(uintptr_t)key ^ (uint64_t)(uintptr_t)&ts;
		for (i = 0; i < 3; i++) {
			m = mxg_mum(m ^ v[i], 0xe7037ed1a0b428dbULL);
			memcpy(octets + 8 * i, &m, 8);
		}
	}
	mxg_hash_key_set(key, octets);
	return strong;
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

/* Octets any parser takes as part of a bare word, whatever follows. */
static bool
is_word_octet(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Append the text for one octet; returns the new position or 0 if full.
 * as_word leaves only word octets bare, so the text survives any lexer.
 */
static size_t
put_octet(char *out, size_t outlen, size_t pos, uint8_t c, bool as_word)
{
	if (!as_word && is_special(c)) {
		if (pos + 2 >= outlen)
			return 0;
		out[pos++] = '\\';
		out[pos++] = (char)c;
	} else if (as_word ? is_word_octet(c) : c > 0x20 && c < 0x7f) {
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
name_to_text(char *out, size_t outlen, const uint8_t *name, bool as_word,
    bool *complete)
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
			size_t next = put_octet(out, outlen, pos, *name++,
			    as_word);

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

	name_to_text(out, outlen, name, false, &complete);
	return out;
}

char *
mxg_dname_to_word(char *out, size_t outlen, const uint8_t *name)
{
	bool complete;

	name_to_text(out, outlen, name, true, &complete);
	return out;
}

/* Outside text for a message; see dname.h. */
const char *
mxg_show(char *out, size_t outsize, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		/* Room for one escape, then "..." and the NUL. */
		if (o + 8 > outsize) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
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
	n = name_to_text(t->buf + t->len, t->size - t->len, name, false,
	    &complete);
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
