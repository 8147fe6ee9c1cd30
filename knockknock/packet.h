/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The knock itself: one TCP SYN whose IP ID (IPv6: the flow label's low 16
 * bits), SEQ, ACK and WINDOW carry the v1 fields (DESIGN.md §3), built
 * with libnet and sent on a raw socket.  TTL (hop limit) 64, SYN only, no
 * options, no payload, every checksum set.
 */
#ifndef PACKET_H
#define PACKET_H

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdint.h>

#include <libnet.h>

#include "profiles/codec.h"

#define PACKET_TTL		64	/* hops, as a Linux SYN */
#define PACKET_SPORT_MIN	1024	/* lowest random source port */
#define PACKET_LEN4	(LIBNET_IPV4_H + LIBNET_TCP_H)	/* 40 bytes */
#define PACKET_LEN6	(LIBNET_IPV6_H + LIBNET_TCP_H)	/* 60 bytes */
#define PACKET_ERRLEN		LIBNET_ERRBUF_SIZE

/* An address of either family. */
struct packet_addr {
	int			 family;	/* AF_INET or AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	};
	uint32_t		 scope;	/* IPv6 link-local: interface */
};

struct packet_syn {
	struct packet_addr	 src;	/* dst's family; never :: or 0 */
	struct packet_addr	 dst;
	uint16_t		 sport;	/* host order */
	uint16_t		 dport;	/* the knock port, host order */
	struct knock_fields	 f;
};

/* PACKET_LEN4 or PACKET_LEN6. */
uint32_t packet_len(int family);

/* The address in sa (IPv4 or IPv6, with its scope): 0, or -1 for another
 * family or a length that does not fit it. */
int	packet_addr_from(const struct sockaddr *sa, socklen_t len,
	    struct packet_addr *addr);

/* addr as a socket address with `port` (host order); its length. */
socklen_t packet_sockaddr(const struct packet_addr *addr, uint16_t port,
	    struct sockaddr_storage *ss);

/*
 * Open the raw socket a knock of `family` is sent on (IPPROTO_RAW: the IP
 * header is ours).  Needs CAP_NET_RAW.  0 with *fd set, or -1 with err
 * set to one line and errno set: EPERM or EACCES mean "no CAP_NET_RAW".
 */
int	packet_raw_socket(int family, int *fd,
	    char err[static PACKET_ERRLEN]);

/* Open libnet to build packets only (LIBNET_NONE); no privilege needed.
 * 0 with *lp set, or -1 with err set to one line. */
int	packet_open(libnet_t **lp, char err[static PACKET_ERRLEN]);

/*
 * Encrypt a request for `port` with the first counter >= *counter whose
 * IP ID is not zero, and set *counter to the counter used.  A zero IP ID
 * cannot travel over IPv4: Linux replaces it on a raw socket (raw(7)).
 * Over IPv6 it would make the flow label zero, which a router may fill in
 * (RFC 6437, section 3).  The server's error window absorbs a skipped
 * counter as it does a lost knock.  Returns 0, or -1 with *errstr set
 * (for one: the profile is exhausted).
 */
int	packet_encode(const struct codec_keys *keys, uint64_t *counter,
	    uint16_t port, struct knock_fields *f, const char **errstr);

/* A uniformly random source port in PACKET_SPORT_MIN..65535, from
 * getrandom(2).  0, or -1 with errno set. */
int	packet_source_port(uint16_t *sport);

/*
 * The local address the kernel would send from to reach dst:dport (a UDP
 * socket's connect(2) and getsockname(2); nothing is sent), so that the
 * knock leaves from the address the connection after it will use.  The
 * TCP checksum covers it, so it cannot be left for the kernel to fill in.
 * 0, or -1 with errno set.
 */
int	packet_source_addr(const struct packet_addr *dst, uint16_t dport,
	    struct packet_addr *src);

/* Build the SYN into l (any earlier packet in l is cleared).  0, or -1 with
 * err set to libnet's message. */
int	packet_build(libnet_t *l, const struct packet_syn *s,
	    char err[static PACKET_ERRLEN]);

/*
 * The bytes of what packet_build built for *s, as they are sent: 0 with
 * *buf (free it with libnet_adv_free_packet) and *len set, or -1 with err
 * set.
 */
int	packet_bytes(libnet_t *l, const struct packet_syn *s, uint8_t **buf,
	    uint32_t *len, char err[static PACKET_ERRLEN]);

/* Send what packet_build built for *s, whole, on the raw socket fd of
 * its family.  0, or -1 with err set. */
int	packet_send(libnet_t *l, int fd, const struct packet_syn *s,
	    char err[static PACKET_ERRLEN]);

#endif
