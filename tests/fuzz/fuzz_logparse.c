// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for daemon/logparse.c, in the manner of WireGuard's
 * src/fuzz/: the input is one untrusted line or /dev/kmsg record, fed to
 * logparse_line, logparse_dpt and logparse_kmsg (and the message it splits
 * off to the other two).  Besides the sanitizers' checks it aborts when the
 * parsers disagree: an accepted record must pass the DPT pre-filter with the
 * same port, and must point only inside the input.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_logparse.c daemon/logparse.c -o fuzz_logparse
 *   ./fuzz_logparse tests/fuzz/corpus/logparse/
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/logparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
