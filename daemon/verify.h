/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Verifying knocks for one profile, fast enough to ride out a SYN flood
 * (DESIGN.md §5, "Hot path").  What does not change between log lines is
 * computed once: the truncated HMAC of every port (640 KiB a profile) and
 * the keystreams of the current counter window.  A trial is then 12 XORs
 * and one constant-time compare.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdint.h>

#include "profiles/codec.h"
#include "profiles/profile.h"

struct verifier {
	struct profile	 prof;		/* keys, in-memory counter, knock port */
	int		 counter_fd;	/* open O_RDWR as root; -1 when dry */
	unsigned int	 window;	/* counters tried per knock */
	unsigned int	 nks;		/* keystreams valid from prof.counter */
	uint8_t		(*ks)[CODEC_WIRE_LEN];	/* window keystreams */
	uint8_t		(*macs)[CODEC_MAC_LEN];	/* HMAC of each port */
};

/*
 * Load the profile in DIR and precompute.  With open_counter, DIR/counter
 * is also opened read-write and kept open (the watcher cannot reopen it
 * once unprivileged).  0, or -1 with err set ("PATH: problem").
 */
int	verify_init(struct verifier *v, const char *dir, unsigned int window,
	    int open_counter, char err[static PROFILE_ERRLEN]);

/*
 * Try every counter of the window.  On a match returns 0 with the
 * requested *port and *next (the counter to store); otherwise -1.
 * Changes nothing: the caller commits.
 */
int	verify_knock(const struct verifier *v, const struct knock_fields *f,
	    uint16_t *port, uint64_t *next);

/*
 * Store `next` durably (when a counter file is open) and only then move
 * the window there.  0, or -1 with errno set: the knock must not be
 * honoured, and the in-memory counter still advances so that the same
 * knock can never be honoured later.
 */
int	verify_commit(struct verifier *v, uint64_t next);

/* Wipe and free everything. */
void	verify_free(struct verifier *v);

#endif
