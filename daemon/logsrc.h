/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Log sources: where the daemon reads the kernel's netfilter LOG records.
 *  - /dev/kmsg: one record per read(); only facility 0 (kernel) records are
 *    passed on, which no user process can write directly (but see
 *    logsrc_warnings()); EPIPE (records overwritten
 *    in the ring buffer) is counted and logged, never fatal.
 *  - a syslog file such as /var/log/kern.log, followed with inotify (no
 *    polling) across rotation by rename (old file read to its end, then the
 *    new one from its start) and by copy-truncate; partial lines are
 *    buffered, over-long lines dropped and counted.
 * Sources are opened as root, before privileges are dropped.
 */
#ifndef LOGSRC_H
#define LOGSRC_H

#include <stddef.h>
#include <stdint.h>

#define LOGSRC_ERRLEN	(4096 + 128)

struct logsrc;

struct logsrc_stats {
	uint64_t lines;		/* lines passed to the callback */
	uint64_t overlong;	/* lines dropped for length */
	uint64_t overwritten;	/* kmsg: EPIPE events (records lost) */
	uint64_t foreign;	/* kmsg: records not from facility 0 */
	uint64_t rotations;	/* file: renames and truncations followed */
};

/* Called once per complete line, without its newline.  For /dev/kmsg the
 * line is the message part of a facility-0 record (header stripped). */
typedef void (*logsrc_cb)(void *ctx, const char *line, size_t len);

/*
 * Open a live source.  spec is "auto" (/dev/kmsg if it can be opened, else
 * /var/log/kern.log), "kmsg", or an absolute file path.  The source starts
 * at the end: records already logged are not acted on.  0, or -1 with err.
 */
int	logsrc_open(struct logsrc **out, const char *spec,
	    char err[static LOGSRC_ERRLEN]);

/*
 * Open a file to read once from its start to its end, without following
 * (knockknock-daemon --scan).  Lines are passed as they are in the file.
 */
int	logsrc_open_scan(struct logsrc **out, const char *path,
	    char err[static LOGSRC_ERRLEN]);

/* The descriptor to poll() for POLLIN. */
int	logsrc_fd(const struct logsrc *s);

#define LOGSRC_WARN_MAX	2

/*
 * What the operator must hear about this source: how many one-line
 * warnings (for startup and --check) were put in w.
 *  - With net.netfilter.nf_log_all_netns = 1 (or in a network namespace
 *    other than the first, where records arrive only if it is 1) the
 *    kernel logs the LOG rules of every network namespace, and whoever can
 *    make one (any user, where user namespaces are allowed) can write a
 *    record that passes for a knock sent from any address.
 *  - "auto" could not open /dev/kmsg and reads kern.log, which local users
 *    may be able to forge lines into.
 */
size_t	logsrc_warnings(const struct logsrc *s,
	    const char *w[static LOGSRC_WARN_MAX]);

/* "/dev/kmsg" or the file's path. */
const char *logsrc_name(const struct logsrc *s);

/* 1 for /dev/kmsg, 0 for a file. */
int	logsrc_is_kmsg(const struct logsrc *s);

/*
 * Read everything available now without blocking, calling cb per line.
 * Returns 0 when more may come later, 1 at the end of a scan file, or -1 on
 * a fatal error (already logged with log_warn).
 */
int	logsrc_read(struct logsrc *s, logsrc_cb cb, void *ctx);

const struct logsrc_stats *logsrc_stats(const struct logsrc *s);
void	logsrc_close(struct logsrc *s);

#endif
