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

#define RETRY_FIRST_MS	5	/* the second attempt; then twice as long */
#define RETRY_MAX_MS	1000
#define PENDING_AGE_MS	3000	/* an attempt left waiting this long is over */
#define PENDING_MAX	32	/* attempts left waiting, at most */
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

/* Attempts still waiting for an answer, oldest first. */
struct pending {
	int		fd[PENDING_MAX];
	long long	since[PENDING_MAX];	/* ms */
	int		n;
};

/* Take attempt i out of p: its socket is the caller's. */
static int
pending_take(struct pending *p, int i)
{
	int fd = p->fd[i];

	memmove(&p->fd[i], &p->fd[i + 1], (size_t)(p->n - i - 1) *
	    sizeof(p->fd[0]));
	memmove(&p->since[i], &p->since[i + 1], (size_t)(p->n - i - 1) *
	    sizeof(p->since[0]));
	p->n--;
	return fd;
}

static void
pending_drop(struct pending *p, int i)
{
	close(pending_take(p, i));
}

/*
 * Give up the attempts that have waited too long (their SYNs would go on
 * being resent), and the oldest when there is no room for one more.
 */
static void
pending_expire(struct pending *p, long long now)
{
	while (p->n > 0 && (p->n == PENDING_MAX ||
	    now - p->since[0] >= PENDING_AGE_MS))
		pending_drop(p, 0);
}

static void
pending_clear(struct pending *p)
{
	while (p->n > 0)
		pending_drop(p, p->n - 1);
}

/* A refusal that the grant, once in the firewall, turns into a yes. */
static int
refusal(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == EACCES ||
	    e == EPERM;
}

/*
 * Start one attempt from src to dst: 1 when it connected at once (*fd
 * set), 0 when it is under way (added to p), -1 with errno set.
 */
static int
attempt(struct pending *p, const struct packet_addr *src,
    const struct packet_addr *dst, uint16_t port, long long now, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t salen;
	int s, e;

	s = socket(dst->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s == -1)
		return -1;
	salen = packet_sockaddr(src, 0, &ss);
	if (bind(s, (struct sockaddr *)&ss, salen) == -1)
		goto fail;
	salen = packet_sockaddr(dst, port, &ss);
	if (connect(s, (struct sockaddr *)&ss, salen) == 0) {
		*fd = s;
		return 1;
	}
	if (errno != EINPROGRESS)
		goto fail;
	pending_expire(p, now);
	p->fd[p->n] = s;
	p->since[p->n++] = now;
	return 0;
fail:
	e = errno;
	close(s);
	errno = e;
	return -1;
}

/*
 * Wait up to ms for answers to the pending attempts: 1 when one connected
 * (*fd set, taken out of p), else 0.  An attempt that failed is closed,
 * its error kept: in *refused for a refusal or no answer, in *hard for
 * anything else, a failed poll() included (which ends them all).
 */
static int
answers(struct pending *p, int ms, int *fd, int *refused, int *hard)
{
	struct pollfd pfd[PENDING_MAX];
	socklen_t len;
	int i, soerr;

	for (i = 0; i < p->n; i++)
		pfd[i] = (struct pollfd){ .fd = p->fd[i], .events = POLLOUT };
	if ((i = poll(pfd, (nfds_t)p->n, ms)) == -1 && errno != EINTR) {
		*hard = errno;
		pending_clear(p);	/* it would fail again at once */
	}
	if (i <= 0)
		return 0;
	/* Newest first, so that a drop leaves pfd[] and p->fd[] in step. */
	for (i = p->n - 1; i >= 0; i--) {
		if (pfd[i].revents == 0)
			continue;
		len = sizeof(soerr);
		if (getsockopt(p->fd[i], SOL_SOCKET, SO_ERROR, &soerr,
		    &len) == -1)
			soerr = errno;
		if (soerr == 0) {
			*fd = pending_take(p, i);
			return 1;
		}
		if (refusal(soerr) || soerr == ETIMEDOUT)
			*refused = soerr;
		else
			*hard = soerr;
		pending_drop(p, i);
	}
	return 0;
}

/*
 * A new attempt after each backoff interval, the earlier ones left
 * waiting: a refusal comes back at once, but a firewall that drops leaves
 * an attempt to the kernel's resend a second later, while the first
 * attempt after the grant gets through at once.  An error other than a
 * refusal stops new attempts, not those under way: one of them may be
 * the connection the grant let in.
 */
int
relay_connect(const struct packet_addr *src, const struct packet_addr *dst,
    uint16_t port, int wait_ms, char err[static RELAY_ERRLEN])
{
	struct pending p = { .n = 0 };
	long long now, end, next;
	int fd = -1, rc = 0, refused = ETIMEDOUT, hard = 0;
	int backoff_ms = RETRY_FIRST_MS;

	end = now_ms() + wait_ms;
	next = now_ms();
	while (rc == 0 && (now = now_ms()) < end && (hard == 0 || p.n > 0)) {
		if (hard == 0 && now >= next) {
			rc = attempt(&p, src, dst, port, now, &fd);
			if (rc == -1) {
				if (refusal(errno))
					refused = errno;
				else
					hard = errno;
				rc = 0;
			}
			next = now + backoff_ms;
			backoff_ms = backoff_ms * 2 < RETRY_MAX_MS ?
			    backoff_ms * 2 : RETRY_MAX_MS;
			continue;
		}
		pending_expire(&p, now);
		rc = answers(&p, (int)((hard == 0 && next < end ? next : end) -
		    now), &fd, &refused, &hard);
	}
	pending_clear(&p);
	if (rc == 1)
		return fd;
	if (hard != 0)
		snprintf(err, RELAY_ERRLEN, "cannot connect to port %u: %s",
		    port, strerror(hard));
	else
		snprintf(err, RELAY_ERRLEN, "no connection to port %u within "
		    "%d s (%s): did the server take the knock?", port,
		    wait_ms / 1000, strerror(refused));
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
