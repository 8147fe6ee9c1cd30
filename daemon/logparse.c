// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Parser for the kernel's netfilter LOG records (nf_log_syslog: iptables,
 * ip6tables and nftables "log" print the same KEY=VALUE format) and splitter
 * for /dev/kmsg records.  Every byte is untrusted: the walk goes by pointer
 * and length and never relies on a NUL, and allocates nothing.
 *
 * What precedes the first "IN=" token (syslog header, log prefix) is text we
 * do not control and is never read as fields.  From there to the end of the
 * line the record is read as a strict grammar, the one nf_log_syslog.c
 * prints: every token is one the kernel prints, in the kernel's order, at
 * most once, with its value in the kernel's form and range.  This matters
 * because other kernel messages carry text a local user chooses: a segfault
 * report names the command (15 bytes) and the file (255), and a program
 * named after a record made a lenient reader open a port.  Such a message
 * goes on after the user's text with words of its own ("[55d0+1000] likely
 * on CPU 0 ..."), which the grammar refuses.  Only a TCP SYN record (SYN
 * set; ACK, RST, FIN clear) that carries SEQ and ACK is accepted.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

#include "daemon/logparse.h"

/*
 * The record's tokens, in the order nf_log_dump_packet_common,
 * dump_mac_header, dump_ipv4_packet / dump_ipv6_packet and
 * nf_log_dump_tcp_header print them.  A record's tokens must come in
 * strictly increasing slot order, so each is there at most once.
 */
enum {
	S_IN, S_OUT, S_PHYSIN, S_PHYSOUT,
	S_MAC, S_TUNNEL, S_MACSRC, S_MACDST, S_VPROTO, S_VID, S_MACPROTO,
	S_SRC, S_DST, S_LEN, S_TOS, S_PREC, S_TTL, S_ID,
	S_TC, S_HOPLIMIT, S_FLOWLBL,
	S_CE, S_DF, S_MF, S_FRAG, S_IPOPT,
	S_PROTO, S_SPT, S_DPT, S_SEQ, S_ACK, S_WINDOW, S_RES,
	S_AE, S_CWR, S_ECE, S_URG, S_ACKF, S_PSH, S_RST, S_SYN, S_FIN,
	S_URGP, S_TCPOPT, S_UID, S_GID, S_MARK,
	S_NSLOTS
};
_Static_assert(S_NSLOTS <= 64, "a record's slots fit in a uint64_t mask");

#define BIT(s)		(UINT64_C(1) << (s))

/* Always printed (SEQ/ACK with the tcp-sequence flag, which a knock needs). */
#define NEEDED		(BIT(S_IN) | BIT(S_OUT) | BIT(S_SRC) | BIT(S_DST) | \
			    BIT(S_LEN) | BIT(S_PROTO) | BIT(S_SPT) | \
			    BIT(S_DPT) | BIT(S_SEQ) | BIT(S_ACK) | \
			    BIT(S_WINDOW) | BIT(S_RES) | BIT(S_SYN) | \
			    BIT(S_URGP))
#define NEEDED4		(BIT(S_TOS) | BIT(S_PREC) | BIT(S_TTL) | BIT(S_ID))
#define NEEDED6		(BIT(S_TC) | BIT(S_HOPLIMIT) | BIT(S_FLOWLBL))
/* Printed only beside others: see group_needs. */
#define GROUPED		(BIT(S_TUNNEL) | BIT(S_MACSRC) | BIT(S_MACDST) | \
			    BIT(S_VPROTO) | BIT(S_VID) | BIT(S_MACPROTO) | \
			    BIT(S_UID) | BIT(S_GID))

#define IFNAME_MAX	15		/* bytes; IFNAMSIZ 16 with the NUL */
#define ETHER_TEXT	17		/* bytes of "%pM": 6 bytes, 5 colons */
#define IP6_TEXT	39		/* bytes of "%pI6": 8 groups of 4 */
#define TOS_MASK	0x1e		/* IPTOS_TOS_MASK */
#define PREC_MASK	0xe0		/* IPTOS_PREC_MASK */
#define RES_MASK	0x3c		/* TCP_RESERVED_BITS >> 22 */
#define IP_OFFSET_MAX	0x1fff		/* 13-bit IPv4 fragment offset */
#define IP6_HDR_LEN	40		/* bytes; IPv6 LEN counts it */
#define IP6_FRAG_MAX	0xfff8		/* IPv6 fragment offset, bytes */
#define FLOWLBL_MAX	0xfffffu	/* 20-bit IPv6 flow label */
#define OPT_MAX		40		/* bytes of IP or TCP options, most */
#define KMSG_MORE_MAX	128		/* bytes of ",key=value" after FLAGS */
#define KMSG_PRI_MAX	2047		/* 8-bit facility, 3-bit level */

/* How a slot's value is written. */
enum {
	V_IFNAME,	/* %s of a device name, min..max bytes */
	V_MAC,		/* "" or "%02x:%02x...", min..max bytes */
	V_HEXN,		/* "%04x": exactly min lower-case digits */
	V_TUNNEL,	/* "%pI4->%pI4" */
	V_ADDR,		/* %pI4 or %pI6 */
	V_DEC,		/* %u, min..max */
	V_HEXU,		/* "0x%02X" of a value inside the mask max */
	V_HEXL,		/* "0x%02x" of a value inside the mask max */
	V_HEXX,		/* "0x%x", min..max */
	V_PROTO,	/* "TCP" for us */
	V_WORD,		/* a bare word: no value */
	V_OPT		/* "OPT", then "(%02X...)" as the next token */
};

struct slot {
	const char	*key;
	uint8_t		 kind;		/* V_* */
	uint8_t		 family;	/* AF_INET or AF_INET6 only, or 0 */
	uint32_t	 min, max;	/* range, mask or length, by kind */
	const char	*missing, *repeated, *malformed, *range, *order;
	const char	*wrongfam;
};

#define SLOT(k, kind, fam, lo, hi, miss, wf) { k, kind, fam, lo, hi, miss, \
	k " repeated", k " malformed", k " out of range", \
	k " out of order", wf }
#define ANY(k, kind, lo, hi)	SLOT(k, kind, 0, lo, hi, k " missing", NULL)
#define V4(k, kind, lo, hi)	SLOT(k, kind, AF_INET, lo, hi, \
	k " missing", k " in an IPv6 record")
#define V6(k, kind, lo, hi)	SLOT(k, kind, AF_INET6, lo, hi, \
	k " missing", k " in an IPv4 record")
#define FLAG(k)			SLOT(k, V_WORD, 0, 0, 0, "no " k " flag", NULL)

static const struct slot slots[S_NSLOTS] = {
	[S_IN] =	ANY("IN", V_IFNAME, 0, IFNAME_MAX),
	[S_OUT] =	ANY("OUT", V_IFNAME, 0, IFNAME_MAX),
	[S_PHYSIN] =	ANY("PHYSIN", V_IFNAME, 1, IFNAME_MAX),
	[S_PHYSOUT] =	ANY("PHYSOUT", V_IFNAME, 1, IFNAME_MAX),
	[S_MAC] =	ANY("MAC", V_MAC, 0, LOGPARSE_RECORD_MAX),
	[S_TUNNEL] =	ANY("TUNNEL", V_TUNNEL, 0, 0),
	[S_MACSRC] =	ANY("MACSRC", V_MAC, ETHER_TEXT, ETHER_TEXT),
	[S_MACDST] =	ANY("MACDST", V_MAC, ETHER_TEXT, ETHER_TEXT),
	[S_VPROTO] =	ANY("VPROTO", V_HEXN, 4, 4),
	[S_VID] =	ANY("VID", V_DEC, 0, UINT16_MAX),
	[S_MACPROTO] =	ANY("MACPROTO", V_HEXN, 4, 4),
	[S_SRC] =	ANY("SRC", V_ADDR, 0, 0),
	[S_DST] =	ANY("DST", V_ADDR, 0, 0),
	[S_LEN] =	ANY("LEN", V_DEC, 0, UINT16_MAX),	/* IPv6: +40 */
	[S_TOS] =	V4("TOS", V_HEXU, 0, TOS_MASK),
	[S_PREC] =	V4("PREC", V_HEXU, 0, PREC_MASK),
	[S_TTL] =	V4("TTL", V_DEC, 0, UINT8_MAX),
	[S_ID] =	V4("ID", V_DEC, 0, UINT16_MAX),
	[S_TC] =	V6("TC", V_DEC, 0, UINT8_MAX),
	[S_HOPLIMIT] =	V6("HOPLIMIT", V_DEC, 0, UINT8_MAX),
	[S_FLOWLBL] =	V6("FLOWLBL", V_DEC, 0, FLOWLBL_MAX),
	[S_CE] =	V4("CE", V_WORD, 0, 0),
	[S_DF] =	V4("DF", V_WORD, 0, 0),
	[S_MF] =	V4("MF", V_WORD, 0, 0),
	[S_FRAG] =	V4("FRAG", V_DEC, 1, IP_OFFSET_MAX),
	[S_IPOPT] =	V4("OPT", V_OPT, 0, 0),
	[S_PROTO] =	ANY("PROTO", V_PROTO, 0, 0),
	[S_SPT] =	ANY("SPT", V_DEC, 0, UINT16_MAX),
	[S_DPT] =	ANY("DPT", V_DEC, 1, UINT16_MAX),
	[S_SEQ] =	ANY("SEQ", V_DEC, 0, UINT32_MAX),
	[S_ACK] =	ANY("ACK", V_DEC, 0, UINT32_MAX),
	[S_WINDOW] =	ANY("WINDOW", V_DEC, 0, UINT16_MAX),
	[S_RES] =	ANY("RES", V_HEXL, 0, RES_MASK),
	[S_AE] =	FLAG("AE"),
	[S_CWR] =	FLAG("CWR"),
	[S_ECE] =	FLAG("ECE"),
	[S_URG] =	FLAG("URG"),
	[S_ACKF] =	FLAG("ACK"),
	[S_PSH] =	FLAG("PSH"),
	[S_RST] =	FLAG("RST"),
	[S_SYN] =	FLAG("SYN"),
	[S_FIN] =	FLAG("FIN"),
	[S_URGP] =	ANY("URGP", V_DEC, 0, UINT16_MAX),
	[S_TCPOPT] =	ANY("OPT", V_OPT, 0, 0),
	[S_UID] =	ANY("UID", V_DEC, 0, UINT32_MAX),
	[S_GID] =	ANY("GID", V_DEC, 0, UINT32_MAX),
	[S_MARK] =	ANY("MARK", V_HEXX, 1, UINT32_MAX),
};

/* What a slot of GROUPED needs beside it. */
static const uint64_t group_needs[S_NSLOTS] = {
	[S_TUNNEL] =	BIT(S_MAC),
	[S_MACSRC] =	BIT(S_MACDST) | BIT(S_MACPROTO),
	[S_MACDST] =	BIT(S_MACSRC),
	[S_VPROTO] =	BIT(S_MACSRC) | BIT(S_VID),
	[S_VID] =	BIT(S_VPROTO),
	[S_MACPROTO] =	BIT(S_MACSRC),
	[S_UID] =	BIT(S_GID),
	[S_GID] =	BIT(S_UID),
};

/*
 * IPv6 extension headers, between FLOWLBL= and PROTO=: with ip options
 * "OPT ( FRAG:%u [INCOMPLETE ]ID:%08x ) ", "OPT ( AH SPI=0x%x ) " and
 * "OPT ( ) " for the others; without, "FRAG:%u [INCOMPLETE ]ID:%08x " alone.
 * X_* are the tokens, E_* the states between them (E_G*: inside "( )",
 * E_B*: bare).
 */
enum { X_NONE, X_BAD, X_OPT, X_OPEN, X_CLOSE, X_FRAG, X_INC, X_ID, X_AH,
	X_SPI };
enum { E_START, E_OPT, E_BODY, E_GFRAG, E_GINC, E_GID, E_AH, E_SPI,
	E_BFRAG, E_BINC };

/* One token: key, then '=' or ':' and a value, or a bare word (sep 0). */
struct tok {
	const char	*k, *v;
	size_t		 kn, vn;
	char		 sep;
};

struct parse {
	uint64_t		seen;		/* BIT(S_*) */
	int			last;		/* highest slot taken, or -1 */
	int			family;		/* of SRC, or of DST without */
	int			want_opt;	/* S_*OPT: "(hex)" is next */
	int			ext;		/* E_* */
	int			frag;		/* fragment offset not 0 */
	struct knock_record	rec;
};

enum { NUM_OK, NUM_MALFORMED, NUM_RANGE };

/*
 * Decimal as the kernel prints %u/%llu: digits only, no sign, no blanks, no
 * leading zero.  Once the value overflows it stops growing (big), so no
 * digit count can wrap it; the loop is bounded by n, which the callers
 * bound.  Malformed wins over out of range.
 */
static int
parse_num(const char *s, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;
	int		big = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return NUM_MALFORMED;
	for (i = 0; i < n; i++) {
		unsigned int	d = (unsigned char)s[i] - '0';

		if (d > 9)
			return NUM_MALFORMED;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v))
			big = 1;
	}
	if (big || v > max || v < min)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

/* One hex digit in the case the kernel prints (%X or %x), or -1. */
static int
hexdigit(unsigned char c, int upper)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (upper && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (!upper && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 1 to 8 hex digits of one case. */
static int
parse_hex(const char *s, size_t n, int upper, uint32_t *out)
{
	uint32_t	v = 0;
	size_t		i;
	int		d;

	if (n == 0 || n > 8)
		return -1;
	for (i = 0; i < n; i++) {
		if ((d = hexdigit((unsigned char)s[i], upper)) < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* "0x%x": no leading zero but for the value 0 itself. */
static int
parse_hex0x(const char *s, size_t n, uint32_t *out)
{
	if (n < 3 || s[0] != '0' || s[1] != 'x' || (n > 3 && s[2] == '0'))
		return -1;
	return parse_hex(s + 2, n - 2, 0, out);
}

/* %pI4: four decimal bytes without leading zeros, dot-separated. */
static int
parse_ip4(const char *v, size_t n, uint8_t out[4])
{
	size_t	i = 0, start;
	int	part;

	for (part = 0; part < 4; part++) {
		unsigned int	x = 0;

		if (part > 0 && (i == n || v[i++] != '.'))
			return -1;
		for (start = i; i < n && i - start < 3 && v[i] >= '0' &&
		    v[i] <= '9'; i++)
			x = x * 10 + (unsigned int)(v[i] - '0');
		if (i == start || x > 255 || (i - start > 1 && v[start] == '0'))
			return -1;
		out[part] = (uint8_t)x;
	}
	return i == n ? 0 : -1;
}

/* %pI6: always the full form, eight groups of four lower-case digits. */
static int
parse_ip6(const char *v, size_t n, uint8_t out[16])
{
	uint32_t	x;
	size_t		i;

	if (n != IP6_TEXT)
		return -1;
	for (i = 0; i < 8; i++, v += 5) {
		if (parse_hex(v, 4, 0, &x) != 0 || (i < 7 && v[4] != ':'))
			return -1;
		out[2 * i] = (uint8_t)(x >> 8);
		out[2 * i + 1] = (uint8_t)x;
	}
	return 0;
}

/* The family is told by the length: an IPv4 address has at most 15. */
static int
parse_addr(const char *v, size_t n, uint8_t out[16], int *family)
{
	if (n == IP6_TEXT) {
		*family = AF_INET6;
		return parse_ip6(v, n, out);
	}
	*family = AF_INET;
	return parse_ip4(v, n, out);
}

/*
 * A device name as printed: the kernel refuses '/', ':' and blanks in
 * names; '[' and ']' are refused as well, as no real name has them and
 * a segfault report glues "[BASE+SIZE]" to the user's file name.  /dev/kmsg
 * writes other bytes as "\xNN", which stays printable.
 */
static int
check_ifname(const char *v, size_t n, size_t min, size_t max)
{
	size_t	i;

	if (n < min || n > max)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)v[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' ||
		    c == '[' || c == ']')
			return -1;
	}
	return 0;
}

/* "%02x:%02x:..." (hard_header_len bytes), or nothing. */
static int
check_mac(const char *v, size_t n, size_t min, size_t max)
{
	size_t	i;

	if (n < min || n > max)
		return -1;
	if (n == 0)
		return 0;
	if (n % 3 != 2)
		return -1;
	for (i = 0; i < n; i += 3) {
		if (hexdigit((unsigned char)v[i], 0) < 0 ||
		    hexdigit((unsigned char)v[i + 1], 0) < 0 ||
		    (i + 2 < n && v[i + 2] != ':'))
			return -1;
	}
	return 0;
}

/* "%pI4->%pI4", the outer addresses of a sit tunnel. */
static int
check_tunnel(const char *v, size_t n)
{
	const char	*arrow = memchr(v, '-', n);
	uint8_t		 a[16];
	int		 af1, af2;
	size_t		 left;

	if (arrow == NULL)
		return -1;
	left = (size_t)(arrow - v);
	if (n - left < 2 || arrow[1] != '>' ||
	    parse_addr(v, left, a, &af1) != 0 ||
	    parse_addr(arrow + 2, n - left - 2, a, &af2) != 0)
		return -1;
	return af1 == AF_INET && af2 == AF_INET ? 0 : -1;
}

/* Runs for every token of every line: constant-size compares, which the
 * compiler inlines, instead of a memcmp call per table entry. */
#define KEYIS(k, lit)	(memcmp(k, lit, sizeof(lit) - 1) == 0)

/* The slot of a "KEY=" token, or -1. */
static int
key_lookup(const char *k, size_t n)
{
	switch (n) {
	case 2:
		return KEYIS(k, "IN") ? S_IN : KEYIS(k, "ID") ? S_ID :
		    KEYIS(k, "TC") ? S_TC : -1;
	case 3:
		switch (k[0]) {
		case 'S':
			return KEYIS(k, "SRC") ? S_SRC : KEYIS(k, "SPT") ?
			    S_SPT : KEYIS(k, "SEQ") ? S_SEQ : -1;
		case 'D':
			return KEYIS(k, "DST") ? S_DST : KEYIS(k, "DPT") ?
			    S_DPT : -1;
		case 'T':
			return KEYIS(k, "TTL") ? S_TTL : KEYIS(k, "TOS") ?
			    S_TOS : -1;
		}
		return KEYIS(k, "OUT") ? S_OUT : KEYIS(k, "MAC") ? S_MAC :
		    KEYIS(k, "LEN") ? S_LEN : KEYIS(k, "ACK") ? S_ACK :
		    KEYIS(k, "RES") ? S_RES : KEYIS(k, "UID") ? S_UID :
		    KEYIS(k, "GID") ? S_GID : KEYIS(k, "VID") ? S_VID : -1;
	case 4:
		return KEYIS(k, "PREC") ? S_PREC : KEYIS(k, "URGP") ? S_URGP :
		    KEYIS(k, "MARK") ? S_MARK : -1;
	case 5:
		return KEYIS(k, "PROTO") ? S_PROTO : -1;
	case 6:
		return KEYIS(k, "WINDOW") ? S_WINDOW : KEYIS(k, "PHYSIN") ?
		    S_PHYSIN : KEYIS(k, "MACSRC") ? S_MACSRC :
		    KEYIS(k, "MACDST") ? S_MACDST : KEYIS(k, "VPROTO") ?
		    S_VPROTO : KEYIS(k, "TUNNEL") ? S_TUNNEL : -1;
	case 7:
		return KEYIS(k, "FLOWLBL") ? S_FLOWLBL : KEYIS(k, "PHYSOUT") ?
		    S_PHYSOUT : -1;
	case 8:
		return KEYIS(k, "HOPLIMIT") ? S_HOPLIMIT :
		    KEYIS(k, "MACPROTO") ? S_MACPROTO : -1;
	}
	return -1;
}

/* The slot of a bare word or of "FRAG:", or -1.  "OPT" before PROTO= is
 * the IP options, after it the TCP options. */
static int
word_lookup(const struct parse *ps, const struct tok *tk)
{
	const char	*k = tk->k;

	if (tk->sep == ':')
		return tk->kn == 4 && KEYIS(k, "FRAG") ? S_FRAG : -1;
	switch (tk->kn) {
	case 2:
		return KEYIS(k, "DF") ? S_DF : KEYIS(k, "CE") ? S_CE :
		    KEYIS(k, "MF") ? S_MF : KEYIS(k, "AE") ? S_AE : -1;
	case 3:
		if (KEYIS(k, "SYN"))
			return S_SYN;
		if (KEYIS(k, "OPT"))
			return ps->seen & BIT(S_PROTO) ? S_TCPOPT : S_IPOPT;
		return KEYIS(k, "CWR") ? S_CWR : KEYIS(k, "ECE") ? S_ECE :
		    KEYIS(k, "URG") ? S_URG : KEYIS(k, "ACK") ? S_ACKF :
		    KEYIS(k, "PSH") ? S_PSH : KEYIS(k, "RST") ? S_RST :
		    KEYIS(k, "FIN") ? S_FIN : -1;
	}
	return -1;
}

/* What kind of IPv6 extension header token tk is, value checked. */
static int
ext_kind(const struct tok *tk)
{
	uint64_t	x;
	uint32_t	h;

	switch (tk->sep) {
	case 0:
		if (tk->kn == 1)
			return tk->k[0] == '(' ? X_OPEN : tk->k[0] == ')' ?
			    X_CLOSE : X_NONE;
		if (tk->kn == 2 && KEYIS(tk->k, "AH"))
			return X_AH;
		if (tk->kn == 3 && KEYIS(tk->k, "OPT"))
			return X_OPT;
		if (tk->kn == 10 && KEYIS(tk->k, "INCOMPLETE"))
			return X_INC;
		return X_NONE;
	case ':':
		if (tk->kn == 4 && KEYIS(tk->k, "FRAG"))
			return parse_num(tk->v, tk->vn, 0, IP6_FRAG_MAX, &x) ==
			    NUM_OK && x % 8 == 0 ? X_FRAG : X_BAD;
		if (tk->kn == 2 && KEYIS(tk->k, "ID"))
			return tk->vn == 8 && parse_hex(tk->v, 8, 0, &h) == 0 ?
			    X_ID : X_BAD;
		return X_NONE;
	}
	if (tk->kn == 3 && KEYIS(tk->k, "SPI"))
		return parse_hex0x(tk->v, tk->vn, &h) == 0 ? X_SPI : X_BAD;
	return X_NONE;
}

/* The state after token kind x in state st, or -1. */
static int
ext_step(int st, int x)
{
	switch (st) {
	case E_START:
		return x == X_OPT ? E_OPT : x == X_FRAG ? E_BFRAG : -1;
	case E_OPT:
		return x == X_OPEN ? E_BODY : -1;
	case E_BODY:
		return x == X_FRAG ? E_GFRAG : x == X_AH ? E_AH :
		    x == X_CLOSE ? E_START : -1;
	case E_GFRAG:
		return x == X_INC ? E_GINC : x == X_ID ? E_GID : -1;
	case E_GINC:
		return x == X_ID ? E_GID : -1;
	case E_GID:
	case E_SPI:
		return x == X_CLOSE ? E_START : -1;
	case E_AH:
		return x == X_SPI ? E_SPI : -1;
	case E_BFRAG:
		return x == X_INC ? E_BINC : x == X_ID ? E_START : -1;
	case E_BINC:
		return x == X_ID ? E_START : -1;
	}
	return -1;
}

/* 0 taken, 1 not an extension header token (and none under way), -1. */
static int
take_ext(struct parse *ps, const struct tok *tk, const char **errstr)
{
	int	x = ext_kind(tk), next = -1;

	if (x == X_NONE && ps->ext == E_START)
		return 1;
	if (x == X_BAD || (next = ext_step(ps->ext, x)) < 0) {
		*errstr = "IPv6 extension header malformed";
		return -1;
	}
	/* no leading zeros: "0" is the only way to write offset 0 */
	if (x == X_FRAG && !(tk->vn == 1 && tk->v[0] == '0'))
		ps->frag = 1;
	ps->ext = next;
	return 0;
}

/* The token after "OPT": "(%02X...)", whole 32-bit words of options. */
static int
take_opt(struct parse *ps, const char *t, size_t n, const char **errstr)
{
	size_t	i;
	int	tcp = ps->want_opt == S_TCPOPT;

	ps->want_opt = 0;
	if (n < 2 || t[0] != '(' || t[n - 1] != ')' || n - 2 == 0 ||
	    (n - 2) % 8 != 0 || n - 2 > 2 * OPT_MAX)
		goto bad;
	for (i = 1; i < n - 1; i++)
		if (hexdigit((unsigned char)t[i], 1) < 0)
			goto bad;
	if (tcp) {
		ps->rec.opt = t + 1;
		ps->rec.optlen = n - 2;
	}
	return 0;
bad:
	*errstr = "OPT malformed";
	return -1;
}

/* A knock is a bare SYN: these flags refuse the record wherever they are. */
#define BAD_FLAGS	(BIT(S_ACKF) | BIT(S_RST) | BIT(S_FIN))

static const char *
bad_flag(int s)
{
	return s == S_ACKF ? "ACK flag set" : s == S_RST ? "RST flag set" :
	    "FIN flag set";
}

/* Slot s may come now: not seen, in the record's family, after the last. */
static int
take_slot(struct parse *ps, int s, const char **errstr)
{
	const struct slot	*sl = &slots[s];

	if (BIT(s) & BAD_FLAGS)
		*errstr = bad_flag(s);
	else if (ps->seen & BIT(s))
		*errstr = sl->repeated;
	else if (sl->family != 0 && ps->family != 0 &&
	    sl->family != ps->family)
		*errstr = sl->wrongfam;
	else if (ps->last == S_IN && s != S_OUT)
		*errstr = "OUT not after IN";
	else if (s <= ps->last)
		*errstr = sl->order;
	else {
		ps->seen |= BIT(s);
		ps->last = s;
		return 0;
	}
	return -1;
}

static void
store_num(struct parse *ps, int s, uint64_t x)
{
	switch (s) {
	case S_SPT:	ps->rec.spt = (uint16_t)x; break;
	case S_DPT:	ps->rec.dpt = (uint16_t)x; break;
	case S_SEQ:	ps->rec.f.seq = (uint32_t)x; break;
	case S_ACK:	ps->rec.f.ack = (uint32_t)x; break;
	case S_WINDOW:	ps->rec.f.window = (uint16_t)x; break;
	case S_ID:	ps->rec.f.ip_id = (uint16_t)x; break;
	/* IPv6 has no IP ID: the flow label's low 16 bits carry it */
	case S_FLOWLBL:	ps->rec.f.ip_id = (uint16_t)(x & 0xffff); break;
	case S_FRAG:	ps->frag = 1; break;	/* printed only if not 0 */
	}
}

/* SRC sets the family (DST does if SRC is missing); DST must agree. */
static int
take_addr(struct parse *ps, int s, const struct tok *tk, const char **errstr)
{
	uint8_t	*out = s == S_SRC ? ps->rec.src : ps->rec.dst;
	int	 af;

	if (parse_addr(tk->v, tk->vn, out, &af) != 0) {
		*errstr = slots[s].malformed;
		return -1;
	}
	if (ps->family != 0 && ps->family != af) {
		*errstr = "SRC and DST families differ";
		return -1;
	}
	ps->family = af;
	return 0;
}

/* A number: decimal, or hex in the kernel's case and width. */
static int
take_num(struct parse *ps, int s, const struct tok *tk, const char **errstr)
{
	const struct slot	*sl = &slots[s];
	uint64_t		 x = 0, max = sl->max;
	uint32_t		 h;
	int			 r;

	switch (sl->kind) {
	case V_DEC:
		if (s == S_LEN && ps->family == AF_INET6)
			max += IP6_HDR_LEN;
		r = parse_num(tk->v, tk->vn, sl->min, max, &x);
		break;
	case V_HEXU:
	case V_HEXL:
		r = tk->vn != 4 || tk->v[0] != '0' || tk->v[1] != 'x' ||
		    parse_hex(tk->v + 2, 2, sl->kind == V_HEXU, &h) != 0 ?
		    NUM_MALFORMED : (h & ~sl->max) != 0 ? NUM_RANGE : NUM_OK;
		break;
	default:	/* V_HEXX */
		r = parse_hex0x(tk->v, tk->vn, &h) != 0 ? NUM_MALFORMED :
		    h < sl->min ? NUM_RANGE : NUM_OK;
		break;
	}
	if (r != NUM_OK) {
		*errstr = r == NUM_RANGE ? sl->range : sl->malformed;
		return -1;
	}
	store_num(ps, s, x);
	return 0;
}

/* The value of a slot just taken. */
static int
take_value(struct parse *ps, int s, const struct tok *tk,
    const char **errstr)
{
	const struct slot	*sl = &slots[s];
	uint32_t		 h;
	int			 r = 0;

	switch (sl->kind) {
	case V_IFNAME:
		r = check_ifname(tk->v, tk->vn, sl->min, sl->max);
		break;
	case V_MAC:
		r = check_mac(tk->v, tk->vn, sl->min, sl->max);
		break;
	case V_HEXN:
		r = tk->vn == sl->min ? parse_hex(tk->v, tk->vn, 0, &h) : -1;
		break;
	case V_TUNNEL:
		r = check_tunnel(tk->v, tk->vn);
		break;
	case V_ADDR:
		return take_addr(ps, s, tk, errstr);
	case V_PROTO:
		if (tk->vn != 3 || memcmp(tk->v, "TCP", 3) != 0) {
			*errstr = "not TCP";
			return -1;
		}
		return 0;
	case V_WORD:
		return 0;
	case V_OPT:
		ps->want_opt = s;
		return 0;
	default:
		return take_num(ps, s, tk, errstr);
	}
	if (r != 0)
		*errstr = sl->malformed;
	return r;
}

/*
 * One token at t (not a blank), up to the next blank or end.  A key is
 * upper-case letters, then '=' or ':' (values may hold either: MAC, IPv6);
 * anything else is a bare word.  Returns the end of the token, or NULL
 * with *errstr.
 */
static const char *
take_token(struct parse *ps, const char *t, const char *end,
    const char **errstr)
{
	struct tok	 tk;
	const char	*sp;
	size_t		 i, n = (size_t)(end - t);
	int		 s, r;

	if (ps->want_opt) {
		if ((sp = memchr(t, ' ', n)) == NULL)
			sp = end;
		return take_opt(ps, t, (size_t)(sp - t), errstr) ? NULL : sp;
	}
	for (i = 0; i < n && t[i] >= 'A' && t[i] <= 'Z'; i++)
		;
	tk.k = t;
	tk.sep = i < n && (t[i] == '=' || t[i] == ':') ? t[i] : 0;
	if (tk.sep != 0) {
		tk.kn = i;
		tk.v = t + i + 1;
		if ((sp = memchr(tk.v, ' ', n - i - 1)) == NULL)
			sp = end;
	} else {
		while (i < n && t[i] != ' ')
			i++;
		tk.kn = i;
		tk.v = sp = t + i;
	}
	tk.vn = (size_t)(sp - tk.v);
	if (ps->last == S_FLOWLBL && ps->family == AF_INET6 &&
	    (r = take_ext(ps, &tk, errstr)) <= 0)
		return r == 0 ? sp : NULL;
	s = tk.sep == '=' ? key_lookup(tk.k, tk.kn) : word_lookup(ps, &tk);
	if (s < 0) {
		*errstr = "unknown token";
		return NULL;
	}
	if (take_slot(ps, s, errstr) != 0 || take_value(ps, s, &tk, errstr))
		return NULL;
	return sp;
}

/* Every slot the record's family needs, the groups whole, nothing cut. */
static int
check_record(const struct parse *ps, const char **errstr)
{
	uint64_t	need, miss, m;

	if (ps->want_opt) {
		*errstr = "OPT malformed";
		return -1;
	}
	if (ps->ext != E_START) {
		*errstr = "IPv6 extension header malformed";
		return -1;
	}
	/* No TCP header follows a fragment offset other than 0: a record
	 * with both is forged, one without is no knock either. */
	if (ps->frag) {
		*errstr = "fragment offset not 0";
		return -1;
	}
	need = NEEDED | (ps->family == AF_INET6 ? NEEDED6 : NEEDED4);
	if ((miss = need & ~ps->seen) != 0) {
		*errstr = slots[__builtin_ctzll(miss)].missing;
		return -1;
	}
	for (m = ps->seen & GROUPED; m != 0; m &= m - 1) {
		miss = group_needs[__builtin_ctzll(m)] & ~ps->seen;
		if (miss != 0) {
			*errstr = slots[__builtin_ctzll(miss)].missing;
			return -1;
		}
	}
	if ((ps->seen & BIT(S_MAC)) && (ps->seen & BIT(S_MACSRC))) {
		*errstr = "both MAC and MACSRC";
		return -1;
	}
	return 0;
}

/*
 * The first token in [from, end) that begins with key; line is where the
 * line starts, so a token begins there or after a blank.  memchr on the
 * key's first byte, rare in these lines, costs a fraction of memmem.
 */
static const char *
find_token(const char *line, const char *from, const char *end,
    const char *key, size_t keylen)
{
	const char	*s = from;

	while ((s = memchr(s, key[0], (size_t)(end - s))) != NULL) {
		if ((size_t)(end - s) < keylen)
			return NULL;
		if ((s == line || s[-1] == ' ') && memcmp(s, key, keylen) == 0)
			return s;
		s++;
	}
	return NULL;
}

/*
 * The first token beginning "IN=" starts the record.  The kernel prints the
 * log prefix immediately before it, so a prefix that does not end in a
 * blank ("knock" where "knock: " was meant) glues the two: only when no
 * token begins "IN=" is the first "IN=" inside a word taken, as knockknock
 * 0.5 took such records too.  Either way one start is tried, never a later
 * one (a later "IN=" may be where a user's text begins), and the strict
 * grammar from there on decides.
 */
static const char *
record_start(const char *p, size_t len)
{
	const char	*s = find_token(p, p, p + len, "IN=", 3);

	return s != NULL ? s : memmem(p, len, "IN=", 3);
}

int
logparse_line(const char *p, size_t len, struct knock_record *rec,
    const char **errstr)
{
	struct parse	 ps;
	const char	*t, *end = p + len;

	if (len > LOGPARSE_LINE_MAX) {
		*errstr = "line too long";
		return -1;
	}
	if (len < 3 || (t = record_start(p, len)) == NULL) {
		*errstr = "no IN= field";
		return -1;
	}
	if ((size_t)(end - t) > LOGPARSE_RECORD_MAX) {
		*errstr = "record too long";
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.last = -1;
	while (t < end) {
		if (*t == ' ')
			t++;
		else if ((t = take_token(&ps, t, end, errstr)) == NULL)
			return -1;
	}
	if (check_record(&ps, errstr) != 0)
		return -1;
	ps.rec.family = ps.family;
	*rec = ps.rec;
	return 0;
}

int
logparse_dpt(const char *p, size_t len, uint16_t *dpt)
{
	const char	*s, *end = p + len;
	uint32_t	 v = 0;
	size_t		 n;

	/* From the record start, as logparse_line, so that a " DPT=" in the
	 * log prefix cannot hide the record's own. */
	if (len < 9 || (s = record_start(p, len)) == NULL ||
	    (s = find_token(p, s, end, "DPT=", 4)) == NULL)
		return -1;
	for (s += 4, n = 0; s < end && *s != ' '; s++, n++) {
		unsigned int	d = (unsigned char)*s - '0';

		if (d > 9 || n == 5 || (n == 1 && v == 0))
			return -1;
		v = v * 10 + d;
	}
	if (v == 0 || v > UINT16_MAX)
		return -1;
	*dpt = (uint16_t)v;
	return 0;
}

/* A decimal header field up to the separator sep; advances *pp past it. */
static int
kmsg_num(const char **pp, const char *end, char sep, uint64_t max,
    uint64_t *out)
{
	const char	*s = *pp, *e;

	if ((e = memchr(s, sep, (size_t)(end - s))) == NULL)
		return -1;
	if (parse_num(s, (size_t)(e - s), 0, max, out) != NUM_OK)
		return -1;
	*pp = e + 1;
	return 0;
}

/*
 * FLAGS is one character ('-', 'c' or, on old kernels, '+'), then either ';'
 * or ",key=value..." (e.g. caller=T123) up to ';'.  Returns the message start.
 */
static const char *
kmsg_flags(const char *s, const char *end)
{
	const char	*lim;

	if (end - s < 2 || (*s != '-' && *s != 'c' && *s != '+'))
		return NULL;
	if (*++s == ';')
		return s + 1;
	if (*s != ',')
		return NULL;
	lim = end - s > KMSG_MORE_MAX ? s + KMSG_MORE_MAX : end;
	for (; s < lim; s++) {
		if (*s == ';')
			return s + 1;
		if (*s == '\n')
			return NULL;
	}
	return NULL;
}

int
logparse_kmsg(const char *p, size_t len, const char **msg, size_t *msglen,
    uint64_t *seq, const char **errstr)
{
	const char	*s = p, *end = p + len, *nl;
	uint64_t	 pri, sq, ts;

	if (len == 0 || kmsg_num(&s, end, ',', KMSG_PRI_MAX, &pri) != 0) {
		*errstr = "malformed kmsg header (PRI)";
		return -1;
	}
	if (pri >> 3 != 0) {
		*errstr = "not from the kernel";
		return -1;
	}
	if (kmsg_num(&s, end, ',', UINT64_MAX, &sq) != 0) {
		*errstr = "malformed kmsg header (SEQ)";
		return -1;
	}
	if (kmsg_num(&s, end, ',', UINT64_MAX, &ts) != 0) {
		*errstr = "malformed kmsg header (timestamp)";
		return -1;
	}
	if ((s = kmsg_flags(s, end)) == NULL) {
		*errstr = "malformed kmsg header (flags)";
		return -1;
	}
	if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
		nl = end;
	*msg = s;
	*msglen = (size_t)(nl - s);
	*seq = sq;
	return 0;
}
