/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmark programs share: the clock they time with, the order
 * they sort samples in, and one definition of the median and the p90, so
 * that every line of `make bench` means the same by them. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
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

/* The median of sorted v[0..n), n > 0: the mean of the middle two. */
static inline double
median_i64(const int64_t *v, size_t n)
{
	return ((double)v[(n - 1) / 2] + (double)v[n / 2]) / 2;
}

/* The 90th percentile of sorted v[0..n), n > 0, by nearest rank: the
 * smallest sample with at least 90 % of the samples at or below it. */
static inline double
p90_i64(const int64_t *v, size_t n)
{
	return (double)v[(n * 9 + 9) / 10 - 1];
}

#endif
