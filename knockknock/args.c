// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The client's command line.  Everything in argv is untrusted: ports are
 * digits only and range-checked by hand, because strtoul would accept
 * leading spaces, a sign and overflow.  Nothing here prints or exits.
 */
#include <sys/socket.h>

#include <getopt.h>
#include <stddef.h>
#include <string.h>

#include "knockknock/args.h"

#define PORT_MAX	65535
#define WAIT_MAX	3600	/* seconds -w may ask for */

static const struct option longopts[] = {
	{ "ipv4",	no_argument,		NULL, '4' },
	{ "ipv6",	no_argument,		NULL, '6' },
	{ "connect",	no_argument,		NULL, 'c' },
	{ "wait",	required_argument,	NULL, 'w' },
	{ "dry-run",	no_argument,		NULL, 'n' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

/*
 * Decimal digits only, at least one: 0 with *v set, or capped at cap + 1
 * once it passes cap (so no overflow); -1 if s is empty or not digits.
 */
static int
digits(const char *s, unsigned long cap, unsigned long *v)
{
	const char *p;

	*v = 0;
	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (*v <= cap)
			*v = *v * 10 + (unsigned long)(*p - '0');
		if (*v > cap)
			*v = cap + 1;
	}
	return 0;
}

int
args_port(const char *s, uint16_t *port, const char **errstr)
{
	unsigned long v;

	if (digits(s, PORT_MAX, &v) == -1) {
		*errstr = *s == '\0' ? "empty port" : "port is not a number";
		return -1;
	}
	if (v < 1 || v > PORT_MAX) {
		*errstr = "port is not in 1..65535";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
parse_options(int argc, char *argv[], struct args *a, const char **errstr)
{
	int ch, family;

	optind = 0;	/* glibc: a full re-initialisation */
	opterr = 0;	/* errors are ours to report */
	while ((ch = getopt_long(argc, argv, ":46cnp:w:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->connect = 1;
			break;
		case 'w':
			a->wait_arg = optarg;
			break;
		case '4':
		case '6':
			family = ch == '4' ? AF_INET : AF_INET6;
			if (a->family != AF_UNSPEC && a->family != family) {
				*errstr = "-4 and -6 together";
				return -1;
			}
			a->family = family;
			break;
		case 'n':
			a->dry_run = 1;
			break;
		case 'p':
			if (a->port_arg != NULL) {
				*errstr = "-p given more than once";
				return -1;
			}
			a->port_arg = optarg;
			break;
		case 'h':
			a->help = 1;
			break;
		case 'V':
			a->version = 1;
			break;
		case ':':
			*errstr = "option requires an argument";
			return -1;
		default:
			*errstr = "unknown option";
			return -1;
		}
	}
	return 0;
}

/* -c's companions: -w only with it, and no dry run. */
static int
check_connect(struct args *a, const char **errstr)
{
	unsigned long v;

	a->wait_s = ARGS_WAIT_DEFAULT;
	if (a->connect && a->dry_run) {
		*errstr = "-c and -n together";
		return -1;
	}
	if (a->wait_arg == NULL)
		return 0;
	if (!a->connect) {
		*errstr = "-w without -c";
		return -1;
	}
	if (digits(a->wait_arg, WAIT_MAX, &v) == -1 || v < 1 || v > WAIT_MAX) {
		*errstr = "-w takes whole seconds, 1 to 3600";
		return -1;
	}
	a->wait_s = (int)v;
	return 0;
}

int
args_parse(int argc, char *argv[], struct args *a, const char **errstr)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (parse_options(argc, argv, a, errstr) == -1)
		return -1;
	if (a->help || a->version)
		return 0;
	if (a->port_arg == NULL) {
		*errstr = "missing -p PORT";
		return -1;
	}
	if (optind >= argc) {
		*errstr = "missing HOST";
		return -1;
	}
	if (optind + 1 < argc) {
		*errstr = "more than one HOST";
		return -1;
	}
	a->host = argv[optind];
	if (*a->host == '\0') {
		*errstr = "empty HOST";
		return -1;
	}
	if (check_connect(a, errstr) == -1)
		return -1;
	if (args_port(a->port_arg, &a->port, errstr) == -1) {
		a->bad_port = 1;
		return -1;
	}
	return 0;
}
