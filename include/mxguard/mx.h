/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mx.h - one MX answer as the engine sees it: its records parsed out of
 * wire RDATA, its distinct exchanges, and what resolving them taught us.
 *
 * The caller supplies the memory (mxg_answer_size() bytes, 8-byte
 * aligned); nothing here allocates.  Records point into the caller's
 * RDATA items and facts into the caller's canonical names: both must
 * outlive the answer.  Unbound-independent.
 *
 * Use:
 *	mem = alloc(mxg_answer_size(n));
 *	ans = mxg_answer_init(mem, size, n);
 *	mxg_answer_begin(ans, qname, qname_len);
 *	for each rr: mxg_answer_add(ans, d->rr_data[i], d->rr_len[i]);
 *	mxg_answer_end(ans, settings->max_exchanges);
 *	for each exchange e with e->lookup (or known from cache):
 *		mxg_answer_set_fact(ans, index, &fact);
 *	then mxg_decide() (policy.h) and mxg_distribute() (distribution.h).
 */
#ifndef MXGUARD_MX_H
#define MXGUARD_MX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Records analysed per answer; the rest are counted and left untouched. */
#define MXG_MX_MAX_RECORDS	1024
/* The records actually laid out for an answer of n items. */
#define MXG_MX_CAPPED(n)	((n) > MXG_MX_MAX_RECORDS ? MXG_MX_MAX_RECORDS : (n))
/* Caller memory is laid out in 8-byte aligned parts. */
#define MXG_ALIGN8(x)		(((x) + 7) & ~(size_t)7)
/* "No exchange": a malformed record has none. */
#define MXG_NO_EXCHANGE		0xffffu

/* Fault kinds, as bits: a verdict may in principle carry several. */
#define MXG_FAULT_ALIAS			0x01u	/* exchange is a CNAME/DNAME alias */
#define MXG_FAULT_ADDRESS_LITERAL	0x02u	/* exchange spells an IP address */
#define MXG_FAULT_DANGLING		0x04u	/* NXDOMAIN, or no A and no AAAA */
#define MXG_FAULT_NULL_MX_MISUSE	0x08u	/* "." beside others or pref != 0 */
#define MXG_FAULT_MALFORMED		0x10u	/* RDATA does not parse */
#define MXG_FAULT_ALL			0x1fu

/* What resolving an exchange (or one of its address types) found. */
enum mxg_fact_kind {
	MXG_FACT_UNKNOWN = 0,	/* not looked up (yet): unchecked */
	MXG_FACT_ADDRESSES,	/* has A and/or AAAA records */
	MXG_FACT_ALIAS,		/* a CNAME, or one synthesized from a DNAME */
	MXG_FACT_NXDOMAIN,
	MXG_FACT_NODATA,	/* name exists, no record of the type(s) */
	MXG_FACT_FAILED		/* SERVFAIL, timeout, ...: unchecked */
};

struct mxg_fact {
	enum mxg_fact_kind kind;
	unsigned a_count;	/* A records seen (also behind an alias) */
	unsigned aaaa_count;	/* AAAA records seen */
	/* ALIAS: the canonical name (valid wire name), or NULL if unknown. */
	const uint8_t *canonical;
	/*
	 * Seconds the evidence stays valid (the TTL left on the answer it
	 * was read from); a decision that rests on it lives no longer.
	 */
	uint32_t ttl;
};

/* A decision that rests on the MX records alone has no evidence TTL. */
#define MXG_TTL_NONE	UINT32_MAX

struct mxg_record {
	uint16_t preference;
	/* The exchange inside the caller's RDATA; NULL when malformed. */
	const uint8_t *exchange;
	uint16_t exchange_index;	/* into answer->exchanges, or MXG_NO_EXCHANGE */
	uint16_t next_same;		/* next record with this exchange, or MXG_NO_EXCHANGE */
	unsigned faults;		/* MXG_FAULT_{MALFORMED,NULL_MX_MISUSE,ADDRESS_LITERAL} */
};

/* A distinct exchange name (case-insensitive) and what we know of it. */
struct mxg_exchange {
	const uint8_t *name;		/* as in its first record */
	uint64_t hash;			/* of the name, by the answer's key */
	uint16_t best_preference;	/* lowest preference naming it */
	uint16_t first_record;		/* its first record; the others */
	uint16_t last_record;		/* follow through next_same */
	uint16_t record_count;		/* records naming it: > 1 is a duplicate */
	bool is_root;			/* "." (null MX) */
	bool is_literal;		/* spells an IPv4/IPv6 address */
	bool resolvable;		/* worth an A/AAAA lookup */
	bool lookup;			/* among the max_exchanges to resolve */
	struct mxg_fact fact;
};

struct mxg_answer {
	const uint8_t *owner;		/* the MX owner name (caller memory) */
	size_t capacity;		/* records the memory was laid out for */

	struct mxg_record *records;	/* one per item added, up to capacity */
	size_t record_count;
	size_t item_count;		/* items added, handled or not */
	size_t overflow;		/* items beyond capacity, passed over */
	size_t malformed;		/* records with MXG_FAULT_MALFORMED */

	/* Distinct exchanges, in order of first appearance. */
	struct mxg_exchange *exchanges;
	size_t exchange_count;
	/* Exchange indices by best preference, then first appearance. */
	uint16_t *order;
	size_t lookup_count;		/* exchanges with ->lookup set */
	size_t duplicate_count;		/* records repeating an earlier exchange */
	bool null_mx;			/* a legitimate RFC 7505 null MX answer */

	/*
	 * The key names are hashed with, so that whoever writes the MX set
	 * cannot make its names collide; NULL: a fixed key.  Set it before
	 * the first item.
	 */
	const struct mxg_hash_key *key;

	/* Private: open hash of the exchanges by name. */
	uint16_t *slots;
	size_t slot_mask;
};

/* The hash of a valid wire name by the answer's key. */
uint64_t mxg_answer_name_hash(const struct mxg_answer *ans,
    const uint8_t *name);

/* Bytes of memory an answer of n items needs (n is capped internally). */
size_t mxg_answer_size(size_t n);

/* Lay out an answer for n items in mem; NULL if memlen is too small. */
struct mxg_answer *mxg_answer_init(void *mem, size_t memlen, size_t n);

/* Start with the owner name; false when it is not a valid wire name. */
bool mxg_answer_begin(struct mxg_answer *ans, const uint8_t *owner,
    size_t owner_len);

/*
 * Add one RDATA item as a packed rrset keeps it: 2-byte big-endian
 * rdlength, then preference and exchange; item_len covers all of it.
 * Anything that does not parse exactly is recorded as malformed.
 */
void mxg_answer_add(struct mxg_answer *ans, const uint8_t *item,
    size_t item_len);

/*
 * After the last item: judge null MX use, sort the exchanges by
 * preference and mark the first max_exchanges resolvable ones ->lookup.
 */
void mxg_answer_end(struct mxg_answer *ans, unsigned max_exchanges);

/* Convenience: begin, add every item, end.  False on a bad owner. */
bool mxg_answer_parse(struct mxg_answer *ans, const uint8_t *owner,
    size_t owner_len, const uint8_t *const *items, const size_t *item_lens,
    size_t n, unsigned max_exchanges);

/*
 * Record what resolving exchange i found.  Ignored for an exchange that
 * is not resolvable ("." or an address literal) or out of range.
 */
void mxg_answer_set_fact(struct mxg_answer *ans, size_t i,
    const struct mxg_fact *fact);

/*
 * The same from exchange i's A and AAAA results, merged by
 * mxg_fact_merge(); NULL for a result not known.  With neither known the
 * exchange keeps the fact it has.
 */
void mxg_answer_set_results(struct mxg_answer *ans, size_t i,
    const struct mxg_fact *a_result, const struct mxg_fact *aaaa_result);

/*
 * Build an RDATA item as a packed rrset keeps it (rdlength, preference,
 * exchange) into out: for a rewritten record, a test or a tool.
 * Returns its length, 0 if exchange is invalid or outlen too small.
 */
size_t mxg_mx_item_build(uint8_t *out, size_t outlen, uint16_t preference,
    const uint8_t *exchange);

/* Index of the exchange with this name, or MXG_NO_EXCHANGE. */
size_t mxg_answer_find_exchange(const struct mxg_answer *ans,
    const uint8_t *name);

/*
 * Merge the per-type results of the A and the AAAA lookup of one name:
 * alias if either saw a CNAME; else addresses if either has some; else
 * NXDOMAIN if either says so; else NODATA only if both say NODATA; else
 * failed if either failed, unknown otherwise.  a_count is taken from
 * the A result, aaaa_count from the AAAA result; the TTL is the smaller
 * of the two results that say something (not unknown, not failed).
 */
struct mxg_fact mxg_fact_merge(const struct mxg_fact *a_result,
    const struct mxg_fact *aaaa_result);

/* True when the fact says the name has no address (NXDOMAIN, NODATA). */
bool mxg_fact_is_dangling(const struct mxg_fact *fact);

/* True when the fact says nothing either way (unknown, failed). */
bool mxg_fact_is_unchecked(const struct mxg_fact *fact);

/* True when a wire name spells an IPv4 or IPv6 address. */
bool mxg_dname_is_address_literal(const uint8_t *name);

/* Short fixed name of one fault bit ("alias", ...), "?" otherwise. */
const char *mxg_fault_name(unsigned fault);

/* Name of a fact kind ("unknown", "addresses", ...). */
const char *mxg_fact_name(enum mxg_fact_kind kind);

/*
 * Sort n 16-bit indices (n at most MXG_MX_MAX_RECORDS) in place by
 * cmp(ctx, a, b), in O(n log n) without allocating.  Equal keys are
 * ordered by index so the result does not depend on the input order of
 * ties.
 */
void mxg_sort_indices(uint16_t *idx, size_t n,
    int (*cmp)(const void *ctx, uint16_t a, uint16_t b), const void *ctx);

#endif /* MXGUARD_MX_H */
