// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * knockknock-genprofile [-C DIR] NAME KNOCK_PORT
 *
 * Creates DIR/profiles/NAME/ with two fresh keys from the kernel's CSPRNG,
 * counter 0 and the knock port.  The arguments are untrusted: the name must
 * be a plain file name, the port a number in 1..65535 that no other
 * profile in DIR uses.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profiles/ini.h"
#include "profiles/profile.h"

#define DEFAULT_CONFDIR	"/etc/knockknock.d"
#define VERSION		"0.1.0"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: knockknock-genprofile [-C DIR] NAME KNOCK_PORT\n"
	    "\n"
	    "Create a profile (two fresh keys, counter 0, the knock port) in\n"
	    "DIR/profiles/NAME/, DIR defaulting to " DEFAULT_CONFDIR ".\n"
	    "\n"
	    "  -C DIR       configuration directory\n"
	    "  -h, --help   show this help\n"
	    "  --version    show the version\n");
	exit(status);
}

/* A knock port must be unique among the profiles in PROFILES_DIR. */
static void
check_port_unused(const char *profiles_dir, uint16_t port)
{
	char		 dir[PATH_MAX], e[PROFILE_ERRLEN];
	struct dirent	*de;
	DIR		*d;
	uint16_t	 other;

	if ((d = opendir(profiles_dir)) == NULL) {
		if (errno == ENOENT)
			return;
		err(1, "%s", profiles_dir);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", profiles_dir,
		    de->d_name) >= (int)sizeof(dir))
			errx(1, "%s/%s: path too long", profiles_dir, de->d_name);
		if (profile_not_dir(dir))
			continue;
		if (profile_knock_port(dir, &other, e) == -1)
			errx(1, "cannot check the other profiles' knock ports: %s", e);
		if (other == port)
			errx(1, "knock port %u is already used by profile %s",
			    (unsigned int)port, de->d_name);
	}
	closedir(d);
}

/* Create PATH with exactly MODE if it is missing: not narrowed by the
 * umask of 077 that the profile's files are made under. */
static void
make_dir(const char *path, mode_t mode)
{
	mode_t	old = umask(0);
	int	rc = mkdir(path, mode);

	umask(old);
	if (rc == -1 && errno != EEXIST)
		err(1, "%s", path);
}

static void
fresh_keys(struct profile *p)
{
	if (getrandom(&p->keys, sizeof(p->keys), 0) != (ssize_t)sizeof(p->keys))
		err(1, "getrandom");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*confdir = DEFAULT_CONFDIR, *errstr;
	char		 profiles[PATH_MAX], dir[PATH_MAX], e[PROFILE_ERRLEN];
	struct profile	 p;
	long long	 port;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			confdir = optarg;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("knockknock-genprofile %s\n", VERSION);
			return 0;
		default:
			usage(1);
		}
	}
	if (argc - optind != 2)
		usage(1);
	if (profile_name_valid(argv[optind], &errstr) == -1)
		errx(1, "profile name '%s': %s", argv[optind], errstr);
	if (ini_number(argv[optind + 1], 1, 65535, &port, &errstr) == -1)
		errx(1, "knock port '%s': %s (expected 1..65535)",
		    argv[optind + 1], errstr);
	if (snprintf(profiles, sizeof(profiles), "%s/profiles", confdir) >=
	    (int)sizeof(profiles) || snprintf(dir, sizeof(dir), "%s/%s",
	    profiles, argv[optind]) >= (int)sizeof(dir))
		errx(1, "%s: path too long", confdir);

	umask(077);
	if (access(dir, F_OK) == 0)
		errx(1, "%s already exists; choose another name or remove it",
		    dir);
	check_port_unused(profiles, (uint16_t)port);
	make_dir(confdir, 0755);
	make_dir(profiles, 0700);

	memset(&p, 0, sizeof(p));
	fresh_keys(&p);
	p.knock_port = (uint16_t)port;
	if (profile_create(dir, &p, e) == -1) {
		profile_wipe(&p);
		errx(1, "%s", e);
	}
	profile_wipe(&p);
	printf("Profile '%s' written to %s (knock port %lld).\n"
	    "Install it on its one client as ~/.knockknock/HOST/ (HOST: the name it\n"
	    "knocks at), private to the user; .knockknock/HOST must not exist yet:\n"
	    "  ssh USER@CLIENT 'mkdir -p -m 0700 .knockknock'\n"
	    "  scp -rp %s USER@CLIENT:.knockknock/HOST\n"
	    "  (on the client: chmod 700 ~/.knockknock/HOST; chmod 600 ~/.knockknock/HOST/*)\n",
	    argv[optind], dir, port, dir);
	return 0;
}
