/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_input.h - what the MX fuzz targets share: their input read as a
 * stream of fields, where missing bytes read as 0 so that every input is
 * a valid one, and the fields both start with.
 */
#ifndef MXGUARD_FUZZ_INPUT_H
#define MXGUARD_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mxguard/distribution.h"

struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline uint8_t
fuzz_take(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

/* Two octets, big-endian. */
static inline uint16_t
fuzz_take16(struct fuzz_input *in)
{
	uint16_t hi = fuzz_take(in);

	return (uint16_t)(hi << 8 | fuzz_take(in));
}

/*
 * Up to want octets of the input as they stand (fewer where it ends);
 * sets *len to how many.
 */
static inline const uint8_t *
fuzz_take_bytes(struct fuzz_input *in, size_t want, size_t *len)
{
	const uint8_t *at = in->data + in->pos;

	*len = want < in->size - in->pos ? want : in->size - in->pos;
	in->pos += *len;
	return at;
}

/*
 * Bytes 0-4 of every input: the cname, address-literal, dangling and
 * null-mx policies (% 5) and max-exchanges - 1 (% 64).
 */
static inline void
fuzz_take_settings(struct fuzz_input *in, struct mxg_settings *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cname_policy = (enum mxg_policy)(fuzz_take(in) % 5);
	cfg->address_literal_policy = (enum mxg_policy)(fuzz_take(in) % 5);
	cfg->dangling_policy = (enum mxg_policy)(fuzz_take(in) % 5);
	cfg->null_mx_policy = (enum mxg_policy)(fuzz_take(in) % 5);
	cfg->max_exchanges = 1 + fuzz_take(in) % 64;
}

/*
 * The canonical name a lookup fact gives: pick 127 is the owner, bit 7
 * set none, else the exchange of record pick % records.
 */
static inline const uint8_t *
fuzz_canonical(const struct mxg_answer *ans, uint8_t pick)
{
	if (pick == 127)
		return ans->owner;
	if (pick < 127 && ans->record_count > 0)
		return ans->records[pick % ans->record_count].exchange;
	return NULL;
}

#endif /* MXGUARD_FUZZ_INPUT_H */
