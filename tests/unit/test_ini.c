// SPDX-License-Identifier: GPL-3.0-or-later
/* The ConfigParser-style reader: accepted forms and every rejection. */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "profiles/ini.h"

struct seen {
	char	buf[512];
};

static int
record(void *ctx, const char *section, const char *key, const char *value,
    const char **errstr)
{
	struct seen	*s = ctx;
	size_t		 n = strlen(s->buf);

	if (strcmp(key, "reject") == 0) {
		*errstr = "rejected by handler";
		return -1;
	}
	snprintf(s->buf + n, sizeof(s->buf) - n, "%s.%s=%s;", section, key,
	    value);
	return 0;
}

static int
parse(const char *text, struct seen *s, char err[static INI_ERRLEN])
{
	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	return ini_parse_buf("cfg", text, strlen(text), record, s, err);
}

Test(ini, accepted_forms)
{
	struct seen	s;
	char		err[INI_ERRLEN];

	cr_assert_eq(parse("# comment\n; other\n\n[main]\nknock_port = 666\n"
	    "Delay:15\r\n  \n[other]\nx=a = b\n", &s, err), 0, "%s", err);
	cr_expect_str_eq(s.buf,
	    "main.knock_port=666;main.delay=15;other.x=a = b;");
	cr_assert_eq(parse("[main]\nknock_port = 666", &s, err), 0);
	cr_expect_str_eq(s.buf, "main.knock_port=666;");
}

static void
expect_err(const char *text, const char *want)
{
	struct seen	s;
	char		err[INI_ERRLEN];

	cr_expect_eq(parse(text, &s, err), -1, "accepted: %s", text);
	cr_expect_str_eq(err, want);
}

Test(ini, rejections)
{
	expect_err("knock_port = 1\n", "cfg:1: key outside any [section]");
	expect_err("[main\n", "cfg:1: section header without closing ']'");
	expect_err("[ ]\n", "cfg:1: empty section name");
	expect_err("[main]\njunk\n", "cfg:2: expected 'key = value'");
	expect_err("[main]\n= 3\n", "cfg:2: empty key");
	expect_err("[main]\na = 1\n  b\n",
	    "cfg:3: indented line (continuation lines are not supported)");
	expect_err("[main]\na = \x01\n", "cfg:2: control character in line");
	expect_err("[main]\nreject = 1\n", "cfg:2: reject: rejected by handler");
}

Test(ini, nul_and_long_lines)
{
	struct seen	s;
	char		err[INI_ERRLEN], big[INI_LINE_MAX + 20];

	memset(&s, 0, sizeof(s));
	cr_expect_eq(ini_parse_buf("cfg", "[main]\0x", 8, record, &s, err), -1);
	cr_expect_str_eq(err, "cfg: contains a NUL byte");
	memset(big, 'a', sizeof(big));
	memcpy(big, "[main]\nk=", 9);
	big[sizeof(big) - 1] = '\0';
	cr_expect_eq(parse(big, &s, err), -1);
	cr_expect_str_eq(err, "cfg:2: line too long");
}

Test(ini, missing_file)
{
	struct seen	s;
	char		err[INI_ERRLEN];

	cr_expect_eq(ini_parse_file("/nonexistent/config", record, &s, err), -1);
	cr_expect_str_eq(err, "/nonexistent/config: No such file or directory");
}

/* Whoever may write the file chooses what it says: the reader's or root's,
 * writable by no one else. */
Test(ini, file_owner_and_mode)
{
	char		path[] = "/tmp/kk-ini-XXXXXX", err[INI_ERRLEN];
	char		want[INI_ERRLEN];
	struct seen	s;
	int		fd;

	memset(&s, 0, sizeof(s));
	cr_assert_geq(fd = mkstemp(path), 0);
	cr_assert_eq(write(fd, "[main]\na = 1\n", 13), 13);
	cr_expect_eq(ini_parse_file(path, record, &s, err), 0, "%s", err);
	cr_assert_eq(fchmod(fd, 0620), 0);
	cr_expect_eq(ini_parse_file(path, record, &s, err), -1);
	snprintf(want, sizeof(want), "%s: writable by group or others "
	    "(chmod go-w)", path);
	cr_expect_str_eq(err, want);
	cr_assert_eq(fchmod(fd, 0644), 0);
	if (geteuid() == 0) {
		cr_assert_eq(fchown(fd, 65534, (gid_t)-1), 0);
		cr_expect_eq(ini_parse_file(path, record, &s, err), -1);
		snprintf(want, sizeof(want), "%s: owned by uid 65534, not by "
		    "root or the user reading it", path);
		cr_expect_str_eq(err, want);
	}
	close(fd);
	unlink(path);
}

Test(ini, numbers)
{
	long long	v;
	const char	*errstr;

	cr_expect_eq(ini_number("65535", 1, 65535, &v, &errstr), 0);
	cr_expect_eq(v, 65535);
	cr_expect_eq(ini_number("65536", 1, 65535, &v, &errstr), -1);
	cr_expect_str_eq(errstr, "out of range");
	cr_expect_eq(ini_number("0", 1, 65535, &v, &errstr), -1);
	cr_expect_eq(ini_number("", 1, 65535, &v, &errstr), -1);
	cr_expect_str_eq(errstr, "empty, expected a number");
	cr_expect_eq(ini_number("-1", 0, 9, &v, &errstr), -1);
	cr_expect_str_eq(errstr, "not a number");
	cr_expect_eq(ini_number(" 1", 0, 9, &v, &errstr), -1);
	cr_expect_eq(ini_number("99999999999999999999999", 0, 9, &v, &errstr), -1);
	/* Found by fuzzing: past LLONG_MAX must not overflow (UBSan). */
	cr_expect_eq(ini_number("9223372036854775807", 0, LLONG_MAX, &v,
	    &errstr), 0);
	cr_expect_eq(v, LLONG_MAX);
	cr_expect_eq(ini_number("9223372036854775808", 0, LLONG_MAX, &v,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "out of range");
	cr_expect_eq(ini_number("92233720368547758070", 0, LLONG_MAX, &v,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "out of range");
}
