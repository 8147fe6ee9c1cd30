// SPDX-License-Identifier: GPL-3.0-or-later
/* The daemon's settings: defaults, every key, and each rejection. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/config.h"

static char	path[64];

static void
put(const char *text)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/kk-config-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
}

TestSuite(config, .fini = cleanup);

Test(config, missing_file_gives_defaults)
{
	struct config	c;
	char		err[INI_ERRLEN];

	cr_assert_eq(config_load("/nonexistent/kk/config", &c, err), 0);
	cr_expect_eq(c.delay_s, 15);
	cr_expect_eq(c.error_window, 20);
	cr_expect_str_eq(c.log_source, "auto");
	cr_expect_eq(c.kmsg_poll_ms, 0);
	cr_expect_eq(c.kmsg_tracepoint, 1);
	cr_expect_eq(c.firewall, FIREWALL_NFTABLES);
	cr_expect_str_eq(c.user, "nobody");
	cr_expect_str_eq(c.group, "adm");
}

Test(config, every_key)
{
	struct config	c;
	char		err[INI_ERRLEN];

	put("[main]\ndelay = 3\nerror_window = 50\nlog_source = /var/log/x\n"
	    "kmsg_poll_ms = 1\nkmsg_tracepoint = no\nfirewall = iptables\n"
	    "user = kk\ngroup = kkadm\n");
	cr_assert_eq(config_load(path, &c, err), 0, "%s", err);
	cr_expect_eq(c.delay_s, 3);
	cr_expect_eq(c.error_window, 50);
	cr_expect_str_eq(c.log_source, "/var/log/x");
	cr_expect_eq(c.kmsg_poll_ms, 1);
	cr_expect_eq(c.kmsg_tracepoint, 0);
	cr_expect_eq(c.firewall, FIREWALL_IPTABLES);
	cr_expect_str_eq(c.user, "kk");
	cr_expect_str_eq(c.group, "kkadm");
}

static void
expect_err(const char *text, const char *want_tail)
{
	struct config	c;
	char		err[INI_ERRLEN], want[INI_ERRLEN + 64];

	put(text);
	snprintf(want, sizeof(want), "%s:%s", path, want_tail);
	cr_expect_eq(config_load(path, &c, err), -1, "accepted: %s", text);
	cr_expect_str_eq(err, want);
	cleanup();
}

Test(config, rejections)
{
	expect_err("[main]\ndelay = 0\n",
	    "2: delay: must be a number of seconds, 1 to 3600");
	expect_err("[main]\ndelay = 3601\n",
	    "2: delay: must be a number of seconds, 1 to 3600");
	expect_err("[main]\ndelay = 15s\n",
	    "2: delay: must be a number of seconds, 1 to 3600");
	expect_err("[main]\nerror_window = 1001\n",
	    "2: error_window: must be a number, 1 to 1000");
	expect_err("[main]\nkmsg_poll_ms = 101\n",
	    "2: kmsg_poll_ms: must be a number of milliseconds, 0 to 100");
	expect_err("[main]\nkmsg_poll_ms = -1\n",
	    "2: kmsg_poll_ms: must be a number of milliseconds, 0 to 100");
	expect_err("[main]\nkmsg_tracepoint = 1\n",
	    "2: kmsg_tracepoint: must be yes or no");
	expect_err("[main]\nkmsg_tracepoint = Yes\n",
	    "2: kmsg_tracepoint: must be yes or no");
	expect_err("[main]\nlog_source = kern.log\n",
	    "2: log_source: must be auto, kmsg or an absolute path");
	expect_err("[main]\nfirewall = pf\n",
	    "2: firewall: must be nftables or iptables");
	expect_err("[main]\nuser = \n",
	    "2: user: must be a name of 1 to 63 characters");
	expect_err("[main]\ngroup = a:b\n",
	    "2: group: not a valid user or group name");
	expect_err("[main]\n\ndelai = 3\n", "3: delai: unknown key (expected "
	    "delay, error_window, log_source, kmsg_poll_ms, kmsg_tracepoint, "
	    "firewall, user or group)");
	expect_err("[daemon]\ndelay = 3\n",
	    "2: delay: in an unknown section (expected only [main])");
	expect_err("delay = 3\n", "1: key outside any [section]");
	expect_err("[main]\ndelay = 5\nfirewall = iptables\ndelay = 6\n",
	    "4: delay: given twice");
	expect_err("[main]\nuser = a\n[main]\nUser = b\n",
	    "4: user: given twice");
}
