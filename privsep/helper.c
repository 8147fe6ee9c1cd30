// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The privileged helper, the parent half of knockknock-daemon after fork(),
 * started as root.  It trusts nothing the watcher sends: a message of the
 * wrong size, or one grant_validate() refuses, means a broken or
 * compromised watcher, and the helper withdraws its grants and exits.
 *
 * With nftables it leaves uid 0 before its setup, and so before it reads
 * anything from the watcher: uid 0 without capabilities could still write
 * every root-owned file whose owner may write it (/etc/passwd).  It takes
 * the watcher's user and primary group, no supplementary group, and keeps
 * CAP_NET_ADMIN in its effective and permitted sets, all that libnftables'
 * netlink needs; the bounding set is empty, as it runs no program.
 * Sharing the watcher's uid gives a compromised watcher nothing it does not
 * have: it can already stop the daemon (by exiting, or by passing on no
 * knock), and what the same uid adds does no more, since it may signal the
 * helper or change its rlimits, which ends or stalls it, while the kernel
 * still expires every element on time.  It cannot ptrace the helper nor
 * open its /proc/PID/mem, fd or environ: the helper's credentials changed,
 * so it is not dumpable, and its capabilities are not a subset of the
 * watcher's, which has none; either refusal is enough.
 *
 * With iptables it stays uid 0 with CAP_NET_ADMIN and CAP_NET_RAW (the
 * legacy backend opens a raw socket), in the bounding set as well: the
 * /usr/sbin/iptables it runs needs them across execve(), and the legacy
 * backend writes root's /run/xtables.lock.  It drops its supplementary
 * groups and every other capability.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "daemon/log.h"
#include "privsep/helper.h"
#include "privsep/iptables.h"
#include "privsep/msg.h"
#include "privsep/nft.h"

/* nft.h's used4/used6 marks last an hour: they must outlive any grant. */
_Static_assert(HELPER_DELAY_MAX <= NFT_USED_S,
    "a used mark must outlive a grant");

struct backend {
	int	(*setup)(unsigned int delay_s);
	int	(*grant)(const struct grant *g, unsigned int delay_s);
	int	(*timeout_ms)(void);	/* NULL: no timers here */
	void	(*expire)(void);
	void	(*cleanup)(void);
};

static const struct backend backends[] = {
	[FIREWALL_NFTABLES] = { nft_setup, nft_grant, NULL, NULL,
	    nft_cleanup },
	[FIREWALL_IPTABLES] = { iptables_setup, iptables_grant,
	    iptables_timeout_ms, iptables_expire, iptables_cleanup },
};

/*
 * Every descriptor but stdio and the socket belongs to the daemon (the log
 * source, counter files): close them.  Syslog's socket goes too and is
 * reopened; glibc's closelog() forgets the ident, so the tag becomes the
 * program name.
 */
static void
close_fds(int sock)
{
	closelog();
	if (sock > STDERR_FILENO + 1)
		close_range(STDERR_FILENO + 1, sock - 1, 0);
	close_range(sock + 1, ~0U, 0);
	openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Did the change of ids hold?  Never trust a privilege drop unchecked. */
static int
ids_are(uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	return getresuid(&ru, &eu, &su) == 0 && ru == uid && eu == uid &&
	    su == uid && getresgid(&rg, &eg, &sg) == 0 && rg == gid &&
	    eg == gid && sg == gid && getgroups(0, NULL) == 0 &&
	    setuid(0) == -1 && setgid(0) == -1;
}

/*
 * Do the capabilities the kernel reports match what was asked: exactly
 * `want` (CAP_NET_ADMIN, maybe CAP_NET_RAW) effective and permitted, none
 * inheritable or ambient, and a bounding set of `want` or empty?
 */
static int
caps_are(const int want[], size_t n, int bounded)
{
	capng_get_caps_process();
	for (size_t i = 0; i < n; i++) {
		if (!capng_have_capability(CAPNG_EFFECTIVE, want[i]) ||
		    !capng_have_capability(CAPNG_PERMITTED, want[i]) ||
		    (bounded && !capng_have_capability(CAPNG_BOUNDING_SET,
		    want[i])))
			return 0;
		capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		    CAPNG_BOUNDING_SET, want[i]);
	}
	return capng_have_capabilities(CAPNG_SELECT_ALL) == CAPNG_NONE;
}

/* nftables: the watcher's ids, CAP_NET_ADMIN, an empty bounding set. */
static void
become_user(uid_t uid, gid_t gid)
{
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN) != 0 ||
	    capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP |
	    CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT) != 0)
		fatalx("helper: cannot change to the watcher's user and group");
	if (!ids_are(uid, gid) ||
	    !caps_are((const int[]){ CAP_NET_ADMIN }, 1, 0))
		fatalx("helper: the change to the watcher's user did not hold");
}

/* iptables: uid 0, and what the iptables it runs needs, bounded to that. */
static void
keep_root(void)
{
	if (setgroups(0, NULL) == -1)
		fatal("helper: setgroups");
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_BOUNDING_SET, CAP_NET_ADMIN, CAP_NET_RAW, -1) != 0 ||
	    capng_apply(CAPNG_SELECT_BOTH) != 0)
		fatalx("helper: cannot drop capabilities");
	if (getgroups(0, NULL) != 0 ||
	    !caps_are((const int[]){ CAP_NET_ADMIN, CAP_NET_RAW }, 2, 1))
		fatalx("helper: the drop of capabilities did not hold");
}

static void
drop_privileges(const struct helper_conf *conf)
{
	if (conf->firewall == FIREWALL_NFTABLES)
		become_user(conf->uid, conf->gid);
	else
		keep_root();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("helper: PR_SET_NO_NEW_PRIVS");
	/* No ptrace or /proc/PID/mem for the watcher.  The change of ids
	 * made it so already, unless fs.suid_dumpable says otherwise. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal("helper: PR_SET_DUMPABLE");
}

/* SIGTERM and SIGINT arrive on a descriptor, so no work runs in a handler. */
static int
signals(void)
{
	sigset_t	set;
	int		fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("helper: signalfd");
	signal(SIGCHLD, SIG_DFL);	/* iptables waits for its children */
	return fd;
}

static void __attribute__((noreturn))
quit(const struct backend *be, int code)
{
	be->cleanup();
	_exit(code);	/* not exit(): stdio buffers are the daemon's */
}

/*
 * The only "opened" line: logged here, after the firewall took the grant,
 * from the validated message and the helper's own delay.
 */
static void
grant(const struct backend *be, const struct grant *g, unsigned int delay_s)
{
	char		addr[INET6_ADDRSTRLEN];
	struct timespec	t0, t1;
	int		rc;

	inet_ntop(g->family, g->addr, addr, sizeof(addr));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = be->grant(g, delay_s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == -1) {
		log_warnx("NOT opened: tcp/%u for %s (the firewall change "
		    "failed)", (unsigned int)g->port, addr);
		return;
	}
	log_debug("allow %s port %u for %u s (%ld us)", addr,
	    (unsigned int)g->port, delay_s, (long)(t1.tv_sec - t0.tv_sec) *
	    1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	log_info("opened tcp/%u for %s for %u s", (unsigned int)g->port, addr,
	    delay_s);
}

/* Read one message: 0 on EOF, else exit unless it is a valid grant. */
static int
receive(const struct backend *be, int sock, struct grant *g)
{
	unsigned char	 buf[sizeof(*g) + 1];	/* + 1: see too long ones */
	const char	*errstr;
	ssize_t		 n;

	while ((n = recv(sock, buf, sizeof(buf), 0)) == -1 && errno == EINTR)
		;
	if (n == -1) {
		log_warn("helper: recv");
		quit(be, 1);
	}
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*g)) {
		log_warnx("helper: message of %zd bytes, want %zu", n,
		    sizeof(*g));
		quit(be, 1);
	}
	memcpy(g, buf, sizeof(*g));
	if (grant_validate(g, &errstr) == -1) {
		log_warnx("helper: bad grant: %s", errstr);
		quit(be, 1);
	}
	return 1;
}

void
helper_run(int sock, const struct helper_conf *conf)
{
	const struct backend	*be;
	const unsigned char	 ready = HELPER_READY;
	struct pollfd		 pfd[2];
	struct grant		 g;

	if ((size_t)conf->firewall >= sizeof(backends) / sizeof(backends[0])
	    || conf->delay_s < 1 || conf->delay_s > HELPER_DELAY_MAX ||
	    conf->uid == 0 || conf->gid == 0)
		fatalx("helper: bad configuration");
	be = &backends[conf->firewall];
	close_fds(sock);
	pfd[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = signals(), .events = POLLIN };
	drop_privileges(conf);
	if (be->setup(conf->delay_s) == -1)
		quit(be, 1);
	if (send(sock, &ready, 1, MSG_NOSIGNAL) != 1) {
		log_warn("helper: send");
		quit(be, 1);
	}
	for (;;) {
		if (poll(pfd, 2, be->timeout_ms ? be->timeout_ms() : -1) ==
		    -1) {
			if (errno == EINTR)
				continue;
			log_warn("helper: poll");
			quit(be, 1);
		}
		if (be->expire)
			be->expire();
		if (pfd[1].revents != 0)
			quit(be, 0);
		if (pfd[0].revents == 0)
			continue;
		if (receive(be, sock, &g) == 0)
			quit(be, 1);	/* the watcher died: a failure */
		grant(be, &g, conf->delay_s);
	}
}
