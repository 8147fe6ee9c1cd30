// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The cost of the durable counter write that bounds valid knocks in live
 * mode: counter_write_fd() (one pwrite at offset 0, then fdatasync) called
 * N times on a scratch counter file in DIR, with growing values as the
 * daemon writes them.  Prints the median, p90, max and mean in
 * microseconds.  Trusts its arguments; creates and removes DIR/counter.bench.
 * With GAP_MS, sleeps that long before each write: a live daemon writes
 * after idling, and on a virtual disk the first flush after a pause costs
 * several times what back-to-back flushes do.
 *
 *   counterwrite DIR [N [GAP_MS]]
 */
#include <err.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include "profiles/counter.h"

#define DEFAULT_WRITES	1000
#define FIRST_VALUE	1000000		/* seven digits: every write the same length */

int
main(int argc, char *argv[])
{
	char	 path[PATH_MAX];
	int64_t	*t, sum = 0;
	long	 n = DEFAULT_WRITES, gap_ms = 0;
	int	 fd;

	if (argc < 2 || argc > 4 || (argc >= 3 && (n = atol(argv[2])) < 1) ||
	    (argc == 4 && ((gap_ms = atol(argv[3])) < 1 || gap_ms > 10000)))
		errx(2, "usage: counterwrite DIR [N [GAP_MS]]");
	if (snprintf(path, sizeof(path), "%s/counter.bench", argv[1]) >=
	    (int)sizeof(path))
		errx(1, "%s: path too long", argv[1]);
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		err(1, "calloc");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		err(1, "%s", path);
	/* The file exists and has its size, as a profile's counter does. */
	if (counter_write_fd(fd, FIRST_VALUE) == -1 || fsync(fd) == -1)
		err(1, "%s", path);
	for (long i = 0; i < n; i++) {
		int64_t	t0;

		if (gap_ms > 0)
			nanosleep(&(struct timespec){ .tv_sec = gap_ms / 1000,
			    .tv_nsec = gap_ms % 1000 * 1000000 }, NULL);
		t0 = now_ns();
		if (counter_write_fd(fd, FIRST_VALUE + 1 + (uint64_t)i) == -1)
			err(1, "%s: counter_write_fd", path);
		t[i] = now_ns() - t0;
		sum += t[i];
	}
	close(fd);
	unlink(path);
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	printf("median %.1f us p90 %.1f us max %.1f us mean %.1f us (%ld writes",
	    median_i64(t, (size_t)n) / 1e3, p90_i64(t, (size_t)n) / 1e3,
	    (double)t[n - 1] / 1e3, (double)sum / (double)n / 1e3, n);
	if (gap_ms > 0)
		printf(", each after %ld ms idle", gap_ms);
	printf(")\n");
	free(t);
	return 0;
}
