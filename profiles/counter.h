/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The counter file: the replay defence, so every write is durable before
 * the caller acts on it (DESIGN.md §4).  Text is one decimal number and a
 * newline.  Valid values are 0 .. 2^32; 2^32 means the profile is exhausted.
 */
#ifndef COUNTER_H
#define COUNTER_H

#include <stddef.h>
#include <stdint.h>

#define COUNTER_TEXT_MAX	16	/* bytes: "4294967296\n" is 11 */

/* Parse counter text: digits only, optional trailing "\n", value <= 2^32.
 * Pure; 0 or -1 with *errstr. */
int	counter_parse(const char *text, size_t len, uint64_t *value,
	    const char **errstr);

/* Read and parse the counter from an open fd (from offset 0).  0 or -1 with
 * *errstr (errno-derived text included in the static string set). */
int	counter_read_fd(int fd, uint64_t *value, const char **errstr);

/*
 * Daemon: overwrite in place with one pwrite at offset 0, a truncate to
 * its length (the daemon's own values only grow, but one written by hand
 * may be longer), then fdatasync.  0, or -1 with errno set.
 */
int	counter_write_fd(int fd, uint64_t value);

/*
 * Client: in the profile directory DIRFD (from profile_open()), write
 * counter.tmp, fsync, rename it over counter, fsync the directory.  Mode
 * 0600.  0, or -1 with errno set.
 */
int	counter_save(int dirfd, uint64_t value);

#endif
