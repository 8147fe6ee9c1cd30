/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Which of HOST's addresses a knock goes to, and which addresses no knock
 * may go to.  Pure functions over what the resolver returned.
 */
#ifndef TARGET_H
#define TARGET_H

#include <netdb.h>

#include "knockknock/packet.h"

/*
 * The address to knock: HOST's first IPv4 address, else its first IPv6
 * one (not IPv4-mapped if another will do); `family` (AF_INET or
 * AF_INET6; AF_UNSPEC for either) keeps one kind only.  IPv4 first:
 * knockknock 0.5's servers read IPv4 knocks only.  NULL if none fits.
 */
const struct addrinfo *target_pick(const struct addrinfo *res, int family);

/*
 * Why a knock sent to `a` could open nothing (a multicast address, say),
 * as a phrase for a message; NULL if it could.  Loopback is allowed: a
 * server of knockknock 0.5 may open for it.
 */
const char *target_unusable(const struct packet_addr *a);

#endif
