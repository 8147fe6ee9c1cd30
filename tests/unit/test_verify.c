// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The precomputed verifier agrees with the reference codec, honours both
 * window edges, stores the counter durably before the window moves, and
 * never matches again once a knock was used.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon/verify.h"
#include "profiles/counter.h"

static char	dir[64];

static void
put(const char *file, const char *text)
{
	char	path[128];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The all-zero-key profile of the known-answer vectors. */
static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kk-verify-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	put("cipher.key", "AAAAAAAAAAAAAAAAAAAAAA==\n");
	put("mac.key", "AAAAAAAAAAAAAAAAAAAAAA==\n");
	put("counter", "0\n");
	put("config", "[main]\nknock_port = 666\n\n");
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(verify, .init = setup, .fini = teardown);

static uint64_t
file_counter(void)
{
	char		path[128], buf[32];
	uint64_t	v;
	const char	*errstr;
	int		fd;

	snprintf(path, sizeof(path), "%s/counter", dir);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(counter_read_fd(fd, &v, &errstr), 0);
	close(fd);
	(void)buf;
	return v;
}

Test(verify, vector_counter_19_at_window_edge)
{
	/* AAAA.. AAAA.. 19 22 -> 10406 2688269939 2591083793 15635 */
	struct knock_fields	f = { 10406, 2688269939u, 2591083793u, 15635 };
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	uint16_t		port;
	uint64_t		next;

	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	cr_assert_eq(verify_knock(&v, &f, &port, &next), 0);
	cr_expect_eq(port, 22);
	cr_expect_eq(next, 20);
	verify_free(&v);

	/* One counter further is outside a window of 20. */
	struct knock_fields g = { 1263, 2205333811u, 368855210u, 15337 };

	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	cr_expect_eq(verify_knock(&v, &g, &port, &next), -1);
	verify_free(&v);
	cr_assert_eq(verify_init(&v, dir, 21, 1, err), 0, "%s", err);
	cr_expect_eq(verify_knock(&v, &g, &port, &next), 0);
	verify_free(&v);
}

Test(verify, commit_is_durable_and_stops_replay)
{
	/* counter 0, port 22 -> 26367 2232808612 3473567627 61342 */
	struct knock_fields	f = { 26367, 2232808612u, 3473567627u, 61342 };
	struct knock_fields	g = { 22772, 839901520u, 3545289144u, 2192 };
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	uint16_t		port;
	uint64_t		next;

	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	cr_assert_eq(verify_knock(&v, &f, &port, &next), 0);
	cr_expect_eq(file_counter(), 0, "verify_knock must change nothing");
	cr_assert_eq(verify_commit(&v, next), 0);
	cr_expect_eq(file_counter(), 1);
	cr_expect_eq(verify_knock(&v, &f, &port, &next), -1, "replay accepted");
	/* counter 1, port 22 is the next knock */
	cr_assert_eq(verify_knock(&v, &g, &port, &next), 0);
	cr_expect_eq(next, 2);
	verify_free(&v);
}

Test(verify, failed_save_still_moves_window)
{
	struct knock_fields	f = { 26367, 2232808612u, 3473567627u, 61342 };
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	uint16_t		port;
	uint64_t		next;

	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	close(v.counter_fd);
	v.counter_fd = open("/dev/null", O_RDONLY);	/* writes fail */
	cr_assert_eq(verify_knock(&v, &f, &port, &next), 0);
	cr_expect_eq(verify_commit(&v, next), -1);
	cr_expect_eq(verify_knock(&v, &f, &port, &next), -1);
	verify_free(&v);
}

Test(verify, agrees_with_reference_codec)
{
	struct codec_keys	keys;
	struct knock_fields	f;
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	const char		*errstr;
	uint16_t		port, rport;
	uint64_t		next, rnext;

	memset(&keys, 0, sizeof(keys));
	cr_assert_eq(verify_init(&v, dir, 20, 0, err), 0, "%s", err);
	srand(7);
	for (int i = 0; i < 2000; i++) {
		f.ip_id = (uint16_t)rand();
		f.seq = (uint32_t)rand() << 1;
		f.ack = (uint32_t)rand();
		f.window = (uint16_t)rand();
		if (i % 10 == 0)
			codec_encrypt(&keys, (uint64_t)(i % 20),
			    (uint16_t)(1 + i), &f, &errstr);
		int a = verify_knock(&v, &f, &port, &next);
		int b = codec_verify(&keys, &f, 0, 20, &rport, &rnext, &errstr);
		cr_assert_eq(a, b, "disagree on trial %d", i);
		if (a == 0) {
			cr_expect_eq(port, rport);
			cr_expect_eq(next, rnext);
		}
	}
	verify_free(&v);
}

Test(verify, exhausted_profile_never_matches)
{
	struct knock_fields	f;
	struct codec_keys	keys;
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	const char		*errstr;
	uint16_t		port;
	uint64_t		next;

	memset(&keys, 0, sizeof(keys));
	put("counter", "4294967290\n");
	cr_assert_eq(codec_encrypt(&keys, 4294967295u, 22, &f, &errstr), 0);
	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	cr_expect_eq(v.nks, 6, "window must stop at 2^32-1");
	cr_assert_eq(verify_knock(&v, &f, &port, &next), 0);
	cr_expect_eq(next, 4294967296u);
	cr_assert_eq(verify_commit(&v, next), 0);
	cr_expect_eq(v.nks, 0);
	cr_expect_eq(verify_knock(&v, &f, &port, &next), -1);
	cr_expect_eq(file_counter(), 4294967296u);
	verify_free(&v);
}

Test(verify, one_daemon_per_counter)
{
	struct verifier	v, w;
	char		err[PROFILE_ERRLEN], want[PROFILE_ERRLEN];

	cr_assert_eq(verify_init(&v, dir, 20, 1, err), 0, "%s", err);
	snprintf(want, sizeof(want), "%s/counter: in use by another "
	    "knockknock-daemon", dir);
	cr_expect_eq(verify_init(&w, dir, 20, 1, err), -1);
	cr_expect_str_eq(err, want);
	cr_expect_eq(verify_init(&w, dir, 20, 0, err), 0, "--scan must work");
	verify_free(&w);
	verify_free(&v);
	cr_expect_eq(verify_init(&w, dir, 20, 1, err), 0, "%s", err);
	verify_free(&w);
}

Test(verify, bad_profile_reports_path)
{
	struct verifier	v;
	char		err[PROFILE_ERRLEN], want[PROFILE_ERRLEN];

	put("counter", "x\n");
	snprintf(want, sizeof(want), "%s/counter: not a decimal number", dir);
	cr_expect_eq(verify_init(&v, dir, 20, 1, err), -1);
	cr_expect_str_eq(err, want);
}

/* Counter c asking for port: found at its own place of v's window. */
static void
expect_found(struct verifier *v, uint64_t c, uint16_t port)
{
	struct knock_fields	f;
	const char		*errstr;
	uint16_t		got;
	uint64_t		next;

	cr_assert_eq(codec_encrypt(&v->prof.keys, c, port, &f, &errstr), 0,
	    "%s", errstr);
	cr_assert_eq(verify_knock(v, &f, &got, &next), 0, "counter %llu",
	    (unsigned long long)c);
	cr_expect_eq(got, port);
	cr_expect_eq(next, c + 1);
}

/* Trials run in batches of 32: a wide window must find every counter in it,
 * at its own position, on both sides of each batch boundary. */
Test(verify, wide_window_every_position)
{
	struct knock_fields	f;
	struct verifier		v;
	char			err[PROFILE_ERRLEN];
	const char		*errstr;
	uint16_t		port;
	uint64_t		next;

	cr_assert_eq(verify_init(&v, dir, 100, 1, err), 0, "%s", err);
	for (uint64_t c = 0; c < 100; c++)
		expect_found(&v, c, (uint16_t)(c + 1));
	cr_assert_eq(codec_encrypt(&v.prof.keys, 100, 101, &f, &errstr), 0,
	    "%s", errstr);
	cr_expect_eq(verify_knock(&v, &f, &port, &next), -1,
	    "counter 100 is outside a window of 100");
	verify_free(&v);
}

/* Near exhaustion the window is cut at 2^32-1: 40 keystreams, over two
 * batches; every counter left is found at its place. */
Test(verify, wide_window_near_exhaustion)
{
	const uint64_t		first = UINT64_C(4294967256);	/* 2^32-40 */
	struct verifier		v;
	char			err[PROFILE_ERRLEN];

	put("counter", "4294967256\n");
	cr_assert_eq(verify_init(&v, dir, 100, 1, err), 0, "%s", err);
	cr_expect_eq(v.nks, 40);
	for (uint64_t c = first; c < first + 40; c++)
		expect_found(&v, c, 22);
	verify_free(&v);
}
