/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * distribution.h - where the mail of a domain goes, given the MX answer
 * as it is served: preference tiers, each exchange's share of the mail,
 * as one log line and as a structured record the stats can keep.
 *
 * RFC 5321 §5.1: senders try the lowest preference first and pick at
 * random among equal preferences, so in the lowest tier with a usable
 * exchange each usable exchange gets an equal share, split equally
 * again over its addresses when their count is known; higher tiers are
 * backups (share 0).  Usable = served (not dropped), not the null MX
 * ".", not known dangling.  When the lowest tier has no usable exchange
 * the next one takes over, and the record says so.
 *
 * Shares are integers in parts per million: round(1e6 / k) for k usable
 * exchanges, round(share / addresses) per address.  Rendered as a
 * percentage rounded half up to 0.1%, without ".0": 100%, 50%, 33.3%,
 * 14.3%.  Rounded shares need not sum to exactly 100%.
 *
 * Entries are ordered by preference, then name (mxg_dname_order), so
 * neither the record nor the fingerprint depends on the order of the
 * records in the answer (resolvers rotate it).  Caller-supplied memory,
 * no allocation.  Unbound-independent.
 */
#ifndef MXGUARD_DISTRIBUTION_H
#define MXGUARD_DISTRIBUTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mxguard/mx.h"
#include "mxguard/policy.h"

/* Entry flags. */
#define MXG_DIST_NULL		0x0001u	/* the "." exchange: not usable */
#define MXG_DIST_DANGLING	0x0002u	/* known to have no address */
#define MXG_DIST_BACKUP		0x0004u	/* tier above the one carrying mail */
#define MXG_DIST_DUPLICATE	0x0008u	/* name in more than one record */
#define MXG_DIST_ADDR_KNOWN	0x0010u	/* addresses is a real count */
#define MXG_DIST_REWRITTEN	0x0020u	/* name is the alias's canonical name */
#define MXG_DIST_ALIAS		0x0040u	/* an alias left in the answer */
#define MXG_DIST_LITERAL	0x0080u	/* an address literal left in */
#define MXG_DIST_UNCHECKED	0x0100u	/* lookup unknown or failed */

struct mxg_dist_entry {
	const uint8_t *name;		/* exchange as served */
	uint16_t preference;
	uint16_t flags;			/* MXG_DIST_* */
	uint16_t records;		/* records naming it at this preference */
	uint32_t addresses;		/* A + AAAA, if MXG_DIST_ADDR_KNOWN */
	uint32_t share_ppm;		/* share of the mail; 0 = none */
	uint32_t addr_share_ppm;	/* share per address, if known */
	uint64_t name_hash;		/* of name, by the answer's key */
};

enum mxg_dist_state {
	MXG_DIST_STATE_MX = 0,		/* mail goes to the entries' shares */
	MXG_DIST_STATE_NULL_MX,		/* RFC 7505: accepts no mail */
	MXG_DIST_STATE_SERVFAIL,	/* the answer is SERVFAIL */
	MXG_DIST_STATE_NO_USABLE	/* records, but none usable */
};

struct mxg_distribution {
	const uint8_t *owner;
	enum mxg_dist_state state;
	uint16_t lowest_preference;	/* of the served records */
	uint16_t primary_preference;	/* the tier carrying the mail */
	bool takeover;			/* primary is not the lowest tier */
	size_t tiers;			/* distinct preferences served */
	size_t usable;			/* exchanges sharing the mail */
	size_t malformed;		/* records left out: malformed */
	size_t overflow;		/* records left out: beyond the bound */
	size_t omitted;			/* entries a capped copy left out */
	uint64_t fingerprint;		/* of everything above but owner */
	struct mxg_dist_entry *entries;
	size_t count;
	size_t capacity;
	uint16_t *order;		/* private scratch */
};

/* Bytes a distribution for n records needs (n capped like the answer). */
size_t mxg_distribution_size(size_t n);

/* Lay out a distribution for n records in mem; NULL if too small. */
struct mxg_distribution *mxg_distribution_init(void *mem, size_t memlen,
    size_t n);

/*
 * Compute the distribution of the answer as served after the decision.
 * Entry names point into the answer's or the facts' memory.  False if
 * laid out for fewer records than the answer holds.
 */
bool mxg_distribute(struct mxg_distribution *dist,
    const struct mxg_answer *ans, const struct mxg_decision *dec);

/*
 * One log line (the logger adds "mxguard: "), e.g.
 *   distribution example.org: pref 10 mx1.example.org 50% (2 addr)
 *   mx2.example.org 50% (1 addr); pref 20 backup.example.org backup
 * Names escaped; truncation marked with "...".  Returns out.
 */
char *mxg_distribution_render(char *out, size_t outlen,
    const struct mxg_distribution *dist);

/*
 * Bytes mxg_distribution_copy() needs for a compact copy of dist that
 * keeps at most max entries.
 */
size_t mxg_distribution_copy_size(const struct mxg_distribution *dist,
    size_t max);

/*
 * Copy dist, at most max of its entries and their names into mem
 * (8-byte aligned, mxg_distribution_copy_size() bytes), so it outlives
 * the answer: the entries that carry mail first, then the others, each
 * in order; the copy counts the rest in omitted.  Returns the copy, NULL
 * if memlen is too small.
 */
struct mxg_distribution *mxg_distribution_copy(void *mem, size_t memlen,
    const struct mxg_distribution *dist, size_t max);

/*
 * Same distribution (owner aside)?  Compares the fingerprints first,
 * so a change is found in O(1); equal fingerprints are confirmed
 * entry by entry, as far as a capped copy holds them.
 */
bool mxg_distribution_equal(const struct mxg_distribution *a,
    const struct mxg_distribution *b);

#endif /* MXGUARD_DISTRIBUTION_H */
