/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * knockknock -c: after the knock, connect to the port it opened and relay
 * standard input and output to it, so that ssh can use knockknock as its
 * ProxyCommand (DESIGN.md §9).  Nothing here needs a privilege.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdint.h>

#include "knockknock/packet.h"

#define RELAY_ERRLEN	256

/*
 * Connect from src (the knock's source address: the one the server opens
 * the port for) to dst:port until wait_ms have passed: a new attempt after
 * 5 ms, then twice as long each time up to a second, since the grant may
 * not be in the server's firewall yet.  Attempts that got no answer are
 * left waiting for up to 3 s: with a firewall that drops rather than
 * refuses, the first attempt after the grant gets through at once.
 * Returns the connected socket, or -1 with err set.
 */
int	relay_connect(const struct packet_addr *src,
	    const struct packet_addr *dst, uint16_t port, int wait_ms,
	    char err[static RELAY_ERRLEN]);

/*
 * Copy `in` to the socket and the socket to `out` until the server closes
 * the connection; the end of `in` is passed on as a half-close.  Neither
 * `in` nor `out` is made non-blocking: they are shared with the caller
 * (ssh).  0 when the server closed, or -1 with err set.
 */
int	relay_run(int sock, int in, int out, char err[static RELAY_ERRLEN]);

#endif
