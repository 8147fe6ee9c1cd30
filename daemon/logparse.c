// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Parser for the kernel's netfilter LOG records (nf_log_syslog: iptables,
 * ip6tables and nftables "log" print the same KEY=VALUE format) and splitter
 * for /dev/kmsg records.  Every byte is untrusted: the walk goes by pointer
 * and length and never relies on a NUL, allocates nothing, and accepts only
 * a TCP SYN record whose needed fields each occur exactly once and in range.
 * What precedes the first "IN=" token (syslog header, log prefix) is text we
 * do not control and is never read as fields.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "daemon/logparse.h"

enum {
	F_SRC, F_DST, F_PROTO, F_SPT, F_DPT, F_SEQ, F_ACK, F_WINDOW,
	F_ID, F_FLOWLBL, F_NFIELDS,
	F_SYN = F_NFIELDS, F_OPT
};

#define BIT(f)		(1u << (f))
#define NEEDED		(BIT(F_SRC) | BIT(F_DST) | BIT(F_PROTO) | \
			    BIT(F_SPT) | BIT(F_DPT) | BIT(F_SEQ) | \
			    BIT(F_ACK) | BIT(F_WINDOW))

#define FLOWLBL_MAX	0xfffffu	/* 20-bit IPv6 flow label */
#define TCP_OPT_MAX	40		/* bytes of TCP options, at most */
#define KMSG_MORE_MAX	128		/* bytes of ",key=value" after FLAGS */
#define KMSG_PRI_MAX	2047		/* 8-bit facility, 3-bit level */

struct field {
	const char	*key;
	size_t		 keylen;
	uint32_t	 min, max;	/* numeric fields only */
	const char	*missing, *repeated, *malformed, *range;
};

#define FIELD(k, lo, hi) { k, sizeof(k) - 1, lo, hi, k " missing", \
	k " repeated", k " malformed", k " out of range" }

static const struct field fields[F_NFIELDS] = {
	[F_SRC] =	FIELD("SRC", 0, 0),
	[F_DST] =	FIELD("DST", 0, 0),
	[F_PROTO] =	FIELD("PROTO", 0, 0),
	[F_SPT] =	FIELD("SPT", 0, UINT16_MAX),
	[F_DPT] =	FIELD("DPT", 1, UINT16_MAX),
	[F_SEQ] =	FIELD("SEQ", 0, UINT32_MAX),
	[F_ACK] =	FIELD("ACK", 0, UINT32_MAX),
	[F_WINDOW] =	FIELD("WINDOW", 0, UINT16_MAX),
	[F_ID] =	FIELD("ID", 0, UINT16_MAX),
	[F_FLOWLBL] =	FIELD("FLOWLBL", 0, FLOWLBL_MAX),
};

struct parse {
	uint32_t		seen;		/* BIT(F_*) */
	int			want_opt;	/* "OPT" seen, "(hex)" next */
	int			srcfam, dstfam;
	uint32_t		id, flowlbl;
	struct knock_record	rec;
};

enum { NUM_OK, NUM_MALFORMED, NUM_RANGE };

/*
 * Decimal as the kernel prints %u/%llu: digits only, no sign, no blanks, no
 * leading zero.  Once a digit would take the value past max (>= 9) it stops
 * growing, so no digit count can overflow; the loop is bounded by n, which
 * the callers bound.  Malformed wins over out of range.
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
		if (big || v > (max - d) / 10)
			big = 1;
		else
			v = v * 10 + d;
	}
	if (big || v < min)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

/* Family by the presence of ':'; characters checked so that an embedded NUL
 * cannot cut the copy short for inet_pton. */
static int
parse_addr(const char *v, size_t n, uint8_t out[16], int *family)
{
	char	buf[INET6_ADDRSTRLEN];
	int	af = AF_INET;
	size_t	i;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		char	c = v[i];

		if (c == ':')
			af = AF_INET6;
		else if (!((c >= '0' && c <= '9') || c == '.' ||
		    (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return -1;
		buf[i] = c;
	}
	buf[n] = '\0';
	if (inet_pton(af, buf, out) != 1)
		return -1;
	*family = af;
	return 0;
}

/* Runs for every token of every line: constant-size compares, which the
 * compiler inlines, instead of a memcmp call per table entry. */
#define KEYIS(k, lit)	(memcmp(k, lit, sizeof(lit) - 1) == 0)

static int
field_lookup(const char *k, size_t n)
{
	switch (n) {
	case 2:
		return KEYIS(k, "ID") ? F_ID : -1;
	case 3:
		if (k[0] == 'S')
			return KEYIS(k, "SRC") ? F_SRC : KEYIS(k, "SPT") ?
			    F_SPT : KEYIS(k, "SEQ") ? F_SEQ : -1;
		if (k[0] == 'D')
			return KEYIS(k, "DST") ? F_DST : KEYIS(k, "DPT") ?
			    F_DPT : -1;
		return KEYIS(k, "ACK") ? F_ACK : -1;
	case 5:
		return KEYIS(k, "PROTO") ? F_PROTO : -1;
	case 6:
		return KEYIS(k, "WINDOW") ? F_WINDOW : -1;
	case 7:
		return KEYIS(k, "FLOWLBL") ? F_FLOWLBL : -1;
	}
	return -1;
}

static void
store_num(struct parse *ps, int f, uint64_t x)
{
	switch (f) {
	case F_SPT:	ps->rec.spt = (uint16_t)x; break;
	case F_DPT:	ps->rec.dpt = (uint16_t)x; break;
	case F_SEQ:	ps->rec.f.seq = (uint32_t)x; break;
	case F_ACK:	ps->rec.f.ack = (uint32_t)x; break;
	case F_WINDOW:	ps->rec.f.window = (uint16_t)x; break;
	case F_ID:	ps->id = (uint32_t)x; break;
	case F_FLOWLBL:	ps->flowlbl = (uint32_t)x; break;
	}
}

static int
take_field(struct parse *ps, int f, const char *v, size_t n,
    const char **errstr)
{
	const struct field	*fd = &fields[f];
	uint64_t		 x = 0;
	int			 r;

	if (ps->seen & BIT(f)) {
		*errstr = fd->repeated;
		return -1;
	}
	ps->seen |= BIT(f);
	switch (f) {
	case F_SRC:
		r = parse_addr(v, n, ps->rec.src, &ps->srcfam);
		break;
	case F_DST:
		r = parse_addr(v, n, ps->rec.dst, &ps->dstfam);
		break;
	case F_PROTO:
		if (n != 3 || memcmp(v, "TCP", 3) != 0) {
			*errstr = "not TCP";
			return -1;
		}
		return 0;
	default:
		r = parse_num(v, n, fd->min, fd->max, &x);
		if (r == NUM_RANGE) {
			*errstr = fd->range;
			return -1;
		}
		store_num(ps, f, x);
		break;
	}
	if (r != 0) {
		*errstr = fd->malformed;
		return -1;
	}
	return 0;
}

/* The token after "OPT": "(hex)", at most TCP_OPT_MAX bytes' worth. */
static int
take_opt(struct parse *ps, const char *t, size_t n, const char **errstr)
{
	size_t	i;

	ps->want_opt = 0;
	if (n < 4 || t[0] != '(' || t[n - 1] != ')' || (n - 2) % 2 != 0 ||
	    n - 2 > 2 * TCP_OPT_MAX)
		goto bad;
	for (i = 1; i < n - 1; i++) {
		char	c = t[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
		    (c >= 'a' && c <= 'f')))
			goto bad;
	}
	ps->rec.opt = t + 1;
	ps->rec.optlen = n - 2;
	return 0;
bad:
	*errstr = "OPT malformed";
	return -1;
}

/*
 * Bare words.  The TCP flags are printed as words (CWR ECE URG ACK PSH RST
 * SYN FIN), distinct from the ACK= field.  "OPT" before PROTO= introduces IP
 * options (IPv6 extension headers print several words there), so only the
 * OPT after PROTO=TCP is the TCP options.
 */
static int
take_word(struct parse *ps, const char *t, size_t n, const char **errstr)
{
	if (n != 3)
		return 0;
	if (memcmp(t, "SYN", 3) == 0) {
		if (ps->seen & BIT(F_SYN)) {
			*errstr = "SYN repeated";
			return -1;
		}
		ps->seen |= BIT(F_SYN);
	} else if (memcmp(t, "ACK", 3) == 0) {
		*errstr = "ACK flag set";
		return -1;
	} else if (memcmp(t, "RST", 3) == 0) {
		*errstr = "RST flag set";
		return -1;
	} else if (memcmp(t, "FIN", 3) == 0) {
		*errstr = "FIN flag set";
		return -1;
	} else if (memcmp(t, "OPT", 3) == 0 && (ps->seen & BIT(F_PROTO))) {
		if (ps->seen & BIT(F_OPT)) {
			*errstr = "OPT repeated";
			return -1;
		}
		ps->seen |= BIT(F_OPT);
		ps->want_opt = 1;
	}
	return 0;
}

/*
 * One token at t (not a blank).  Keys are short, so a byte loop finds the
 * '=' or the end of a bare word; a value is skipped with memchr.  Returns
 * the end of the token, or NULL with *errstr.
 */
static const char *
take_token(struct parse *ps, const char *t, const char *end,
    const char **errstr)
{
	const char	*k = t, *sp;
	int		 f;

	if (ps->want_opt) {
		if ((sp = memchr(t, ' ', (size_t)(end - t))) == NULL)
			sp = end;
		return take_opt(ps, t, (size_t)(sp - t), errstr) ? NULL : sp;
	}
	while (t < end && *t != ' ' && *t != '=')
		t++;
	if (t == end || *t == ' ')
		return take_word(ps, k, (size_t)(t - k), errstr) ? NULL : t;
	f = field_lookup(k, (size_t)(t - k));
	t++;
	if ((sp = memchr(t, ' ', (size_t)(end - t))) == NULL)
		sp = end;
	if (f < 0)
		return sp;	/* IN, OUT, MAC, LEN, TTL, ...: not needed */
	return take_field(ps, f, t, (size_t)(sp - t), errstr) ? NULL : sp;
}

/* IPv4 carries ID, IPv6 FLOWLBL: exactly one, matching the addresses. */
static int
check_family(const struct parse *ps, const char **errstr)
{
	if (ps->srcfam != ps->dstfam) {
		*errstr = "SRC and DST families differ";
		return -1;
	}
	if ((ps->seen & BIT(F_ID)) && (ps->seen & BIT(F_FLOWLBL))) {
		*errstr = "both ID and FLOWLBL";
		return -1;
	}
	if (ps->srcfam == AF_INET) {
		if (ps->seen & BIT(F_FLOWLBL))
			*errstr = "FLOWLBL in an IPv4 record";
		else if (!(ps->seen & BIT(F_ID)))
			*errstr = fields[F_ID].missing;
		else
			return 0;
		return -1;
	}
	if (ps->seen & BIT(F_ID))
		*errstr = "ID in an IPv6 record";
	else if (!(ps->seen & BIT(F_FLOWLBL)))
		*errstr = fields[F_FLOWLBL].missing;
	else
		return 0;
	return -1;
}

/* Every needed field present, and the family agreeing with ID/FLOWLBL. */
static int
check_record(struct parse *ps, const char **errstr)
{
	int	f;

	for (f = 0; f < F_NFIELDS; f++) {
		if ((NEEDED & BIT(f)) && !(ps->seen & BIT(f))) {
			*errstr = fields[f].missing;
			return -1;
		}
	}
	if (!(ps->seen & BIT(F_SYN))) {
		*errstr = "no SYN flag";
		return -1;
	}
	if (ps->want_opt) {
		*errstr = "OPT malformed";
		return -1;
	}
	return check_family(ps, errstr);
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
 * The first token beginning "IN=" starts the record: the kernel prints the
 * log prefix immediately before it, so the prefix must end in a blank (as
 * "knockknock: " does) for its record to be found.
 */
static const char *
record_start(const char *p, size_t len)
{
	return find_token(p, p, p + len, "IN=", 3);
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
	if (len < 4 || (t = record_start(p, len)) == NULL) {
		*errstr = "no IN= field";
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	while (t < end) {
		if (*t == ' ')
			t++;
		else if ((t = take_token(&ps, t, end, errstr)) == NULL)
			return -1;
	}
	if (check_record(&ps, errstr) != 0)
		return -1;
	ps.rec.family = ps.srcfam;
	ps.rec.f.ip_id = (uint16_t)(ps.srcfam == AF_INET ? ps.id :
	    ps.flowlbl & 0xffff);
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
