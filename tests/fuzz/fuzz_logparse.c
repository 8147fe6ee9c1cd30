// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for daemon/logparse.c, in the manner of WireGuard's
 * src/fuzz/: the input is one untrusted line or /dev/kmsg record, fed to
 * logparse_line, logparse_dpt and logparse_kmsg (and the message it splits
 * off to the other two).  Besides the sanitizers' checks it aborts when the
 * parsers disagree: an accepted record must pass the DPT pre-filter with the
 * same port, and must point only inside the input.  It also checks the
 * shape of every accepted record by means of its own: IN= is the first
 * token (or, when no token begins "IN=", the first "IN=" glued to a log
 * prefix) and OUT= the second, DPT= is there once, every byte from IN= on is
 * printable with no '[' or ']' (a segfault report's "[BASE+SIZE]"), and the
 * record ends where nf_log ends one (URGP=, TCP options, GID= or MARK=).
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_logparse.c daemon/logparse.c -o fuzz_logparse
 *   ./fuzz_logparse tests/fuzz/corpus/logparse/
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/logparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does the token at t (ending at end or a blank) begin with key? */
static int
token_is(const char *t, const char *end, const char *key)
{
	size_t	n = strlen(key);

	return (size_t)(end - t) >= n && memcmp(t, key, n) == 0;
}

/* The shape of an accepted record, found by a walk of our own. */
static void
check_shape(const char *p, size_t len)
{
	const char	*end = p + len, *t, *in = NULL, *last = NULL;
	size_t		 i, ntok = 0, ndpt = 0;

	for (i = 0; i + 3 <= len && in == NULL; i++)
		if ((i == 0 || p[i - 1] == ' ') && memcmp(p + i, "IN=", 3) == 0)
			in = p + i;
	/* no token "IN=": a prefix glued to it, the first "IN=" anywhere */
	for (i = 0; i + 3 <= len && in == NULL; i++)
		if (memcmp(p + i, "IN=", 3) == 0)
			in = p + i;
	if (in == NULL)
		abort();
	for (t = in; t < end; t++)
		if (*t < ' ' || *t > '~' || *t == '[' || *t == ']')
			abort();
	for (t = in; t < end; ) {
		if (*t == ' ') {
			t++;
			continue;
		}
		if (ntok == 1 && !token_is(t, end, "OUT="))
			abort();
		ndpt += token_is(t, end, "DPT=");
		last = t;
		ntok++;
		while (t < end && *t != ' ')
			t++;
	}
	if (ndpt != 1 || last == NULL)
		abort();
	if (!token_is(last, end, "URGP=") && *last != '(' &&
	    !token_is(last, end, "GID=") && !token_is(last, end, "MARK="))
		abort();
}

static void
check_line(const char *p, size_t len)
{
	struct knock_record	 rec;
	const char		*errstr = NULL;
	uint16_t		 dpt = 0;
	int			 prefilter;

	prefilter = logparse_dpt(p, len, &dpt);
	if (logparse_line(p, len, &rec, &errstr) != 0) {
		if (errstr == NULL)
			abort();
		return;
	}
	if (prefilter != 0 || dpt != rec.dpt || rec.dpt == 0)
		abort();
	if (rec.family != AF_INET && rec.family != AF_INET6)
		abort();
	if (rec.opt != NULL && (rec.opt < p || rec.optlen == 0 ||
	    rec.optlen > len || rec.opt + rec.optlen > p + len))
		abort();
	if (rec.opt == NULL && rec.optlen != 0)
		abort();
	check_shape(p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *msg = NULL, *errstr = NULL;
	size_t		 msglen = 0;
	uint64_t	 seq;

	check_line(p, size);
	if (logparse_kmsg(p, size, &msg, &msglen, &seq, &errstr) == 0) {
		if (msg < p || msg + msglen > p + size)
			abort();
		check_line(msg, msglen);
	} else if (errstr == NULL)
		abort();
	return 0;
}
