/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iptables rule of a grant, as text:
 *   -I INPUT 1 -p tcp -s SRC --dport PORT -m conntrack --ctstate NEW
 *   -m comment --comment "knockknock expires=UNIXTIME"
 *   -m limit --limit 1/minute --limit-burst 1 -j ACCEPT
 * The limit match is last: a limit before the other matches would be used
 * up by any packet from the client.  The comment carries the expiry, so
 * that a restarted helper can remove what a crashed one left behind.
 */
#ifndef IPTRULE_H
#define IPTRULE_H

#include <netinet/in.h>
#include <stdint.h>

#define IPT_PATH4	"/usr/sbin/iptables"
#define IPT_PATH6	"/usr/sbin/ip6tables"
#define IPT_WAIT_S	"5"	/* -w: seconds to wait for the xtables lock */
#define IPT_TAG		"knockknock expires="	/* the comment's start */
#define IPT_ARGV_MAX	32		/* argv slots, NULL included */

struct ipt_rule {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network byte order */
	uint16_t	port;
	int64_t		expires;	/* UNIX time, seconds */
};

/* An argv and the storage for the strings it points to. */
struct ipt_argv {
	const char	*argv[IPT_ARGV_MAX];
	char		 src[INET6_ADDRSTRLEN];
	char		 port[sizeof("65535")];
	char		 comment[sizeof(IPT_TAG) + 20];
};

/*
 * Build the argv that inserts (op 'I', at position 1) or deletes (op 'D')
 * rule *r.  Pure; 0, or -1 with *errstr for an unknown family or op, port
 * 0, a negative expiry or a string that does not fit.
 */
int	iptrule_argv(struct ipt_argv *a, int op, const struct ipt_rule *r,
	    const char **errstr);

/*
 * Parse one line of `iptables -S INPUT` (or ip6tables) output that carries
 * IPT_TAG, as printed for a rule made by iptrule_argv().  Pure; 0 with *r,
 * or -1 with *errstr.
 */
int	iptrule_parse(const char *line, int family, struct ipt_rule *r,
	    const char **errstr);

#endif
