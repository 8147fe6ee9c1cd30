/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The v1 knock codec, wire-compatible with knockknock 0.5 (DESIGN.md §3).
 * Pure code: no I/O, no allocation, no logging.  Errors come back as -1 with
 * a static string in *errstr.
 *
 *   plaintext = port (2 bytes BE) || HMAC-SHA1(mac_key, port)[0..10)
 *   keystream = AES-128-ECB(cipher_key, 0^12 || counter (4 bytes BE))[0..12)
 *   wire      = plaintext XOR keystream
 *   ip_id = wire[0..2)  seq = wire[2..6)  ack = wire[6..10)  window = wire[10..12)
 */
#ifndef CODEC_H
#define CODEC_H

#include <stdint.h>

#define CODEC_KEY_LEN		16	/* bytes, both keys */
#define CODEC_MAC_LEN		10	/* bytes of HMAC-SHA1 carried */
#define CODEC_WIRE_LEN		12	/* bytes: 2 port + 10 MAC */
#define CODEC_COUNTER_LIMIT	UINT64_C(0x100000000)	/* first unusable counter */

struct codec_keys {
	uint8_t cipher[CODEC_KEY_LEN];
	uint8_t mac[CODEC_KEY_LEN];
};

/* The header fields a v1 knock travels in, host byte order. */
struct knock_fields {
	uint16_t ip_id;		/* IPv4 ID, or the low 16 bits of the IPv6 flow label */
	uint32_t seq;
	uint32_t ack;
	uint16_t window;
};

/*
 * Encrypt a request for `port` (1..65535) with `counter` (< CODEC_COUNTER_LIMIT).
 * Returns 0 and fills *out, or -1 with *errstr set.
 */
int	codec_encrypt(const struct codec_keys *keys, uint64_t counter,
	    uint16_t port, struct knock_fields *out, const char **errstr);

/* The 12-byte keystream for one counter.  0, or -1 with *errstr. */
int	codec_keystream(const uint8_t cipher_key[static CODEC_KEY_LEN],
	    uint64_t counter, uint8_t ks[static CODEC_WIRE_LEN],
	    const char **errstr);

/*
 * The keystreams of counters first .. first+n-1 (all below 2^32) with one
 * AES context: what the daemon precomputes for its window.  0, or -1.
 */
int	codec_keystreams(const uint8_t cipher_key[static CODEC_KEY_LEN],
	    uint64_t first, unsigned int n, uint8_t (*ks)[CODEC_WIRE_LEN],
	    const char **errstr);

/* The MAC bytes of every port 0..65535 (65536 rows), with one keyed HMAC
 * context.  0, or -1 with *errstr. */
int	codec_mac_table(const uint8_t mac_key[static CODEC_KEY_LEN],
	    uint8_t (*macs)[CODEC_MAC_LEN], const char **errstr);

/* The 10 MAC bytes for one port.  0, or -1 with *errstr. */
int	codec_mac(const uint8_t mac_key[static CODEC_KEY_LEN], uint16_t port,
	    uint8_t mac[static CODEC_MAC_LEN], const char **errstr);

/* Serialise the fields to the 12 wire bytes, and back. */
void	codec_fields_to_wire(const struct knock_fields *f,
	    uint8_t wire[static CODEC_WIRE_LEN]);
void	codec_wire_to_fields(const uint8_t wire[static CODEC_WIRE_LEN],
	    struct knock_fields *f);

/*
 * Try counters counter .. counter+window-1 (never past 2^32-1).  On the first
 * whose MAC matches (constant-time compare) returns 0 with *port and
 * *next_counter = matching counter + 1.  Returns -1 with *errstr set when no
 * counter matches or on error.  Straightforward reference implementation;
 * the daemon's hot path (daemon/verify.c) precomputes instead.
 */
int	codec_verify(const struct codec_keys *keys, const struct knock_fields *f,
	    uint64_t counter, unsigned int window, uint16_t *port,
	    uint64_t *next_counter, const char **errstr);

#endif
