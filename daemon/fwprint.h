/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `knockknock-daemon --print-firewall iptables|nftables`: a complete,
 * minimal, commented input firewall for knockknock (the successor of
 * knockknock 0.5's minimal-firewall.sh).  The nftables ruleset declares the
 * helper's table and sets with the helper's own definitions (privsep/nft.h).
 */
#ifndef FWPRINT_H
#define FWPRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "privsep/helper.h"

/*
 * Print the ruleset for `fw` with a LOG rule for each knock port (n >= 1,
 * none 0; duplicates printed once).  0, or -1 with *errstr ("no knock
 * ports", "port 0", "unknown firewall", "write error").
 */
int	fwprint(FILE *out, enum firewall fw, const uint16_t *knock_ports,
	    size_t n, const char **errstr);

#endif
