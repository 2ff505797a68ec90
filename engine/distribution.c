/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * distribution.c - compute, render, fingerprint and copy the mail
 * distribution of an MX answer as served (see distribution.h for the
 * rules and the rounding).
 */
#include <string.h>

#include "mxguard/dname.h"
#include "mxguard/distribution.h"

#define PPM		1000000u
#define UNUSABLE	(MXG_DIST_NULL | MXG_DIST_DANGLING)

size_t
mxg_distribution_size(size_t n)
{
	return MXG_ALIGN8(sizeof(struct mxg_distribution)) +
	    MXG_ALIGN8(MXG_MX_CAPPED(n) * sizeof(struct mxg_dist_entry)) +
	    MXG_ALIGN8(MXG_MX_CAPPED(n) * sizeof(uint16_t));
}

struct mxg_distribution *
mxg_distribution_init(void *mem, size_t memlen, size_t n)
{
	struct mxg_distribution *dist = mem;
	uint8_t *p = mem;

	if (mem == NULL || ((uintptr_t)mem & 7) != 0 ||
	    memlen < mxg_distribution_size(n))
		return NULL;
	memset(dist, 0, sizeof(*dist));
	dist->capacity = MXG_MX_CAPPED(n);
	p += MXG_ALIGN8(sizeof(*dist));
	dist->entries = (struct mxg_dist_entry *)p;
	p += MXG_ALIGN8(dist->capacity * sizeof(struct mxg_dist_entry));
	dist->order = (uint16_t *)p;
	return dist;
}

/* Both inputs of the sort: which name each record is served under. */
struct served {
	const struct mxg_answer *ans;
	const struct mxg_decision *dec;
};

static const uint8_t *
served_name(const struct served *s, uint16_t i)
{
	const struct mxg_verdict *v = &s->dec->verdicts[i];

	return v->action == MXG_RECORD_REWRITE ? v->new_exchange :
	    s->ans->records[i].exchange;
}

static int
cmp_served(const void *ctx, uint16_t a, uint16_t b)
{
	const struct served *s = ctx;
	uint16_t pa = s->ans->records[a].preference;
	uint16_t pb = s->ans->records[b].preference;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return mxg_dname_order(served_name(s, a), served_name(s, b));
}

/* Flags and address count of a new entry, from its exchange's fact. */
static void
describe_entry(struct mxg_dist_entry *e, const struct mxg_exchange *ex,
    const struct mxg_verdict *v)
{
	const struct mxg_fact *fact = &ex->fact;

	if (ex->is_root)
		e->flags |= MXG_DIST_NULL;
	if (ex->is_literal)
		e->flags |= MXG_DIST_LITERAL;
	if (ex->record_count > 1)
		e->flags |= MXG_DIST_DUPLICATE;
	if (v->action == MXG_RECORD_REWRITE)
		e->flags |= MXG_DIST_REWRITTEN;
	else if (ex->resolvable && fact->kind == MXG_FACT_ALIAS)
		e->flags |= MXG_DIST_ALIAS;
	if (!ex->resolvable)
		return;
	if (mxg_fact_is_dangling(fact))
		e->flags |= MXG_DIST_DANGLING;
	else if (mxg_fact_is_unchecked(fact))
		e->flags |= MXG_DIST_UNCHECKED;
	else if (fact->a_count + fact->aaaa_count > 0) {
		/* Counts behind an alias are the canonical name's. */
		e->flags |= MXG_DIST_ADDR_KNOWN;
		e->addresses = fact->a_count + fact->aaaa_count;
	}
}

/* One entry per served (preference, name); repeats only count records. */
static void
collect_entries(struct mxg_distribution *dist, const struct served *s)
{
	size_t n = 0, i;

	for (i = 0; i < s->ans->record_count; i++)
		if (s->ans->records[i].exchange != NULL &&
		    s->dec->verdicts[i].action != MXG_RECORD_DROP)
			dist->order[n++] = (uint16_t)i;
	mxg_sort_indices(dist->order, n, cmp_served, s);
	dist->count = 0;
	for (i = 0; i < n; i++) {
		uint16_t r = dist->order[i];
		const struct mxg_record *rec = &s->ans->records[r];
		struct mxg_dist_entry *e;

		if (i > 0 && cmp_served(s, dist->order[i - 1], r) == 0) {
			dist->entries[dist->count - 1].records++;
			continue;
		}
		e = &dist->entries[dist->count++];
		memset(e, 0, sizeof(*e));
		e->name = served_name(s, r);
		e->name_hash = s->dec->verdicts[r].action == MXG_RECORD_REWRITE ?
		    mxg_answer_name_hash(s->ans, e->name) :
		    s->ans->exchanges[rec->exchange_index].hash;
		e->preference = rec->preference;
		e->records = 1;
		describe_entry(e, &s->ans->exchanges[rec->exchange_index],
		    &s->dec->verdicts[r]);
	}
}

/* Find the tier carrying the mail and hand out the shares. */
static void
assign_shares(struct mxg_distribution *dist)
{
	size_t i;
	bool found = false;
	uint32_t share;

	dist->tiers = 0;
	for (i = 0; i < dist->count; i++) {
		const struct mxg_dist_entry *e = &dist->entries[i];

		if (i == 0 || e->preference != dist->entries[i - 1].preference)
			dist->tiers++;
		if (found && e->preference != dist->primary_preference)
			continue;
		if (!(e->flags & UNUSABLE)) {
			found = true;
			dist->primary_preference = e->preference;
			dist->usable++;
		}
	}
	if (dist->count > 0)
		dist->lowest_preference = dist->entries[0].preference;
	if (!found) {
		dist->state = MXG_DIST_STATE_NO_USABLE;
		return;
	}
	dist->takeover = dist->primary_preference != dist->lowest_preference;
	share = (uint32_t)((PPM + dist->usable / 2) / dist->usable);
	for (i = 0; i < dist->count; i++) {
		struct mxg_dist_entry *e = &dist->entries[i];

		if (e->preference > dist->primary_preference)
			e->flags |= MXG_DIST_BACKUP;
		if (e->preference != dist->primary_preference ||
		    (e->flags & UNUSABLE))
			continue;
		e->share_ppm = share;
		if (e->flags & MXG_DIST_ADDR_KNOWN)
			e->addr_share_ppm = (share + e->addresses / 2) /
			    e->addresses;
	}
}

static uint64_t
fingerprint(const struct mxg_distribution *dist)
{
	uint64_t hash = MXG_FNV64_INIT;
	size_t i;

	hash = mxg_fnv64(hash, (uint64_t)dist->state);
	hash = mxg_fnv64(hash, ((uint64_t)dist->primary_preference << 32) |
	    dist->count);
	hash = mxg_fnv64(hash, ((uint64_t)dist->malformed << 32) | dist->overflow);
	for (i = 0; i < dist->count; i++) {
		const struct mxg_dist_entry *e = &dist->entries[i];

		hash = mxg_fnv64(hash, ((uint64_t)e->preference << 32) |
		    e->flags);
		hash = mxg_fnv64(hash, e->name_hash);
		hash = mxg_fnv64(hash, ((uint64_t)e->records << 32) | e->addresses);
		hash = mxg_fnv64(hash, ((uint64_t)e->share_ppm << 32) |
		    e->addr_share_ppm);
	}
	return hash;
}

bool
mxg_distribute(struct mxg_distribution *dist, const struct mxg_answer *ans,
    const struct mxg_decision *dec)
{
	struct served s = { ans, dec };

	if (dist->capacity < ans->record_count || dec->count != ans->record_count)
		return false;
	dist->owner = ans->owner;
	dist->state = MXG_DIST_STATE_MX;
	dist->lowest_preference = dist->primary_preference = 0;
	dist->takeover = false;
	dist->tiers = dist->usable = dist->count = 0;
	dist->malformed = ans->malformed;
	dist->overflow = ans->overflow;
	dist->omitted = 0;
	if (dec->action == MXG_ACTION_SERVFAIL)
		dist->state = MXG_DIST_STATE_SERVFAIL;
	else if (ans->null_mx)
		dist->state = MXG_DIST_STATE_NULL_MX;
	else {
		collect_entries(dist, &s);
		assign_shares(dist);
	}
	dist->fingerprint = fingerprint(dist);
	return true;
}

/* A share in ppm as a percentage rounded half up to 0.1%. */
static void
render_share(struct mxg_text *t, uint32_t ppm)
{
	uint32_t permille = (ppm + 500) / 1000;

	mxg_text_uint(t, permille / 10);
	if (permille % 10 != 0) {
		mxg_text_str(t, ".");
		mxg_text_uint(t, permille % 10);
	}
	mxg_text_str(t, "%");
}

/* Parenthesised notes after a share: "(2 addr, listed 2x)". */
static void
render_notes(struct mxg_text *t, const struct mxg_dist_entry *e, bool primary)
{
	const char *sep = " (";

	if (primary && (e->flags & MXG_DIST_ADDR_KNOWN)) {
		mxg_text_str(t, sep);
		mxg_text_uint(t, e->addresses);
		mxg_text_str(t, " addr");
		sep = ", ";
	}
	if (e->records > 1) {
		mxg_text_str(t, sep);
		mxg_text_str(t, "listed ");
		mxg_text_uint(t, e->records);
		mxg_text_str(t, "x");
		sep = ", ";
	} else if (e->flags & MXG_DIST_DUPLICATE) {
		mxg_text_str(t, sep);
		mxg_text_str(t, "duplicate");
		sep = ", ";
	}
	if (e->flags & (MXG_DIST_ALIAS | MXG_DIST_LITERAL | MXG_DIST_REWRITTEN)) {
		mxg_text_str(t, sep);
		mxg_text_str(t, (e->flags & MXG_DIST_ALIAS) ? "alias" :
		    (e->flags & MXG_DIST_LITERAL) ? "address literal" :
		    "rewritten");
		sep = ", ";
	}
	if (sep[0] == ',')
		mxg_text_str(t, ")");
}

static void
render_entry(struct mxg_text *t, const struct mxg_distribution *dist,
    const struct mxg_dist_entry *e)
{
	mxg_text_str(t, " ");
	mxg_text_name(t, e->name);
	if (e->flags & MXG_DIST_NULL)
		mxg_text_str(t, " null");
	else if (e->flags & MXG_DIST_DANGLING)
		mxg_text_str(t, " dangling");
	else if (e->flags & MXG_DIST_BACKUP)
		mxg_text_str(t, " backup");
	else if (dist->state == MXG_DIST_STATE_MX) {
		mxg_text_str(t, " ");
		render_share(t, e->share_ppm);
	}
	render_notes(t, e, e->share_ppm > 0);
}

static void
render_tiers(struct mxg_text *t, const struct mxg_distribution *dist)
{
	size_t i;

	for (i = 0; i < dist->count && i < MXG_TEXT_NAMES_MAX; i++) {
		const struct mxg_dist_entry *e = &dist->entries[i];

		if (i == 0 || e->preference != dist->entries[i - 1].preference) {
			mxg_text_str(t, i == 0 ? " pref " : "; pref ");
			mxg_text_uint(t, e->preference);
			if (dist->takeover &&
			    e->preference == dist->primary_preference)
				mxg_text_str(t, " (takes over)");
		}
		render_entry(t, dist, e);
	}
	if (dist->count > MXG_TEXT_NAMES_MAX)
		mxg_text_count(t, "exchanges not named",
		    (unsigned long)(dist->count - MXG_TEXT_NAMES_MAX));
}

char *
mxg_distribution_render(char *out, size_t outlen,
    const struct mxg_distribution *dist)
{
	struct mxg_text t;

	mxg_text_init(&t, out, outlen);
	mxg_text_str(&t, "distribution ");
	mxg_text_name(&t, dist->owner);
	mxg_text_str(&t, ":");
	if (dist->state == MXG_DIST_STATE_SERVFAIL)
		mxg_text_str(&t, " answer is SERVFAIL");
	else if (dist->state == MXG_DIST_STATE_NULL_MX)
		mxg_text_str(&t, " null MX, accepts no mail");
	else {
		render_tiers(&t, dist);
		if (dist->state == MXG_DIST_STATE_NO_USABLE)
			mxg_text_str(&t, dist->count ? "; no usable exchange" :
			    " no usable exchange");
	}
	mxg_text_count(&t, "malformed", (unsigned long)dist->malformed);
	mxg_text_count(&t, "not analysed", (unsigned long)dist->overflow);
	mxg_text_count(&t, "exchanges not kept", (unsigned long)dist->omitted);
	return mxg_text_end(&t);
}

static size_t
name_len(const uint8_t *name)
{
	return mxg_dname_len(name, MXG_DNAME_MAXLEN);
}

/*
 * Which entries a copy of at most max keeps: those carrying mail, then
 * the others, each in order.  Fed the entries in order, it says of
 * each whether it is kept.
 */
struct keeper {
	size_t carrying_left;	/* carrying entries still to keep */
	size_t others_left;	/* other entries still to keep */
};

static void
keeper_init(struct keeper *k, const struct mxg_distribution *dist, size_t max)
{
	size_t carrying = 0, i;

	for (i = 0; i < dist->count; i++)
		if (dist->entries[i].share_ppm > 0)
			carrying++;
	k->carrying_left = carrying < max ? carrying : max;
	k->others_left = max - k->carrying_left;
}

static bool
keeper_keeps(struct keeper *k, const struct mxg_dist_entry *e)
{
	size_t *left = e->share_ppm > 0 ? &k->carrying_left : &k->others_left;

	if (*left == 0)
		return false;
	(*left)--;
	return true;
}

size_t
mxg_distribution_copy_size(const struct mxg_distribution *dist, size_t max)
{
	size_t kept = dist->count < max ? dist->count : max;
	size_t size = MXG_ALIGN8(sizeof(*dist)) +
	    MXG_ALIGN8(kept * sizeof(struct mxg_dist_entry)) +
	    name_len(dist->owner);
	struct keeper k;
	size_t i;

	keeper_init(&k, dist, max);
	for (i = 0; i < dist->count; i++)
		if (keeper_keeps(&k, &dist->entries[i]))
			size += name_len(dist->entries[i].name);
	return size;
}

/* Append a name at *p and return where it now lives. */
static const uint8_t *
copy_name(uint8_t **p, const uint8_t *name)
{
	size_t len = name_len(name);
	uint8_t *copy = *p;

	memcpy(copy, name, len);
	*p += len;
	return copy;
}

struct mxg_distribution *
mxg_distribution_copy(void *mem, size_t memlen,
    const struct mxg_distribution *dist, size_t max)
{
	struct mxg_distribution *copy = mem;
	size_t kept = dist->count < max ? dist->count : max;
	uint8_t *p = mem;
	struct keeper k;
	size_t i;

	if (mem == NULL || ((uintptr_t)mem & 7) != 0 ||
	    memlen < mxg_distribution_copy_size(dist, max))
		return NULL;
	*copy = *dist;
	p += MXG_ALIGN8(sizeof(*copy));
	copy->entries = (struct mxg_dist_entry *)p;
	copy->capacity = kept;
	copy->order = NULL;	/* a copy is read, never recomputed */
	p += MXG_ALIGN8(kept * sizeof(struct mxg_dist_entry));
	copy->owner = copy_name(&p, dist->owner);
	copy->count = 0;
	keeper_init(&k, dist, max);
	for (i = 0; i < dist->count; i++) {
		if (!keeper_keeps(&k, &dist->entries[i]))
			continue;
		copy->entries[copy->count] = dist->entries[i];
		copy->entries[copy->count++].name =
		    copy_name(&p, dist->entries[i].name);
	}
	copy->omitted = dist->omitted + dist->count - copy->count;
	return copy;
}

static bool
entries_equal(const struct mxg_dist_entry *x, const struct mxg_dist_entry *y)
{
	return x->preference == y->preference && x->flags == y->flags &&
	    x->records == y->records && x->addresses == y->addresses &&
	    x->share_ppm == y->share_ppm &&
	    x->addr_share_ppm == y->addr_share_ppm &&
	    mxg_dname_equal(x->name, y->name);
}

bool
mxg_distribution_equal(const struct mxg_distribution *a,
    const struct mxg_distribution *b)
{
	const struct mxg_distribution *whole = a, *part = b;
	struct keeper k;
	size_t i, j;

	if (a->fingerprint != b->fingerprint || a->state != b->state ||
	    a->count + a->omitted != b->count + b->omitted ||
	    a->primary_preference != b->primary_preference ||
	    a->malformed != b->malformed || a->overflow != b->overflow)
		return false;
	if (a->count < b->count) {
		whole = b;
		part = a;
	}
	/* The entries the smaller copy kept, found again in the other. */
	keeper_init(&k, whole, part->count);
	for (i = 0, j = 0; i < whole->count && j < part->count; i++) {
		if (part->count < whole->count &&
		    !keeper_keeps(&k, &whole->entries[i]))
			continue;
		if (!entries_equal(&whole->entries[i], &part->entries[j++]))
			return false;
	}
	return j == part->count;
}
