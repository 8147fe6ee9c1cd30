/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Logging for the daemon and its helper, with OpenBSD ntpd's API.
 * To syslog (LOG_DAEMON) and, in the foreground, also to stderr.
 * log_warn and fatal append strerror(errno); the -x forms do not.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void	log_init(const char *ident, int foreground);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
