// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The counter file, the replay defence (DESIGN.md §4).  Its text is the
 * canonical decimal of the value and one newline; leading zeros are
 * refused, so a larger value never has shorter text and the daemon can
 * overwrite the file in place.  Every write is durable before it returns.
 * The file's content is untrusted: bounded and checked exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "profiles/codec.h"
#include "profiles/counter.h"

int
counter_parse(const char *text, size_t len, uint64_t *value,
    const char **errstr)
{
	uint64_t	v = 0;
	size_t		i;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0) {
		*errstr = "empty, expected a decimal number";
		return -1;
	}
	if (len > 1 && text[0] == '0') {
		*errstr = "leading zeros are not allowed";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9') {
			*errstr = "not a decimal number";
			return -1;
		}
		v = v * 10 + (uint64_t)(text[i] - '0');
		if (v > CODEC_COUNTER_LIMIT) {
			*errstr = "out of range (more than 2^32)";
			return -1;
		}
	}
	*value = v;
	return 0;
}

int
counter_read_fd(int fd, uint64_t *value, const char **errstr)
{
	char	buf[COUNTER_TEXT_MAX + 1];
	ssize_t	n;

	n = pread(fd, buf, sizeof(buf), 0);
	if (n == -1) {
		*errstr = "cannot read";
		return -1;
	}
	if ((size_t)n > COUNTER_TEXT_MAX) {
		*errstr = "too long, expected a decimal number";
		return -1;
	}
	return counter_parse(buf, (size_t)n, value, errstr);
}

/* "N\n" into buf; returns its length. */
static size_t
counter_format(uint64_t value, char buf[static COUNTER_TEXT_MAX])
{
	int	n = snprintf(buf, COUNTER_TEXT_MAX, "%llu\n",
	    (unsigned long long)value);

	return (n < 0 || n >= COUNTER_TEXT_MAX) ? 0 : (size_t)n;
}

int
counter_write_fd(int fd, uint64_t value)
{
	char	buf[COUNTER_TEXT_MAX];
	size_t	len;

	if (value > CODEC_COUNTER_LIMIT ||
	    (len = counter_format(value, buf)) == 0) {
		errno = ERANGE;
		return -1;
	}
	if (pwrite(fd, buf, len, 0) != (ssize_t)len) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	/* Our own values only grow, but a longer one written by hand while
	 * the daemon ran must not be left behind as trailing text. */
	if (ftruncate(fd, (off_t)len) == -1)
		return -1;
	return fdatasync(fd);
}

/* Write the counter text into DIRFD/counter.tmp, durably. */
static int
counter_write_tmp(int dirfd, const char *buf, size_t len)
{
	int	fd, saved;

	/* A fresh file of our own, never one left there by someone else. */
	if (unlinkat(dirfd, "counter.tmp", 0) == -1 && errno != ENOENT)
		return -1;
	fd = openat(dirfd, "counter.tmp", O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) == -1) {
		saved = errno ? errno : EIO;
		close(fd);
		unlinkat(dirfd, "counter.tmp", 0);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/*
 * Everything relative to the directory the profile was loaded from, opened
 * once (profile_open()): the counter is replaced where it was read,
 * whatever becomes of the directory's path meanwhile, so that a client run
 * as root cannot be steered by a link swapped into ~/.knockknock.
 */
int
counter_save(int dirfd, uint64_t value)
{
	char	buf[COUNTER_TEXT_MAX];
	size_t	len;
	int	saved;

	if (value > CODEC_COUNTER_LIMIT ||
	    (len = counter_format(value, buf)) == 0) {
		errno = ERANGE;
		return -1;
	}
	if (counter_write_tmp(dirfd, buf, len) == -1)
		return -1;
	if (renameat(dirfd, "counter.tmp", dirfd, "counter") == -1) {
		saved = errno;
		unlinkat(dirfd, "counter.tmp", 0);
		errno = saved;
		return -1;
	}
	return fsync(dirfd);
}
