// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The printk:console tracepoint as a doorbell for /dev/kmsg (kmsgbell.h).
 * A CPU that comes online after the start has no event: its records wake
 * the watcher the kernel's way, at a tick.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <linux/perf_event.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/kmsgbell.h"

struct kmsgbell {
	int		 ep;		/* epoll over fd[] */
	unsigned int	 n;
	int		*fd;		/* one perf event per CPU */
	void		**ring;		/* perf rings only through one */
	size_t		 ringlen;
};

static const char *const id_paths[] = {
	"/sys/kernel/tracing/events/printk/console/id",
	"/sys/kernel/debug/tracing/events/printk/console/id",
};

/* The tracepoint's number, from tracefs.  0, or -1 with err. */
static int
tracepoint_id(uint64_t *id, char err[static KMSGBELL_ERRLEN])
{
	const char	*path = id_paths[0];
	char		 buf[32], *end;
	ssize_t		 n;
	int		 fd = -1, e;

	for (size_t i = 0; i < sizeof(id_paths) / sizeof(id_paths[0]); i++) {
		path = id_paths[i];
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1 ||
		    errno != ENOENT)
			break;
	}
	if (fd == -1) {
		/* Where tracefs lives, not where debugfs may have it. */
		if (errno == ENOENT)
			path = id_paths[0];
		snprintf(err, KMSGBELL_ERRLEN, "%s: %s%s", path,
		    strerror(errno), errno == ENOENT ?
		    " (is tracefs mounted?)" : "");
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	e = errno;
	close(fd);
	if (n <= 0) {
		snprintf(err, KMSGBELL_ERRLEN, "%s: %s", path,
		    n == 0 ? "empty" : strerror(e));
		return -1;
	}
	buf[n] = '\0';
	errno = 0;
	*id = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    *id == 0 || *id > UINT32_MAX) {
		snprintf(err, KMSGBELL_ERRLEN, "%s: not a tracepoint number",
		    path);
		return -1;
	}
	return 0;
}

/*
 * The event on one CPU: a sample, and a wake-up, for every record.  perf
 * wakes a poller only through a ring buffer, so it has one, mapped
 * read-only: the kernel then overwrites it, and nobody has to read it.
 * 0, or -1 with errno set and *call naming the call that failed.
 */
static int
event_open(struct kmsgbell *b, uint64_t id, int cpu, const char **call)
{
	struct perf_event_attr	a;
	void			*ring;
	int			 fd, e;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = id;
	a.sample_period = 1;
	a.wakeup_events = 1;
	*call = "perf_event_open";
	fd = (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1,
	    PERF_FLAG_FD_CLOEXEC);
	if (fd == -1)
		return -1;
	*call = "mmap";
	ring = mmap(NULL, b->ringlen, PROT_READ, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	b->fd[b->n] = fd;
	b->ring[b->n++] = ring;
	return 0;
}

/*
 * What a refusal needs.  Without the capability the kernel says EACCES or
 * EPERM; a seccomp filter (a container's, or a unit's with
 * SystemCallErrorNumber=EPERM) says EPERM.
 */
static const char *
perm_hint(int e)
{
	if (e == EACCES)
		return " (needs CAP_PERFMON)";
	if (e == EPERM)
		return " (needs CAP_PERFMON, and perf_event_open allowed by "
		    "any seccomp filter)";
	return "";
}

/*
 * An event on every CPU number the kernel knows: an offline one (ENODEV)
 * is skipped, and EINVAL past the last says where they end, whatever the
 * gaps.  0, or -1 with err.
 */
static int
open_cpus(struct kmsgbell *b, uint64_t id, char err[static KMSGBELL_ERRLEN])
{
	struct epoll_event	 ev = { .events = EPOLLIN };
	const char		*call;

	for (int cpu = 0; cpu < KMSGBELL_CPUS_MAX; cpu++) {
		if (event_open(b, id, cpu, &call) == -1) {
			if (errno == ENODEV)		/* offline */
				continue;
			if (errno == EINVAL && cpu > 0)	/* no such CPU */
				break;
			snprintf(err, KMSGBELL_ERRLEN, "%s on CPU %d: %s%s",
			    call, cpu, strerror(errno), perm_hint(errno));
			return -1;
		}
		ev.data.fd = b->fd[b->n - 1];
		if (epoll_ctl(b->ep, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1) {
			snprintf(err, KMSGBELL_ERRLEN, "epoll: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (b->n == 0) {
		snprintf(err, KMSGBELL_ERRLEN, "no online CPU");
		return -1;
	}
	return 0;
}

int
kmsgbell_open(struct kmsgbell **out, char err[static KMSGBELL_ERRLEN])
{
	struct kmsgbell	*b;
	uint64_t	 id;

	*out = NULL;
	if (tracepoint_id(&id, err) == -1)
		return -1;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, KMSGBELL_ERRLEN, "out of memory");
		return -1;
	}
	b->ep = -1;
	b->ringlen = 2 * (size_t)sysconf(_SC_PAGESIZE);	/* header + 1 */
	if ((b->fd = calloc(KMSGBELL_CPUS_MAX, sizeof(*b->fd))) == NULL ||
	    (b->ring = calloc(KMSGBELL_CPUS_MAX, sizeof(*b->ring))) == NULL)
		snprintf(err, KMSGBELL_ERRLEN, "out of memory");
	else if ((b->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		snprintf(err, KMSGBELL_ERRLEN, "epoll: %s", strerror(errno));
	else if (open_cpus(b, id, err) == 0) {
		*out = b;
		return 0;
	}
	kmsgbell_close(b);
	return -1;
}

int
kmsgbell_fd(const struct kmsgbell *b)
{
	return b->ep;
}

unsigned int
kmsgbell_cpus(const struct kmsgbell *b)
{
	return b->n;
}

/*
 * Polling a perf event clears its "ready", so collecting the ready ones
 * is all it takes.
 */
void
kmsgbell_ack(struct kmsgbell *b)
{
	struct epoll_event	ev[64];
	const int		max = (int)(sizeof(ev) / sizeof(ev[0]));

	while (epoll_wait(b->ep, ev, max, 0) == max)
		;
}

void
kmsgbell_close(struct kmsgbell *b)
{
	if (b == NULL)
		return;
	for (unsigned int i = 0; i < b->n; i++) {
		munmap(b->ring[i], b->ringlen);
		close(b->fd[i]);
	}
	if (b->ep != -1)
		close(b->ep);
	free(b->ring);
	free(b->fd);
	free(b);
}
