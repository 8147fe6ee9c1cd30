// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The kernel's share of the /dev/kmsg path: from a packet that a netfilter
 * LOG rule logs to the moment a reader sleeping in poll() on /dev/kmsg, as
 * the daemon's watcher does, has the record.  A child process reads; the
 * parent sends N UDP datagrams to ADDR (default 127.0.0.1) port 9, 5-10 ms
 * apart, each after the child has gone back to sleep; the caller has set
 * up, in network namespaces of its own, a rule that logs them with PREFIX.
 * Prints the median, p90 and max.  Trusts its arguments.  With -b the
 * reader also sleeps on the daemon's printk:console doorbell (kmsgbell.h),
 * as the daemon's watcher does by default.
 *
 *   kmsgwake [-b] PREFIX [N [ADDR]]
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/kmsgbell.h"
#include "tests/bench/bench.h"

#define DEFAULT_PROBES	100
#define WAIT_MS		1000	/* a record that never comes */
#define RECORD_MAX	8192	/* bytes, one /dev/kmsg record */

/* Sleep in poll() until a record carrying prefix arrives: its time, or -1. */
static int64_t
wait_record(int fd, struct kmsgbell *bell, const char *prefix)
{
	char		rec[RECORD_MAX];
	struct pollfd	pfd[2] = { { .fd = fd, .events = POLLIN },
	    { .fd = bell != NULL ? kmsgbell_fd(bell) : -1, .events = POLLIN } };
	int64_t		deadline = now_ns() + (int64_t)WAIT_MS * 1000000;
	ssize_t		n;

	while (now_ns() < deadline) {
		if (poll(pfd, 2, WAIT_MS) == -1 && errno != EINTR)
			err(1, "poll");
		if (bell != NULL)
			kmsgbell_ack(bell);
		while ((n = read(fd, rec, sizeof(rec))) > 0 || (n == -1 &&
		    errno == EPIPE)) {
			if (n > 0 && memmem(rec, (size_t)n, prefix,
			    strlen(prefix)) != NULL)
				return now_ns();
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(1, "/dev/kmsg");
	}
	return -1;
}

/* The reader: for each record with prefix, its arrival time on out. */
static void __attribute__((noreturn))
reader(int kfd, int ready, int out, const char *prefix, long n, int usebell)
{
	struct kmsgbell	*bell = NULL;
	char		 berr[KMSGBELL_ERRLEN];
	int64_t		 t1;
	char		 b = 'r';

	/* Here: the bell's rings are not inherited across fork(). */
	if (usebell && kmsgbell_open(&bell, berr) == -1)
		errx(1, "doorbell: %s", berr);
	for (long i = 0; i < n; i++) {
		/* Tell the parent we are about to sleep in poll(). */
		if (write(ready, &b, 1) != 1)
			_exit(1);
		t1 = wait_record(kfd, bell, prefix);
		if (write(out, &t1, sizeof(t1)) != (ssize_t)sizeof(t1))
			_exit(1);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sa = { .sin_family = AF_INET,
	    .sin_port = htons(9) };
	struct timespec		 gap;
	int64_t			*d, t0, t1;
	long			 n = DEFAULT_PROBES, got = 0;
	int			 kfd, s, rp[2], tp[2], status, usebell = 0;
	pid_t			 pid;
	char			 b;

	if (argc > 1 && strcmp(argv[1], "-b") == 0) {
		usebell = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 4 || (argc >= 3 && (n = atol(argv[2])) < 1))
		errx(2, "usage: kmsgwake [-b] PREFIX [N [ADDR]]");
	if (inet_pton(AF_INET, argc == 4 ? argv[3] : "127.0.0.1",
	    &sa.sin_addr) != 1)
		errx(2, "%s: not an IPv4 address", argv[3]);
	if ((d = calloc((size_t)n, sizeof(*d))) == NULL)
		err(1, "calloc");
	if ((kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		err(1, "/dev/kmsg");
	if (lseek(kfd, 0, SEEK_END) == -1)
		err(1, "/dev/kmsg: seek");
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (pipe(rp) == -1 || pipe(tp) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0)
		reader(kfd, rp[1], tp[1], argv[1], n, usebell);
	srandom((unsigned int)getpid());
	for (long i = 0; i < n; i++) {
		if (read(rp[0], &b, 1) != 1)
			errx(1, "the reader died");
		/* Let it fall asleep; a random phase against the tick. */
		gap.tv_sec = 0;
		gap.tv_nsec = 5000000 + random() % 5000000;
		nanosleep(&gap, NULL);
		t0 = now_ns();
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) != 1)
			err(1, "sendto");
		if (read(tp[0], &t1, sizeof(t1)) != (ssize_t)sizeof(t1))
			errx(1, "the reader died");
		if (t1 != -1)
			d[got++] = t1 - t0;
	}
	if (waitpid(pid, &status, 0) == -1)
		err(1, "waitpid");
	if (got == 0)
		errx(1, "no record with prefix \"%s\" arrived", argv[1]);
	qsort(d, (size_t)got, sizeof(*d), cmp_i64);
	printf("median %.2f ms p90 %.2f ms max %.2f ms (%ld records)\n",
	    median_i64(d, (size_t)got) / 1e6, p90_i64(d, (size_t)got) / 1e6,
	    (double)d[got - 1] / 1e6, got);
	close(s);
	close(kfd);
	free(d);
	return 0;
}
