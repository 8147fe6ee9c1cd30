// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * /dev/kmsg reader.  Each read() returns exactly one record
 * "PRI,SEQ,TS,FLAGS;MESSAGE"; logparse_kmsg() splits it and accepts only
 * facility 0, which the kernel never lets a process write (a record written
 * to /dev/kmsg gets facility user), so the callback sees only what the kernel
 * itself logged (with nf_log_all_netns=1 that includes the LOG rules of
 * any user's own network namespace: logsrc_warnings()).  The records
 * themselves are still untrusted text: a packet's sender chooses much of a
 * LOG line.  EPIPE means records were overwritten
 * in the ring buffer before we read them; the kernel then resumes at the
 * oldest record it still has, so the gap in sequence numbers says how many
 * were lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/kmsg.h"
#include "daemon/log.h"
#include "daemon/logparse.h"

struct kmsg {
	int			 fd;
	struct logsrc_stats	*st;
	uint64_t		 last_seq;	/* of the last record read */
	int			 have_seq;	/* last_seq is valid */
	int			 lost;		/* EPIPE not yet logged */
	time_t			 quiet_until;	/* no loss warning before */
	char			 rec[KMSG_RECORD_MAX];
};

int
kmsg_fdopen(struct kmsg **out, int fd, struct logsrc_stats *st)
{
	struct kmsg	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		close(fd);
		return -1;
	}
	k->fd = fd;
	k->st = st;
	*out = k;
	return 0;
}

int
kmsg_open(struct kmsg **out, struct logsrc_stats *st,
    char err[static LOGSRC_ERRLEN])
{
	int	fd;

	if ((fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		snprintf(err, LOGSRC_ERRLEN, "%s: %s", KMSG_PATH,
		    strerror(errno));
		return -1;
	}
	/* Records already in the buffer were handled (or not) before us. */
	if (lseek(fd, 0, SEEK_END) == -1) {
		snprintf(err, LOGSRC_ERRLEN, "%s: seek to end: %s", KMSG_PATH,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (kmsg_fdopen(out, fd, st) == -1) {
		snprintf(err, LOGSRC_ERRLEN, "%s: %s", KMSG_PATH,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
kmsg_fd(const struct kmsg *k)
{
	return k->fd;
}

/* SEQ of a record logparse_kmsg refused, for counting lost records only. */
static int
record_seq(const char *p, size_t len, uint64_t *seq)
{
	const char	*end = p + len;
	uint64_t	 v = 0;
	int		 digits = 0;

	if ((p = memchr(p, ',', len)) == NULL)
		return -1;
	for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || p == end || *p != ',')
		return -1;
	*seq = v;
	return 0;
}

void
kmsg_overwritten(struct kmsg *k)
{
	k->st->overwritten++;
	k->lost = 1;
}

#define LOSS_QUIET_S	60	/* at most one loss warning a minute */

static time_t
monotonic_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Under a SYN flood losses come many times a second: warn at most once a
 * minute here; the watcher's minute summary counts the rest.
 */
static void
note_seq(struct kmsg *k, int known, uint64_t seq)
{
	if (k->lost && monotonic_s() < k->quiet_until)
		k->lost = 0;
	if (k->lost) {
		k->quiet_until = monotonic_s() + LOSS_QUIET_S;
		if (known && k->have_seq && seq > k->last_seq + 1)
			log_warnx("%s: %" PRIu64 " records overwritten before "
			    "they could be read", KMSG_PATH,
			    seq - k->last_seq - 1);
		else
			log_warnx("%s: records overwritten before they could "
			    "be read", KMSG_PATH);
		k->lost = 0;
	}
	k->have_seq = known;
	k->last_seq = seq;
}

static void
handle_record(struct kmsg *k, size_t len, logsrc_cb cb, void *ctx)
{
	const char	*msg, *errstr;
	size_t		 msglen;
	uint64_t	 seq = 0;
	int		 known;

	if (logparse_kmsg(k->rec, len, &msg, &msglen, &seq, &errstr) == 0) {
		note_seq(k, 1, seq);
		k->st->lines++;
		cb(ctx, msg, msglen);
		return;
	}
	/* Not ours to act on: user records are routine, not errors. */
	k->st->foreign++;
	known = record_seq(k->rec, len, &seq) == 0;
	note_seq(k, known, seq);
}

int
kmsg_read(struct kmsg *k, logsrc_cb cb, void *ctx)
{
	ssize_t	n;

	for (;;) {
		n = read(k->fd, k->rec, sizeof(k->rec));
		if (n > 0) {
			handle_record(k, (size_t)n, cb, ctx);
			continue;
		}
		if (n == 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			return 0;
		case EPIPE:
			kmsg_overwritten(k);
			continue;
		default:
			log_warn("%s: read", KMSG_PATH);
			return -1;
		}
	}
}

void
kmsg_close(struct kmsg *k)
{
	if (k == NULL)
		return;
	close(k->fd);
	free(k);
}
