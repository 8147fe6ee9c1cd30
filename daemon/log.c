// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Logging for knockknock-daemon and its helper (OpenBSD ntpd's API).
 * Until log_init() messages go to stderr only (the one-shot modes and
 * startup errors); after it, to syslog (facility daemon) and, in the
 * foreground, to stderr as well, unless stderr is the journal already.  The settings below are the only state:
 * a daemon must know where its own messages go.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <syslog.h>

#include "daemon/log.h"

static int	log_foreground = 1;
static int	log_syslog = 0;
static const char *log_ident = "knockknock-daemon";

/*
 * Under systemd, stderr may be the journal already (JOURNAL_STREAM names
 * its device and inode): a copy there would log every line twice.
 */
static int
stderr_is_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

void
log_init(const char *ident, int foreground)
{
	log_ident = ident;
	log_foreground = foreground && !stderr_is_journal();
	log_syslog = 1;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
vlog(int pri, int with_errno, const char *fmt, va_list ap)
{
	char	msg[1024];
	int	saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t	n = strlen(msg);

		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	if (log_syslog)
		syslog(pri, "%s", msg);
	if (log_foreground)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (getenv("KNOCKKNOCK_DEBUG") == NULL)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
