// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The ruleset printed by --print-firewall.  Input: the knock ports from the
 * profiles (root's own configuration).  The printed text is meant to be
 * read: its comments are the documentation of how knockknock fits into a
 * firewall.
 */
#include <stdio.h>

#include "daemon/fwprint.h"
#include "privsep/nft.h"

static const char nft_head[] =
"#!/usr/sbin/nft -f\n"
"#\n"
"# knockknock: a minimal input firewall, printed by\n"
"#\tknockknock-daemon --print-firewall nftables\n"
"#\n"
"# Load it with `nft -f FILE`, before or after knockknock-daemon starts, as\n"
"# often as you like.  It creates table inet knockknock and its four sets if\n"
"# they are missing, with the very definitions the daemon uses; replaces\n"
"# the rules of the input chain; and keeps the elements of the sets, the\n"
"# grants in flight.  The daemon never changes the chain once it exists.\n"
"#\n"
"# In order: accept loopback, packets of known connections and the ICMPv6\n"
"# that IPv6 cannot work without; log every SYN to a knock port, for the\n"
"# daemon to read in the kernel log; accept one new connection for each\n"
"# knockknock grant; reject everything else the way a closed port does (TCP\n"
"# reset, ICMP port unreachable), so that a scanner cannot tell a knock port\n"
"# or a protected port from an unused one.\n"
"#\n"
"# The log rule has no rate limit: a limit would let a user's own retries\n"
"# crowd out the knocks.  Under a SYN flood to a knock port every SYN is\n"
"# logged; read from /dev/kmsg that costs ring-buffer space only, written\n"
"# to a syslog file it costs disk.\n"
"#\n"
"# Other tables.  Every base chain on the input hook sees each packet, and\n"
"# an accept ends only its own chain: a packet gets through only if no base\n"
"# chain drops or rejects it.  So the accept of a grant here does NOT\n"
"# override a drop (a drop policy, a final drop or reject) in another table\n"
"# on the same hook, such as your own inet filter table or the tables of\n"
"# iptables-nft.  To wire the grant into an existing ruleset, either\n"
"#  - make this chain your only input filter: move your own accept rules\n"
"#    into it, where marked below, and remove the drops elsewhere; or\n"
"#  - keep your table and let it accept what was granted here.  Sets cannot\n"
"#    be used across tables, so mark the packet: give this chain a priority\n"
"#    before yours (`priority filter - 10`; if the daemon created the chain\n"
"#    already, `nft delete chain inet knockknock input` first), end both\n"
"#    grant rules with `meta mark set 0x6b6b accept`, delete the two reject\n"
"#    rules, and put `meta mark 0x6b6b accept` in your chain before its\n"
"#    drop.\n"
"\n"
"table inet knockknock {\n"
"\tset " NFT_SET4 "\n"
"\tset " NFT_SET6 "\n"
"\tset " NFT_USED4 "\n"
"\tset " NFT_USED6 "\n"
"\tchain " NFT_CHAIN "\n"
"}\n"
"flush chain " NFT_TABLE " input\n"
"table inet knockknock {\n"
"\tchain input {\n"
"\t\tiif \"lo\" accept\n"
"\t\tct state established,related accept\n"
"\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
"nd-router-advert, mld-listener-query } accept\n"
"\n"
"\t\t# Knock ports: log every SYN, without a rate limit.\n"
"\t\ttcp dport { ";

static const char nft_tail[] =
" } tcp flags & (fin | syn | rst | ack) == syn "
"log prefix \"knockknock: \" level warn flags tcp sequence\n"
"\n"
"\t\t# knockknock grants: the daemon adds \"SRC . PORT timeout DELAY\" to\n"
"\t\t# a set; the first new connection deletes the element, and marks\n"
"\t\t# SRC . PORT used for an hour (or until the next grant): a SYN that\n"
"\t\t# comes while the kernel commits the grant cannot delete it.\n"
"\t\t" NFT_GRANT4 "\n"
"\t\t" NFT_GRANT6 "\n"
"\n"
"\t\t# Your own open services go here, e.g.  tcp dport 80 accept\n"
"\n"
"\t\tmeta l4proto tcp reject with tcp reset\n"
"\t\treject with icmpx type port-unreachable\n"
"\t}\n"
"}\n";

static const char ipt_head[] =
"#!/bin/sh\n"
"#\n"
"# knockknock: a minimal input firewall, printed by\n"
"#\tknockknock-daemon --print-firewall iptables\n"
"#\n"
"# Run it as root (sh FILE) before knockknock-daemon starts.  It replaces\n"
"# the INPUT chain of the filter table for IPv4 (iptables-restore) and\n"
"# IPv6 (ip6tables-restore), each in one atomic step: if a line is\n"
"# refused, that family's rules stay as they were, never half-loaded.  A\n"
"# grant made before it ran is flushed with the rest.  The daemon inserts\n"
"# each grant at the top of INPUT itself and deletes it after the delay:\n"
"# there is nothing to add for it here.\n"
"#\n"
"# In order: accept loopback, packets of known connections and the ICMPv6\n"
"# that IPv6 cannot work without; log every SYN to a knock port, for the\n"
"# daemon to read in the kernel log; reject everything else the way a\n"
"# closed port does (TCP reset, ICMP port unreachable), so that a scanner\n"
"# cannot tell a knock port or a protected port from an unused one.\n"
"#\n"
"# The log rules have no rate limit: a limit would let a user's own retries\n"
"# crowd out the knocks.  Under a SYN flood to a knock port every SYN is\n"
"# logged; read from /dev/kmsg that costs ring-buffer space only, written\n"
"# to a syslog file it costs disk.\n"
"#\n"
"# With iptables-nft these rules live in nftables tables (ip filter, ip6\n"
"# filter).  An accept in one nftables base chain does not override a drop\n"
"# in another table on the same hook: an nftables table of your own that\n"
"# drops what is not listed there also drops the granted connections.\n"
"\n"
"set -e\n";

static int
seen(const uint16_t *ports, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (ports[j] == ports[i])
			return 1;
	return 0;
}

static void
print_nft(FILE *out, const uint16_t *ports, size_t n)
{
	size_t	i;
	int	first = 1;

	fputs(nft_head, out);
	for (i = 0; i < n; i++) {
		if (seen(ports, i))
			continue;
		fprintf(out, "%s%u", first ? "" : ", ", (unsigned int)ports[i]);
		first = 0;
	}
	fputs(nft_tail, out);
}

/* One family's INPUT chain as iptables-restore input, replaced in one
 * commit (--noflush keeps the table's other chains). */
static void
print_ipt(FILE *out, int v6, const uint16_t *ports, size_t n)
{
	static const char *const nd[] = { "neighbour-solicitation",
	    "neighbour-advertisement", "router-advertisement",
	    "130" /* multicast listener query */ };
	size_t	i;

	fprintf(out, "\n%s -w 5 --noflush <<'EOF'\n*filter\n"
	    ":INPUT ACCEPT [0:0]\n-F INPUT\n-A INPUT -i lo -j ACCEPT\n"
	    "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n",
	    v6 ? "ip6tables-restore" : "iptables-restore");
	for (i = 0; v6 && i < sizeof(nd) / sizeof(nd[0]); i++)
		fprintf(out, "-A INPUT -p ipv6-icmp --icmpv6-type %s "
		    "-j ACCEPT\n", nd[i]);
	for (i = 0; i < n; i++)
		if (!seen(ports, i))
			fprintf(out, "-A INPUT -p tcp --syn --dport %u -j LOG "
			    "--log-prefix \"knockknock: \" --log-level warning "
			    "--log-tcp-sequence\n", (unsigned int)ports[i]);
	fprintf(out, "# Your own open services go here, e.g.\n"
	    "# -A INPUT -p tcp --dport 80 -j ACCEPT\n"
	    "-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
	    "-A INPUT -j REJECT --reject-with %s\nCOMMIT\nEOF\n",
	    v6 ? "icmp6-port-unreachable" : "icmp-port-unreachable");
}

int
fwprint(FILE *out, enum firewall fw, const uint16_t *knock_ports, size_t n,
    const char **errstr)
{
	size_t	i;

	if (n == 0) {
		*errstr = "no knock ports";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (knock_ports[i] == 0) {
			*errstr = "port 0";
			return -1;
		}
	if (fw == FIREWALL_NFTABLES)
		print_nft(out, knock_ports, n);
	else if (fw == FIREWALL_IPTABLES) {
		fputs(ipt_head, out);
		print_ipt(out, 0, knock_ports, n);
		print_ipt(out, 1, knock_ports, n);
	} else {
		*errstr = "unknown firewall";
		return -1;
	}
	if (fflush(out) == EOF || ferror(out)) {
		*errstr = "write error";
		return -1;
	}
	return 0;
}
