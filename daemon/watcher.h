/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The watcher: the unprivileged half of knockknock-daemon.  It reads log
 * lines, verifies knocks against every profile, stores each new counter
 * durably, and only then asks the helper to open the port.  In scan mode
 * (--scan) it prints the knocks instead, and saves and opens nothing.
 */
#ifndef WATCHER_H
#define WATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "daemon/kmsgbell.h"
#include "daemon/logsrc.h"
#include "daemon/verify.h"

#define WATCHER_PROFILES_MAX	256
#define WATCHER_ERRLEN		(PROFILE_ERRLEN + 64)

struct watcher {
	struct verifier	*v;		/* one per profile, sorted by name */
	size_t		 n;
	uint8_t		 knock_ports[65536 / 8];	/* bitmap: fast reject */
	int		 sock;		/* to the helper; -1 in scan mode */
	int		 scan;
	uint64_t	 lines;
	uint64_t	 knocks;	/* honoured */
	uint64_t	 failed;	/* at a knock port, but no match */
	uint64_t	 failed_reported;
	uint64_t	 unusable;	/* at a knock port, but no record */
	uint64_t	 unusable_reported;
	const char	*unusable_why;	/* the last one's (static) reason */
	uint64_t	 noseq;		/* of those, "SEQ missing" */
	uint64_t	 noseq_reported;
	uint64_t	 lost_reported;	/* log source overwrites */
};

/*
 * Load every profile in CONFDIR/profiles/ (none, an unloadable one, or two
 * with one knock port are errors).  With `live`, counter files are kept
 * open for writing.  0, or -1 with err set.
 */
int	watcher_load(struct watcher *w, const char *confdir,
	    const struct config *c, int live, char err[static WATCHER_ERRLEN]);

/* Handle one log line (a logsrc_cb). */
void	watcher_line(void *ctx, const char *line, size_t len);

/*
 * Serve: wait for the helper's HELPER_READY on `sock`, log "ready", then
 * read `src` until the helper goes away, also whenever `bell` (NULL: none)
 * rings.  Returns the exit status.
 */
int	watcher_run(struct watcher *w, struct logsrc *src,
	    struct kmsgbell *bell, int sock, const struct config *c);

/* Read a whole file (--scan) and print "lines=N knocks=K".  Exit status. */
int	watcher_scan(struct watcher *w, struct logsrc *src);

/* Wipe and free every profile. */
void	watcher_free(struct watcher *w);

#endif
