// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The v1 codec against the known answers of knockknock 0.5
 * (tests/vectors/knockknock-v1.txt), single-bit flips, both edges of the
 * counter window, and counter exhaustion at 2^32.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "profiles/codec.h"
#include "profiles/profile.h"

#ifndef VECTORS_DIR
#define VECTORS_DIR "tests/vectors"
#endif

struct vector {
	struct codec_keys	keys;
	uint64_t		counter;
	unsigned int		port;
	struct knock_fields	f;
};

/* Parse one vector line; 1 on success, 0 for comments/blank lines. */
static int
parse_vector(const char *line, struct vector *v)
{
	char		cb64[64], mb64[64];
	unsigned long long counter;
	unsigned int	id, win;
	unsigned long	seq, ack;
	const char	*errstr;

	if (line[0] == '#' || line[0] == '\n')
		return 0;
	cr_assert_eq(sscanf(line, "%63s %63s %llu %u -> %u %lu %lu %u", cb64,
	    mb64, &counter, &v->port, &id, &seq, &ack, &win), 8,
	    "bad vector line: %s", line);
	cr_assert_eq(profile_key_decode(cb64, strlen(cb64), v->keys.cipher,
	    &errstr), 0);
	cr_assert_eq(profile_key_decode(mb64, strlen(mb64), v->keys.mac,
	    &errstr), 0);
	v->counter = counter;
	v->f.ip_id = (uint16_t)id;
	v->f.seq = (uint32_t)seq;
	v->f.ack = (uint32_t)ack;
	v->f.window = (uint16_t)win;
	return 1;
}

static size_t
for_each_vector(void (*fn)(const struct vector *))
{
	char		 line[512];
	struct vector	 v;
	size_t		 n = 0;
	FILE		*fp = fopen(VECTORS_DIR "/knockknock-v1.txt", "r");

	cr_assert_not_null(fp, "cannot open " VECTORS_DIR "/knockknock-v1.txt");
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (parse_vector(line, &v)) {
			fn(&v);
			n++;
		}
	}
	fclose(fp);
	return n;
}

static void
check_encrypt(const struct vector *v)
{
	struct knock_fields	f;
	const char		*errstr;

	cr_assert_eq(codec_encrypt(&v->keys, v->counter, (uint16_t)v->port, &f,
	    &errstr), 0);
	cr_expect_eq(f.ip_id, v->f.ip_id, "counter %llu port %u: ip_id",
	    (unsigned long long)v->counter, v->port);
	cr_expect_eq(f.seq, v->f.seq, "counter %llu port %u: seq",
	    (unsigned long long)v->counter, v->port);
	cr_expect_eq(f.ack, v->f.ack, "counter %llu port %u: ack",
	    (unsigned long long)v->counter, v->port);
	cr_expect_eq(f.window, v->f.window, "counter %llu port %u: window",
	    (unsigned long long)v->counter, v->port);
}

Test(codec, every_vector_encrypts)
{
	cr_assert_geq(for_each_vector(check_encrypt), 250);
}

static void
check_verify(const struct vector *v)
{
	uint64_t	next;
	uint16_t	port;
	const char	*errstr;

	/* The lowest counter of a window of 20 that still covers it. */
	uint64_t	start = v->counter >= 19 ? v->counter - 19 : 0;

	cr_assert_eq(codec_verify(&v->keys, &v->f, start, 20, &port, &next,
	    &errstr), 0, "counter %llu port %u", (unsigned long long)v->counter,
	    v->port);
	cr_expect_eq(port, v->port);
	cr_expect_eq(next, v->counter + 1);
}

Test(codec, every_vector_verifies_at_far_window_edge)
{
	cr_assert_geq(for_each_vector(check_verify), 250);
}

static void
check_outside_window(const struct vector *v)
{
	uint64_t	next;
	uint16_t	port;
	const char	*errstr;

	/* Already used: the stored counter is past it. */
	cr_expect_eq(codec_verify(&v->keys, &v->f, v->counter + 1, 20, &port,
	    &next, &errstr), -1);
	/* Too far ahead: one step beyond a window of 20. */
	if (v->counter >= 20)
		cr_expect_eq(codec_verify(&v->keys, &v->f, v->counter - 20, 20,
		    &port, &next, &errstr), -1);
}

Test(codec, outside_window_never_matches)
{
	for_each_vector(check_outside_window);
}

static void
check_bit_flips(const struct vector *v)
{
	uint8_t			wire[CODEC_WIRE_LEN];
	struct knock_fields	f;
	uint64_t		next;
	uint16_t		port;
	const char		*errstr;

	if (v->counter > 2)	/* a sample is enough: 96 trials each */
		return;
	codec_fields_to_wire(&v->f, wire);
	for (int bit = 0; bit < CODEC_WIRE_LEN * 8; bit++) {
		wire[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		codec_wire_to_fields(wire, &f);
		cr_expect_eq(codec_verify(&v->keys, &f, v->counter, 20, &port,
		    &next, &errstr), -1, "bit %d flip accepted", bit);
		wire[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
}

Test(codec, single_bit_flips_rejected)
{
	for_each_vector(check_bit_flips);
}

Test(codec, wrong_keys_rejected)
{
	struct codec_keys	k = { { 0 }, { 0 } };
	struct knock_fields	f;
	uint64_t		next;
	uint16_t		port;
	const char		*errstr;

	cr_assert_eq(codec_encrypt(&k, 5, 22, &f, &errstr), 0);
	k.mac[3] ^= 1;
	cr_expect_eq(codec_verify(&k, &f, 0, 20, &port, &next, &errstr), -1);
	cr_expect_str_eq(errstr, "no counter in the window matches");
	k.mac[3] ^= 1;
	k.cipher[0] ^= 0x80;
	cr_expect_eq(codec_verify(&k, &f, 0, 20, &port, &next, &errstr), -1);
	k.cipher[0] ^= 0x80;
	cr_expect_eq(codec_verify(&k, &f, 0, 20, &port, &next, &errstr), 0);
	cr_expect_eq(port, 22);
	cr_expect_eq(next, 6);
}

Test(codec, exhaustion_at_2_pow_32)
{
	struct codec_keys	k = { { 1 }, { 2 } };
	struct knock_fields	f;
	uint64_t		next;
	uint16_t		port;
	const char		*errstr;

	cr_assert_eq(codec_encrypt(&k, CODEC_COUNTER_LIMIT - 1, 22, &f,
	    &errstr), 0);
	cr_expect_eq(codec_verify(&k, &f, CODEC_COUNTER_LIMIT - 5, 20, &port,
	    &next, &errstr), 0);
	cr_expect_eq(next, CODEC_COUNTER_LIMIT);
	cr_expect_eq(codec_encrypt(&k, CODEC_COUNTER_LIMIT, 22, &f, &errstr),
	    -1);
	cr_expect_str_eq(errstr,
	    "profile exhausted (counter past 2^32-1), generate a new one");
	cr_expect_eq(codec_verify(&k, &f, CODEC_COUNTER_LIMIT, 20, &port,
	    &next, &errstr), -1);
	cr_expect_str_eq(errstr,
	    "profile exhausted (counter past 2^32-1), generate a new one");
}

Test(codec, port_zero_refused)
{
	struct codec_keys	k = { { 0 }, { 0 } };
	struct knock_fields	f;
	const char		*errstr;

	cr_expect_eq(codec_encrypt(&k, 0, 0, &f, &errstr), -1);
	cr_expect_str_eq(errstr, "port 0 cannot be requested");
}

Test(codec, wire_round_trip)
{
	struct knock_fields	f = { 0xabcd, 0x01020304, 0xfffffffe, 0x8001 };
	struct knock_fields	g;
	uint8_t			wire[CODEC_WIRE_LEN];
	const uint8_t		want[CODEC_WIRE_LEN] = { 0xab, 0xcd, 1, 2, 3, 4,
				    0xff, 0xff, 0xff, 0xfe, 0x80, 0x01 };

	codec_fields_to_wire(&f, wire);
	cr_expect_arr_eq(wire, want, sizeof(want));
	codec_wire_to_fields(wire, &g);
	cr_expect_eq(g.ip_id, f.ip_id);
	cr_expect_eq(g.seq, f.seq);
	cr_expect_eq(g.ack, f.ack);
	cr_expect_eq(g.window, f.window);
}

/* The daemon's batch precomputations agree with the one-at-a-time codec. */
Test(codec, batch_keystreams_match_single)
{
	uint8_t		key[CODEC_KEY_LEN], one[CODEC_WIRE_LEN];
	uint8_t		many[40][CODEC_WIRE_LEN];
	const char	*errstr;

	for (int i = 0; i < CODEC_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	cr_assert_eq(codec_keystreams(key, CODEC_COUNTER_LIMIT - 40, 40, many,
	    &errstr), 0);
	for (int i = 0; i < 40; i++) {
		cr_assert_eq(codec_keystream(key, CODEC_COUNTER_LIMIT - 40 +
		    (uint64_t)i, one, &errstr), 0);
		cr_expect_arr_eq(many[i], one, CODEC_WIRE_LEN, "block %d", i);
	}
	cr_expect_eq(codec_keystreams(key, CODEC_COUNTER_LIMIT - 39, 40, many,
	    &errstr), -1, "window past 2^32-1 accepted");
}

Test(codec, mac_table_matches_single)
{
	static uint8_t	table[65536][CODEC_MAC_LEN];
	uint8_t		key[CODEC_KEY_LEN], one[CODEC_MAC_LEN];
	const char	*errstr;
	const unsigned	ports[] = { 0, 1, 22, 255, 256, 443, 8080, 65535 };

	for (int i = 0; i < CODEC_KEY_LEN; i++)
		key[i] = (uint8_t)(0xa5 ^ i);
	cr_assert_eq(codec_mac_table(key, table, &errstr), 0);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		cr_assert_eq(codec_mac(key, (uint16_t)ports[i], one, &errstr), 0);
		cr_expect_arr_eq(table[ports[i]], one, CODEC_MAC_LEN, "port %u",
		    ports[i]);
	}
}
