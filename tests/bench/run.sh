#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (issue 6): prints one line per figure; reports, never judges.
# Run from `make bench`, which builds ./bin/* and build/bench/{gen,latency,
# counterwrite} first.  Method and figures: tests/bench/RESULTS.md.
#
# 1. Verification throughput of `knockknock-daemon --scan`, pinned to one
#    CPU, one profile, error_window = 20, over generated kern.log files of
#    BENCH_LINES lines (default 1000000) in a temporary directory:
#    (a) records to ports that are not the knock port, (b) bogus knocks,
#    (c) valid knocks made with the real codec.  Wall time of the whole
#    command, best of 3; the startup cost is --scan on an empty file.
#    Then the durable counter write (pwrite + fdatasync), which bounds (c)
#    in live mode: back to back, and each after 50 ms idle as a live
#    daemon's write usually is.
# 2. Knock-to-connect latency (root only): two network namespaces (see
#    tests/integration/lib.sh), the real daemon, client and firewall;
#    build/bench/latency knocks BENCH_KNOCKS times (default 50) with the
#    real client, and as many times in process (no process started), for
#    each firewall backend and each log source.  Each knock is timed from
#    its LOG record (the harness reads /dev/kmsg too) and from the client's
#    fork.  For the kern.log source a
#    writer (lib.sh's kernlog_writer) copies the records from /dev/kmsg to
#    the file as rsyslog would, so that hop is in the figure.  After each
#    connection a second connect must be refused; a line says when not.
#    With nftables, also the daemon's CPU use while idle for 5 s.
#    First, the kernel's share alone: a LOG record's way to a /dev/kmsg
#    reader (build/bench/kmsgwake), logged on a busy CPU and on an idle
#    one (kmsg_wakeup below).
#
# Environment: BENCH_LINES, BENCH_KNOCKS, BENCH_CPU (default 1, or 0 on a
# one-CPU machine), BENCH_RAW=DIR to keep every knock's figures there,
# BENCH_PARTS (default "scan latency"), BENCH_FIREWALLS (default
# "nftables iptables"), BENCH_SOURCES (default "kmsg kmsg-tick kmsg-poll
# file"; kmsg-tick is /dev/kmsg with kmsg_tracepoint = no, woken by the
# kernel alone, kmsg-poll the same with kmsg_poll_ms = 1); DAEMON,
# KNOCKKNOCK, GENPROFILE to measure other builds of the programs.
set -eu -o pipefail
cd "$(dirname "$0")/../.."

B=build/bench
DAEMON=${DAEMON:-./bin/knockknock-daemon}
GENPROFILE=${GENPROFILE:-./bin/knockknock-genprofile}
KNOCKKNOCK=${KNOCKKNOCK:-./bin/knockknock}
LINES=${BENCH_LINES:-1000000}
KNOCKS=${BENCH_KNOCKS:-50}
CPU=${BENCH_CPU:-$([ "$(nproc)" -gt 1 ] && echo 1 || echo 0)}
RUNS=3

for f in "$B/gen" "$B/latency" "$B/counterwrite" "$B/kmsgwake" "$DAEMON" \
    "$GENPROFILE" "$KNOCKKNOCK"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make bench" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/kk-bench.XXXXXX")
NETNS_UP=0
bench_cleanup() {
	trap - EXIT INT TERM
	[ "$NETNS_UP" = 0 ] || cleanup		# lib.sh's
	rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. scan throughput ----

# best_scan FILE: the best wall time in seconds of RUNS --scan runs, from
# bash's clock around the whole command; the last output in $WORK/scan.out.
best_scan() {
	local best='' t0 t1 _
	for _ in $(seq "$RUNS"); do
		t0=$EPOCHREALTIME
		taskset -c "$CPU" "$DAEMON" -C "$WORK/conf" --scan "$1" \
		    >"$WORK/scan.out"
		t1=$EPOCHREALTIME
		best=$(awk -v a="$t0" -v b="$t1" -v m="$best" \
		    'BEGIN { t = b - a; if (m != "" && m < t) t = m; printf "%.6f", t }')
	done
	echo "$best"
}

# scan_line LABEL FILE WANT_KNOCKS
scan_line() {
	local t tail
	t=$(best_scan "$2")
	tail=$(tail -n 1 "$WORK/scan.out")
	if [ "$tail" != "lines=$LINES knocks=$3" ]; then
		echo "bench: $1: --scan printed '$tail', want" \
		    "'lines=$LINES knocks=$3'" >&2
		exit 1
	fi
	awk -v l="$1" -v n="$LINES" -v t="$t" 'BEGIN {
		printf "scan %s: %.2f M lines/s (%d lines in %.3f s, best of '"$RUNS"')\n",
		    l, n / t / 1e6, n, t }'
}

scan_bench() {
	local m t fs
	mkdir -p "$WORK/conf"
	printf '[main]\nerror_window = 20\n' >"$WORK/conf/config"
	"$GENPROFILE" -C "$WORK/conf" alice 45678 >/dev/null
	for m in nonknock bogus valid; do
		"$B/gen" "$m" "$LINES" "$WORK/conf/profiles/alice" \
		    "$WORK/$m.log"
	done
	: >"$WORK/empty.log"
	t=$(best_scan "$WORK/empty.log")
	awk -v t="$t" 'BEGIN { printf "scan startup (empty file): %.1f ms\n", t * 1000 }'
	scan_line "(a) non-knock lines" "$WORK/nonknock.log" 0
	scan_line "(b) bogus knocks" "$WORK/bogus.log" 0
	scan_line "(c) valid knocks, counters in memory" "$WORK/valid.log" "$LINES"
	rm -f "$WORK"/*.log
	fs=$(df --output=fstype build | tail -n 1 | tr -d ' ')
	echo "counter write (pwrite+fdatasync, $fs under build/):" \
	    "$("$B/counterwrite" build 1000)"
	# A live daemon writes after idling, when a flush can cost more.
	echo "counter write after idling (pwrite+fdatasync, $fs under build/):" \
	    "$("$B/counterwrite" build 100 50)"
}

# ---- 2. knock-to-connect latency ----

PORT=2222		# protected, opened by each client knock
FLOOR=2223		# always open: the floor's connect
INPROC=2224		# protected, opened by each in-process knock

stop_daemon() {
	local _
	kill "$DAEMON_PID" 2>/dev/null || return 0
	for _ in $(seq 250); do
		kill -0 "$DAEMON_PID" 2>/dev/null || return 0
		sleep 0.02
	done
	kill -9 "$DAEMON_PID" 2>/dev/null || true
}

# idle_cpu LABEL: the CPU time both daemon processes use in IDLE_S seconds
# with nothing to do, from /proc/PID/stat (utime + stime).
IDLE_S=5
idle_cpu() {
	local pids t0 t1 hz
	pids="$DAEMON_PID $(pgrep -P "$DAEMON_PID" | tr '\n' ' ')"
	hz=$(getconf CLK_TCK)
	cpu_ticks() {
		local p sum=0
		for p in $pids; do
			sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
		done
		echo "$sum"
	}
	t0=$(cpu_ticks)
	sleep "$IDLE_S"
	t1=$(cpu_ticks)
	awk -v l="$1" -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_S" 'BEGIN {
		printf "idle %s: the daemon used %.2f%% of a CPU (%d ms of CPU in %d s, nothing logged)\n",
		    l, d * 100 / hz / s, d * 1000 / hz, s }'
}

# latency_run FIREWALL SOURCE: SOURCE is kmsg, kmsg-tick (kmsg with
# kmsg_tracepoint = no), kmsg-poll (that with kmsg_poll_ms = 1) or file
latency_run() {
	local fw=$1 src=$2 dir=$TMP/srv-$1-$2 home=$TMP/home-$1-$2 label kind
	local wait=() raw=()
	kind=${src%-poll}
	kind=${kind%-tick}
	make_conf "$dir" "$fw" "$kind" "$home" alice "$KPORT"
	srv nft flush ruleset
	"$DAEMON" -C "$dir" --print-firewall "$fw" >"$TMP/firewall"
	if [ "$fw" = nftables ]; then
		srv nft -f "$TMP/firewall"
		srv nft insert rule inet knockknock input tcp dport "$FLOOR" accept
	else
		# One grant at a time: delay 1 s, and each round waits
		# until the previous rule is gone.
		sed -i 's/^delay = .*/delay = 1/' "$dir/config"
		srv sh "$TMP/firewall"
		srv iptables -w -I INPUT 3 -p tcp --dport "$FLOOR" -j ACCEPT
		wait=(-w "ip netns exec $NS_S timeout 10 sh -c 'while iptables -w -S INPUT | grep -q \"knockknock expires=\"; do sleep 0.02; done'")
	fi
	label=$fw/kmsg
	if [ "$src" = kmsg-tick ]; then
		echo "kmsg_tracepoint = no" >>"$dir/config"
		label="$fw/kmsg, kmsg_tracepoint = no"
	fi
	if [ "$src" = kmsg-poll ]; then
		printf 'kmsg_tracepoint = no\nkmsg_poll_ms = 1\n' >>"$dir/config"
		label="$fw/kmsg, kmsg_tracepoint = no, kmsg_poll_ms = 1"
	fi
	if [ "$src" = file ]; then
		install -m 0640 -g adm /dev/null "$dir/kern.log"
		kernlog_writer "$dir/kern.log"
		label=$fw/kern.log
	fi
	start_daemon "$dir"
	[ "$fw" != nftables ] || idle_cpu "$label"
	[ -z "${BENCH_RAW:-}" ] || raw=(-o "$BENCH_RAW/latency-$fw-$src.txt")
	cli env HOME="$home" "$B/latency" -n "$KNOCKS" -k "$INPROC" \
	    "${wait[@]}" "${raw[@]}" "$label" "$SRV_ADDR" "$PORT" "$FLOOR" \
	    "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR"
	stop_daemon
	if [ "$src" = file ]; then
		kill "$WRITER_PID" 2>/dev/null || true
	fi
}

# kmsg_wakeup busy|idle: the kernel's own share of the /dev/kmsg path, with
# a table of its own in the server's namespace while it runs.  printk wakes
# readers through a lazy irq_work: at once if the CPU that logged is idle
# (its tick stopped), else at that CPU's next tick (up to 4 ms at HZ=250).
# A veth pair runs the server's receive path inside the client's sendto(),
# so on a CPU that is running: "busy".  "idle" sends it to the other CPU
# by RPS, as a NIC's interrupt reaches a quiet server.  The knock runs
# below are all "busy": their own connects keep the server's CPU ticking.
# CPUS: the first two CPUs this process may run on; the sender runs on the
# first, and "idle" logs on the second.
kmsg_wakeup() {
	local p="kkwake$$: " mask=0 where="a busy CPU"
	# shellcheck disable=SC2086  # two words
	set -- "$1" $CPUS
	[ "$1" = busy ] || { mask=$(printf '%x' $((1 << $3))); where="an idle CPU"; }
	srv sh -c "echo $mask >/sys/class/net/$SRV_IF/queues/rx-0/rps_cpus"
	srv nft add table inet kkwake
	srv nft add chain inet kkwake in "{ type filter hook input priority 0; }"
	srv nft add rule inet kkwake in udp dport 9 log prefix "\"$p\"" drop
	echo "kernel: LOG record on $where to a /dev/kmsg reader asleep in poll():" \
	    "$(cli taskset -c "$2" "$B/kmsgwake" "$p" 100 "$SRV_ADDR")"
	# The reader runs in the client's namespace, whose sysfs has no
	# tracefs: mounted there, in ip netns exec's own mount namespace.
	echo "kernel: the same, the reader also asleep on the printk:console doorbell:" \
	    "$(ip netns exec "$NS_C" sh -c 'mount -t tracefs tracefs /sys/kernel/tracing &&
	    exec "$@"' sh taskset -c "$2" "$B/kmsgwake" -b "$p" 100 "$SRV_ADDR" ||
	    echo "not measured (no tracefs, or no CAP_PERFMON)")"
	srv nft delete table inet kkwake
	srv sh -c "echo 0 >/sys/class/net/$SRV_IF/queues/rx-0/rps_cpus"
}

latency_bench() {
	local fw src CPUS
	if [ "$(id -u)" != 0 ]; then
		echo "latency: skipped (needs root: network namespaces, firewall, /dev/kmsg)"
		return
	fi
	for f in ip nft iptables ncat python3 taskset; do
		if ! command -v "$f" >/dev/null; then
			echo "latency: skipped ($f not installed)"
			return
		fi
	done
	if [ ! -r tests/integration/lib.sh ]; then
		echo "latency: skipped (tests/integration/lib.sh missing)"
		return
	fi
	# shellcheck source=tests/integration/lib.sh
	. tests/integration/lib.sh
	NETNS_UP=1
	KPORT=$((20000 + 0x$rnd % 20000))
	[ -z "${BENCH_RAW:-}" ] || mkdir -p "$BENCH_RAW"
	topology_up
	CPUS=$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
	kmsg_wakeup busy
	if [ "$(echo "$CPUS" | wc -w)" -gt 1 ]; then
		kmsg_wakeup idle
	else
		echo "kernel: LOG record on an idle CPU: skipped (only one CPU to run on)"
	fi
	listen "$PORT"
	listen "$FLOOR"
	listen "$INPROC"
	for fw in ${BENCH_FIREWALLS:-nftables iptables}; do
		for src in ${BENCH_SOURCES:-kmsg kmsg-tick kmsg-poll file}; do
			latency_run "$fw" "$src"
		done
	done
}

for part in ${BENCH_PARTS:-scan latency}; do
	case $part in
	scan|latency) "${part}_bench" ;;
	*) echo "bench: BENCH_PARTS: unknown part '$part' (scan, latency)" >&2
	   exit 2 ;;
	esac
done
