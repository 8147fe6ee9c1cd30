/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The knock itself: one IPv4 TCP SYN whose IP ID, SEQ, ACK and WINDOW carry
 * the v1 fields (DESIGN.md §3), built with libnet and sent on a raw
 * socket.  TTL 64, SYN only, no options, no payload, both checksums set.
 */
#ifndef PACKET_H
#define PACKET_H

#include <netinet/in.h>
#include <stdint.h>

#include <libnet.h>

#include "profiles/codec.h"

#define PACKET_TTL		64	/* hops, as a Linux SYN */
#define PACKET_SPORT_MIN	1024	/* lowest random source port */
#define PACKET_LEN		(LIBNET_IPV4_H + LIBNET_TCP_H)	/* bytes: 40 */
#define PACKET_ERRLEN		LIBNET_ERRBUF_SIZE

struct packet_syn {
	struct in_addr	 src;		/* network order, never 0.0.0.0 */
	struct in_addr	 dst;
	uint16_t	 sport;		/* host order */
	uint16_t	 dport;		/* the knock port, host order */
	struct knock_fields f;
};

/*
 * Open the raw socket the knock is sent on (IPPROTO_RAW: IP_HDRINCL).
 * Needs CAP_NET_RAW.  0 with *fd set, or -1 with err set to one line and
 * errno set: EPERM or EACCES mean "no CAP_NET_RAW".
 */
int	packet_raw_socket(int *fd, char err[static PACKET_ERRLEN]);

/* Open libnet to build packets only (LIBNET_NONE); no privilege needed.
 * 0 with *lp set, or -1 with err set to one line. */
int	packet_open(libnet_t **lp, char err[static PACKET_ERRLEN]);

/*
 * Encrypt a request for `port` with the first counter >= *counter whose
 * IP ID is not zero, and set *counter to the counter used.  A zero IP ID
 * cannot travel: Linux replaces it on a raw socket (raw(7)).  The server's
 * error window absorbs the skipped counter, as it does a lost knock.
 * Returns 0, or -1 with *errstr set (for one: the profile is exhausted).
 */
int	packet_encode(const struct codec_keys *keys, uint64_t *counter,
	    uint16_t port, struct knock_fields *f, const char **errstr);

/* A uniformly random source port in PACKET_SPORT_MIN..65535, from
 * getrandom(2).  0, or -1 with errno set. */
int	packet_source_port(uint16_t *sport);

/*
 * The local address the kernel would send from to reach dst:dport (a UDP
 * socket's connect(2) and getsockname(2); nothing is sent).  The TCP
 * checksum covers it, so it cannot be left for the kernel to fill in.
 * 0, or -1 with errno set.
 */
int	packet_source_addr(struct in_addr dst, uint16_t dport,
	    struct in_addr *src);

/* Build the SYN into l (any earlier packet in l is cleared).  0, or -1 with
 * err set to libnet's message. */
int	packet_build(libnet_t *l, const struct packet_syn *s,
	    char err[static PACKET_ERRLEN]);

/* Send what packet_build built for *s, whole, on the raw socket fd.
 * 0, or -1 with err set. */
int	packet_send(libnet_t *l, int fd, const struct packet_syn *s,
	    char err[static PACKET_ERRLEN]);

#endif
