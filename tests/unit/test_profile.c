// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Profile directories: knockknock 0.5's byte format read and written, and
 * every malformed-profile case rejected with a message naming the file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "profiles/profile.h"

#define ZERO_KEY	"AAAAAAAAAAAAAAAAAAAAAA==\n"
#define SEQ_KEY		"AAECAwQFBgcICQoLDA0ODw==\n"	/* bytes 0..15 */

static char	dir[64];

static void
put(const char *file, const char *text, mode_t mode)
{
	char	path[128];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* A valid profile exactly as knockknock 0.5 writes one. */
static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kk-profile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	put("cipher.key", SEQ_KEY, 0600);
	put("mac.key", ZERO_KEY, 0600);
	put("counter", "7", 0600);
	put("config", "[main]\nknock_port = 666\n\n", 0600);
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(profile, .init = setup, .fini = teardown);

Test(profile, loads_knockknock_05_format)
{
	struct profile	p;
	char		err[PROFILE_ERRLEN];

	cr_assert_eq(profile_load(dir, &p, err), 0, "%s", err);
	for (int i = 0; i < 16; i++) {
		cr_expect_eq(p.keys.cipher[i], i);
		cr_expect_eq(p.keys.mac[i], 0);
	}
	cr_expect_eq(p.counter, 7);
	cr_expect_eq(p.knock_port, 666);
	cr_expect_str_eq(p.name, dir + 5);
	profile_wipe(&p);
}

static void
expect_fail(const char *file, const char *problem)
{
	struct profile	p;
	char		err[PROFILE_ERRLEN], want[PROFILE_ERRLEN];

	memset(&p, 0x5a, sizeof(p));
	snprintf(want, sizeof(want), "%s/%s: %s", dir, file, problem);
	cr_expect_eq(profile_load(dir, &p, err), -1, "accepted (%s)", want);
	cr_expect_str_eq(err, want);
	for (size_t i = 0; i < sizeof(p.keys); i++)
		cr_expect_eq(((uint8_t *)&p.keys)[i], 0, "keys not wiped");
}

Test(profile, missing_files)
{
	const char *files[] = { "cipher.key", "mac.key", "counter", "config" };
	char	path[128];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		cr_assert_eq(rename(path, "/tmp/kk-moved"), 0);
		expect_fail(files[i], "No such file or directory");
		cr_assert_eq(rename("/tmp/kk-moved", path), 0);
	}
}

Test(profile, not_regular_or_symlink)
{
	char	path[128];

	snprintf(path, sizeof(path), "%s/mac.key", dir);
	unlink(path);
	cr_assert_eq(mkdir(path, 0700), 0);
	expect_fail("mac.key", "not a regular file");
	rmdir(path);
	cr_assert_eq(symlink("/etc/hostname", path), 0);
	expect_fail("mac.key", "Too many levels of symbolic links");
}

Test(profile, key_readable_by_others)
{
	put("cipher.key", SEQ_KEY, 0644);
	expect_fail("cipher.key", "readable by group or others (mode 644); "
	    "run chmod 600 on it");
	put("cipher.key", SEQ_KEY, 0640);
	expect_fail("cipher.key", "readable by group or others (mode 640); "
	    "run chmod 600 on it");
}

Test(profile, writable_by_others_or_foreign_owner)
{
	char	path[128];

	put("counter", "7", 0620);
	expect_fail("counter", "writable by group or others (mode 620); "
	    "run chmod 600 on it");
	put("counter", "7", 0600);
	put("config", "[main]\nknock_port = 666\n", 0602);
	expect_fail("config", "writable by group or others (mode 602); "
	    "run chmod 600 on it");
	put("config", "[main]\nknock_port = 666\n", 0600);
	if (geteuid() != 0)
		cr_skip_test("chown needs root");
	snprintf(path, sizeof(path), "%s/mac.key", dir);
	cr_assert_eq(chown(path, 65534, 65534), 0);
	expect_fail("mac.key", "owned by uid 65534, not by the user reading "
	    "it (uid 0)");
}

Test(profile, bad_keys)
{
	const char *shape =
	    "not the base64 of a 16-byte key (24 characters ending in '==')";

	put("cipher.key", "AAAAAAAAAAAAAAAAAAAA*A==\n", 0600);
	expect_fail("cipher.key", "bad base64");
	put("cipher.key", "AAAAAAAAAAAAAAAAAAAAAB==\n", 0600);	/* non-canonical */
	expect_fail("cipher.key", "bad base64");
	put("cipher.key", "AAAAAAAAAAAAAAAAAAAA\n", 0600);	/* 15 bytes */
	expect_fail("cipher.key", shape);
	put("cipher.key",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0600);	/* 32 */
	expect_fail("cipher.key", shape);
	put("cipher.key", SEQ_KEY, 0600);
	put("mac.key", ZERO_KEY "junk\n", 0600);
	expect_fail("mac.key", shape);
	put("mac.key", "AAAAAAAAAAAAAAAAAAAAAA== \n", 0600);
	expect_fail("mac.key", shape);
	put("mac.key", "", 0600);
	expect_fail("mac.key", shape);
}

Test(profile, bad_counter)
{
	put("counter", "seven\n", 0600);
	expect_fail("counter", "not a decimal number");
	put("counter", "4294967297\n", 0600);
	expect_fail("counter", "out of range (more than 2^32)");
	put("counter", "", 0600);
	expect_fail("counter", "empty, expected a decimal number");
	put("counter", "12345678901234567890\n", 0600);
	expect_fail("counter", "file too long");
}

Test(profile, bad_config)
{
	put("config", "knock_port = 666\n", 0600);
	expect_fail("config:1", "key outside any [section]");
	put("config", "[main]\n", 0600);
	expect_fail("config", "no knock_port in [main]");
	put("config", "", 0600);
	expect_fail("config", "no knock_port in [main]");
	put("config", "[main]\nknock_port = 0\n", 0600);
	expect_fail("config:2", "knock_port: must be a number from 1 to 65535");
	put("config", "[main]\nknock_port = 65536\n", 0600);
	expect_fail("config:2", "knock_port: must be a number from 1 to 65535");
	put("config", "[main]\nknock_port = 66x\n", 0600);
	expect_fail("config:2", "knock_port: must be a number from 1 to 65535");
	put("config", "[main]\nknock_port = 1\nknock_port = 2\n", 0600);
	expect_fail("config:3", "knock_port: given twice");
	put("config", "[main]\nknock_port = 1\ncolour = red\n", 0600);
	expect_fail("config:3", "colour: unknown key (expected only knock_port)");
	put("config", "[other]\nknock_port = 1\n", 0600);
	expect_fail("config:2", "knock_port: in an unknown section (expected only [main])");
}

Test(profile, create_round_trip_is_byte_compatible)
{
	struct profile	p, q;
	char		sub[128], err[PROFILE_ERRLEN], path[160], text[64];
	struct stat	st;
	FILE		*fp;
	size_t		n;

	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 16; i++)
		p.keys.cipher[i] = (uint8_t)i;
	p.knock_port = 4242;
	snprintf(sub, sizeof(sub), "%s/new", dir);
	cr_assert_eq(profile_create(sub, &p, err), 0, "%s", err);
	cr_expect_eq(profile_create(sub, &p, err), -1);
	cr_assert_eq(stat(sub, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);

	const char *want[][2] = {
		{ "cipher.key", SEQ_KEY }, { "mac.key", ZERO_KEY },
		{ "counter", "0\n" }, { "config", "[main]\nknock_port = 4242\n\n" },
	};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", sub, want[i][0]);
		cr_assert_eq(stat(path, &st), 0);
		cr_expect_eq(st.st_mode & 0777, 0600, "%s", path);
		fp = fopen(path, "r");
		n = fread(text, 1, sizeof(text) - 1, fp);
		text[n] = '\0';
		fclose(fp);
		cr_expect_str_eq(text, want[i][1], "%s", path);
	}
	cr_assert_eq(profile_load(sub, &q, err), 0, "%s", err);
	cr_expect_arr_eq(&q.keys, &p.keys, sizeof(p.keys));
	cr_expect_eq(q.knock_port, 4242);
	cr_expect_eq(q.counter, 0);
	cr_expect_str_eq(q.name, "new");
}

Test(profile, names)
{
	const char	*errstr;

	cr_expect_eq(profile_name_valid("alice-laptop", &errstr), 0);
	cr_expect_eq(profile_name_valid("example.org", &errstr), 0);
	cr_expect_eq(profile_name_valid("", &errstr), -1);
	cr_expect_eq(profile_name_valid(".hidden", &errstr), -1);
	cr_expect_str_eq(errstr, "must not start with '.'");
	cr_expect_eq(profile_name_valid("..", &errstr), -1);
	cr_expect_eq(profile_name_valid("a/b", &errstr), -1);
	cr_expect_str_eq(errstr,
	    "must be a plain file name (printable, no '/' or spaces)");
	cr_expect_eq(profile_name_valid("a b", &errstr), -1);
	cr_expect_eq(profile_name_valid("a\nb", &errstr), -1);
}
