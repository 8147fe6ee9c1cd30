// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests for daemon/logparse.c: every record of
 * tests/vectors/kernlog-samples.txt with its exact field values, then one
 * mutation per field (missing, repeated, out of range, malformed), the flag
 * and family rules, truncation at every byte, over-long lines and fields
 * forged inside the log prefix.  Each rejection is checked by its errstr.
 * Inputs are handed to the parser in heap buffers of their exact length, so
 * that a sanitizer build catches any read past the end.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "daemon/logparse.h"

#ifndef VECTORS_DIR
#define VECTORS_DIR	"tests/vectors"
#endif

#define REC_MAX		32
#define BUF_LEN		4096

/* Verbatim from kernlog-samples.txt: the v1 knock and the ip6tables SYN. */
static const char KNOCK4[] = "2026-11-22T18:24:08.058934+00:00 vm kernel: "
    "[ 6770.791842] knockknock: IN=veth-s OUT= "
    "MAC=b6:68:1c:28:fc:67:a6:e7:7d:10:a1:9e:08:00 SRC=10.77.0.2 "
    "DST=10.77.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=26367 PROTO=TCP "
    "SPT=1327 DPT=666 SEQ=2232808612 ACK=3473567627 WINDOW=61342 "
    "RES=0x00 SYN URGP=0 ";
static const char SYN6[] = "2026-11-22T18:24:08.102944+00:00 vm kernel: "
    "[ 6770.836117] KKTEST6: IN=veth-s OUT= "
    "MAC=b6:68:1c:28:fc:67:a6:e7:7d:10:a1:9e:86:dd "
    "SRC=fd77:0000:0000:0000:0000:0000:0000:0002 "
    "DST=fd77:0000:0000:0000:0000:0000:0000:0001 LEN=80 TC=0 HOPLIMIT=64 "
    "FLOWLBL=45168 PROTO=TCP SPT=35234 DPT=22 SEQ=2765117396 ACK=0 "
    "WINDOW=64800 RES=0x00 SYN URGP=0 "
    "OPT (020405A00402080AC6F7515D000000000103030A) ";

struct exp {
	int		 family;
	const char	*src, *dst;
	uint16_t	 dpt, ip_id, window;
	uint32_t	 seq, ack;
	const char	*opt;
};

static const struct exp e_knock = { AF_INET, "10.77.0.2", "10.77.0.1",
	666, 26367, 61342, 2232808612u, 3473567627u, NULL };
static const struct exp e_ssh = { AF_INET, "10.77.0.2", "10.77.0.1",
	22, 19044, 64240, 3005435468u, 0,
	"020405B40402080AF0F0C39C000000000103030A" };
static const struct exp e_syn6 = { AF_INET6, "fd77::2", "fd77::1",
	22, 45168, 64800, 2765117396u, 0,
	"020405A00402080AC6F7515D000000000103030A" };

/* The records of the vectors file, in order. kseq 0: a kern.log line. */
static const struct vec {
	uint64_t	 kseq;
	const struct exp *e;
	uint16_t	 spt;
	uint16_t	 dpt;	/* logparse_dpt, also for rejected records */
	const char	*err;
} vecs[] = {
	{ 0, &e_knock, 1327, 666, NULL },
	{ 0, &e_ssh, 54270, 22, NULL },
	{ 0, &e_knock, 2115, 666, NULL },
	{ 0, &e_syn6, 35234, 22, NULL },
	{ 0, &e_knock, 2115, 666, NULL },
	{ 0, NULL, 0, 5353, "not TCP" },
	{ 345, &e_knock, 1327, 666, NULL },
	{ 346, &e_ssh, 54270, 22, NULL },
	{ 347, &e_syn6, 35234, 22, NULL },
	{ 348, NULL, 0, 5353, "not TCP" },
	{ 349, &e_knock, 1947, 666, NULL },
	{ 350, &e_knock, 2115, 666, NULL },
};
#define NVECS	(sizeof(vecs) / sizeof(vecs[0]))

static char	recs[REC_MAX][BUF_LEN];
static size_t	nrecs;

static void
load_records(void)
{
	FILE	*f;
	char	 line[BUF_LEN];

	f = fopen(VECTORS_DIR "/kernlog-samples.txt", "r");
	cr_assert_not_null(f, "open %s/kernlog-samples.txt", VECTORS_DIR);
	nrecs = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		cr_assert_lt(nrecs, REC_MAX);
		memcpy(recs[nrecs++], line, strlen(line) + 1);
	}
	fclose(f);
}

/* logparse_line on an exact-length heap copy; rec->opt mapped back to s. */
static int
parse_n(const char *s, size_t n, struct knock_record *r, const char **err)
{
	char	*b = malloc(n ? n : 1);
	int	 rc;

	cr_assert_not_null(b);
	memcpy(b, s, n);
	*err = NULL;
	rc = logparse_line(b, n, r, err);
	if (rc == 0 && r->opt != NULL)
		r->opt = s + (r->opt - b);
	free(b);
	return rc;
}

static int
dpt_n(const char *s, size_t n, uint16_t *dpt)
{
	char	*b = malloc(n ? n : 1);
	int	 rc;

	cr_assert_not_null(b);
	memcpy(b, s, n);
	rc = logparse_dpt(b, n, dpt);
	free(b);
	return rc;
}

/* An accepted line must pass the pre-filter with the same port. */
static void
parse_ok(const char *s, size_t n, struct knock_record *r)
{
	const char	*err;
	uint16_t	 dpt = 0;

	cr_assert_eq(parse_n(s, n, r, &err), 0, "rejected (%s): %.*s",
	    err ? err : "?", (int)n, s);
	cr_assert_eq(dpt_n(s, n, &dpt), 0, "pre-filter: %.*s", (int)n, s);
	cr_assert_eq(dpt, r->dpt);
}

static void
expect_err(const char *s, const char *want)
{
	struct knock_record	 r;
	const char		*err;

	cr_assert_eq(parse_n(s, strlen(s), &r, &err), -1,
	    "accepted, wanted \"%s\": %s", want, s);
	cr_assert_not_null(err);
	cr_assert_str_eq(err, want, "line: %s", s);
}

static void
check_addr(int family, const uint8_t got[16], const char *want)
{
	uint8_t	a[16] = { 0 };

	cr_assert_eq(inet_pton(family, want, a), 1);
	cr_assert_arr_eq(got, a, family == AF_INET ? 4 : 16, "addr %s", want);
}

static void
check_rec(const struct knock_record *r, const struct exp *e, uint16_t spt)
{
	cr_assert_eq(r->family, e->family);
	check_addr(e->family, r->src, e->src);
	check_addr(e->family, r->dst, e->dst);
	cr_assert_eq(r->spt, spt);
	cr_assert_eq(r->dpt, e->dpt);
	cr_assert_eq(r->f.ip_id, e->ip_id);
	cr_assert_eq(r->f.seq, e->seq);
	cr_assert_eq(r->f.ack, e->ack);
	cr_assert_eq(r->f.window, e->window);
	if (e->opt == NULL) {
		cr_assert_null(r->opt);
		cr_assert_eq(r->optlen, 0);
	} else {
		cr_assert_not_null(r->opt);
		cr_assert_eq(r->optlen, strlen(e->opt));
		cr_assert(memcmp(r->opt, e->opt, r->optlen) == 0);
	}
}

/* base with the first `from` replaced by `to`, into a static buffer. */
static const char *
mutate(const char *base, const char *from, const char *to)
{
	static char	 out[BUF_LEN];
	const char	*at = strstr(base, from);
	size_t		 pre;

	cr_assert_not_null(at, "\"%s\" not in base", from);
	pre = (size_t)(at - base);
	cr_assert_lt(strlen(base) - strlen(from) + strlen(to), sizeof(out));
	memcpy(out, base, pre);
	snprintf(out + pre, sizeof(out) - pre, "%s%s", to, at + strlen(from));
	return out;
}

struct mut {
	const char	*base, *from, *to, *err;
};

static void
run_muts(const struct mut *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		expect_err(mutate(m[i].base, m[i].from, m[i].to), m[i].err);
}

#define RUN_MUTS(m)	run_muts(m, sizeof(m) / sizeof(m[0]))

Test(logparse_vectors, every_record)
{
	struct knock_record	 r;
	const char		*err, *msg, *line;
	size_t			 i, msglen, len;
	uint64_t		 seq;
	uint16_t		 dpt;

	load_records();
	cr_assert_eq(nrecs, NVECS, "records in file: %zu", nrecs);
	for (i = 0; i < NVECS; i++) {
		line = recs[i];
		len = strlen(line);
		if (vecs[i].kseq != 0) {
			cr_assert_eq(logparse_kmsg(line, len, &msg, &msglen,
			    &seq, &err), 0, "record %zu", i);
			cr_assert_eq(seq, vecs[i].kseq);
			cr_assert_eq(msg, strchr(line, ';') + 1);
			cr_assert_eq(msglen, len - (size_t)(msg - line));
			line = msg;
			len = msglen;
		} else {
			cr_assert_eq(logparse_kmsg(line, len, &msg, &msglen,
			    &seq, &err), -1);
			cr_assert_str_eq(err, "malformed kmsg header (PRI)");
		}
		cr_assert_eq(dpt_n(line, len, &dpt), 0, "record %zu", i);
		cr_assert_eq(dpt, vecs[i].dpt, "record %zu", i);
		if (vecs[i].err != NULL) {
			cr_assert_eq(parse_n(line, len, &r, &err), -1);
			cr_assert_str_eq(err, vecs[i].err, "record %zu", i);
			continue;
		}
		parse_ok(line, len, &r);
		check_rec(&r, vecs[i].e, vecs[i].spt);
	}
}

Test(logparse_vectors, bases_are_verbatim)
{
	load_records();
	cr_assert_str_eq(recs[0], KNOCK4);
	cr_assert_str_eq(recs[3], SYN6);
}

Test(logparse_kmsg, facility)
{
	const char	*msg, *err;
	size_t		 msglen;
	uint64_t	 seq;
	static const char *bad[] = {
		"14,351,6783363900,-;knockknock: IN=x",	/* user.info */
		"8,351,6783363900,-;knockknock: IN=x",	/* user.emerg */
		"15,351,6783363900,-;knockknock: IN=x",
		"2047,351,6783363900,-;knockknock: IN=x",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(logparse_kmsg(bad[i], strlen(bad[i]), &msg,
		    &msglen, &seq, &err), -1);
		cr_assert_str_eq(err, "not from the kernel", "%s", bad[i]);
	}
	for (i = 0; i < 8; i++) {	/* every level of facility 0 */
		char	rec[64];
		int	n = snprintf(rec, sizeof(rec), "%zu,9,1,-;m", i);

		cr_assert_eq(logparse_kmsg(rec, (size_t)n, &msg, &msglen,
		    &seq, &err), 0, "%s", rec);
		cr_assert_eq(seq, 9);
		cr_assert_eq(msglen, 1);
	}
}

Test(logparse_kmsg, header_forms)
{
	const char	*msg, *err;
	size_t		 msglen;
	uint64_t	 seq;
	static const char cont[] = "6,12,34,-;first line\n SUBSYSTEM=net\n"
	    " DEVICE=+net:veth-s\n";
	static const char caller[] = "7,13,35,-,caller=T1234;msg";
	static const char big[] = "7,18446744073709551615,0,c;x";
	static const char empty[] = "0,0,0,+;";

	cr_assert_eq(logparse_kmsg(cont, strlen(cont), &msg, &msglen, &seq,
	    &err), 0);
	cr_assert_eq(seq, 12);
	cr_assert_eq(msglen, strlen("first line"));
	cr_assert(memcmp(msg, "first line", msglen) == 0);
	cr_assert_eq(logparse_kmsg(caller, strlen(caller), &msg, &msglen,
	    &seq, &err), 0);
	cr_assert_eq(seq, 13);
	cr_assert_eq(msglen, 3);
	cr_assert(memcmp(msg, "msg", 3) == 0);
	cr_assert_eq(logparse_kmsg(big, strlen(big), &msg, &msglen, &seq,
	    &err), 0);
	cr_assert_eq(seq, UINT64_MAX);
	cr_assert_eq(logparse_kmsg(empty, strlen(empty), &msg, &msglen, &seq,
	    &err), 0);
	cr_assert_eq(msglen, 0);
}

Test(logparse_kmsg, malformed)
{
	static const struct {
		const char *rec, *err;
	} t[] = {
		{ "", "malformed kmsg header (PRI)" },
		{ "7", "malformed kmsg header (PRI)" },
		{ ",1,2,-;m", "malformed kmsg header (PRI)" },
		{ "07,1,2,-;m", "malformed kmsg header (PRI)" },
		{ "+7,1,2,-;m", "malformed kmsg header (PRI)" },
		{ " 7,1,2,-;m", "malformed kmsg header (PRI)" },
		{ "2048,1,2,-;m", "malformed kmsg header (PRI)" },
		{ "7x,1,2,-;m", "malformed kmsg header (PRI)" },
		{ "7,,2,-;m", "malformed kmsg header (SEQ)" },
		{ "7,-1,2,-;m", "malformed kmsg header (SEQ)" },
		{ "7,01,2,-;m", "malformed kmsg header (SEQ)" },
		{ "7,18446744073709551616,2,-;m",
		    "malformed kmsg header (SEQ)" },
		{ "7,1;m", "malformed kmsg header (SEQ)" },
		{ "7,1,x,-;m", "malformed kmsg header (timestamp)" },
		{ "7,1,2;m", "malformed kmsg header (timestamp)" },
		{ "7,1,2,", "malformed kmsg header (flags)" },
		{ "7,1,2,-", "malformed kmsg header (flags)" },
		{ "7,1,2,;m", "malformed kmsg header (flags)" },
		{ "7,1,2,x;m", "malformed kmsg header (flags)" },
		{ "7,1,2,--;m", "malformed kmsg header (flags)" },
		{ "7,1,2,-,caller=T1", "malformed kmsg header (flags)" },
		{ "7,1,2,-,a\n;m", "malformed kmsg header (flags)" },
	};
	const char	*msg, *err;
	size_t		 i, msglen;
	uint64_t	 seq = 42;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		cr_assert_eq(logparse_kmsg(t[i].rec, strlen(t[i].rec), &msg,
		    &msglen, &seq, &err), -1, "%s", t[i].rec);
		cr_assert_str_eq(err, t[i].err, "%s", t[i].rec);
		cr_assert_eq(seq, 42, "seq changed on rejection");
	}
}

Test(logparse_kmsg, truncated_every_byte)
{
	const char	*msg, *err;
	size_t		 i, n, msglen;
	uint64_t	 seq;
	char		*b;

	load_records();
	n = strlen(recs[6]);
	for (i = 0; i <= n; i++) {
		b = malloc(i ? i : 1);
		memcpy(b, recs[6], i);
		if (logparse_kmsg(b, i, &msg, &msglen, &seq, &err) == 0) {
			cr_assert_geq(i, strlen("7,345,6770791842,-;"));
			cr_assert_eq(seq, 345);
			cr_assert_eq(msg, b + 19);
			cr_assert_eq(msglen, i - 19);
		} else {
			cr_assert_lt(i, strlen("7,345,6770791842,-;"));
			cr_assert_not_null(err);
		}
		free(b);
	}
}

Test(logparse_line, missing)
{
	static const struct mut m[] = {
		{ KNOCK4, " SRC=10.77.0.2", "", "SRC missing" },
		{ KNOCK4, " DST=10.77.0.1", "", "DST missing" },
		{ KNOCK4, " PROTO=TCP", "", "PROTO missing" },
		{ KNOCK4, " SPT=1327", "", "SPT missing" },
		{ KNOCK4, " DPT=666", "", "DPT missing" },
		{ KNOCK4, " SEQ=2232808612", "", "SEQ missing" },
		{ KNOCK4, " ACK=3473567627", "", "ACK missing" },
		{ KNOCK4, " WINDOW=61342", "", "WINDOW missing" },
		{ KNOCK4, " ID=26367", "", "ID missing" },
		{ KNOCK4, " SYN", "", "no SYN flag" },
		{ KNOCK4, "IN=veth-s ", "", "no IN= field" },
		{ KNOCK4, "knockknock: IN=", "knockknock:IN=", "no IN= field" },
		{ SYN6, " FLOWLBL=45168", "", "FLOWLBL missing" },
		{ SYN6, " SRC=fd77:0000:0000:0000:0000:0000:0000:0002", "",
		    "SRC missing" },
	};

	RUN_MUTS(m);
}

Test(logparse_line, repeated)
{
	static const struct mut m[] = {
		{ KNOCK4, " SRC=10.77.0.2", " SRC=10.77.0.2 SRC=10.77.0.2",
		    "SRC repeated" },
		{ KNOCK4, " DST=10.77.0.1", " DST=10.77.0.1 DST=10.77.0.3",
		    "DST repeated" },
		{ KNOCK4, " PROTO=TCP", " PROTO=TCP PROTO=TCP",
		    "PROTO repeated" },
		{ KNOCK4, " SPT=1327", " SPT=1327 SPT=1327", "SPT repeated" },
		{ KNOCK4, " DPT=666", " DPT=666 DPT=666", "DPT repeated" },
		{ KNOCK4, " DPT=666", " DPT=666 DPT=22", "DPT repeated" },
		{ KNOCK4, " SEQ=2232808612", " SEQ=1 SEQ=2232808612",
		    "SEQ repeated" },
		{ KNOCK4, " ACK=3473567627", " ACK=3473567627 ACK=0",
		    "ACK repeated" },
		{ KNOCK4, " WINDOW=61342", " WINDOW=61342 WINDOW=61342",
		    "WINDOW repeated" },
		{ KNOCK4, " ID=26367", " ID=26367 ID=26367", "ID repeated" },
		{ KNOCK4, " SYN", " SYN SYN", "SYN repeated" },
		{ SYN6, " FLOWLBL=45168", " FLOWLBL=45168 FLOWLBL=45168",
		    "FLOWLBL repeated" },
		{ SYN6, "030A) ", "030A) OPT (0101) ", "OPT repeated" },
		/* a repeat after an out-of-range value: the first error wins */
		{ KNOCK4, " DPT=666", " DPT=0 DPT=666", "DPT out of range" },
	};

	RUN_MUTS(m);
}

Test(logparse_line, out_of_range)
{
	static const struct mut m[] = {
		{ KNOCK4, "ID=26367", "ID=65536", "ID out of range" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=4294967296",
		    "SEQ out of range" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=99999999999999999999999999",
		    "SEQ out of range" },
		{ KNOCK4, "ACK=3473567627", "ACK=4294967296",
		    "ACK out of range" },
		{ KNOCK4, "DPT=666", "DPT=0", "DPT out of range" },
		{ KNOCK4, "DPT=666", "DPT=65536", "DPT out of range" },
		{ KNOCK4, "SPT=1327", "SPT=65536", "SPT out of range" },
		{ KNOCK4, "WINDOW=61342", "WINDOW=65536",
		    "WINDOW out of range" },
		{ SYN6, "FLOWLBL=45168", "FLOWLBL=1048576",
		    "FLOWLBL out of range" },
	};

	RUN_MUTS(m);
}

Test(logparse_line, range_edges_accepted)
{
	struct knock_record	 r;
	const char		*s;

	s = mutate(KNOCK4, "ID=26367", "ID=65535");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.f.ip_id, 65535);
	s = mutate(KNOCK4, "ID=26367", "ID=0");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.f.ip_id, 0);
	s = mutate(KNOCK4, "SEQ=2232808612 ACK=3473567627",
	    "SEQ=4294967295 ACK=0");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.f.seq, UINT32_MAX);
	cr_assert_eq(r.f.ack, 0);
	s = mutate(KNOCK4, "SPT=1327 DPT=666", "SPT=0 DPT=65535");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.spt, 0);
	cr_assert_eq(r.dpt, 65535);
	s = mutate(KNOCK4, "DPT=666 SEQ=2232808612 ACK=3473567627 "
	    "WINDOW=61342", "DPT=1 SEQ=0 ACK=4294967295 WINDOW=0");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.dpt, 1);
	cr_assert_eq(r.f.seq, 0);
	cr_assert_eq(r.f.ack, UINT32_MAX);
	cr_assert_eq(r.f.window, 0);
	s = mutate(SYN6, "FLOWLBL=45168", "FLOWLBL=1048575");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.f.ip_id, 0xffff);
	s = mutate(SYN6, "FLOWLBL=45168", "FLOWLBL=65541");	/* 0x10005 */
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.f.ip_id, 5);
}

Test(logparse_line, malformed_numbers)
{
	static const struct mut m[] = {
		{ KNOCK4, "SEQ=2232808612", "SEQ=", "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ= 2232808612",
		    "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=+2232808612",
		    "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=-1", "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=0x10", "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=02232808612",
		    "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=22328086a2",
		    "SEQ malformed" },
		{ KNOCK4, "SEQ=2232808612", "SEQ=99999999999999999999x",
		    "SEQ malformed" },
		{ KNOCK4, "ACK=3473567627", "ACK=3473567627\t",
		    "ACK malformed" },
		{ KNOCK4, "ID=26367", "ID=-26367", "ID malformed" },
		{ KNOCK4, "ID=26367", "ID=2636.7", "ID malformed" },
		{ KNOCK4, "SPT=1327", "SPT=abc", "SPT malformed" },
		{ KNOCK4, "DPT=666", "DPT=6x6", "DPT malformed" },
		{ KNOCK4, "DPT=666", "DPT=0666", "DPT malformed" },
		{ KNOCK4, "DPT=666", "DPT=00", "DPT malformed" },
		{ KNOCK4, "WINDOW=61342", "WINDOW=61342.", "WINDOW malformed" },
		{ SYN6, "FLOWLBL=45168", "FLOWLBL=0xb070",
		    "FLOWLBL malformed" },
	};

	RUN_MUTS(m);
}

Test(logparse_line, malformed_addresses)
{
	static const struct mut m[] = {
		{ KNOCK4, "SRC=10.77.0.2", "SRC=", "SRC malformed" },
		{ KNOCK4, "SRC=10.77.0.2", "SRC=10.77.0.256", "SRC malformed" },
		{ KNOCK4, "SRC=10.77.0.2", "SRC=10.77.0", "SRC malformed" },
		{ KNOCK4, "SRC=10.77.0.2", "SRC=10.77.0.2x", "SRC malformed" },
		{ KNOCK4, "SRC=10.77.0.2", "SRC=010.77.0.2", "SRC malformed" },
		{ KNOCK4, "SRC=10.77.0.2", "SRC=host", "SRC malformed" },
		{ KNOCK4, "DST=10.77.0.1", "DST=10.77.0.1/32",
		    "DST malformed" },
		{ SYN6, "DST=fd77:0000:0000:0000:0000:0000:0000:0001",
		    "DST=fd77::zz", "DST malformed" },
		{ SYN6, "SRC=fd77:0000:0000:0000:0000:0000:0000:0002",
		    "SRC=fd77:0000:0000:0000:0000:0000:0000:0002:0",
		    "SRC malformed" },
		{ SYN6, "SRC=fd77:0000:0000:0000:0000:0000:0000:0002",
		    "SRC=fd77:0000:0000:0000:0000:0000:0000:00020000000000",
		    "SRC malformed" },
	};

	struct knock_record	 r;
	const char		*s;
	static const uint8_t	 a45[16] = { [10] = 0, [12] = 255, 255, 255,
	    255 };

	RUN_MUTS(m);
	/* 45 characters, the longest form there is: accepted */
	s = mutate(SYN6, "SRC=fd77:0000:0000:0000:0000:0000:0000:0002",
	    "SRC=0000:0000:0000:0000:0000:0000:255.255.255.255");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.family, AF_INET6);
	cr_assert_arr_eq(r.src, a45, 16);
}

/* An embedded NUL must not cut the address short ("10.77.0.2\0.9"). */
Test(logparse_line, nul_in_address)
{
	char			 buf[BUF_LEN];
	struct knock_record	 r;
	const char		*err, *at;
	size_t			 pre, n;

	at = strstr(KNOCK4, "SRC=10.77.0.2") + 13;
	pre = (size_t)(at - KNOCK4);
	memcpy(buf, KNOCK4, pre);
	memcpy(buf + pre, "\0.9", 3);
	n = pre + 3 + strlen(at);
	memcpy(buf + pre + 3, at, strlen(at));
	cr_assert_eq(parse_n(buf, n, &r, &err), -1);
	cr_assert_str_eq(err, "SRC malformed");
	/* and in a number */
	at = strstr(KNOCK4, "DPT=666") + 7;
	pre = (size_t)(at - KNOCK4);
	memcpy(buf, KNOCK4, pre);
	buf[pre] = '\0';
	memcpy(buf + pre + 1, at, strlen(at));
	n = strlen(KNOCK4) + 1;
	cr_assert_eq(parse_n(buf, n, &r, &err), -1);
	cr_assert_str_eq(err, "DPT malformed");
	cr_assert_eq(dpt_n(buf, n, &r.dpt), -1);
}

Test(logparse_line, protocol)
{
	static const struct mut m[] = {
		{ KNOCK4, "PROTO=TCP", "PROTO=UDP", "not TCP" },
		{ KNOCK4, "PROTO=TCP", "PROTO=tcp", "not TCP" },
		{ KNOCK4, "PROTO=TCP", "PROTO=TCPX", "not TCP" },
		{ KNOCK4, "PROTO=TCP", "PROTO=", "not TCP" },
		{ KNOCK4, "PROTO=TCP", "PROTO=6", "not TCP" },
	};

	RUN_MUTS(m);
}

Test(logparse_line, flags)
{
	static const struct mut m[] = {
		/* SYN+ACK */
		{ KNOCK4, " SYN ", " ACK SYN ", "ACK flag set" },
		{ KNOCK4, " SYN ", " ACK ", "ACK flag set" },
		{ KNOCK4, " SYN ", " RST ", "RST flag set" },
		{ KNOCK4, " SYN ", " SYN RST ", "RST flag set" },
		{ KNOCK4, " SYN ", " SYN FIN ", "FIN flag set" },
		{ KNOCK4, " SYN ", " PSH ", "no SYN flag" },
		{ KNOCK4, " SYN ", " SYNACK ", "no SYN flag" },
		{ KNOCK4, " SYN ", " syn ", "no SYN flag" },
		{ KNOCK4, " SYN ", " SYN=1 ", "no SYN flag" },
	};
	struct knock_record	 r;
	const char		*s;

	RUN_MUTS(m);
	/* the other flags do not matter; ACK= is not the ACK flag */
	s = mutate(KNOCK4, " SYN ", " CWR ECE URG PSH SYN ");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_knock, 1327);
}

Test(logparse_line, family)
{
	static const struct mut m[] = {
		{ KNOCK4, " ID=26367", " FLOWLBL=26367",
		    "FLOWLBL in an IPv4 record" },
		{ SYN6, " FLOWLBL=45168", " ID=45168", "ID in an IPv6 record" },
		{ KNOCK4, " ID=26367", " ID=26367 FLOWLBL=1",
		    "both ID and FLOWLBL" },
		{ SYN6, " FLOWLBL=45168", " ID=1 FLOWLBL=45168",
		    "both ID and FLOWLBL" },
		{ KNOCK4, "DST=10.77.0.1", "DST=fd77::1",
		    "SRC and DST families differ" },
		{ SYN6, "SRC=fd77:0000:0000:0000:0000:0000:0000:0002",
		    "SRC=10.77.0.2", "SRC and DST families differ" },
	};
	struct knock_record	 r;
	const char		*s;

	RUN_MUTS(m);
	s = mutate(SYN6, "SRC=fd77:0000:0000:0000:0000:0000:0000:0002 "
	    "DST=fd77:0000:0000:0000:0000:0000:0000:0001",
	    "SRC=fd77::2 DST=fd77::1");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_syn6, 35234);
}

Test(logparse_line, tcp_options)
{
	static const struct mut m[] = {
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "(020405A0 ", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "() ", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "(020) ", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "(02G4) ", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "( 0204 ) ", "OPT malformed" },
		{ SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
		    "(01010101010101010101010101010101010101010101010101"
		    "01010101010101010101010101010101) ", "OPT malformed" },
	};
	struct knock_record	 r;
	const char		*s;

	RUN_MUTS(m);
	/* 40 bytes of options, the most TCP has room for */
	s = mutate(SYN6, "(020405A00402080AC6F7515D000000000103030A) ",
	    "(01010101010101010101010101010101010101010101010101"
	    "010101010101010101010101010101) ");
	parse_ok(s, strlen(s), &r);
	cr_assert_eq(r.optlen, 80);
	/* IP options and IPv6 extension headers come before PROTO= */
	s = mutate(KNOCK4, " PROTO=TCP", " OPT (94040000) PROTO=TCP");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_knock, 1327);
	s = mutate(SYN6, " PROTO=TCP", " OPT ( FRAG:0 ID:00001234 ) PROTO=TCP");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_syn6, 35234);
}

Test(logparse_line, unknown_keys_ignored)
{
	struct knock_record	 r;
	const char		*s;

	s = mutate(KNOCK4, "URGP=0 ", "URGP=0 UID=0 GID=0 MARK=0x1 LEN=9 "
	    "PHYSIN=br0 X= =Y = == DPTX=1 XDPT=2 SEQUENCE=3 ");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_knock, 1327);
	/* blanks in runs and no trailing blank */
	s = mutate(KNOCK4, " SEQ=", "    SEQ=");
	parse_ok(s, strlen(s) - 1, &r);
	check_rec(&r, &e_knock, 1327);
}

Test(logparse_line, over_long)
{
	char			 buf[LOGPARSE_LINE_MAX + 2];
	struct knock_record	 r;
	const char		*err;
	size_t			 n = strlen(KNOCK4);

	/* pad with an ignored token up to exactly the limit: accepted */
	memcpy(buf, KNOCK4, n);
	memcpy(buf + n, "PAD=", 4);
	memset(buf + n + 4, 'x', LOGPARSE_LINE_MAX - n - 4);
	parse_ok(buf, LOGPARSE_LINE_MAX, &r);
	check_rec(&r, &e_knock, 1327);
	buf[LOGPARSE_LINE_MAX] = 'x';
	cr_assert_eq(parse_n(buf, LOGPARSE_LINE_MAX + 1, &r, &err), -1);
	cr_assert_str_eq(err, "line too long");
	/* refused before anything else is looked at */
	memset(buf, 'A', sizeof(buf));
	cr_assert_eq(parse_n(buf, sizeof(buf), &r, &err), -1);
	cr_assert_str_eq(err, "line too long");
	cr_assert_eq(parse_n(buf, 10, &r, &err), -1);
	cr_assert_str_eq(err, "no IN= field");
	cr_assert_eq(parse_n(buf, 0, &r, &err), -1);
	cr_assert_str_eq(err, "no IN= field");
}

Test(logparse_line, forged_prefix)
{
	struct knock_record	 r;
	const char		*s;

	/* fields and flags in the log prefix are not fields */
	s = mutate(KNOCK4, "knockknock: ", "SRC=1.2.3.4 DST=5.6.7.8 "
	    "PROTO=TCP DPT=22 SPT=1 ID=1 SEQ=1 ACK=1 WINDOW=1 FLOWLBL=1 "
	    "SYN ACK RST FIN OPT (00) xIN=lo SRC=9.9.9.9 knockknock: ");
	parse_ok(s, strlen(s), &r);
	check_rec(&r, &e_knock, 1327);
	/* a line made only of a prefix is no record */
	expect_err("kernel: SRC=10.77.0.2 DST=10.77.0.1 ID=1 PROTO=TCP "
	    "SPT=1 DPT=666 SEQ=1 ACK=1 WINDOW=1 SYN", "no IN= field");
	/* an "IN=" token in the prefix starts the record early, and the
	 * real fields then repeat the forged ones */
	expect_err(mutate(KNOCK4, "knockknock: ",
	    "IN=x SRC=1.2.3.4 knockknock: "), "SRC repeated");
	expect_err(mutate(KNOCK4, "knockknock: ",
	    "IN=x DPT=22 knockknock: "), "DPT repeated");
}

Test(logparse_line, rejection_leaves_record)
{
	struct knock_record	 r, before;
	const char		*err, *s;

	memset(&r, 0xa5, sizeof(r));
	before = r;
	s = mutate(KNOCK4, " SYN", "");
	cr_assert_eq(parse_n(s, strlen(s), &r, &err), -1);
	cr_assert(memcmp(&r, &before, sizeof(r)) == 0);
	s = mutate(KNOCK4, "WINDOW=61342", "WINDOW=65536");
	cr_assert_eq(parse_n(s, strlen(s), &r, &err), -1);
	cr_assert(memcmp(&r, &before, sizeof(r)) == 0);
}

/*
 * Every prefix of every TCP record: never a crash or an over-read, and a
 * prefix is accepted exactly when it holds the SYN flag and no cut "OPT
 * (...)"; what it yields then equals the whole record's fields.
 */
static void
truncate_all(const char *line, size_t len, const struct exp *e,
    uint16_t spt)
{
	struct knock_record	 r;
	const char		*err, *syn, *opt;
	size_t			 i, synend, optcut = len + 1, optend = len + 1;
	int			 want;

	syn = memmem(line, len, " SYN ", 5);
	cr_assert_not_null(syn);
	synend = (size_t)(syn - line) + 4;
	if ((opt = memmem(line, len, " OPT (", 6)) != NULL) {
		optcut = (size_t)(opt - line) + 4;
		optend = (size_t)((const char *)memchr(opt, ')',
		    len - (size_t)(opt - line)) - line) + 1;
	}
	for (i = 0; i <= len; i++) {
		want = i >= synend && (i < optcut || i >= optend);
		if (!want) {
			cr_assert_eq(parse_n(line, i, &r, &err), -1,
			    "prefix %zu accepted", i);
			cr_assert_not_null(err);
			continue;
		}
		parse_ok(line, i, &r);
		if (i < optend) {
			struct exp	e2 = *e;

			e2.opt = NULL;
			check_rec(&r, &e2, spt);
		} else
			check_rec(&r, e, spt);
	}
}

Test(logparse_line, truncated_every_byte)
{
	const char	*msg, *err;
	size_t		 i, msglen;
	uint64_t	 seq;

	load_records();
	for (i = 0; i < NVECS; i++) {
		if (vecs[i].err != NULL)
			continue;
		if (vecs[i].kseq == 0) {
			truncate_all(recs[i], strlen(recs[i]), vecs[i].e,
			    vecs[i].spt);
			continue;
		}
		cr_assert_eq(logparse_kmsg(recs[i], strlen(recs[i]), &msg,
		    &msglen, &seq, &err), 0);
		truncate_all(msg, msglen, vecs[i].e, vecs[i].spt);
	}
}

Test(logparse_dpt, prefilter)
{
	static const struct {
		const char	*line;
		int		 rc;
		uint16_t	 dpt;
	} t[] = {
		{ "IN=e DPT=666 ", 0, 666 },
		{ "IN=e DPT=666", 0, 666 },
		{ "p: IN=e DPT=1 ", 0, 1 },
		{ "IN=e DPT=65535 ", 0, 65535 },
		{ "IN=e DPT=65536 ", -1, 0 },
		{ "IN=e DPT=123456 ", -1, 0 },
		{ "IN=e DPT=0 ", -1, 0 },
		{ "IN=e DPT=00 ", -1, 0 },
		{ "IN=e DPT=066 ", -1, 0 },
		{ "IN=e DPT= ", -1, 0 },
		{ "IN=e DPT=", -1, 0 },
		{ "IN=e DPT=66x ", -1, 0 },
		{ "IN=e DPT=-66 ", -1, 0 },
		{ "IN=e xDPT=666 ", -1, 0 },
		{ "IN=e SPT=666 ", -1, 0 },
		{ "IN=e", -1, 0 },
		{ "", -1, 0 },
		/* no record start, or a DPT only in the prefix */
		{ "x DPT=666 ", -1, 0 },
		{ "p: DPT=1 p:IN=e DPT=2 ", -1, 0 },
		{ "p DPT=1 IN=e DPT=666 ", 0, 666 },
		{ "p DPT=1 IN=e SPT=2 ", -1, 0 },
	};
	size_t		 i;
	uint16_t	 dpt;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		dpt = 0;
		cr_assert_eq(dpt_n(t[i].line, strlen(t[i].line), &dpt),
		    t[i].rc, "\"%s\"", t[i].line);
		cr_assert_eq(dpt, t[i].dpt, "\"%s\"", t[i].line);
	}
}
