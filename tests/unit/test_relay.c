// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * knockknock -c's two halves: the connection, from the knock's source
 * address, retried while it is refused (over loopback, a listener that
 * appears late), and the relay, byte for byte both ways through an echoing
 * peer on a non-blocking socket, the end of input passed on as a
 * half-close.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "knockknock/relay.h"

#define LATE_MS		150		/* the listener's delay */
#define DATA_LEN	(300 * 1024)	/* more than any pipe's buffer */
#define ROOM_MS		100		/* until the full queue has room */
#define DROP_WAIT_MS	900		/* less than the SYN's resend */

/* A loopback port that nothing listens on now: bound, then closed. */
static uint16_t
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_neq(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void *
listen_late(void *arg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timespec ts = { 0, LATE_MS * 1000000L };
	int one = 1, fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(*(uint16_t *)arg);
	nanosleep(&ts, NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 1) == -1)
		return NULL;
	return (void *)(intptr_t)fd;
}

static struct packet_addr
loopback(uint32_t host)
{
	struct packet_addr a = { .family = AF_INET };

	a.v4.s_addr = htonl(host);
	return a;
}

/* From 127.0.0.2, as from a knock sent from there: the peer must see it. */
Test(relay, connect_waits_for_the_grant)
{
	struct packet_addr dst = loopback(INADDR_LOOPBACK);
	struct packet_addr src = loopback(INADDR_LOOPBACK + 1);
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	char err[RELAY_ERRLEN] = "";
	uint16_t port = free_port();
	pthread_t t;
	void *lfd;
	int fd, afd;

	cr_assert_eq(pthread_create(&t, NULL, listen_late, &port), 0);
	fd = relay_connect(&src, &dst, port, 5000, err);
	pthread_join(t, &lfd);
	cr_assert_neq(lfd, NULL, "the late listener could not bind");
	cr_assert_neq(fd, -1, "refused until the listener came: %s", err);
	afd = accept((int)(intptr_t)lfd, (struct sockaddr *)&peer, &len);
	cr_assert_neq(afd, -1, "accept: %s", strerror(errno));
	cr_expect_eq(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK + 1,
	    "the connection did not come from the knock's source address");
	close(afd);
	close(fd);
	close((int)(intptr_t)lfd);
}

/*
 * A listener whose accept queue is full drops a SYN, as a firewall with a
 * drop policy does; making room is the grant.  The kernel would resend the
 * first attempt's SYN only after a second, past the wait: a later attempt
 * must be the one that gets through.
 */
struct full {
	int	lfd, filler;
};

static void *
make_room(void *arg)
{
	struct timespec ts = { 0, ROOM_MS * 1000000L };
	struct full *f = arg;
	int fd;

	nanosleep(&ts, NULL);
	fd = accept(f->lfd, NULL, NULL);
	close(f->filler);
	return (void *)(intptr_t)fd;
}

Test(relay, connect_gets_past_a_drop)
{
	struct packet_addr dst = loopback(INADDR_LOOPBACK);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char err[RELAY_ERRLEN] = "";
	struct timespec t0, t1;
	struct full f;
	pthread_t t;
	void *afd;
	long ms;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_neq(f.lfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	cr_assert_eq(bind(f.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(f.lfd, 0), 0);
	cr_assert_eq(getsockname(f.lfd, (struct sockaddr *)&sin, &len), 0);
	/* One connection fills a queue of length 0. */
	cr_assert_neq(f.filler = socket(AF_INET, SOCK_STREAM, 0), -1);
	cr_assert_eq(connect(f.filler, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(pthread_create(&t, NULL, make_room, &f), 0);
	fd = relay_connect(&dst, &dst, ntohs(sin.sin_port), DROP_WAIT_MS,
	    err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(t, &afd);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_expect_neq(fd, -1, "no attempt after the first got through: %s",
	    err);
	/* Else the queue was not full: nothing was dropped. */
	cr_expect_geq(ms, ROOM_MS, "connected after %ld ms", ms);
	close(fd);
	close((int)(intptr_t)afd);
	close(f.lfd);
}

Test(relay, connect_gives_up_after_the_wait)
{
	struct packet_addr dst = loopback(INADDR_LOOPBACK);
	char err[RELAY_ERRLEN] = "", want[RELAY_ERRLEN];
	uint16_t port = free_port();
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(relay_connect(&dst, &dst, port, 1000, err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	snprintf(want, sizeof(want), "no connection to port %u within 1 s "
	    "(Connection refused): did the server take the knock?", port);
	cr_expect_str_eq(err, want);
	/* It kept trying, and stopped: not at the first refusal. */
	cr_expect_geq(ms, 500, "gave up after %ld ms", ms);
}

/* The peer: sends back what it gets, then closes its side too. */
static void *
echo(void *arg)
{
	int fd = *(int *)arg;
	char buf[4096];
	ssize_t n, w, off;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0)
				return NULL;
	shutdown(fd, SHUT_WR);
	return NULL;
}

struct feed {
	int		 fd;
	const uint8_t	*data;
	size_t		 len;
};

static void *
feed(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;
	ssize_t n;

	while (off < f->len && (n = write(f->fd, f->data + off,
	    f->len - off)) > 0)
		off += (size_t)n;
	close(f->fd);
	return NULL;
}

struct run {
	int	sock, in, out, rc;
	char	err[RELAY_ERRLEN];
};

static void *
run(void *arg)
{
	struct run *r = arg;

	r->rc = relay_run(r->sock, r->in, r->out, r->err);
	close(r->out);
	return NULL;
}

Test(relay, both_ways_byte_for_byte)
{
	static uint8_t data[DATA_LEN], got[DATA_LEN + 1];
	int sp[2], in[2], out[2];
	pthread_t te, tf, tr;
	struct feed f;
	struct run r;
	size_t n = 0;
	ssize_t k;

	for (size_t i = 0; i < DATA_LEN; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 9));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	/* As relay_connect() leaves it: full buffers give EAGAIN. */
	cr_assert_eq(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	f = (struct feed){ .fd = in[1], .data = data, .len = DATA_LEN };
	r = (struct run){ .sock = sp[0], .in = in[0], .out = out[1] };
	cr_assert_eq(pthread_create(&te, NULL, echo, &sp[1]), 0);
	cr_assert_eq(pthread_create(&tf, NULL, feed, &f), 0);
	cr_assert_eq(pthread_create(&tr, NULL, run, &r), 0);
	while (n <= DATA_LEN && (k = read(out[0], got + n,
	    DATA_LEN + 1 - n)) > 0)
		n += (size_t)k;
	pthread_join(tr, NULL);
	pthread_join(tf, NULL);
	pthread_join(te, NULL);
	cr_expect_eq(r.rc, 0, "relay_run: %s", r.err);
	cr_expect_eq(n, DATA_LEN, "%zu bytes came back", n);
	cr_expect_eq(memcmp(got, data, DATA_LEN), 0, "the bytes differ");
	close(sp[0]);
	close(sp[1]);
	close(in[0]);
	close(out[0]);
}
