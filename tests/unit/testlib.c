/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testlib.c - the MX answer builder the engine's unit tests share
 * (test_mx, test_policy, test_distribution, test_stats): items and
 * facts from text, or raw bytes, parsed alone or as an analysis.
 * Every step that can fail is asserted, so a test reads as the answer
 * it checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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

/* Room for one more item, cleared; the arrays grow as needed. */
static struct tl_item *
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
	memset(&a->item[a->count], 0, sizeof(a->item[0]));
	return &a->item[a->count];
}

void
tl_add(struct tl_answer *a, uint16_t preference, const char *exchange)
{
	uint8_t name[MXG_DNAME_MAXLEN];
	struct tl_item *it = next_item(a);

	assert_true(mxg_dname_from_text(name, exchange) > 0);
	it->len = mxg_mx_item_build(it->rdata, TL_ITEM_MAX, preference, name);
	assert_true(it->len > 0);
	a->count++;
}

void
tl_add_raw(struct tl_answer *a, const uint8_t *bytes, size_t len)
{
	struct tl_item *it = next_item(a);

	assert_true(len <= TL_ITEM_MAX);
	memcpy(it->rdata, bytes, len);
	it->len = len;
	a->count++;
}

/* The fact written after "=" in a spec, for item it. */
static void
spec_fact(struct tl_item *it, const char *written)
{
	struct mxg_fact *f = &it->fact;
	char text[TL_ITEM_MAX], *at;

	it->has_fact = true;
	snprintf(text, sizeof(text), "%s", written);
	if ((at = strchr(text, '@')) != NULL) {
		*at = '\0';
		f->ttl = (uint32_t)strtoul(at + 1, NULL, 10);
	}
	if (strcmp(text, "nx") == 0)
		f->kind = MXG_FACT_NXDOMAIN;
	else if (strcmp(text, "nodata") == 0)
		f->kind = MXG_FACT_NODATA;
	else if (strcmp(text, "fail") == 0)
		f->kind = MXG_FACT_FAILED;
	else if (strncmp(text, "alias", 5) == 0) {
		f->kind = MXG_FACT_ALIAS;
		if (text[5] == ':')
			it->has_canonical = mxg_dname_from_text(it->canonical,
			    text + 6) > 0;
	} else if (sscanf(text, "%u/%u", &f->a_count, &f->aaaa_count) == 2)
		f->kind = MXG_FACT_ADDRESSES;
	else
		fail_msg("unknown fact '%s'", text);
}

void
tl_spec(struct tl_answer *a, const char *spec)
{
	char *copy = strdup(spec), *entry, *save;

	assert_non_null(copy);
	for (entry = strtok_r(copy, ",", &save); entry != NULL;
	    entry = strtok_r(NULL, ",", &save)) {
		unsigned preference;
		char name[300], *eq;

		assert_int_equal(sscanf(entry, " %u %299s", &preference, name), 2);
		assert_true(preference <= UINT16_MAX);
		eq = strchr(name, '=');
		if (eq != NULL)
			*eq++ = '\0';
		tl_add(a, (uint16_t)preference, name);
		if (eq != NULL)
			spec_fact(&a->item[a->count - 1], eq);
	}
	free(copy);
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

/* Parse into ans, then set the facts the items were written with. */
static void
parse_into(struct tl_answer *a, struct mxg_answer *ans,
    unsigned max_exchanges)
{
	size_t i;

	for (i = 0; i < a->count; i++) {
		a->item_ptr[i] = a->item[i].rdata;
		a->item_len[i] = a->item[i].len;
	}
	assert_true(mxg_answer_parse(ans, a->owner, a->owner_len,
	    a->item_ptr, a->item_len, a->count, max_exchanges));
	/* Records beyond the bound are not parsed: nothing to set. */
	for (i = 0; i < a->count && i < ans->record_count; i++) {
		struct tl_item *it = &a->item[i];
		struct mxg_fact f = it->fact;

		if (!it->has_fact || ans->records[i].exchange == NULL)
			continue;
		f.canonical = it->has_canonical ? it->canonical : NULL;
		mxg_answer_set_fact(ans, ans->records[i].exchange_index, &f);
	}
}

struct mxg_answer *
tl_parse(struct tl_answer *a, unsigned max_exchanges)
{
	size_t size = mxg_answer_size(a->count);
	struct mxg_answer *ans;

	ans = mxg_answer_init(new_memory(a, size), size, a->count);
	assert_non_null(ans);
	parse_into(a, ans, max_exchanges);
	return ans;
}

struct mxg_analysis *
tl_analysis(struct tl_answer *a, unsigned max_exchanges)
{
	size_t size = mxg_analysis_size(a->count);

	assert_true(mxg_analysis_init(&a->an, new_memory(a, size), size,
	    a->count));
	parse_into(a, a->an.answer, max_exchanges);
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
