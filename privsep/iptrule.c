// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The text of the one iptables rule the helper makes: the argv that inserts
 * or deletes it, built only from inet_ntop() output and integers, and the
 * parse of its line in `iptables -S INPUT`.  That output comes from root's
 * own tool but is parsed with bounds all the same.  Pure: no I/O.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "privsep/iptrule.h"

int
iptrule_argv(struct ipt_argv *a, int op, const struct ipt_rule *r,
    const char **errstr)
{
	const char *const v[] = { r->family == AF_INET ? IPT_PATH4 : IPT_PATH6,
	    "-w", IPT_WAIT_S, op == 'I' ? "-I" : "-D",
	    "INPUT", "1", "-p", "tcp",
	    "-s", a->src, "--dport", a->port, "-m", "conntrack",
	    "--ctstate", "NEW", "-m", "comment", "--comment", a->comment,
	    "-m", "limit", "--limit", "1/minute", "--limit-burst", "1",
	    "-j", "ACCEPT", NULL };
	size_t	i, n = 0;
	int	l1, l2;

	_Static_assert(sizeof(v) / sizeof(v[0]) <= IPT_ARGV_MAX, "argv");
	memset(a, 0, sizeof(*a));
	*errstr = NULL;
	if (r->family != AF_INET && r->family != AF_INET6)
		*errstr = "unknown address family";
	else if (op != 'I' && op != 'D')
		*errstr = "unknown operation";
	else if (r->port == 0)
		*errstr = "port 0";
	else if (r->expires < 0)
		*errstr = "negative expiry";
	else if (inet_ntop(r->family, r->addr, a->src, sizeof(a->src)) == NULL)
		*errstr = "unknown address family";
	if (*errstr != NULL)
		return -1;
	l1 = snprintf(a->port, sizeof(a->port), "%u", (unsigned int)r->port);
	l2 = snprintf(a->comment, sizeof(a->comment), IPT_TAG "%" PRId64,
	    r->expires);
	if (l1 < 0 || (size_t)l1 >= sizeof(a->port) || l2 < 0 ||
	    (size_t)l2 >= sizeof(a->comment)) {
		*errstr = "argument too long";
		return -1;
	}
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (i != 5 || op == 'I')	/* v[5]: insert position */
			a->argv[n++] = v[i];
	return 0;
}

/* Find key after *pp, parse the decimal number in [min, max] that follows
 * it and ends at `stop`; advance *pp to stop. */
static int
field(const char **pp, const char *key, char stop, uint64_t min,
    uint64_t max, uint64_t *v)
{
	const char	*p;

	if ((p = strstr(*pp, key)) == NULL)
		return -1;
	p += strlen(key);
	if (*p < '0' || *p > '9')
		return -1;
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		if (*v > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != stop || *v < min)
		return -1;
	*pp = p;
	return 0;
}

/* Parse "ADDR/32 " or "ADDR/128 " at *pp and advance to the space. */
static int
source(const char **pp, int family, uint8_t addr[16])
{
	const char	*mask = family == AF_INET ? "/32 " : "/128 ";
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 len = strcspn(*pp, "/ ");

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, *pp, len);
	buf[len] = '\0';
	if (inet_pton(family, buf, addr) != 1 ||
	    strncmp(*pp + len, mask, strlen(mask)) != 0)
		return -1;
	*pp += len + strlen(mask) - 1;
	return 0;
}

int
iptrule_parse(const char *line, int family, struct ipt_rule *r,
    const char **errstr)
{
	static const char	 head[] = "-A INPUT -s ";
	const char		*p = line + sizeof(head) - 1;
	uint64_t		 port, expires;

	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	if (strncmp(line, head, sizeof(head) - 1) != 0)
		*errstr = "not an INPUT rule with a source";
	else if (source(&p, family, r->addr) == -1)
		*errstr = "source is not one host address";
	else if (field(&p, " --dport ", ' ', 1, UINT16_MAX, &port) == -1)
		*errstr = "bad --dport";
	else if (field(&p, " --comment \"" IPT_TAG, '"', 0, INT64_MAX,
	    &expires) == -1)
		*errstr = "bad knockknock comment";
	else {
		r->port = (uint16_t)port;
		r->expires = (int64_t)expires;
		return 0;
	}
	return -1;
}
