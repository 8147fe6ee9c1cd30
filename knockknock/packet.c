// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Builds and sends the knock SYN with libnet.  Inputs are trusted: the
 * fields come from the codec, the addresses from the resolver and the
 * kernel.  The IPv4 header goes out as built (IP_HDRINCL); Linux fills in
 * only what is zero, so neither the source address nor the IP ID may be 0.
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

static int
probe_raw_socket(char err[static PACKET_ERRLEN])
{
	int fd, saved;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd == -1) {
		saved = errno;
		snprintf(err, PACKET_ERRLEN, "cannot open a raw socket: %s",
		    strerror(saved));
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

int
packet_open(int injection, libnet_t **lp, char err[static PACKET_ERRLEN])
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";

	if (injection == LIBNET_RAW4 && probe_raw_socket(err) == -1)
		return -1;
	*lp = libnet_init(injection, NULL, lerr);
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
packet_send(libnet_t *l, char err[static PACKET_ERRLEN])
{
	int n;

	n = libnet_write(l);
	if (n == -1) {
		copy_error(err, libnet_geterror(l));
		return -1;
	}
	if (n != PACKET_LEN) {
		snprintf(err, PACKET_ERRLEN, "short write: %d of %d bytes", n,
		    PACKET_LEN);
		return -1;
	}
	return 0;
}
