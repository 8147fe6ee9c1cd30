// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for daemon/config.c: the input is one untrusted
 * /etc/knockknock.d/config.  Besides the sanitizers' checks it aborts when
 * an accepted file yields a setting outside what the rest of the daemon
 * relies on (config.h): delay 1..3600 s, error_window 1..1000, log_source
 * "auto", "kmsg" or an absolute path, a known firewall, and user and group
 * names that are non-empty, printable, without spaces or ':'.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_config.c daemon/config.c profiles/ini.c -o fuzz_config
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *s)
{
	size_t	len = strnlen(s, CONFIG_NAME_MAX);

	if (len == 0 || len >= CONFIG_NAME_MAX)
		abort();
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ':')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	c;
	char		err[INI_ERRLEN];

	if (size > INI_FILE_MAX)
		return 0;
	if (config_load_buf("fuzz", (const char *)data, size, &c, err) == -1) {
		if (strncmp(err, "fuzz", 4) != 0)
			abort();	/* every error names the file */
		return 0;
	}
	if (c.delay_s < 1 || c.delay_s > CONFIG_DELAY_MAX ||
	    c.error_window < 1 || c.error_window > CONFIG_WINDOW_MAX)
		abort();
	if (strnlen(c.log_source, sizeof(c.log_source)) >= sizeof(c.log_source))
		abort();
	if (strcmp(c.log_source, "auto") != 0 &&
	    strcmp(c.log_source, "kmsg") != 0 && c.log_source[0] != '/')
		abort();
	if (c.firewall != FIREWALL_NFTABLES && c.firewall != FIREWALL_IPTABLES)
		abort();
	check_name(c.user);
	check_name(c.group);
	return 0;
}
