// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Following a syslog file such as /var/log/kern.log, and scanning one.
 *
 * Live mode starts at the file's end and sleeps in poll() on an inotify
 * descriptor that watches the file (writes, rename, deletion, link count)
 * and its directory (a file of that name created or moved in); no timers,
 * no polling.  On any event it reads what is new, then looks at what the
 * path names now:
 *  - a file shorter than our offset was truncated (copy-truncate): start
 *    over at 0;
 *  - another inode (rename or delete, then create): read the old file to its
 *    end, then the new one from its start.  A renamed old file stays open
 *    until the new one receives data, because the writer (rsyslog before
 *    logrotate's HUP) may still append to it meanwhile;
 *  - nothing (renamed away, not yet recreated): wait for the directory.
 * A reopen that fails (the daemon no longer runs as root, the new file is
 * not yet or never readable by it) is logged once and retried on the next
 * event, which for a file we cannot open is a change of its attributes.
 *
 * Scan mode reads the file once, 1 MiB at a time, for --scan.
 *
 * The file's contents are untrusted: whoever can get a line into the log
 * chooses its bytes.  Lines are split with memchr, passed on in place, and
 * copied only when they straddle two reads; a line longer than
 * KERNLOG_LINE_MAX is dropped to its newline and counted, never split.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/kernlog.h"
#include "daemon/log.h"

#define LIVE_BUF_BYTES	(64 * 1024)	/* a burst of records after a rotation */
#define SCAN_BUF_BYTES	(1024 * 1024)	/* few syscalls per million lines */
#define EVENT_BUF_BYTES	4096		/* > one event with a NAME_MAX name */

#define FILE_EVENTS	(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)
/* IN_ATTRIB: a new file we could not read yet becomes readable (rsyslog and
 * logrotate create it first, then chown and chmod it). */
#define DIR_EVENTS	(IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR)
#define LIVE_FLAGS	(O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

/* The unfinished line at the end of what was read so far. */
struct lbuf {
	size_t	len;
	int	skip;		/* inside a line being dropped */
	char	line[KERNLOG_LINE_MAX];
};

#define TAIL_BYTES	64	/* fingerprint of what precedes our offset */

struct kfile {
	int		fd;	/* -1: none */
	int		wd;	/* inotify watch on this inode, -1: none */
	dev_t		dev;
	ino_t		ino;
	off_t		off;	/* bytes consumed */
	size_t		taillen;
	char		tail[TAIL_BYTES];	/* the bytes just before off */
	struct lbuf	lb;
};

struct kernlog {
	struct logsrc_stats	*st;
	int			 scan;
	int			 ifd;		/* inotify (live mode) */
	int			 dwd;		/* watch on the directory */
	int			 reopen_warned;	/* since the last good open */
	struct kfile		 cur;		/* what the path named last */
	struct kfile		 old;		/* renamed, still drained */
	char			*rbuf;
	size_t			 rcap;
	const char		*base;		/* file name, inside path */
	char			 path[PATH_MAX];
	char			 dir[PATH_MAX];
};

static void
kfile_init(struct kfile *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->wd = -1;
}

/* Finish the carried line with the head of the next chunk. */
static const char *
finish_carried(struct kernlog *k, struct lbuf *lb, const char *p,
    const char *end, logsrc_cb cb, void *ctx)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));
	size_t		 head = (size_t)((nl != NULL ? nl : end) - p);

	if (!lb->skip) {
		if (head > KERNLOG_LINE_MAX - lb->len) {
			lb->skip = 1;
			k->st->overlong++;
		} else {
			memcpy(lb->line + lb->len, p, head);
			lb->len += head;
		}
	}
	if (nl == NULL)
		return end;
	if (!lb->skip) {
		k->st->lines++;
		cb(ctx, lb->line, lb->len);
	}
	lb->len = 0;
	lb->skip = 0;
	return nl + 1;
}

/* Pass on the complete lines of p[0..n), keeping the unfinished tail. */
static void
feed(struct kernlog *k, struct lbuf *lb, const char *p, size_t n,
    logsrc_cb cb, void *ctx)
{
	const char	*end = p + n, *nl;
	uint64_t	 lines = 0, overlong = 0;
	size_t		 len;

	if (lb->len > 0 || lb->skip)
		p = finish_carried(k, lb, p, end, cb, ctx);
	/* The hot loop of --scan: no copy, no syscall, no shared counter. */
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len <= KERNLOG_LINE_MAX) {
			lines++;
			cb(ctx, p, len);
		} else
			overlong++;
		p = nl + 1;
	}
	len = (size_t)(end - p);
	if (len > KERNLOG_LINE_MAX) {
		lb->skip = 1;
		overlong++;
	} else if (len > 0) {
		memcpy(lb->line, p, len);
		lb->len = len;
	}
	k->st->lines += lines;
	k->st->overlong += overlong;
}

static struct kernlog *
kernlog_alloc(const char *path, struct logsrc_stats *st, size_t rcap,
    char err[static LOGSRC_ERRLEN])
{
	struct kernlog	*k;
	const char	*slash;

	if (strlen(path) >= sizeof(k->path)) {
		snprintf(err, LOGSRC_ERRLEN, "%.64s...: path too long", path);
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->rbuf = malloc(rcap)) == NULL) {
		snprintf(err, LOGSRC_ERRLEN, "%s: %s", path, strerror(errno));
		free(k);
		return NULL;
	}
	k->rcap = rcap;
	k->st = st;
	k->ifd = -1;
	k->dwd = -1;
	kfile_init(&k->cur);
	kfile_init(&k->old);
	strcpy(k->path, path);
	slash = strrchr(k->path, '/');
	k->base = slash != NULL ? slash + 1 : k->path;
	if (slash == k->path)
		strcpy(k->dir, "/");
	else if (slash != NULL)
		memcpy(k->dir, k->path, (size_t)(slash - k->path));
	return k;
}

/* Watch the inode we hold open, even if the path names another by now. */
static int
watch_fd(struct kernlog *k, int fd)
{
	char	proc[64];
	int	wd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if ((wd = inotify_add_watch(k->ifd, proc, FILE_EVENTS)) == -1)
		wd = inotify_add_watch(k->ifd, k->path, FILE_EVENTS);
	return wd;
}

/* Opened at the end of the file: skip the rest of a line begun before. */
static int
skip_if_mid_line(int fd, off_t off, struct lbuf *lb)
{
	char	c;

	if (off == 0)
		return 0;
	if (pread(fd, &c, 1, off - 1) != 1)
		return -1;
	lb->skip = c != '\n';
	return 0;
}

/* The fingerprint at a live open: the bytes before the end we start at. */
static int
tail_load(struct kfile *f)
{
	size_t	n = f->off < TAIL_BYTES ? (size_t)f->off : TAIL_BYTES;

	if (pread(f->fd, f->tail, n, f->off - (off_t)n) != (ssize_t)n)
		return -1;
	f->taillen = n;
	return 0;
}

static int
open_live(struct kernlog *k, char err[static LOGSRC_ERRLEN])
{
	struct stat	sb;
	const char	*what = NULL;

	/* The directory first, so that a rotation from now on is seen. */
	if ((k->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		what = "inotify_init1";
	else if ((k->dwd = inotify_add_watch(k->ifd, k->dir, DIR_EVENTS)) == -1)
		what = "inotify on its directory";
	else if ((k->cur.fd = open(k->path, LIVE_FLAGS)) == -1)
		what = "open";
	else if (fstat(k->cur.fd, &sb) == -1)
		what = "fstat";
	else if (!S_ISREG(sb.st_mode)) {
		snprintf(err, LOGSRC_ERRLEN, "%s: not a regular file",
		    k->path);
		return -1;
	} else if ((k->cur.off = lseek(k->cur.fd, 0, SEEK_END)) == -1)
		what = "seek to end";
	else if (skip_if_mid_line(k->cur.fd, k->cur.off, &k->cur.lb) == -1 ||
	    tail_load(&k->cur) == -1)
		what = "read";
	else if ((k->cur.wd = watch_fd(k, k->cur.fd)) == -1)
		what = "inotify";
	if (what != NULL) {
		snprintf(err, LOGSRC_ERRLEN, "%s: %s: %s", k->path, what,
		    strerror(errno));
		return -1;
	}
	k->cur.dev = sb.st_dev;
	k->cur.ino = sb.st_ino;
	return 0;
}

int
kernlog_open(struct kernlog **out, const char *path, struct logsrc_stats *st,
    char err[static LOGSRC_ERRLEN])
{
	struct kernlog	*k;

	if (path[0] != '/' || path[strlen(path) - 1] == '/') {
		snprintf(err, LOGSRC_ERRLEN, "%s: not an absolute file path",
		    path);
		return -1;
	}
	if ((k = kernlog_alloc(path, st, LIVE_BUF_BYTES, err)) == NULL)
		return -1;
	if (open_live(k, err) == -1) {
		kernlog_close(k);
		return -1;
	}
	*out = k;
	return 0;
}

int
kernlog_open_scan(struct kernlog **out, const char *path,
    struct logsrc_stats *st, char err[static LOGSRC_ERRLEN])
{
	struct kernlog	*k;
	struct stat	 sb;

	if ((k = kernlog_alloc(path, st, SCAN_BUF_BYTES, err)) == NULL)
		return -1;
	k->scan = 1;
	/* Not O_NOFOLLOW: the operator names this file on the command line.
	 * O_NONBLOCK lets a pipe (--scan /dev/stdin) be polled like a file. */
	k->cur.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (k->cur.fd == -1 || fstat(k->cur.fd, &sb) == -1) {
		snprintf(err, LOGSRC_ERRLEN, "%s: %s", path, strerror(errno));
		kernlog_close(k);
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, LOGSRC_ERRLEN, "%s: is a directory", path);
		kernlog_close(k);
		return -1;
	}
	(void)posix_fadvise(k->cur.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = k;
	return 0;
}

int
kernlog_fd(const struct kernlog *k)
{
	return k->scan ? k->cur.fd : k->ifd;
}

const char *
kernlog_path(const struct kernlog *k)
{
	return k->path;
}

static int
scan_read(struct kernlog *k, logsrc_cb cb, void *ctx)
{
	struct lbuf	*lb = &k->cur.lb;
	ssize_t		 n;

	for (;;) {
		if ((n = read(k->cur.fd, k->rbuf, k->rcap)) > 0) {
			feed(k, lb, k->rbuf, (size_t)n, cb, ctx);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		log_warn("%s: read", k->path);
		return -1;
	}
	/* A last line without its newline is still a whole line here. */
	if (lb->len > 0 && !lb->skip) {
		k->st->lines++;
		cb(ctx, lb->line, lb->len);
	}
	lb->len = 0;
	lb->skip = 0;
	return 1;
}

/* Remember the last TAIL_BYTES consumed, ending at f->off. */
static void
tail_remember(struct kfile *f, const char *buf, size_t n)
{
	size_t	keep;

	if (n >= TAIL_BYTES) {
		memcpy(f->tail, buf + n - TAIL_BYTES, TAIL_BYTES);
		f->taillen = TAIL_BYTES;
		return;
	}
	keep = f->taillen + n > TAIL_BYTES ? TAIL_BYTES - n : f->taillen;
	memmove(f->tail, f->tail + f->taillen - keep, keep);
	memcpy(f->tail + keep, buf, n);
	f->taillen = keep + n;
}

/*
 * Was the file truncated and written again past our offset since we last
 * read it (copy-truncate, then a burst of records)?  Its size alone cannot
 * tell; the bytes before our offset can.
 */
static int
tail_changed(const struct kfile *f)
{
	char	now[TAIL_BYTES];

	if (f->taillen == 0)
		return 0;
	return pread(f->fd, now, f->taillen, f->off - (off_t)f->taillen) !=
	    (ssize_t)f->taillen || memcmp(now, f->tail, f->taillen) != 0;
}

/* Read f from our offset to its end, first noticing a truncation. */
static int
read_file(struct kernlog *k, struct kfile *f, logsrc_cb cb, void *ctx)
{
	struct stat	sb;
	ssize_t		n;

	if (fstat(f->fd, &sb) == -1) {
		log_warn("%s: fstat", k->path);
		return -1;
	}
	if (sb.st_size < f->off || tail_changed(f)) {
		if (lseek(f->fd, 0, SEEK_SET) == -1) {
			log_warn("%s: seek", k->path);
			return -1;
		}
		log_debug("%s: truncated, reading it from its start", k->path);
		f->off = 0;
		f->taillen = 0;
		f->lb.len = 0;
		f->lb.skip = 0;
		k->st->rotations++;
	}
	for (;;) {
		if ((n = read(f->fd, k->rbuf, k->rcap)) > 0) {
			f->off += n;
			tail_remember(f, k->rbuf, (size_t)n);
			feed(k, &f->lb, k->rbuf, (size_t)n, cb, ctx);
			continue;
		}
		if (n == 0 || errno == EAGAIN)
			return 0;
		if (errno != EINTR) {
			log_warn("%s: read", k->path);
			return -1;
		}
	}
}

/* Stop following f.  An unfinished last line is dropped: it never ended. */
static void
retire(struct kernlog *k, struct kfile *f)
{
	if (f->wd != -1)
		(void)inotify_rm_watch(k->ifd, f->wd);	/* gone if deleted */
	if (f->fd != -1)
		close(f->fd);
	kfile_init(f);
}

static void
reopen_failed(struct kernlog *k, const char *what)
{
	if (k->reopen_warned)
		return;
	k->reopen_warned = 1;
	if (what != NULL)
		log_warnx("%s: %s; waiting for the next change", k->path, what);
	else
		log_warn("%s: reopen after rotation; waiting for the next "
		    "change", k->path);
}

/* The path names a new file, open as fd: make it the one we follow. */
static int
switch_to(struct kernlog *k, int fd, const struct stat *sb, logsrc_cb cb,
    void *ctx)
{
	struct stat	osb;

	/* The old file's last lines were logged before the new file's. */
	if (k->old.fd != -1) {
		if (read_file(k, &k->old, cb, ctx) == -1)
			goto fail;
		retire(k, &k->old);
	}
	if (k->cur.fd != -1) {
		if (read_file(k, &k->cur, cb, ctx) == -1 ||
		    fstat(k->cur.fd, &osb) == -1)
			goto fail;
		if (osb.st_nlink > 0)
			k->old = k->cur;	/* renamed: may still grow */
		else
			retire(k, &k->cur);
	}
	kfile_init(&k->cur);
	k->cur.fd = fd;
	k->cur.dev = sb->st_dev;
	k->cur.ino = sb->st_ino;
	if ((k->cur.wd = watch_fd(k, fd)) == -1)
		log_warn("%s: inotify; following it on directory events only",
		    k->path);
	k->st->rotations++;
	if (k->reopen_warned)
		log_info("%s: reopened after rotation", k->path);
	else
		log_debug("%s: rotated, reading the new file", k->path);
	k->reopen_warned = 0;
	return 0;
 fail:
	close(fd);
	return -1;
}

/* 1 if the path now names another file and we switched to it. */
static int
follow_path(struct kernlog *k, logsrc_cb cb, void *ctx)
{
	struct stat	sb;
	int		fd;

	if (stat(k->path, &sb) == -1) {
		/* Renamed away: its successor shows up in the directory. */
		if (errno != ENOENT)
			reopen_failed(k, NULL);
		return 0;
	}
	if (k->cur.fd != -1 && sb.st_dev == k->cur.dev &&
	    sb.st_ino == k->cur.ino)
		return 0;
	if ((fd = open(k->path, LIVE_FLAGS)) == -1) {
		if (errno != ENOENT)
			reopen_failed(k, NULL);
		return 0;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		reopen_failed(k, "not a regular file");
		return 0;
	}
	if (k->cur.fd != -1 && sb.st_dev == k->cur.dev &&
	    sb.st_ino == k->cur.ino) {
		close(fd);	/* renamed back between stat and open */
		return 0;
	}
	return switch_to(k, fd, &sb, cb, ctx) == -1 ? -1 : 1;
}

static int
sync_files(struct kernlog *k, logsrc_cb cb, void *ctx)
{
	int	r;

	if (k->old.fd != -1 && read_file(k, &k->old, cb, ctx) == -1)
		return -1;
	if (k->cur.fd != -1 && read_file(k, &k->cur, cb, ctx) == -1)
		return -1;
	if ((r = follow_path(k, cb, ctx)) == -1)
		return -1;
	if (r == 1 && read_file(k, &k->cur, cb, ctx) == -1)
		return -1;
	/*
	 * Data in the new file means the writer has left the old one; what it
	 * wrote there before (perhaps after our read above) is read now.
	 */
	if (k->old.fd != -1 && k->cur.fd != -1 && k->cur.off > 0) {
		if (read_file(k, &k->old, cb, ctx) == -1)
			return -1;
		retire(k, &k->old);
	}
	return 0;
}

static int
event_matters(const struct kernlog *k, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return 1;
	if (ev->mask & IN_IGNORED)
		return 0;
	if (ev->wd == k->dwd)
		return ev->len > 0 && strcmp(ev->name, k->base) == 0;
	return 1;
}

/* Empty the inotify queue; *matters is set if any event concerns us. */
static int
read_events(struct kernlog *k, int *matters)
{
	char	buf[EVENT_BUF_BYTES]
		    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t	n, i;

	for (;;) {
		if ((n = read(k->ifd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_warn("%s: inotify read", k->path);
			return -1;
		}
		if (n == 0)
			return 0;
		for (i = 0; i < n; i += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(buf + i);
			*matters |= event_matters(k, ev);
		}
	}
}

int
kernlog_read(struct kernlog *k, logsrc_cb cb, void *ctx)
{
	int	matters = 0;

	if (k->scan)
		return scan_read(k, cb, ctx);
	if (read_events(k, &matters) == -1)
		return -1;
	if (!matters)
		return 0;
	return sync_files(k, cb, ctx);
}

void
kernlog_close(struct kernlog *k)
{
	if (k == NULL)
		return;
	if (k->old.fd != -1)
		close(k->old.fd);
	if (k->cur.fd != -1)
		close(k->cur.fd);
	if (k->ifd != -1)
		close(k->ifd);
	free(k->rbuf);
	free(k);
}
