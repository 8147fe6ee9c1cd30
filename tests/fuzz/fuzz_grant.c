// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for privsep/msg.c, in the manner of WireGuard's
 * src/fuzz/: the input's first sizeof(struct grant) bytes (zero-padded) are
 * one message from a presumed-hostile watcher, fed to grant_validate().
 * Besides the sanitizers' checks it aborts when a rejection has no reason,
 * or when an accepted grant breaks the helper's assumptions: the version,
 * the family, a port other than 0, zero IPv4 padding, an address another
 * host can send from (not in 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/4, not
 * 255.255.255.255; not ::, ::1, multicast or IPv4-mapped), and that
 * grant_make() rebuilds the same 20 bytes from its fields.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_grant.c privsep/msg.c -o fuzz_grant
 *   ./fuzz_grant tests/fuzz/corpus/grant/
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privsep/msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
all_zero(const uint8_t *p, size_t len)
{
	while (len-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

static void
check_ipv4(const struct grant *g)
{
	static const uint8_t	bcast[4] = { 255, 255, 255, 255 };

	if (!all_zero(g->addr + 4, sizeof(g->addr) - 4))
		abort();
	if (g->addr[0] == 0 || g->addr[0] == 127 ||
	    (g->addr[0] & 0xf0) == 224 || memcmp(g->addr, bcast, 4) == 0)
		abort();
}

static void
check_ipv6(const struct grant *g)
{
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (all_zero(g->addr, 15) && g->addr[15] <= 1)
		abort();
	if (g->addr[0] == 0xff || memcmp(g->addr, mapped, sizeof(mapped)) == 0)
		abort();
}

/* What the helper relies on once grant_validate() has said yes. */
static void
check_accepted(const struct grant *g)
{
	struct grant	again;

	if (g->version != GRANT_VERSION || g->port == 0)
		abort();
	if (g->family == AF_INET)
		check_ipv4(g);
	else if (g->family == AF_INET6)
		check_ipv6(g);
	else
		abort();
	grant_make(&again, g->family, g->addr, g->port);
	if (memcmp(&again, g, sizeof(again)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grant	 g, copy;
	const char	*errstr = NULL;

	memset(&g, 0, sizeof(g));
	memcpy(&g, data, size < sizeof(g) ? size : sizeof(g));
	copy = g;
	if (grant_validate(&g, &errstr) == 0)
		check_accepted(&g);
	else if (errstr == NULL || *errstr == '\0')
		abort();
	/* The helper validates, then uses the same struct. */
	if (memcmp(&copy, &g, sizeof(g)) != 0)
		abort();
	return 0;
}
