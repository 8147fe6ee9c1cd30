/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iptables backend of the helper: runs /usr/sbin/iptables or ip6tables
 * (fork + execve, fixed argv, empty environment, no shell) to insert the
 * rule of iptrule.h and deletes it again after delay seconds.  Each run
 * waits a few seconds at most for the xtables lock (-w 5; iptables-nft
 * takes no lock).
 */
#ifndef IPTABLES_H
#define IPTABLES_H

#include "privsep/iptrule.h"
#include "privsep/msg.h"

#define IPT_RETRY_MAX_S	30		/* longest wait between deletions */

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
