// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Builds the knock SYN with libnet and sends it on a raw socket.  Inputs
 * are trusted: the fields come from the codec, the addresses from the
 * resolver and the kernel.  The IPv4 header goes out as built (IP_HDRINCL);
 * Linux fills in only what is zero, so neither the source address nor the
 * IP ID may be 0.
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

#define PORT_SPAN	(65536 - PACKET_SPORT_MIN)	/* source ports */

/* libnet's messages name its functions and end in a newline: keep one line. */
static void
copy_error(char err[static PACKET_ERRLEN], const char *msg)
{
	size_t n;

	snprintf(err, PACKET_ERRLEN, "%s", msg);
	n = strcspn(err, "\n");
	err[n] = '\0';
}

int
packet_raw_socket(int *fd, char err[static PACKET_ERRLEN])
{
	int saved;

	*fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (*fd == -1) {
		saved = errno;
		snprintf(err, PACKET_ERRLEN, "cannot open a raw socket: %s",
		    strerror(saved));
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

int
packet_source_addr(struct in_addr dst, uint16_t dport, struct in_addr *src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd, ret = -1, saved;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	sin.sin_addr = dst;
	sin.sin_port = htons(dport);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto out;
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		goto out;
	if (len != sizeof(sin) || sin.sin_family != AF_INET ||
	    sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
		errno = EADDRNOTAVAIL;
		goto out;
	}
	*src = sin.sin_addr;
	ret = 0;
out:
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int
packet_build(libnet_t *l, const struct packet_syn *s,
    char err[static PACKET_ERRLEN])
{
	libnet_clear_packet(l);
	if (libnet_build_tcp(s->sport, s->dport, s->f.seq, s->f.ack, TH_SYN,
	    s->f.window, 0, 0, LIBNET_TCP_H, NULL, 0, l, 0) == -1)
		goto fail;
	if (libnet_build_ipv4(PACKET_LEN, 0, s->f.ip_id, 0, PACKET_TTL,
	    IPPROTO_TCP, 0, s->src.s_addr, s->dst.s_addr, NULL, 0, l, 0) == -1)
		goto fail;
	return 0;
fail:
	copy_error(err, libnet_geterror(l));
	libnet_clear_packet(l);
	return -1;
}

int
packet_send(libnet_t *l, int fd, const struct packet_syn *s,
    char err[static PACKET_ERRLEN])
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	uint8_t			*buf;
	uint32_t		 len;
	ssize_t			 n;

	/* The packet's bytes with both checksums; libnet 1.1.6's
	 * libnet_adv_cull_packet() wants a link-layer context. */
	if (libnet_pblock_coalesce(l, &buf, &len) == -1) {
		copy_error(err, libnet_geterror(l));
		return -1;
	}
	if (len != PACKET_LEN) {
		snprintf(err, PACKET_ERRLEN, "built %u bytes, not %d", len,
		    PACKET_LEN);
		libnet_adv_free_packet(l, buf);
		return -1;
	}
	sin.sin_addr = s->dst;
	n = sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	libnet_adv_free_packet(l, buf);
	if (n == -1) {
		snprintf(err, PACKET_ERRLEN, "%s", strerror(errno));
		return -1;
	}
	if (n != PACKET_LEN) {
		snprintf(err, PACKET_ERRLEN, "short write: %zd of %d bytes", n,
		    PACKET_LEN);
		return -1;
	}
	return 0;
}
