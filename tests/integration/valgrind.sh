#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The real programs under valgrind's memcheck, on the paths a user runs:
# no invalid read or write, no jump on an uninitialised value, no definite
# leak.  The unit tests run under valgrind too (make valgrind) and under
# ASan; this covers what they cannot: main(), the privilege drops, the
# fork into watcher and helper, libnet, libnftables and the live loop.
#
#   genprofile; --check; the client's dry run, and its start without
#   the privilege for a raw socket; --scan over the real
#   kernel records in tests/vectors/ and that knock; then, for each firewall, a live
#   daemon (watcher and helper both under valgrind, in lib.sh's topology):
#   the real client knocks, the port opens once, a bogus knock and a
#   knock with the wrong keys open nothing, a knock over IPv6 opens it
#   over IPv6, knockknock -c knocks, connects and relays, SIGTERM ends it.
#
# Each program's report goes to a file of its own, one per process (%p);
# memcheck writes nothing there when it finds nothing.  Slow: memcheck
# runs the code 20-50 times slower, so the deadlines here are long.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap cleanup EXIT INT TERM

if ! command -v valgrind >/dev/null; then
	echo "valgrind: not installed (apt-get install valgrind)"
	exit 1
fi
# --vgdb=no: the helper and watcher change uid and could not remove its
# FIFOs in /tmp.  The suppressions are for libraries alone, each explained.
VG=(valgrind -q --error-exitcode=99 --vgdb=no --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --suppressions="$PWD/tests/integration/valgrind.supp")
PORT=2222
KPORT=$((20000 + 0x$rnd % 20000))
HOME_C=$TMP/home
CONF=$TMP/conf

# vg NAME CMD...: run CMD under memcheck, its report in $TMP/vg.NAME.PID.
vg() {
	local name=$1
	shift
	"${VG[@]}" --log-file="$TMP/vg.$name.%p" "$@"
}

# clean NAME [N]: every report of NAME's processes is empty, and there are
# at least N (default 1).
clean() {
	local f n=0 dirty=
	for f in "$TMP"/vg."$1".*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		[ ! -s "$f" ] || dirty="$dirty $f"
	done
	if [ -n "$dirty" ]; then
		bad "$1: memcheck clean" "see below"
		for f in $dirty; do sed 's/^/    /' "$f"; done
	elif [ "$n" -lt "${2:-1}" ]; then
		bad "$1: memcheck clean" "$n reports, want ${2:-1}: did it run under valgrind?"
	else
		ok "$1: memcheck clean ($n process$([ "$n" = 1 ] || echo es))"
	fi
}

# ---- the programs that start, do one thing and exit ----

mkdir -p "$CONF"
st=0
vg genprofile "$GENPROFILE" -C "$CONF" alice "$KPORT" >/dev/null || st=$?
expect "genprofile exits 0" 0 "$st"
clean genprofile
printf '[main]\ndelay = 2\nlog_source = /dev/kmsg\nuser = nobody\n' \
    >"$CONF/config"

st=0
vg check "$DAEMON" -C "$CONF" --check >"$TMP/check.out" || st=$?
expect "--check exits 0" 0 "$st"
check "--check says the configuration is good" grep -qx \
    'configuration OK' "$TMP/check.out"
clean check

mkdir -p "$HOME_C/.knockknock"
chmod 0700 "$HOME_C/.knockknock"
cp -rp "$CONF/profiles/alice" "$HOME_C/.knockknock/$SRV_ADDR"
st=0
HOME=$HOME_C vg dryrun "$KNOCKKNOCK" -n -p "$PORT" "$SRV_ADDR" \
    >"$TMP/dry.out" || st=$?
expect "the client's dry run exits 0" 0 "$st"
check "the dry run prints the knock's fields" grep -qE \
    '^ip_id=[0-9]+ tcp_seq=[0-9]+ tcp_ack=[0-9]+ tcp_window=[0-9]+$' \
    "$TMP/dry.out"
clean dryrun

# Without the privilege to open a raw socket: the error path of the start.
# nobody writes its report into a directory of its own.
install -d -o nobody "$TMP/nobody"
st=0
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    "${VG[@]}" --log-file="$TMP/nobody/vg.noraw.%p" "$KNOCKKNOCK" \
    -p "$PORT" "$SRV_ADDR" 2>"$TMP/noraw.err" || st=$?
mv "$TMP"/nobody/vg.noraw.* "$TMP/" 2>/dev/null || true
expect "the client without CAP_NET_RAW exits 1" 1 "$st"
check "...saying why" grep -q 'cannot open a raw socket: Operation not permitted' \
    "$TMP/noraw.err"
clean noraw

# The kernel's real records, and one knock made from the dry run's fields.
read -r id seq ack win < <(sed -E 's/[a-z_]+=//g' "$TMP/dry.out")
{
	cat tests/vectors/kernlog-samples.txt
	echo "2026-11-24T10:00:00.000000+00:00 server kernel: [  100.000000]" \
	    "knock: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00" \
	    "SRC=$CLI_ADDR DST=$SRV_ADDR LEN=40 TOS=0x00 PREC=0x00 TTL=64" \
	    "ID=$id PROTO=TCP SPT=40926 DPT=$KPORT SEQ=$seq ACK=$ack" \
	    "WINDOW=$win RES=0x00 SYN URGP=0"
} >"$TMP/kern.log"
st=0
vg scan "$DAEMON" -C "$CONF" --scan "$TMP/kern.log" >"$TMP/scan.out" || st=$?
expect "--scan exits 0" 0 "$st"
check "--scan found the one knock among the kernel's records" grep -qE \
    '^lines=[0-9]+ knocks=1$' "$TMP/scan.out"
clean scan

# ---- a live daemon, for each firewall ----

# The daemon under valgrind, started by lib.sh's start_daemon: ip netns
# exec runs this script, which execs valgrind, which runs the daemon, all
# as one PID; its fork (the watcher) reports to a file of its own.
cat >"$TMP/vg-daemon" <<EOF
#!/bin/sh
exec ${VG[*]} --log-file="$TMP/vg.daemon-\$KK_FW.%p" "$(realpath "$DAEMON")" "\$@"
EOF
chmod 0755 "$TMP/vg-daemon"
DAEMON_REAL=$DAEMON
DAEMON=$TMP/vg-daemon
READY_S=120

all_gone() {
	local p
	for p; do ! kill -0 "$p" 2>/dev/null || return 1; done
}
# opened_count [ADDR]: the daemon's 'opened' lines for ADDR (the client's
# IPv4 address); opened_more_than N [ADDR]: more than N of them.
opened_count() { grep -c "opened tcp/$PORT for ${1:-$CLI_ADDR} " "$TMP/daemon.err" || true; }
opened_more_than() { [ "$(opened_count "${2:-$CLI_ADDR}")" -gt "$1" ]; }

topology_up
topology_v6
listen_echo "$PORT"
make_conf "$TMP/wrong" nftables kmsg "$TMP/whome" mallory "$KPORT"
for fw in nftables iptables; do
	dir=$TMP/srv-$fw
	rm -rf "$HOME_C/.knockknock/$SRV_ADDR"	# make_conf copies it anew
	make_conf "$dir" "$fw" kmsg "$HOME_C" alice "$KPORT"
	"$DAEMON_REAL" -C "$dir" --print-firewall "$fw" >"$TMP/firewall"
	srv nft flush ruleset
	if [ "$fw" = nftables ]; then
		srv nft -f "$TMP/firewall"
	else
		srv sh "$TMP/firewall"
	fi
	export KK_FW=$fw
	start_daemon "$dir"
	n=$(opened_count)
	expect "$fw: closed before the knock" no \
	    "$(can_connect "$SRV_ADDR" "$PORT" && echo yes || echo no)"

	# A knock made with the wrong keys, and a bogus one: nothing opens.
	cli env HOME="$TMP/whome" "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR"
	cli hping3 -q -S -c 1 -p "$KPORT" -N 4660 -M 305419896 -L 2596069104 \
	    -w 4321 "$SRV_ADDR" >/dev/null 2>&1 || true	# no answer: exit 1
	st=0
	cli env HOME="$HOME_C" "${VG[@]}" --log-file="$TMP/vg.client-$fw.%p" \
	    "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR" || st=$?
	expect "$fw: the client knocks (exit 0)" 0 "$st"
	check "$fw: the knock opens the port" wait_for 30 can_connect \
	    "$SRV_ADDR" "$PORT"
	# The helper logs after the firewall change: the line may lag.
	wait_for 30 opened_more_than "$n" || true
	expect "$fw: one 'opened' line, for the client's knock alone" 1 \
	    $(($(opened_count) - n))
	expect "$fw: a second connection is refused" no \
	    "$(can_connect "$SRV_ADDR" "$PORT" && echo yes || echo no)"

	# The same over IPv6, with the same profile (a link: one counter).
	ln -sfn "$SRV_ADDR" "$HOME_C/.knockknock/$SRV_ADDR6"
	n=$(opened_count "$CLI_ADDR6")
	st=0
	cli env HOME="$HOME_C" "${VG[@]}" --log-file="$TMP/vg.client6-$fw.%p" \
	    "$KNOCKKNOCK" -6 -p "$PORT" "$SRV_ADDR6" || st=$?
	expect "$fw: the client knocks over IPv6 (exit 0)" 0 "$st"
	check "$fw: the IPv6 knock opens the port" wait_for 30 can_connect \
	    "$SRV_ADDR6" "$PORT"
	wait_for 30 opened_more_than "$n" "$CLI_ADDR6" || true
	expect "$fw: one 'opened' line for the IPv6 knock" 1 \
	    $(($(opened_count "$CLI_ADDR6") - n))

	# knockknock -c: knock, connect and relay, to the echoing listener.
	printf 'relayed %s\n' "$rnd" >"$TMP/relay.in"
	st=0
	cli timeout 120 env HOME="$HOME_C" "${VG[@]}" \
	    --log-file="$TMP/vg.clientc-$fw.%p" "$KNOCKKNOCK" -c -w 60 \
	    -p "$PORT" "$SRV_ADDR" <"$TMP/relay.in" >"$TMP/relay.out" || st=$?
	expect "$fw: knockknock -c exits 0" 0 "$st"
	check "$fw: ...and what it sent came back" cmp -s "$TMP/relay.in" \
	    "$TMP/relay.out"

	# Its reports are written as each process exits: wait for the
	# watcher too, which leaves after the helper.
	pids="$DAEMON_PID $(pgrep -P "$DAEMON_PID" | tr '\n' ' ')"
	kill "$DAEMON_PID"
	check "$fw: the daemon stops on SIGTERM" wait_for 60 all_gone $pids
	clean "daemon-$fw" 2		# the helper and the watcher
	clean "client-$fw"
	clean "client6-$fw"
	clean "clientc-$fw"
done

summary valgrind
