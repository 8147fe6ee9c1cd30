// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for profiles/ini.c, in the manner of WireGuard's
 * src/fuzz/: the input is one untrusted config file, parsed twice by
 * ini_parse_buf(), once with a handler that accepts every key and once with
 * one that rejects some, and every value (and the input itself, up to its
 * first NUL) goes through ini_number() with several ranges.
 *
 * Besides the sanitizers' checks it aborts when the parser breaks what
 * ini.c guarantees its handlers: section and key non-empty, trimmed of
 * ' ', '\t' and '\r' at both ends, the key lowercased and free of '=' and
 * ':' (the first of either ends it), no key starting with '#', ';' or '['
 * (comment and section lines), no control byte but '\t' and '\r', nothing
 * longer than a line; at most one call per line.  The picky run must stop
 * exactly at the first key it rejects, with the handler's reason in the
 * message, and otherwise agree with the first run.  ini_number() must agree
 * with a plain reference parser.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_ini.c profiles/ini.c -o fuzz_ini
 *   ./fuzz_ini tests/fuzz/corpus/ini/
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles/ini.h"

#define NAME		"fuzz"
#define REJECT_REASON	"rejected by the fuzz handler"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	int		picky;		/* reject what picky_rejects() says */
	unsigned int	calls;
	unsigned int	first_reject;	/* call the picky handler stops at */
};

static const struct {
	long long	min, max;
} ranges[] = {
	{ 1, 65535 },			/* what the profile and daemon ask */
	{ 0, 0 },
	{ 0, LLONG_MAX },		/* the whole documented domain */
	{ LLONG_MIN, -1 },		/* nothing fits: no sign allowed */
	{ 10, 5 },			/* empty range */
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Keys of a length that is a multiple of 4, and "reject". */
static int
picky_rejects(const char *key)
{
	return strlen(key) % 4 == 0 || strcmp(key, "reject") == 0;
}

/* Digits only, no sign, no spaces, in [min, max]; overflow is out of range. */
static int
ref_number(const char *s, long long min, long long max, long long *out)
{
	unsigned long long	v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (ULLONG_MAX - 9) / 10)
			v = ULLONG_MAX;		/* saturate: out of range */
		else
			v = v * 10 + (unsigned long long)(*s - '0');
	}
	if (v > (unsigned long long)LLONG_MAX || (long long)v < min ||
	    (long long)v > max)
		return -1;
	*out = (long long)v;
	return 0;
}

static void
check_number(const char *s)
{
	long long	 got, want;
	const char	*errstr;
	int		 r;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		got = want = 0x5a5a;
		errstr = NULL;
		r = ini_number(s, ranges[i].min, ranges[i].max, &got, &errstr);
		if (r != ref_number(s, ranges[i].min, ranges[i].max, &want))
			abort();
		if (r == 0 && got != want)
			abort();
		if (r == -1 && (errstr == NULL || got != 0x5a5a))
			abort();
	}
}

/* Trimmed, non-empty (unless a value), no control byte but '\t' and '\r'. */
static void
check_text(const char *s, int may_be_empty)
{
	size_t	len = strlen(s);

	if (len > INI_LINE_MAX || (len == 0 && !may_be_empty))
		abort();
	if (len > 0 && (is_space(s[0]) || is_space(s[len - 1])))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\r')
			abort();
}

static int
handler(void *ctx, const char *section, const char *key, const char *value,
    const char **errstr)
{
	struct run	*run = ctx;

	check_text(section, 0);
	check_text(key, 0);
	check_text(value, 1);
	if (strpbrk(key, "=:") != NULL || strchr("#;[", key[0]) != NULL)
		abort();
	for (const char *p = key; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	check_number(value);
	run->calls++;
	if (picky_rejects(key)) {
		if (run->first_reject == UINT_MAX)
			run->first_reject = run->calls;
		if (run->picky) {
			*errstr = REJECT_REASON;
			return -1;
		}
	}
	return 0;
}

/* "fuzz:LINE: reason" with LINE in 1..lines, or "fuzz: reason". */
static void
check_err(const char *err, size_t lines)
{
	const char	*p = err + strlen(NAME ":");
	char		*end;
	unsigned long	 n;

	if (strncmp(err, NAME ":", strlen(NAME ":")) != 0)
		abort();
	if (*p == ' ')
		return;
	n = strtoul(p, &end, 10);
	if (end == p || n == 0 || n > lines || strncmp(end, ": ", 2) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run	 all = { 0, 0, UINT_MAX }, picky = { 1, 0, UINT_MAX };
	char		 err[INI_ERRLEN], err2[INI_ERRLEN];
	char		*text;
	size_t		 lines = 1;
	int		 r, r2;

	/* A buffer of its own, so ASan sees any read past the end. */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';

	r = ini_parse_buf(NAME, text, size, handler, &all, err);
	if (all.calls > lines)
		abort();
	if (r == -1)
		check_err(err, lines);
	r2 = ini_parse_buf(NAME, text, size, handler, &picky, err2);
	if (r2 == -1)
		check_err(err2, lines);
	if (all.first_reject != UINT_MAX) {
		if (r2 != -1 || picky.calls != all.first_reject ||
		    strstr(err2, REJECT_REASON) == NULL)
			abort();
	} else if (r2 != r || picky.calls != all.calls ||
	    (r == -1 && strcmp(err, err2) != 0))
		abort();

	text[size] = '\0';
	check_number(text);
	free(text);
	return 0;
}
