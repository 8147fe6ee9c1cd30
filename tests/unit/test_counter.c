// SPDX-License-Identifier: GPL-3.0-or-later
/* The counter file: strict parsing, durable in-place and rename updates. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "profiles/codec.h"
#include "profiles/counter.h"

static void
expect_bad(const char *text, const char *want)
{
	uint64_t	v = 12345;
	const char	*errstr = NULL;

	cr_expect_eq(counter_parse(text, strlen(text), &v, &errstr), -1,
	    "accepted '%s'", text);
	cr_expect_str_eq(errstr, want, "'%s'", text);
	cr_expect_eq(v, 12345, "value changed by a rejected parse");
}

Test(counter, parse_good)
{
	uint64_t	v;
	const char	*errstr;

	cr_assert_eq(counter_parse("0\n", 2, &v, &errstr), 0);
	cr_expect_eq(v, 0);
	cr_assert_eq(counter_parse("17", 2, &v, &errstr), 0);	/* 0.5 wrote no newline */
	cr_expect_eq(v, 17);
	cr_assert_eq(counter_parse("4294967296\n", 11, &v, &errstr), 0);
	cr_expect_eq(v, CODEC_COUNTER_LIMIT);
}

Test(counter, parse_bad)
{
	expect_bad("", "empty, expected a decimal number");
	expect_bad("\n", "empty, expected a decimal number");
	expect_bad("4294967297\n", "out of range (more than 2^32)");
	expect_bad("99999999999999999999999\n", "out of range (more than 2^32)");
	expect_bad("-1\n", "not a decimal number");
	expect_bad("+1\n", "not a decimal number");
	expect_bad(" 1\n", "not a decimal number");
	expect_bad("1 \n", "not a decimal number");
	expect_bad("1\n\n", "not a decimal number");
	expect_bad("1x\n", "not a decimal number");
	expect_bad("0x10\n", "leading zeros are not allowed");
	expect_bad("007\n", "leading zeros are not allowed");
}

static char *
tmpdir(void)
{
	static char	buf[64];

	snprintf(buf, sizeof(buf), "/tmp/kk-counter-XXXXXX");
	cr_assert_not_null(mkdtemp(buf));
	return buf;
}

static void
slurp(const char *path, char *buf, size_t cap)
{
	FILE	*fp = fopen(path, "r");
	size_t	 n;

	cr_assert_not_null(fp, "%s", path);
	n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/* DIR/counter holding TEXT, open for reading and writing. */
static int
counter_file(const char *d, char path[static 128], const char *text)
{
	int	fd;

	snprintf(path, 128, "%s/counter", d);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

Test(counter, write_fd_grows_in_place)
{
	char		*d = tmpdir(), path[128], text[32];
	uint64_t	 v;
	const char	*errstr;
	int		 fd = counter_file(d, path, "9");	/* 0.5's form */

	cr_assert_eq(counter_write_fd(fd, 10), 0);
	slurp(path, text, sizeof(text));
	cr_expect_str_eq(text, "10\n");
	cr_assert_eq(counter_write_fd(fd, 4294967296ULL), 0);
	cr_assert_eq(counter_read_fd(fd, &v, &errstr), 0);
	cr_expect_eq(v, 4294967296ULL);
	cr_expect_eq(counter_write_fd(fd, 4294967297ULL), -1);
	close(fd);
	unlink(path);
	rmdir(d);
}

/* A longer value written by hand while the daemon ran: no trailing text. */
Test(counter, write_fd_leaves_no_longer_text_behind)
{
	char		*d = tmpdir(), path[128], text[32];
	uint64_t	 v;
	const char	*errstr;
	int		 fd = counter_file(d, path, "1000\n");

	cr_assert_eq(counter_write_fd(fd, 100), 0);
	slurp(path, text, sizeof(text));
	cr_expect_str_eq(text, "100\n");
	cr_assert_eq(counter_read_fd(fd, &v, &errstr), 0, "%s", errstr);
	cr_expect_eq(v, 100);
	close(fd);
	unlink(path);
	rmdir(d);
}

Test(counter, save_replaces_atomically)
{
	char		*d = tmpdir(), path[128], text[32];
	struct stat	 st;
	int		 dirfd;

	snprintf(path, sizeof(path), "%s/counter", d);
	cr_assert_neq(dirfd = open(d, O_RDONLY | O_DIRECTORY), -1);
	cr_assert_eq(counter_save(dirfd, 41), 0);
	cr_assert_eq(counter_save(dirfd, 42), 0);
	close(dirfd);
	slurp(path, text, sizeof(text));
	cr_expect_str_eq(text, "42\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/counter.tmp", d);
	cr_expect_neq(access(path, F_OK), 0, "temp file left behind");
	snprintf(path, sizeof(path), "%s/counter", d);
	unlink(path);
	rmdir(d);
}

/*
 * The counter is replaced in the directory that was opened, even when its
 * path is made to point elsewhere meanwhile: a client run as root cannot be
 * steered by a link swapped into ~/.knockknock.
 */
Test(counter, save_stays_in_the_opened_dir)
{
	char	*d = strdup(tmpdir()), *other = strdup(tmpdir());
	char	 link[128], path[160], text[32];
	int	 dirfd;

	cr_assert(d != NULL && other != NULL);
	snprintf(link, sizeof(link), "%s/host", d);
	cr_assert_eq(symlink(d, link), 0);
	cr_assert_neq(dirfd = open(link, O_RDONLY | O_DIRECTORY), -1);
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(symlink(other, link), 0);
	cr_assert_eq(counter_save(dirfd, 5), 0);
	close(dirfd);
	snprintf(path, sizeof(path), "%s/counter", other);
	cr_expect_neq(access(path, F_OK), 0, "wrote through the new link");
	snprintf(path, sizeof(path), "%s/counter", d);
	slurp(path, text, sizeof(text));
	cr_expect_str_eq(text, "5\n");
	unlink(path);
	unlink(link);
	rmdir(other);
	rmdir(d);
	free(other);
	free(d);
}

Test(counter, save_into_a_bad_descriptor_fails)
{
	cr_expect_eq(counter_save(-1, 1), -1);
	cr_expect_eq(errno, EBADF);
}
