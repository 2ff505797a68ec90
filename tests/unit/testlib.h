/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testlib.h - what the engine's unit tests share: an MX answer written
 * as text (or as raw RDATA, for the malformed shapes), with the facts
 * the exchange lookups found, parsed into memory of its own, alone or
 * as a whole analysis, and the settings the tests start from.
 *
 * An answer is written as one string: "10 mx1.example.org=2/1, 20 b"
 * where "=A/AAAA" gives address counts, "=nx", "=nodata", "=fail",
 * "=alias" or "=alias:canonical" other facts, and no "=" leaves the
 * exchange unknown.  "@N" after a fact gives its TTL: "=nx@60".
 */
#ifndef MXGUARD_TESTLIB_H
#define MXGUARD_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mxguard/config.h"
#include "mxguard/dname.h"
#include "mxguard/analysis.h"

/* One item: a legal one, or a malformed one a little longer. */
#define TL_ITEM_MAX	(4 + MXG_DNAME_MAXLEN + 16)

/* One RDATA item, and the fact its exchange is to get, if any. */
struct tl_item {
	uint8_t rdata[TL_ITEM_MAX];
	size_t len;
	bool has_fact;
	struct mxg_fact fact;		/* its canonical set on parsing */
	bool has_canonical;
	uint8_t canonical[MXG_DNAME_MAXLEN];
};

/*
 * The items of one answer and its owner, and the memory the last parse
 * laid the answer (or the analysis) out in.  Starts zeroed; tl_free()
 * gives it all back and leaves it zeroed again.
 */
struct tl_answer {
	uint8_t owner[MXG_DNAME_MAXLEN];
	size_t owner_len;
	struct tl_item *item;
	size_t count, capacity;
	const uint8_t **item_ptr;	/* the items as the parser takes them */
	size_t *item_len;
	void *mem;
	size_t memlen;
	struct mxg_analysis an;		/* set by tl_analysis() */
};

/* The built-in defaults, with every exchange looked up. */
void tl_settings(struct mxg_settings *cfg);

/*
 * cmocka setup and teardown of a test with an answer under test, passed
 * as the initial state (cmocka_unit_test_prestate_setup_teardown): it
 * starts empty, for example.org, and is freed after.
 */
int tl_setup(void **state);
int tl_teardown(void **state);

/* A new owner name; the items stay. */
void tl_owner(struct tl_answer *a, const char *owner);
/* No items; the owner stays. */
void tl_clear(struct tl_answer *a);
/* Items appended, from text as above, one by one, or as raw bytes. */
void tl_spec(struct tl_answer *a, const char *spec);
void tl_add(struct tl_answer *a, uint16_t preference, const char *exchange);
void tl_add_raw(struct tl_answer *a, const uint8_t *bytes, size_t len);

/*
 * Parse, and give each exchange the fact its record was written with:
 * the answer alone, in exactly mxg_answer_size() bytes, or in a fresh
 * analysis, left to the caller to run.
 */
struct mxg_answer *tl_parse(struct tl_answer *a, unsigned max_exchanges);
struct mxg_analysis *tl_analysis(struct tl_answer *a,
    unsigned max_exchanges);

/* Overwrites the parse memory before freeing it: stale reads see junk. */
void tl_free(struct tl_answer *a);

#endif /* MXGUARD_TESTLIB_H */
