/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mx.c - turn the RDATA of an MX answer into records and distinct
 * exchanges, spot the faults visible in the data itself (malformed,
 * address literal, null MX misuse), choose which exchanges to resolve,
 * and merge the A/AAAA lookups of an exchange into one fact.
 *
 * Runs for every MX answer: no allocation, every read bounded by the
 * item length, every loop bounded by MXG_MX_MAX_RECORDS.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "mxguard/dname.h"
#include "mxguard/mx.h"


/* Longest presentation text of a name without escapes, NUL included. */
#define RAW_TEXTLEN	(MXG_DNAME_MAXLEN + 1)

/* Hash slots: a power of two at least twice the records, never full. */
static size_t
slot_count(size_t cap)
{
	size_t slots = 2;

	while (slots < 2 * cap)
		slots *= 2;
	return slots;
}

size_t
mxg_answer_size(size_t n)
{
	size_t cap = MXG_MX_CAPPED(n);

	return MXG_ALIGN8(sizeof(struct mxg_answer)) +
	    MXG_ALIGN8(cap * sizeof(struct mxg_record)) +
	    MXG_ALIGN8(cap * sizeof(struct mxg_exchange)) +
	    MXG_ALIGN8(slot_count(cap) * sizeof(uint16_t)) +
	    MXG_ALIGN8(cap * sizeof(uint16_t));
}

struct mxg_answer *
mxg_answer_init(void *mem, size_t memlen, size_t n)
{
	size_t cap = MXG_MX_CAPPED(n);
	uint8_t *p = mem;
	struct mxg_answer *ans;

	if (mem == NULL || ((uintptr_t)mem & 7) != 0 ||
	    memlen < mxg_answer_size(n))
		return NULL;
	ans = (struct mxg_answer *)p;
	memset(ans, 0, sizeof(*ans));
	ans->capacity = cap;
	p += MXG_ALIGN8(sizeof(*ans));
	ans->records = (struct mxg_record *)p;
	p += MXG_ALIGN8(cap * sizeof(struct mxg_record));
	ans->exchanges = (struct mxg_exchange *)p;
	p += MXG_ALIGN8(cap * sizeof(struct mxg_exchange));
	ans->slots = (uint16_t *)p;
	ans->slot_mask = slot_count(cap) - 1;
	p += MXG_ALIGN8(slot_count(cap) * sizeof(uint16_t));
	ans->order = (uint16_t *)p;
	return ans;
}

bool
mxg_answer_begin(struct mxg_answer *ans, const uint8_t *owner,
    size_t owner_len)
{
	if (mxg_dname_len(owner, owner_len) == 0)
		return false;
	ans->owner = owner;
	ans->record_count = 0;
	ans->item_count = 0;
	ans->overflow = 0;
	ans->malformed = 0;
	ans->exchange_count = 0;
	ans->lookup_count = 0;
	ans->duplicate_count = 0;
	ans->null_mx = false;
	/* Slot value 0 is empty; others hold exchange index + 1. */
	memset(ans->slots, 0, (ans->slot_mask + 1) * sizeof(uint16_t));
	return true;
}

/*
 * Exchange name of an item, or NULL when the item is malformed: the
 * rdlength must match the item exactly and the name must fill the rest
 * of the RDATA exactly (no truncation, no trailing junk, no pointer).
 */
static const uint8_t *
parse_item(const uint8_t *item, size_t item_len, uint16_t *preference)
{
	size_t rdlen;
	const uint8_t *rdata;

	if (item == NULL || item_len < 2)
		return NULL;
	rdlen = ((size_t)item[0] << 8) | item[1];
	if (rdlen != item_len - 2 || rdlen < 3)
		return NULL;
	rdata = item + 2;
	if (mxg_dname_len(rdata + 2, rdlen - 2) != rdlen - 2)
		return NULL;
	*preference = (uint16_t)(((unsigned)rdata[0] << 8) | rdata[1]);
	return rdata + 2;
}

/* IPv4 dotted quad, each part 1-3 digits up to 255 ("192.0.2.1"). */
static bool
text_is_ipv4(const char *s)
{
	int parts = 0;

	for (;;) {
		int digits = 0, value = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			value = value * 10 + (*s - '0');
			digits++;
			s++;
		}
		if (digits == 0 || digits > 3 || value > 255)
			return false;
		parts++;
		if (*s == '\0')
			return parts == 4;
		if (*s != '.' || parts == 4)
			return false;
		s++;
	}
}

/*
 * Strip the wrappings people put around literals in mail contexts,
 * "[...]" and "IPv6:" (RFC 5321 §4.1.3), so "[192.0.2.1]" counts too.
 */
static char *
strip_literal_wrapping(char *s)
{
	size_t n;

	if (*s == '[')
		s++;
	n = strlen(s);
	if (n > 0 && s[n - 1] == ']')
		s[n - 1] = '\0';
	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	return s;
}

static bool
text_is_ip(char *s)
{
	struct in6_addr addr6;

	s = strip_literal_wrapping(s);
	if (text_is_ipv4(s))
		return true;
	return strchr(s, ':') != NULL && inet_pton(AF_INET6, s, &addr6) == 1;
}

bool
mxg_dname_is_address_literal(const uint8_t *name)
{
	char whole[RAW_TEXTLEN];
	size_t pos = 0;
	const uint8_t *label;
	bool has_colon = false;

	if (*name == 0)
		return false;
	/* Any single label that is an IPv6 address ("2001:db8::1"). */
	for (label = name; *label != 0; label += 1 + *label) {
		char text[MXG_LABEL_MAXLEN + 1];

		if (memchr(label + 1, ':', *label) == NULL)
			continue;
		has_colon = true;
		memcpy(text, label + 1, *label);
		text[*label] = '\0';
		if (strlen(text) == *label && text_is_ip(text))
			return true;
	}
	/* Without a colon only a dotted quad is left: four labels. */
	if (!has_colon && mxg_dname_labels(name) != 4)
		return false;
	for (label = name; *label != 0; label += 1 + *label) {
		if (pos > 0)
			whole[pos++] = '.';
		memcpy(whole + pos, label + 1, *label);
		pos += *label;
	}
	whole[pos] = '\0';
	/* An octet 0 inside a label would hide the rest from the parser. */
	if (strlen(whole) != pos)
		return false;
	/* The whole name: "192.0.2.1." or "::ffff:192.0.2.1." across labels. */
	return text_is_ip(whole);
}

/* The key of answers that were given none: tests, tools. */
static const struct mxg_hash_key fixed_key;

uint64_t
mxg_answer_name_hash(const struct mxg_answer *ans, const uint8_t *name)
{
	return mxg_dname_hash_keyed(ans->key ? ans->key : &fixed_key, name,
	    mxg_dname_len(name, MXG_DNAME_MAXLEN));
}

static size_t
find_slot(const struct mxg_answer *ans, const uint8_t *name, uint64_t hash,
    bool *found)
{
	size_t slot = (size_t)hash & ans->slot_mask;

	/* Linear probing; the table is at most half full, so this ends. */
	while (ans->slots[slot] != 0) {
		const struct mxg_exchange *ex =
		    &ans->exchanges[ans->slots[slot] - 1];

		if (mxg_dname_equal(ex->name, name)) {
			*found = true;
			return slot;
		}
		slot = (slot + 1) & ans->slot_mask;
	}
	*found = false;
	return slot;
}

size_t
mxg_mx_item_build(uint8_t *out, size_t outlen, uint16_t preference,
    const uint8_t *exchange)
{
	size_t len = mxg_dname_len(exchange, MXG_DNAME_MAXLEN);
	size_t rdlen = 2 + len;

	if (len == 0 || outlen < 2 + rdlen)
		return 0;
	out[0] = (uint8_t)(rdlen >> 8);
	out[1] = (uint8_t)rdlen;
	out[2] = (uint8_t)(preference >> 8);
	out[3] = (uint8_t)preference;
	memcpy(out + 4, exchange, len);
	return 2 + rdlen;
}

size_t
mxg_answer_find_exchange(const struct mxg_answer *ans, const uint8_t *name)
{
	bool found;
	size_t slot = find_slot(ans, name, mxg_answer_name_hash(ans, name),
	    &found);

	return found ? (size_t)(ans->slots[slot] - 1) : MXG_NO_EXCHANGE;
}

static struct mxg_exchange *
new_exchange(struct mxg_answer *ans, size_t slot, const uint8_t *name,
    uint16_t rec_index, uint16_t preference)
{
	struct mxg_exchange *ex = &ans->exchanges[ans->exchange_count];

	memset(ex, 0, sizeof(*ex));
	ex->name = name;
	ex->best_preference = preference;
	ex->first_record = rec_index;
	ex->last_record = rec_index;
	ex->is_root = mxg_dname_is_root(name);
	ex->is_literal = !ex->is_root && mxg_dname_is_address_literal(name);
	ex->resolvable = !ex->is_root && !ex->is_literal;
	ex->fact.kind = MXG_FACT_UNKNOWN;
	ans->exchange_count++;
	ans->slots[slot] = (uint16_t)ans->exchange_count;
	return ex;
}

/* Append record rec_index to its exchange's list of records. */
static void
link_record(struct mxg_answer *ans, struct mxg_exchange *ex,
    uint16_t rec_index)
{
	ans->records[ex->last_record].next_same = rec_index;
	ex->last_record = rec_index;
}

void
mxg_answer_add(struct mxg_answer *ans, const uint8_t *item, size_t item_len)
{
	struct mxg_record *rec;
	struct mxg_exchange *ex;
	uint16_t rec_index, preference = 0;
	const uint8_t *exchange;
	uint64_t hash;
	size_t slot;
	bool found;

	ans->item_count++;
	if (ans->record_count >= ans->capacity) {
		ans->overflow++;
		return;
	}
	rec_index = (uint16_t)ans->record_count++;
	rec = &ans->records[rec_index];
	memset(rec, 0, sizeof(*rec));
	rec->exchange_index = MXG_NO_EXCHANGE;
	rec->next_same = MXG_NO_EXCHANGE;
	exchange = parse_item(item, item_len, &preference);
	if (exchange == NULL) {
		rec->faults = MXG_FAULT_MALFORMED;
		ans->malformed++;
		return;
	}
	rec->preference = preference;
	rec->exchange = exchange;
	hash = mxg_answer_name_hash(ans, exchange);
	slot = find_slot(ans, exchange, hash, &found);
	if (found) {
		ex = &ans->exchanges[ans->slots[slot] - 1];
		if (preference < ex->best_preference)
			ex->best_preference = preference;
		link_record(ans, ex, rec_index);
		ans->duplicate_count++;
	} else {
		ex = new_exchange(ans, slot, exchange, rec_index, preference);
		ex->hash = hash;
	}
	ex->record_count++;
	rec->exchange_index = (uint16_t)(ex - ans->exchanges);
	if (ex->is_literal)
		rec->faults |= MXG_FAULT_ADDRESS_LITERAL;
}

/*
 * RFC 7505 §3: a null MX is the only record of its set, preference 0.
 * Every "." exchange in any other shape is a misuse.
 */
static void
judge_null_mx(struct mxg_answer *ans, const struct mxg_exchange *ex)
{
	uint16_t i;

	for (i = ex->first_record; i != MXG_NO_EXCHANGE;
	    i = ans->records[i].next_same) {
		struct mxg_record *rec = &ans->records[i];

		if (ans->item_count == 1 && rec->preference == 0)
			ans->null_mx = true;
		else
			rec->faults |= MXG_FAULT_NULL_MX_MISUSE;
	}
}

static int
cmp_exchange_preference(const void *ctx, uint16_t a, uint16_t b)
{
	const struct mxg_answer *ans = ctx;

	return (int)ans->exchanges[a].best_preference -
	    (int)ans->exchanges[b].best_preference;
}

void
mxg_answer_end(struct mxg_answer *ans, unsigned max_exchanges)
{
	size_t i;

	for (i = 0; i < ans->exchange_count; i++) {
		ans->order[i] = (uint16_t)i;
		if (ans->exchanges[i].is_root)
			judge_null_mx(ans, &ans->exchanges[i]);
	}
	/* Resolve the primary tier first: that is where mail goes. */
	mxg_sort_indices(ans->order, ans->exchange_count,
	    cmp_exchange_preference, ans);
	ans->lookup_count = 0;
	for (i = 0; i < ans->exchange_count; i++) {
		struct mxg_exchange *ex = &ans->exchanges[ans->order[i]];

		ex->lookup = ex->resolvable && ans->lookup_count < max_exchanges;
		if (ex->lookup)
			ans->lookup_count++;
	}
}

bool
mxg_answer_parse(struct mxg_answer *ans, const uint8_t *owner,
    size_t owner_len, const uint8_t *const *items, const size_t *item_lens,
    size_t n, unsigned max_exchanges)
{
	size_t i;

	if (!mxg_answer_begin(ans, owner, owner_len))
		return false;
	for (i = 0; i < n; i++)
		mxg_answer_add(ans, items[i], item_lens[i]);
	mxg_answer_end(ans, max_exchanges);
	return true;
}

void
mxg_answer_set_fact(struct mxg_answer *ans, size_t i,
    const struct mxg_fact *fact)
{
	if (i >= ans->exchange_count || !ans->exchanges[i].resolvable)
		return;
	ans->exchanges[i].fact = *fact;
	/* A canonical name only means something for an alias. */
	if (fact->kind != MXG_FACT_ALIAS)
		ans->exchanges[i].fact.canonical = NULL;
}

void
mxg_answer_set_results(struct mxg_answer *ans, size_t i,
    const struct mxg_fact *a_result, const struct mxg_fact *aaaa_result)
{
	static const struct mxg_fact unknown;
	struct mxg_fact fact;

	if (!a_result && !aaaa_result)
		return;
	fact = mxg_fact_merge(a_result ? a_result : &unknown,
	    aaaa_result ? aaaa_result : &unknown);
	mxg_answer_set_fact(ans, i, &fact);
}

/* The smaller TTL of the results that carry evidence; 0 if neither. */
static uint32_t
merged_ttl(const struct mxg_fact *a, const struct mxg_fact *b)
{
	bool a_says = !mxg_fact_is_unchecked(a), b_says = !mxg_fact_is_unchecked(b);

	if (a_says && b_says)
		return a->ttl < b->ttl ? a->ttl : b->ttl;
	return a_says ? a->ttl : b_says ? b->ttl : 0;
}

struct mxg_fact
mxg_fact_merge(const struct mxg_fact *a_result,
    const struct mxg_fact *aaaa_result)
{
	struct mxg_fact merged;
	enum mxg_fact_kind a = a_result->kind, aaaa = aaaa_result->kind;

	memset(&merged, 0, sizeof(merged));
	merged.ttl = merged_ttl(a_result, aaaa_result);
	merged.a_count = a_result->a_count;
	merged.aaaa_count = aaaa_result->aaaa_count;
	if (a == MXG_FACT_ALIAS || aaaa == MXG_FACT_ALIAS) {
		merged.kind = MXG_FACT_ALIAS;
		merged.canonical = (a == MXG_FACT_ALIAS && a_result->canonical) ?
		    a_result->canonical : (aaaa == MXG_FACT_ALIAS ?
		    aaaa_result->canonical : NULL);
	} else if (merged.a_count + merged.aaaa_count > 0 ||
	    a == MXG_FACT_ADDRESSES || aaaa == MXG_FACT_ADDRESSES)
		/* One family is enough to deliver mail. */
		merged.kind = MXG_FACT_ADDRESSES;
	else if (a == MXG_FACT_NXDOMAIN || aaaa == MXG_FACT_NXDOMAIN)
		merged.kind = MXG_FACT_NXDOMAIN;
	else if (a == MXG_FACT_NODATA && aaaa == MXG_FACT_NODATA)
		merged.kind = MXG_FACT_NODATA;
	else if (a == MXG_FACT_FAILED || aaaa == MXG_FACT_FAILED)
		/* NODATA for one type and no answer for the other: unchecked. */
		merged.kind = MXG_FACT_FAILED;
	else
		merged.kind = MXG_FACT_UNKNOWN;
	return merged;
}

bool
mxg_fact_is_dangling(const struct mxg_fact *fact)
{
	return fact->kind == MXG_FACT_NXDOMAIN || fact->kind == MXG_FACT_NODATA;
}

bool
mxg_fact_is_unchecked(const struct mxg_fact *fact)
{
	return fact->kind == MXG_FACT_UNKNOWN || fact->kind == MXG_FACT_FAILED;
}

const char *
mxg_fault_name(unsigned fault)
{
	switch (fault) {
	case MXG_FAULT_ALIAS:		return "alias";
	case MXG_FAULT_ADDRESS_LITERAL:	return "address-literal";
	case MXG_FAULT_DANGLING:	return "dangling";
	case MXG_FAULT_NULL_MX_MISUSE:	return "null-mx-misuse";
	case MXG_FAULT_MALFORMED:	return "malformed";
	default:			return "?";
	}
}

const char *
mxg_fact_name(enum mxg_fact_kind kind)
{
	switch (kind) {
	case MXG_FACT_UNKNOWN:		return "unknown";
	case MXG_FACT_ADDRESSES:	return "addresses";
	case MXG_FACT_ALIAS:		return "alias";
	case MXG_FACT_NXDOMAIN:		return "nxdomain";
	case MXG_FACT_NODATA:		return "nodata";
	case MXG_FACT_FAILED:		return "failed";
	default:			return "?";
	}
}

struct sort_ctx {
	int (*cmp)(const void *ctx, uint16_t a, uint16_t b);
	const void *ctx;
};

/* The caller's order, ties broken by index: a total order. */
static int
sort_cmp(const struct sort_ctx *s, uint16_t a, uint16_t b)
{
	int diff = s->cmp(s->ctx, a, b);

	return diff != 0 ? diff : (int)a - (int)b;
}

/* Merge the sorted runs idx[lo..mid) and idx[mid..hi) through tmp. */
static void
merge(uint16_t *idx, uint16_t *tmp, size_t lo, size_t mid, size_t hi,
    const struct sort_ctx *s)
{
	size_t i = lo, j = mid, k = lo;

	/* Runs already in order, as most MX sets are: nothing to move. */
	if (sort_cmp(s, idx[mid - 1], idx[mid]) <= 0)
		return;
	while (i < mid && j < hi)
		tmp[k++] = sort_cmp(s, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
	while (i < mid)
		tmp[k++] = idx[i++];
	while (j < hi)
		tmp[k++] = idx[j++];
	memcpy(idx + lo, tmp + lo, (hi - lo) * sizeof(*idx));
}

void
mxg_sort_indices(uint16_t *idx, size_t n,
    int (*cmp)(const void *ctx, uint16_t a, uint16_t b), const void *ctx)
{
	struct sort_ctx s = { cmp, ctx };
	uint16_t tmp[MXG_MX_MAX_RECORDS];
	size_t width, lo;

	/* Callers sort records or exchanges, both capped. */
	if (n > MXG_MX_MAX_RECORDS)
		return;
	/* Bottom-up merge sort: n log n comparisons at most, n - 1 when
	 * the indices are in order already; no allocation. */
	for (width = 1; width < n; width *= 2)
		for (lo = 0; lo + width < n; lo += 2 * width)
			merge(idx, tmp, lo, lo + width,
			    lo + 2 * width < n ? lo + 2 * width : n, &s);
}
