/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Profile directories, byte-compatible with knockknock 0.5 (DESIGN.md §4):
 * NAME/cipher.key, NAME/mac.key (base64 of 16 bytes, one line), NAME/counter
 * (decimal, one line), NAME/config ("[main]" with "knock_port = N").
 * Files are mode 0600 and the directory 0700.  Every file read here is
 * untrusted input: bounded, exact, no trailing garbage.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "profiles/codec.h"

#define PROFILE_ERRLEN	(PATH_MAX + 160)	/* "PATH: problem" */

struct profile {
	char		  name[NAME_MAX + 1];	/* last component of the directory */
	struct codec_keys keys;
	uint64_t	  counter;	/* 0 .. 2^32; 2^32 means exhausted */
	uint16_t	  knock_port;	/* 1..65535 */
};

/*
 * Open the profile directory DIR (following links, as knockknock 0.5 did)
 * for profile_load_at() and counter_save(): a descriptor, or -1 with errno
 * and err set.
 */
int	profile_open(const char *dir, char err[static PROFILE_ERRLEN]);

/*
 * Load {cipher.key,mac.key,counter,config} of the directory DIRFD, opened
 * by profile_open(DIR), into *p.  Returns 0, or -1 with err set to one
 * line "DIR/FILE: what is wrong" (nothing secret in it).  On failure *p is
 * wiped.
 */
int	profile_load_at(int dirfd, const char *dir, struct profile *p,
	    char err[static PROFILE_ERRLEN]);

/* profile_open(DIR), profile_load_at(), close. */
int	profile_load(const char *dir, struct profile *p,
	    char err[static PROFILE_ERRLEN]);

/*
 * Create DIR (mode 0700, must not exist) and write the four files (0600),
 * each fsynced, then the directory and its parent fsynced.
 * Returns 0, or -1 with err set.
 */
int	profile_create(const char *dir, const struct profile *p,
	    char err[static PROFILE_ERRLEN]);

/*
 * 1 if PATH, an entry of a profiles/ directory, exists and is no directory
 * (a README beside the profiles): no profile, to be skipped, as 0.5 did.
 * Links are followed, as by 0.5's os.path.isdir(); a dangling one gives 0,
 * left for the profile's loading to report.
 */
int	profile_not_dir(const char *path);

/* Read only DIR/config's knock_port.  0, or -1 with err set. */
int	profile_knock_port(const char *dir, uint16_t *port,
	    char err[static PROFILE_ERRLEN]);

/* Wipe keys and everything else in *p. */
void	profile_wipe(struct profile *p);

/*
 * Decode one key file's text: exactly 24 base64 characters encoding 16
 * bytes, optionally followed by one "\n".  Pure; 0 or -1 with *errstr.
 */
int	profile_key_decode(const char *text, size_t len,
	    uint8_t key[static CODEC_KEY_LEN], const char **errstr);

/* Check that NAME is a plain file name: non-empty, no '/', no leading '.',
 * at most NAME_MAX bytes, printable ASCII.  0 or -1 with *errstr. */
int	profile_name_valid(const char *name, const char **errstr);

#endif
