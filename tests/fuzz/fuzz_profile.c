// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * libFuzzer harness for profiles/profile.c and profiles/counter.c, in the
 * manner of WireGuard's src/fuzz/.  The input is split on the byte 0xff
 * into cipher.key, mac.key, counter and config (the last piece takes the
 * rest); those files are written into one scratch profile directory, made
 * once per process under $TMPDIR, and a missing piece means a missing file.
 * The pieces also go straight to profile_key_decode() and counter_parse().
 *
 * Besides the sanitizers' checks it aborts when the decoders disagree with
 * plain reference decoders, when a decoded key does not base64-encode back
 * to the same 24 characters, when a rejected key leaves partial key bytes
 * behind, or when profile_load() breaks its contract: on success the keys
 * and counter are those of the files, counter <= 2^32 and knock_port in
 * 1..65535 (as profile_knock_port() says); on failure *p is wiped and the
 * message names the profile directory.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I. -D_GNU_SOURCE \
 *	tests/fuzz/fuzz_profile.c profiles/profile.c profiles/counter.c \
 *	profiles/ini.c -lcrypto -o fuzz_profile
 *   ./fuzz_profile tests/fuzz/corpus/profile/
 */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "profiles/counter.h"
#include "profiles/profile.h"

#define SEP		0xff	/* never valid in any of the four files */
#define NFILES		4
#define KEY_B64_LEN	24	/* base64 of 16 bytes, with "==" */
#define PROFILE_NAME	"prof"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct piece {
	const char	*p;	/* NULL: the file is absent */
	size_t		 len;
};

static const char *const files[NFILES] = {
	"cipher.key", "mac.key", "counter", "config"
};

/* The scratch directory: made once, reused by every input, gone at exit. */
static char	topdir[PATH_MAX], profdir[PATH_MAX];

static void
cleanup(void)
{
	char	path[PATH_MAX];

	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", profdir, files[i]);
		unlink(path);
	}
	rmdir(profdir);
	rmdir(topdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(topdir, sizeof(topdir), "%s/fuzz_profile.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(topdir) == NULL) {
		perror(topdir);
		exit(1);
	}
	snprintf(profdir, sizeof(profdir), "%s/%s", topdir, PROFILE_NAME);
	if (mkdir(profdir, 0700) == -1) {
		perror(profdir);
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

/*
 * Rewrite in place, then cut to length: ext4 flushes a file truncated to 0
 * and rewritten when it is closed (auto_da_alloc), 20 times slower.
 */
static void
put_file(const char *file, const struct piece *pc)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", profdir, file);
	if (pc->p == NULL) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || pwrite(fd, pc->p, pc->len, 0) != (ssize_t)pc->len ||
	    ftruncate(fd, (off_t)pc->len) == -1 || close(fd) == -1) {
		perror(path);
		abort();
	}
}

static void
split(const uint8_t *data, size_t size, struct piece pc[static NFILES])
{
	const uint8_t	*sep;
	size_t		 off = 0;
	int		 more = 1;	/* a piece starts at data + off */

	for (int i = 0; i < NFILES; i++) {
		pc[i].p = NULL;
		pc[i].len = 0;
		if (!more)
			continue;
		sep = i < NFILES - 1 ? memchr(data + off, SEP, size - off) : NULL;
		pc[i].p = (const char *)data + off;
		pc[i].len = sep != NULL ? (size_t)(sep - (data + off)) : size - off;
		off += pc[i].len + (sep != NULL);
		more = sep != NULL;
	}
}

/* Table-driven, canonical base64 of 16 bytes: 22 digits, the last with
 * its low 4 bits zero, then "=="; one trailing newline allowed. */
static int
ref_key_decode(const char *s, size_t len, uint8_t key[static CODEC_KEY_LEN])
{
	static const char	alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*d;
	uint32_t		 acc = 0;
	int			 bits = 0, n = 0;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len != KEY_B64_LEN || s[22] != '=' || s[23] != '=')
		return -1;
	for (int i = 0; i < 22; i++) {
		if ((d = memchr(alpha, s[i], 64)) == NULL)
			return -1;
		acc = (acc << 6) | (uint32_t)(d - alpha);
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (n < CODEC_KEY_LEN)
				key[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? 0 : -1;	/* the 4 spare bits must be zero */
}

static int
ref_counter(const char *s, size_t len, uint64_t *value)
{
	uint64_t	v = 0;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > CODEC_COUNTER_LIMIT)
		return -1;
	*value = v;
	return 0;
}

static int
all_bytes(const void *p, int c, size_t len)
{
	const uint8_t	*b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != (uint8_t)c)
			return 0;
	return 1;
}

/* Returns 0 and the key when the piece is a valid key file, else -1. */
static int
check_key(const struct piece *pc, uint8_t key[static CODEC_KEY_LEN])
{
	uint8_t		 want[CODEC_KEY_LEN];
	unsigned char	 b64[KEY_B64_LEN + 1];
	const char	*errstr = NULL;
	int		 r;

	if (pc->p == NULL)
		return -1;
	memset(key, 0xa5, CODEC_KEY_LEN);
	r = profile_key_decode(pc->p, pc->len, key, &errstr);
	if (r != ref_key_decode(pc->p, pc->len, want))
		abort();
	if (r == -1) {
		/* No partial key left behind. */
		if (errstr == NULL || !(all_bytes(key, 0xa5, CODEC_KEY_LEN) ||
		    all_bytes(key, 0, CODEC_KEY_LEN)))
			abort();
		return -1;
	}
	if (memcmp(key, want, CODEC_KEY_LEN) != 0)
		abort();
	if (EVP_EncodeBlock(b64, key, CODEC_KEY_LEN) != KEY_B64_LEN ||
	    memcmp(b64, pc->p, KEY_B64_LEN) != 0)
		abort();
	return 0;
}

static int
check_counter(const struct piece *pc, uint64_t *value)
{
	const char	*errstr = NULL;
	uint64_t	 want = 0;
	int		 r;

	if (pc->p == NULL)
		return -1;
	*value = UINT64_MAX;
	r = counter_parse(pc->p, pc->len, value, &errstr);
	if (r != ref_counter(pc->p, pc->len, &want))
		abort();
	if (r == 0 && *value != want)
		abort();
	if (r == -1 && (errstr == NULL || *value != UINT64_MAX))
		abort();
	return r;
}

static void
check_load(int keys_ok, const struct codec_keys *keys, int counter_ok,
    uint64_t counter)
{
	struct profile	p;
	char		err[PROFILE_ERRLEN];
	uint16_t	port = 0;

	memset(&p, 0x5a, sizeof(p));
	err[0] = '\0';
	if (profile_load(profdir, &p, err) == -1) {
		if (!all_bytes(&p, 0, sizeof(p)) ||
		    strncmp(err, profdir, strlen(profdir)) != 0)
			abort();
		return;
	}
	if (!keys_ok || !counter_ok || p.counter != counter ||
	    p.counter > CODEC_COUNTER_LIMIT || p.knock_port == 0 ||
	    memcmp(&p.keys, keys, sizeof(*keys)) != 0 ||
	    strcmp(p.name, PROFILE_NAME) != 0)
		abort();
	if (profile_knock_port(profdir, &port, err) == -1 ||
	    port != p.knock_port)
		abort();
	profile_wipe(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct piece		pc[NFILES];
	struct codec_keys	keys;
	uint64_t		counter = 0;
	int			keys_ok, counter_ok;

	split(data, size, pc);
	for (int i = 0; i < NFILES; i++)
		put_file(files[i], &pc[i]);
	keys_ok = check_key(&pc[0], keys.cipher) == 0;
	keys_ok = check_key(&pc[1], keys.mac) == 0 && keys_ok;
	counter_ok = check_counter(&pc[2], &counter) == 0;
	check_load(keys_ok, &keys, counter_ok, counter);
	return 0;
}
