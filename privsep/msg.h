/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The one message the watcher may send the privileged helper: "let ADDR
 * connect to PORT".  Both ends are one binary after fork(), so the struct
 * travels in host byte order over a SOCK_SEQPACKET socketpair.  The helper
 * presumes the sender hostile: grant_validate() checks every field.
 */
#ifndef MSG_H
#define MSG_H

#include <stdint.h>

#define GRANT_VERSION	1

struct grant {
	uint8_t  version;	/* GRANT_VERSION */
	uint8_t  family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* host order, 1..65535 */
	uint8_t  addr[16];	/* IPv4 in addr[0..4), the rest zero */
};
_Static_assert(sizeof(struct grant) == 20, "struct grant has padding");

/* Check version, family, port != 0, zero IPv4 padding, and that the address
 * is one a connection from another host can come from: not unspecified,
 * multicast, broadcast, 0.0.0.0/8, loopback (127.0.0.0/8, ::1) or
 * IPv4-mapped IPv6 (an IPv4 peer travels as AF_INET).
 * Pure; 0 or -1 with *errstr. */
int	grant_validate(const struct grant *g, const char **errstr);

/* Fill *g for an address in network byte order (4 or 16 bytes). */
void	grant_make(struct grant *g, int family, const void *addr,
	    uint16_t port);

#endif
