// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * iptables backend: runs the rules of iptrule.c with a fixed argv and an
 * empty environment.  Deletions wait in a bounded table: a grant is
 * refused rather than the table grown, so there are never more than
 * IPT_PENDING_MAX rules of ours in INPUT.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "privsep/iptables.h"

#define IPT_PENDING_MAX	128	/* rules of ours at any one time */
#define IPT_NO_RULE	1	/* -D's exit code when there is no such rule */
#define IPT_RESOURCE_PROBLEM 4	/* e.g. the xtables lock was not free */
#define IPT_NOT_RUN	127	/* spawn's child: execve failed */

static struct pending {
	struct ipt_rule	rule;
	int64_t		due_ms;		/* CLOCK_MONOTONIC */
	uint8_t		failures;	/* deletions that failed, saturated */
} pending[IPT_PENDING_MAX];
static size_t	npending;

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fork + execve argv with stdout on `out` (or inherited if -1). */
static pid_t
spawn(const char *const argv[], int out)
{
	static char *const	 envp[] = { NULL };
	sigset_t		 none;
	pid_t			 pid;

	if ((pid = fork()) != 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (out != -1 && dup2(out, STDOUT_FILENO) == -1)
		_exit(IPT_NOT_RUN);
	close_range(STDERR_FILENO + 1, ~0U, 0);
	execve(argv[0], (char *const *)argv, envp);
	_exit(IPT_NOT_RUN);
}

/* The wait status of pid, or -1 with errno. */
static int
reap(pid_t pid)
{
	int	st;

	if (pid == -1)
		return -1;
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return st;
}

static int
exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Run op on rule r, leaving a->src and a->port for the caller's log line:
 * iptables' exit code, or -1 (logged here) if it could not be run.
 */
static int
run(int op, const struct ipt_rule *r, struct ipt_argv *a)
{
	const char	*errstr;
	int		 st;

	if (iptrule_argv(a, op, r, &errstr) == -1) {
		log_warnx("iptables: %s", errstr);
		return -1;
	}
	if ((st = reap(spawn(a->argv, -1))) == -1) {
		log_warn("iptables: cannot run %s", a->argv[0]);
		return -1;
	}
	return exit_code(st);
}

static int
insert(const struct ipt_rule *r)
{
	struct ipt_argv	a;
	int		code;

	if ((code = run('I', r, &a)) == 0)
		log_debug("iptables: insert %s port %s", a.src, a.port);
	else if (code > 0)
		log_warnx("iptables: insert %s port %s: exit status %d",
		    a.src, a.port, code);
	return code == 0 ? 0 : -1;
}

static void
schedule(const struct ipt_rule *r, int64_t delay_s)
{
	pending[npending++] = (struct pending){ .rule = *r,
	    .due_ms = now_ms() + delay_s * 1000 };
}

typedef void (*ipt_line)(const char *line, void *ctx);

/*
 * Call each() for every line of `iptables -S [chain]` (every chain of the
 * filter table if chain is NULL): iptables' exit code (0: all was listed),
 * or -1.
 */
static int
list_rules(int family, const char *chain, ipt_line each, void *ctx)
{
	const char *const argv[] = { family == AF_INET ? IPT_PATH4 : IPT_PATH6,
	    "-w", IPT_WAIT_S, "-S", chain, NULL };
	char		*line = NULL;
	size_t		 cap = 0;
	FILE		*f;
	pid_t		 pid;
	int		 fds[2], st;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("iptables: pipe");
		return -1;
	}
	pid = spawn(argv, fds[1]);
	close(fds[1]);
	if (pid == -1 || (f = fdopen(fds[0], "r")) == NULL) {
		log_warn("iptables: %s -S", argv[0]);
		close(fds[0]);
		(void)reap(pid);
		return -1;
	}
	while (getline(&line, &cap, f) != -1)
		each(line, ctx);
	free(line);
	fclose(f);
	if ((st = reap(pid)) == -1)
		return -1;
	return exit_code(st);
}

typedef void (*ipt_each)(const struct ipt_rule *r, const char *line,
    void *ctx);
struct ours {
	int	 family;
	ipt_each each;
	void	*ctx;
};

static void
one_of_ours(const char *line, void *ctx)
{
	const struct ours	*o = ctx;
	struct ipt_rule		 r;
	const char		*errstr;

	if (strstr(line, IPT_TAG) == NULL)
		return;
	if (iptrule_parse(line, o->family, &r, &errstr) == -1)
		log_warnx("iptables: rule with our tag not understood (%s): "
		    "%.*s", errstr, (int)strcspn(line, "\n"), line);
	else
		o->each(&r, line, o->ctx);
}

/*
 * Call each() for every rule of ours in `iptables -S INPUT`: iptables' exit
 * code (0: the whole chain was listed), or -1.
 */
static int
list_ours(int family, ipt_each each, void *ctx)
{
	struct ours	o = { family, each, ctx };
	int		code;

	code = list_rules(family, "INPUT", one_of_ours, &o);
	if (code > 0)
		log_warnx("iptables: %s -S INPUT: exit status %d",
		    family == AF_INET ? IPT_PATH4 : IPT_PATH6, code);
	return code;
}

static void
find_one(const struct ipt_rule *r, const char *line, void *ctx)
{
	const struct ipt_rule	**want = ctx;

	(void)line;
	if (*want != NULL && r->port == (*want)->port &&
	    r->expires == (*want)->expires &&
	    memcmp(r->addr, (*want)->addr, sizeof(r->addr)) == 0)
		*want = NULL;		/* found */
}

/* 1 if r is in INPUT, 0 if a complete listing has no such rule, -1 if
 * INPUT could not be listed. */
static int
listed(const struct ipt_rule *r)
{
	const struct ipt_rule	*want = r;

	if (list_ours(r->family, find_one, &want) != 0)
		return -1;
	return want == NULL;
}

/* An expiry further away than delay_s can only come from a clock that went
 * back: cap it. */
static void
adopt_one(const struct ipt_rule *r, const char *line, void *ctx)
{
	const unsigned int	delay_s = *(const unsigned int *)ctx;
	int64_t			left = r->expires - (int64_t)time(NULL);

	if (npending == IPT_PENDING_MAX)
		log_warnx("iptables: too many rules of ours, left: %.*s",
		    (int)strcspn(line, "\n"), line);
	else
		schedule(r, left < 0 ? 0 : left > delay_s ? delay_s : left);
}

/*
 * Delete rule r: 0 once it is gone, deleted now or already by someone else,
 * else -D's exit code or -1.  "Already gone" needs proof, since the grant
 * stays open if it is wrong: -D said there is no such rule (exit 1) and a
 * full `iptables -S INPUT` does not list it.
 */
static int
withdraw(const struct ipt_rule *r, struct ipt_argv *a)
{
	int	code;

	if ((code = run('D', r, a)) == 0)
		log_debug("iptables: delete %s port %s", a->src, a->port);
	else if (code == IPT_NO_RULE && listed(r) == 0)
		log_info("iptables: rule for %s port %s already gone, "
		    "deleted by someone else", a->src, a->port);
	else
		return code;
	return 0;
}

/* What to do when INPUT cannot be listed, by iptables' exit code. */
static const char *
list_hint(int code)
{
	if (code == IPT_RESOURCE_PROBLEM)
		return "the xtables lock is held; start the daemon again once "
		    "iptables -S works";
	if (code == IPT_NOT_RUN)
		return "is " IPT_PATH4 " installed?";
	return "check that iptables -S works as root; under systemd, "
	    "legacy iptables needs the drop-in given in "
	    "knockknock-daemon.service";
}

/*
 * The first `word` of an `iptables -S` line outside a quoted string (a
 * comment, a log prefix), followed by a blank or the end; or NULL.
 */
static const char *
find_word(const char *p, const char *word)
{
	size_t	n = strlen(word);
	int	quoted = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;		/* \" inside a quoted string */
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && strncmp(p, word, n) == 0 &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return p;
	}
	return NULL;
}

/* What the filter table holds besides our rules: the best LOG rule seen,
 * and whether there is any rule at all. */
enum { LOG_NONE, LOG_NO_SEQ, LOG_SEQ };
struct logged {
	int	best;
	int	rules;		/* -A lines */
};

static void
log_rule(const char *line, struct logged *l)
{
	const char	*j;

	if (strncmp(line, "-A ", 3) != 0)
		return;
	l->rules++;
	if ((j = find_word(line, " -j LOG")) == NULL)
		return;
	if (find_word(j, " --log-tcp-sequence") != NULL)
		l->best = LOG_SEQ;
	else if (l->best == LOG_NONE)
		l->best = LOG_NO_SEQ;
}

struct setup_scan {
	struct ours	ours;
	struct logged	log;
};

static void
setup_line(const char *line, void *ctx)
{
	struct setup_scan	*s = ctx;

	if (strncmp(line, "-A INPUT ", 9) == 0 && strstr(line, IPT_TAG) != NULL)
		one_of_ours(line, &s->ours);
	else
		log_rule(line, &s->log);
}

/*
 * In one listing of the filter table: schedule every rule of ours in
 * INPUT, and see what the other rules log.  A deletion waits until the
 * listing is over: legacy iptables holds the xtables lock while it prints,
 * and the deletion would wait for it until -w gives up.
 */
static int
adopt(int family, unsigned int delay_s, struct logged *log)
{
	struct setup_scan	s = { { family, adopt_one, &delay_s },
				    { LOG_NONE, 0 } };
	int			code;

	code = list_rules(family, NULL, setup_line, &s);
	if (code > 0)
		log_warnx("iptables: %s -S: exit status %d",
		    family == AF_INET ? IPT_PATH4 : IPT_PATH6, code);
	*log = s.log;
	return code;
}

/*
 * A knock is seen only if a LOG rule with --log-tcp-sequence logs it: say
 * so at the start when the filter table has none.  Only a warning, since
 * a rule in another table, or nftables, may log the knocks.  IPv4 always,
 * being the firewall chosen; IPv6 only if its table has rules at all,
 * since an empty one means IPv6 is not firewalled here with ip6tables.
 */
static void
warn_unlogged(int family, const struct logged *l)
{
	const char	*cmd = family == AF_INET ? "iptables" : "ip6tables";
	const char	*ip = family == AF_INET ? "IPv4" : "IPv6";

	if (family == AF_INET6 && l->rules == 0)
		return;
	if (l->best == LOG_NONE)
		log_warnx("%s: no rule in the filter table logs (-j LOG): "
		    "unless one elsewhere does, no %s knock will be seen; "
		    "load the output of --print-firewall iptables", cmd, ip);
	else if (l->best == LOG_NO_SEQ)
		log_warnx("%s: no LOG rule in the filter table has "
		    "--log-tcp-sequence: the %s knocks it logs lack SEQ and "
		    "cannot be verified; load the output of --print-firewall "
		    "iptables", cmd, ip);
}

/*
 * Rules of ours that a crash left must be found before anything else: IPv4
 * must list.  A host may run without IPv6 (ip6tables then exits 3), but a
 * held xtables lock (exit 4) would leave IPv6 grants of a crash open for
 * good: stop, and let the service manager start the daemon again.
 */
int
iptables_setup(unsigned int delay_s)
{
	struct logged	log4, log6;
	int		code, code6;

	if ((code = adopt(AF_INET, delay_s, &log4)) != 0) {
		log_warnx("iptables: cannot list IPv4 rules; stopping: %s",
		    list_hint(code));
		return -1;
	}
	code6 = adopt(AF_INET6, delay_s, &log6);
	if (code6 == IPT_RESOURCE_PROBLEM) {
		log_warnx("iptables: cannot list IPv6 rules (xtables lock "
		    "held?); stopping rather than leave grants of a crash "
		    "open: start the daemon again once ip6tables -S works");
		return -1;
	}
	iptables_expire();
	warn_unlogged(AF_INET, &log4);
	if (code6 == 0)
		warn_unlogged(AF_INET6, &log6);
	return 0;
}

int
iptables_grant(const struct grant *g, unsigned int delay_s)
{
	struct ipt_rule	r;

	if (npending == IPT_PENDING_MAX) {
		log_warnx("iptables: %d grants pending, refusing another",
		    IPT_PENDING_MAX);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.family = g->family;
	memcpy(r.addr, g->addr, sizeof(r.addr));
	r.port = g->port;
	r.expires = (int64_t)time(NULL) + delay_s;
	if (insert(&r) == -1)
		return -1;
	schedule(&r, delay_s);
	return 0;
}

int
iptables_timeout_ms(void)
{
	int64_t	min = INT64_MAX;
	size_t	i;

	if (npending == 0)
		return -1;
	for (i = 0; i < npending; i++)
		if (pending[i].due_ms < min)
			min = pending[i].due_ms;
	min -= now_ms();
	return min < 0 ? 0 : min > INT_MAX ? INT_MAX : (int)min;
}

unsigned int
iptables_retry_s(unsigned int failures)
{
	unsigned int	s = 1;

	while (failures-- > 1 && s < IPT_RETRY_MAX_S)
		s *= 2;
	return s < IPT_RETRY_MAX_S ? s : IPT_RETRY_MAX_S;
}

/*
 * A deletion that fails ends the call, leaving the other due rules to the
 * next one: a stuck iptables then holds up grants and signals for one run
 * at a time, not for every due rule in a row.
 */
void
iptables_expire(void)
{
	struct pending	*p;
	struct ipt_argv	 a;
	int64_t		 now = now_ms();
	size_t		 i = 0;
	unsigned int	 s;
	int		 code;

	while (i < npending) {
		p = &pending[i];
		if (p->due_ms > now)
			i++;
		else if ((code = withdraw(&p->rule, &a)) == 0)
			*p = pending[--npending];
		else {
			p->failures += p->failures < UINT8_MAX;
			s = iptables_retry_s(p->failures);
			p->due_ms = now_ms() + (int64_t)s * 1000;
			log_warnx("iptables: cannot delete the rule for %s "
			    "port %s (exit status %d): the grant is still "
			    "open, retrying in %u s", a.src, a.port, code, s);
			return;
		}
	}
}

void
iptables_cleanup(void)
{
	struct ipt_argv	a;
	int		code;

	while (npending > 0)
		if ((code = withdraw(&pending[--npending].rule, &a)) != 0)
			log_warnx("iptables: cannot delete the rule for %s "
			    "port %s (exit status %d): left in INPUT, open "
			    "until deleted by hand or at the next start",
			    a.src, a.port, code);
}
