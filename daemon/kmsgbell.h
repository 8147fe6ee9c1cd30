/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A doorbell for /dev/kmsg readers.  The kernel wakes a reader sleeping on
 * /dev/kmsg through a lazy irq_work: when the CPU that logged the record is
 * busy, only at its next timer tick (up to 4 ms at HZ=250), though the
 * record can be read at once.  The printk:console tracepoint fires inside
 * printk itself, and a perf event on it wakes its poller at once, so the
 * watcher sleeps on both and reads /dev/kmsg when either rings.  The bell
 * carries nothing: every record is still read, and checked, from /dev/kmsg.
 * Opened as root (perf_event_open on every CPU needs CAP_PERFMON), before
 * privileges go; not having it costs only that latency.
 */
#ifndef KMSGBELL_H
#define KMSGBELL_H

#define KMSGBELL_ERRLEN		160
#define KMSGBELL_CPUS_MAX	4096

struct kmsgbell;

/*
 * One event on every online CPU (up to KMSGBELL_CPUS_MAX), each with a
 * read-only ring of one page, all behind one epoll descriptor.  0, or -1
 * with err saying why not ("is tracefs mounted?" when it is not there).
 */
int		kmsgbell_open(struct kmsgbell **out,
		    char err[static KMSGBELL_ERRLEN]);

/* The descriptor to poll for POLLIN. */
int		kmsgbell_fd(const struct kmsgbell *b);

/* The number of CPUs it listens on. */
unsigned int	kmsgbell_cpus(const struct kmsgbell *b);

/* Quiet it until the next record: call before reading /dev/kmsg. */
void		kmsgbell_ack(struct kmsgbell *b);

void		kmsgbell_close(struct kmsgbell *b);

#endif
