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

enum key { K_DELAY, K_WINDOW, K_POLL, K_BELL, K_SOURCE, K_FIREWALL,
	K_USER, K_GROUP, K_COUNT };

static const char *const key_names[K_COUNT] = {
	[K_DELAY] = "delay", [K_WINDOW] = "error_window",
	[K_POLL] = "kmsg_poll_ms", [K_BELL] = "kmsg_tracepoint",
	[K_SOURCE] = "log_source",
	[K_FIREWALL] = "firewall", [K_USER] = "user", [K_GROUP] = "group",
};

/* What the handler fills, and the keys it has seen: each may come once. */
struct reading {
	struct config	*c;
	unsigned int	 seen;		/* 1 << enum key */
};

static int
set_number(unsigned int *dst, const char *value, long long min,
    long long max, const char *why, const char **errstr)
{
	long long	v;

	if (ini_number(value, min, max, &v, errstr) == -1) {
		*errstr = why;
		return -1;
	}
	*dst = (unsigned int)v;
	return 0;
}

static int
set_yes_no(int *dst, const char *value, const char **errstr)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*dst = value[0] == 'y';
		return 0;
	}
	*errstr = "must be yes or no";
	return -1;
}

static int
set_key(struct config *c, enum key k, const char *value,
    const char **errstr)
{
	_Static_assert(CONFIG_DELAY_MAX == 3600 && CONFIG_WINDOW_MAX == 1000 &&
	    CONFIG_POLL_MAX == 100,
	    "the messages below give the limits");
	switch (k) {
	case K_DELAY:
		return set_number(&c->delay_s, value, 1, CONFIG_DELAY_MAX,
		    "must be a number of seconds, 1 to 3600", errstr);
	case K_WINDOW:
		return set_number(&c->error_window, value, 1,
		    CONFIG_WINDOW_MAX, "must be a number, 1 to 1000", errstr);
	case K_POLL:
		return set_number(&c->kmsg_poll_ms, value, 0, CONFIG_POLL_MAX,
		    "must be a number of milliseconds, 0 to 100", errstr);
	case K_BELL:
		return set_yes_no(&c->kmsg_tracepoint, value, errstr);
	case K_SOURCE:
		return set_log_source(c, value, errstr);
	case K_FIREWALL:
		return config_firewall_parse(value, &c->firewall, errstr);
	case K_USER:
		return copy_name(c->user, sizeof(c->user), value, errstr);
	case K_GROUP:
		return copy_name(c->group, sizeof(c->group), value, errstr);
	case K_COUNT:
		break;
	}
	*errstr = "unknown key";
	return -1;
}

/* A key given twice is refused, as in a profile: which one would hold is
 * a guess a reader of the file should not have to make. */
static int
config_handler(void *ctx, const char *section, const char *key,
    const char *value, const char **errstr)
{
	struct reading	*r = ctx;
	enum key	 k;

	if (strcmp(section, "main") != 0) {
		*errstr = "in an unknown section (expected only [main])";
		return -1;
	}
	for (k = 0; k < K_COUNT && strcmp(key, key_names[k]) != 0; k++)
		;
	if (k == K_COUNT) {
		*errstr = "unknown key (expected delay, error_window, "
		    "log_source, kmsg_poll_ms, kmsg_tracepoint, firewall, "
		    "user or group)";
		return -1;
	}
	if (r->seen & 1U << k) {
		*errstr = "given twice";
		return -1;
	}
	r->seen |= 1U << k;
	return set_key(r->c, k, value, errstr);
}

static void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_s = 15;
	c->error_window = 20;
	strcpy(c->log_source, "auto");
	c->kmsg_tracepoint = 1;
	c->firewall = FIREWALL_NFTABLES;
	strcpy(c->user, "nobody");
	strcpy(c->group, "adm");
}

int
config_load_buf(const char *name, const char *text, size_t len,
    struct config *c, char err[static INI_ERRLEN])
{
	struct reading	r = { c, 0 };

	config_defaults(c);
	return ini_parse_buf(name, text, len, config_handler, &r, err);
}

int
config_load(const char *path, struct config *c, char err[static INI_ERRLEN])
{
	struct reading	r = { c, 0 };

	config_defaults(c);
	if (ini_parse_file(path, config_handler, &r, err) == -1) {
		if (errno == ENOENT)
			return 0;	/* no file: every default */
		return -1;
	}
	return 0;
}
