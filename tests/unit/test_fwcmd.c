// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The firewall commands the helper builds (nft_grant_format, iptrule_argv,
 * iptrule_parse), the iptables retry backoff and the ruleset fwprint()
 * prints: exact text, every rejection with its reason, truncation.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/fwprint.h"
#include "privsep/iptables.h"
#include "privsep/iptrule.h"
#include "privsep/nft.h"

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

static struct ipt_rule
rule(const char *addr, uint16_t port, int64_t expires)
{
	struct grant	g = mk(addr, port);
	struct ipt_rule	r;

	memset(&r, 0, sizeof(r));
	r.family = g.family;
	memcpy(r.addr, g.addr, sizeof(r.addr));
	r.port = port;
	r.expires = expires;
	return r;
}

/*
 * Every grant first clears the mark of an earlier connection ("add" then
 * "delete" in usedN, whether there is one or not); then a new grant is one
 * "create", a renewal "delete" then "add".
 */
static void
nft_ok(const char *addr, uint16_t port, unsigned int delay, const char *set,
    const char *elem)
{
	struct grant	 g = mk(addr, port);
	char		 buf[NFT_CMD_MAX], want[2 * NFT_CMD_MAX], clear[NFT_CMD_MAX];
	const char	*errstr = NULL;
	const char	*used = strcmp(set, "allow4") == 0 ? "used4" : "used6";

	snprintf(clear, sizeof(clear),
	    "add element inet knockknock %s { %s }\n"
	    "delete element inet knockknock %s { %s }\n",
	    used, elem, used, elem);
	snprintf(want, sizeof(want),
	    "%screate element inet knockknock %s { %s timeout %us }\n",
	    clear, set, elem, delay);
	cr_assert_eq(nft_grant_format(buf, sizeof(buf), &g, delay, 0,
	    &errstr), 0, "%s", errstr);
	cr_expect_str_eq(buf, want);
	snprintf(want, sizeof(want),
	    "%sdelete element inet knockknock %s { %s }\n"
	    "add element inet knockknock %s { %s timeout %us }\n",
	    clear, set, elem, set, elem, delay);
	cr_assert_eq(nft_grant_format(buf, sizeof(buf), &g, delay, 1,
	    &errstr), 0, "%s", errstr);
	cr_expect_str_eq(buf, want);
}

Test(nft, grant_format)
{
	nft_ok("10.0.0.2", 22, 15, "allow4", "10.0.0.2 . 22");
	nft_ok("2001:db8::1", 65535, 3600, "allow6", "2001:db8::1 . 65535");
	nft_ok("::1.2.3.4", 1, 1, "allow6", "::1.2.3.4 . 1");
	/* The longest command fits NFT_CMD_MAX. */
	nft_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, 4294967295U,
	    "allow6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe . 65535");
}

Test(nft, grant_format_truncation)
{
	static const char	 want[] =
	    "add element inet knockknock used4 { 10.0.0.2 . 22 }\n"
	    "delete element inet knockknock used4 { 10.0.0.2 . 22 }\n"
	    "create element inet knockknock allow4 { 10.0.0.2 . 22 timeout 15s }\n";
	struct grant		 g = mk("10.0.0.2", 22);
	char			 buf[sizeof(want)];
	const char		*errstr = NULL;

	cr_assert_eq(nft_grant_format(buf, sizeof(want), &g, 15, 0, &errstr),
	    0);
	cr_expect_str_eq(buf, want);
	cr_expect_eq(nft_grant_format(buf, sizeof(want) - 1, &g, 15, 0,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "command too long");
	errstr = NULL;
	cr_expect_eq(nft_grant_format(buf, 0, &g, 15, 1, &errstr), -1);
	cr_expect_str_eq(errstr, "command too long");
}

Test(nft, grant_format_family)
{
	struct grant	 g = mk("10.0.0.2", 22);
	char		 buf[NFT_CMD_MAX];
	const char	*errstr = NULL;

	g.family = AF_UNIX;
	cr_expect_eq(nft_grant_format(buf, sizeof(buf), &g, 15, 0, &errstr), -1);
	cr_expect_str_eq(errstr, "unknown address family");
}

static void
argv_eq(const struct ipt_argv *a, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		cr_assert_not_null(a->argv[i], "argv[%zu] missing", i);
		cr_expect_str_eq(a->argv[i], want[i], "argv[%zu]", i);
	}
	cr_expect_null(a->argv[i], "argv[%zu] not NULL", i);
}

Test(iptables, argv_insert_delete)
{
	static const char *const ins[] = { "/usr/sbin/iptables", "-w", "5",
	    "-I", "INPUT", "1", "-p", "tcp", "-s", "10.0.0.2", "--dport", "22",
	    "-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
	    "--comment", "knockknock expires=1700000000", "-m", "limit",
	    "--limit", "1/minute", "--limit-burst", "1", "-j", "ACCEPT", NULL };
	static const char *const del[] = { "/usr/sbin/ip6tables", "-w", "5",
	    "-D", "INPUT", "-p", "tcp", "-s", "2001:db8::1", "--dport", "65535",
	    "-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
	    "--comment", "knockknock expires=0", "-m", "limit",
	    "--limit", "1/minute", "--limit-burst", "1", "-j", "ACCEPT", NULL };
	struct ipt_rule	 r = rule("10.0.0.2", 22, 1700000000);
	struct ipt_argv	 a;
	const char	*errstr = NULL;

	cr_assert_eq(iptrule_argv(&a, 'I', &r, &errstr), 0, "%s", errstr);
	argv_eq(&a, ins);
	r = rule("2001:db8::1", 65535, 0);
	cr_assert_eq(iptrule_argv(&a, 'D', &r, &errstr), 0, "%s", errstr);
	argv_eq(&a, del);
	cr_expect_eq(iptrule_argv(&a, 'C', &r, &errstr), -1);
	cr_expect_str_eq(errstr, "unknown operation");
}

Test(iptables, argv_longest)
{
	struct ipt_rule	 r = rule("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
			    65535, INT64_MAX);
	struct ipt_argv	 a;
	const char	*errstr = NULL;

	cr_assert_eq(iptrule_argv(&a, 'I', &r, &errstr), 0, "%s", errstr);
	cr_expect_str_eq(a.argv[9],
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	cr_expect_str_eq(a.argv[11], "65535");
	cr_expect_str_eq(a.argv[19], "knockknock expires=9223372036854775807");
}

static void
argv_refused(struct ipt_rule r, int op, const char *want)
{
	struct ipt_argv	 a;
	const char	*errstr = NULL;

	cr_expect_eq(iptrule_argv(&a, op, &r, &errstr), -1, "want %s", want);
	cr_expect_str_eq(errstr ? errstr : "(null)", want);
}

Test(iptables, argv_refused)
{
	struct ipt_rule	r = rule("10.0.0.2", 22, 1);

	argv_refused(r, 'A', "unknown operation");
	argv_refused(r, 'S', "unknown operation");
	argv_refused(r, 'c', "unknown operation");
	r.port = 0;
	argv_refused(r, 'I', "port 0");
	r = rule("10.0.0.2", 22, -1);
	argv_refused(r, 'D', "negative expiry");
	r.family = AF_UNIX;
	argv_refused(r, 'I', "unknown address family");
}

/* A failed deletion waits 1, 2, 4 ... s, never more than 30 s. */
Test(iptables, retry)
{
	static const unsigned int	want[] = { 1, 1, 2, 4, 8, 16, 30, 30 };
	unsigned int			n;

	cr_assert_eq(IPT_RETRY_MAX_S, 30);
	for (n = 0; n < sizeof(want) / sizeof(want[0]); n++)
		cr_expect_eq(iptables_retry_s(n), want[n], "%u failures", n);
	cr_expect_eq(iptables_retry_s(255), 30);	/* saturated count */
	cr_expect_eq(iptables_retry_s(UINT_MAX), 30);
}

/* Lines as iptables-nft 1.8.9 prints them with -S. */
static const char line4[] = "-A INPUT -s 10.0.0.2/32 -p tcp -m tcp "
    "--dport 22 -m conntrack --ctstate NEW -m comment --comment "
    "\"knockknock expires=1795466633\" -m limit --limit 1/min "
    "--limit-burst 1 -j ACCEPT\n";
static const char line6[] = "-A INPUT -s 2001:db8::5/128 -p tcp -m tcp "
    "--dport 443 -m conntrack --ctstate NEW -m comment --comment "
    "\"knockknock expires=1795466633\" -m limit --limit 1/min "
    "--limit-burst 1 -j ACCEPT";

Test(iptables, parse)
{
	struct ipt_rule	 r, want = rule("10.0.0.2", 22, 1795466633);
	struct ipt_argv	 a;
	const char	*errstr = NULL;

	cr_assert_eq(iptrule_parse(line4, AF_INET, &r, &errstr), 0, "%s",
	    errstr);
	cr_expect_arr_eq(&r, &want, sizeof(r));
	want = rule("2001:db8::5", 443, 1795466633);
	cr_assert_eq(iptrule_parse(line6, AF_INET6, &r, &errstr), 0, "%s",
	    errstr);
	cr_expect_arr_eq(&r, &want, sizeof(r));
	/* What was parsed deletes what was listed. */
	cr_assert_eq(iptrule_argv(&a, 'D', &r, &errstr), 0);
	cr_expect_str_eq(a.argv[8], "2001:db8::5");
	cr_expect_str_eq(a.argv[10], "443");
	cr_expect_str_eq(a.argv[18], "knockknock expires=1795466633");
}

static void
parse_refused(const char *line, int family, const char *want)
{
	struct ipt_rule	 r;
	const char	*errstr = NULL;

	cr_expect_eq(iptrule_parse(line, family, &r, &errstr), -1, "%s",
	    line);
	cr_expect_str_eq(errstr ? errstr : "(null)", want, "%s", line);
}

Test(iptables, parse_refused)
{
	char	long_addr[128];

	parse_refused(line4, AF_INET6, "source is not one host address");
	parse_refused(line6, AF_INET, "source is not one host address");
	parse_refused("-A OUTPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=1\"", AF_INET,
	    "not an INPUT rule with a source");
	parse_refused("-A INPUT -p tcp -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=1\"", AF_INET,
	    "not an INPUT rule with a source");
	parse_refused("-A INPUT -s 10.0.0.0/24 --dport 22 --comment "
	    "\"knockknock expires=1\"", AF_INET,
	    "source is not one host address");
	parse_refused("-A INPUT -s 10.0.0.2 --dport 22 --comment "
	    "\"knockknock expires=1\"", AF_INET,
	    "source is not one host address");
	parse_refused("-A INPUT -s 10.0.0.256/32 --dport 22", AF_INET,
	    "source is not one host address");
	snprintf(long_addr, sizeof(long_addr), "-A INPUT -s %0100d/32 ", 1);
	parse_refused(long_addr, AF_INET, "source is not one host address");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 0 --comment "
	    "\"knockknock expires=1\"", AF_INET, "bad --dport");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 65536 --comment "
	    "\"knockknock expires=1\"", AF_INET, "bad --dport");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22x --comment "
	    "\"knockknock expires=1\"", AF_INET, "bad --dport");
	parse_refused("-A INPUT -s 10.0.0.2/32 --comment "
	    "\"knockknock expires=1\"", AF_INET, "bad --dport");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=garbage\"", AF_INET,
	    "bad knockknock comment");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=\"", AF_INET, "bad knockknock comment");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=12", AF_INET, "bad knockknock comment");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "\"knockknock expires=9223372036854775808\"", AF_INET,
	    "bad knockknock comment");
	parse_refused("-A INPUT -s 10.0.0.2/32 --dport 22 --comment "
	    "knockknock", AF_INET, "bad knockknock comment");
}

Test(iptables, parse_int64_max)
{
	struct ipt_rule	 r;
	const char	*errstr = NULL;

	cr_assert_eq(iptrule_parse("-A INPUT -s 10.0.0.2/32 --dport 22 "
	    "--comment \"knockknock expires=9223372036854775807\"", AF_INET,
	    &r, &errstr), 0, "%s", errstr);
	cr_expect_eq(r.expires, INT64_MAX);
}

/* Print into a memory buffer. */
static int
print(char *buf, size_t len, enum firewall fw, const uint16_t *ports,
    size_t n, const char **errstr)
{
	FILE	*f = fmemopen(buf, len, "w");
	int	 rc;

	cr_assert_not_null(f);
	rc = fwprint(f, fw, ports, n, errstr);
	fclose(f);
	return rc;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

Test(fwprint, nftables)
{
	static const uint16_t	 ports[] = { 666, 777, 666 };
	static char		 buf[16384];
	const char		*errstr = NULL;

	cr_assert_eq(print(buf, sizeof(buf), FIREWALL_NFTABLES, ports, 3,
	    &errstr), 0, "%s", errstr);
	/* The helper's own definitions, verbatim. */
	cr_expect_eq(count(buf, "\tset " NFT_SET4 "\n"), 1);
	cr_expect_eq(count(buf, "\tset " NFT_SET6 "\n"), 1);
	cr_expect_eq(count(buf, "\tchain " NFT_CHAIN "\n"), 1);
	cr_expect_eq(count(buf, "\t\t" NFT_GRANT4 "\n"), 1);
	cr_expect_eq(count(buf, "\t\t" NFT_GRANT6 "\n"), 1);
	cr_expect_eq(count(buf, "\nflush chain inet knockknock input\n"), 1);
	cr_expect_eq(count(buf, "\t\ttcp dport { 666, 777 } tcp flags & "
	    "(fin | syn | rst | ack) == syn log prefix \"knockknock: \" "
	    "level warn flags tcp sequence\n"), 1);
	cr_expect_eq(count(buf, "limit rate"), 0);
	cr_expect_eq(count(buf, "reject with tcp reset\n"), 1);
	cr_expect_eq(count(buf, "reject with icmpx type port-unreachable\n"),
	    1);
	cr_expect_eq(count(buf, "does NOT\n# override a drop"), 1);
}

Test(fwprint, iptables)
{
	static const uint16_t	 ports[] = { 666, 777, 777 };
	static char		 buf[16384];
	const char		*errstr = NULL;

	cr_assert_eq(print(buf, sizeof(buf), FIREWALL_IPTABLES, ports, 3,
	    &errstr), 0, "%s", errstr);
	/* One iptables-restore input a family, each replacing INPUT only. */
	cr_expect_eq(count(buf, "\niptables-restore -w 5 --noflush <<'EOF'\n"
	    "*filter\n:INPUT ACCEPT [0:0]\n-F INPUT\n"), 1);
	cr_expect_eq(count(buf, "\nip6tables-restore -w 5 --noflush <<'EOF'\n"
	    "*filter\n:INPUT ACCEPT [0:0]\n-F INPUT\n"), 1);
	cr_expect_eq(count(buf, "\nCOMMIT\nEOF\n"), 2);
	cr_expect_eq(count(buf, "\n-A INPUT -p tcp --syn --dport 666 -j LOG "
	    "--log-prefix \"knockknock: \" --log-level warning "
	    "--log-tcp-sequence\n"), 2);
	cr_expect_eq(count(buf, "\n-A INPUT -p tcp --syn --dport 777 -j LOG "
	    "--log-prefix \"knockknock: \" --log-level warning "
	    "--log-tcp-sequence\n"), 2);
	cr_expect_eq(count(buf, "-j LOG"), 4);
	cr_expect_eq(count(buf, "-m limit"), 0);
	cr_expect_eq(count(buf, "\n-A INPUT -j REJECT "
	    "--reject-with icmp-port-unreachable\nCOMMIT\n"), 1);
	cr_expect_eq(count(buf, "\n-A INPUT -j REJECT "
	    "--reject-with icmp6-port-unreachable\nCOMMIT\n"), 1);
	cr_expect_eq(count(buf, "\n-A INPUT -p tcp -j REJECT --reject-with "
	    "tcp-reset\n"), 2);
	cr_expect_eq(count(buf, "\n-A INPUT -p ipv6-icmp "
	    "--icmpv6-type neighbour-solicitation -j ACCEPT\n"), 1);
}

Test(fwprint, refused)
{
	static const uint16_t	 ports[] = { 666, 0 };
	static char		 buf[16384];
	const char		*errstr = NULL;
	FILE			*full;

	cr_expect_eq(print(buf, sizeof(buf), FIREWALL_NFTABLES, ports, 0,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "no knock ports");
	cr_expect_eq(print(buf, sizeof(buf), FIREWALL_IPTABLES, ports, 2,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "port 0");
	cr_expect_eq(print(buf, sizeof(buf), (enum firewall)7, ports, 1,
	    &errstr), -1);
	cr_expect_str_eq(errstr, "unknown firewall");
	cr_assert_not_null(full = fopen("/dev/full", "w"));
	cr_expect_eq(fwprint(full, FIREWALL_NFTABLES, ports, 1, &errstr), -1);
	cr_expect_str_eq(errstr, "write error");
	fclose(full);
}
