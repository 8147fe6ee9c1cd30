// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Test driver for kmsg.sh: opens the "kmsg" log source as root, optionally
 * drops to nobody as the daemon's watcher does (and then tries to open
 * /dev/kmsg anew, to show what kernel.dmesg_restrict refuses), prints
 * "ready", then every line the source delivers as "line: ...", until a line
 * contains NEEDLE (exit 0) or 10 s pass (exit 1).  Last line: the counters.
 *
 * usage: kmsg-driver [-u] NEEDLE
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/logsrc.h"

#define DEADLINE_MS	10000
#define NOBODY		65534

struct seen {
	const char	*needle;
	int		 found;
};

static void
print_line(void *ctx, const char *line, size_t len)
{
	struct seen	*s = ctx;

	printf("line: %.*s\n", (int)len, line);
	if (memmem(line, len, s->needle, strlen(s->needle)) != NULL)
		s->found = 1;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
drop_root(void)
{
	int	fd;

	if (setgroups(0, NULL) == -1 ||
	    setresgid(NOBODY, NOBODY, NOBODY) == -1 ||
	    setresuid(NOBODY, NOBODY, NOBODY) == -1)
		err(2, "drop privileges");
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	printf("reopen as nobody: %s\n", fd == -1 ? strerror(errno) : "ok");
	if (fd != -1)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct logsrc		*src;
	const struct logsrc_stats *st;
	struct seen		 seen = { 0 };
	struct pollfd		 pfd;
	char			 errbuf[LOGSRC_ERRLEN];
	int64_t			 end;
	int			 drop = 0;

	if (argc == 3 && strcmp(argv[1], "-u") == 0)
		drop = 1;
	else if (argc != 2)
		errx(2, "usage: kmsg-driver [-u] NEEDLE");
	seen.needle = argv[argc - 1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (logsrc_open(&src, "kmsg", errbuf) == -1)
		errx(2, "%s", errbuf);
	if (drop)
		drop_root();
	printf("ready %s\n", logsrc_name(src));
	end = now_ms() + DEADLINE_MS;
	while (!seen.found && now_ms() < end) {
		pfd = (struct pollfd){ .fd = logsrc_fd(src), .events = POLLIN };
		if (poll(&pfd, 1, (int)(end - now_ms())) == -1 && errno != EINTR)
			err(2, "poll");
		if (logsrc_read(src, print_line, &seen) == -1)
			return 2;
	}
	st = logsrc_stats(src);
	printf("stats lines=%" PRIu64 " foreign=%" PRIu64 " overwritten=%"
	    PRIu64 "\n", st->lines, st->foreign, st->overwritten);
	logsrc_close(src);
	return seen.found ? 0 : 1;
}
