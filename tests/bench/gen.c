// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Benchmark input: LINES kernel netfilter LOG records in rsyslog's kern.log
 * form (RFC 3339 timestamps, the shape of tests/vectors/kernlog-samples.txt),
 * for the profile in DIR:
 *   nonknock  SYNs as an operating system sends them (LEN=60, DF), to ports
 *             that are not the profile's knock port;
 *   bogus     SYNs to the knock port with random ID/SEQ/ACK/WINDOW, as a
 *             flood or a scanner sends them;
 *   valid     knocks made with the real codec (profiles/codec.c) for
 *             consecutive counters from the profile's own, asking for 22.
 * Fields are random (a fixed-seed xorshift, so runs are repeatable), the
 * clock advances a few hundred microseconds a line.  Trusts its arguments
 * and the profile it is given; writes only OUT.
 *
 *   gen MODE LINES DIR OUT
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "profiles/codec.h"
#include "profiles/profile.h"

#define OUT_BUF_BYTES	(1024 * 1024)
#define LINE_MAX_BYTES	512		/* a generated line is ~280 */
#define START_EPOCH_S	1795371848	/* 2026-11-22T18:24:08Z */
#define START_UPTIME_US	UINT64_C(6770791842)
#define KNOCK_TO_PORT	22		/* what the valid knocks ask for */

enum mode { M_NONKNOCK, M_BOGUS, M_VALID };

struct gen {
	enum mode	 mode;
	struct profile	 prof;
	uint64_t	 rng;
	uint64_t	 counter;	/* next valid knock's */
	time_t		 sec;		/* wall clock of the line */
	uint32_t	 usec;
	uint64_t	 uptime_us;
	time_t		 stamp_sec;	/* second that stamp[] shows */
	char		 stamp[32];	/* "2026-11-22T18:24:08" */
};

static uint64_t
rnd(struct gen *g)
{
	/* xorshift64*: fast and good enough for field values. */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * UINT64_C(2685821657736338717);
}

static char *
put_str(char *p, const char *s)
{
	size_t	n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u(char *p, uint64_t v)
{
	char	tmp[20];
	size_t	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* v as exactly `digits` decimal digits, zero-padded. */
static char *
put_u_pad(char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + digits;
}

static char *
put_hex2(char *p, unsigned int b)
{
	static const char	hex[] = "0123456789abcdef";

	*p++ = hex[b >> 4 & 0xf];
	*p++ = hex[b & 0xf];
	return p;
}

static char *
put_ipv4(char *p, uint32_t a)
{
	p = put_u(p, a >> 24);
	*p++ = '.';
	p = put_u(p, a >> 16 & 0xff);
	*p++ = '.';
	p = put_u(p, a >> 8 & 0xff);
	*p++ = '.';
	return put_u(p, a & 0xff);
}

/* "2026-11-22T18:24:08.058934+00:00 server kernel: [ 6770.791842] " */
static char *
put_header(struct gen *g, char *p)
{
	struct tm	tm;
	uint64_t	up_s = g->uptime_us / 1000000;

	if (g->sec != g->stamp_sec) {
		gmtime_r(&g->sec, &tm);
		strftime(g->stamp, sizeof(g->stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		g->stamp_sec = g->sec;
	}
	p = put_str(p, g->stamp);
	*p++ = '.';
	p = put_u_pad(p, g->usec, 6);
	p = put_str(p, "+00:00 server kernel: [");
	for (uint64_t t = up_s < 10 ? 1 : up_s; t < 10000; t *= 10)
		*p++ = ' ';	/* the kernel's %5lu */
	p = put_u(p, up_s);
	*p++ = '.';
	p = put_u_pad(p, g->uptime_us % 1000000, 6);
	return put_str(p, "] knockknock: ");
}

static void
advance_clock(struct gen *g)
{
	uint32_t	step = 50 + (uint32_t)(rnd(g) % 500);	/* us */

	g->uptime_us += step;
	g->usec += step;
	if (g->usec >= 1000000) {
		g->usec -= 1000000;
		g->sec++;
	}
}

/* "IN=eth0 OUT= MAC=...:08:00 SRC=a DST=b LEN=n TOS=0x00 PREC=0x00 TTL=t " */
static char *
put_ip(struct gen *g, char *p, uint32_t src, int len, int ttl)
{
	uint64_t	mac = rnd(g);

	p = put_str(p, "IN=eth0 OUT= MAC=52:54:00:12:34:56:");
	for (int i = 0; i < 6; i++) {
		p = put_hex2(p, (unsigned int)(mac >> (8 * i)) & 0xff);
		*p++ = ':';
	}
	p = put_str(p, "08:00 SRC=");
	p = put_ipv4(p, src);
	p = put_str(p, " DST=198.51.100.7 LEN=");
	p = put_u(p, (uint64_t)len);
	p = put_str(p, " TOS=0x00 PREC=0x00 TTL=");
	p = put_u(p, (uint64_t)ttl);
	return put_str(p, " ID=");
}

/* A random public-looking IPv4 address (first octet 1..223, not 10/127). */
static uint32_t
rnd_addr(struct gen *g)
{
	uint32_t	a = (uint32_t)rnd(g);
	uint32_t	o = 1 + (a >> 24) % 223;

	if (o == 10 || o == 127)
		o++;
	return o << 24 | (a & 0xffffff);
}

static char *
put_tcp(char *p, unsigned int id, int df, unsigned int spt, unsigned int dpt,
    const struct knock_fields *f)
{
	p = put_u(p, id);
	p = put_str(p, df ? " DF PROTO=TCP SPT=" : " PROTO=TCP SPT=");
	p = put_u(p, spt);
	p = put_str(p, " DPT=");
	p = put_u(p, dpt);
	p = put_str(p, " SEQ=");
	p = put_u(p, f->seq);
	p = put_str(p, " ACK=");
	p = put_u(p, f->ack);
	p = put_str(p, " WINDOW=");
	p = put_u(p, f->window);
	return put_str(p, " RES=0x00 SYN URGP=0 \n");
}

/* An operating system's connection attempt to some other service. */
static char *
line_nonknock(struct gen *g, char *p)
{
	static const uint16_t	common[] = { 22, 23, 80, 443, 445, 3389, 8080,
	    5900, 25, 3306 };
	struct knock_fields	f = { 0 };
	uint64_t		r = rnd(g);
	unsigned int		dpt;

	if (r % 4 != 0)
		dpt = common[(r >> 8) % (sizeof(common) / sizeof(common[0]))];
	else
		dpt = 1 + (unsigned int)((r >> 16) % 65535);
	if (dpt == g->prof.knock_port)
		dpt = dpt == 65535 ? 1 : dpt + 1;
	f.seq = (uint32_t)rnd(g);
	f.window = r & 1 ? 64240 : 65535;
	p = put_ip(g, p, rnd_addr(g), 60, r >> 40 & 1 ? 64 : 52);
	return put_tcp(p, (unsigned int)(r >> 44) & 0xffff, 1,
	    32768 + (unsigned int)(r >> 24) % 28232, dpt, &f);
}

static char *
line_bogus(struct gen *g, char *p)
{
	struct knock_fields	f;
	uint64_t		r = rnd(g), s = rnd(g);

	f.ip_id = (uint16_t)r;
	f.window = (uint16_t)(r >> 16);
	f.seq = (uint32_t)s;
	f.ack = (uint32_t)(s >> 32);
	p = put_ip(g, p, rnd_addr(g), 40, 64);
	return put_tcp(p, f.ip_id, 0, 1024 + (unsigned int)(r >> 32) % 64512,
	    g->prof.knock_port, &f);
}

static char *
line_valid(struct gen *g, char *p)
{
	struct knock_fields	f;
	const char		*errstr;
	uint64_t		r = rnd(g);

	if (codec_encrypt(&g->prof.keys, g->counter, KNOCK_TO_PORT, &f,
	    &errstr) == -1)
		errx(1, "counter %llu: %s", (unsigned long long)g->counter,
		    errstr);
	g->counter++;
	/* A handful of clients, as a real server has. */
	p = put_ip(g, p, 0xcb007100u | (uint32_t)(r % 16 + 2), 40, 64);
	return put_tcp(p, f.ip_id, 0, 1024 + (unsigned int)(r >> 32) % 64512,
	    g->prof.knock_port, &f);
}

static void
flush_out(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t	w = write(fd, buf, n);

		if (w == -1)
			err(1, "write");
		buf += w;
		n -= (size_t)w;
	}
}

static void
generate(struct gen *g, unsigned long lines, int fd)
{
	char	*buf, *p;

	if ((buf = malloc(OUT_BUF_BYTES)) == NULL)
		err(1, "malloc");
	p = buf;
	for (unsigned long i = 0; i < lines; i++) {
		if ((size_t)(p - buf) > OUT_BUF_BYTES - LINE_MAX_BYTES) {
			flush_out(fd, buf, (size_t)(p - buf));
			p = buf;
		}
		advance_clock(g);
		p = put_header(g, p);
		if (g->mode == M_NONKNOCK)
			p = line_nonknock(g, p);
		else if (g->mode == M_BOGUS)
			p = line_bogus(g, p);
		else
			p = line_valid(g, p);
	}
	flush_out(fd, buf, (size_t)(p - buf));
	free(buf);
}

int
main(int argc, char *argv[])
{
	struct gen	 g;
	char		 perr[PROFILE_ERRLEN], *end;
	unsigned long	 lines;
	int		 fd;

	if (argc != 5)
		errx(2, "usage: gen nonknock|bogus|valid LINES PROFILE_DIR OUT");
	memset(&g, 0, sizeof(g));
	if (strcmp(argv[1], "nonknock") == 0)
		g.mode = M_NONKNOCK;
	else if (strcmp(argv[1], "bogus") == 0)
		g.mode = M_BOGUS;
	else if (strcmp(argv[1], "valid") == 0)
		g.mode = M_VALID;
	else
		errx(2, "%s: not nonknock, bogus or valid", argv[1]);
	lines = strtoul(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0')
		errx(2, "%s: not a number of lines", argv[2]);
	if (profile_load(argv[3], &g.prof, perr) == -1)
		errx(1, "%s", perr);
	g.counter = g.prof.counter;
	g.rng = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)g.mode;
	g.sec = START_EPOCH_S;
	g.usec = 58934;
	g.uptime_us = START_UPTIME_US;
	g.stamp_sec = -1;
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		err(1, "%s", argv[4]);
	generate(&g, lines, fd);
	if (close(fd) == -1)
		err(1, "%s", argv[4]);
	profile_wipe(&g.prof);
	return 0;
}
