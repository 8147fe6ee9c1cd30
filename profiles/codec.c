// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The v1 knock codec of knockknock 0.5 (DESIGN.md §3): AES-128 in counter
 * mode over the port and a truncated HMAC-SHA1 of it.  Pure: no I/O, no
 * logging, nothing allocated by this file.  Inputs are trusted to be the
 * right length (the prototypes say so); values are range-checked.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "profiles/codec.h"

int
codec_mac(const uint8_t mac_key[static CODEC_KEY_LEN], uint16_t port,
    uint8_t mac[static CODEC_MAC_LEN], const char **errstr)
{
	uint8_t		msg[2] = { port >> 8, port & 0xff };
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (HMAC(EVP_sha1(), mac_key, CODEC_KEY_LEN, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen < CODEC_MAC_LEN) {
		*errstr = "HMAC-SHA1 failed";
		return -1;
	}
	memcpy(mac, md, CODEC_MAC_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

#define BATCH_BLOCKS	16	/* AES blocks per EVP call in a batch */

/* 16-byte counter blocks for counters c .. c+n-1: 0^12 || counter (BE). */
static void
counter_blocks(uint8_t *in, uint64_t c, unsigned int n)
{
	memset(in, 0, (size_t)n * 16);
	for (unsigned int i = 0; i < n; i++, c++) {
		in[i * 16 + 12] = (uint8_t)(c >> 24);
		in[i * 16 + 13] = (uint8_t)(c >> 16);
		in[i * 16 + 14] = (uint8_t)(c >> 8);
		in[i * 16 + 15] = (uint8_t)c;
	}
}

int
codec_keystreams(const uint8_t cipher_key[static CODEC_KEY_LEN],
    uint64_t first, unsigned int n, uint8_t (*ks)[CODEC_WIRE_LEN],
    const char **errstr)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 in[BATCH_BLOCKS * 16], out[BATCH_BLOCKS * 16 + 16];
	unsigned int	 done = 0, k;
	int		 outl, ret = -1;

	if (first + n > CODEC_COUNTER_LIMIT) {
		*errstr = "profile exhausted (counter past 2^32-1), generate a new one";
		return -1;
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, cipher_key,
	    NULL) != 1 || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		*errstr = "AES-128 failed";
		goto out;
	}
	while (done < n) {
		k = n - done < BATCH_BLOCKS ? n - done : BATCH_BLOCKS;
		counter_blocks(in, first + done, k);
		if (EVP_EncryptUpdate(ctx, out, &outl, in, (int)k * 16) != 1 ||
		    outl != (int)k * 16) {
			*errstr = "AES-128 failed";
			goto out;
		}
		for (unsigned int i = 0; i < k; i++)
			memcpy(ks[done + i], out + i * 16, CODEC_WIRE_LEN);
		done += k;
	}
	ret = 0;
out:
	OPENSSL_cleanse(out, sizeof(out));
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int
codec_keystream(const uint8_t cipher_key[static CODEC_KEY_LEN],
    uint64_t counter, uint8_t ks[static CODEC_WIRE_LEN], const char **errstr)
{
	return codec_keystreams(cipher_key, counter, 1,
	    (uint8_t (*)[CODEC_WIRE_LEN])ks, errstr);
}

int
codec_mac_table(const uint8_t mac_key[static CODEC_KEY_LEN],
    uint8_t (*macs)[CODEC_MAC_LEN], const char **errstr)
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA1", 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t		 md[EVP_MAX_MD_SIZE];
	size_t		 mdlen;
	int		 ret = -1;

	*errstr = "HMAC-SHA1 failed";
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, mac_key, CODEC_KEY_LEN, params) != 1)
		goto out;
	for (uint32_t port = 0; port < 65536; port++) {
		uint8_t	msg[2] = { (uint8_t)(port >> 8), (uint8_t)port };

		/* A NULL key re-initialises with the key set above. */
		if ((port != 0 && EVP_MAC_init(ctx, NULL, 0, NULL) != 1) ||
		    EVP_MAC_update(ctx, msg, sizeof(msg)) != 1 ||
		    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) != 1 ||
		    mdlen < CODEC_MAC_LEN)
			goto out;
		memcpy(macs[port], md, CODEC_MAC_LEN);
	}
	ret = 0;
out:
	OPENSSL_cleanse(md, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

void
codec_fields_to_wire(const struct knock_fields *f,
    uint8_t wire[static CODEC_WIRE_LEN])
{
	wire[0] = f->ip_id >> 8;
	wire[1] = f->ip_id;
	wire[2] = f->seq >> 24;
	wire[3] = f->seq >> 16;
	wire[4] = f->seq >> 8;
	wire[5] = f->seq;
	wire[6] = f->ack >> 24;
	wire[7] = f->ack >> 16;
	wire[8] = f->ack >> 8;
	wire[9] = f->ack;
	wire[10] = f->window >> 8;
	wire[11] = f->window;
}

void
codec_wire_to_fields(const uint8_t wire[static CODEC_WIRE_LEN],
    struct knock_fields *f)
{
	f->ip_id = (uint16_t)(wire[0] << 8 | wire[1]);
	f->seq = (uint32_t)wire[2] << 24 | (uint32_t)wire[3] << 16 |
	    (uint32_t)wire[4] << 8 | wire[5];
	f->ack = (uint32_t)wire[6] << 24 | (uint32_t)wire[7] << 16 |
	    (uint32_t)wire[8] << 8 | wire[9];
	f->window = (uint16_t)(wire[10] << 8 | wire[11]);
}

int
codec_encrypt(const struct codec_keys *keys, uint64_t counter, uint16_t port,
    struct knock_fields *out, const char **errstr)
{
	uint8_t	pt[CODEC_WIRE_LEN], ks[CODEC_WIRE_LEN];
	int	ret = -1;

	if (port == 0) {
		*errstr = "port 0 cannot be requested";
		return -1;
	}
	pt[0] = port >> 8;
	pt[1] = port & 0xff;
	if (codec_mac(keys->mac, port, pt + 2, errstr) == -1 ||
	    codec_keystream(keys->cipher, counter, ks, errstr) == -1)
		goto out;
	for (size_t i = 0; i < CODEC_WIRE_LEN; i++)
		pt[i] ^= ks[i];
	codec_wire_to_fields(pt, out);
	ret = 0;
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(ks, sizeof(ks));
	return ret;
}

/* One trial: does `wire` decrypt under keystream `ks` to a port and its MAC? */
static int
codec_try(const struct codec_keys *keys, const uint8_t wire[CODEC_WIRE_LEN],
    const uint8_t ks[CODEC_WIRE_LEN], uint16_t *port, const char **errstr)
{
	uint8_t	pt[CODEC_WIRE_LEN], mac[CODEC_MAC_LEN];
	int	ret = -1;

	for (size_t i = 0; i < CODEC_WIRE_LEN; i++)
		pt[i] = wire[i] ^ ks[i];
	*port = (uint16_t)(pt[0] << 8 | pt[1]);
	if (codec_mac(keys->mac, *port, mac, errstr) == -1)
		goto out;
	/* A port-0 request is never made by a client: never a match. */
	if (*port != 0 && CRYPTO_memcmp(mac, pt + 2, CODEC_MAC_LEN) == 0)
		ret = 0;
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

int
codec_verify(const struct codec_keys *keys, const struct knock_fields *f,
    uint64_t counter, unsigned int window, uint16_t *port,
    uint64_t *next_counter, const char **errstr)
{
	uint8_t	wire[CODEC_WIRE_LEN], ks[CODEC_WIRE_LEN];
	int	ret = -1;

	if (counter >= CODEC_COUNTER_LIMIT) {
		*errstr = "profile exhausted (counter past 2^32-1), generate a new one";
		return -1;
	}
	*errstr = "no counter in the window matches";
	codec_fields_to_wire(f, wire);
	for (uint64_t c = counter; c < counter + window &&
	    c < CODEC_COUNTER_LIMIT; c++) {
		const char *e = NULL;

		if (codec_keystream(keys->cipher, c, ks, errstr) == -1)
			break;
		if (codec_try(keys, wire, ks, port, &e) == 0) {
			*next_counter = c + 1;
			ret = 0;
			break;
		}
		if (e != NULL) {
			*errstr = e;
			break;
		}
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	return ret;
}
