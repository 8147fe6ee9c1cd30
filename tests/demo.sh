#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# knockknock, live: one knock opens one port, once, for a few seconds.
#
#   sh tests/demo.sh                    (as root, after `make`; or `make demo`)
#   FIREWALL=iptables sh tests/demo.sh  (the iptables backend)
#
# Two "hosts" on this machine, network namespaces joined by a veth pair:
#
#   client namespace                      server namespace
#   HOME with ~/.knockknock/SERVER/       the --print-firewall ruleset
#   knockknock -p 22 SERVER   ---veth---  knockknock-daemon -f, listener on tcp/22
#
# Everything runs for real: the client sends its SYN, the server's kernel
# logs it, the daemon reads /dev/kmsg, verifies the knock and opens tcp/22
# in the server namespace's firewall.  The root namespace's firewall is
# never touched.  The script removes what it made (processes, namespaces,
# temporary files) when it ends, also on failure and on Ctrl-C.  It sets
# net.netfilter.nf_log_all_netns=1, without which the kernel drops LOG
# records from inside a namespace, and puts back the value it found when it
# ends.  Exit status: 0 when every step passed.
set -u
cd "$(dirname "$0")/.." || exit 1

FIREWALL=${FIREWALL:-nftables}	# or iptables
PORT=22				# the protected port; a listener stands behind it
KNOCK_PORT=666			# the profile's knock port
DELAY=3				# seconds a grant stays usable (DIR/config)
PROFILE=demo

KNOCKKNOCK=$PWD/bin/knockknock
DAEMON=$PWD/bin/knockknock-daemon
GENPROFILE=$PWD/bin/knockknock-genprofile

# Unique names for this run, and a random private /24 (10.64.x.0 to 10.191.x.0).
NS_S=kkdemo-s-$$ NS_C=kkdemo-c-$$
VETH=kkdemo$$
r1=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ') r2=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
NET=10.$((64 + r1 % 128)).$r2
SRV_ADDR=$NET.1 CLI_ADDR=$NET.2

pass=0 fail=0
daemon_pid="" listener_pid="" TMP="" made_ns=""

# ---- small helpers ----

ok()  { pass=$((pass + 1)); echo "✔ $*"; }
bad() { fail=$((fail + 1)); echo "✘ $*"; }
die() { bad "$*"; exit 1; }	# a set-up step failed: nothing to show

srv() { ip netns exec "$NS_S" "$@"; }
cli() { ip netns exec "$NS_C" "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS CMD...: run CMD every 20 ms until it succeeds (status 0)
# or SECONDS have passed (status 1).
wait_until() {
	_end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$_end" ] || return 1
		sleep 0.02
	done
}

# stop PID: SIGTERM, 3 s to exit, then SIGKILL.
stop() {
	kill "$1" 2>/dev/null || return 0
	wait_until 3 gone "$1" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

cleanup() {
	trap - EXIT INT TERM
	# The daemon's parent is the helper; on SIGTERM it withdraws its
	# grants and the watcher follows it out.
	for pid in $daemon_pid $listener_pid; do
		stop "$pid"
	done
	for ns in $made_ns; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
			wait_until 3 gone "$pid"
		done
		ip netns del "$ns" 2>/dev/null
	done
	all_netns_off
	[ -n "$TMP" ] && rm -rf "$TMP"
}
. tests/allnetns.sh
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT
trap 'exit 143' TERM

# ---- preconditions ----

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)"; exit 1; }
for p in "$KNOCKKNOCK" "$DAEMON" "$GENPROFILE"; do
	[ -x "$p" ] || { echo "demo: $p is missing: run make first"; exit 1; }
done
case $FIREWALL in
nftables|iptables) ;;
*) echo "demo: FIREWALL must be nftables or iptables"; exit 1 ;;
esac
fwcmd=nft; [ "$FIREWALL" = iptables ] && fwcmd=iptables
for c in ip bash python3 socat ss timeout "$fwcmd"; do
	command -v "$c" >/dev/null || { echo "demo: needs $c (sh .ci/deps.sh installs it)"; exit 1; }
done

TMP=$(mktemp -d /tmp/kk-demo.XXXXXX) || exit 1
DIR=$TMP/etc			# the server's /etc/knockknock.d
CHOME=$TMP/home			# the client user's HOME

# probe.py: run the client and time the connect that follows, in one
# process, so that the time measures the knock and not Python's start.
cat >"$TMP/probe.py" <<'EOF'
# probe.py HOST PORT RETRY CMD...: run CMD, then connect to HOST:PORT,
#   retrying every millisecond if RETRY is 1, until a connection is accepted
#   (3 s at most).  Print CMD's output, then "STATUS MS", the ms from just
#   before CMD ran to the end of the last connect ("-" if none was accepted).
import socket, subprocess, sys, time

def connect(host, port):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((host, port))
        return "accepted"
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "timeout"
    finally:
        s.close()

host, port = sys.argv[1], int(sys.argv[2])
retry, cmd = sys.argv[3] == "1", sys.argv[4:]
t0 = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
deadline = t0 + 3
while True:
    r = connect(host, port)
    if r == "accepted" or not retry or time.monotonic() > deadline:
        break
    time.sleep(0.001)
ms = (time.monotonic() - t0) * 1000
sys.stdout.write(p.stdout.decode(errors="replace"))
print(p.returncode, "%.1f" % ms if r == "accepted" or not retry else "-")
EOF

# port_state: one connection to the protected port, from the client:
# prints accepted, refused or timeout.
port_state() {
	if cli timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$SRV_ADDR" "$PORT" \
	    2>"$TMP/connect.err"; then
		echo accepted
	elif grep -q refused "$TMP/connect.err"; then
		echo refused
	else
		echo timeout
	fi
}
opened_count() { grep -c ' opened ' "$TMP/daemon.err"; }
opened_more_than() { [ "$(opened_count)" -gt "$1" ]; }
ready() { grep -q 'ready:' "$TMP/daemon.err"; }
listening() { srv ss -Htln "sport = :$PORT" | grep -q .; }

# has_grant: is a grant for the client and $PORT in the server's firewall?
has_grant() {
	if [ "$FIREWALL" = nftables ]; then
		srv nft get element inet knockknock allow4 \
		    "{ $CLI_ADDR . $PORT }" >/dev/null 2>&1
	else
		srv iptables -w -S INPUT | grep -F -- "-s $CLI_ADDR/32" |
		    grep -q -F 'knockknock expires='
	fi
}
no_grant() { ! has_grant; }

# ---- set up the two hosts ----

echo "knockknock demo ($FIREWALL): server $SRV_ADDR, client $CLI_ADDR, protected port tcp/$PORT"

all_netns_on ||
    die "cannot set net.netfilter.nf_log_all_netns=1"
made_ns="$NS_S $NS_C"
ip netns add "$NS_S" && ip netns add "$NS_C" || die "cannot create the namespaces"
# Both ends of the veth pair are made inside the namespaces.
ip -n "$NS_S" link add "$VETH" type veth peer name eth0 netns "$NS_C" &&
ip -n "$NS_S" addr add "$SRV_ADDR/24" dev "$VETH" &&
ip -n "$NS_C" addr add "$CLI_ADDR/24" dev eth0 &&
ip -n "$NS_S" link set lo up && ip -n "$NS_C" link set lo up &&
ip -n "$NS_S" link set "$VETH" up && ip -n "$NS_C" link set eth0 up ||
    die "cannot wire the namespaces"

# The server's configuration: DIR/config and one profile.
mkdir -p "$DIR" && printf '[main]\ndelay = %s\nlog_source = kmsg\nfirewall = %s\n' \
    "$DELAY" "$FIREWALL" >"$DIR/config" || die "cannot write $DIR/config"
"$GENPROFILE" -C "$DIR" "$PROFILE" "$KNOCK_PORT" >/dev/null ||
    die "knockknock-genprofile failed"

# The server's firewall: exactly what --print-firewall prints.
if [ "$FIREWALL" = nftables ]; then
	"$DAEMON" -C "$DIR" --print-firewall nftables >"$TMP/firewall.nft" &&
	    srv nft -f "$TMP/firewall.nft" || die "cannot load the nftables ruleset"
else
	"$DAEMON" -C "$DIR" --print-firewall iptables >"$TMP/firewall.sh" &&
	    srv sh "$TMP/firewall.sh" || die "cannot load the iptables rules"
fi

# The daemon, in the foreground, its log on stderr.  `ip netns exec` execs
# the daemon, so $! is the daemon's PID.
ip netns exec "$NS_S" "$DAEMON" -C "$DIR" -f 2>"$TMP/daemon.err" &
daemon_pid=$!
wait_until 5 ready || { cat "$TMP/daemon.err"; die "the daemon did not get ready"; }
echo "  daemon: $(grep -m1 -o 'ready:.*' "$TMP/daemon.err")"

# Something to protect: a TCP listener on $PORT in the server namespace.
ip netns exec "$NS_S" socat -u TCP-LISTEN:"$PORT",reuseaddr,fork OPEN:/dev/null &
listener_pid=$!
wait_until 5 listening || die "the listener did not start"

# The client's copy of the profile: ~/.knockknock/SERVER_ADDR/.
mkdir -p "$CHOME" && mkdir -m 0700 "$CHOME/.knockknock" &&
cp -rp "$DIR/profiles/$PROFILE" "$CHOME/.knockknock/$SRV_ADDR" ||
    die "cannot copy the profile to the client"

# ---- the show ----

# 1. Nothing gets through before the knock.
state=$(port_state)
if [ "$state" = refused ]; then
	ok "before the knock: tcp/$PORT refused"
else
	bad "before the knock: tcp/$PORT $state (want refused)"
fi

# 2 and 3. Knock, then connect at once, retrying every millisecond; the
# time runs from just before the client starts to the accepted connect.
# The floor, measured first the same way, is what any client costs here:
# starting the program (a dry run: it reads the profile, sends nothing)
# and one connect.  What the knock adds is the difference.
floor=$(cli env HOME="$CHOME" python3 -I "$TMP/probe.py" "$SRV_ADDR" "$PORT" 0 \
    "$KNOCKKNOCK" --dry-run -p "$PORT" "$SRV_ADDR" | tail -n 1 | cut -d' ' -f2)
n=$(opened_count)
out=$(cli env HOME="$CHOME" python3 -I "$TMP/probe.py" "$SRV_ADDR" "$PORT" 1 \
    "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR")
last=$(printf '%s\n' "$out" | tail -n 1)	# "STATUS MS"
status=${last%% *} ms=${last#* }
if [ "$status" = 0 ]; then
	ok "knock: knockknock -p $PORT $SRV_ADDR"
else
	bad "knock: knockknock -p $PORT $SRV_ADDR exited with status $status"
fi
printf '%s\n' "$out" | sed '$d' | sed 's/^/      /'
wait_until 2 opened_more_than "$n" &&
    grep ' opened ' "$TMP/daemon.err" | tail -n 1 | sed 's/^knockknock-daemon: /      daemon: /'
if [ -n "$ms" ] && [ "$ms" != - ]; then
	added=$(awk "BEGIN { printf \"%.1f\", $ms - ${floor:-0} }")
	ok "after the knock: tcp/$PORT accepted one connection, $ms ms after the knock started"
	echo "      floor $floor ms (starting the client and one connect), so the knock adds $added ms"
else
	bad "after the knock: tcp/$PORT accepted no connection within 3 s"
fi

# 4. The grant was for one connection.
state=$(port_state)
if [ "$state" = refused ]; then
	ok "a second connection: tcp/$PORT refused"
else
	bad "a second connection: tcp/$PORT $state (want refused)"
fi

# 5. An unused grant lasts $DELAY seconds.
n=$(opened_count)
t0=$(now_ms)
cli env HOME="$CHOME" "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR" >/dev/null &&
    wait_until 2 opened_more_than "$n" && wait_until 2 has_grant
if ! has_grant; then
	bad "knocked again: no grant appeared in the firewall"
elif ! wait_until $((DELAY + 3)) no_grant; then
	bad "knocked again, no connection: the grant was still there after $((DELAY + 3)) s"
else
	secs=$(awk "BEGIN { printf \"%.1f\", ($(now_ms) - $t0) / 1000 }")
	state=$(port_state)
	if [ "$state" = refused ]; then
		ok "knocked again, no connection: the grant was gone after $secs s (delay $DELAY s), tcp/$PORT refused"
	else
		bad "knocked again: the grant was gone after $secs s, but tcp/$PORT $state (want refused)"
	fi
fi

echo "demo: $pass passed, $fail failed"
if [ "$fail" != 0 ]; then
	echo "--- daemon stderr"
	cat "$TMP/daemon.err"
fi
[ "$fail" = 0 ] && [ "$pass" = 5 ]
