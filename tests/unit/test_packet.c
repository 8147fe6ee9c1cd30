// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The knock SYN as libnet builds it, IPv4 and IPv6, checked byte by byte
 * without sending (LIBNET_NONE), with the checksums recomputed here; the
 * zero-IP-ID skip; the random source port and the source address lookup.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "knockknock/packet.h"
#include "profiles/codec.h"

#define DRAWS	2000	/* random source ports drawn */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071 sum, folded; `sum` carries a pseudo-header in. */
static uint16_t
csum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header's addresses: `n` bytes of each from `at` in ip. */
static uint16_t
tcp_csum(const uint8_t *ip, size_t at, size_t n, const uint8_t *tcp,
    size_t tcplen)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 2 * n; i += 2)
		sum += get16(ip + at + i);	/* source, destination */
	sum += IPPROTO_TCP + (uint32_t)tcplen;
	return csum(sum, tcp, tcplen);
}

static void
addr4(struct packet_addr *a, const char *text)
{
	a->family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, text, &a->v4), 1, "%s", text);
}

static void
addr6(struct packet_addr *a, const char *text)
{
	a->family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, text, &a->v6), 1, "%s", text);
}

/* The bytes packet_send() would send for s. */
static void
build(const struct packet_syn *s, uint8_t out[static PACKET_LEN6])
{
	char err[PACKET_ERRLEN];
	libnet_t *l;
	uint8_t *buf;
	uint32_t len;

	cr_assert_eq(packet_open(&l, err), 0, "%s", err);
	cr_assert_eq(packet_build(l, s, err), 0, "%s", err);
	cr_assert_eq(packet_bytes(l, s, &buf, &len, err), 0, "%s", err);
	cr_assert_eq(len, packet_len(s->dst.family), "packet is %u bytes",
	    len);
	memcpy(out, buf, len);
	libnet_adv_free_packet(l, buf);
	libnet_destroy(l);
}

/* The 20 bytes of TCP header that follow either IP header. */
static void
check_tcp(const struct packet_syn *s, const uint8_t *tcp)
{
	cr_expect_eq(get16(tcp + 0), s->sport, "source port");
	cr_expect_eq(get16(tcp + 2), s->dport, "destination port");
	cr_expect_eq(get32(tcp + 4), s->f.seq, "SEQ");
	cr_expect_eq(get32(tcp + 8), s->f.ack, "ACK");
	cr_expect_eq(tcp[12], 0x50, "data offset 5 (no TCP options)");
	cr_expect_eq(tcp[13], 0x02, "flags: SYN only");
	cr_expect_eq(get16(tcp + 14), s->f.window, "WINDOW");
	cr_expect_eq(get16(tcp + 18), 0, "urgent pointer");
}

/* Every IPv4 and TCP header field of the 40 bytes. */
static void
check_packet(const struct packet_syn *s, const uint8_t p[static PACKET_LEN4])
{
	const uint8_t *ip = p, *tcp = p + LIBNET_IPV4_H;

	cr_expect_eq(ip[0], 0x45, "version 4, IHL 5 (no IP options)");
	cr_expect_eq(ip[1], 0, "TOS");
	cr_expect_eq(get16(ip + 2), PACKET_LEN4, "total length");
	cr_expect_eq(get16(ip + 4), s->f.ip_id, "IP ID");
	cr_expect_eq(get16(ip + 6), 0, "flags and fragment offset");
	cr_expect_eq(ip[8], 64, "TTL");
	cr_expect_eq(ip[9], IPPROTO_TCP, "protocol");
	cr_expect_eq(get32(ip + 12), ntohl(s->src.v4.s_addr), "source");
	cr_expect_eq(get32(ip + 16), ntohl(s->dst.v4.s_addr), "destination");
	cr_expect_eq(csum(0, ip, LIBNET_IPV4_H), 0, "IP header checksum");
	check_tcp(s, tcp);
	cr_expect_eq(tcp_csum(ip, 12, 4, tcp, LIBNET_TCP_H), 0,
	    "TCP checksum");
}

/* Every IPv6 and TCP header field of the 60 bytes. */
static void
check_packet6(const struct packet_syn *s, const uint8_t p[static PACKET_LEN6])
{
	const uint8_t *ip = p, *tcp = p + LIBNET_IPV6_H;

	cr_expect_eq(get32(ip), 0x60000000u | s->f.ip_id, "version 6, "
	    "traffic class 0, flow label = IP ID (%08x)", get32(ip));
	cr_expect_eq(get16(ip + 4), LIBNET_TCP_H, "payload length");
	cr_expect_eq(ip[6], IPPROTO_TCP, "next header: TCP, no extensions");
	cr_expect_eq(ip[7], 64, "hop limit");
	cr_expect_eq(memcmp(ip + 8, &s->src.v6, 16), 0, "source address");
	cr_expect_eq(memcmp(ip + 24, &s->dst.v6, 16), 0, "destination");
	check_tcp(s, tcp);
	cr_expect_eq(tcp_csum(ip, 8, 16, tcp, LIBNET_TCP_H), 0,
	    "TCP checksum");
}

Test(packet, vector_knock)
{
	/* knockknock-v1.txt: all-zero keys, counter 0, port 22. */
	struct packet_syn s = {
		.sport = 40000, .dport = 666,
		.f = { .ip_id = 26367, .seq = 2232808612u,
		    .ack = 3473567627u, .window = 61342 },
	};
	uint8_t p[PACKET_LEN6];

	addr4(&s.src, "10.77.0.2");
	addr4(&s.dst, "10.77.0.1");
	build(&s, p);
	check_packet(&s, p);
	/* Both checksums as stored, worked out once outside this code. */
	cr_expect_eq(get16(p + 10), 0xff34, "IP checksum value");
	cr_expect_eq(get16(p + 36), 0x547c, "TCP checksum value");
}

Test(packet, extreme_fields)
{
	struct packet_syn s = {
		.sport = 65535, .dport = 1,
		.f = { .ip_id = 0xffff, .seq = 0xffffffffu, .ack = 0,
		    .window = 0xffff },
	};
	uint8_t p[PACKET_LEN6];

	addr4(&s.src, "255.255.255.254");
	addr4(&s.dst, "1.0.0.1");
	build(&s, p);
	check_packet(&s, p);

	s.sport = 1024;
	s.dport = 65535;
	s.f = (struct knock_fields){ .ip_id = 1, .seq = 0, .ack = 0xffffffffu,
	    .window = 0 };
	build(&s, p);
	check_packet(&s, p);
}

/*
 * The flow label's every bit that carries the ID, including those libnet
 * 1.1.6 would get wrong (0xABCD came out as 0xCDCD), and the TCP checksum
 * over the IPv6 pseudo-header, also worked out once outside this code.
 */
Test(packet, ipv6_knock)
{
	struct packet_syn s = {
		.sport = 40000, .dport = 666,
		.f = { .ip_id = 0xabcd, .seq = 2232808612u,
		    .ack = 3473567627u, .window = 61342 },
	};
	uint8_t p[PACKET_LEN6];

	addr6(&s.src, "fd77::2");
	addr6(&s.dst, "fd77::1");
	build(&s, p);
	check_packet6(&s, p);
	cr_expect_eq(get16(p + 56), 0x6e26, "TCP checksum value");

	s.f = (struct knock_fields){ .ip_id = 0xffff, .seq = 0xffffffffu,
	    .ack = 0, .window = 0xffff };
	s.sport = 65535;
	s.dport = 1;
	addr6(&s.src, "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe");
	addr6(&s.dst, "fe80::1");
	build(&s, p);
	check_packet6(&s, p);
	s.f.ip_id = 1;
	build(&s, p);
	check_packet6(&s, p);
}

Test(packet, rebuild_replaces)
{
	struct packet_syn a = { .sport = 5000, .dport = 666,
	    .f = { .ip_id = 1, .seq = 2, .ack = 3, .window = 4 } };
	struct packet_syn b = { .sport = 6000, .dport = 777,
	    .f = { .ip_id = 5, .seq = 6, .ack = 7, .window = 8 } };
	char err[PACKET_ERRLEN];
	libnet_t *l;
	uint8_t *buf;
	uint32_t len;

	addr4(&a.src, "192.0.2.2");
	addr4(&a.dst, "192.0.2.1");
	addr6(&b.src, "2001:db8::1");
	addr6(&b.dst, "2001:db8::2");
	cr_assert_eq(packet_open(&l, err), 0, "%s", err);
	cr_assert_eq(packet_build(l, &a, err), 0, "%s", err);
	cr_assert_eq(packet_build(l, &b, err), 0, "%s", err);
	cr_assert_eq(packet_bytes(l, &b, &buf, &len, err), 0, "%s", err);
	cr_assert_eq(len, PACKET_LEN6, "second build appended: %u bytes", len);
	check_packet6(&b, buf);
	libnet_adv_free_packet(l, buf);
	cr_assert_eq(packet_build(l, &a, err), 0, "%s", err);
	cr_assert_eq(packet_bytes(l, &a, &buf, &len, err), 0, "%s", err);
	cr_assert_eq(len, PACKET_LEN4, "third build: %u bytes", len);
	check_packet(&a, buf);
	libnet_adv_free_packet(l, buf);
	libnet_destroy(l);
}

Test(packet, encode_vector)
{
	struct codec_keys keys = { 0 };
	struct knock_fields f;
	uint64_t counter = 0;
	const char *errstr;

	cr_assert_eq(packet_encode(&keys, &counter, 22, &f, &errstr), 0);
	cr_expect_eq(counter, 0, "counter moved without a zero IP ID");
	cr_expect_eq(f.ip_id, 26367);
	cr_expect_eq(f.seq, 2232808612u);
	cr_expect_eq(f.ack, 3473567627u);
	cr_expect_eq(f.window, 61342);
}

/* A zero IP ID would be rewritten by the kernel: the next counter is used. */
Test(packet, encode_skips_zero_ip_id)
{
	struct codec_keys keys = { 0 };
	struct knock_fields f, want;
	uint64_t c, used;
	const char *errstr;

	for (c = 0; c < 1u << 24; c++) {
		cr_assert_eq(codec_encrypt(&keys, c, 22, &f, &errstr), 0);
		if (f.ip_id == 0)
			break;
	}
	cr_assert_lt(c, 1u << 24, "no counter with a zero IP ID found");
	cr_assert_eq(codec_encrypt(&keys, c + 1, 22, &want, &errstr), 0);
	cr_assert_neq(want.ip_id, 0, "two zero IP IDs in a row at %lu",
	    (unsigned long)c);
	used = c;
	cr_assert_eq(packet_encode(&keys, &used, 22, &f, &errstr), 0);
	cr_expect_eq(used, c + 1, "counter %lu not skipped", (unsigned long)c);
	cr_expect_eq(f.ip_id, want.ip_id);
	cr_expect_eq(f.seq, want.seq);
	cr_expect_eq(f.ack, want.ack);
	cr_expect_eq(f.window, want.window);
}

Test(packet, encode_exhausted)
{
	struct codec_keys keys = { 0 };
	struct knock_fields f;
	uint64_t counter = CODEC_COUNTER_LIMIT;
	const char *errstr = NULL;

	cr_assert_eq(packet_encode(&keys, &counter, 22, &f, &errstr), -1);
	cr_expect_str_eq(errstr, "profile exhausted, generate a new one with "
	    "knockknock-genprofile");
	cr_expect_eq(counter, CODEC_COUNTER_LIMIT);

	counter = CODEC_COUNTER_LIMIT - 1;	/* the last usable counter */
	cr_assert_eq(packet_encode(&keys, &counter, 22, &f, &errstr), 0,
	    "%s", errstr);
	cr_expect_eq(counter, CODEC_COUNTER_LIMIT - 1);
}

Test(packet, source_port_range)
{
	static uint8_t seen[65536];
	uint16_t port;
	int i, distinct = 0, low = 0, high = 0;

	for (i = 0; i < DRAWS; i++) {
		cr_assert_eq(packet_source_port(&port), 0, "%s",
		    strerror(errno));
		cr_assert_geq(port, PACKET_SPORT_MIN, "port %u", port);
		if (!seen[port]++)
			distinct++;
		if (port < 33000)
			low++;
		else
			high++;
	}
	/* 2000 draws from 64512 ports: about 31 repeats expected. */
	cr_expect_gt(distinct, DRAWS - 100, "only %d distinct", distinct);
	cr_expect_gt(low, DRAWS / 3, "low half drawn %d times", low);
	cr_expect_gt(high, DRAWS / 3, "high half drawn %d times", high);
}

Test(packet, source_addr_loopback)
{
	struct packet_addr dst = { 0 }, src = { 0 };

	addr4(&dst, "127.0.0.1");
	cr_assert_eq(packet_source_addr(&dst, 666, &src), 0, "%s",
	    strerror(errno));
	cr_expect_eq(src.family, AF_INET);
	cr_expect_eq(src.v4.s_addr, dst.v4.s_addr);
}

Test(packet, source_addr_loopback6)
{
	struct packet_addr dst = { 0 }, src = { 0 };
	int fd;

	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1)
		cr_skip_test("no IPv6 here: %s", strerror(errno));
	close(fd);
	addr6(&dst, "::1");
	/* A host with IPv6 disabled (disable_ipv6, as in many containers)
	 * still makes the socket, but has no ::1. */
	if (packet_source_addr(&dst, 666, &src) == -1 &&
	    (errno == EADDRNOTAVAIL || errno == ENETUNREACH))
		cr_skip_test("no IPv6 loopback here: %s", strerror(errno));
	cr_assert_eq(packet_source_addr(&dst, 666, &src), 0, "%s",
	    strerror(errno));
	cr_expect_eq(src.family, AF_INET6);
	cr_expect_eq(memcmp(&src.v6, &dst.v6, 16), 0, "source is not ::1");
}

Test(packet, open_raw_needs_privilege)
{
	char err[PACKET_ERRLEN];
	int fd;

	if (geteuid() == 0)
		cr_skip_test("running as root: a raw socket would open");
	cr_assert_eq(packet_raw_socket(AF_INET, &fd, err), -1);
	cr_expect(errno == EPERM || errno == EACCES, "errno %d", errno);
	cr_expect_str_eq(err, "cannot open a raw socket: Operation not "
	    "permitted");
	cr_assert_eq(packet_raw_socket(AF_INET6, &fd, err), -1);
	cr_expect(errno == EPERM || errno == EACCES, "errno %d", errno);
	cr_expect_str_eq(err, "cannot open a raw IPv6 socket: Operation not "
	    "permitted");
}
