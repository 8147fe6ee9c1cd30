// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Builds the knock SYN with libnet and sends it on a raw socket.  Inputs
 * are trusted: the fields come from the codec, the addresses from the
 * resolver and the kernel.  The IP header goes out as built (IPPROTO_RAW
 * implies IP_HDRINCL, and IPV6_HDRINCL for IPv6).  Linux fills in only
 * what is zero in an IPv4 header, so neither the source address nor the
 * IP ID may be 0; it leaves an IPv6 header alone.
 *
 * The socket is ours, not libnet's: libnet_init(LIBNET_RAW4) grows the
 * socket's send buffer 128 bytes at a time, some 8000 setsockopt() calls
 * that cost 10-20 ms, more than the rest of the knock's path together.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "knockknock/packet.h"

#define FLOW_ID_OFF	2	/* offset of the flow label's low 16 bits */

/* libnet's messages name its functions and end in a newline: keep one line. */
static void
copy_error(char err[static PACKET_ERRLEN], const char *msg)
{
	size_t n;

	snprintf(err, PACKET_ERRLEN, "%s", msg);
	n = strcspn(err, "\n");
	err[n] = '\0';
}

uint32_t
packet_len(int family)
{
	return family == AF_INET6 ? PACKET_LEN6 : PACKET_LEN4;
}

int
packet_raw_socket(int family, int *fd, char err[static PACKET_ERRLEN])
{
	int saved;

	*fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (*fd == -1) {
		saved = errno;
		snprintf(err, PACKET_ERRLEN, "cannot open a raw %ssocket: %s",
		    family == AF_INET6 ? "IPv6 " : "", strerror(saved));
		errno = saved;
		return -1;
	}
	return 0;
}

int
packet_open(libnet_t **lp, char err[static PACKET_ERRLEN])
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";

	*lp = libnet_init(LIBNET_NONE, NULL, lerr);
	if (*lp == NULL) {
		copy_error(err, lerr);
		errno = 0;
		return -1;
	}
	return 0;
}

int
packet_encode(const struct codec_keys *keys, uint64_t *counter,
    uint16_t port, struct knock_fields *f, const char **errstr)
{
	uint64_t c;

	for (c = *counter; c < CODEC_COUNTER_LIMIT; c++) {
		if (codec_encrypt(keys, c, port, f, errstr) == -1)
			return -1;
		if (f->ip_id != 0) {
			*counter = c;
			return 0;
		}
	}
	explicit_bzero(f, sizeof(*f));
	*errstr = "profile exhausted, generate a new one with "
	    "knockknock-genprofile";
	return -1;
}

int
packet_source_port(uint16_t *sport)
{
	uint16_t r;
	ssize_t n;

	/* Rejection sampling keeps the 64512 ports equally likely. */
	do {
		n = getrandom(&r, sizeof(r), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(r)) {
			if (n >= 0)
				errno = EIO;
			return -1;
		}
	} while (n != (ssize_t)sizeof(r) || r < PACKET_SPORT_MIN);
	*sport = r;
	return 0;
}

socklen_t
packet_sockaddr(const struct packet_addr *addr, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (addr->family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = addr->v6;
		sin6->sin6_port = htons(port);
		sin6->sin6_scope_id = addr->scope;
		return sizeof(*sin6);
	}
	sin->sin_family = AF_INET;
	sin->sin_addr = addr->v4;
	sin->sin_port = htons(port);
	return sizeof(*sin);
}

int
packet_addr_from(const struct sockaddr *sa, socklen_t len,
    struct packet_addr *addr)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	const struct sockaddr_in *sin = (const void *)sa;

	memset(addr, 0, sizeof(*addr));
	addr->family = sa->sa_family;
	if (sa->sa_family == AF_INET6 && len == sizeof(*sin6)) {
		addr->v6 = sin6->sin6_addr;
		addr->scope = sin6->sin6_scope_id;
		return 0;
	}
	if (sa->sa_family == AF_INET && len == sizeof(*sin)) {
		addr->v4 = sin->sin_addr;
		return 0;
	}
	return -1;
}

/* Whether src, from getsockname(), is an address a packet may come from. */
static int
usable_source(const struct sockaddr_storage *ss, socklen_t len, int family,
    struct packet_addr *src)
{
	if (ss->ss_family != family ||
	    packet_addr_from((const struct sockaddr *)ss, len, src) == -1)
		return 0;
	if (family == AF_INET6)
		return !IN6_IS_ADDR_UNSPECIFIED(&src->v6);
	return src->v4.s_addr != htonl(INADDR_ANY);
}

int
packet_source_addr(const struct packet_addr *dst, uint16_t dport,
    struct packet_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ret = -1, saved;

	fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	len = packet_sockaddr(dst, dport, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) == -1)
		goto out;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		goto out;
	if (!usable_source(&ss, len, dst->family, src)) {
		errno = EADDRNOTAVAIL;
		goto out;
	}
	ret = 0;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

static struct libnet_in6_addr
in6(const struct in6_addr *a)
{
	struct libnet_in6_addr r;

	_Static_assert(sizeof(r) == sizeof(*a), "libnet's in6_addr");
	memcpy(&r, a, sizeof(r));
	return r;
}

int
packet_build(libnet_t *l, const struct packet_syn *s,
    char err[static PACKET_ERRLEN])
{
	libnet_ptag_t t;

	libnet_clear_packet(l);
	if (libnet_build_tcp(s->sport, s->dport, s->f.seq, s->f.ack, TH_SYN,
	    s->f.window, 0, 0, LIBNET_TCP_H, NULL, 0, l, 0) == -1)
		goto fail;
	/* The flow label is set in packet_bytes(): see there. */
	if (s->dst.family == AF_INET6)
		t = libnet_build_ipv6(0, 0, LIBNET_TCP_H, IPPROTO_TCP,
		    PACKET_TTL, in6(&s->src.v6), in6(&s->dst.v6), NULL, 0, l,
		    0);
	else
		t = libnet_build_ipv4(PACKET_LEN4, 0, s->f.ip_id, 0,
		    PACKET_TTL, IPPROTO_TCP, 0, s->src.v4.s_addr,
		    s->dst.v4.s_addr, NULL, 0, l, 0);
	if (t == -1)
		goto fail;
	return 0;
fail:
	copy_error(err, libnet_geterror(l));
	libnet_clear_packet(l);
	return -1;
}

int
packet_bytes(libnet_t *l, const struct packet_syn *s, uint8_t **buf,
    uint32_t *len, char err[static PACKET_ERRLEN])
{
	uint32_t want = packet_len(s->dst.family);

	/* The packet's bytes with every checksum; libnet 1.1.6's
	 * libnet_adv_cull_packet() wants a link-layer context. */
	if (libnet_pblock_coalesce(l, buf, len) == -1) {
		copy_error(err, libnet_geterror(l));
		return -1;
	}
	if (*len != want) {
		snprintf(err, PACKET_ERRLEN, "built %u bytes, not %u", *len,
		    want);
		libnet_adv_free_packet(l, *buf);
		return -1;
	}
	/*
	 * IPv6 has no IP ID: it travels in the flow label's low 16 bits,
	 * its top 4 bits zero (DESIGN.md §3).  Written here because libnet
	 * 1.1.6's libnet_build_ipv6() gets the label's middle byte wrong
	 * (`fl & 0x0FF00 >> 8` is fl & 0xff).  No checksum covers it.
	 */
	if (s->dst.family == AF_INET6) {
		(*buf)[FLOW_ID_OFF] = (uint8_t)(s->f.ip_id >> 8);
		(*buf)[FLOW_ID_OFF + 1] = (uint8_t)s->f.ip_id;
	}
	return 0;
}

int
packet_send(libnet_t *l, int fd, const struct packet_syn *s,
    char err[static PACKET_ERRLEN])
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint8_t			*buf;
	uint32_t		 len;
	ssize_t			 n;

	if (packet_bytes(l, s, &buf, &len, err) == -1)
		return -1;
	/* Port 0: for a raw IPv6 socket a port names the protocol. */
	sslen = packet_sockaddr(&s->dst, 0, &ss);
	n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sslen);
	libnet_adv_free_packet(l, buf);
	if (n == -1) {
		snprintf(err, PACKET_ERRLEN, "%s", strerror(errno));
		return -1;
	}
	if (n != (ssize_t)len) {
		snprintf(err, PACKET_ERRLEN, "short write: %zd of %u bytes", n,
		    len);
		return -1;
	}
	return 0;
}
