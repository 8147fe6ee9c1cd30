// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The watcher's data path (DESIGN.md §5):
 *   line -> DPT pre-filter -> strict parse -> verify in window
 *        -> durable counter -> grant message to the helper.
 * Log lines are untrusted; everything that reaches the helper is a
 * fixed-size struct built from parsed, range-checked fields.  Lines that
 * are not knocks are traffic, not errors: they are dropped silently, and
 * failed knocks are counted and summarised once a minute, so that a flood
 * cannot flood the log.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/logparse.h"
#include "daemon/watcher.h"
#include "privsep/helper.h"
#include "privsep/msg.h"

#define SUMMARY_INTERVAL_MS	60000	/* failed-knock summary, at most */

static int
port_is_knock(const struct watcher *w, uint16_t port)
{
	return w->knock_ports[port / 8] & (1u << (port % 8));
}

static int
profile_filter(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static int
watcher_add(struct watcher *w, const char *dir, const struct config *c,
    int live, char err[static WATCHER_ERRLEN])
{
	struct verifier	*v = &w->v[w->n];
	uint16_t	 port;

	if (verify_init(v, dir, c->error_window, live, err) == -1)
		return -1;
	port = v->prof.knock_port;
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].prof.knock_port == port) {
			snprintf(err, WATCHER_ERRLEN, "profiles %s and %s both "
			    "use knock port %u", w->v[i].prof.name,
			    v->prof.name, (unsigned int)port);
			verify_free(v);
			return -1;
		}
	}
	if (v->prof.counter >= CODEC_COUNTER_LIMIT)
		log_warnx("profile %s is exhausted (counter at 2^32): no knock "
		    "will match; generate a new one", v->prof.name);
	w->knock_ports[port / 8] |= (uint8_t)(1u << (port % 8));
	w->n++;
	return 0;
}

int
watcher_load(struct watcher *w, const char *confdir, const struct config *c,
    int live, char err[static WATCHER_ERRLEN])
{
	char		  pdir[PATH_MAX], dir[PATH_MAX];
	struct dirent	**names = NULL;
	int		  n, i, ret = -1;

	memset(w, 0, sizeof(*w));
	w->sock = -1;
	snprintf(pdir, sizeof(pdir), "%s/profiles", confdir);
	if ((n = scandir(pdir, &names, profile_filter, alphasort)) == -1) {
		snprintf(err, WATCHER_ERRLEN, "%s: %s", pdir, strerror(errno));
		return -1;
	}
	if (n > WATCHER_PROFILES_MAX) {
		snprintf(err, WATCHER_ERRLEN, "%s: more than 256 profiles",
		    pdir);
		goto out;
	}
	if (n > 0 && (w->v = calloc((size_t)n, sizeof(*w->v))) == NULL) {
		snprintf(err, WATCHER_ERRLEN, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", pdir,
		    names[i]->d_name) >= (int)sizeof(dir)) {
			snprintf(err, WATCHER_ERRLEN, "%.*s...: path too long",
			    64, dir);
			goto out;
		}
		if (profile_not_dir(dir)) {
			log_info("%s: not a directory, so not a profile", dir);
			continue;
		}
		if (watcher_add(w, dir, c, live, err) == -1)
			goto out;
	}
	if (w->n == 0) {
		snprintf(err, WATCHER_ERRLEN, "%s: no profiles (create one "
		    "with knockknock-genprofile)", pdir);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ret == -1)
		watcher_free(w);
	return ret;
}

static struct verifier *
watcher_profile(struct watcher *w, uint16_t dpt)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].prof.knock_port == dpt)
			return &w->v[i];
	return NULL;
}

static void
watcher_grant(struct watcher *w, struct verifier *v,
    const struct knock_record *rec, uint16_t port, uint64_t next)
{
	char		src[INET6_ADDRSTRLEN];
	struct grant	g;
	const char	*errstr;

	inet_ntop(rec->family, rec->src, src, sizeof(src));
	grant_make(&g, rec->family, rec->src, port);
	if (w->scan) {
		verify_commit(v, next);
		/* As the live daemon would: see below. */
		if (grant_validate(&g, &errstr) == -1)
			printf("%s %u %s refused: %s\n", src,
			    (unsigned int)port, v->prof.name, errstr);
		else
			printf("%s %u %s\n", src, (unsigned int)port,
			    v->prof.name);
		w->knocks++;
		return;
	}
	/* The counter is on disk before anything is opened. */
	if (verify_commit(v, next) == -1) {
		log_warn("profile %s: cannot save the counter; knock from %s "
		    "refused", v->prof.name, src);
		return;
	}
	/*
	 * The helper exits on a message it refuses (a broken watcher), so a
	 * genuine knock from an address it will not open for (::, multicast)
	 * must stop here.
	 */
	if (grant_validate(&g, &errstr) == -1) {
		log_warnx("profile %s: knock from %s refused: %s", v->prof.name,
		    src, errstr);
		return;
	}
	/*
	 * Only the helper knows whether the firewall took the grant: it logs
	 * "opened" or "NOT opened".  This line comes first, before the send,
	 * so that every helper line has its knock line above it.
	 */
	log_info("knock from %s for tcp/%u (profile %s)", src,
	    (unsigned int)port, v->prof.name);
	if (send(w->sock, &g, sizeof(g), MSG_NOSIGNAL) != (ssize_t)sizeof(g))
		fatal("cannot reach the helper");
	w->knocks++;
}

/*
 * --scan also reads /dev/kmsg's text form, "PRI,SEQ,TS,FLAGS;MSG": digits
 * then a comma, where a kern.log line has a date ("2026-..." or "Nov 22").
 */
static int
is_kmsg_text(const char *line, size_t len)
{
	size_t	i = 0;

	while (i < len && i < 4 && line[i] >= '0' && line[i] <= '9')
		i++;
	return i > 0 && i < len && line[i] == ',';
}

void
watcher_line(void *ctx, const char *line, size_t len)
{
	struct watcher		*w = ctx;
	struct knock_record	 rec;
	struct verifier		*v;
	const char		*errstr;
	uint64_t		 seq, next;
	uint16_t		 dpt, port;

	w->lines++;
	if (w->scan && is_kmsg_text(line, len) &&
	    logparse_kmsg(line, len, &line, &len, &seq, &errstr) == -1)
		return;
	if (logparse_dpt(line, len, &dpt) == -1 || !port_is_knock(w, dpt))
		return;
	if (logparse_line(line, len, &rec, &errstr) == -1) {
		w->unusable++;
		w->unusable_why = errstr;
		w->noseq += strcmp(errstr, "SEQ missing") == 0;
		return;
	}
	if ((v = watcher_profile(w, rec.dpt)) == NULL)
		return;
	if (verify_knock(v, &rec.f, &port, &next) == -1) {
		w->failed++;
		return;
	}
	watcher_grant(w, v, &rec, port, next);
}

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Records for a knock port that are no knock: not SYNs (a scan), or a LOG
 * rule that cannot carry one (without TCP sequence numbers every knock is
 * lost), so the reason is worth a line.
 */
static void
report_unusable(struct watcher *w, const char *when)
{
	uint64_t	n = w->unusable - w->unusable_reported;

	if (n == 0)
		return;
	log_info("%llu record%s for a knock port%s %s no knock (the last: "
	    "%s)%s", (unsigned long long)n, n == 1 ? "" : "s", when,
	    n == 1 ? "was" : "were", w->unusable_why,
	    w->noseq != w->noseq_reported ? "; some lacked SEQ: does the LOG "
	    "rule log TCP sequence numbers?" : "");
	w->unusable_reported = w->unusable;
	w->noseq_reported = w->noseq;
}

static void
watcher_summary(struct watcher *w, const struct logsrc *src)
{
	uint64_t	lost = logsrc_stats(src)->overwritten;

	if (w->failed != w->failed_reported)
		log_info("%llu failed knocks in the last minute",
		    (unsigned long long)(w->failed - w->failed_reported));
	report_unusable(w, " in the last minute");
	if (lost != w->lost_reported)
		log_info("%s: records overwritten %llu times in the last "
		    "minute; knocks may have been lost", logsrc_name(src),
		    (unsigned long long)(lost - w->lost_reported));
	w->failed_reported = w->failed;
	w->lost_reported = lost;
}

/* Block until the helper has set up the firewall, or has died. */
static void
watcher_wait_helper(int sock)
{
	unsigned char	b;
	ssize_t		n;

	while ((n = recv(sock, &b, 1, 0)) == -1 && errno == EINTR)
		;
	if (n == 0)
		fatalx("the helper exited during setup");
	if (n != 1 || b != HELPER_READY)
		fatalx("unexpected message from the helper");
}

int
watcher_run(struct watcher *w, struct logsrc *src, struct kmsgbell *bell,
    int sock, const struct config *c)
{
	struct pollfd	pfd[3];
	uint64_t	next_summary;
	int		timeout, poll_ms;

	w->sock = sock;
	watcher_wait_helper(sock);
	/*
	 * The kernel wakes /dev/kmsg readers for a new record only at the
	 * next timer tick of a CPU that is busy (up to 4 ms at HZ=250), though
	 * the record can be read at once: `bell` (the printk:console
	 * tracepoint, kmsgbell.h) rings as printk runs; without it,
	 * kmsg_poll_ms reads every that many ms without waiting to be woken.
	 * A file's inotify wake-up is immediate.
	 */
	poll_ms = logsrc_is_kmsg(src) ? (int)c->kmsg_poll_ms : 0;
	if (poll_ms > 0)
		log_info("reading %s every %d ms as well (kmsg_poll_ms)",
		    logsrc_name(src), poll_ms);
	else if (c->kmsg_poll_ms > 0)
		log_warnx("kmsg_poll_ms has no effect with log source %s",
		    logsrc_name(src));
	log_info("ready: %zu profile%s, log source %s, firewall %s, delay %u s",
	    w->n, w->n == 1 ? "" : "s", logsrc_name(src),
	    config_firewall_name(c->firewall), c->delay_s);
	next_summary = now_ms() + SUMMARY_INTERVAL_MS;
	pfd[0] = (struct pollfd){ .fd = logsrc_fd(src), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sock, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = bell != NULL ? kmsgbell_fd(bell) : -1,
	    .events = POLLIN };
	for (;;) {
		uint64_t now = now_ms();

		if (now >= next_summary) {
			watcher_summary(w, src);
			next_summary = now + SUMMARY_INTERVAL_MS;
		}
		timeout = (int)(next_summary - now);
		if (poll_ms > 0 && timeout > poll_ms)
			timeout = poll_ms;
		if (poll(pfd, 3, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents != 0) {
			log_warnx("the helper has exited; stopping");
			return 1;
		}
		/* Before reading: a record logged after it rings again. */
		if (pfd[2].revents != 0)
			kmsgbell_ack(bell);
		if ((pfd[0].revents != 0 || pfd[2].revents != 0 ||
		    poll_ms > 0) && logsrc_read(src, watcher_line, w) == -1)
			return 1;
	}
}

int
watcher_scan(struct watcher *w, struct logsrc *src)
{
	int	r;

	w->scan = 1;
	/* A pipe may have nothing yet: wait for it rather than spin. */
	while ((r = logsrc_read(src, watcher_line, w)) == 0) {
		struct pollfd pfd = { .fd = logsrc_fd(src), .events = POLLIN };

		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			fatal("poll");
	}
	if (r == -1)
		return 1;
	report_unusable(w, "");
	printf("lines=%llu knocks=%llu\n", (unsigned long long)w->lines,
	    (unsigned long long)w->knocks);
	return fflush(stdout) == 0 ? 0 : 1;
}

void
watcher_free(struct watcher *w)
{
	for (size_t i = 0; i < w->n; i++)
		verify_free(&w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}
