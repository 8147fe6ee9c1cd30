#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The client end to end, with a real kernel on both sides.
#
#   client namespace kkc-PID          server namespace kks-PID
#   +----------------------------+    +----------------------------------+
#   | knockknock -p 22 10.66.0.1 |    | LOG tcp dpt 666 (--log-tcp-      |
#   | kkcPID 10.66.0.2/24        |----| sequence), prefix "kkPID: "       |
#   |        fd66::2/64          |veth| (ip6tables: prefix "kk6PID: ")   |
#   |        fe80::2/64          |    | kksPID 10.66.0.1/24, fd66::1/64, |
#   | LOG RST from port 666      |    |        fe80::1/64                |
#   +----------------------------+    +----------------------------------+
#
# The server's LOG rule writes each knock SYN to /dev/kmsg; the test reads
# the record back and checks every field against what --dry-run printed
# just before, against the known-answer vector (all-zero keys, counter 0,
# port 22) and, with the server's copy of a random-key profile, decrypts it
# independently with openssl(1).  The server's TCP stack answers the SYN
# with a RST (nothing listens on 666) only if the TCP checksum is right; the
# client's LOG rule records that RST.  The same over IPv6, where the flow
# label carries the IP ID, and the family a name with both kinds of
# address gets, with and without -4 or -6.  Also: the counter advances by
# one per knock and never on --dry-run or a refused knock; each error's
# message; an unprivileged user with and without cap_net_raw on a copy of
# the binary.
#
# Needs root.  Only the namespaces made here carry traffic.  It sets
# net.netfilter.nf_log_all_netns=1 (namespaced LOG rules reach the kernel
# log) and puts back the value it found when it ends.
set -eu
cd "$(dirname "$0")/../.."

KK=${KNOCKKNOCK:-./bin/knockknock}
if [ ! -f "$KK" ] || [ ! -x "$KK" ]; then
	echo "client: $KK is not built"
	echo "client: 0 passed, 1 failed"
	exit 1
fi
KK=$(readlink -f "$KK")
GEN=./bin/knockknock-genprofile

C=kkc-$$ S=kks-$$			# namespaces
SADDR=10.66.0.1 CADDR=10.66.0.2
SADDR6=fd66::1 CADDR6=fd66::2
# ...as the kernel's log writes them
SLOG6=fd66:0000:0000:0000:0000:0000:0000:0001
CLOG6=fd66:0000:0000:0000:0000:0000:0000:0002
DUAL=dual.test				# a name with both, in our hosts file
MIXED=mixed.test			# ...its IPv6 one after an IPv4-mapped one
LL=fe80::1%kkc$$ LLC=fe80::2		# link-local, the server's with its scope
SLL=fe80:0000:0000:0000:0000:0000:0000:0001
CLL=fe80:0000:0000:0000:0000:0000:0000:0002
KPORT=666				# knock port
rnd=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
PFX="kk$$$rnd: " RPFX="kkr$$$rnd: "	# log prefixes, unique to this run
PFX6="kk6$$$rnd: " RPFX6="kkr6$$$rnd: "
DEADLINE_S=5				# how long a record may take to appear
ZERO_KEY=AAAAAAAAAAAAAAAAAAAAAA==	# base64 of 16 zero bytes
HINT="knockknock: cannot open a raw socket: Operation not permitted; run as \
root, or as root once: setcap cap_net_raw+ep \$(command -v knockknock)"

pass=0 fail=0 finished=0
. tests/allnetns.sh
tmp=$(mktemp -d /tmp/kk-client.XXXXXX)
cleanup() {
	if [ "$finished" = 0 ]; then
		echo "client: stopped early (a setup step failed?)"
		echo "client: $pass passed, $((fail + 1)) failed"
	fi
	for ns in "$C" "$S"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	all_netns_off
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
expect_eq() { # description, got, want
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}

# Setup commands are printed, then run in their namespace; a failure stops
# the test (set -e) and the trap cleans up.
srv() { echo "[server] $*"; ip netns exec "$S" "$@"; }
cli() { echo "[client] $*"; ip netns exec "$C" "$@"; }

# kk HOME ARGS...: run the client as root in the client namespace, where
# $tmp/hosts is /etc/hosts (a mount namespace of ip netns exec's own; the
# host's nsswitch.conf must consult files for hosts, as Debian's does);
# sets $rc, $out (stdout) and $err (stderr).
kk() {
	h=$1; shift
	rc=0
	HOME=$h ip netns exec "$C" sh -c \
	    'mount --bind "$0" /etc/hosts && exec "$@"' "$tmp/hosts" \
	    "$KK" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

# kk_nobody HOME BINARY ARGS...: the same as user nobody.
kk_nobody() {
	h=$1 bin=$2; shift 2
	rc=0
	ip netns exec "$C" setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups env HOME="$h" "$bin" "$@" \
	    >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out") err=$(cat "$tmp/err")
}

counter() { tr -d '\n' <"$1/counter"; }

# make_profile DIR CIPHER_B64 MAC_B64 COUNTER KNOCK_PORT: the four files of
# DESIGN.md §4, written directly.
make_profile() {
	mkdir -p "$1"
	chmod 700 "$1"
	(
		umask 077
		printf '%s\n' "$2" >"$1/cipher.key"
		printf '%s\n' "$3" >"$1/mac.key"
		printf '%s\n' "$4" >"$1/counter"
		printf '[main]\nknock_port = %s\n' "$5" >"$1/config"
	)
}

# records PREFIX: the kernel's records carrying PREFIX, one a line.
records() {
	{ dd if=/dev/kmsg iflag=nonblock bs=16k 2>/dev/null || true; } |
	    grep -a -F ";$1" || true
}

# wait_record PREFIX N: poll until there are at least N records, then set
# $rec to the Nth.  Fails after DEADLINE_S seconds.
wait_record() {
	end=$(($(date +%s) + DEADLINE_S))
	while :; do
		rec=$(records "$1" | sed -n "$2p")
		[ -n "$rec" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# field NAME: NAME=VALUE from $rec.
field() { printf '%s\n' "$rec" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# flags: the TCP flags the record lists, between RES= and URGP=.
flags() {
	printf '%s\n' "$rec" | sed -n 's/.* RES=0x[0-9a-f]* \(.*\) URGP=.*/\1/p'
}

hexkey() { printf '%s' "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n'; }

# decrypt CIPHER_B64 MAC_B64 COUNTER ID SEQ ACK WINDOW: DESIGN.md §3 done
# with openssl(1), independently of profiles/codec.c.  Prints the port
# when the MAC matches, else "bad".
decrypt() {
	ks=$(printf '000000000000000000000000%08x' "$3" | xxd -r -p |
	    openssl enc -aes-128-ecb -nopad -K "$(hexkey "$1")" |
	    od -An -v -tx1 | tr -d ' \n' | cut -c1-24)
	wire=$(printf '%04x%08x%08x%04x' "$4" "$5" "$6" "$7")
	pt=
	for i in 1 9 17; do
		w=$(printf '%s' "$wire" | cut -c$i-$((i + 7)))
		k=$(printf '%s' "$ks" | cut -c$i-$((i + 7)))
		pt=$pt$(printf '%08x' $((0x$w ^ 0x$k)))
	done
	port=$(printf '%s' "$pt" | cut -c1-4)
	mac=$(printf '%s' "$port" | xxd -r -p |
	    openssl dgst -sha1 -mac HMAC -macopt "hexkey:$(hexkey "$2")" |
	    sed 's/.*= *//' | cut -c1-20)
	if [ "$mac" = "$(printf '%s' "$pt" | cut -c5-24)" ]; then
		echo $((0x$port))
	else
		echo bad
	fi
}

# decrypt_window SERVER_PROFILE_DIR ID SEQ ACK WINDOW: what the daemon
# does: try the server's counter and the 19 after it.  Prints "PORT
# COUNTER" for the first that verifies, else "none".
decrypt_window() {
	c=$(counter "$1") last=$(($(counter "$1") + 19))
	ck=$(cat "$1/cipher.key") mk=$(cat "$1/mac.key")
	while [ "$c" -le "$last" ]; do
		p=$(decrypt "$ck" "$mk" "$c" "$2" "$3" "$4" "$5")
		if [ "$p" != bad ]; then echo "$p $c"; return; fi
		c=$((c + 1))
	done
	echo none
}

# ---- the test's own decoder, on the known answers ----
expect_eq "decoder: vector counter 0 port 22" \
    "$(decrypt $ZERO_KEY $ZERO_KEY 0 26367 2232808612 3473567627 61342)" 22
expect_eq "decoder: vector counter 19 port 8080" \
    "$(decrypt $ZERO_KEY $ZERO_KEY 19 14112 2309650410 6168178 39247)" 8080
expect_eq "decoder: wrong counter rejected" \
    "$(decrypt $ZERO_KEY $ZERO_KEY 1 26367 2232808612 3473567627 61342)" bad

# ---- topology ----
all_netns_on
ip netns add "$C"
ip netns add "$S"
ip link add "kkc$$" netns "$C" type veth peer name "kks$$" netns "$S"
cli ip addr add "$CADDR/24" dev "kkc$$"
cli ip link set "kkc$$" up
cli ip link set lo up
srv ip addr add "$SADDR/24" dev "kks$$"
srv ip link set "kks$$" up
srv ip link set lo up
cli ip addr add "$CADDR6/64" dev "kkc$$" nodad
srv ip addr add "$SADDR6/64" dev "kks$$" nodad
# Link-local: only these two, so the client's source is known.
cli ip -6 addr flush dev "kkc$$" scope link
cli ip addr add "$LLC/64" dev "kkc$$" nodad
srv ip addr add fe80::1/64 dev "kks$$" nodad
# With IP and TCP options logged, so that a knock carrying any would show.
srv iptables -A INPUT -p tcp --dport "$KPORT" -j LOG \
    --log-prefix "$PFX" --log-tcp-sequence --log-ip-options --log-tcp-options
srv ip6tables -A INPUT -p tcp --dport "$KPORT" -j LOG \
    --log-prefix "$PFX6" --log-tcp-sequence --log-ip-options --log-tcp-options
cli iptables -A INPUT -p tcp --sport "$KPORT" --tcp-flags RST RST -j LOG \
    --log-prefix "$RPFX" --log-tcp-sequence
cli ip6tables -A INPUT -p tcp --sport "$KPORT" --tcp-flags RST RST -j LOG \
    --log-prefix "$RPFX6" --log-tcp-sequence
{
	cat /etc/hosts
	printf '%s %s\n' "$SADDR" "$DUAL" "$SADDR6" "$DUAL" \
	    "::ffff:$SADDR" "$MIXED" "$SADDR6" "$MIXED"
} >"$tmp/hosts"
# A knock port the client may not send to: a failed send, after the save.
cli iptables -A OUTPUT -p tcp --dport 667 -j DROP

# ---- profiles ----
home=$tmp/home prof=$home/.knockknock/$SADDR
mkdir -m 700 "$home" "$home/.knockknock"
rhome=$tmp/rhome rprof=$tmp/rhome/.knockknock/$SADDR
mkdir -m 700 "$rhome" "$rhome/.knockknock"
if [ -x "$GEN" ]; then
	"$GEN" -C "$tmp/server" random $KPORT
else
	make_profile "$tmp/server/profiles/random" \
	    "$(head -c 16 /dev/urandom | base64)" \
	    "$(head -c 16 /dev/urandom | base64)" 0 $KPORT
fi
cp -a "$tmp/server/profiles/random" "$rprof"

# Written directly (genprofile would refuse a second profile on port 666).
make_profile "$prof" $ZERO_KEY $ZERO_KEY 0 $KPORT
cp -a "$prof" "$tmp/server/profiles/vector"

knocks=0 knocks6=0	# knock records expected so far, IPv4 and IPv6

# knock_and_check DESC HOME PROFILE SERVER_COPY PORT [RUNNER BINARY]:
# --dry-run, then the knock; checks the output, the counter and the record.
# $FAM (4 or 6) is the family the knock must take; HOST is $SADDR or
# $SADDR6 to match, or $KHOST if set; $OPTS are more options for the
# client.  For a link-local knock, $KADDR is the address the client names
# and $KWANT the record's SRC and DST.  Set them before each call.
FAM=4 KHOST= OPTS= KADDR= KWANT=
knock_and_check() {
	d=$1 h=$2 p=$3 sp=$4 port=$5 runner=${6:-kk} bin=${7:-}
	host=${KHOST:-$SADDR}
	[ -n "$KHOST" ] || [ "$FAM" = 4 ] || host=$SADDR6
	before=$(counter "$p")
	# shellcheck disable=SC2086 # OPTS: words
	$runner "$h" $bin $OPTS -n -p "$port" "$host"
	expect_eq "$d: --dry-run exits 0" "$rc" 0
	dry=$out
	expect_eq "$d: --dry-run leaves the counter" "$(counter "$p")" "$before"
	# shellcheck disable=SC2086
	$runner "$h" $bin $OPTS -p "$port" "$host"
	expect_eq "$d: knock exits 0" "$rc${err:+ ($err)}" 0
	if [ "$FAM" = 6 ]; then
		addr=${KADDR:-$SADDR6} pfx=$PFX6 rpfx=$RPFX6
		knocks6=$((knocks6 + 1)) n=$((knocks6))
		want="${KWANT:-$CLOG6 $SLOG6} TCP $KPORT"
	else
		addr=$SADDR pfx=$PFX rpfx=$RPFX knocks=$((knocks + 1))
		n=$knocks want="$CADDR $SADDR TCP $KPORT"
	fi
	expect_eq "$d: knock output" "$out" \
	    "Knock sent to $host ($addr) port $KPORT, asking for tcp/$port."
	expect_eq "$d: counter advanced by one" "$(counter "$p")" \
	    $((before + 1))
	if ! wait_record "$pfx" "$n"; then
		bad "$d: no kernel record within ${DEADLINE_S}s"
		return 0
	fi
	seq=$(field SEQ) ack=$(field ACK) win=$(field WINDOW)
	if [ "$FAM" = 6 ]; then
		# IPv6 has no IP ID: the flow label carries it.
		id=$(field FLOWLBL)
		expect_eq "$d: hop limit, traffic class" \
		    "$(field HOPLIMIT) $(field TC)" "64 0"
		expect_eq "$d: LEN 60 (no options, no payload)" \
		    "$(field LEN)" 60
		expect_eq "$d: no extension headers, no TCP options" \
		    "$(printf '%s' "$rec" | grep -c -e ' OPT ' || true)" 0
	else
		id=$(field ID)
		expect_eq "$d: TTL" "$(field TTL)" 64
		expect_eq "$d: LEN 40 (no options, no payload)" \
		    "$(field LEN)" 40
		expect_eq "$d: no DF, no IP options" \
		    "$(printf '%s' "$rec" | grep -c -e ' DF ' -e ' OPT ' || true)" 0
	fi
	expect_eq "$d: record fields = --dry-run" \
	    "ip_id=$id tcp_seq=$seq tcp_ack=$ack tcp_window=$win" "$dry"
	expect_eq "$d: SYN only" "$(flags)" SYN
	expect_eq "$d: addresses and port" \
	    "$(field SRC) $(field DST) $(field PROTO) $(field DPT)" "$want"
	spt=$(field SPT)
	if [ "$spt" -ge 1024 ] && [ "$spt" -le 65535 ]; then
		ok "$d: source port $spt in 1024..65535"
	else
		bad "$d: source port $spt"
	fi
	expect_eq "$d: server's copy decrypts it" \
	    "$(decrypt_window "$sp" "$id" "$seq" "$ack" "$win")" \
	    "$port $before"
	if wait_record "$rpfx" "$n"; then
		expect_eq "$d: server's TCP accepted it (RST acks SEQ+1)" \
		    "$(field ACK)" $(((seq + 1) % 4294967296))
	else
		bad "$d: no RST from the server (bad TCP checksum?)"
	fi
}

# ---- knocks as root ----
kk "$home" -n -p 22 "$SADDR"
expect_eq "known answer: --dry-run at counter 0" "$out" \
    "ip_id=26367 tcp_seq=2232808612 tcp_ack=3473567627 tcp_window=61342"
knock_and_check "vector profile, counter 0" "$home" "$prof" \
    "$tmp/server/profiles/vector" 22
expect_eq "known answer: the record" "$id $seq $ack $win" \
    "26367 2232808612 3473567627 61342"
knock_and_check "vector profile, counter 1" "$home" "$prof" \
    "$tmp/server/profiles/vector" 22
expect_eq "known answer: the record at counter 1" "$id $seq $ack $win" \
    "22772 839901520 3545289144 2192"
knock_and_check "random profile" "$rhome" "$rprof" \
    "$tmp/server/profiles/random" 8080

# A profile directory reached through a link, as 0.5 allowed: the counter
# is replaced in the directory it was read from, and the link stays.
lhome=$tmp/lhome
mkdir -m 700 "$lhome" "$lhome/.knockknock"
ln -s "$rprof" "$lhome/.knockknock/$SADDR"
knock_and_check "profile directory behind a link" "$lhome" "$rprof" \
    "$tmp/server/profiles/random" 8080
expect_eq "profile directory behind a link: still a link" \
    "$(test -L "$lhome/.knockknock/$SADDR" && echo link)" link

# ---- IPv6: the flow label carries the IP ID ----
make_profile "$home/.knockknock/$SADDR6" $ZERO_KEY $ZERO_KEY 0 $KPORT
FAM=6
knock_and_check "IPv6, vector profile, counter 0" "$home" \
    "$home/.knockknock/$SADDR6" "$tmp/server/profiles/vector" 22
expect_eq "IPv6 known answer: the record" "$id $seq $ack $win" \
    "26367 2232808612 3473567627 61342"

# Link-local: the interface is part of HOST, and of the profile's name.
cp -a "$rprof" "$rhome/.knockknock/$LL"
KHOST=$LL KADDR=$LL KWANT="$CLL $SLL"
knock_and_check "IPv6 link-local" "$rhome" "$rhome/.knockknock/$LL" \
    "$tmp/server/profiles/random" 8080
KADDR= KWANT=

# A name with an IPv4 and an IPv6 address: IPv4 unless -6 says otherwise.
cp -a "$rprof" "$rhome/.knockknock/$DUAL"
FAM=4 KHOST=$DUAL
knock_and_check "a name with both: IPv4 by default" "$rhome" \
    "$rhome/.knockknock/$DUAL" "$tmp/server/profiles/random" 8080
FAM=6 OPTS=-6
knock_and_check "a name with both, -6" "$rhome" \
    "$rhome/.knockknock/$DUAL" "$tmp/server/profiles/random" 8080
FAM=4 OPTS=--ipv4
knock_and_check "a name with both, --ipv4" "$rhome" \
    "$rhome/.knockknock/$DUAL" "$tmp/server/profiles/random" 8080
# -6 with a name that has an IPv4-mapped address too.  (The resolver's
# order is its own; test_target.c tries both.)
cp -a "$rprof" "$rhome/.knockknock/$MIXED"
FAM=6 KHOST=$MIXED OPTS=-6
knock_and_check "-6, a name with an IPv4-mapped address as well" "$rhome" \
    "$rhome/.knockknock/$MIXED" "$tmp/server/profiles/random" 8080
FAM=4 KHOST= OPTS=

# ---- errors as root: one line, exit 1, the counter untouched ----
# expect_error DESC WANT_RC WANT_STDERR COUNTER_DIR (or "")
expect_error() {
	expect_eq "$1: exit status" "$rc" "$2"
	expect_eq "$1: message" "$err" "$3"
	expect_eq "$1: nothing on stdout" "$out" ""
	if [ -n "$4" ]; then
		expect_eq "$1: counter untouched" "$(counter "$4")" "$cbefore"
	fi
}
cbefore=$(counter "$prof")

kk "$home" -p 22 10.66.0.9
expect_error "no profile" 1 "knockknock: no profile for 10.66.0.9 in $home/.knockknock/10.66.0.9 (copy it from the server's /etc/knockknock.d/profiles/NAME/)" "$prof"

# A link to a profile that someone else owns is refused: planted in a
# user's ~/.knockknock it could lend root's profile for another host to a
# root client.  A profile directory others may write to is refused too.
ohome=$tmp/ohome
mkdir -m 700 "$ohome" "$ohome/.knockknock"
ln -s "$rprof" "$ohome/.knockknock/$SADDR"
chown -h nobody "$ohome/.knockknock/$SADDR"
cbefore=$(counter "$rprof")
kk "$ohome" -p 8080 "$SADDR"
expect_error "a link owned by another user" 1 "knockknock: $ohome/.knockknock/$SADDR: a link owned by uid $(id -u nobody), not by the user reading it (uid 0)" "$rprof"
chmod 770 "$rprof"
kk "$rhome" -p 8080 "$SADDR"
expect_error "a profile directory others may write" 1 "knockknock: $rprof: writable by group or others (mode 770); run chmod 700 on it" "$rprof"
chmod 700 "$rprof"
cbefore=$(counter "$prof")

for p in 0 65536 22x -1 " 22" ""; do
	kk "$home" -p "$p" "$SADDR"
	case $p in
	0|65536) why="port is not in 1..65535" ;;
	"") why="empty port" ;;
	*) why="port is not a number" ;;
	esac
	expect_error "port '$p'" 1 "knockknock: port \"$p\": $why" "$prof"
done

usage="usage: knockknock [-4|-6] [-n|--dry-run] -p PORT HOST
       knockknock [-4|-6] -c [-w SECONDS] -p PORT HOST
       knockknock -h|--help | --version"
kk "$home" "$SADDR"
expect_error "missing -p" 2 "knockknock: missing -p PORT
$usage" "$prof"
kk "$home" -p 22
expect_error "missing HOST" 2 "knockknock: missing HOST
$usage" "$prof"
kk "$home" -p 22 "$SADDR" extra
expect_error "two HOSTs" 2 "knockknock: more than one HOST
$usage" "$prof"
kk "$home" -4 -6 -p 22 "$SADDR"
expect_error "-4 with -6" 2 "knockknock: -4 and -6 together
$usage" "$prof"
kk "$home" --version
expect_eq "--version" "$rc:$out" "0:knockknock 0.1.0"
kk "$home" --help
expect_eq "--help exits 0" "$rc" 0
expect_eq "--help documents the exit status" \
    "$(printf '%s\n' "$out" | grep -c '2 usage error')" 1

# A host that does not resolve, or has no address of the family asked
# for: the profile is loaded, then resolution fails, and the counter stays.
cp -a "$prof" "$home/.knockknock/nosuch.invalid"
kk "$home" -p 22 nosuch.invalid
expect_eq "unknown host: exit status" "$rc" 1
case $err in
"knockknock: nosuch.invalid: "?*) ok "unknown host: message ($err)" ;;
*) bad "unknown host: message '$err'" ;;
esac
expect_eq "unknown host: counter untouched" \
    "$(counter "$home/.knockknock/nosuch.invalid")" "$cbefore"
cbefore=$(counter "$home/.knockknock/$SADDR6")
kk "$home" -4 -p 22 "$SADDR6"
expect_error "-4, an IPv6 address" 1 "knockknock: $SADDR6: no IPv4 address" \
    "$home/.knockknock/$SADDR6"
cbefore=$(counter "$prof")
kk "$home" -6 -p 22 "$SADDR"
expect_error "-6, an IPv4 address" 1 "knockknock: $SADDR: no IPv6 address" \
    "$prof"
# Addresses a knock could open nothing from: refused before anything is
# saved or sent.  (An IPv4-mapped one the server would read as IPv6.)
for x in "::ffff:$SADDR" :: ff02::1%kkc$$ fe80::1 0.0.0.0 224.0.0.1 \
    255.255.255.255; do
	cp -a "$prof" "$home/.knockknock/$x"
	case $x in
	::ffff:*) why="an IPv4-mapped IPv6 address; knock its IPv4 address instead" ;;
	::|0.0.0.0) why="the unspecified address" ;;
	ff02::*|224.*) why="a multicast address" ;;
	fe80::1) why="a link-local address needs its interface, as in fe80::1%eth0" ;;
	255.*) why="the broadcast address" ;;
	esac
	kk "$home" -p 22 "$x"
	expect_error "HOST $x" 1 "knockknock: $x: $why" "$home/.knockknock/$x"
done

# Exhausted: 2^32 is past the last counter, with or without --dry-run.
xhome=$tmp/xhome
mkdir -m 700 "$xhome" "$xhome/.knockknock"
make_profile "$xhome/.knockknock/$SADDR" $ZERO_KEY $ZERO_KEY 4294967296 $KPORT
kk "$xhome" -p 22 "$SADDR"
expect_eq "exhausted: exit status" "$rc" 1
expect_eq "exhausted: message" "$err" "knockknock: $xhome/.knockknock/$SADDR: profile exhausted, generate a new one with knockknock-genprofile"
kk "$xhome" -n -p 22 "$SADDR"
expect_eq "exhausted --dry-run: exit status" "$rc" 1
expect_eq "exhausted: counter untouched" \
    "$(counter "$xhome/.knockknock/$SADDR")" 4294967296

# A bad profile: profile_load's own message, one line.
printf 'not base64\n' >"$xhome/.knockknock/$SADDR/mac.key"
printf '0\n' >"$xhome/.knockknock/$SADDR/counter"
kk "$xhome" -p 22 "$SADDR"
expect_eq "bad profile: exit status" "$rc" 1
case $err in
"knockknock: $xhome/.knockknock/$SADDR/mac.key: "*)
	ok "bad profile: message ($err)" ;;
*) bad "bad profile: message '$err'" ;;
esac
expect_eq "bad profile: one line" "$(printf '%s\n' "$err" | wc -l)" 1

# A send that fails after the counter was saved (OUTPUT drops port 667).
fhome=$tmp/fhome
mkdir -m 700 "$fhome" "$fhome/.knockknock"
make_profile "$fhome/.knockknock/$SADDR" $ZERO_KEY $ZERO_KEY 5 667
kk "$fhome" -p 22 "$SADDR"
expect_eq "send failure: exit status" "$rc" 1
case $err in
"knockknock: cannot send the knock to $SADDR ($SADDR) port 667: "*"; the counter was already advanced, which is harmless: the server's window absorbs it")
	ok "send failure: message ($err)" ;;
*) bad "send failure: message '$err'" ;;
esac
expect_eq "send failure: counter was saved first" \
    "$(counter "$fhome/.knockknock/$SADDR")" 6

# ---- as an unprivileged user ----
chmod 711 "$tmp"
mkdir -m 755 "$tmp/bin"
nbin=$tmp/bin/knockknock
cp "$KK" "$nbin"
chmod 755 "$nbin"
nhome=$tmp/nobody nprof=$tmp/nobody/.knockknock/$SADDR
mkdir -m 700 "$nhome" "$nhome/.knockknock"
cp -a "$prof" "$nprof"
chown -R nobody:nogroup "$nhome"
cbefore=$(counter "$nprof")

kk_nobody "$nhome" "$nbin" -p 22 "$SADDR"
expect_error "nobody without cap_net_raw" 1 "$HINT" "$nprof"
kk_nobody "$nhome" "$nbin" -6 -p 22 "$SADDR"
expect_error "nobody without cap_net_raw, -6" 1 "knockknock: cannot open a raw IPv6 socket: Operation not permitted; run as root, or as root once: setcap cap_net_raw+ep \$(command -v knockknock)" "$nprof"
kk_nobody "$nhome" "$nbin" -n -p 22 "$SADDR"
expect_eq "nobody without cap_net_raw: --dry-run works" "$rc" 0

# HOME unset: the home in the password file, as 0.5's os.path.expanduser().
rc=0
ip netns exec "$C" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -u HOME "$nbin" -n -p 22 "$SADDR" >"$tmp/out" 2>"$tmp/err" || rc=$?
out=$(cat "$tmp/out") err=$(cat "$tmp/err")
pwhome=$(getent passwd nobody | cut -d: -f6)
expect_error "HOME unset: the password file's home" 1 "knockknock: no profile for $SADDR in $pwhome/.knockknock/$SADDR (copy it from the server's /etc/knockknock.d/profiles/NAME/)" ""

setcap cap_net_raw+ep "$nbin"
knock_and_check "nobody with cap_net_raw" "$nhome" "$nprof" \
    "$tmp/server/profiles/vector" 22 kk_nobody "$nbin"
cp -a "$nprof" "$nhome/.knockknock/$SADDR6"
FAM=6
knock_and_check "nobody with cap_net_raw, IPv6" "$nhome" \
    "$nhome/.knockknock/$SADDR6" "$tmp/server/profiles/vector" 22 \
    kk_nobody "$nbin"
FAM=4

# Every knock left exactly one record, and nothing else reached the port.
expect_eq "one record per knock, no strays" \
    "$(records "$PFX" | wc -l) $(records "$PFX6" | wc -l)" "$knocks $knocks6"

finished=1
echo "client: $pass passed, $fail failed"
[ "$fail" = 0 ]
