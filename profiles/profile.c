// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Profile directories, byte-compatible with knockknock 0.5 (DESIGN.md §4).
 * The directory is opened once, following a link of the reader's own as
 * 0.5 did, and must be the reader's and writable by no one else; every
 * file is then read (and the client's counter replaced) in that directory,
 * whatever happens to its path meanwhile.  Every file is untrusted input:
 * opened without following links, required to be a regular file owned by
 * the reader and writable by no one else,
 * read into a fixed buffer, and decoded exactly, with nothing trailing.
 * Key files must not be readable by group or others either.
 * Key material is wiped on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "profiles/counter.h"
#include "profiles/ini.h"
#include "profiles/profile.h"

#define KEY_B64_LEN	24	/* base64 of 16 bytes, with "==" */
#define SMALL_FILE_MAX	4096	/* bytes: more than any profile file needs */

/*
 * Base64 digit value in constant time, as in WireGuard's encoding.c: no
 * table lookups or branches on key bytes.  Returns 0..63, or -1.
 */
static int
b64_digit(int c)
{
	return -1
	    + (((('A' - 1 - c) & (c - ('Z' + 1))) >> 8) & (c - 64))
	    + (((('a' - 1 - c) & (c - ('z' + 1))) >> 8) & (c - 70))
	    + (((('0' - 1 - c) & (c - ('9' + 1))) >> 8) & (c + 5))
	    + (((('+' - 1 - c) & (c - ('+' + 1))) >> 8) & 63)
	    + (((('/' - 1 - c) & (c - ('/' + 1))) >> 8) & 64);
}

static int
b64_quad(const char s[static 4])
{
	int	val = 0;

	for (int i = 0; i < 4; i++)
		val |= b64_digit((unsigned char)s[i]) * (1 << (18 - 6 * i));
	return val;
}

int
profile_key_decode(const char *text, size_t len,
    uint8_t key[static CODEC_KEY_LEN], const char **errstr)
{
	char		last[4];
	unsigned int	bad = 0;
	int		val, i;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len != KEY_B64_LEN || text[22] != '=' || text[23] != '=') {
		*errstr = "not the base64 of a 16-byte key (24 characters ending in '==')";
		return -1;
	}
	for (i = 0; i < 5; i++) {
		val = b64_quad(text + i * 4);
		bad |= (unsigned int)val >> 31;
		key[i * 3] = (val >> 16) & 0xff;
		key[i * 3 + 1] = (val >> 8) & 0xff;
		key[i * 3 + 2] = val & 0xff;
	}
	memcpy(last, text + 20, 2);
	last[2] = last[3] = 'A';
	val = b64_quad(last);
	bad |= ((unsigned int)val >> 31) | (val & 0xffff);
	key[15] = (val >> 16) & 0xff;
	OPENSSL_cleanse(last, sizeof(last));
	if (bad) {
		OPENSSL_cleanse(key, CODEC_KEY_LEN);
		*errstr = "bad base64";
		return -1;
	}
	return 0;
}

int
profile_name_valid(const char *name, const char **errstr)
{
	size_t	len = strlen(name);

	if (len == 0 || len > NAME_MAX) {
		*errstr = "must be 1 to 255 characters";
		return -1;
	}
	if (name[0] == '.') {
		*errstr = "must not start with '.'";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/' || name[i] <= ' ' || name[i] > '~') {
			*errstr = "must be a plain file name (printable, no '/' or spaces)";
			return -1;
		}
	}
	return 0;
}

/*
 * Read the whole small file DIRFD/FILE (PATH in messages) into buf, which
 * must hold cap + 1 bytes (one more than allowed, to see an over-long
 * file).  `secret` files must not be accessible to group or others, as ssh
 * requires of its keys.
 */
static int
read_small(int dirfd, const char *file, const char *path, char *buf,
    size_t cap, size_t *len, int secret, char err[static PROFILE_ERRLEN])
{
	struct stat	st;
	ssize_t		n;
	int		fd;

	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang before the S_ISREG check. */
	if ((fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, PROFILE_ERRLEN, "%s: not a regular file", path);
		goto fail;
	}
	/* Whoever can write a profile file can reset its counter. */
	if (st.st_uid != geteuid()) {
		snprintf(err, PROFILE_ERRLEN, "%s: owned by uid %u, not by the "
		    "user reading it (uid %u)", path, (unsigned int)st.st_uid,
		    (unsigned int)geteuid());
		goto fail;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, PROFILE_ERRLEN, "%s: writable by group or others "
		    "(mode %03o); run chmod 600 on it", path,
		    (unsigned int)(st.st_mode & 0777));
		goto fail;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, PROFILE_ERRLEN, "%s: readable by group or others "
		    "(mode %03o); run chmod 600 on it", path,
		    (unsigned int)(st.st_mode & 0777));
		goto fail;
	}
	while (*len <= cap && (n = read(fd, buf + *len, cap + 1 - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, PROFILE_ERRLEN, "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		*len += (size_t)n;
	}
	if (*len > cap) {
		snprintf(err, PROFILE_ERRLEN, "%s: file too long", path);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static int
path_join(char out[static PATH_MAX], const char *dir, const char *file,
    char err[static PROFILE_ERRLEN])
{
	int	n = snprintf(out, PATH_MAX, "%s/%s", dir, file);

	if (n < 0 || n >= PATH_MAX) {
		snprintf(err, PROFILE_ERRLEN, "%.256s...: path too long", dir);
		return -1;
	}
	return 0;
}

static int
load_key(int dirfd, const char *dir, const char *file,
    uint8_t key[static CODEC_KEY_LEN], char err[static PROFILE_ERRLEN])
{
	char		path[PATH_MAX], buf[SMALL_FILE_MAX + 1];
	const char	*errstr;
	size_t		len;
	int		ret = -1;

	if (path_join(path, dir, file, err) == -1 ||
	    read_small(dirfd, file, path, buf, sizeof(buf) - 1, &len, 1,
	    err) == -1)
		goto out;
	if (profile_key_decode(buf, len, key, &errstr) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", path, errstr);
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

static int
load_counter(int dirfd, const char *dir, uint64_t *counter,
    char err[static PROFILE_ERRLEN])
{
	char		path[PATH_MAX], buf[COUNTER_TEXT_MAX + 1];
	const char	*errstr;
	size_t		len;

	if (path_join(path, dir, "counter", err) == -1 ||
	    read_small(dirfd, "counter", path, buf, sizeof(buf) - 1, &len, 0,
	    err) == -1)
		return -1;
	if (counter_parse(buf, len, counter, &errstr) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", path, errstr);
		return -1;
	}
	return 0;
}

struct config_seen {
	int		port;
	uint16_t	knock_port;
};

static int
config_handler(void *ctx, const char *section, const char *key,
    const char *value, const char **errstr)
{
	struct config_seen	*seen = ctx;
	long long		 v;

	if (strcmp(section, "main") != 0) {
		*errstr = "in an unknown section (expected only [main])";
		return -1;
	}
	if (strcmp(key, "knock_port") != 0) {
		*errstr = "unknown key (expected only knock_port)";
		return -1;
	}
	if (seen->port) {
		*errstr = "given twice";
		return -1;
	}
	if (ini_number(value, 1, 65535, &v, errstr) == -1) {
		*errstr = "must be a number from 1 to 65535";
		return -1;
	}
	seen->port = 1;
	seen->knock_port = (uint16_t)v;
	return 0;
}

static int
knock_port_at(int dirfd, const char *dir, uint16_t *port,
    char err[static PROFILE_ERRLEN])
{
	struct config_seen	 seen = { 0 };
	char			 path[PATH_MAX], buf[SMALL_FILE_MAX + 1];
	char			 ierr[INI_ERRLEN];
	size_t			 len;

	if (path_join(path, dir, "config", err) == -1 ||
	    read_small(dirfd, "config", path, buf, sizeof(buf) - 1, &len, 0,
	    err) == -1)
		return -1;
	if (ini_parse_buf(path, buf, len, config_handler, &seen, ierr) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s", ierr);
		return -1;
	}
	if (!seen.port) {
		snprintf(err, PROFILE_ERRLEN, "%s: no knock_port in [main]",
		    path);
		return -1;
	}
	*port = seen.knock_port;
	return 0;
}

static void
profile_set_name(struct profile *p, const char *dir)
{
	char	copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", dir);
	snprintf(p->name, sizeof(p->name), "%s", basename(copy));
}

/*
 * Whoever can write the directory can swap its files; whoever owns a link
 * to it chooses the profile: a link in a user's ~/.knockknock must not
 * lend root's profile for another host to a root client.  The link is
 * looked at before the open, and a directory must still be the one looked
 * at, so that neither can be swapped in between.
 */
static int
dir_is_safe(int fd, const struct stat *lst, const char *dir,
    char err[static PROFILE_ERRLEN])
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISLNK(lst->st_mode) &&
	    (st.st_dev != lst->st_dev || st.st_ino != lst->st_ino)) {
		snprintf(err, PROFILE_ERRLEN, "%s: replaced while being "
		    "opened", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, PROFILE_ERRLEN, "%s: owned by uid %u, not by the "
		    "user reading it (uid %u)", dir, (unsigned int)st.st_uid,
		    (unsigned int)geteuid());
		return -1;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, PROFILE_ERRLEN, "%s: writable by group or others "
		    "(mode %03o); run chmod 700 on it", dir,
		    (unsigned int)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

int
profile_open(const char *dir, char err[static PROFILE_ERRLEN])
{
	struct stat	lst;
	int		fd, saved;

	if (lstat(dir, &lst) == -1 ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(err, PROFILE_ERRLEN, "%s: %s", dir, strerror(errno));
		errno = saved;
		return -1;
	}
	if (S_ISLNK(lst.st_mode) && lst.st_uid != geteuid()) {
		snprintf(err, PROFILE_ERRLEN, "%s: a link owned by uid %u, not "
		    "by the user reading it (uid %u)", dir,
		    (unsigned int)lst.st_uid, (unsigned int)geteuid());
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (dir_is_safe(fd, &lst, dir, err) == -1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
profile_not_dir(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int
profile_knock_port(const char *dir, uint16_t *port,
    char err[static PROFILE_ERRLEN])
{
	int	dirfd, ret;

	if ((dirfd = profile_open(dir, err)) == -1)
		return -1;
	ret = knock_port_at(dirfd, dir, port, err);
	close(dirfd);
	return ret;
}

int
profile_load_at(int dirfd, const char *dir, struct profile *p,
    char err[static PROFILE_ERRLEN])
{
	memset(p, 0, sizeof(*p));
	if (load_key(dirfd, dir, "cipher.key", p->keys.cipher, err) == -1 ||
	    load_key(dirfd, dir, "mac.key", p->keys.mac, err) == -1 ||
	    load_counter(dirfd, dir, &p->counter, err) == -1 ||
	    knock_port_at(dirfd, dir, &p->knock_port, err) == -1) {
		profile_wipe(p);
		return -1;
	}
	profile_set_name(p, dir);
	return 0;
}

int
profile_load(const char *dir, struct profile *p,
    char err[static PROFILE_ERRLEN])
{
	int	dirfd, ret;

	if ((dirfd = profile_open(dir, err)) == -1) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	ret = profile_load_at(dirfd, dir, p, err);
	close(dirfd);
	return ret;
}

static int
write_file(int dirfd, const char *dir, const char *file, const char *data,
    size_t len, char err[static PROFILE_ERRLEN])
{
	int	fd;

	fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s/%s: %s", dir, file,
		    strerror(errno));
		return -1;
	}
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s/%s: %s", dir, file,
		    strerror(errno ? errno : EIO));
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
write_key(int dirfd, const char *dir, const char *file,
    const uint8_t key[static CODEC_KEY_LEN], char err[static PROFILE_ERRLEN])
{
	unsigned char	b64[KEY_B64_LEN + 2];
	int		ret;

	/* Python's base64.encodestring(): the text and one newline. */
	EVP_EncodeBlock(b64, key, CODEC_KEY_LEN);
	b64[KEY_B64_LEN] = '\n';
	ret = write_file(dirfd, dir, file, (char *)b64, KEY_B64_LEN + 1, err);
	OPENSSL_cleanse(b64, sizeof(b64));
	return ret;
}

static int
fsync_parent(const char *dir)
{
	char	copy[PATH_MAX];
	int	fd, ret;

	snprintf(copy, sizeof(copy), "%s", dir);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int
profile_create(const char *dir, const struct profile *p,
    char err[static PROFILE_ERRLEN])
{
	char	counter[COUNTER_TEXT_MAX + 1], config[64];
	int	dirfd, n, ret = -1;

	if (mkdir(dir, 0700) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(counter, sizeof(counter), "%llu\n",
	    (unsigned long long)p->counter);
	/* Exactly what Python 2's ConfigParser.write() produces. */
	n = snprintf(config, sizeof(config), "[main]\nknock_port = %u\n\n",
	    (unsigned int)p->knock_port);
	if (write_key(dirfd, dir, "cipher.key", p->keys.cipher, err) == -1 ||
	    write_key(dirfd, dir, "mac.key", p->keys.mac, err) == -1 ||
	    write_file(dirfd, dir, "counter", counter, strlen(counter),
	    err) == -1 ||
	    write_file(dirfd, dir, "config", config, (size_t)n, err) == -1)
		goto out;
	if (fsync(dirfd) == -1 || fsync_parent(dir) == -1) {
		snprintf(err, PROFILE_ERRLEN, "%s: fsync: %s", dir,
		    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(dirfd);
	return ret;
}

void
profile_wipe(struct profile *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}
