// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Knock-to-connect latency, run in the client's network namespace
 * (DESIGN.md §5, "Measuring knock-to-connect").  For each of N rounds:
 *
 *   floor: t0; fork+exec /bin/true; wait for it to exit; connect to
 *          FLOOR_PORT, which the server's firewall always accepts; t1.
 *   knock: t0; fork+exec the real client (CLIENT ARGS..., stdout to
 *          /dev/null); from t0 on, start a non-blocking TCP connect to
 *          PORT every millisecond (attempts still pending stay open)
 *          until one succeeds; t1.
 *   with -k PORT2, also an in-process knock: the same request built here
 *          (profiles/codec.c, the client's profile in $HOME/.knockknock/
 *          SERVER/) and sent from a raw socket opened once, asking for
 *          PORT2; t0 just before sendto(), then a connect to PORT2 every
 *          0.2 ms.  This is the path the project controls (kernel record,
 *          read, verify, durable counter, grant) without the cost of
 *          starting a process; the counter is saved after t1, untimed.
 *
 * The knock itself is timed from the server's side of the wire: the
 * harness reads /dev/kmsg too (one kernel log for every namespace) and
 * finds the knock's LOG record (SRC= this host, DPT= the knock port).  Its
 * timestamp, the moment the server's netfilter logged the SYN, is mapped to
 * CLOCK_MONOTONIC through a marker record the harness writes just before
 * each knock.  A thread asleep in poll() on /dev/kmsg, as the daemon's
 * watcher is, notes when it is woken for the record: the kernel's share.
 * So each knock splits into: landed -> a sleeping reader woken -> connected
 * (the daemon, the firewall, and the retry interval of the connects).
 *
 * One warm-up round comes first and is not counted.  Before each round
 * WAIT_CMD, if given, is run with /bin/sh -c and must exit 0 (e.g. to wait
 * until the previous iptables grant is gone); it is not timed.  Prints, in
 * milliseconds (median, p90, max):
 *
 *   latency LABEL: knock to connected ... (a sleeping reader woken at
 *       median W, connected median D after that; ...)
 *   latency LABEL, command to connected: ... (floor median F; the knock
 *       adds the median minus F; client exits at median C)
 *   latency LABEL, in-process knock: ... (with -k)
 *
 * After each connection a second connect to the same port must be refused;
 * the lines say how many were not (a grant that outlived its use).  With
 * -o FILE, every round's figures in microseconds.  Trusts its arguments
 * and the profile; sends only to SERVER.
 *
 *   latency [-n N] [-w WAIT_CMD] [-o FILE] [-k PORT2] LABEL SERVER PORT \
 *       FLOOR_PORT CLIENT [ARG...]
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench.h"
#include "profiles/codec.h"
#include "profiles/counter.h"
#include "profiles/profile.h"

#define NS_PER_MS	INT64_C(1000000)
#define RETRY_NS	NS_PER_MS		/* one connect attempt a ms */
#define FAST_RETRY_NS	(NS_PER_MS / 5)		/* in-process knocks: 0.2 ms */
#define SYN_LEN		40			/* IPv4 + TCP, no options */
#define SECOND_WAIT_MS	200	/* for the refusal of a second connect */
#define MAX_PENDING	64	/* connect attempts in flight at once */
#define GIVE_UP_NS	(5000 * NS_PER_MS)	/* a knock that never opens */
#define DEFAULT_ROUNDS	50
#define RECORD_MAX	8192	/* bytes, one /dev/kmsg record */
#define MARK_WAIT_MS	1000	/* for our own marker record */

struct child {
	pid_t	pid;
	int	pidfd;		/* -1 once reaped */
	int64_t	exit_ns;	/* when we saw it exit */
	int	status;
};

/* When a knock landed (its LOG record) and when readers saw it. */
struct landing {
	int64_t	landed_ns;	/* 0: no record found */
	int64_t	woken_ns;
};

struct round {
	int64_t	total_ns;	/* knock: t0 to connected */
	int64_t	connected_ns;	/* knock: when, CLOCK_MONOTONIC */
	struct landing land;	/* knock */
	struct landing inland;	/* in-process knock */
	int64_t	insent_ns;	/* in-process knock: sendto() */
	int64_t	inconn_ns;	/* in-process knock: connected */
	int64_t	floor_ns;	/* true + connect to the open port */
	int64_t	client_ns;	/* knock: t0 to the client's exit */
	int	attempts;	/* connects started for the knock */
	int64_t	inproc_ns;	/* in-process knock: sendto to connected */
	int	reused;		/* knock's grant let a 2nd connection in */
	int	inproc_reused;	/* same for the in-process knock */
};

/*
 * The kernel log, read for the knock's LOG record.  A thread sleeps in
 * poll() on /dev/kmsg with no timeout, as the daemon's watcher does, and
 * notes when it is woken for each record: that is when the kernel lets
 * sleeping readers see it (a reader that wakes up by itself sees a record
 * as soon as it is written).  The main thread maps record timestamps (the
 * kernel's local clock, in microseconds) to CLOCK_MONOTONIC with a marker
 * record it writes before each knock.
 */
struct tap {
	int		mfd;		/* main thread: marker records */
	int		sfd;		/* the sleeper's */
	char		src[32];	/* "SRC=a.b.c.d " */
	char		dpt[16];	/* "DPT=N " */
	int64_t		offset_ns;	/* CLOCK_MONOTONIC - kernel clock */
	int64_t		mark_ts;	/* kernel clock: the last marker */
	int64_t		mark_err_max;	/* half the longest marker write() */
	unsigned int	marks;
	pthread_t	thread;
	pthread_mutex_t	mu;		/* for the three below */
	pthread_cond_t	cv;
	int64_t		seen_ts;	/* the sleeper's newest record */
	int64_t		knock_ts;	/* its newest knock record */
	int64_t		knock_woken;	/* when it was woken for that one */
};

/* What an in-process knock needs, set up once. */
struct inproc {
	int			 fd;		/* IPPROTO_RAW */
	int			 dirfd;		/* the client's profile, */
	char			 dir[PATH_MAX];	/* and its path */
	struct profile		 prof;
	struct sockaddr_in	 dst;		/* SERVER, knock port */
	struct in_addr		 src;
	uint16_t		 port;		/* what to ask for */
};

/*
 * The next record in the kernel log, NUL-terminated, with its timestamp;
 * 0 when none is waiting.  Records overwritten before we read them (EPIPE)
 * are skipped.
 */
static ssize_t
tap_read(int fd, char rec[static RECORD_MAX], int64_t *ts_ns)
{
	unsigned long long	us;
	ssize_t			n;

	for (;;) {
		if ((n = read(fd, rec, RECORD_MAX - 1)) == -1) {
			if (errno == EPIPE || errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			err(1, "/dev/kmsg");
		}
		rec[n] = '\0';
		if (sscanf(rec, "%*u,%*u,%llu,", &us) == 1) {
			*ts_ns = (int64_t)us * 1000;
			return n;
		}
	}
}

static void *
sleeper(void *arg)
{
	struct tap	*t = arg;
	struct pollfd	 pfd = { .fd = t->sfd, .events = POLLIN };
	char		 rec[RECORD_MAX];
	int64_t		 woken, ts;
	int		 first;

	for (;;) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			err(1, "poll");
		woken = now_ns();
		/* Only the first record after a wake-up was woken for: one
		 * read after others may have landed since (0: unknown). */
		for (first = 1; tap_read(t->sfd, rec, &ts) > 0; first = 0) {
			pthread_mutex_lock(&t->mu);
			t->seen_ts = ts;
			if (strstr(rec, t->src) != NULL &&
			    strstr(rec, t->dpt) != NULL) {
				t->knock_ts = ts;
				t->knock_woken = first ? woken : 0;
			}
			pthread_cond_broadcast(&t->cv);
			pthread_mutex_unlock(&t->mu);
		}
	}
	return NULL;
}

static int
open_end(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	if (lseek(fd, 0, SEEK_END) == -1)
		err(1, "%s: seek", path);
	return fd;
}

static void
tap_open(struct tap *t, struct in_addr src, uint16_t knock_port)
{
	char	a[INET_ADDRSTRLEN];
	int	e;

	inet_ntop(AF_INET, &src, a, sizeof(a));
	snprintf(t->src, sizeof(t->src), "SRC=%s ", a);
	snprintf(t->dpt, sizeof(t->dpt), "DPT=%u ", (unsigned int)knock_port);
	t->mfd = open_end("/dev/kmsg");
	t->sfd = open_end("/dev/kmsg");
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if ((e = pthread_create(&t->thread, NULL, sleeper, t)) != 0)
		errx(1, "pthread_create: %s", strerror(e));
}

/* Wait until the sleeper has read past kernel time ts (its knock record
 * if knock): 0, or -1 after MARK_WAIT_MS. */
static int
tap_wait(struct tap *t, int64_t ts, int knock)
{
	struct timespec	dl;
	int		rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += MARK_WAIT_MS / 1000;
	pthread_mutex_lock(&t->mu);
	while ((knock ? t->knock_ts : t->seen_ts) < ts && rc == 0)
		rc = pthread_cond_timedwait(&t->cv, &t->mu, &dl);
	pthread_mutex_unlock(&t->mu);
	return rc == 0 ? 0 : -1;
}

/*
 * Just before a knock: write a marker record and read it back; its
 * timestamp, taken inside our write(), maps the kernel's clock to ours to
 * within half the write's duration.  Then let the sleeper read it and go
 * back to sleep: 1 to 3 ms, which also gives the knock a random phase
 * against the kernel's timer tick.
 */
static void
tap_mark(struct tap *t)
{
	char		rec[RECORD_MAX], mark[64];
	struct pollfd	pfd = { .fd = t->mfd, .events = POLLIN };
	struct timespec	gap = { 0, NS_PER_MS + random() % (2 * NS_PER_MS) };
	int64_t		a, b, ts, deadline;
	const char	*msg;
	int		fd;

	while (tap_read(t->mfd, rec, &ts) > 0)
		;
	/* The newline matters: the kernel holds back a record without one,
	 * in case the next write continues it. */
	snprintf(mark, sizeof(mark), "kkbench-mark %ld %u\n", (long)getpid(),
	    ++t->marks);
	/* A fresh descriptor each time: the kernel rate-limits writes to
	 * one (printk_devkmsg=ratelimit) and drops the excess silently. */
	if ((fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC)) == -1)
		err(1, "/dev/kmsg");
	a = now_ns();
	if (write(fd, mark, strlen(mark)) != (ssize_t)strlen(mark))
		err(1, "/dev/kmsg: write");
	b = now_ns();
	close(fd);
	if ((b - a) / 2 > t->mark_err_max)
		t->mark_err_max = (b - a) / 2;
	deadline = b + MARK_WAIT_MS * NS_PER_MS;
	while (now_ns() < deadline) {
		while (tap_read(t->mfd, rec, &ts) > 0) {
			msg = strchr(rec, ';');
			if (msg == NULL || strncmp(msg + 1, mark,
			    strlen(mark)) != 0)
				continue;
			t->offset_ns = a + (b - a) / 2 - ts;
			t->mark_ts = ts;
			if (tap_wait(t, ts, 0) == -1)
				errx(1, "/dev/kmsg: the sleeper is stuck");
			nanosleep(&gap, NULL);
			return;
		}
		if (poll(&pfd, 1, MARK_WAIT_MS) == -1 && errno != EINTR)
			err(1, "poll");
	}
	errx(1, "/dev/kmsg: our marker record never came back");
}

/* After a knock: when its record landed and when the sleeper woke for it
 * (0 if no record came; woken 0 if unknown). */
static void
tap_landing(struct tap *t, struct landing *l)
{
	if (tap_wait(t, t->mark_ts + 1, 1) == -1)
		return;
	pthread_mutex_lock(&t->mu);
	l->landed_ns = t->knock_ts + t->offset_ns;
	l->woken_ns = t->knock_woken;
	if (l->woken_ns != 0 && l->woken_ns < l->landed_ns)
		l->woken_ns = 0;	/* cannot be: leave it out */
	pthread_mutex_unlock(&t->mu);
}

static void
spawn(struct child *c, char *const argv[], int quiet)
{
	int	fd;

	if ((c->pid = fork()) == -1)
		err(1, "fork");
	if (c->pid == 0) {
		if (quiet && (fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, STDOUT_FILENO);
		execv(argv[0], argv);
		err(127, "%s", argv[0]);
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd == -1)
		err(1, "pidfd_open");
	c->exit_ns = 0;
}

/* Wait for c; 0 if it exited 0, else -1 (said on stderr). */
static int
reap(struct child *c)
{
	if (c->pidfd == -1)
		return c->status == 0 ? 0 : -1;
	while (waitpid(c->pid, &c->status, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid");
	if (c->exit_ns == 0)
		c->exit_ns = now_ns();
	close(c->pidfd);
	c->pidfd = -1;
	if (WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0)
		return 0;
	warnx("child %ld failed (status 0x%x)", (long)c->pid, c->status);
	return -1;
}

/* Start one non-blocking connect: the socket, or -1 if refused at once;
 * *done when it connected at once. */
static int
start_connect(const struct sockaddr_in *sa, int *done)
{
	int	s;

	*done = 0;
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s == -1)
		err(1, "socket");
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		*done = 1;
		return s;
	}
	if (errno == EINPROGRESS)
		return s;
	if (errno != ECONNREFUSED)
		err(1, "connect");
	close(s);
	return -1;
}

/* 1 if the pending connect on s succeeded, 0 if it failed. */
static int
connect_result(int s)
{
	int		e = 0;
	socklen_t	len = sizeof(e);

	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		err(1, "getsockopt");
	if (e != 0 && e != ECONNREFUSED && e != ETIMEDOUT &&
	    e != EHOSTUNREACH)
		errx(1, "connect: %s", strerror(e));
	return e == 0;
}

/* Close every pending attempt except keep. */
static void
close_pending(int *pend, size_t *np, int keep)
{
	for (size_t i = 0; i < *np; i++)
		if (pend[i] != keep)
			close(pend[i]);
	*np = 0;
}

/*
 * A connect attempt every retry_ns from t0 until one succeeds, meanwhile
 * noting when child c exits.  Attempts still pending stay open: the SYN
 * of one may be the one that uses up the grant, so dropping it would lose
 * the knock.  Returns the time of success, or -1.
 */
static int64_t
connect_loop(const struct sockaddr_in *sa, int64_t t0, int64_t retry_ns,
    struct child *c, int *attempts)
{
	struct pollfd	pfd[MAX_PENDING + 1];
	int		pend[MAX_PENDING];
	size_t		np = 0;
	int64_t		next = t0, now;
	int		s, done;

	*attempts = 0;
	for (;;) {
		struct timespec	ts;
		nfds_t		n = 0;
		int64_t		wait;

		now = now_ns();
		if (now - t0 > GIVE_UP_NS)
			break;
		if (now >= next) {
			if (np == MAX_PENDING) {	/* the oldest goes */
				close(pend[0]);
				memmove(pend, pend + 1, --np * sizeof(*pend));
			}
			s = start_connect(sa, &done);
			(*attempts)++;
			if (done)
				goto connected;
			if (s != -1)
				pend[np++] = s;
			next += retry_ns;
			if (next < now)
				next = now + retry_ns;
		}
		for (size_t i = 0; i < np; i++)
			pfd[n++] = (struct pollfd){ .fd = pend[i],
			    .events = POLLOUT };
		if (c != NULL && c->pidfd != -1)
			pfd[n++] = (struct pollfd){ .fd = c->pidfd,
			    .events = POLLIN };
		wait = next - now_ns();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = wait / 1000000000;
		ts.tv_nsec = wait % 1000000000;
		if (ppoll(pfd, n, &ts, NULL) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "ppoll");
		}
		for (nfds_t i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (c != NULL && pfd[i].fd == c->pidfd) {
				c->exit_ns = now_ns();
				if (reap(c) == -1)
					goto failed;	/* no knock was sent */
				continue;
			}
			s = pfd[i].fd;
			if (connect_result(s))
				goto connected;
			close(s);
			for (size_t j = 0; j < np; j++) {
				if (pend[j] == s) {
					memmove(pend + j, pend + j + 1,
					    (--np - j) * sizeof(*pend));
					break;
				}
			}
		}
	}
failed:
	close_pending(pend, &np, -1);
	return -1;
connected:
	now = now_ns();
	close_pending(pend, &np, s);
	close(s);
	return now;
}

static void
run_wait(const char *cmd)
{
	char *const	argv[] = { (char *)"/bin/sh", (char *)"-c",
	    (char *)cmd, NULL };
	struct child	c;

	spawn(&c, argv, 0);
	if (reap(&c) == -1)
		errx(1, "-w command failed: %s", cmd);
}

/*
 * Right after a grant was used: a second connection must be refused (one
 * new connection a knock).  1 if it connected anyway.  A grant that
 * survives its use would also let the next round connect before its own
 * knock lands; this connection uses it up, so figures stay honest.
 */
static int
second_connect(const struct sockaddr_in *sa)
{
	struct pollfd	pfd;
	int		s, done, ok = 0;

	if ((s = start_connect(sa, &done)) == -1)
		return 0;
	pfd = (struct pollfd){ .fd = s, .events = POLLOUT };
	if (done || (poll(&pfd, 1, SECOND_WAIT_MS) == 1 && connect_result(s)))
		ok = 1;
	close(s);
	return ok;
}

static int64_t
measure_floor(const struct sockaddr_in *sa)
{
	char *const	argv[] = { (char *)"/bin/true", NULL };
	struct child	c;
	int64_t		t0 = now_ns(), t1;
	int		attempts;

	spawn(&c, argv, 0);
	if (reap(&c) == -1)
		errx(1, "/bin/true failed");
	if ((t1 = connect_loop(sa, now_ns(), RETRY_NS, NULL, &attempts)) ==
	    -1)
		errx(1, "the floor port %u does not accept",
		    ntohs(sa->sin_port));
	return t1 - t0;
}

static int
measure_knock(const struct sockaddr_in *sa, char *const argv[],
    struct tap *tap, struct round *r)
{
	struct child	c;
	int64_t		t0, t1;

	tap_mark(tap);
	t0 = now_ns();
	spawn(&c, argv, 1);
	t1 = connect_loop(sa, t0, RETRY_NS, &c, &r->attempts);
	if (reap(&c) == -1 || t1 == -1)
		return -1;
	tap_landing(tap, &r->land);
	r->client_ns = c.exit_ns - t0;
	r->total_ns = t1 - t0;
	r->connected_ns = t1;
	r->reused = second_connect(sa);
	return 0;
}

/* The Internet checksum of the TCP segment with its IPv4 pseudo-header. */
static uint16_t
tcp_checksum(const uint8_t *ip, const uint8_t *tcp, size_t len)
{
	uint32_t	sum = 0;

	for (size_t i = 12; i < 20; i += 2)	/* source and destination */
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += IPPROTO_TCP + (uint32_t)len;
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The SYN knockknock sends (knockknock/packet.c): TTL 64, no options. */
static void
build_syn(const struct inproc *k, const struct knock_fields *f,
    uint16_t sport, uint8_t pkt[static SYN_LEN])
{
	uint8_t	*ip = pkt, *tcp = pkt + 20;

	memset(pkt, 0, SYN_LEN);
	ip[0] = 0x45;
	put16(ip + 2, SYN_LEN);
	put16(ip + 4, f->ip_id);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &k->src, 4);
	memcpy(ip + 16, &k->dst.sin_addr, 4);	/* the kernel sets ip[10..12) */
	put16(tcp, sport);
	put16(tcp + 2, ntohs(k->dst.sin_port));
	put32(tcp + 4, f->seq);
	put32(tcp + 8, f->ack);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;				/* SYN */
	put16(tcp + 14, f->window);
	put16(tcp + 16, tcp_checksum(ip, tcp, SYN_LEN - 20));
}

/* The profile, the server's knock port and our source address; with
 * port != NULL, the raw socket for in-process knocks asking for it. */
static void
inproc_init(struct inproc *k, const char *server, const char *port)
{
	char			 perr[PROFILE_ERRLEN];
	const char		*home = getenv("HOME");
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	long			 p = port == NULL ? 0 : strtol(port, NULL, 10);
	int			 u;

	if (home == NULL || (port != NULL && (p < 1 || p > 65535)))
		errx(2, "HOME unset or bad -k port %s", port);
	k->port = (uint16_t)p;
	if (snprintf(k->dir, sizeof(k->dir), "%s/.knockknock/%s", home,
	    server) >= (int)sizeof(k->dir))
		errx(1, "%s: path too long", home);
	if ((k->dirfd = profile_open(k->dir, perr)) == -1 ||
	    profile_load_at(k->dirfd, k->dir, &k->prof, perr) == -1)
		errx(1, "%s", perr);
	k->dst = (struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_port = htons(k->prof.knock_port) };
	if (inet_pton(AF_INET, server, &k->dst.sin_addr) != 1)
		errx(2, "%s: not an IPv4 address", server);
	/* The source address the kernel would use: the checksum, and the
	 * SRC= of the knock's LOG record. */
	if ((u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(u, (struct sockaddr *)&k->dst, sizeof(k->dst)) == -1 ||
	    getsockname(u, (struct sockaddr *)&sin, &len) == -1)
		err(1, "source address for %s", server);
	close(u);
	k->src = sin.sin_addr;
	k->fd = -1;
	if (port != NULL && (k->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_RAW)) == -1)
		err(1, "raw socket");
}

/* One knock from here; the time from sendto() to a connection to k->port. */
static int
measure_inproc(struct inproc *k, struct tap *tap, struct round *r)
{
	struct sockaddr_in	 sa = k->dst;
	struct knock_fields	 f;
	const char		*errstr;
	uint8_t			 pkt[SYN_LEN];
	char			 path[PATH_MAX + 16];
	uint64_t		 c;
	int64_t			 t0, t1;
	int			 attempts, fd;

	/* The real client advanced the counter since: read it again. */
	snprintf(path, sizeof(path), "%s/counter", k->dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    counter_read_fd(fd, &c, &errstr) == -1)
		errx(1, "%s: cannot read the counter", path);
	close(fd);
	do {	/* as the client: an IP ID of 0 cannot travel */
		if (codec_encrypt(&k->prof.keys, c++, k->port, &f,
		    &errstr) == -1)
			errx(1, "%s: %s", k->dir, errstr);
	} while (f.ip_id == 0);
	build_syn(k, &f, (uint16_t)(1024 + (uint16_t)now_ns() % 64000), pkt);
	sa.sin_port = 0;
	tap_mark(tap);
	t0 = now_ns();
	if (sendto(k->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sa,
	    sizeof(sa)) != (ssize_t)sizeof(pkt))
		err(1, "sendto");
	sa.sin_port = htons(k->port);
	t1 = connect_loop(&sa, t0, FAST_RETRY_NS, NULL, &attempts);
	if (t1 != -1)
		tap_landing(tap, &r->inland);
	explicit_bzero(&f, sizeof(f));
	if (counter_save(k->dirfd, c) == -1)
		err(1, "%s/counter", k->dir);
	if (t1 == -1)
		return -1;
	r->inproc_ns = t1 - t0;
	r->insent_ns = t0;
	r->inconn_ns = t1;
	r->inproc_reused = second_connect(&sa);
	return 0;
}

/* The figures of one measure over the rounds that have it, in ms. */
struct figures {
	size_t	n;
	double	med, p90, max;
};

/* Sorts v[0..n); bench.h defines the median and the p90. */
static struct figures
stats(int64_t *v, size_t n)
{
	struct figures	f = { .n = n };

	if (n == 0)
		return f;
	qsort(v, n, sizeof(*v), cmp_i64);
	f.med = median_i64(v, n) / 1e6;
	f.p90 = p90_i64(v, n) / 1e6;
	f.max = (double)v[n - 1] / 1e6;
	return f;
}

enum measure {
	M_TOTAL, M_FLOOR, M_CLIENT,	/* from the fork of the client */
	M_KNOCK, M_WAKE, M_AFTER,	/* from its LOG record */
	M_IN, M_IN_WAKE, M_IN_STAMP,	/* in-process knock */
	M_COUNT
};

/* One measure of round r in ns; 0 if the round lacks it. */
static int
measure(const struct round *r, enum measure m, int64_t *v)
{
	const struct landing	*l = &r->land, *il = &r->inland;

	switch (m) {
	case M_TOTAL:	*v = r->total_ns; return 1;
	case M_FLOOR:	*v = r->floor_ns; return 1;
	case M_CLIENT:	*v = r->client_ns; return 1;
	case M_KNOCK:	*v = r->connected_ns - l->landed_ns;
			return l->landed_ns != 0;
	case M_WAKE:	*v = l->woken_ns - l->landed_ns;
			return l->woken_ns != 0;
	case M_AFTER:	*v = r->connected_ns - l->woken_ns;
			return l->woken_ns != 0;
	case M_IN:	*v = r->inproc_ns; return r->inconn_ns != 0;
	case M_IN_WAKE:	*v = il->woken_ns - il->landed_ns;
			return il->woken_ns != 0;
	case M_IN_STAMP: *v = il->landed_ns - r->insent_ns;
			return il->landed_ns != 0;
	default:	return 0;
	}
}

static struct figures
figures(const struct round *r, size_t n, enum measure m)
{
	struct figures	 f;
	int64_t		*v;
	size_t		 k = 0;

	if ((v = calloc(n, sizeof(*v))) == NULL)
		err(1, "calloc");
	for (size_t i = 0; i < n; i++)
		k += (size_t)measure(&r[i], m, &v[k]);
	f = stats(v, k);
	free(v);
	return f;
}

/* Microseconds, or -1 when the round lacks the measure. */
static long long
raw_us(const struct round *r, enum measure m)
{
	int64_t	v;

	return measure(r, m, &v) ? (long long)(v / 1000) : -1;
}

static void
write_raw(FILE *raw, const struct round *r, size_t n)
{
	fprintf(raw, "# round total_us floor_us client_exit_us "
	    "knock_to_connected_us kernel_wake_us wake_to_connected_us "
	    "inprocess_us inprocess_kernel_wake_us inprocess_stamp_us "
	    "connect_attempts second_connect inprocess_second_connect "
	    "(-1: not seen)\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(raw, "%zu", i);
		for (enum measure m = 0; m < M_COUNT; m++)
			fprintf(raw, " %lld", raw_us(&r[i], m));
		fprintf(raw, " %d %d %d\n", r[i].attempts, r[i].reused,
		    r[i].inproc_reused);
	}
}

static void
report(const char *label, const struct round *r, size_t n, size_t failed,
    int inproc, double map_err_us)
{
	struct figures	f[M_COUNT];
	size_t		reused = 0, inreused = 0;

	for (enum measure m = 0; m < M_COUNT; m++)
		f[m] = figures(r, n, m);
	for (size_t i = 0; i < n; i++) {
		reused += (size_t)r[i].reused;
		inreused += (size_t)r[i].inproc_reused;
	}
	printf("latency %s: knock to connected median %.2f ms p90 %.2f ms "
	    "max %.2f ms (from the knock's LOG record; a reader asleep on "
	    "/dev/kmsg was woken at median %.2f ms p90 %.2f ms, and the "
	    "connection came median %.2f ms after that (before it, if "
	    "negative); connects every 1 ms; "
	    "%zu knocks", label, f[M_KNOCK].med, f[M_KNOCK].p90,
	    f[M_KNOCK].max, f[M_WAKE].med, f[M_WAKE].p90, f[M_AFTER].med,
	    f[M_KNOCK].n);
	if (failed > 0)
		printf(", %zu more failed", failed);
	if (reused > 0)
		printf("; %zu grants let a second connection in", reused);
	printf(")\n");
	printf("latency %s, command to connected: median %.1f ms p90 %.1f ms "
	    "max %.1f ms (from the fork of the client; floor median %.1f ms: "
	    "/bin/true and a connect; the knock adds %.1f ms; client exits "
	    "at median %.1f ms)\n", label, f[M_TOTAL].med, f[M_TOTAL].p90,
	    f[M_TOTAL].max, f[M_FLOOR].med, f[M_TOTAL].med - f[M_FLOOR].med,
	    f[M_CLIENT].med);
	if (!inproc)
		return;
	printf("latency %s, in-process knock: median %.2f ms p90 %.2f ms "
	    "max %.2f ms (sendto to connected, connects every 0.2 ms; a "
	    "sleeping reader was woken at median %.2f ms; record stamped "
	    "%.0f us after sendto, clocks mapped to within %.0f us; %zu "
	    "knocks", label, f[M_IN].med, f[M_IN].p90, f[M_IN].max,
	    f[M_IN_WAKE].med, f[M_IN_STAMP].med * 1000, map_err_us,
	    f[M_IN].n);
	if (inreused > 0)
		printf("; %zu grants let a second connection in", inreused);
	printf(")\n");
}

static void
addr_port(struct sockaddr_in *sa, const char *addr, const char *port)
{
	long	p = strtol(port, NULL, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		errx(2, "%s: not an IPv4 address", addr);
	if (p < 1 || p > 65535)
		errx(2, "%s: not a port", port);
	sa->sin_port = htons((uint16_t)p);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 knock_sa, floor_sa;
	struct round		*r;
	const char		*wait_cmd = NULL, *label;
	FILE			*raw = NULL;
	struct inproc		 k = { .fd = -1 };
	struct tap		 tap = { .mfd = -1 };
	const char		*inproc_port = NULL;
	size_t			 rounds = DEFAULT_ROUNDS, n = 0, failed = 0;
	int			 ch;

	while ((ch = getopt(argc, argv, "+k:n:o:w:")) != -1) {
		switch (ch) {
		case 'k':
			inproc_port = optarg;
			break;
		case 'n':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			if ((raw = fopen(optarg, "w")) == NULL)
				err(1, "%s", optarg);
			break;
		case 'w':
			wait_cmd = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 5 || rounds == 0)
		goto usage;
	label = argv[0];
	addr_port(&knock_sa, argv[1], argv[2]);
	addr_port(&floor_sa, argv[1], argv[3]);
	if ((r = calloc(rounds + 1, sizeof(*r))) == NULL)
		err(1, "calloc");
	inproc_init(&k, argv[1], inproc_port);
	tap_open(&tap, k.src, k.prof.knock_port);
	signal(SIGPIPE, SIG_IGN);
	/* Round 0 warms the caches (binaries, profile, ARP) and is dropped. */
	for (size_t i = 0; i <= rounds; i++) {
		memset(&r[n], 0, sizeof(r[n]));
		if (wait_cmd != NULL)
			run_wait(wait_cmd);
		r[n].floor_ns = measure_floor(&floor_sa);
		if (measure_knock(&knock_sa, argv + 4, &tap, &r[n]) == -1 ||
		    (k.fd != -1 && measure_inproc(&k, &tap, &r[n]) == -1))
			failed += i > 0;
		else if (i > 0)
			n++;
	}
	if (n == 0)
		errx(1, "%s: no knock opened the port", label);
	if (raw != NULL)
		write_raw(raw, r, n);
	report(label, r, n, failed, k.fd != -1,
	    (double)tap.mark_err_max / 1000);
	if (k.fd != -1)
		close(k.fd);
	profile_wipe(&k.prof);
	if (raw != NULL && fclose(raw) != 0)
		err(1, "raw output");
	free(r);
	return 0;
usage:
	fprintf(stderr, "usage: latency [-n N] [-w WAIT_CMD] [-o FILE] "
	    "[-k PORT2] LABEL SERVER PORT FLOOR_PORT CLIENT [ARG...]\n");
	return 2;
}
