/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Dropping the watcher's privileges (DESIGN.md §6): to an unprivileged
 * user, keeping one supplementary group (the one that may read kern.log),
 * with every capability cleared, the bounding set emptied and
 * PR_SET_NO_NEW_PRIVS set.
 */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <sys/types.h>

#define PRIVDROP_ERRLEN	160

struct privdrop_ids {
	uid_t	uid;
	gid_t	gid;		/* the user's primary group */
	gid_t	group;		/* the one supplementary group kept */
	int	keep_group;	/* 0: no supplementary group at all */
};

/* Look the names up (as root, at startup).  0, or -1 with err set. */
int	privdrop_resolve(const char *user, const char *group,
	    struct privdrop_ids *ids, char err[static PRIVDROP_ERRLEN]);

/* Drop for good and check that it held.  0, or -1 with *errstr. */
int	privdrop_apply(const struct privdrop_ids *ids, const char **errstr);

#endif
