// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The /dev/kmsg doorbell: quiet until the kernel logs, rings at once for
 * a record (one written to /dev/kmsg goes through printk too), quiet
 * again once acknowledged.  Needs root and tracefs; skipped without.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/kmsgbell.h"

#define MANY	1100	/* records: twice what a one-page ring holds */

/* One record, in one write(): /dev/kmsg takes a write as a record. */
static void
log_record(int fd, const char *text)
{
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text),
	    "/dev/kmsg: %s", strerror(errno));
}

static int
rung(struct kmsgbell *b, int ms)
{
	struct pollfd pfd = { .fd = kmsgbell_fd(b), .events = POLLIN };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

static struct kmsgbell *
open_or_skip(void)
{
	struct kmsgbell	*b;
	char		 err[KMSGBELL_ERRLEN];

	if (geteuid() != 0)
		cr_skip_test("needs root");
	if (kmsgbell_open(&b, err) == -1) {
		if (strstr(err, "is tracefs mounted?") != NULL)
			cr_skip_test("%s", err);
		cr_assert_fail("kmsgbell_open: %s", err);
	}
	return b;
}

/*
 * printk fires the tracepoint, and perf raises its wake-up at once, before
 * the write() returns: no wait at all, where the kernel's own wake-up of
 * /dev/kmsg readers waits for a tick.
 */
Test(kmsgbell, rings_before_the_write_returns)
{
	struct kmsgbell	*b = open_or_skip();
	int		 fd;

	cr_expect_geq(kmsgbell_cpus(b), 1);
	cr_assert_neq(fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), -1,
	    "/dev/kmsg: %s", strerror(errno));
	kmsgbell_ack(b);
	log_record(fd, "<7>knockknock unit test: kmsgbell\n");
	cr_expect(rung(b, 0), "no ring for a record");
	kmsgbell_ack(b);
	log_record(fd, "<7>knockknock unit test: kmsgbell, again\n");
	cr_expect(rung(b, 0), "no ring for the second record");
	close(fd);
	kmsgbell_close(b);
}

/*
 * Nobody reads the ring: mapped read-only, the kernel overwrites it, and
 * goes on ringing after more records than it holds.  (/dev/kmsg limits
 * the records of one open file, so each has a file of its own.)
 */
Test(kmsgbell, rings_after_more_records_than_its_ring_holds)
{
	struct kmsgbell	*b = open_or_skip();
	int		 fd;

	for (int i = 0; i < MANY; i++) {
		cr_assert_neq(fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC),
		    -1);
		log_record(fd, "<7>knockknock unit test: kmsgbell, many\n");
		close(fd);
	}
	kmsgbell_ack(b);
	cr_assert_neq(fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), -1);
	log_record(fd, "<7>knockknock unit test: kmsgbell, one more\n");
	cr_expect(rung(b, 0), "silent after %d records", MANY);
	close(fd);
	kmsgbell_close(b);
}

Test(kmsgbell, acknowledged_it_is_quiet)
{
	struct kmsgbell	*b = open_or_skip();
	int		 fd, quiet = 0;

	cr_assert_neq(fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), -1);
	log_record(fd, "<7>knockknock unit test: kmsgbell, quiet\n");
	cr_assert(rung(b, 0));
	/* Unless something else logs in between: try a few times. */
	for (int i = 0; i < 5 && !quiet; i++) {
		kmsgbell_ack(b);
		quiet = !rung(b, 0);
	}
	cr_expect(quiet, "still ringing after the acknowledgement");
	close(fd);
	kmsgbell_close(b);
}
