/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The privileged helper: the parent half of knockknock-daemon after
 * fork(), started as root.  It reads fixed-size struct grant messages from
 * the watcher, validates them, and asks the firewall to let one address
 * connect to one port for `delay_s` seconds, once.  It trusts nothing the
 * watcher sends.
 */
#ifndef HELPER_H
#define HELPER_H

#include <sys/types.h>

enum firewall {
	FIREWALL_NFTABLES,
	FIREWALL_IPTABLES,
};

#define HELPER_READY	1	/* the one byte the helper sends when set up */
#define HELPER_DELAY_MAX 3600	/* seconds: the longest delay_s */

struct helper_conf {
	enum firewall	firewall;
	unsigned int	delay_s;	/* seconds a grant stays usable, 1..3600 */
	uid_t		uid;		/* the watcher's user, not root */
	gid_t		gid;		/* its primary group, not root's */
};

/*
 * Run the helper on `sock` (a SOCK_SEQPACKET end).  Drops privileges
 * (nftables: to conf->uid and conf->gid with CAP_NET_ADMIN; iptables: uid 0
 * with CAP_NET_ADMIN and CAP_NET_RAW), sets up the firewall backend
 * (nftables: its own table and sets, created idempotently; iptables:
 * removes expired rules of ours left by a crash), sends one byte
 * HELPER_READY, then serves grants.  Exits 0 on SIGTERM/SIGINT, and 1 on
 * EOF (the watcher died, so a service manager restarts the daemon) or on a
 * malformed message, each time removing what it added where the backend
 * needs it.  Never returns.
 */
void	helper_run(int sock, const struct helper_conf *conf)
	    __attribute__((noreturn));

#endif
