/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dname.c - unit tests of wire names and the log line builder:
 * every malformed shape is refused, comparisons ignore case, the keyed
 * hash folds case exactly as equality does and depends on its key and
 * every octet, text escapes whatever could forge a log line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mxguard/dname.h"

static size_t
wire(uint8_t *out, const char *text)
{
	size_t len = mxg_dname_from_text(out, text);

	assert_true(len > 0);
	return len;
}

static void
test_rfc1035_2_3_4_valid_name_length(void **state)
{
	const uint8_t name[] = "\3mx1\7example\3org";	/* + NUL = root */

	(void)state;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), sizeof(name));
	assert_int_equal(mxg_dname_len((const uint8_t *)"", 1), 1);
}

static void
test_rfc1035_2_3_4_truncated_name(void **state)
{
	const uint8_t name[] = "\3mx1\7example\3org";

	(void)state;
	/* Every shorter buffer cuts the name: refused, nothing read past. */
	for (size_t len = 0; len < sizeof(name); len++)
		assert_int_equal(mxg_dname_len(name, len), 0);
	assert_int_equal(mxg_dname_len(NULL, 10), 0);
}

static void
test_rfc1035_2_3_4_label_over_63(void **state)
{
	uint8_t name[70];

	(void)state;
	memset(name, 'a', sizeof(name));
	name[0] = 63;
	name[64] = 0;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), 65);
	/* 64 has bit 0x40 set: an extended label type, not a length. */
	name[0] = 64;
	name[65] = 0;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), 0);
}

static void
test_rfc1035_4_1_4_compression_pointer_refused(void **state)
{
	const uint8_t name[] = { 3, 'm', 'x', '1', 0xc0, 0x0c };

	(void)state;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), 0);
}

static void
test_rfc1035_2_3_4_name_over_255(void **state)
{
	uint8_t name[300];
	size_t pos = 0;

	(void)state;
	/* 4 labels of 63 = 256 octets, plus root = 257. */
	for (int i = 0; i < 4; i++) {
		name[pos++] = 63;
		memset(name + pos, 'a', 63);
		pos += 63;
	}
	name[pos++] = 0;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), 0);
	/* 3 x 63 + 61 + root = 255: the longest legal name. */
	name[3 * 64] = 61;
	name[3 * 64 + 62] = 0;
	assert_int_equal(mxg_dname_len(name, sizeof(name)), 255);
}

static void
test_rfc4343_case_insensitive_equal(void **state)
{
	uint8_t a[MXG_DNAME_MAXLEN], b[MXG_DNAME_MAXLEN], low[MXG_DNAME_MAXLEN];

	(void)state;
	wire(a, "MX1.Example.ORG");
	wire(b, "mx1.example.org.");
	assert_true(mxg_dname_equal(a, b));
	assert_int_equal(mxg_dname_hash(a), mxg_dname_hash(b));
	assert_int_equal(mxg_dname_order(a, b), 0);
	mxg_dname_lower(low, a);
	assert_memory_equal(low, b, 17);
	wire(b, "mx2.example.org");
	assert_false(mxg_dname_equal(a, b));
	wire(b, "mx1.example");
	assert_false(mxg_dname_equal(a, b));
}

/* Two fixed keys, for hashes that tests can compare. */
static void
test_keys(struct mxg_hash_key *k1, struct mxg_hash_key *k2)
{
	static const uint8_t o1[24] = "0123456789abcdefghijklmn";
	static const uint8_t o2[24] = "nmlkjihgfedcba9876543210";

	mxg_hash_key_set(k1, o1);
	mxg_hash_key_set(k2, o2);
}

/*
 * A name of len octets (1..MXG_DNAME_MAXLEN) in out, lowercase letters
 * and digits in labels of up to 9, as the keyed hash reads it.
 */
static void
octets_name(uint8_t *out, size_t len)
{
	size_t pos = 0, lab;

	while (pos + 1 < len) {
		lab = len - pos - 2 < 9 ? len - pos - 2 : 9;
		out[pos++] = (uint8_t)lab;
		for (size_t i = 0; i < lab; i++, pos++)
			out[pos] = (uint8_t)("abcdefghij0123456789"[(pos * 7) % 20]);
		if (lab == 0)
			break;
	}
	while (pos < len)
		out[pos++] = 0;
}

/*
 * Case-insensitive equal names hash equally: every letter, upper or
 * lower, at every offset of names of every length up to 40 (all the
 * hash's paths: under 4 octets, 4 to 16, and past 16 in words).
 */
static void
test_dname_hash_keyed_folds_case(void **state)
{
	struct mxg_hash_key k1, k2;
	uint8_t a[64], b[64];
	size_t len, at;
	int c;

	(void)state;
	test_keys(&k1, &k2);
	for (len = 1; len <= 40; len++) {
		octets_name(a, len);
		for (at = 0; at < len; at++) {
			if (a[at] < 'a' || a[at] > 'z')
				continue;
			for (c = 'A'; c <= 'Z'; c++) {
				memcpy(b, a, len);
				b[at] = (uint8_t)c;
				a[at] = (uint8_t)(c + 32);
				assert_true(mxg_dname_hash_keyed(&k1, a, len) ==
				    mxg_dname_hash_keyed(&k1, b, len));
			}
		}
	}
	/* The names of test_rfc4343_case_insensitive_equal, whole. */
	len = wire(a, "MX1.Example.ORG");
	assert_int_equal(wire(b, "mx1.example.org."), len);
	assert_true(mxg_dname_hash_keyed(&k1, a, len) ==
	    mxg_dname_hash_keyed(&k1, b, len));
	assert_true(mxg_dname_hash_keyed(&k2, a, len) ==
	    mxg_dname_hash_keyed(&k2, b, len));
}

/*
 * Only A-Z fold: octets that differ in bit 0x20 and are not letters
 * ('[' and '{', '@' and '`', a label length of 1 and '!') stay apart,
 * and so does every other change of any one octet, at every length:
 * no octet is left unread.
 */
static void
test_dname_hash_keyed_reads_every_octet(void **state)
{
	static const uint8_t pairs[][2] = {
		{ '[', '{' }, { '@', '`' }, { ']', '}' }, { '^', '~' },
		{ 1, '!' }, { 0, ' ' }
	};
	struct mxg_hash_key k1, k2;
	uint8_t a[MXG_DNAME_MAXLEN], b[MXG_DNAME_MAXLEN];
	uint64_t h;
	size_t len, at, p;

	(void)state;
	test_keys(&k1, &k2);
	for (len = 1; len <= MXG_DNAME_MAXLEN; len++) {
		octets_name(a, len);
		h = mxg_dname_hash_keyed(&k1, a, len);
		for (at = 0; at < len; at++) {
			uint64_t h0;

			memcpy(b, a, len);
			b[at] ^= 0x01;
			assert_true(mxg_dname_hash_keyed(&k1, b, len) != h);
			for (p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
				b[at] = pairs[p][0];
				h0 = mxg_dname_hash_keyed(&k1, b, len);
				b[at] = pairs[p][1];
				assert_true(mxg_dname_hash_keyed(&k1, b, len) != h0);
			}
		}
		/* The length is mixed in: a longer buffer, one more zero. */
		if (len < MXG_DNAME_MAXLEN) {
			memcpy(b, a, len);
			b[len] = 0;
			assert_true(mxg_dname_hash_keyed(&k1, b, len + 1) != h);
		}
	}
}

/* Another key, other hashes: for names on each of the hash's paths. */
static void
test_dname_hash_keyed_by_key(void **state)
{
	static const size_t lens[] = { 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32,
	    33, 100, 255 };
	struct mxg_hash_key k1, k2, r1, r2;
	uint8_t a[MXG_DNAME_MAXLEN];
	size_t i;

	(void)state;
	test_keys(&k1, &k2);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		octets_name(a, lens[i]);
		assert_true(mxg_dname_hash_keyed(&k1, a, lens[i]) !=
		    mxg_dname_hash_keyed(&k2, a, lens[i]));
		/* The same key, the same hash. */
		assert_true(mxg_dname_hash_keyed(&k1, a, lens[i]) ==
		    mxg_dname_hash_keyed(&k1, a, lens[i]));
	}
	/* Random keys differ from start to start, and so do the hashes. */
	assert_true(mxg_hash_key_random(&r1));
	assert_true(mxg_hash_key_random(&r2));
	assert_memory_not_equal(&r1, &r2, sizeof(r1));
	octets_name(a, 15);
	assert_true(mxg_dname_hash_keyed(&r1, a, 15) !=
	    mxg_dname_hash_keyed(&r2, a, 15));
}

/* Exact equality of octets, in words: every length, every position. */
static void
test_octets_equal(void **state)
{
	uint8_t a[64], b[64];
	size_t len, at;

	(void)state;
	memset(a, 0, sizeof(a));
	for (len = 0; len <= 40; len++) {
		octets_name(a, len ? len : 1);
		memcpy(b, a, sizeof(a));
		assert_true(mxg_octets_equal(a, b, len));
		for (at = 0; at < len; at++) {
			b[at] ^= 0x20;		/* case is a difference here */
			assert_false(mxg_octets_equal(a, b, len));
			b[at] ^= 0x20;
		}
		/* Octets past len do not count. */
		b[len] ^= 0xff;
		assert_true(mxg_octets_equal(a, b, len));
	}
}

static void
test_dname_subdomain_and_labels(void **state)
{
	uint8_t zone[MXG_DNAME_MAXLEN], name[MXG_DNAME_MAXLEN];

	(void)state;
	wire(zone, "Example.org");
	wire(name, "mx.sub.example.ORG");
	assert_true(mxg_dname_is_subdomain(name, zone));
	assert_true(mxg_dname_is_subdomain(zone, zone));
	assert_false(mxg_dname_is_subdomain(zone, name));
	wire(name, "example.net");
	assert_false(mxg_dname_is_subdomain(name, zone));
	/* Label boundaries count: "badexample.org" is not under it. */
	wire(name, "badexample.org");
	assert_false(mxg_dname_is_subdomain(name, zone));
	wire(name, ".");
	assert_true(mxg_dname_is_subdomain(zone, name));
	assert_int_equal(mxg_dname_labels(name), 0);
	assert_true(mxg_dname_is_root(name));
	assert_int_equal(mxg_dname_labels(zone), 2);
}

/* Name first sorts before name second, and second after first. */
static void
assert_before(const char *first, const char *second)
{
	uint8_t a[MXG_DNAME_MAXLEN], b[MXG_DNAME_MAXLEN];

	wire(a, first);
	wire(b, second);
	if (mxg_dname_order(a, b) >= 0 || mxg_dname_order(b, a) <= 0)
		fail_msg("%s should sort before %s", first, second);
}

static void
test_dname_order_is_left_to_right(void **state)
{
	(void)state;
	assert_before("mx1.example.org", "mx2.example.org");
	assert_before("ab.example.org", "b.example.org");
	assert_before("a.example.org", "ab.example.org");
	assert_before("example.org", "example.org.x");
}

static void
test_dname_from_text_escapes_and_errors(void **state)
{
	uint8_t out[MXG_DNAME_MAXLEN];
	char longname[400];

	(void)state;
	assert_int_equal(mxg_dname_from_text(out, "."), 1);
	assert_int_equal(mxg_dname_from_text(out, "a\\.b.c"), 7);
	assert_memory_equal(out, "\3a.b\1c", 7);
	assert_int_equal(mxg_dname_from_text(out, "\\065"), 3);
	assert_int_equal(out[1], 'A');
	assert_int_equal(mxg_dname_from_text(out, ""), 0);
	assert_int_equal(mxg_dname_from_text(out, NULL), 0);
	assert_int_equal(mxg_dname_from_text(out, "a..b"), 0);
	assert_int_equal(mxg_dname_from_text(out, ".a"), 0);
	assert_int_equal(mxg_dname_from_text(out, "\\256"), 0);
	assert_int_equal(mxg_dname_from_text(out, "\\12"), 0);
	assert_int_equal(mxg_dname_from_text(out, "a\\"), 0);
	memset(longname, 'a', 64);
	longname[64] = '\0';
	assert_int_equal(mxg_dname_from_text(out, longname), 0);
	longname[63] = '\0';
	assert_int_equal(mxg_dname_from_text(out, longname), 65);
	/* 127 labels "a." = 254 octets + root: legal; one more is not. */
	for (int i = 0; i < 128; i++)
		memcpy(longname + 2 * i, "a.", 2);
	longname[254] = '\0';
	assert_int_equal(mxg_dname_from_text(out, longname), 255);
	longname[254] = 'b';
	longname[255] = '\0';
	assert_int_equal(mxg_dname_from_text(out, longname), 0);
}

static void
test_dname_to_text_cannot_forge_log_lines(void **state)
{
	const uint8_t evil[] = { 7, 'a', '\n', 'b', ';', ' ', '.', 0xff, 0 };
	char text[MXG_DNAME_TEXTLEN], small[6];
	uint8_t back[MXG_DNAME_MAXLEN];

	(void)state;
	mxg_dname_to_text(text, sizeof(text), evil);
	assert_string_equal(text, "a\\010b\\;\\032\\.\\255.");
	/* The text reads back to the same name. */
	assert_int_equal(mxg_dname_from_text(back, text), sizeof(evil));
	assert_memory_equal(back, evil, sizeof(evil));
	mxg_dname_to_text(text, sizeof(text), (const uint8_t *)"");
	assert_string_equal(text, ".");
	/* Too small a buffer: cut on an escape boundary, still a string. */
	mxg_dname_to_text(small, sizeof(small), evil);
	assert_string_equal(small, "a\\010");
}

static void
test_text_builder_truncates_visibly(void **state)
{
	char buf[16];
	struct mxg_text t;
	uint8_t name[MXG_DNAME_MAXLEN];

	(void)state;
	mxg_text_init(&t, buf, sizeof(buf));
	mxg_text_str(&t, "pref ");
	mxg_text_uint(&t, 10);
	mxg_text_count(&t, "none", 0);
	assert_string_equal(mxg_text_end(&t), "pref 10");
	wire(name, "mx1.example.org");
	mxg_text_init(&t, buf, sizeof(buf));
	mxg_text_str(&t, "host ");
	mxg_text_name(&t, name);
	assert_true(t.truncated);
	assert_string_equal(mxg_text_end(&t), "host ...");
	mxg_text_init(&t, buf, 8);
	mxg_text_str(&t, "1234567");
	mxg_text_str(&t, "x");
	assert_string_equal(mxg_text_end(&t), "1234...");
	mxg_text_init(&t, buf, 3);
	mxg_text_str(&t, "abc");
	assert_string_equal(mxg_text_end(&t), "");
}

/* Outside text in a message: control bytes, non-ASCII and the backslash
 * cannot forge a line, and what does not fit is cut visibly. */
static void
test_show_escapes_outside_text(void **state)
{
	char buf[16], big[32];
	const char raw[] = "a\nb\\\xff";

	(void)state;
	assert_string_equal(mxg_show(big, sizeof(big), raw, sizeof(raw) - 1),
	    "a\\x0ab\\x5c\\xff");
	assert_string_equal(mxg_show(buf, sizeof(buf), "abcdefghijklmnop", 16),
	    "abcdefghi...");
	assert_string_equal(mxg_show(buf, sizeof(buf), "", 0), "");
}

/* A name as a config-file word: only letters, digits, '-' and '_' bare,
 * so that any lexer reads it back as it was. */
static void
test_dname_to_word_survives_a_lexer(void **state)
{
	char buf[MXG_DNAME_TEXTLEN];
	uint8_t name[MXG_DNAME_MAXLEN], back[MXG_DNAME_MAXLEN];
	static const uint8_t odd[] = { 5, 'a', '"', ' ', ';', 0xc3, 2, 'b', '_', 0 };

	(void)state;
	wire(name, "mx-1.example.org");
	assert_string_equal(mxg_dname_to_word(buf, sizeof(buf), name),
	    "mx-1.example.org.");
	assert_string_equal(mxg_dname_to_word(buf, sizeof(buf), odd),
	    "a\\034\\032\\059\\195.b_.");
	assert_int_not_equal(mxg_dname_from_text(back, buf), 0);
	assert_true(mxg_dname_equal(back, odd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1035_2_3_4_valid_name_length),
		cmocka_unit_test(test_rfc1035_2_3_4_truncated_name),
		cmocka_unit_test(test_rfc1035_2_3_4_label_over_63),
		cmocka_unit_test(test_rfc1035_4_1_4_compression_pointer_refused),
		cmocka_unit_test(test_rfc1035_2_3_4_name_over_255),
		cmocka_unit_test(test_rfc4343_case_insensitive_equal),
		cmocka_unit_test(test_dname_hash_keyed_folds_case),
		cmocka_unit_test(test_dname_hash_keyed_reads_every_octet),
		cmocka_unit_test(test_dname_hash_keyed_by_key),
		cmocka_unit_test(test_octets_equal),
		cmocka_unit_test(test_dname_subdomain_and_labels),
		cmocka_unit_test(test_dname_order_is_left_to_right),
		cmocka_unit_test(test_dname_from_text_escapes_and_errors),
		cmocka_unit_test(test_dname_to_text_cannot_forge_log_lines),
		cmocka_unit_test(test_text_builder_truncates_visibly),
		cmocka_unit_test(test_show_escapes_outside_text),
		cmocka_unit_test(test_dname_to_word_survives_a_lexer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
