/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client's command line: knockknock [-4|-6] [-n|--dry-run] -p PORT
 * HOST, knockknock [-4|-6] -c [-w SECONDS] -p PORT HOST, plus -h/--help
 * and --version.  Pure code: no output, no exit;
 * errors come back as -1 with a static string in *errstr, and the caller
 * prints them.
 */
#ifndef ARGS_H
#define ARGS_H

#include <stdint.h>

#define ARGS_WAIT_DEFAULT	10	/* seconds -c tries to connect */

struct args {
	const char	*host;		/* points into argv */
	const char	*port_arg;	/* -p's text, points into argv */
	uint16_t	 port;		/* 1..65535, valid when port_arg is */
	int		 family;	/* AF_UNSPEC, AF_INET (-4), AF_INET6 */
	int		 dry_run;
	int		 connect;	/* -c: knock, connect, relay */
	const char	*wait_arg;	/* -w's text, points into argv */
	int		 wait_s;	/* -w: seconds, 1..3600 */
	int		 help;
	int		 version;
	int		 bad_port;	/* set when -1 came from PORT's value */
};

/*
 * Parse argv.  Returns 0 with *a filled: either help or version is set (and
 * nothing else need be), or host and port are.  Returns -1 with *errstr set
 * on a usage error (unknown option, missing -p or HOST, extra arguments, -p
 * given twice, -4 with -6, -c with -n, -w without -c or a bad -w, empty
 * HOST), or, once the syntax is right, on a bad PORT value (see
 * args_port): then a->bad_port is set and a->port_arg is the text, so that
 * the caller can quote it.  Resets getopt's state, so it can be called
 * more than once; argv's order may be permuted, as getopt does.
 */
int	args_parse(int argc, char *argv[], struct args *a, const char **errstr);

/*
 * Parse a port: decimal digits only (no sign, no spaces), 1..65535.
 * Returns 0 with *port set, or -1 with *errstr set.
 */
int	args_port(const char *s, uint16_t *port, const char **errstr);

#endif
