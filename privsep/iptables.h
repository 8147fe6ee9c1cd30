/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iptables backend of the helper: runs /usr/sbin/iptables or ip6tables
 * (fork + execve, fixed argv, empty environment, no shell) to insert
 *   -I INPUT 1 -p tcp -s SRC --dport PORT -m conntrack --ctstate NEW
 *   -m comment --comment "knockknock expires=UNIXTIME"
 *   -m limit --limit 1/minute --limit-burst 1 -j ACCEPT
 * and deletes it again after delay seconds.  The limit match is last: a
 * limit before the other matches would be used up by any packet from the
 * client.  The comment carries the expiry, so that a restarted helper can
 * remove what a crashed one left behind.  Each run waits a few seconds at
 * most for the xtables lock (-w 5; iptables-nft takes no lock).
 */
#ifndef IPTABLES_H
#define IPTABLES_H

#include <netinet/in.h>
#include <stdint.h>

#include "privsep/msg.h"

#define IPT_TAG		"knockknock expires="	/* the comment's start */
#define IPT_ARGV_MAX	32		/* argv slots, NULL included */
#define IPT_RETRY_MAX_S	30		/* longest wait between deletions */

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
int	iptables_argv(struct ipt_argv *a, int op, const struct ipt_rule *r,
	    const char **errstr);

/*
 * Parse one line of `iptables -S INPUT` (or ip6tables) output that carries
 * IPT_TAG, as printed for a rule made by iptables_argv().  Pure; 0 with *r,
 * or -1 with *errstr.
 */
int	iptables_parse(const char *line, int family, struct ipt_rule *r,
	    const char **errstr);

/* Adopt the rules of ours found in INPUT: delete the expired ones, schedule
 * the others (at most delay_s from now).  -1 if iptables cannot be run. */
int	iptables_setup(unsigned int delay_s);

/* Insert one rule and schedule its deletion.  Logs and returns -1 on
 * failure, or when too many grants are pending. */
int	iptables_grant(const struct grant *g, unsigned int delay_s);

/* Milliseconds until the next deletion is due, or -1 if none: a poll()
 * timeout. */
int	iptables_timeout_ms(void);

/*
 * Seconds before retrying a deletion that has failed `failures` times:
 * 1, 2, 4, ... up to IPT_RETRY_MAX_S.  Pure.
 */
unsigned int	iptables_retry_s(unsigned int failures);

/* Delete the rules that are due.  A deletion that fails is logged and
 * retried after iptables_retry_s(); one whose rule is gone (iptables -C)
 * is dropped. */
void	iptables_expire(void);

/* Try once to delete every rule of ours that is still scheduled; log the
 * ones left. */
void	iptables_cleanup(void);

#endif
