// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The knock's destination: which resolver answer is taken, in any order
 * (a resolver's sorting decides which comes first), and which addresses
 * are refused.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <string.h>

#include <criterion/criterion.h>

#include "knockknock/target.h"

#define MAX_ANSWERS	4

struct answers {
	struct addrinfo		 ai[MAX_ANSWERS];
	struct sockaddr_in6	 sa[MAX_ANSWERS];	/* or IPv4 */
	int			 n;
};

/* Append an answer, IPv4 or IPv6 as the text says; the list stays linked. */
static const struct addrinfo *
add(struct answers *r, const char *text)
{
	struct addrinfo *ai = &r->ai[r->n];
	struct sockaddr_in6 *sin6 = &r->sa[r->n];
	struct sockaddr_in *sin = (struct sockaddr_in *)sin6;

	cr_assert_lt(r->n, MAX_ANSWERS);
	memset(ai, 0, sizeof(*ai));
	memset(sin6, 0, sizeof(*sin6));
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		ai->ai_addrlen = sizeof(*sin6);
	} else {
		cr_assert_eq(inet_pton(AF_INET, text, &sin->sin_addr), 1);
		sin->sin_family = AF_INET;
		ai->ai_addrlen = sizeof(*sin);
	}
	ai->ai_family = sin6->sin6_family;
	ai->ai_addr = (struct sockaddr *)sin6;
	if (r->n > 0)
		r->ai[r->n - 1].ai_next = ai;
	r->n++;
	return r->ai;
}

/* The text of what target_pick() took, or "none". */
static const char *
picked(const struct addrinfo *res, int family)
{
	static char text[INET6_ADDRSTRLEN];
	const struct addrinfo *ai = target_pick(res, family);
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;

	if (ai == NULL)
		return "none";
	sin6 = (const void *)ai->ai_addr;
	sin = (const void *)ai->ai_addr;
	if (ai->ai_family == AF_INET6)
		return inet_ntop(AF_INET6, &sin6->sin6_addr, text,
		    sizeof(text));
	return inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
}

Test(target, ipv4_first_unless_told)
{
	struct answers r = { .n = 0 };
	const struct addrinfo *res;

	add(&r, "2001:db8::1");
	res = add(&r, "192.0.2.1");
	cr_expect_str_eq(picked(res, AF_UNSPEC), "192.0.2.1");
	cr_expect_str_eq(picked(res, AF_INET), "192.0.2.1");
	cr_expect_str_eq(picked(res, AF_INET6), "2001:db8::1");
}

Test(target, one_family_only)
{
	struct answers r4 = { .n = 0 }, r6 = { .n = 0 };
	const struct addrinfo *v4 = add(&r4, "192.0.2.1");
	const struct addrinfo *v6 = add(&r6, "2001:db8::1");

	cr_expect_str_eq(picked(v4, AF_INET6), "none");
	cr_expect_str_eq(picked(v6, AF_INET), "none");
	cr_expect_str_eq(picked(v6, AF_UNSPEC), "2001:db8::1");
	cr_expect_str_eq(picked(NULL, AF_UNSPEC), "none");
}

/* A real IPv6 address is taken over an IPv4-mapped one, before or after. */
Test(target, mapped_only_when_alone)
{
	struct answers a = { .n = 0 }, b = { .n = 0 }, c = { .n = 0 };
	const struct addrinfo *res;

	add(&a, "::ffff:192.0.2.1");
	add(&a, "2001:db8::1");
	res = add(&a, "2001:db8::2");
	cr_expect_str_eq(picked(res, AF_INET6), "2001:db8::1");
	cr_expect_str_eq(picked(res, AF_UNSPEC), "2001:db8::1");

	add(&b, "2001:db8::1");
	res = add(&b, "::ffff:192.0.2.1");
	cr_expect_str_eq(picked(res, AF_INET6), "2001:db8::1");

	res = add(&c, "::ffff:192.0.2.1");
	cr_expect_str_eq(picked(res, AF_INET6), "::ffff:192.0.2.1");
}

static const char *
why(const char *text, uint32_t scope)
{
	struct packet_addr a = { .scope = scope };
	const char *w;

	if (inet_pton(AF_INET6, text, &a.v6) == 1)
		a.family = AF_INET6;
	else {
		cr_assert_eq(inet_pton(AF_INET, text, &a.v4), 1, "%s", text);
		a.family = AF_INET;
	}
	w = target_unusable(&a);
	return w == NULL ? "ok" : w;
}

Test(target, refused_destinations)
{
	cr_expect_str_eq(why("0.0.0.0", 0), "the unspecified address");
	cr_expect_str_eq(why("224.0.0.1", 0), "a multicast address");
	cr_expect_str_eq(why("239.255.255.255", 0), "a multicast address");
	cr_expect_str_eq(why("255.255.255.255", 0), "the broadcast address");
	cr_expect_str_eq(why("::", 0), "the unspecified address");
	cr_expect_str_eq(why("ff02::1", 3), "a multicast address");
	cr_expect_str_eq(why("::ffff:192.0.2.1", 0), "an IPv4-mapped IPv6 "
	    "address; knock its IPv4 address instead");
	cr_expect_str_eq(why("fe80::1", 0), "a link-local address needs its "
	    "interface, as in fe80::1%eth0");
}

Test(target, allowed_destinations)
{
	cr_expect_str_eq(why("192.0.2.1", 0), "ok");
	cr_expect_str_eq(why("223.255.255.255", 0), "ok");
	cr_expect_str_eq(why("240.0.0.1", 0), "ok");
	cr_expect_str_eq(why("127.0.0.1", 0), "ok");
	cr_expect_str_eq(why("2001:db8::1", 0), "ok");
	cr_expect_str_eq(why("::1", 0), "ok");
	cr_expect_str_eq(why("fe80::1", 3), "ok");
}
