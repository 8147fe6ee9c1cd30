/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A syslog file such as /var/log/kern.log as a log source (logsrc.c's file
 * backend).  Live mode follows the file with inotify from its end, across
 * rotation by rename and by copy-truncate; scan mode reads it once from its
 * start.  The file's contents are untrusted bytes: lines are bounded and a
 * longer line is dropped, never split.
 */
#ifndef KERNLOG_H
#define KERNLOG_H

#include "daemon/logparse.h"
#include "daemon/logsrc.h"

/* Longest line passed on, in bytes without its newline: the longest that
 * logparse_line may accept. */
#define KERNLOG_LINE_MAX	LOGPARSE_LINE_MAX

struct kernlog;

/*
 * Follow the regular file at the absolute path `path` from its current end.
 * Counters go to *st, which must outlive the source.  0, or -1 with err.
 */
int	kernlog_open(struct kernlog **out, const char *path,
	    struct logsrc_stats *st, char err[static LOGSRC_ERRLEN]);

/* Read `path` (any readable file, FIFO included) once from its start. */
int	kernlog_open_scan(struct kernlog **out, const char *path,
	    struct logsrc_stats *st, char err[static LOGSRC_ERRLEN]);

/* Live mode: the inotify descriptor.  Scan mode: the file itself. */
int	kernlog_fd(const struct kernlog *k);
const char *kernlog_path(const struct kernlog *k);

/*
 * Pass every complete line available now to cb.  0 when more may come,
 * 1 at the end of a scanned file (its last line delivered even without a
 * newline), -1 on an error already logged.
 */
int	kernlog_read(struct kernlog *k, logsrc_cb cb, void *ctx);
void	kernlog_close(struct kernlog *k);

#endif
