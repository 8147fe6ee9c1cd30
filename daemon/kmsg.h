/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * /dev/kmsg as a log source (logsrc.c's kmsg backend).  Every read() returns
 * one record; only facility-0 records, which no user process can write
 * directly, are passed on (a namespace's LOG rule is another matter: see
 * logsrc_warnings()).  Records lost to ring buffer overwrites are
 * counted and logged.
 */
#ifndef KMSG_H
#define KMSG_H

#include "daemon/logsrc.h"

#define KMSG_PATH		"/dev/kmsg"
#define KMSG_RECORD_MAX		8192	/* bytes: the kernel's CONSOLE_EXT_LOG_MAX */

struct kmsg;

/*
 * Open /dev/kmsg positioned after the last record already logged.  Counters
 * go to *st, which must outlive the source.  0, or -1 with err.
 */
int	kmsg_open(struct kmsg **out, struct logsrc_stats *st,
	    char err[static LOGSRC_ERRLEN]);

/*
 * Wrap an already open descriptor that yields one record per read(), such as
 * /dev/kmsg or, in the unit tests, a SOCK_SEQPACKET socket.  Takes ownership
 * of fd, also on failure.  0, or -1 with errno set (out of memory).
 */
int	kmsg_fdopen(struct kmsg **out, int fd, struct logsrc_stats *st);

int	kmsg_fd(const struct kmsg *k);

/* Read records until none is left.  0, or -1 on an error already logged. */
int	kmsg_read(struct kmsg *k, logsrc_cb cb, void *ctx);

/*
 * What kmsg_read does when read() fails with EPIPE: records were overwritten
 * before we read them.  Counted now; logged, with how many were lost, when
 * the next record shows where the kernel resumed, at most once a minute.  Exported for the
 * unit tests, which cannot make the kernel do it on demand.
 */
void	kmsg_overwritten(struct kmsg *k);

void	kmsg_close(struct kmsg *k);

#endif
