// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Knock verification with precomputed tables.  The input (header fields
 * from a log line) is untrusted but fixed-size; the tables are secret and
 * wiped when freed.  A trial never branches on secret data before the
 * constant-time compare, and nothing secret is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon/verify.h"
#include "profiles/counter.h"

#define PORTS	65536
#define VERIFY_BATCH	32	/* trials computed, prefetched, then compared */

/* Keystreams for prof.counter .. +window-1, stopping at 2^32. */
static int
verify_fill_window(struct verifier *v, const char **errstr)
{
	uint64_t	c = v->prof.counter;
	unsigned int	n = v->window;

	v->nks = 0;
	if (c >= CODEC_COUNTER_LIMIT)
		return 0;
	if (CODEC_COUNTER_LIMIT - c < n)
		n = (unsigned int)(CODEC_COUNTER_LIMIT - c);
	if (codec_keystreams(v->prof.keys.cipher, c, n, v->ks, errstr) == -1)
		return -1;
	v->nks = n;
	return 0;
}

static int
verify_fill_macs(struct verifier *v, const char **errstr)
{
	return codec_mac_table(v->prof.keys.mac, v->macs, errstr);
}

static int
verify_open_counter(struct verifier *v, int dirfd, const char *dir,
    char err[static PROFILE_ERRLEN])
{
	const char	*errstr;

	v->counter_fd = openat(dirfd, "counter", O_RDWR | O_NOFOLLOW |
	    O_CLOEXEC);
	if (v->counter_fd == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s/counter: %s", dir,
		    strerror(errno));
		return -1;
	}
	/* Two daemons on one counter would both honour every knock. */
	if (flock(v->counter_fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s/counter: %s", dir,
		    errno == EWOULDBLOCK ? "in use by another knockknock-daemon"
		    : strerror(errno));
		return -1;
	}
	/* Trust the file we keep open, not an earlier read of it. */
	if (counter_read_fd(v->counter_fd, &v->prof.counter, &errstr) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s/counter: %s", dir, errstr);
		return -1;
	}
	return 0;
}

int
verify_init(struct verifier *v, const char *dir, unsigned int window,
    int open_counter, char err[static PROFILE_ERRLEN])
{
	const char	*errstr;
	int		 dirfd;

	memset(v, 0, sizeof(*v));
	v->counter_fd = -1;
	v->window = window;
	if ((dirfd = profile_open(dir, err)) == -1)
		return -1;
	if (profile_load_at(dirfd, dir, &v->prof, err) == -1 ||
	    (open_counter && verify_open_counter(v, dirfd, dir, err) == -1)) {
		close(dirfd);
		goto fail;
	}
	close(dirfd);
	v->ks = calloc(window, sizeof(*v->ks));
	v->macs = calloc(PORTS, sizeof(*v->macs));
	if (v->ks == NULL || v->macs == NULL) {
		snprintf(err, PROFILE_ERRLEN, "%s: out of memory", dir);
		goto fail;
	}
	if (verify_fill_macs(v, &errstr) == -1 ||
	    verify_fill_window(v, &errstr) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", dir, errstr);
		goto fail;
	}
	return 0;
fail:
	verify_free(v);
	return -1;
}

/* out = a ^ b over the 12 wire bytes, a word at a time: a trial's cost. */
static void
xor_wire(uint8_t out[CODEC_WIRE_LEN], const uint8_t a[CODEC_WIRE_LEN],
    const uint8_t b[CODEC_WIRE_LEN])
{
	uint64_t	a8, b8;
	uint32_t	a4, b4;

	_Static_assert(CODEC_WIRE_LEN == 8 + 4, "wire length");
	memcpy(&a8, a, 8);
	memcpy(&b8, b, 8);
	a8 ^= b8;
	memcpy(out, &a8, 8);
	memcpy(&a4, a + 8, 4);
	memcpy(&b4, b + 8, 4);
	a4 ^= b4;
	memcpy(out + 8, &a4, 4);
}

static uint16_t
wire_port(const uint8_t pt[CODEC_WIRE_LEN])
{
	return (uint16_t)(pt[0] << 8 | pt[1]);
}

/*
 * Trials go in batches: every plaintext of a batch first, each with a
 * prefetch of the MAC table row its port selects (a random row of 640 KiB,
 * so a cache miss), then the compares, whose loads have had time to
 * arrive.  Whether a trial matches is still only learnt from
 * CRYPTO_memcmp, so no branch depends on secret data before it.
 */
int
verify_knock(const struct verifier *v, const struct knock_fields *f,
    uint16_t *port, uint64_t *next)
{
	uint8_t		wire[CODEC_WIRE_LEN], pt[VERIFY_BATCH][CODEC_WIRE_LEN];
	unsigned int	base, i, n;
	uint16_t	p;
	int		ret = -1;

	codec_fields_to_wire(f, wire);
	for (base = 0; base < v->nks && ret == -1; base += n) {
		n = v->nks - base < VERIFY_BATCH ? v->nks - base : VERIFY_BATCH;
		for (i = 0; i < n; i++) {
			xor_wire(pt[i], wire, v->ks[base + i]);
			__builtin_prefetch(v->macs[wire_port(pt[i])]);
		}
		for (i = 0; i < n; i++) {
			p = wire_port(pt[i]);
			/* A port-0 request is never made by a client. */
			if (CRYPTO_memcmp(v->macs[p], pt[i] + 2,
			    CODEC_MAC_LEN) == 0 && p != 0) {
				*port = p;
				*next = v->prof.counter + base + i + 1;
				ret = 0;
				break;
			}
		}
	}
	/* Only the rows a batch used hold plaintext: the first min(nks, 32). */
	OPENSSL_cleanse(pt, sizeof(pt[0]) *
	    (v->nks < VERIFY_BATCH ? v->nks : VERIFY_BATCH));
	return ret;
}

int
verify_commit(struct verifier *v, uint64_t next)
{
	const char	*errstr;
	int		 ret = 0, saved = 0;

	if (v->counter_fd != -1 && counter_write_fd(v->counter_fd, next) == -1) {
		saved = errno;
		ret = -1;
	}
	v->prof.counter = next;
	if (verify_fill_window(v, &errstr) == -1) {
		v->nks = 0;	/* fail closed: nothing matches any more */
		if (ret == 0) {
			saved = EIO;
			ret = -1;
		}
	}
	errno = saved;
	return ret;
}

void
verify_free(struct verifier *v)
{
	if (v->macs != NULL)
		OPENSSL_cleanse(v->macs, PORTS * sizeof(*v->macs));
	if (v->ks != NULL)
		OPENSSL_cleanse(v->ks, v->window * sizeof(*v->ks));
	free(v->macs);
	free(v->ks);
	if (v->counter_fd != -1)
		close(v->counter_fd);
	profile_wipe(&v->prof);
	memset(v, 0, sizeof(*v));
	v->counter_fd = -1;
}
