// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Test driver for the privileged helper, without the rest of the daemon.
 *
 *   helper-driver nftables|iptables DELAY [-w] MSG...
 *	socketpair(), fork helper_run(), wait for HELPER_READY and print
 *	"ready PID", send each MSG, then wait: with -w for the helper to exit,
 *	else for EOF on stdin, then close the socket.  Prints "exit N" (the
 *	helper's exit status) and exits with it.  A MSG is "ADDR PORT" (two
 *	arguments), "raw:HEX" (bytes as they are), or "bench:N" (N grants,
 *	10.200.x.y port 22).  An fd on /etc/hostname is left open for the
 *	helper to close, and supplementary groups 4 and 27 set for it to
 *	drop.  The helper's user is nobody and its group nobody's primary
 *	group (they matter to nftables only).
 *   helper-driver --print nftables|iptables PORT...
 *	fwprint() to stdout.
 *   helper-driver --batch ADDR PORT DELAY
 *	the nftables batch the helper commits for that new grant, to stdout
 *	(nft_grant_format()), for a test that commits it itself.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/fwprint.h"
#include "daemon/log.h"
#include "privsep/helper.h"
#include "privsep/msg.h"
#include "privsep/nft.h"

static enum firewall
firewall(const char *s)
{
	if (strcmp(s, "nftables") == 0)
		return FIREWALL_NFTABLES;
	if (strcmp(s, "iptables") == 0)
		return FIREWALL_IPTABLES;
	fprintf(stderr, "unknown firewall %s\n", s);
	exit(2);
}

static int
print(const char *fw, int argc, char **argv)
{
	uint16_t	 ports[64];
	const char	*errstr;
	int		 i;

	for (i = 0; i < argc && i < 64; i++)
		ports[i] = (uint16_t)atoi(argv[i]);
	if (fwprint(stdout, firewall(fw), ports, (size_t)i,
	    &errstr) == -1) {
		fprintf(stderr, "fwprint: %s\n", errstr);
		return 1;
	}
	return 0;
}

static void
xsend(int s, const void *p, size_t len)
{
	if (send(s, p, len, MSG_NOSIGNAL) != (ssize_t)len) {
		perror("send");
		exit(2);
	}
}

static void
send_raw(int s, const char *hex)
{
	unsigned char	buf[64];
	size_t		n = 0;
	unsigned int	b;

	for (; hex[0] && hex[1] && n < sizeof(buf); hex += 2) {
		if (sscanf(hex, "%2x", &b) != 1)
			exit(2);
		buf[n++] = (unsigned char)b;
	}
	xsend(s, buf, n);
}

static void
parse_grant(struct grant *g, const char *addr, const char *port)
{
	unsigned char	a[16];
	int		af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, addr, a) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
	grant_make(g, af, a, (uint16_t)atoi(port));
}

static void
send_grant(int s, const char *addr, const char *port)
{
	struct grant	g;

	parse_grant(&g, addr, port);
	xsend(s, &g, sizeof(g));
}

static int
print_batch(const char *addr, const char *port, const char *delay)
{
	struct grant	 g;
	char		 buf[NFT_CMD_MAX];
	const char	*errstr;

	parse_grant(&g, addr, port);
	if (nft_grant_format(buf, sizeof(buf), &g, (unsigned int)atoi(delay),
	    0, &errstr) == -1) {
		fprintf(stderr, "nft_grant_format: %s\n", errstr);
		return 1;
	}
	fputs(buf, stdout);
	return 0;
}

static void
send_bench(int s, int n)
{
	struct grant	g;
	unsigned char	a[4] = { 10, 200, 0, 0 };
	int		i;

	for (i = 0; i < n; i++) {
		a[2] = (unsigned char)(i >> 8);
		a[3] = (unsigned char)(i + 1);
		grant_make(&g, AF_INET, a, 22);
		xsend(s, &g, sizeof(g));
	}
}

int
main(int argc, char **argv)
{
	static const gid_t	groups[] = { 4, 27 };
	struct helper_conf	conf;
	struct passwd		*pw;
	unsigned char		ready = 0;
	struct pollfd		pfd;
	char			c;
	int			sv[2], i = 3, wait_helper = 0, st;
	pid_t			pid;

	if (argc >= 3 && strcmp(argv[1], "--print") == 0)
		return print(argv[2], argc - 3, argv + 3);
	if (argc == 5 && strcmp(argv[1], "--batch") == 0)
		return print_batch(argv[2], argv[3], argv[4]);
	if (argc < 3)
		return 2;
	log_init("helper-driver", 1);
	conf.firewall = firewall(argv[1]);
	conf.delay_s = (unsigned int)atoi(argv[2]);
	if (argc > 3 && strcmp(argv[3], "-w") == 0) {
		wait_helper = 1;
		i++;
	}
	if ((pw = getpwnam("nobody")) == NULL)
		return 2;
	conf.uid = pw->pw_uid;
	conf.gid = pw->pw_gid;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1 ||
	    open("/etc/hostname", O_RDONLY) == -1 ||
	    setgroups(2, groups) == -1)
		return 2;
	if ((pid = fork()) == 0) {
		close(sv[0]);
		helper_run(sv[1], &conf);
	}
	close(sv[1]);
	pfd = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1 || recv(sv[0], &ready, 1, 0) != 1 ||
	    ready != HELPER_READY)
		fprintf(stderr, "helper not ready\n");
	else
		printf("ready %d\n", (int)pid);
	fflush(stdout);
	for (; ready == HELPER_READY && i < argc; i++) {
		if (strncmp(argv[i], "raw:", 4) == 0)
			send_raw(sv[0], argv[i] + 4);
		else if (strncmp(argv[i], "bench:", 6) == 0)
			send_bench(sv[0], atoi(argv[i] + 6));
		else if (i + 1 < argc)
			send_grant(sv[0], argv[i], argv[i + 1]), i++;
	}
	if (!wait_helper) {
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
		close(sv[0]);	/* EOF: the helper cleans up and exits */
	}
	if (waitpid(pid, &st, 0) == -1)
		return 2;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("exit %d\n", st);
	return st;
}
