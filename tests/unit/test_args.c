// SPDX-License-Identifier: GPL-3.0-or-later
/* The client's command line: accepted forms, and each rejection's reason. */
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <criterion/criterion.h>

#include "knockknock/args.h"

#define MAX_ARGS	16

/* Parse "knockknock" followed by the NULL-terminated arguments. */
static int
parse(struct args *a, const char **errstr, ...)
{
	static char *argv[MAX_ARGS + 2];
	va_list ap;
	int argc = 0;
	char *s;

	argv[argc++] = (char *)"knockknock";
	va_start(ap, errstr);
	while ((s = va_arg(ap, char *)) != NULL && argc <= MAX_ARGS)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	*errstr = NULL;
	return args_parse(argc, argv, a, errstr);
}

static void
expect_ok(const struct args *a, const char *host, uint16_t port, int dry_run)
{
	cr_expect_str_eq(a->host, host);
	cr_expect_eq(a->port, port);
	cr_expect_eq(a->dry_run, dry_run);
	cr_expect_eq(a->help, 0);
	cr_expect_eq(a->version, 0);
	cr_expect_eq(a->bad_port, 0);
}

Test(args, valid_forms)
{
	struct args a;
	const char *errstr;

	cr_assert_eq(parse(&a, &errstr, "-p", "22", "host", NULL), 0);
	expect_ok(&a, "host", 22, 0);
	cr_assert_eq(parse(&a, &errstr, "-p22", "host", NULL), 0);
	expect_ok(&a, "host", 22, 0);
	cr_assert_eq(parse(&a, &errstr, "--port", "443", "h", NULL), 0);
	expect_ok(&a, "h", 443, 0);
	cr_assert_eq(parse(&a, &errstr, "--port=1", "h", NULL), 0);
	expect_ok(&a, "h", 1, 0);
	cr_assert_eq(parse(&a, &errstr, "host", "-p", "65535", NULL), 0);
	expect_ok(&a, "host", 65535, 0);
	cr_assert_eq(parse(&a, &errstr, "-p", "22", "--", "host", NULL), 0);
	expect_ok(&a, "host", 22, 0);
}

Test(args, dry_run)
{
	struct args a;
	const char *errstr;

	cr_assert_eq(parse(&a, &errstr, "-n", "-p", "22", "h", NULL), 0);
	expect_ok(&a, "h", 22, 1);
	cr_assert_eq(parse(&a, &errstr, "--dry-run", "-p", "80", "h", NULL), 0);
	expect_ok(&a, "h", 80, 1);
	cr_assert_eq(parse(&a, &errstr, "-np", "8080", "h", NULL), 0);
	expect_ok(&a, "h", 8080, 1);
	cr_assert_eq(parse(&a, &errstr, "-p", "22", "h", "-n", NULL), 0);
	expect_ok(&a, "h", 22, 1);
}

Test(args, help_and_version)
{
	struct args a;
	const char *errstr;

	cr_assert_eq(parse(&a, &errstr, "-h", NULL), 0);
	cr_expect_eq(a.help, 1);
	cr_assert_eq(parse(&a, &errstr, "--help", NULL), 0);
	cr_expect_eq(a.help, 1);
	/* Help wins over what would otherwise be a usage error. */
	cr_assert_eq(parse(&a, &errstr, "-h", "-p", "0", NULL), 0);
	cr_expect_eq(a.help, 1);
	cr_assert_eq(parse(&a, &errstr, "--version", NULL), 0);
	cr_expect_eq(a.version, 1);
	cr_expect_eq(a.help, 0);
	cr_expect_null(a.host);
}

static void
expect_usage(const char *want, const struct args *a, int rc,
    const char *errstr)
{
	cr_expect_eq(rc, -1);
	cr_expect_str_eq(errstr, want);
	cr_expect_eq(a->bad_port, 0, "'%s' reported as a bad port", want);
}

Test(args, usage_errors)
{
	struct args a;
	const char *e;
	int rc;

	rc = parse(&a, &e, "host", NULL);
	expect_usage("missing -p PORT", &a, rc, e);
	rc = parse(&a, &e, "-n", "host", NULL);
	expect_usage("missing -p PORT", &a, rc, e);
	rc = parse(&a, &e, "-p", "22", NULL);
	expect_usage("missing HOST", &a, rc, e);
	rc = parse(&a, &e, "-p", NULL);
	expect_usage("option requires an argument", &a, rc, e);
	rc = parse(&a, &e, "-p", "22", "h1", "h2", NULL);
	expect_usage("more than one HOST", &a, rc, e);
	rc = parse(&a, &e, "-p", "22", "-p", "23", "h", NULL);
	expect_usage("-p given more than once", &a, rc, e);
	rc = parse(&a, &e, "-x", "-p", "22", "h", NULL);
	expect_usage("unknown option", &a, rc, e);
	rc = parse(&a, &e, "--verbose", "-p", "22", "h", NULL);
	expect_usage("unknown option", &a, rc, e);
	rc = parse(&a, &e, "-p", "22", "", NULL);
	expect_usage("empty HOST", &a, rc, e);
	rc = parse(&a, &e, "-4", "-6", "-p", "22", "h", NULL);
	expect_usage("-4 and -6 together", &a, rc, e);
	rc = parse(&a, &e, "-p", "22", "--ipv6", "h", "-4", NULL);
	expect_usage("-4 and -6 together", &a, rc, e);
	/* A usage error is reported before a bad port. */
	rc = parse(&a, &e, "-p", "0", NULL);
	expect_usage("missing HOST", &a, rc, e);
}

Test(args, family)
{
	struct args a;
	const char *e;

	cr_assert_eq(parse(&a, &e, "-p", "22", "h", NULL), 0);
	cr_expect_eq(a.family, AF_UNSPEC, "no -4 or -6: either family");
	cr_assert_eq(parse(&a, &e, "-4", "-p", "22", "h", NULL), 0);
	cr_expect_eq(a.family, AF_INET);
	cr_assert_eq(parse(&a, &e, "-p", "22", "h", "-6", NULL), 0);
	cr_expect_eq(a.family, AF_INET6);
	cr_assert_eq(parse(&a, &e, "--ipv4", "-4", "-np", "22", "h", NULL), 0,
	    "%s", e);
	cr_expect_eq(a.family, AF_INET, "the same flag twice is fine");
	expect_ok(&a, "h", 22, 1);
	cr_assert_eq(parse(&a, &e, "-6n", "--ipv6", "-p", "22", "h", NULL), 0,
	    "%s", e);
	cr_expect_eq(a.family, AF_INET6);
}

Test(args, connect)
{
	struct args a;
	const char *e;
	int rc;

	cr_assert_eq(parse(&a, &e, "-p", "22", "h", NULL), 0);
	cr_expect_eq(a.connect, 0);
	cr_assert_eq(parse(&a, &e, "-c", "-p", "22", "h", NULL), 0, "%s", e);
	cr_expect_eq(a.connect, 1);
	cr_expect_eq(a.wait_s, ARGS_WAIT_DEFAULT);
	cr_assert_eq(parse(&a, &e, "--connect", "-w", "3", "-p", "22", "h",
	    NULL), 0, "%s", e);
	cr_expect_eq(a.wait_s, 3);
	cr_assert_eq(parse(&a, &e, "-6c", "--wait=3600", "-p", "22", "h",
	    NULL), 0, "%s", e);
	cr_expect_eq(a.wait_s, 3600);
	cr_expect_eq(a.family, AF_INET6);

	rc = parse(&a, &e, "-c", "-n", "-p", "22", "h", NULL);
	expect_usage("-c and -n together", &a, rc, e);
	rc = parse(&a, &e, "-w", "5", "-p", "22", "h", NULL);
	expect_usage("-w without -c", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", NULL);
	expect_usage("option requires an argument", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", "0", "-p", "22", "h", NULL);
	expect_usage("-w takes whole seconds, 1 to 3600", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", "3601", "-p", "22", "h", NULL);
	expect_usage("-w takes whole seconds, 1 to 3600", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", "99999999999999999999", "-p", "22",
	    "h", NULL);
	expect_usage("-w takes whole seconds, 1 to 3600", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", "1.5", "-p", "22", "h", NULL);
	expect_usage("-w takes whole seconds, 1 to 3600", &a, rc, e);
	rc = parse(&a, &e, "-c", "-w", "", "-p", "22", "h", NULL);
	expect_usage("-w takes whole seconds, 1 to 3600", &a, rc, e);
}

static void
expect_bad_port(const char *value, const char *want)
{
	struct args a;
	const char *errstr;
	uint16_t port = 4242;

	cr_expect_eq(parse(&a, &errstr, "-p", value, "host", NULL), -1,
	    "accepted port '%s'", value);
	cr_expect_str_eq(errstr, want, "port '%s'", value);
	cr_expect_eq(a.bad_port, 1, "port '%s' not flagged", value);
	cr_expect_str_eq(a.port_arg, value);

	errstr = NULL;
	cr_expect_eq(args_port(value, &port, &errstr), -1);
	cr_expect_str_eq(errstr, want, "args_port '%s'", value);
	cr_expect_eq(port, 4242, "a rejected port '%s' changed *port", value);
}

Test(args, bad_ports)
{
	expect_bad_port("0", "port is not in 1..65535");
	expect_bad_port("65536", "port is not in 1..65535");
	expect_bad_port("99999999999999999999999", "port is not in 1..65535");
	/* 2^64 + 22: a parser that wraps would read 22. */
	expect_bad_port("18446744073709551638", "port is not in 1..65535");
	expect_bad_port("22x", "port is not a number");
	expect_bad_port("-1", "port is not a number");
	expect_bad_port("+22", "port is not a number");
	expect_bad_port(" 22", "port is not a number");
	expect_bad_port("22 ", "port is not a number");
	expect_bad_port("0x16", "port is not a number");
	expect_bad_port("", "empty port");
}

Test(args, port_edges)
{
	uint16_t port;
	const char *errstr;

	cr_assert_eq(args_port("1", &port, &errstr), 0);
	cr_expect_eq(port, 1);
	cr_assert_eq(args_port("65535", &port, &errstr), 0);
	cr_expect_eq(port, 65535);
	cr_assert_eq(args_port("00022", &port, &errstr), 0);
	cr_expect_eq(port, 22);
}
