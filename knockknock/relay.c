// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Knock, then connect and relay (knockknock -c).  The connection starts
 * from the knock's own destination, so it takes the knock's family and
 * the source address the server opened the port for.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knockknock/relay.h"

#define RETRY_FIRST_MS	5	/* after a refusal: then twice as long */
#define RETRY_MAX_MS	200
#define RELAY_BUF	16384

/* One direction of the relay. */
struct flow {
	int	 from, to;
	char	 buf[RELAY_BUF];
	size_t	 off, len;	/* bytes read, not yet written */
	int	 eof;		/* `from` ended */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * One attempt from src to dst, waiting up to wait_ms for its outcome: the
 * socket, or -1 with errno set (ETIMEDOUT when nothing came back in time).
 */
static int
attempt(const struct packet_addr *src, const struct packet_addr *dst,
    uint16_t port, int wait_ms)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t salen, len = sizeof(int);
	int fd, soerr = 0, n;

	fd = socket(dst->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1)
		return -1;
	salen = packet_sockaddr(src, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, salen) == -1)
		goto fail;
	salen = packet_sockaddr(dst, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, salen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	while ((n = poll(&pfd, 1, wait_ms)) == -1 && errno == EINTR)
		;
	if (n == 0)
		errno = ETIMEDOUT;
	if (n <= 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	n = errno;
	close(fd);
	errno = n;
	return -1;
}

/* A refusal that the grant, once in the firewall, turns into a yes. */
static int
refusal(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == EACCES ||
	    e == EPERM;
}

int
relay_connect(const struct packet_addr *src, const struct packet_addr *dst,
    uint16_t port, int wait_ms, char err[static RELAY_ERRLEN])
{
	long long end = now_ms() + wait_ms;
	int fd, left, backoff_ms = RETRY_FIRST_MS;

	for (;;) {
		left = (int)(end - now_ms());
		if (left < 1)
			left = 1;
		if ((fd = attempt(src, dst, port, left)) != -1)
			return fd;
		if (!refusal(errno) || now_ms() + backoff_ms >= end)
			break;
		sleep_ms(backoff_ms);
		backoff_ms = backoff_ms * 2 < RETRY_MAX_MS ? backoff_ms * 2 :
		    RETRY_MAX_MS;
	}
	if (refusal(errno) || errno == ETIMEDOUT)
		snprintf(err, RELAY_ERRLEN, "no connection to port %u within "
		    "%d s (%s): did the server take the knock?", port,
		    wait_ms / 1000, strerror(errno));
	else
		snprintf(err, RELAY_ERRLEN, "cannot connect to port %u: %s",
		    port, strerror(errno));
	return -1;
}

/* The poll events a flow waits for on its two ends. */
static void
want(const struct flow *f, struct pollfd *from, struct pollfd *to)
{
	from->fd = f->len == 0 && !f->eof ? f->from : -1;
	from->events = POLLIN;
	to->fd = f->len > 0 ? f->to : -1;
	to->events = POLLOUT;
}

/*
 * Move what the poll allows along f.  0 going on, 1 when `from` ended and
 * everything read was written, -1 with err set.
 */
static int
step(struct flow *f, const struct pollfd *from, const struct pollfd *to,
    char err[static RELAY_ERRLEN])
{
	ssize_t n;

	if (from->fd != -1 && from->revents != 0) {
		n = read(f->from, f->buf, sizeof(f->buf));
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, RELAY_ERRLEN, "read: %s",
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			f->eof = 1;
		if (n > 0) {
			f->off = 0;
			f->len = (size_t)n;
		}
	}
	if (to->fd != -1 && to->revents != 0) {
		n = write(f->to, f->buf + f->off, f->len);
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, RELAY_ERRLEN, "write: %s",
			    strerror(errno));
			return -1;
		}
		if (n > 0) {
			f->off += (size_t)n;
			f->len -= (size_t)n;
		}
	}
	return f->eof && f->len == 0;
}

int
relay_run(int sock, int in, int out, char err[static RELAY_ERRLEN])
{
	struct flow up, down;
	struct pollfd pfd[4];
	int half_closed = 0, rc;

	up = (struct flow){ .from = in, .to = sock };
	down = (struct flow){ .from = sock, .to = out };
	for (;;) {
		want(&up, &pfd[0], &pfd[1]);
		want(&down, &pfd[2], &pfd[3]);
		if (poll(pfd, 4, -1) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, RELAY_ERRLEN, "poll: %s",
			    strerror(errno));
			return -1;
		}
		if ((rc = step(&down, &pfd[2], &pfd[3], err)) != 0)
			return rc == 1 ? 0 : -1;
		if ((rc = step(&up, &pfd[0], &pfd[1], err)) == -1)
			return -1;
		/* All of `in` sent: tell the server, and wait for its end. */
		if (rc == 1 && !half_closed) {
			shutdown(sock, SHUT_WR);
			half_closed = 1;
		}
	}
}
