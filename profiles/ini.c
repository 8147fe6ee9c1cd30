// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * A strict reader for the ConfigParser-style files of knockknock 0.5:
 * "[section]", "key = value" or "key: value", '#' and ';' comment lines,
 * blank lines.  Keys are lowercased, as ConfigParser does.  The text is
 * untrusted: bounded in size and per line, NUL bytes and control
 * characters refused, every problem reported with its line number.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profiles/ini.h"

struct ini_state {
	char	section[INI_LINE_MAX];
	int	in_section;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trim spaces at both ends of s[0..*len), in place; returns the new start. */
static char *
trim(char *s, size_t *len)
{
	while (*len > 0 && is_space(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && is_space(s[*len - 1]))
		(*len)--;
	s[*len] = '\0';
	return s;
}

static int
ini_section(struct ini_state *st, char *s, size_t len, const char **errstr)
{
	if (s[len - 1] != ']') {
		*errstr = "section header without closing ']'";
		return -1;
	}
	s[len - 1] = '\0';
	len -= 2;
	s = trim(s + 1, &len);
	if (len == 0) {
		*errstr = "empty section name";
		return -1;
	}
	memcpy(st->section, s, len + 1);
	st->in_section = 1;
	return 0;
}

static int
ini_line(struct ini_state *st, char *s, size_t len, ini_handler cb,
    void *ctx, const char **keyp, const char **errstr)
{
	char	*key, *value, *sep;
	size_t	 klen, vlen;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\r') {
			*errstr = "control character in line";
			return -1;
		}
	}
	if (len > 0 && is_space(s[0]) && s[0] != '\r') {
		for (size_t i = 0; i < len; i++)
			if (!is_space(s[i])) {
				*errstr = "indented line (continuation lines are not supported)";
				return -1;
			}
	}
	s = trim(s, &len);
	if (len == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return ini_section(st, s, len, errstr);
	if (!st->in_section) {
		*errstr = "key outside any [section]";
		return -1;
	}
	sep = strpbrk(s, "=:");
	if (sep == NULL) {
		*errstr = "expected 'key = value'";
		return -1;
	}
	*sep = '\0';
	klen = (size_t)(sep - s);
	key = trim(s, &klen);
	vlen = len - (size_t)(sep - s) - 1;
	value = trim(sep + 1, &vlen);
	if (klen == 0) {
		*errstr = "empty key";
		return -1;
	}
	for (size_t i = 0; i < klen; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	*keyp = key;
	return cb(ctx, st->section, key, value, errstr);
}

int
ini_parse_buf(const char *name, const char *text, size_t len, ini_handler cb,
    void *ctx, char err[static INI_ERRLEN])
{
	struct ini_state st = { .in_section = 0 };
	char		 line[INI_LINE_MAX + 1];
	const char	*errstr = NULL, *key, *p = text, *end = text + len;
	unsigned int	 lineno = 0;

	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, INI_ERRLEN, "%s: contains a NUL byte", name);
		return -1;
	}
	while (p < end) {
		const char	*nl = memchr(p, '\n', (size_t)(end - p));
		size_t		 n = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (n > INI_LINE_MAX) {
			snprintf(err, INI_ERRLEN, "%s:%u: line too long", name,
			    lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		key = NULL;
		if (ini_line(&st, line, n, cb, ctx, &key, &errstr) == -1) {
			if (key != NULL)
				snprintf(err, INI_ERRLEN, "%s:%u: %s: %s", name,
				    lineno, key, errstr);
			else
				snprintf(err, INI_ERRLEN, "%s:%u: %s", name,
				    lineno, errstr);
			return -1;
		}
		p += n + (nl != NULL);
	}
	return 0;
}

/* Whoever may write the file chooses what its reader does (which file is
 * read as the kernel's, which group the watcher keeps): root or the reader
 * must own it, and no one else may write it.  0, or -1 with err set. */
static int
check_owner(const char *path, const struct stat *st,
    char err[static INI_ERRLEN])
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, INI_ERRLEN, "%s: owned by uid %u, not by root or "
		    "the user reading it", path, (unsigned int)st->st_uid);
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, INI_ERRLEN, "%s: writable by group or others "
		    "(chmod go-w)", path);
		return -1;
	}
	return 0;
}

int
ini_parse_file(const char *path, ini_handler cb, void *ctx,
    char err[static INI_ERRLEN])
{
	char		buf[INI_FILE_MAX + 1];
	struct stat	st;
	ssize_t		n;
	size_t		len = 0;
	int		fd, saved;

	/* O_NONBLOCK: opening a FIFO must not hang before the S_ISREG check. */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		saved = errno;
		snprintf(err, INI_ERRLEN, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, INI_ERRLEN, "%s: not a regular file", path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (check_owner(path, &st, err) == -1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, INI_ERRLEN, "%s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > INI_FILE_MAX) {
		snprintf(err, INI_ERRLEN, "%s: larger than %d bytes", path,
		    INI_FILE_MAX);
		errno = EFBIG;
		return -1;
	}
	errno = 0;
	return ini_parse_buf(path, buf, len, cb, ctx, err);
}

int
ini_number(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	long long	v = 0;

	if (*s == '\0') {
		*errstr = "empty, expected a number";
		return -1;
	}
	for (; *s != '\0'; s++) {
		int	d = *s - '0';

		if (d < 0 || d > 9) {
			*errstr = "not a number";
			return -1;
		}
		/* Check before multiplying: overflow would be undefined. */
		if (v > (LLONG_MAX - d) / 10 || v * 10 + d > max) {
			*errstr = "out of range";
			return -1;
		}
		v = v * 10 + d;
	}
	if (v < min) {
		*errstr = "out of range";
		return -1;
	}
	*out = v;
	return 0;
}
