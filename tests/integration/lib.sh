# SPDX-License-Identifier: GPL-3.0-or-later
# Shared parts of the integration tests (bash; sourced, never run).  Two
# hosts on one machine, joined by a veth pair; nothing leaves them:
#
#   client namespace $NS_C               server namespace $NS_S
#  +---------------------------+        +-----------------------------------+
#  | knockknock, hping3        |        | knockknock-daemon -f              |
#  | HOME=$TMP/home            |        | the --print-firewall ruleset      |
#  |                           |        | listener on tcp/$PORT             |
#  |  eth0  $CLI_ADDR/24 ------+--veth--+-- $SRV_IF  $SRV_ADDR/24           |
#  +---------------------------+        +-----------------------------------+
#
# The kernel log is one for the whole machine: with nf_log_all_netns=1 the
# server's LOG records reach /dev/kmsg, where the daemon (or, for a kern.log
# source, kernlog_writer below) reads them.  Records are told apart from
# other tests' by $SRV_IF and the addresses, both random for each run.
#
# Usage: . tests/integration/lib.sh; trap cleanup EXIT; trap "exit 1" INT TERM
# HUP PIPE; topology_up
# The caller runs from the top of the tree.  V=1 prints every command run in
# a namespace.

rnd=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_S=kks-$$-$rnd
NS_C=kkc-$$-$rnd
SRV_IF=kk$rnd				# at most 15 bytes
NET=10.$((0x${rnd:0:2} % 128 + 64)).$((0x${rnd:2:2}))
SRV_ADDR=$NET.1
CLI_ADDR=$NET.2
# IPv6 (topology_v6), and as the kernel's log writes them; the group after
# fd6b never starts with 0, so the short forms are these.
NET6=fd6b:1${rnd:0:3}
SRV_ADDR6=$NET6::1 SRV_LOG6=$NET6:0000:0000:0000:0000:0000:0001
CLI_ADDR6=$NET6::2 CLI_LOG6=$NET6:0000:0000:0000:0000:0000:0002
TMP=$(mktemp -d /tmp/kk-it.XXXXXX)
chmod 0755 "$TMP"			# the unprivileged watcher reopens kern.log
KNOCKKNOCK=${KNOCKKNOCK:-./bin/knockknock}
DAEMON=${DAEMON:-./bin/knockknock-daemon}
GENPROFILE=${GENPROFILE:-./bin/knockknock-genprofile}
PIDS=()					# every background process we start
npass=0 nfail=0

pp() { [ "${V:-0}" != 1 ] || printf '[+] %s\n' "$*" >&2; "$@"; }
srv() { pp ip netns exec "$NS_S" "$@"; }
cli() { pp ip netns exec "$NS_C" "$@"; }

cleanup() {
	local ns pid
	trap - EXIT INT TERM HUP PIPE
	set +e
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for ns in "$NS_S" "$NS_C"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null || true
		done
	done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	all_netns_off
	rm -rf "$TMP"
}

# nf_log_all_netns=1: set while the test runs, put back after (allnetns.sh).
. tests/allnetns.sh

topology_up() {
	all_netns_on
	ip netns add "$NS_S"
	ip netns add "$NS_C"
	# Both ends are made inside the namespaces: nothing in the root one.
	ip -n "$NS_S" link add "$SRV_IF" type veth peer name eth0 netns "$NS_C"
	ip -n "$NS_S" addr add "$SRV_ADDR/24" dev "$SRV_IF"
	ip -n "$NS_C" addr add "$CLI_ADDR/24" dev eth0
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" link set lo up
	ip -n "$NS_S" link set "$SRV_IF" up
	ip -n "$NS_C" link set eth0 up
}

# topology_v6: IPv6 addresses too, usable at once (no duplicate detection).
topology_v6() {
	ip -n "$NS_S" addr add "$SRV_ADDR6/64" dev "$SRV_IF" nodad
	ip -n "$NS_C" addr add "$CLI_ADDR6/64" dev eth0 nodad
}

# reap PID: wait for it if it is our child, and forget it, so that cleanup
# never kills a PID the system may since have given to another process.
# Only for a process that has ended or been signalled: wait blocks.
reap() {
	local p keep=()
	{ wait "$1"; } 2>/dev/null || true
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

# wait_for SECONDS CMD...: poll CMD every 20 ms until it succeeds (0) or
# SECONDS (e.g. 5 or 0.5) have passed (1).
wait_for() {
	local end=$(($(now_ms) + $(awk "BEGIN { print int($1 * 1000) }")))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# connect_result ADDR PORT: one TCP connection from the client namespace;
# prints connected, refused or timeout (no answer within 1 s).
connect_result() {
	local err
	err=$(cli timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>&1) &&
	    { echo connected; return; }
	case "$err" in
	*refused*) echo refused ;;
	'') echo timeout ;;
	*) echo "error: $err" ;;
	esac
}
can_connect() { [ "$(connect_result "$1" "$2")" = connected ]; }

# listen PORT: a TCP server in the server namespace that accepts anything.
listen() {
	# Not through srv: see start_daemon.
	ip netns exec "$NS_S" ncat -lk --recv-only "$1" </dev/null \
	    >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 5 listening "$1"
}
listening() { srv ss -Htln "sport = :$1" | grep -q .; }

# listen_echo PORT: the same, over IPv4 and IPv6, sending back whatever it
# receives and closing its side once the client has closed its own.
listen_echo() {
	ip netns exec "$NS_S" python3 -c '
import socket, sys, threading
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
def echo(c):
    with c:
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
        c.shutdown(socket.SHUT_WR)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
' "$1" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 5 listening "$1"
}

# make_conf DIR FIREWALL SOURCE HOME [NAME KNOCK_PORT]: a daemon
# configuration (delay 2 s) with one profile, and its client copy in
# HOME/.knockknock/$SRV_ADDR/.  SOURCE is kmsg or file (DIR/kern.log).
make_conf() {
	local dir=$1 fw=$2 src=$3 home=$4 name=${5:-alice} kport=${6:-$KPORT}
	mkdir -p "$dir" "$home/.knockknock"
	chmod 0755 "$dir"
	[ "$src" = kmsg ] || src=$dir/kern.log
	printf '[main]\ndelay = 2\nerror_window = 20\nlog_source = %s\n%s\n' \
	    "$src" "firewall = $fw
user = nobody
group = adm" >"$dir/config"
	"$GENPROFILE" -C "$dir" "$name" "$kport" >/dev/null
	chmod 0700 "$home/.knockknock"
	cp -rp "$dir/profiles/$name" "$home/.knockknock/$SRV_ADDR"
	chmod 0700 "$home/.knockknock/$SRV_ADDR"
	chmod 0600 "$home/.knockknock/$SRV_ADDR"/*
}

# start_daemon DIR: run the daemon in the foreground in the server
# namespace, stderr appended to $TMP/daemon.err; wait for a new "ready:"
# (up to READY_S seconds, default 5).  ip netns exec mounts a sysfs of its
# own, without the tracefs a host has at /sys/kernel/tracing (the daemon's
# printk:console tracepoint, kmsgbell.h): mounted there, in ip netns
# exec's own mount namespace, unless NO_TRACEFS=1.
# Sets DAEMON_PID (the parent, which becomes the helper).
start_daemon() {
	local n mnt='mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null'
	[ "${NO_TRACEFS:-0}" != 1 ] || mnt=:
	n=$(grep -c 'ready:' "$TMP/daemon.err" 2>/dev/null) || true
	[ "${V:-0}" != 1 ] || echo "[+] $DAEMON -C $1 -f &" >&2
	# Not through srv (a function: $! would be a subshell's PID); ip
	# netns exec runs sh, which execs the daemon: $! is the daemon's PID.
	ip netns exec "$NS_S" sh -c "$mnt; exec \"\$0\" \"\$@\"" \
	    "$DAEMON" -C "$1" -f 2>>"$TMP/daemon.err" &
	DAEMON_PID=$!
	disown "$DAEMON_PID"		# bash reaps it, and says nothing on kill -9
	PIDS+=("$DAEMON_PID")
	wait_for "${READY_S:-5}" ready_count_is_above "${n:-0}"
}
ready_count_is_above() {
	[ "$(grep -c 'ready:' "$TMP/daemon.err" 2>/dev/null)" -gt "$1" ]
}

# kernlog_writer FILE: append this test's kernel LOG records to FILE as
# rsyslog writes kern.log.  Like rsyslog it keeps FILE open (O_APPEND)
# and reopens it by name on SIGHUP, before writing the next record.
kernlog_writer() {
	rm -f "$TMP/writer.ready"
	python3 -c '
import datetime, os, signal, socket, sys
path, iface, ready, pairs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
host = socket.gethostname()
reopen = False
def hup(sig, frame):
    global reopen
    reopen = True
signal.signal(signal.SIGHUP, hup)
out = open(path, "a")
fd = os.open("/dev/kmsg", os.O_RDONLY)
os.lseek(fd, 0, os.SEEK_END)		# records from now on only
open(ready, "w").close()
while True:
    try:
        rec = os.read(fd, 8192).decode("utf-8", "replace")
    except BrokenPipeError:		# records overwritten: go on
        continue
    head, _, msg = rec.partition(";")
    msg = msg.split("\n")[0]
    if iface not in msg or not any(p in msg for p in pairs):
        continue
    if reopen:
        out.close(); out = open(path, "a"); reopen = False
    us = int(head.split(",")[2])
    ts = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="microseconds")
    out.write("%s %s kernel: [%5d.%06d] %s\n" % (ts, host,
        us // 1000000, us % 1000000, msg))
    out.flush()
' "$1" "IN=$SRV_IF " "$TMP/writer.ready" "SRC=$CLI_ADDR DST=$SRV_ADDR " \
	    "SRC=$CLI_LOG6 DST=$SRV_LOG6 " &
	WRITER_PID=$!
	PIDS+=("$WRITER_PID")
	wait_for 5 test -e "$TMP/writer.ready"
}

# check NAME CMD...: CMD's success is a pass.  ok/bad NAME [WHY]: record.
ok() { npass=$((npass + 1)); echo "ok   $1"; }
bad() { nfail=$((nfail + 1)); echo "FAIL $1${2:+: $2}"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# expect NAME WANT GOT: exact comparison.
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want '$2', got '$3'"; fi
}
# summary LABEL: the last line; the status is the verdict.
summary() {
	echo "$1: $npass passed, $nfail failed"
	[ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
}
