// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The watcher-to-helper message.  grant_validate() is the helper's only
 * gate: it trusts no field.  It refuses addresses that can never be the
 * source of a SYN from another host, so that a grant always names one host
 * that could connect: unspecified, multicast, broadcast; 0.0.0.0/8,
 * 127.0.0.0/8 and ::1, which no other host should send from (Linux drops
 * them off lo as martians unless route_localnet is set, and on lo a
 * firewall accepts everything anyway);
 * IPv4-mapped IPv6 (Linux drops SYNs from ::ffff:a.b.c.d in
 * tcp_v6_conn_request, and an IPv4 peer is sent as AF_INET).  Link-local,
 * the deprecated IPv4-compatible ::a.b.c.d (sit0 still carries them) and
 * 240.0.0.0/4 (Linux routes it as unicast, and some private networks use
 * it) are real sources.  Pure: no I/O.
 */
#include <string.h>
#include <sys/socket.h>

#include "privsep/msg.h"

static int
is_zero(const uint8_t *p, size_t len)
{
	while (len-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

static int
check_ipv4(const uint8_t a[16], const char **errstr)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };

	if (!is_zero(a + 4, 12))
		*errstr = "IPv4 padding not zero";
	else if (is_zero(a, 4))
		*errstr = "unspecified address";
	else if (a[0] == 0)
		*errstr = "this-network address";
	else if (a[0] == 127)
		*errstr = "loopback address";
	else if (memcmp(a, bcast, 4) == 0)
		*errstr = "broadcast address";
	else if ((a[0] & 0xf0) == 224)
		*errstr = "multicast address";
	else
		return 0;
	return -1;
}

static int
check_ipv6(const uint8_t a[16], const char **errstr)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (is_zero(a, 16))
		*errstr = "unspecified address";
	else if (is_zero(a, 15) && a[15] == 1)
		*errstr = "loopback address";
	else if (a[0] == 0xff)
		*errstr = "multicast address";
	else if (memcmp(a, mapped, sizeof(mapped)) == 0)
		*errstr = "IPv4-mapped IPv6 address";
	else
		return 0;
	return -1;
}

int
grant_validate(const struct grant *g, const char **errstr)
{
	if (g->version != GRANT_VERSION) {
		*errstr = "unknown version";
		return -1;
	}
	if (g->family != AF_INET && g->family != AF_INET6) {
		*errstr = "unknown address family";
		return -1;
	}
	if (g->port == 0) {
		*errstr = "port 0";
		return -1;
	}
	if (g->family == AF_INET)
		return check_ipv4(g->addr, errstr);
	return check_ipv6(g->addr, errstr);
}

void
grant_make(struct grant *g, int family, const void *addr, uint16_t port)
{
	memset(g, 0, sizeof(*g));
	g->version = GRANT_VERSION;
	g->family = (uint8_t)family;
	g->port = port;
	memcpy(g->addr, addr, family == AF_INET6 ? 16 : 4);
}
