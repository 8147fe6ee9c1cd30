// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * grant_validate(): every field of a hostile message, each rejection with
 * its reason.  Decided here: link-local and IPv4-compatible (::a.b.c.d)
 * addresses are accepted (each can be a real source), and so is 240.0.0.0/4
 * (Linux routes it as unicast); loopback and 0.0.0.0/8 are refused (no
 * other host sends from them), and so are
 * IPv4-mapped ones (::ffff:a.b.c.d), since Linux drops SYNs from them and
 * an IPv4 peer travels as AF_INET.
 */
#include <arpa/inet.h>
#include <string.h>

#include <criterion/criterion.h>

#include "privsep/msg.h"

static struct grant
mk(const char *addr, uint16_t port)
{
	unsigned char	a[16];
	struct grant	g;
	int		af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	cr_assert_eq(inet_pton(af, addr, a), 1, "%s", addr);
	grant_make(&g, af, a, port);
	return g;
}

static void
accepted(const struct grant *g)
{
	const char	*errstr = "untouched";

	cr_expect_eq(grant_validate(g, &errstr), 0, "refused: %s", errstr);
	cr_expect_str_eq(errstr, "untouched");
}

static void
refused(const struct grant *g, const char *want)
{
	const char	*errstr = NULL;

	cr_expect_eq(grant_validate(g, &errstr), -1, "accepted, want %s", want);
	cr_expect_str_eq(errstr ? errstr : "(null)", want);
}

static void
refused_addr(const char *addr, const char *want)
{
	struct grant	g = mk(addr, 22);

	refused(&g, want);
}

static void
accepted_addr(const char *addr)
{
	struct grant	g = mk(addr, 22);

	accepted(&g);
}

Test(msg, layout_and_make)
{
	static const uint8_t	a4[4] = { 10, 0, 0, 2 };
	struct grant		g, want;

	cr_assert_eq(sizeof(struct grant), 20);
	memset(&g, 0xa5, sizeof(g));
	grant_make(&g, AF_INET, a4, 22);
	memset(&want, 0, sizeof(want));
	want.version = GRANT_VERSION;
	want.family = AF_INET;
	want.port = 22;
	memcpy(want.addr, a4, 4);
	cr_expect_arr_eq(&g, &want, sizeof(g), "padding not cleared");
}

Test(msg, valid)
{
	accepted_addr("10.0.0.2");
	accepted_addr("1.0.0.0");		/* just above 0/8 */
	accepted_addr("126.255.255.255");	/* around 127/8 */
	accepted_addr("128.0.0.0");
	accepted_addr("169.254.1.2");		/* link-local */
	accepted_addr("223.255.255.255");	/* just below 224/4 */
	accepted_addr("240.0.0.1");		/* class E: unicast to Linux */
	accepted_addr("255.255.255.254");	/* just below broadcast */
	accepted_addr("2001:db8::1");
	accepted_addr("::2");			/* IPv4-compatible, not ::1 */
	accepted_addr("::1:0:0:1");
	accepted_addr("1::1");
	accepted_addr("fe80::1");
	accepted_addr("feff:ffff::1");		/* just below ff00::/8 */
	accepted_addr("::1.2.3.4");		/* IPv4-compatible */
	accepted_addr("::fffe:10.0.0.2");	/* not mapped */
}

Test(msg, ports)
{
	struct grant	g = mk("10.0.0.2", 1);

	accepted(&g);
	g.port = 65535;
	accepted(&g);
	g.port = 0;
	refused(&g, "port 0");
	g = mk("2001:db8::1", 0);
	refused(&g, "port 0");
}

Test(msg, version)
{
	static const uint8_t	bad[] = { 0, 2, 255 };
	struct grant		g = mk("10.0.0.2", 22);
	size_t			i;

	for (i = 0; i < sizeof(bad); i++) {
		g.version = bad[i];
		refused(&g, "unknown version");
	}
	g.family = 0;			/* the version is checked first */
	g.port = 0;
	refused(&g, "unknown version");
}

Test(msg, family)
{
	static const uint8_t	bad[] = { AF_UNSPEC, AF_UNIX, AF_INET + 1,
				    AF_INET6 - 1, AF_INET6 + 1, 255 };
	struct grant		g = mk("10.0.0.2", 22);
	size_t			i;

	for (i = 0; i < sizeof(bad); i++) {
		g.family = bad[i];
		refused(&g, "unknown address family");
	}
	g.port = 0;			/* the family is checked before */
	refused(&g, "unknown address family");
}

Test(msg, ipv4_padding)
{
	struct grant	g;
	size_t		i;

	for (i = 4; i < 16; i++) {
		g = mk("10.0.0.2", 22);
		g.addr[i] = 1;
		refused(&g, "IPv4 padding not zero");
	}
	g = mk("10.0.0.2", 22);
	g.addr[15] = 0x80;
	refused(&g, "IPv4 padding not zero");
	/* An IPv6 message uses all 16 bytes. */
	g.family = AF_INET6;
	accepted(&g);
}

Test(msg, ipv4_special)
{
	refused_addr("0.0.0.0", "unspecified address");
	refused_addr("0.0.0.1", "this-network address");
	refused_addr("0.255.255.255", "this-network address");
	refused_addr("127.0.0.1", "loopback address");
	refused_addr("127.0.0.0", "loopback address");
	refused_addr("127.255.255.255", "loopback address");
	refused_addr("255.255.255.255", "broadcast address");
	refused_addr("224.0.0.1", "multicast address");
	refused_addr("224.0.0.0", "multicast address");
	refused_addr("230.1.2.3", "multicast address");
	refused_addr("239.255.255.255", "multicast address");
}

Test(msg, ipv6_special)
{
	refused_addr("::", "unspecified address");
	refused_addr("::1", "loopback address");
	refused_addr("ff02::1", "multicast address");
	refused_addr("ff00::", "multicast address");
	refused_addr("ff0e::1:2", "multicast address");
	refused_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "multicast address");
	refused_addr("::ffff:10.0.0.2", "IPv4-mapped IPv6 address");
	refused_addr("::ffff:0.0.0.0", "IPv4-mapped IPv6 address");
}
