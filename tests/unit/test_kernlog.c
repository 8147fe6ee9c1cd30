// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Log sources: kern.log followed live in a temporary directory (start at
 * the end, partial and over-long lines, rotation by rename, delete and
 * copy-truncate, reopen refused), scan mode (read buffer boundaries, last
 * line without newline, a pipe), and the /dev/kmsg record handling fed
 * through a SOCK_SEQPACKET socket, which also yields one record per read().
 * The live tests call logsrc_read after each filesystem change, once poll()
 * says the inotify descriptor is readable: no sleeps.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/kernlog.h"
#include "daemon/kmsg.h"
#include "daemon/logsrc.h"

#define POLL_MS		5000	/* an event is queued before write() returns */

struct got {
	size_t	 n, cap;
	char	**line;
	size_t	*len;
};

static struct got	 got;
static char		 dir[64], path[128];

static void
collect(void *ctx, const char *line, size_t len)
{
	struct got	*g = ctx;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->line = realloc(g->line, g->cap * sizeof(*g->line));
		g->len = realloc(g->len, g->cap * sizeof(*g->len));
		cr_assert(g->line != NULL && g->len != NULL);
	}
	g->line[g->n] = malloc(len + 1);
	cr_assert_not_null(g->line[g->n]);
	memcpy(g->line[g->n], line, len);
	g->line[g->n][len] = '\0';
	g->len[g->n++] = len;
}

static void
got_reset(struct got *g)
{
	while (g->n > 0)
		free(g->line[--g->n]);
	free(g->line);
	free(g->len);
	memset(g, 0, sizeof(*g));
}

/* The lines delivered so far are exactly these, in this order. */
static void
expect_lines(const char *first, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 i = 0;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *), i++) {
		cr_assert_lt(i, got.n, "line %zu \"%s\" not delivered", i, s);
		cr_expect_eq(got.len[i], strlen(s), "line %zu length", i);
		cr_expect_str_eq(got.line[i], s, "line %zu", i);
	}
	va_end(ap);
	cr_expect_eq(got.n, i, "%zu lines delivered, expected %zu",
	    got.n, i);
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kk-kernlog-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kern.log", dir);
}

/* After reopen_refused_then_recovered, so that the directory can go. */
static void
regain_root(void)
{
	if (geteuid() == 0 || setresuid(-1, 0, -1) == -1)
		return;
	if (setresgid(-1, 0, -1) == -1)
		cr_log_warn("setresgid: %s", strerror(errno));
}

static void
teardown(void)
{
	regain_root();
	got_reset(&got);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
write_file(const char *p, int flags, const char *data, size_t len)
{
	int	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);

	cr_assert_neq(fd, -1, "%s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
append(const char *p, const char *s)
{
	write_file(p, O_APPEND, s, strlen(s));
}

static void
sibling(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static struct logsrc *
open_live(const char *spec)
{
	struct logsrc	*s;
	char		 err[LOGSRC_ERRLEN];

	cr_assert_eq(logsrc_open(&s, spec, err), 0, "%s", err);
	cr_assert_str_eq(logsrc_name(s), spec);
	return s;
}

/* Wait until the source has something to say, then let it say it. */
#define pump(s)	pump_at(s, __LINE__)
static void
pump_at(struct logsrc *s, int line)
{
	struct pollfd	pfd = { .fd = logsrc_fd(s), .events = POLLIN };

	cr_assert_eq(poll(&pfd, 1, POLL_MS), 1, "line %d: no event within "
	    "%d ms", line, POLL_MS);
	cr_assert_eq(logsrc_read(s, collect, &got), 0);
}

/* Send stderr, where log.c writes in the foreground, to a file. */
static int
capture_stderr(void)
{
	char	tmpl[] = "/tmp/kk-stderr-XXXXXX";
	int	fd = mkstemp(tmpl);

	cr_assert_neq(fd, -1);
	unlink(tmpl);
	fflush(stderr);
	cr_assert_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	return fd;
}

/* Our log lines (not whatever else a tool like valgrind writes) are `want`. */
static void
expect_stderr(int fd, const char *want)
{
	char		 buf[4096], ours[4096] = "";
	const char	*p, *nl;
	ssize_t		 n;

	fflush(stderr);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	for (p = buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		if (strncmp(p, "knockknock-daemon: ", 19) == 0)
			strncat(ours, p, (size_t)(nl - p + 1));
	}
	cr_expect_str_eq(ours, want);
}

TestSuite(kernlog, .init = setup, .fini = teardown);

Test(kernlog, starts_at_end)
{
	struct logsrc	*s;

	append(path, "old1\nold2\n");
	s = open_live(path);
	append(path, "new1\nnew2\n");
	pump(s);
	expect_lines("new1", "new2", NULL);
	cr_expect_eq(logsrc_stats(s)->lines, 2);
	cr_expect_eq(logsrc_stats(s)->rotations, 0);
	logsrc_close(s);
}

/* A line being written when we start is not ours to act on, in part. */
Test(kernlog, starts_after_a_line_begun_before)
{
	struct logsrc	*s;

	append(path, "old1\nhalf a li");
	s = open_live(path);
	append(path, "ne\nnew1\n");
	pump(s);
	expect_lines("new1", NULL);
	cr_expect_eq(logsrc_stats(s)->overlong, 0);
	logsrc_close(s);
}

Test(kernlog, empty_file_and_empty_lines)
{
	struct logsrc	*s;

	append(path, "");
	s = open_live(path);
	append(path, "\na\n\n");
	pump(s);
	expect_lines("", "a", "", NULL);
	logsrc_close(s);
}

Test(kernlog, partial_line_waits_for_its_newline)
{
	struct logsrc	*s;

	append(path, "");
	s = open_live(path);
	append(path, "abc");
	pump(s);
	cr_expect_eq(got.n, 0, "a partial line was delivered");
	append(path, "def");
	pump(s);
	cr_expect_eq(got.n, 0, "a partial line was delivered");
	append(path, "\nxyz\nnext");
	pump(s);
	expect_lines("abcdef", "xyz", NULL);
	append(path, "\n");
	pump(s);
	expect_lines("abcdef", "xyz", "next", NULL);
	logsrc_close(s);
}

static char *
repeat(char c, size_t n, const char *tail)
{
	size_t	 tl = strlen(tail);
	char	*p = malloc(n + tl + 1);

	cr_assert_not_null(p);
	memset(p, c, n);
	memcpy(p + n, tail, tl + 1);
	return p;
}

Test(kernlog, overlong_line_dropped_next_delivered)
{
	struct logsrc	*s;
	char		*max = repeat('m', KERNLOG_LINE_MAX, "\n");
	char		*over = repeat('x', KERNLOG_LINE_MAX + 1, "\nnext\n");

	append(path, "");
	s = open_live(path);
	append(path, max);
	append(path, over);
	pump(s);
	cr_assert_eq(got.n, 2);
	cr_expect_eq(got.len[0], KERNLOG_LINE_MAX);
	cr_expect_eq(got.line[0][0], 'm');
	cr_expect_str_eq(got.line[1], "next");
	cr_expect_eq(logsrc_stats(s)->overlong, 1);
	cr_expect_eq(logsrc_stats(s)->lines, 2);
	logsrc_close(s);
	free(max);
	free(over);
}

/* Over-long only once the pieces add up; dropped up to its newline. */
Test(kernlog, overlong_line_in_pieces)
{
	struct logsrc	*s;
	char		*a = repeat('a', KERNLOG_LINE_MAX - 10, "");
	char		*b = repeat('b', 10, "");

	append(path, "");
	s = open_live(path);
	append(path, a);
	pump(s);
	append(path, b);	/* exactly KERNLOG_LINE_MAX: still fine */
	pump(s);
	cr_expect_eq(logsrc_stats(s)->overlong, 0);
	append(path, "c");
	pump(s);
	cr_expect_eq(logsrc_stats(s)->overlong, 1);
	append(path, "more of it");
	pump(s);
	append(path, " end\nok\n");
	pump(s);
	expect_lines("ok", NULL);
	cr_expect_eq(logsrc_stats(s)->overlong, 1);
	logsrc_close(s);
	free(a);
	free(b);
}

/* logrotate without copytruncate: rename, old still written, create, new. */
Test(kernlog, rename_rotation)
{
	struct logsrc	*s;
	char		 old[160];

	sibling(old, sizeof(old), "kern.log.1");
	append(path, "before\n");
	s = open_live(path);
	append(path, "a1\n");
	pump(s);
	cr_assert_eq(rename(path, old), 0);
	pump(s);
	append(old, "a2\n");
	pump(s);
	append(path, "");
	pump(s);
	append(path, "b1\n");
	pump(s);
	append(path, "b2\n");
	pump(s);
	expect_lines("a1", "a2", "b1", "b2", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/* rsyslog writes to the renamed file until logrotate's HUP. */
Test(kernlog, rename_create_then_old_written)
{
	struct logsrc	*s;
	char		 old[160];

	sibling(old, sizeof(old), "kern.log.1");
	append(path, "");
	s = open_live(path);
	append(path, "a1\n");
	cr_assert_eq(rename(path, old), 0);
	append(path, "");
	pump(s);
	append(old, "a2\n");
	pump(s);
	append(old, "a3\n");
	append(path, "b1\n");
	pump(s);
	expect_lines("a1", "a2", "a3", "b1", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/* Everything between two reads at once, the old file's tail partial. */
Test(kernlog, rename_rotation_in_one_step)
{
	struct logsrc	*s;
	char		 old[160];

	sibling(old, sizeof(old), "kern.log.1");
	append(path, "");
	s = open_live(path);
	append(path, "a1\na");
	pump(s);
	append(path, "2\n");
	cr_assert_eq(rename(path, old), 0);
	append(old, "a3\n");
	append(path, "b1\n");
	pump(s);
	expect_lines("a1", "a2", "a3", "b1", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/* A new file moved into place (IN_MOVED_TO) is read from its start. */
Test(kernlog, new_file_moved_into_place)
{
	struct logsrc	*s;
	char		 tmp[160], old[160];

	sibling(tmp, sizeof(tmp), "kern.log.tmp");
	sibling(old, sizeof(old), "kern.log.1");
	append(path, "");
	s = open_live(path);
	append(path, "a1\n");
	cr_assert_eq(rename(path, old), 0);
	pump(s);
	append(tmp, "n1\nn2\n");	/* an event, but not for our name */
	cr_assert_eq(rename(tmp, path), 0);
	pump(s);
	append(path, "n3\n");
	pump(s);
	expect_lines("a1", "n1", "n2", "n3", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

Test(kernlog, delete_and_recreate)
{
	struct logsrc	*s;

	append(path, "");
	s = open_live(path);
	append(path, "a1\n");
	pump(s);
	cr_assert_eq(unlink(path), 0);
	pump(s);
	append(path, "b1\n");
	pump(s);
	expect_lines("a1", "b1", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

Test(kernlog, copy_truncate)
{
	struct logsrc	*s;

	append(path, "x\n");
	s = open_live(path);
	append(path, "a1\na2\n");
	pump(s);
	cr_assert_eq(truncate(path, 0), 0);
	pump(s);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	append(path, "b1\n");
	pump(s);
	expect_lines("a1", "a2", "b1", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/* Truncated and rewritten, shorter, before we looked. */
Test(kernlog, copy_truncate_then_written_in_one_step)
{
	struct logsrc	*s;

	append(path, "");
	s = open_live(path);
	append(path, "a1 long line\n");
	pump(s);
	write_file(path, O_TRUNC, "b1\n", 3);
	pump(s);
	expect_lines("a1 long line", "b1", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/*
 * Truncated and written again past our old offset before we looked (a
 * burst of records right after a copy-truncate): the size alone cannot
 * tell, the bytes before the offset can.  Found by tests/integration/
 * reliability.sh losing knocks.
 */
Test(kernlog, copy_truncate_then_refilled_past_offset)
{
	struct logsrc	*s;

	append(path, "x\n");
	s = open_live(path);
	append(path, "a1\n");
	pump(s);
	write_file(path, O_TRUNC, "b1 longer\nb2 longer\n", 20);
	pump(s);
	expect_lines("a1", "b1 longer", "b2 longer", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	logsrc_close(s);
}

/* The same when nothing was read yet since the open (offset at the end). */
Test(kernlog, copy_truncate_refilled_before_first_read)
{
	struct logsrc	*s;

	append(path, "old line 1\nold line 2\n");
	s = open_live(path);
	write_file(path, O_TRUNC, "new line 1\nnew line 2\nnew 3\n", 28);
	pump(s);
	expect_lines("new line 1", "new line 2", "new 3", NULL);
	logsrc_close(s);
}

Test(kernlog, open_errors)
{
	struct logsrc	*s;
	char		 err[LOGSRC_ERRLEN], want[LOGSRC_ERRLEN];

	cr_expect_eq(logsrc_open(&s, "var/log/kern.log", err), -1);
	cr_expect_str_eq(err, "log source \"var/log/kern.log\": not \"auto\", "
	    "\"kmsg\" or an absolute path");
	cr_expect_eq(logsrc_open(&s, "", err), -1);
	cr_expect_str_eq(err, "log source \"\": not \"auto\", \"kmsg\" or an "
	    "absolute path");
	cr_expect_eq(logsrc_open(&s, path, err), -1);
	snprintf(want, sizeof(want), "%s: open: No such file or directory",
	    path);
	cr_expect_str_eq(err, want);
	cr_expect_eq(logsrc_open(&s, dir, err), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	cr_expect_str_eq(err, want);
	cr_expect_eq(logsrc_open(&s, "/tmp/", err), -1);
	cr_expect_str_eq(err, "/tmp/: not an absolute file path");
	cr_expect_eq(logsrc_open_scan(&s, path, err), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	cr_expect_str_eq(err, want);
}

Test(kernlog, symlink_refused)
{
	struct logsrc	*s;
	char		 err[LOGSRC_ERRLEN], want[LOGSRC_ERRLEN], real[160];

	sibling(real, sizeof(real), "real.log");
	append(real, "");
	cr_assert_eq(symlink(real, path), 0);
	cr_expect_eq(logsrc_open(&s, path, err), -1);
	snprintf(want, sizeof(want), "%s: open: %s", path, strerror(ELOOP));
	cr_expect_str_eq(err, want);
}

/* Switch the effective UID; the saved UID stays 0 (see regain_root). */
static void
become(uid_t uid)
{
	cr_assert_eq(setresuid((uid_t)-1, uid, (uid_t)-1), 0, "%s",
	    strerror(errno));
}

/*
 * After dropping root, a new file we may not read yet is waited for, as
 * logrotate makes it: created 0600 root:root, then chown, then chmod.
 */
Test(kernlog, reopen_refused_then_recovered)
{
	struct logsrc	*s;
	char		 old[160], want[1024];
	int		 fd, err;

	if (geteuid() != 0)
		cr_skip_test("needs root to drop privileges");
	sibling(old, sizeof(old), "kern.log.1");
	cr_assert_eq(chmod(dir, 0755), 0);	/* as /var/log */
	append(path, "");
	s = open_live(path);
	err = capture_stderr();
	cr_assert_eq(setgroups(0, NULL), 0);
	cr_assert_eq(setresgid(65534, 65534, 0), 0);
	become(65534);

	become(0);
	append(path, "a1\n");
	cr_assert_eq(rename(path, old), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	cr_assert_eq(write(fd, "b1\n", 3), 3);
	become(65534);
	pump(s);
	cr_expect_eq(logsrc_stats(s)->rotations, 0);
	become(0);
	append(old, "a2\n");		/* the old file is still followed */
	cr_assert_eq(fchown(fd, 0, 65534), 0);
	become(65534);
	pump(s);
	become(0);
	cr_assert_eq(fchmod(fd, 0640), 0);
	become(65534);
	pump(s);
	cr_assert_eq(write(fd, "b2\n", 3), 3);
	pump(s);
	close(fd);
	expect_lines("a1", "a2", "b1", "b2", NULL);
	cr_expect_eq(logsrc_stats(s)->rotations, 1);
	snprintf(want, sizeof(want), "knockknock-daemon: %s: reopen after "
	    "rotation; waiting for the next change: %s\n"
	    "knockknock-daemon: %s: reopened after rotation\n", path,
	    strerror(EACCES), path);
	expect_stderr(err, want);
	logsrc_close(s);
}

/* ---- scan mode ---- */

static int
scan_file(const char *p, struct logsrc **out)
{
	struct logsrc	*s;
	char		 err[LOGSRC_ERRLEN];
	int		 r;

	cr_assert_eq(logsrc_open_scan(&s, p, err), 0, "%s", err);
	r = logsrc_read(s, collect, &got);
	*out = s;
	return r;
}

Test(kernlog, scan_every_line_and_unterminated_last)
{
	struct logsrc	*s;

	append(path, "one\n\nthree\nlast without newline");
	cr_assert_eq(scan_file(path, &s), 1);
	expect_lines("one", "", "three", "last without newline", NULL);
	cr_expect_eq(logsrc_stats(s)->lines, 4);
	cr_expect_eq(logsrc_read(s, collect, &got), 1, "EOF is sticky");
	cr_expect_eq(got.n, 4);
	logsrc_close(s);
}

Test(kernlog, scan_empty_file)
{
	struct logsrc	*s;

	append(path, "");
	cr_assert_eq(scan_file(path, &s), 1);
	cr_expect_eq(got.n, 0);
	logsrc_close(s);
}

/* Deterministic lines of 0..299 bytes, with a few special ones. */
struct gen {
	char	*buf;
	size_t	 len, cap;
	size_t	 nexp;		/* lines expected */
	size_t	 nover;		/* lines expected dropped */
	uint32_t rnd;
};

static void
gen_line(struct gen *g, size_t len)
{
	size_t	i;

	if (g->len + len + 1 > g->cap) {
		g->cap = (g->len + len + 1) * 2;
		cr_assert_not_null(g->buf = realloc(g->buf, g->cap));
	}
	for (i = 0; i < len; i++)
		g->buf[g->len + i] = (char)('!' + (g->nexp + g->nover + i) % 90);
	g->len += len;
	g->buf[g->len++] = '\n';
	if (len > KERNLOG_LINE_MAX)
		g->nover++;
	else
		g->nexp++;
}

/* Random lines, then one of `len` bytes whose newline ends at limit + at_end:
 * the read boundaries of scan mode are at multiples of 1 MiB. */
static void
gen_until(struct gen *g, size_t limit, size_t len, size_t at_end)
{
	size_t	start = limit + at_end - len - 1;

	while (g->len + 600 < start) {
		g->rnd = g->rnd * 1103515245 + 12345;
		gen_line(g, (g->rnd >> 16) % 300);
	}
	gen_line(g, start - g->len - 1);
	gen_line(g, len);
	cr_assert_eq(g->len, limit + at_end);
}

/* Check the delivered lines against the generated file, line by line. */
static void
expect_generated(const struct gen *g)
{
	const char	*p = g->buf, *end = g->buf + g->len, *nl;
	size_t		 i = 0, len;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > KERNLOG_LINE_MAX)
			continue;
		cr_assert_lt(i, got.n, "line %zu missing", i);
		cr_assert_eq(got.len[i], len, "line %zu length", i);
		cr_assert(memcmp(got.line[i], p, len) == 0, "line %zu", i);
		i++;
		if (nl == NULL)
			break;
	}
	cr_assert_eq(got.n, i, "%zu lines, expected %zu", got.n, i);
}

#define MiB	(1024 * 1024)

/* Lines cut by 1 MiB reads: ending at, straddling, over-long across. */
Test(kernlog, scan_read_boundaries)
{
	struct gen	 g = { .rnd = 1 };
	struct logsrc	*s;

	gen_until(&g, MiB, 120, 0);		/* newline: last byte read */
	gen_until(&g, 2 * MiB, 100, 50);	/* 50 bytes into the next */
	gen_until(&g, 3 * MiB, KERNLOG_LINE_MAX, 1);	/* fits, barely */
	gen_until(&g, 4 * MiB, KERNLOG_LINE_MAX + 100, 60);	/* dropped */
	gen_until(&g, 5 * MiB, 10, 11);		/* starts a read */
	gen_until(&g, 6 * MiB, KERNLOG_LINE_MAX + 1, 100);	/* dropped */
	gen_line(&g, 77);
	g.len--;				/* no final newline */
	write_file(path, O_TRUNC, g.buf, g.len);
	cr_assert_eq(got.n, 0);
	cr_assert_eq(scan_file(path, &s), 1);
	expect_generated(&g);
	cr_expect_eq(logsrc_stats(s)->lines, g.nexp);
	cr_expect_eq(g.nover, 2);
	cr_expect_eq(logsrc_stats(s)->overlong, 2);
	logsrc_close(s);
	free(g.buf);
}

/* A pipe: short reads, EAGAIN (more may come), then EOF. */
Test(kernlog, scan_pipe)
{
	struct gen	 g = { .rnd = 7 };
	struct logsrc	*s;
	struct pollfd	 pfd;
	char		 err[LOGSRC_ERRLEN], p[64];
	int		 fds[2], r = 0, again = 0;
	size_t		 off = 0;
	ssize_t		 n;

	gen_until(&g, 200 * 1024, 0, 0);
	gen_line(&g, 5000);			/* over-long, across reads */
	gen_line(&g, 3);
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	cr_assert_eq(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
	snprintf(p, sizeof(p), "/dev/fd/%d", fds[0]);
	cr_assert_eq(logsrc_open_scan(&s, p, err), 0, "%s", err);
	close(fds[0]);
	while (r != 1) {
		if (off < g.len) {
			n = write(fds[1], g.buf + off, g.len - off);
			if (n > 0)
				off += (size_t)n;
			if (off == g.len)
				close(fds[1]);
		}
		pfd = (struct pollfd){ .fd = logsrc_fd(s), .events = POLLIN };
		cr_assert_eq(poll(&pfd, 1, POLL_MS), 1);
		cr_assert_geq(r = logsrc_read(s, collect, &got), 0);
		again += r == 0;
	}
	cr_expect_gt(again, 0, "never saw EAGAIN: not a pipe test");
	expect_generated(&g);
	cr_expect_eq(logsrc_stats(s)->overlong, 1);
	logsrc_close(s);
	free(g.buf);
}

/* ---- /dev/kmsg record handling ---- */

static int	kmsg_peer = -1;

static struct kmsg *
kmsg_pair(struct logsrc_stats *st)
{
	struct kmsg	*k;
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(kmsg_fdopen(&k, sv[0], st), 0);
	kmsg_peer = sv[1];
	return k;
}

static void
record(const char *r)
{
	cr_assert_eq(send(kmsg_peer, r, strlen(r), 0), (ssize_t)strlen(r));
}

Test(kmsg, only_kernel_records)
{
	struct logsrc_stats	 st = { 0 };
	struct kmsg		*k = kmsg_pair(&st);

	record("6,100,6770791842,-;kernel says hi");
	record("14,101,6770791843,-;forged: IN= SRC=10.0.0.1 DPT=666 SYN");
	record("4,102,6770791844,-;KKTEST: IN=lo SRC=::1\n SUBSYSTEM=net\n");
	record("12,103,6770791845,c;user at level 4");
	record("not a record at all");
	record("7,104,6770791846,+;continued");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	expect_lines("kernel says hi", "KKTEST: IN=lo SRC=::1", "continued",
	    NULL);
	cr_expect_eq(st.lines, 3);
	cr_expect_eq(st.foreign, 3);
	cr_expect_eq(st.overwritten, 0);
	kmsg_close(k);
	close(kmsg_peer);
}

Test(kmsg, overwritten_counted_and_logged_once)
{
	struct logsrc_stats	 st = { 0 };
	struct kmsg		*k = kmsg_pair(&st);
	int			 err = capture_stderr();

	record("6,10,1,-;a");
	record("14,11,2,-;user");	/* its SEQ counts too */
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	kmsg_overwritten(k);
	record("6,20,3,-;b");
	record("6,21,4,-;c");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	expect_lines("a", "b", "c", NULL);
	cr_expect_eq(st.overwritten, 1);
	cr_expect_eq(st.foreign, 1);
	expect_stderr(err, "knockknock-daemon: /dev/kmsg: 8 records "
	    "overwritten before they could be read\n");
	kmsg_close(k);
	close(kmsg_peer);
}

/* A flood overwrites records many times a second: one warning a minute. */
Test(kmsg, overwritten_warned_at_most_once_a_minute)
{
	struct logsrc_stats	 st = { 0 };
	struct kmsg		*k = kmsg_pair(&st);
	int			 err = capture_stderr();

	record("6,10,1,-;a");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	kmsg_overwritten(k);
	record("6,20,2,-;b");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	kmsg_overwritten(k);
	record("6,30,3,-;c");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	expect_lines("a", "b", "c", NULL);
	cr_expect_eq(st.overwritten, 2);
	expect_stderr(err, "knockknock-daemon: /dev/kmsg: 9 records "
	    "overwritten before they could be read\n");
	kmsg_close(k);
	close(kmsg_peer);
}

/* Before any record we cannot tell how many. */
Test(kmsg, overwritten_before_first_record)
{
	struct logsrc_stats	 st = { 0 };
	struct kmsg		*k = kmsg_pair(&st);
	int			 err = capture_stderr();

	kmsg_overwritten(k);
	record("6,20,3,-;b");
	cr_assert_eq(kmsg_read(k, collect, &got), 0);
	expect_lines("b", NULL);
	cr_expect_eq(st.overwritten, 1);
	expect_stderr(err, "knockknock-daemon: /dev/kmsg: records overwritten "
	    "before they could be read\n");
	kmsg_close(k);
	close(kmsg_peer);
}
