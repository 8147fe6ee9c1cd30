/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The nftables backend of the helper (libnftables, one context for the
 * helper's lifetime).  A grant is an element "SRC . PORT timeout DELAYs" in
 * set allow4 or allow6 of table inet knockknock; the kernel expires it, and
 * the grant rule deletes it on the first new connection, so nothing is left
 * to do in user space.  The definitions below are shared with fwprint.c, so
 * that the printed ruleset and the helper's setup can never disagree.
 *
 * Sets used4 and used6 make "one connection" hold when that delete does
 * not: a SYN evaluated while the kernel is still committing the grant sees
 * the element, but its delete cannot find it yet, and the element outlives
 * the connection (reproduced on Linux 6.18: one grant committed behind
 * 20,000 other elements let up to 67 connections in).  So the grant rule
 * also requires SRC . PORT to be absent from usedN and adds it there: an
 * insert from the packet path is live at once, unlike the element being
 * committed.  A mark lasts NFT_USED_S, as long as the longest grant (delay
 * is at most 3600 s, and a mark is made after its grant); the next grant
 * for SRC . PORT clears it in the same batch.
 */
#ifndef NFT_H
#define NFT_H

#include <stddef.h>

#include "privsep/msg.h"

#define NFT_TABLE	"inet knockknock"
#define NFT_USED_S	3600	/* the "timeout 1h" of NFT_USED4 and NFT_USED6 */
/*
 * "dynamic" and "size": nft adds both to a set that a rule updates (the
 * grant rule's delete), and an "add set" that differs from the set in the
 * kernel fails, so both are spelled out for setup to be idempotent.
 */
#define NFT_SET4	"allow4 { type ipv4_addr . inet_service; " \
			"size 65535; flags dynamic,timeout; }"
#define NFT_SET6	"allow6 { type ipv6_addr . inet_service; " \
			"size 65535; flags dynamic,timeout; }"
#define NFT_USED4	"used4 { type ipv4_addr . inet_service; " \
			"size 65535; flags dynamic,timeout; timeout 1h; }"
#define NFT_USED6	"used6 { type ipv6_addr . inet_service; " \
			"size 65535; flags dynamic,timeout; timeout 1h; }"
#define NFT_CHAIN	"input { type filter hook input priority filter; " \
			"policy accept; }"
#define NFT_GRANT4	"ct state new ip saddr . tcp dport @allow4 " \
			"ip saddr . tcp dport != @used4 " \
			"add @used4 { ip saddr . tcp dport } " \
			"delete @allow4 { ip saddr . tcp dport } accept"
#define NFT_GRANT6	"ct state new ip6 saddr . tcp dport @allow6 " \
			"ip6 saddr . tcp dport != @used6 " \
			"add @used6 { ip6 saddr . tcp dport } " \
			"delete @allow6 { ip6 saddr . tcp dport } accept"

#define NFT_CMD_MAX	768	/* bytes, enough for any grant command */

/*
 * Format the batch that adds the grant *g (validated) for delay_s seconds,
 * a command a line: first "add element inet knockknock used4 { 10.0.0.2 .
 * 22 }" and "delete element ... used4 { 10.0.0.2 . 22 }", which clear the
 * mark of an earlier connection whether there is one or not; then "create
 * element inet knockknock allow4 { 10.0.0.2 . 22 timeout 15s }", or with
 * `renew`, for a grant that is pending already, "delete element ... allow4
 * { 10.0.0.2 . 22 }" and "add element ... timeout 15s }", so that its
 * timeout starts again.  Pure; 0, or -1 with *errstr when the family is
 * unknown or buf is too small.
 */
int	nft_grant_format(char *buf, size_t len, const struct grant *g,
	    unsigned int delay_s, int renew, const char **errstr);

/* Create the table and sets if missing, and the input chain with the grant
 * rules if it is missing.  Logs and returns -1 on failure. */
int	nft_setup(unsigned int delay_s);

/* Add one grant.  Logs and returns -1 on failure. */
int	nft_grant(const struct grant *g, unsigned int delay_s);

/* Flush the sets (withdraw every grant) and free the context. */
void	nft_cleanup(void);

#endif
