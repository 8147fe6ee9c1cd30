// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The watcher's privilege drop, with libcap-ng.  After privdrop_apply()
 * the process has a non-root uid, no effective, permitted, inheritable or
 * ambient capabilities, an empty bounding set, and no way to regain any
 * (no_new_privs), and is not dumpable: no core file of its keys and MAC
 * tables, no ptrace by its own uid, whatever fs.suid_dumpable says (with
 * 1, a debugging setting, it is for the moment between the two).  It
 * then checks that this is so rather than trusting it.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

#include "daemon/privdrop.h"

int
privdrop_resolve(const char *user, const char *group,
    struct privdrop_ids *ids, char err[static PRIVDROP_ERRLEN])
{
	struct passwd	*pw;
	struct group	*gr;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, PRIVDROP_ERRLEN, "user %.64s: %s", user,
		    errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, PRIVDROP_ERRLEN, "user %.64s: is root; choose an "
		    "unprivileged user", user);
		return -1;
	}
	if (pw->pw_gid == 0) {
		snprintf(err, PRIVDROP_ERRLEN, "user %.64s: its primary group "
		    "is root's; choose an unprivileged user", user);
		return -1;
	}
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	errno = 0;
	if ((gr = getgrnam(group)) == NULL) {
		snprintf(err, PRIVDROP_ERRLEN, "group %.64s: %s", group,
		    errno ? strerror(errno) : "no such group");
		return -1;
	}
	if (gr->gr_gid == 0) {
		snprintf(err, PRIVDROP_ERRLEN, "group %.64s: is root's group",
		    group);
		return -1;
	}
	ids->group = gr->gr_gid;
	ids->keep_group = 1;
	return 0;
}

/* Did the drop hold?  Never trust a privilege drop without checking. */
static int
privdrop_check(const char **errstr)
{
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0) {
		*errstr = "still root after dropping privileges";
		return -1;
	}
	if (setuid(0) == 0 || setgid(0) == 0) {
		*errstr = "could become root again";
		return -1;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		*errstr = "capabilities left after dropping privileges";
		return -1;
	}
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		*errstr = "still dumpable after dropping privileges";
		return -1;
	}
	return 0;
}

int
privdrop_apply(const struct privdrop_ids *ids, const char **errstr)
{
	if (setgroups(ids->keep_group ? 1 : 0, &ids->group) == -1) {
		*errstr = "setgroups failed";
		return -1;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_change_id((int)ids->uid, (int)ids->gid,
	    CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT) != 0) {
		*errstr = "cannot change to the watcher's user and group";
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		*errstr = "cannot set no_new_privs";
		return -1;
	}
	/* After the change of ids, which sets it from fs.suid_dumpable. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		*errstr = "cannot make the watcher non-dumpable";
		return -1;
	}
	return privdrop_check(errstr);
}
