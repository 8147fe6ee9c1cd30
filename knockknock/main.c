// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * knockknock: send one knock, a TCP SYN that asks HOST to open tcp/PORT to
 * us, made from the profile in ~/.knockknock/HOST/ (DESIGN.md §1, §3, §4).
 *
 * Order matters.  The raw sockets are opened first, one for each family
 * the knock may take, then every capability is dropped (libnet only builds
 * the packet, which needs none), and only then is anything read: the
 * profile, HOST, the environment's HOME are untrusted, so they are handled
 * with no privilege.
 * The advanced counter is on disk before the SYN leaves, so a crash can
 * never reuse a counter; a SYN that is lost costs one counter, which the
 * server's error window absorbs.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "knockknock/args.h"
#include "knockknock/packet.h"
#include "knockknock/relay.h"
#include "knockknock/target.h"
#include "profiles/counter.h"
#include "profiles/profile.h"

#define KNOCKKNOCK_VERSION	"0.1.0"
#define PROFILE_SUBDIR		".knockknock"
#define SERVER_PROFILES		"/etc/knockknock.d/profiles"
#define EXIT_USAGE		2

struct target {
	const char		*host;
	struct packet_addr	 addr;
	char			 addr_text[INET6_ADDRSTRLEN + IF_NAMESIZE];
};

/*
 * The raw sockets, opened while privileged: the knock's family is known
 * only once HOST is resolved, and that is done without privilege.
 */
enum { RAW4, RAW6, NRAW };
static const int raw_family[NRAW] = { AF_INET, AF_INET6 };

struct raw_sockets {
	int	 fd[NRAW];		/* -1: not open */
	int	 errnum[NRAW];		/* why not, if wanted */
	char	 err[NRAW][PACKET_ERRLEN];
};

static void err1(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
err1(const char *fmt, ...)
{
	va_list ap;

	fputs("knockknock: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fputs("usage: knockknock [-4|-6] [-n|--dry-run] -p PORT HOST\n"
	    "       knockknock [-4|-6] -c [-w SECONDS] -p PORT HOST\n"
	    "       knockknock -h|--help | --version\n", f);
}

static void
help(void)
{
	usage(stdout);
	fputs("\n"
	    "Send one knock, a TCP SYN to HOST's knock port, asking HOST to\n"
	    "open tcp/PORT to this machine.  The profile is ~/.knockknock/HOST/,\n"
	    "a copy of the server's " SERVER_PROFILES "/NAME/.\n"
	    "\n"
	    "  -p, --port PORT  the port to open on HOST, 1..65535\n"
	    "  -4, --ipv4       knock over IPv4 only\n"
	    "  -6, --ipv6       knock over IPv6 only; by default the knock\n"
	    "                   goes over IPv4 if HOST has an IPv4 address,\n"
	    "                   else over IPv6: connect over the same one\n"
	    "  -c, --connect    after the knock, connect to PORT and relay\n"
	    "                   standard input and output to it, for ssh:\n"
	    "                   ProxyCommand knockknock -c -p %p %h\n"
	    "  -w, --wait SECONDS\n"
	    "                   with -c, how long to retry connecting,\n"
	    "                   1..3600 (default 10)\n"
	    "  -n, --dry-run    print the knock that would be sent now, as\n"
	    "                   ip_id=N tcp_seq=N tcp_ack=N tcp_window=N\n"
	    "                   (over IPv6, ip_id is the flow label);\n"
	    "                   send nothing, leave the counter alone, need\n"
	    "                   no privilege; the fields are a valid knock\n"
	    "                   until the next real one: keep them private\n"
	    "  -h, --help       print this help\n"
	    "      --version    print the version\n"
	    "\n"
	    "Sending needs a raw socket: run as root, or give the binary the\n"
	    "capability once, as root: setcap cap_net_raw+ep "
	    "$(command -v knockknock)\n"
	    "Every capability is dropped before the profile is read.\n"
	    "\n"
	    "Exit status: 0 done, 1 error, 2 usage error.\n", stdout);
}

/* Keep nothing but the raw sockets already open: no capability at all. */
static int
drop_privileges(void)
{
	capng_clear(CAPNG_SELECT_BOTH);
	/* Without CAP_SETPCAP (a file-capability run) libcap-ng leaves the
	 * bounding set alone and still succeeds; the sets that grant
	 * anything are emptied either way. */
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		err1("cannot drop capabilities");
		return -1;
	}
	return 0;
}

static int
profile_dir(const char *host, char dir[static PATH_MAX])
{
	const struct passwd *pw;
	const char *home, *errstr;
	int n;

	if (profile_name_valid(host, &errstr) == -1) {
		err1("%s: not usable as a profile name: %s", host, errstr);
		return -1;
	}
	/* As 0.5's os.path.expanduser(): $HOME, else the password file. */
	home = getenv("HOME");
	if ((home == NULL || *home == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL || *home == '\0') {
		err1("HOME is not set and uid %u has no home directory; the "
		    "profile lives in $HOME/" PROFILE_SUBDIR "/%s",
		    (unsigned int)getuid(), host);
		return -1;
	}
	n = snprintf(dir, PATH_MAX, "%s/" PROFILE_SUBDIR "/%s", home, host);
	if (n < 0 || n >= PATH_MAX) {
		err1("%s/" PROFILE_SUBDIR "/%s: path too long", home, host);
		return -1;
	}
	return 0;
}

/* Open the profile directory and load it: its descriptor, or -1. */
static int
load(const char *host, const char *dir, struct profile *p)
{
	char err[PROFILE_ERRLEN];
	int dirfd;

	if ((dirfd = profile_open(dir, err)) == -1) {
		if (errno == ENOENT)
			err1("no profile for %s in %s (copy it from the "
			    "server's " SERVER_PROFILES "/NAME/)", host, dir);
		else
			err1("%s", err);
		return -1;
	}
	if (profile_load_at(dirfd, dir, p, err) == -1) {
		err1("%s", err);
		close(dirfd);
		return -1;
	}
	return dirfd;
}

static int
set_target(struct target *t, const struct addrinfo *ai)
{
	if (packet_addr_from(ai->ai_addr, ai->ai_addrlen, &t->addr) == -1)
		return -1;
	/* Numeric, with a link-local address's %interface. */
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, t->addr_text,
	    sizeof(t->addr_text), NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(t->addr_text, sizeof(t->addr_text), "?");
	return 0;
}

static int
resolve(struct target *t, int family)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	const struct addrinfo *ai;
	const char *why;
	int rc;

	rc = getaddrinfo(t->host, NULL, &hints, &res);
	if (rc != 0) {
		err1("%s: %s", t->host, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		return -1;
	}
	if ((ai = target_pick(res, family)) == NULL) {
		err1("%s: no %s address", t->host, family == AF_INET6 ?
		    "IPv6" : family == AF_INET ? "IPv4" : "IPv4 or IPv6");
		freeaddrinfo(res);
		return -1;
	}
	rc = set_target(t, ai);
	freeaddrinfo(res);
	if (rc == -1) {
		err1("%s: the resolver gave an address of the wrong size",
		    t->host);
		return -1;
	}
	if ((why = target_unusable(&t->addr)) != NULL) {
		err1("%s: %s", t->host, why);
		return -1;
	}
	return 0;
}

static void
raw_error(const char *msg, int errnum)
{
	if (errnum == EPERM || errnum == EACCES)
		err1("%s; run as root, or as root once: setcap cap_net_raw+ep "
		    "$(command -v knockknock)", msg);
	else
		err1("%s", msg);
}

/* Close every raw socket but the one at `keep` (NRAW: close them all). */
static void
close_raw(struct raw_sockets *raw, int keep)
{
	int i;

	for (i = 0; i < NRAW; i++) {
		if (i == keep || raw->fd[i] == -1)
			continue;
		close(raw->fd[i]);
		raw->fd[i] = -1;
	}
}

/* The raw socket for `family`, closing the other; -1 if it did not open. */
static int
raw_for(struct raw_sockets *raw, int family)
{
	int want = family == AF_INET6 ? RAW6 : RAW4;

	close_raw(raw, want);
	if (raw->fd[want] == -1)
		raw_error(raw->err[want], raw->errnum[want]);
	return raw->fd[want];
}

static int
flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err1("stdout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Save the advanced counter, then send: never the other way round. */
static int
send_knock(int fd, int dirfd, const char *dir, uint64_t next,
    const struct target *t, struct packet_syn *s)
{
	char err[PACKET_ERRLEN];
	libnet_t *l = NULL;
	int ret = -1;

	s->dst = t->addr;
	if (packet_source_addr(&s->dst, s->dport, &s->src) == -1) {
		err1("%s (%s): no source address: %s", t->host, t->addr_text,
		    strerror(errno));
		return -1;
	}
	if (packet_source_port(&s->sport) == -1) {
		err1("getrandom: %s", strerror(errno));
		return -1;
	}
	if (packet_open(&l, err) == -1 || packet_build(l, s, err) == -1) {
		err1("cannot build the knock: %s", err);
		goto out;
	}
	if (counter_save(dirfd, next) == -1) {
		err1("%s/counter: cannot save the counter, nothing sent: %s",
		    dir, strerror(errno));
		goto out;
	}
	if (packet_send(l, fd, s, err) == -1) {
		err1("cannot send the knock to %s (%s) port %u: %s; the counter "
		    "was already advanced, which is harmless: the server's "
		    "window absorbs it", t->host, t->addr_text, s->dport, err);
		goto out;
	}
	ret = 0;
out:
	if (l != NULL)
		libnet_destroy(l);
	return ret;
}

/* -c: connect to the port the knock opened, and relay stdin and stdout. */
static int
connect_and_relay(const struct target *t, const struct packet_addr *src,
    const struct args *a)
{
	char err[RELAY_ERRLEN];
	int fd, ret;

	fd = relay_connect(src, &t->addr, a->port, a->wait_s * 1000, err);
	if (fd == -1) {
		err1("%s (%s): %s", t->host, t->addr_text, err);
		return -1;
	}
	/* A peer gone is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);
	if ((ret = relay_run(fd, STDIN_FILENO, STDOUT_FILENO, err)) == -1)
		err1("%s (%s) port %u: %s", t->host, t->addr_text, a->port,
		    err);
	close(fd);
	return ret;
}

/* What follows a knock sent: the connection (-c), or a line saying so. */
static int
after_knock(struct raw_sockets *raw, const struct target *t,
    const struct packet_syn *s, const struct args *a)
{
	if (a->connect) {
		close_raw(raw, NRAW);
		return connect_and_relay(t, &s->src, a);
	}
	printf("Knock sent to %s (%s) port %u, asking for tcp/%u.\n",
	    t->host, t->addr_text, s->dport, a->port);
	return flush_stdout();
}

static int
knock(struct raw_sockets *raw, const struct args *a)
{
	char dir[PATH_MAX];
	struct profile p;
	struct packet_syn s = { .dport = 0 };
	struct target t = { .host = a->host };
	uint64_t counter;
	const char *errstr;
	int dirfd, fd, ret = -1;

	if (profile_dir(a->host, dir) == -1)
		return -1;
	if ((dirfd = load(a->host, dir, &p)) == -1)
		return -1;
	counter = p.counter;
	s.dport = p.knock_port;
	if (packet_encode(&p.keys, &counter, a->port, &s.f, &errstr) == -1) {
		err1("%s: %s", dir, errstr);
		goto out;
	}
	profile_wipe(&p);
	if (a->dry_run) {
		printf("ip_id=%u tcp_seq=%u tcp_ack=%u tcp_window=%u\n",
		    s.f.ip_id, s.f.seq, s.f.ack, s.f.window);
		ret = flush_stdout();
		goto out;
	}
	if (resolve(&t, a->family) == -1 ||
	    (fd = raw_for(raw, t.addr.family)) == -1 ||
	    send_knock(fd, dirfd, dir, counter + 1, &t, &s) == -1)
		goto out;
	close(dirfd);		/* -c may relay for hours */
	dirfd = -1;
	ret = after_knock(raw, &t, &s, a);
out:
	profile_wipe(&p);
	explicit_bzero(&s, sizeof(s));
	if (dirfd != -1)
		close(dirfd);
	return ret;
}

/*
 * Open a raw socket for each family the knock may take (none for a dry
 * run).  Fails only if none opens: a family that did not (a kernel without
 * IPv6, a policy that denies its raw sockets) matters only if HOST turns
 * out to need it.
 */
static int
open_raw(const struct args *a, struct raw_sockets *raw)
{
	int i, opened = 0, first = -1;

	for (i = 0; i < NRAW; i++) {
		raw->fd[i] = -1;
		raw->errnum[i] = 0;
		raw->err[i][0] = '\0';
	}
	if (a->dry_run)
		return 0;
	for (i = 0; i < NRAW; i++) {
		if (a->family != AF_UNSPEC && a->family != raw_family[i])
			continue;
		if (packet_raw_socket(raw_family[i], &raw->fd[i],
		    raw->err[i]) == 0) {
			opened = 1;
			continue;
		}
		raw->errnum[i] = errno;
		if (first == -1)
			first = i;
	}
	if (!opened) {
		raw_error(raw->err[first], raw->errnum[first]);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct raw_sockets raw;
	struct args a;
	const char *errstr;
	int ret;

	if (args_parse(argc, argv, &a, &errstr) == -1) {
		if (a.bad_port) {
			err1("port \"%s\": %s", a.port_arg, errstr);
			return 1;
		}
		err1("%s", errstr);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (a.help) {
		help();
		return flush_stdout() == 0 ? 0 : 1;
	}
	if (a.version) {
		puts("knockknock " KNOCKKNOCK_VERSION);
		return flush_stdout() == 0 ? 0 : 1;
	}
	if (open_raw(&a, &raw) == -1)
		return 1;
	ret = drop_privileges() == 0 && knock(&raw, &a) == 0 ? 0 : 1;
	close_raw(&raw, NRAW);
	return ret;
}
