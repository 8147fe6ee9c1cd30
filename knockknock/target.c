// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The choice of destination, apart from main() so that it can be tested
 * with resolver answers of any order.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <stddef.h>

#include "knockknock/target.h"

static int
mapped(const struct addrinfo *ai)
{
	const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;

	return ai->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
}

const struct addrinfo *
target_pick(const struct addrinfo *res, int family)
{
	const struct addrinfo *ai, *v4 = NULL, *v6 = NULL;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && v4 == NULL)
			v4 = ai;
		if (ai->ai_family == AF_INET6 &&
		    (v6 == NULL || (mapped(v6) && !mapped(ai))))
			v6 = ai;
	}
	if (family == AF_INET6)
		return v6;
	if (family == AF_INET)
		return v4;
	return v4 != NULL ? v4 : v6;
}

static const char *
unusable6(const struct packet_addr *a)
{
	/* A server reads such a knock as IPv6, and refuses it. */
	if (IN6_IS_ADDR_V4MAPPED(&a->v6))
		return "an IPv4-mapped IPv6 address; knock its IPv4 address "
		    "instead";
	if (IN6_IS_ADDR_UNSPECIFIED(&a->v6))
		return "the unspecified address";
	if (IN6_IS_ADDR_MULTICAST(&a->v6))
		return "a multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(&a->v6) && a->scope == 0)
		return "a link-local address needs its interface, as in "
		    "fe80::1%eth0";
	return NULL;
}

const char *
target_unusable(const struct packet_addr *a)
{
	uint32_t h;

	if (a->family == AF_INET6)
		return unusable6(a);
	h = ntohl(a->v4.s_addr);
	if (h == INADDR_ANY)
		return "the unspecified address";
	if (IN_MULTICAST(h))
		return "a multicast address";
	if (h == INADDR_BROADCAST)
		return "the broadcast address";
	return NULL;
}
