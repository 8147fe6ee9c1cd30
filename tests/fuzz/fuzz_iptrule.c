// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for privsep/iptrule.c: the input's first byte picks
 * the family, the rest is one line of `iptables -S INPUT` output, fed to
 * iptrule_parse().  Besides the sanitizers' checks it aborts when a
 * rejection has no reason, or when an accepted line does not give back a
 * rule the helper can act on: a port other than 0, an expiry of 0 or more,
 * a delete argv from iptrule_argv(), and the same rule again when that
 * argv is printed the way iptables -S prints it and parsed once more.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_iptrule.c privsep/iptrule.c -o fuzz_iptrule
 *   ./fuzz_iptrule tests/fuzz/corpus/iptrule/
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/iptrule.h"

#define LINE_MAX_FUZZ	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The delete argv of r, printed as iptables -S lists the rule, parsed. */
static void
check_round_trip(const struct ipt_rule *r)
{
	struct ipt_argv	 a;
	struct ipt_rule	 again;
	const char	*errstr = NULL;
	char		 line[512];
	int		 n;

	if (iptrule_argv(&a, 'D', r, &errstr) == -1)
		abort();
	n = snprintf(line, sizeof(line), "-A INPUT -s %s/%s -p tcp -m tcp "
	    "--dport %s -m conntrack --ctstate NEW -m comment --comment "
	    "\"%s\" -m limit --limit 1/min --limit-burst 1 -j ACCEPT",
	    a.src, r->family == AF_INET ? "32" : "128", a.port, a.comment);
	if (n < 0 || (size_t)n >= sizeof(line))
		abort();
	if (iptrule_parse(line, r->family, &again, &errstr) == -1 ||
	    memcmp(&again, r, sizeof(again)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipt_rule	 r;
	const char	*errstr = NULL;
	char		*line;
	int		 family;

	if (size == 0 || size > LINE_MAX_FUZZ)
		return 0;
	family = data[0] & 1 ? AF_INET6 : AF_INET;
	if ((line = malloc(size)) == NULL)
		abort();
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	if (iptrule_parse(line, family, &r, &errstr) == 0) {
		if (r.family != family || r.port == 0 || r.expires < 0)
			abort();
		check_round_trip(&r);
	} else if (errstr == NULL || *errstr == '\0')
		abort();
	free(line);
	return 0;
}
