// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * nftables backend: libnftables in process, about 0.1 ms a grant where
 * running the nft binary costs 16-20 ms (it rebuilds its cache each time).
 * Commands are built only from inet_ntop() output and integers taken from
 * a validated struct grant; nothing the watcher wrote reaches nft as text.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "daemon/log.h"
#include "privsep/nft.h"

static struct nft_ctx	*ctx;	/* the helper's one context */

/* Run cmd; on failure log the first line of nft's message. */
static int
run(const char *cmd, const char *what)
{
	const char	*err;
	int		 rc;

	rc = nft_run_cmd_from_buffer(ctx, cmd);
	(void)nft_ctx_get_output_buffer(ctx);	/* reading rewinds it */
	err = nft_ctx_get_error_buffer(ctx);
	if (rc != 0 && what != NULL)
		log_warnx("nftables: %s: %.*s", what,
		    err ? (int)strcspn(err, "\n") : 0, err ? err : "");
	return rc == 0 ? 0 : -1;
}

int
nft_grant_format(char *buf, size_t len, const struct grant *g,
    unsigned int delay_s, int renew, const char **errstr)
{
	char		 addr[INET6_ADDRSTRLEN];
	const char	*set, *used;
	unsigned int	 port = g->port;
	int		 n, m;

	if ((g->family != AF_INET && g->family != AF_INET6) ||
	    inet_ntop(g->family, g->addr, addr, sizeof(addr)) == NULL) {
		*errstr = "unknown address family";
		return -1;
	}
	set = g->family == AF_INET ? "allow4" : "allow6";
	used = g->family == AF_INET ? "used4" : "used6";
	n = snprintf(buf, len, "add element " NFT_TABLE " %s { %s . %u }\n"
	    "delete element " NFT_TABLE " %s { %s . %u }\n",
	    used, addr, port, used, addr, port);
	if (n < 0 || (size_t)n >= len) {
		*errstr = "command too long";
		return -1;
	}
	if (!renew)
		m = snprintf(buf + n, len - (size_t)n, "create element "
		    NFT_TABLE " %s { %s . %u timeout %us }\n", set, addr,
		    port, delay_s);
	else
		m = snprintf(buf + n, len - (size_t)n,
		    "delete element " NFT_TABLE " %s { %s . %u }\n"
		    "add element " NFT_TABLE " %s { %s . %u timeout %us }\n",
		    set, addr, port, set, addr, port, delay_s);
	if (m < 0 || (size_t)m >= len - (size_t)n) {
		*errstr = "command too long";
		return -1;
	}
	return 0;
}

/*
 * libnftables exits the process, with a message of its own, when it
 * cannot open its netlink socket (say, a sandbox without AF_NETLINK).
 * Try first, so that the helper reports why and stops its own way.
 */
static int
netlink_usable(void)
{
	int	fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd == -1) {
		log_warn("nftables: netlink socket");
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The chain is created only when missing: when the user loaded the
 * ruleset from --print-firewall, it holds the rejects as well, and
 * recreating it would open the host.  A chain that does not use our sets
 * is left alone, with a warning, since grants then open nothing.
 */
int
nft_setup(unsigned int delay_s)
{
	const char	*out;
	int		 rc;

	(void)delay_s;	/* the kernel expires elements itself */
	if (netlink_usable() == -1)
		return -1;
	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL ||
	    nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		log_warnx("nftables: cannot create a context");
		return -1;
	}
	if (run("add table " NFT_TABLE "\n"
	    "add set " NFT_TABLE " " NFT_SET4 "\n"
	    "add set " NFT_TABLE " " NFT_SET6 "\n"
	    "add set " NFT_TABLE " " NFT_USED4 "\n"
	    "add set " NFT_TABLE " " NFT_USED6 "\n", "create sets") == -1)
		return -1;
	rc = nft_run_cmd_from_buffer(ctx, "list chain " NFT_TABLE " input");
	out = nft_ctx_get_output_buffer(ctx);
	(void)nft_ctx_get_error_buffer(ctx);
	if (rc != 0) {
		if (run("add chain " NFT_TABLE " " NFT_CHAIN "\n"
		    "add rule " NFT_TABLE " input " NFT_GRANT4 "\n"
		    "add rule " NFT_TABLE " input " NFT_GRANT6 "\n",
		    "create chain") == -1)
			return -1;
		/* No ruleset of ours was loaded: maybe none logs a knock. */
		log_warnx("nftables: made chain input of table " NFT_TABLE
		    " for the grants; nothing in it logs a knock: unless a "
		    "LOG rule elsewhere does, load the output of "
		    "--print-firewall nftables");
		return 0;
	}
	if (out == NULL || strstr(out, "@allow4") == NULL ||
	    strstr(out, "@allow6") == NULL)
		log_warnx("nftables: chain input of table " NFT_TABLE " does "
		    "not use sets allow4 and allow6: grants will open nothing");
	else if (strstr(out, "@used4") == NULL || strstr(out, "@used6") == NULL)
		log_warnx("nftables: chain input of table " NFT_TABLE " does "
		    "not use sets used4 and used6 (a ruleset from an older "
		    "knockknock): a grant may let a second connection in; "
		    "load the output of --print-firewall nftables again");
	return 0;
}

int
nft_grant(const struct grant *g, unsigned int delay_s)
{
	char		 cmd[NFT_CMD_MAX], repl[NFT_CMD_MAX];
	char		 what[INET6_ADDRSTRLEN + 32];
	const char	*errstr;

	/*
	 * "create" fails if the element exists: a second knock within the
	 * delay.  Only then replace it, so that its timeout starts again
	 * ("add" would keep the old one).  Replacing in every case would let
	 * a SYN that arrives during the commit delete the old copy and leave
	 * the new one for a second connection.  The kernel may remove the
	 * element between the two (used by a connection, or expired), which
	 * fails the replacement's delete: then create it once more.  Nothing
	 * but this helper adds elements, so a third try cannot race again.
	 */
	if (nft_grant_format(cmd, sizeof(cmd), g, delay_s, 0, &errstr) == -1) {
		log_warnx("nftables: %s", errstr);
		return -1;
	}
	if (run(cmd, NULL) == 0)
		return 0;
	if (nft_grant_format(repl, sizeof(repl), g, delay_s, 1, &errstr) == -1) {
		log_warnx("nftables: %s", errstr);
		return -1;
	}
	if (run(repl, NULL) == 0)
		return 0;
	inet_ntop(g->family, g->addr, what, INET6_ADDRSTRLEN);
	snprintf(what + strlen(what), sizeof(what) - strlen(what),
	    " port %u", (unsigned int)g->port);
	return run(cmd, what);
}

void
nft_cleanup(void)
{
	if (ctx == NULL)
		return;
	(void)run("flush set " NFT_TABLE " allow4\n"
	    "flush set " NFT_TABLE " allow6\n"
	    "flush set " NFT_TABLE " used4\n"
	    "flush set " NFT_TABLE " used6\n", "flush sets");
	nft_ctx_free(ctx);
	ctx = NULL;
}
