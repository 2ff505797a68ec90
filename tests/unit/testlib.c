/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testlib.c - the MX answer builder the engine's unit tests share
 * (test_mx, test_policy, test_distribution, test_stats): items from
 * text or raw bytes, parsed alone or as an analysis.  Every step that
 * can fail is asserted, so a test reads as the answer it checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testlib.h"

void
tl_settings(struct mxg_settings *cfg)
{
	mxg_settings_defaults(cfg);
	cfg->max_exchanges = 64;
}

int
tl_setup(void **state)
{
	struct tl_answer *a = *state;

	tl_clear(a);
	tl_owner(a, "example.org");
	return 0;
}

int
tl_teardown(void **state)
{
	tl_free(*state);
	return 0;
}

void
tl_owner(struct tl_answer *a, const char *owner)
{
	a->owner_len = mxg_dname_from_text(a->owner, owner);
	assert_true(a->owner_len > 0);
}

void
tl_clear(struct tl_answer *a)
{
	a->count = 0;
}

/* Room for one more item; the arrays grow as needed. */
static uint8_t *
next_item(struct tl_answer *a)
{
	if (a->count == a->capacity) {
		a->capacity = a->capacity ? 2 * a->capacity : 16;
		a->item = realloc(a->item, a->capacity * sizeof(*a->item));
		a->item_ptr = realloc(a->item_ptr,
		    a->capacity * sizeof(*a->item_ptr));
		a->item_len = realloc(a->item_len,
		    a->capacity * sizeof(*a->item_len));
		assert_true(a->item && a->item_ptr && a->item_len);
	}
	return a->item[a->count];
}

void
tl_add(struct tl_answer *a, uint16_t preference, const char *exchange)
{
	uint8_t name[MXG_DNAME_MAXLEN];
	uint8_t *item = next_item(a);

	assert_true(mxg_dname_from_text(name, exchange) > 0);
	a->item_len[a->count] = mxg_mx_item_build(item, TL_ITEM_MAX,
	    preference, name);
	assert_true(a->item_len[a->count] > 0);
	a->count++;
}

void
tl_add_raw(struct tl_answer *a, const uint8_t *bytes, size_t len)
{
	assert_true(len <= TL_ITEM_MAX);
	memcpy(next_item(a), bytes, len);
	a->item_len[a->count++] = len;
}

/* The parse memory given back, overwritten first. */
static void
free_memory(struct tl_answer *a)
{
	if (a->mem != NULL)
		memset(a->mem, 0xa5, a->memlen);
	free(a->mem);
	a->mem = NULL;
	a->memlen = 0;
}

static void *
new_memory(struct tl_answer *a, size_t size)
{
	free_memory(a);
	a->mem = malloc(size);
	assert_non_null(a->mem);
	a->memlen = size;
	return a->mem;
}

/* The items as the parser takes them; set here, as realloc moves them. */
static const uint8_t *const *
item_pointers(struct tl_answer *a)
{
	for (size_t i = 0; i < a->count; i++)
		a->item_ptr[i] = a->item[i];
	return a->item_ptr;
}

struct mxg_answer *
tl_parse(struct tl_answer *a, unsigned max_exchanges)
{
	size_t size = mxg_answer_size(a->count);
	struct mxg_answer *ans;

	ans = mxg_answer_init(new_memory(a, size), size, a->count);
	assert_non_null(ans);
	assert_true(mxg_answer_parse(ans, a->owner, a->owner_len,
	    item_pointers(a), a->item_len, a->count, max_exchanges));
	return ans;
}

struct mxg_analysis *
tl_analysis(struct tl_answer *a, unsigned max_exchanges)
{
	size_t size = mxg_analysis_size(a->count);

	assert_true(mxg_analysis_init(&a->an, new_memory(a, size), size,
	    a->count));
	assert_true(mxg_answer_parse(a->an.answer, a->owner, a->owner_len,
	    item_pointers(a), a->item_len, a->count, max_exchanges));
	return &a->an;
}

void
tl_free(struct tl_answer *a)
{
	free_memory(a);
	free(a->item);
	free(a->item_ptr);
	free(a->item_len);
	memset(a, 0, sizeof(*a));
}
