// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * knockknock-daemon's settings file, DIR/config: knockknock 0.5's delay
 * and error_window, plus log_source, firewall, user and group.  The file
 * is read once, as root, at startup; every value is checked here so that
 * nothing later has to.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"

const char *
config_firewall_name(enum firewall fw)
{
	return fw == FIREWALL_IPTABLES ? "iptables" : "nftables";
}

int
config_firewall_parse(const char *s, enum firewall *fw, const char **errstr)
{
	if (strcmp(s, "nftables") == 0)
		*fw = FIREWALL_NFTABLES;
	else if (strcmp(s, "iptables") == 0)
		*fw = FIREWALL_IPTABLES;
	else {
		*errstr = "must be nftables or iptables";
		return -1;
	}
	return 0;
}

static int
copy_name(char *dst, size_t cap, const char *value, const char **errstr)
{
	size_t	len = strlen(value);

	if (len == 0 || len >= cap) {
		*errstr = "must be a name of 1 to 63 characters";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (value[i] <= ' ' || value[i] > '~' || value[i] == ':') {
			*errstr = "not a valid user or group name";
			return -1;
		}
	}
	memcpy(dst, value, len + 1);
	return 0;
}

static int
set_log_source(struct config *c, const char *value, const char **errstr)
{
	if (strcmp(value, "auto") != 0 && strcmp(value, "kmsg") != 0 &&
	    value[0] != '/') {
		*errstr = "must be auto, kmsg or an absolute path";
		return -1;
	}
	if (strlen(value) >= sizeof(c->log_source)) {
		*errstr = "path too long";
		return -1;
	}
	strcpy(c->log_source, value);
	return 0;
}

static int
config_handler(void *ctx, const char *section, const char *key,
    const char *value, const char **errstr)
{
	struct config	*c = ctx;
	long long	 v;

	_Static_assert(CONFIG_DELAY_MAX == 3600 && CONFIG_WINDOW_MAX == 1000 &&
	    CONFIG_POLL_MAX == 100,
	    "the messages below give the limits");
	if (strcmp(section, "main") != 0) {
		*errstr = "in an unknown section (expected only [main])";
		return -1;
	}
	if (strcmp(key, "delay") == 0) {
		if (ini_number(value, 1, CONFIG_DELAY_MAX, &v, errstr) == -1) {
			*errstr = "must be a number of seconds, 1 to 3600";
			return -1;
		}
		c->delay_s = (unsigned int)v;
	} else if (strcmp(key, "error_window") == 0) {
		if (ini_number(value, 1, CONFIG_WINDOW_MAX, &v, errstr) == -1) {
			*errstr = "must be a number, 1 to 1000";
			return -1;
		}
		c->error_window = (unsigned int)v;
	} else if (strcmp(key, "kmsg_poll_ms") == 0) {
		if (ini_number(value, 0, CONFIG_POLL_MAX, &v, errstr) == -1) {
			*errstr = "must be a number of milliseconds, 0 to 100";
			return -1;
		}
		c->kmsg_poll_ms = (unsigned int)v;
	} else if (strcmp(key, "log_source") == 0)
		return set_log_source(c, value, errstr);
	else if (strcmp(key, "firewall") == 0)
		return config_firewall_parse(value, &c->firewall, errstr);
	else if (strcmp(key, "user") == 0)
		return copy_name(c->user, sizeof(c->user), value, errstr);
	else if (strcmp(key, "group") == 0)
		return copy_name(c->group, sizeof(c->group), value, errstr);
	else {
		*errstr = "unknown key (expected delay, error_window, "
		    "log_source, kmsg_poll_ms, firewall, user or group)";
		return -1;
	}
	return 0;
}

static void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_s = 15;
	c->error_window = 20;
	strcpy(c->log_source, "auto");
	c->firewall = FIREWALL_NFTABLES;
	strcpy(c->user, "nobody");
	strcpy(c->group, "adm");
}

int
config_load_buf(const char *name, const char *text, size_t len,
    struct config *c, char err[static INI_ERRLEN])
{
	config_defaults(c);
	return ini_parse_buf(name, text, len, config_handler, c, err);
}

int
config_load(const char *path, struct config *c, char err[static INI_ERRLEN])
{
	config_defaults(c);
	if (ini_parse_file(path, config_handler, c, err) == -1) {
		if (errno == ENOENT)
			return 0;	/* no file: every default */
		return -1;
	}
	return 0;
}
