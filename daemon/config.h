/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The daemon's settings, DIR/config, section [main].  A missing file means
 * all defaults; an unknown key, a key given twice or a bad value is an
 * error naming the file, the line and the key.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>

#include "privsep/helper.h"
#include "profiles/ini.h"

#define CONFIG_DELAY_MAX	HELPER_DELAY_MAX	/* what the helper accepts */
#define CONFIG_WINDOW_MAX	1000	/* counters tried per knock */
#define CONFIG_NAME_MAX		64	/* user and group names, bytes */
#define CONFIG_POLL_MAX		100	/* kmsg_poll_ms */

struct config {
	unsigned int	delay_s;		/* 15 */
	unsigned int	error_window;		/* 20 */
	char		log_source[PATH_MAX];	/* "auto", "kmsg" or a path */
	unsigned int	kmsg_poll_ms;		/* 0: only when woken */
	int		kmsg_tracepoint;	/* 1: the doorbell, kmsgbell.h */
	enum firewall	firewall;		/* nftables */
	char		user[CONFIG_NAME_MAX];	/* "nobody" */
	char		group[CONFIG_NAME_MAX];	/* "adm" */
};

/* Fill *c with the defaults, then read PATH over them.  0, or -1 with err. */
int	config_load(const char *path, struct config *c,
	    char err[static INI_ERRLEN]);

/* The same for text in memory (tests, fuzzing); `name` is used in err. */
int	config_load_buf(const char *name, const char *text, size_t len,
	    struct config *c, char err[static INI_ERRLEN]);

const char *config_firewall_name(enum firewall fw);

/* "nftables" or "iptables" to the enum.  0, or -1 with *errstr. */
int	config_firewall_parse(const char *s, enum firewall *fw,
	    const char **errstr);

#endif
