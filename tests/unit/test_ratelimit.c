/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_ratelimit.c - unit tests of the log lines' token bucket: the
 * burst, the sustained rate, the count of refused lines handed to the
 * next line that goes out, a clock that stands still or steps back,
 * and a rate of 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mxguard/ratelimit.h"

/* How many of n lines at now go out; *refused_before of the last one. */
static unsigned
take(struct mxg_bucket *b, time_t now, unsigned n, uint64_t *refused_before)
{
	unsigned ok = 0, i;

	for (i = 0; i < n; i++)
		if (mxg_bucket_take(b, now, refused_before))
			ok++;
	return ok;
}

static void
test_burst_then_rate(void **state)
{
	struct mxg_bucket b;
	uint64_t refused = 99;

	(void)state;
	mxg_bucket_init(&b, 5, 100, 1000);
	assert_int_equal(take(&b, 1000, 150, &refused), 100);
	assert_int_equal(refused, 0);
	/* A second later: five more, and the first says what was refused. */
	assert_true(mxg_bucket_take(&b, 1001, &refused));
	assert_int_equal(refused, 50);
	assert_int_equal(take(&b, 1001, 10, &refused), 4);
	/* A long pause fills the bucket to its burst, no more. */
	assert_int_equal(take(&b, 5000, 1000, &refused), 100);
	mxg_bucket_destroy(&b);
}

static void
test_clock_standing_still_or_stepping_back(void **state)
{
	struct mxg_bucket b;
	uint64_t refused;

	(void)state;
	mxg_bucket_init(&b, 1, 2, 1000);
	assert_int_equal(take(&b, 1000, 5, &refused), 2);
	assert_int_equal(take(&b, 999, 5, &refused), 0);
	assert_int_equal(take(&b, 1000, 5, &refused), 0);
	assert_int_equal(take(&b, 1001, 5, &refused), 1);
	assert_int_equal(refused, 13);
	mxg_bucket_destroy(&b);
}

static void
test_rate_zero_logs_nothing(void **state)
{
	struct mxg_bucket b;
	uint64_t refused;

	(void)state;
	mxg_bucket_init(&b, 0, 0, 1000);
	assert_int_equal(take(&b, 1000, 10, &refused), 0);
	assert_int_equal(take(&b, 100000, 10, &refused), 0);
	mxg_bucket_destroy(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_clock_standing_still_or_stepping_back),
		cmocka_unit_test(test_rate_zero_logs_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
