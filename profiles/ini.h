/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small reader for the ConfigParser-style files knockknock 0.5 uses:
 * "[section]" headers, "key = value" (or "key: value") lines, comments
 * starting with '#' or ';', blank lines.  Keys are lowercased, as
 * ConfigParser does; keys outside any section and indented (continuation)
 * lines are errors.  Files are bounded
 * (INI_FILE_MAX bytes, INI_LINE_MAX per line).
 */
#ifndef INI_H
#define INI_H

#include <stddef.h>

#define INI_FILE_MAX	65536	/* bytes */
#define INI_LINE_MAX	1024	/* bytes */
#define INI_ERRLEN	(4096 + 160)

/*
 * Called once per key.  Return 0 to go on, or -1 with *errstr set to reject
 * the value ("not a number", "unknown key"...).
 */
typedef int (*ini_handler)(void *ctx, const char *section, const char *key,
    const char *value, const char **errstr);

/* Parse text held in memory; `name` is used in messages.  0, or -1 with err
 * set to "NAME:LINE: problem", or "NAME:LINE: KEY: errstr" when the handler
 * rejected a key or its value. */
int	ini_parse_buf(const char *name, const char *text, size_t len,
	    ini_handler cb, void *ctx, char err[static INI_ERRLEN]);

/* Read PATH (O_NOFOLLOW, a regular file owned by root or the reader and
 * writable by no one else, at most INI_FILE_MAX) and parse it.  0, or -1
 * with err set; a missing file gives errno ENOENT and the message. */
int	ini_parse_file(const char *path, ini_handler cb, void *ctx,
	    char err[static INI_ERRLEN]);

/* Parse a decimal in [min, max]: digits only, no sign, no spaces.  Pure. */
int	ini_number(const char *s, long long min, long long max, long long *out,
	    const char **errstr);

#endif
