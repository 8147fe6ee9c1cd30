/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmark programs share: the clock they time with, and the
 * order they sort samples in. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <time.h>

static inline int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* qsort() comparison for int64_t samples. */
static inline int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

#endif
