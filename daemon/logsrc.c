// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Log sources: picks the backend for the configured log_source ("auto",
 * "kmsg" or an absolute path) and dispatches to it.  The spec comes from
 * the root-owned configuration or the command line; the records come from
 * the backends, which treat them as untrusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/kernlog.h"
#include "daemon/kmsg.h"
#include "daemon/logsrc.h"

#define KERNLOG_DEFAULT	"/var/log/kern.log"
#define ALL_NETNS	"/proc/sys/net/netfilter/nf_log_all_netns"

struct logsrc {
	struct kmsg		*kmsg;	/* exactly one of these two */
	struct kernlog		*file;
	struct logsrc_stats	 stats;
	char			 fallback[512];	/* auto's warning, or "" */
};

static struct logsrc *
logsrc_alloc(char err[static LOGSRC_ERRLEN])
{
	struct logsrc	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		snprintf(err, LOGSRC_ERRLEN, "%s", strerror(errno));
	return s;
}

/* "auto": /dev/kmsg where we may read it (not in every container). */
static int
open_auto(struct logsrc *s, char err[static LOGSRC_ERRLEN])
{
	char	kerr[LOGSRC_ERRLEN];

	if (kmsg_open(&s->kmsg, &s->stats, kerr) == 0)
		return 0;
	if (kernlog_open(&s->file, KERNLOG_DEFAULT, &s->stats, err) == 0) {
		snprintf(s->fallback, sizeof(s->fallback), "log_source auto: "
		    "%.256s; reading " KERNLOG_DEFAULT " instead, where local "
		    "users may be able to forge lines: set log_source = kmsg, "
		    "or to the file, to choose", kerr);
		return 0;
	}
	/* Both reasons: either may be the one the operator must fix. */
	snprintf(err + strlen(err), LOGSRC_ERRLEN - strlen(err),
	    " (and %.256s)", kerr);
	return -1;
}

int
logsrc_open(struct logsrc **out, const char *spec,
    char err[static LOGSRC_ERRLEN])
{
	struct logsrc	*s;
	int		 r;

	if (strcmp(spec, "auto") != 0 && strcmp(spec, "kmsg") != 0 &&
	    spec[0] != '/') {
		snprintf(err, LOGSRC_ERRLEN, "log source \"%.256s\": not "
		    "\"auto\", \"kmsg\" or an absolute path", spec);
		return -1;
	}
	if ((s = logsrc_alloc(err)) == NULL)
		return -1;
	if (strcmp(spec, "auto") == 0)
		r = open_auto(s, err);
	else if (strcmp(spec, "kmsg") == 0 || strcmp(spec, KMSG_PATH) == 0)
		r = kmsg_open(&s->kmsg, &s->stats, err);
	else
		r = kernlog_open(&s->file, spec, &s->stats, err);
	if (r == -1) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int
logsrc_open_scan(struct logsrc **out, const char *path,
    char err[static LOGSRC_ERRLEN])
{
	struct logsrc	*s;

	if ((s = logsrc_alloc(err)) == NULL)
		return -1;
	if (kernlog_open_scan(&s->file, path, &s->stats, err) == -1) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int
logsrc_fd(const struct logsrc *s)
{
	return s->kmsg != NULL ? kmsg_fd(s->kmsg) : kernlog_fd(s->file);
}

const char *
logsrc_name(const struct logsrc *s)
{
	return s->kmsg != NULL ? KMSG_PATH : kernlog_path(s->file);
}

int
logsrc_is_kmsg(const struct logsrc *s)
{
	return s->kmsg != NULL;
}

int
logsrc_read(struct logsrc *s, logsrc_cb cb, void *ctx)
{
	if (s->kmsg != NULL)
		return kmsg_read(s->kmsg, cb, ctx);
	return kernlog_read(s->file, cb, ctx);
}

const struct logsrc_stats *
logsrc_stats(const struct logsrc *s)
{
	return &s->stats;
}

void
logsrc_close(struct logsrc *s)
{
	if (s == NULL)
		return;
	kmsg_close(s->kmsg);
	kernlog_close(s->file);
	free(s);
}

/* The first byte of a /proc/sys file, 0 if it is empty, or -1 with errno
 * if it cannot be opened. */
static int
sysctl_first(const char *path)
{
	char	c = 0;
	FILE	*f;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c;
}

#define FORGERY	"the kernel logs the LOG rules of every network " \
	"namespace, so a process with CAP_NET_ADMIN in another one (any user, " \
	"where unprivileged user namespaces are allowed) can write a record " \
	"that passes for a knock sent from any address"

static const char *
netns_warning(void)
{
	int	c = sysctl_first(ALL_NETNS);

	if (c == '1')
		return "net.netfilter.nf_log_all_netns is 1: " FORGERY "; set "
		    "it to 0, unless this daemon runs in a network namespace "
		    "of its own, which needs it and bears this risk";
	/* The setting lives in the first network namespace alone: where it
	 * is missing, records reach this daemon only if it is 1 there. */
	if (c == -1 && errno == ENOENT &&
	    access("/proc/sys/net/netfilter", F_OK) == 0)
		return "this daemon runs in a network namespace other than the "
		    "first, so it reads records only if net.netfilter."
		    "nf_log_all_netns is 1 there, and then " FORGERY "; that "
		    "risk comes with a namespace of its own";
	return NULL;
}

size_t
logsrc_warnings(const struct logsrc *s, const char *w[static LOGSRC_WARN_MAX])
{
	size_t	n = 0;

	if ((w[n] = netns_warning()) != NULL)
		n++;
	if (s->fallback[0] != '\0')
		w[n++] = s->fallback;
	return n;
}
