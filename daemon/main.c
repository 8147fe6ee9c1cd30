// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * knockknock-daemon: loads the settings and profiles and opens the log
 * source and counter files as root, then forks.  The parent becomes the
 * helper (privsep/), which only changes the firewall: with nftables as the
 * watcher's user with CAP_NET_ADMIN alone, with iptables as root with the
 * capabilities iptables needs.  The child becomes the watcher, which drops
 * every privilege before it reads a single log line.  --scan, --check and
 * --print-firewall are one-shot modes that need no root and change nothing.
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon/config.h"
#include "daemon/fwprint.h"
#include "daemon/log.h"
#include "daemon/logsrc.h"
#include "daemon/privdrop.h"
#include "daemon/watcher.h"
#include "privsep/helper.h"

#define DEFAULT_CONFDIR	"/etc/knockknock.d"
#define VERSION		"0.1.0"

enum mode { MODE_RUN, MODE_SCAN, MODE_CHECK, MODE_PRINT };

struct options {
	enum mode	 mode;
	const char	*confdir;
	const char	*scan_file;
	const char	*print_fw;
	int		 foreground;
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: knockknock-daemon [-C DIR] [-f]\n"
	    "       knockknock-daemon [-C DIR] --check\n"
	    "       knockknock-daemon [-C DIR] --scan FILE\n"
	    "       knockknock-daemon [-C DIR] --print-firewall iptables|nftables\n"
	    "\n"
	    "Open firewalled ports for clients that knock with a valid profile.\n"
	    "\n"
	    "  -C DIR                configuration directory (default "
	    DEFAULT_CONFDIR ")\n"
	    "  -f, --foreground      stay in the foreground, log to stderr too\n"
	    "  --check               check the configuration and profiles, print\n"
	    "                        what would be done, and exit\n"
	    "  --scan FILE           verify the knocks in a kern.log or /dev/kmsg\n"
	    "                        text file; saves and opens nothing\n"
	    "  --print-firewall FW   print a minimal ruleset for this machine\n"
	    "  -h, --help            show this help\n"
	    "  --version             show the version\n");
	exit(status);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "scan", required_argument, NULL, 's' },
		{ "print-firewall", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch, modes = 0;

	memset(o, 0, sizeof(*o));
	o->confdir = DEFAULT_CONFDIR;
	while ((ch = getopt_long(argc, argv, "C:fh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			o->confdir = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'c':
			o->mode = MODE_CHECK;
			modes++;
			break;
		case 's':
			o->mode = MODE_SCAN;
			o->scan_file = optarg;
			modes++;
			break;
		case 'p':
			o->mode = MODE_PRINT;
			o->print_fw = optarg;
			modes++;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("knockknock-daemon %s\n", VERSION);
			exit(0);
		default:
			usage(1);
		}
	}
	if (optind != argc || modes > 1)
		usage(1);
}

static void
load_all(const struct options *o, struct config *c, struct watcher *w,
    int live)
{
	char	path[PATH_MAX], err[WATCHER_ERRLEN];

	if (snprintf(path, sizeof(path), "%s/config", o->confdir) >=
	    (int)sizeof(path))
		errx(1, "%s: path too long", o->confdir);
	if (config_load(path, c, err) == -1)
		errx(1, "%s", err);
	if (watcher_load(w, o->confdir, c, live, err) == -1)
		errx(1, "%s", err);
}

static int
run_scan(const struct options *o)
{
	struct config	 c;
	struct watcher	 w;
	struct logsrc	*src;
	char		 err[LOGSRC_ERRLEN];
	int		 status;

	load_all(o, &c, &w, 0);
	if (logsrc_open_scan(&src, o->scan_file, err) == -1)
		errx(1, "%s", err);
	status = watcher_scan(&w, src);
	logsrc_close(src);
	watcher_free(&w);
	return status;
}

static int
run_print(const struct options *o)
{
	struct config	 c;
	struct watcher	 w;
	enum firewall	 fw;
	uint16_t	 ports[WATCHER_PROFILES_MAX];
	const char	*errstr;

	if (config_firewall_parse(o->print_fw, &fw, &errstr) == -1)
		errx(1, "--print-firewall %s: %s", o->print_fw, errstr);
	load_all(o, &c, &w, 0);
	for (size_t i = 0; i < w.n; i++)
		ports[i] = w.v[i].prof.knock_port;
	if (fwprint(stdout, fw, ports, w.n, &errstr) == -1)
		errx(1, "%s", errstr);
	watcher_free(&w);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The group is for reopening a rotated log file, nothing else. */
static int
needs_group(const struct logsrc *src)
{
	return !logsrc_is_kmsg(src);
}

/* How the watcher will be woken for a /dev/kmsg record (kmsgbell.h). */
static void
print_wakeup(const struct config *c)
{
	struct kmsgbell	*bell;
	char		 err[KMSGBELL_ERRLEN];

	if (!c->kmsg_tracepoint) {
		printf("woken: at the kernel's next tick (kmsg_tracepoint = "
		    "no)\n");
		return;
	}
	if (kmsgbell_open(&bell, err) == -1) {
		printf("woken: at the kernel's next tick (no printk:console "
		    "tracepoint: %s)\n", err);
		return;
	}
	printf("woken: by the printk:console tracepoint on %u CPU%s\n",
	    kmsgbell_cpus(bell), kmsgbell_cpus(bell) == 1 ? "" : "s");
	kmsgbell_close(bell);
}

static int
run_check(const struct options *o)
{
	struct config		 c;
	struct watcher		 w;
	struct logsrc		*src;
	struct privdrop_ids	 ids;
	const char		*warning[LOGSRC_WARN_MAX];
	size_t			 i, nwarn;
	char			 err[LOGSRC_ERRLEN];

	load_all(o, &c, &w, 0);
	if (privdrop_resolve(c.user, c.group, &ids, err) == -1)
		errx(1, "%s/config: %s", o->confdir, err);
	if (logsrc_open(&src, c.log_source, err) == -1)
		errx(1, "log source: %s", err);
	printf("log source: %s\nfirewall: %s\ndelay: %u s\nerror_window: %u\n"
	    "watcher: user %s, %s%s\n", logsrc_name(src),
	    config_firewall_name(c.firewall), c.delay_s, c.error_window,
	    c.user, needs_group(src) ? "group " : "no supplementary group",
	    needs_group(src) ? c.group : "");
	if (logsrc_is_kmsg(src))
		print_wakeup(&c);
	if (c.kmsg_poll_ms > 0)
		printf("kmsg_poll_ms: %u%s\n", c.kmsg_poll_ms, logsrc_is_kmsg(src)
		    ? "" : " (no effect: the log source is a file)");
	nwarn = logsrc_warnings(src, warning);
	for (i = 0; i < nwarn; i++)
		printf("warning: %s\n", warning[i]);
	for (i = 0; i < w.n; i++)
		printf("profile %s: knock port %u, counter %llu\n",
		    w.v[i].prof.name, (unsigned int)w.v[i].prof.knock_port,
		    (unsigned long long)w.v[i].prof.counter);
	logsrc_close(src);
	watcher_free(&w);
	printf("configuration OK\n");
	return 0;
}

/* The doorbell for /dev/kmsg (kmsgbell.h), or NULL, saying which. */
static struct kmsgbell *
open_bell(const struct logsrc *src, const struct config *c)
{
	struct kmsgbell	*bell;
	char		 err[KMSGBELL_ERRLEN];

	if (!logsrc_is_kmsg(src) || !c->kmsg_tracepoint)
		return NULL;
	if (kmsgbell_open(&bell, err) == -1) {
		log_info("no printk:console tracepoint (%s): a new record "
		    "wakes the watcher at the kernel's next tick, up to a few "
		    "ms later", err);
		return NULL;
	}
	log_info("woken by the printk:console tracepoint on %u CPU%s as "
	    "soon as the kernel logs (kmsg_tracepoint)", kmsgbell_cpus(bell),
	    kmsgbell_cpus(bell) == 1 ? "" : "s");
	return bell;
}

/*
 * The child: leave the terminal (a watcher taken over must not be able to
 * type into root's shell with TIOCSTI), drop privileges, then serve until
 * the helper goes away.
 */
static void __attribute__((noreturn))
become_watcher(struct watcher *w, struct logsrc *src, int sock,
    const struct config *c, const struct privdrop_ids *ids, pid_t helper)
{
	struct kmsgbell	*bell;
	const char	*errstr;

	if (setsid() == -1)
		fatal("setsid");
	/* Here: a perf event's ring is not inherited across fork(). */
	bell = open_bell(src, c);
	if (privdrop_apply(ids, &errstr) == -1)
		fatalx("watcher: %s", errstr);
	/* After the uid change, which clears the death signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		fatal("prctl");
	if (getppid() != helper)
		fatalx("the helper exited during startup");
	exit(watcher_run(w, src, bell, sock, c));
}

/* Descriptors inherited from whoever started us are not ours to keep. */
static void
close_inherited(void)
{
	int	fd;

	close_range(STDERR_FILENO + 1, ~0U, 0);
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1)
		err(1, "/dev/null");
	close(fd);
}

static int
run_daemon(const struct options *o)
{
	struct config		 c;
	struct watcher		 w;
	struct logsrc		*src;
	struct privdrop_ids	 ids;
	struct helper_conf	 hc;
	const char		*warning[LOGSRC_WARN_MAX];
	size_t			 i, nwarn;
	char			 err[LOGSRC_ERRLEN];
	int			 sp[2];
	pid_t			 pid, helper;

	if (geteuid() != 0)
		errx(1, "must be started as root (it sets up the helper that "
		    "changes the firewall); --check, --scan and "
		    "--print-firewall need no root");
	close_inherited();
	load_all(o, &c, &w, 1);
	if (privdrop_resolve(c.user, c.group, &ids, err) == -1)
		errx(1, "%s/config: %s", o->confdir, err);
	if (logsrc_open(&src, c.log_source, err) == -1)
		errx(1, "log source: %s", err);
	ids.keep_group = needs_group(src);
	log_init("knockknock-daemon", o->foreground);
	nwarn = logsrc_warnings(src, warning);
	for (i = 0; i < nwarn; i++)
		log_warnx("%s", warning[i]);
	if (!o->foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	helper = getpid();
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(sp[0]);
		become_watcher(&w, src, sp[1], &c, &ids, helper);
	}
	/* The helper holds no secrets and reads no log. */
	close(sp[1]);
	watcher_free(&w);
	logsrc_close(src);
	hc.firewall = c.firewall;
	hc.delay_s = c.delay_s;
	hc.uid = ids.uid;
	hc.gid = ids.gid;
	helper_run(sp[0], &hc);
}

int
main(int argc, char *argv[])
{
	struct options	o;

	parse_options(argc, argv, &o);
	switch (o.mode) {
	case MODE_SCAN:
		return run_scan(&o);
	case MODE_CHECK:
		return run_check(&o);
	case MODE_PRINT:
		return run_print(&o);
	case MODE_RUN:
		break;
	}
	return run_daemon(&o);
}
