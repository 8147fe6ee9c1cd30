/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Parser for the kernel's netfilter LOG records (iptables, ip6tables and
 * nftables "log" share one format, nf_log_syslog.c's), in kern.log form or
 * as the message part of a /dev/kmsg record.  The input is untrusted:
 * bounded, allocation-free, never relies on a NUL.  The record runs from the
 * first "IN=" token to the end of the line and must be exactly what the
 * kernel prints: IN= then OUT=, then only the kernel's own tokens in its
 * order, each at most once, every value in the kernel's form and range, so
 * that user-chosen text in other kernel messages (a segfault report's file
 * name) cannot pass for a record.  Only a TCP SYN record (SYN set; ACK, RST,
 * FIN clear) with SEQ and ACK is accepted.
 */
#ifndef LOGPARSE_H
#define LOGPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "profiles/codec.h"

/*
 * Bounds in bytes, beyond which input is refused.  The kernel prints a LOG
 * record (prefix included) into a 1 KiB buffer; a kern.log line puts a
 * syslog header in front of it.
 */
#define LOGPARSE_RECORD_MAX	1024	/* from "IN=" to the end of the line */
#define LOGPARSE_LINE_MAX	2048	/* the whole line */

struct knock_record {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		src[16];	/* network byte order; IPv4 in [0..4) */
	uint8_t		dst[16];
	uint16_t	spt;
	uint16_t	dpt;		/* 1..65535 */
	struct knock_fields f;		/* ip_id = ID, or FLOWLBL & 0xffff */
	const char	*opt;		/* TCP options hex inside the line, or NULL */
	size_t		optlen;
};

/*
 * Parse one line (without its newline).  Returns 0 and fills *rec, or -1
 * with *errstr naming what is wrong ("not TCP", "no SYN flag", "SEQ out of
 * range", "DPT repeated", "OUT not after IN", "SRC out of order", "unknown
 * token", "URGP malformed", ...).  rec->opt points into p.
 */
int	logparse_line(const char *p, size_t len, struct knock_record *rec,
	    const char **errstr);

/*
 * Cheap pre-filter for the hot path: find " DPT=" and parse its value.
 * Returns 0 with *dpt, or -1 when absent or malformed.  A line rejected
 * here would also be rejected by logparse_line or is for no knock port.
 */
int	logparse_dpt(const char *p, size_t len, uint16_t *dpt);

/*
 * Split a /dev/kmsg record "PRI,SEQ,TS,FLAGS;MESSAGE[\n continuation...]".
 * Accepts only facility 0 (kernel), which no user process can write directly.
 * Returns 0 with *msg, *msglen (the first line of MESSAGE) and *seq, or -1
 * with *errstr ("not from the kernel", "malformed kmsg header").
 */
int	logparse_kmsg(const char *p, size_t len, const char **msg,
	    size_t *msglen, uint64_t *seq, const char **errstr);

#endif
