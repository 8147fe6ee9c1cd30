#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Reliability and security of knockknock-daemon (issue 7, items 2-6), with
# the real programs and the real kernel; topology and wrappers: lib.sh.
#
#   badfiles  every malformed config and profile: exit 1, one exact line
#             naming the file, for --check and for a live start; no file
#             changed (a checksum of the whole tree before and after).
#   stealth   an nmap SYN scan shows the knock port, a protected port and
#             an unused port alike (closed, reset), daemon running or not;
#             the server sends nothing but the kernel's resets and the
#             granted connection (an nft counter on output), and the daemon
#             holds no network socket.
#   crash     the real client knocks in a loop while the daemon (helper and
#             watcher) is killed with SIGKILL at random moments, KILLS times,
#             and restarted.  The counter file is checked after every kill
#             (one canonical decimal line, never smaller); each grant used a
#             counter of its own; then every knock sent is replayed with
#             hping3 and none opens anything.
#   rotation  knocks from two clients while kern.log is rotated ROTATIONS
#             times, by rename (logrotate's create + HUP, or the writer
#             creating the file) and by copy-truncate; every knock is
#             honoured exactly once.
#   flood     hping3 --flood --rand-source at the knock port for
#             FLOOD_SECONDS; a real knock in the middle is honoured within
#             1 s (or, if the kernel overwrote its record, the daemon says
#             so and the re-sent knock is); the daemon's memory stays
#             bounded; no reply leaves the server namespace.
#
#   PARTS="badfiles stealth crash rotation flood" KILLS=20 ROTATIONS=20
#   FLOOD_SECONDS=5 FLOOD_ROUNDS=1 bash tests/integration/reliability.sh
#
# tests/soak/ runs the long variants.  Every part cleans up after itself;
# the EXIT trap removes the namespaces and every process, also on failure.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -Eeu -o pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

PARTS=${PARTS:-badfiles stealth crash rotation flood}
KILLS=${KILLS:-20}
ROTATIONS=${ROTATIONS:-20}
FLOOD_SECONDS=${FLOOD_SECONDS:-5}
FLOOD_ROUNDS=${FLOOD_ROUNDS:-1}
LABEL=${LABEL:-reliability}
PORT=2222 UNUSED=2223 PORT2=2224	# protected, unused, sentinel ports
KBASE=$((40000 + 0x$rnd % 20000))	# knock ports KBASE+1.., one per part
MEM_GROWTH_MAX_KB=4096			# "bounded": helper + watcher, a flood

finish() {
	local rc=$? f
	if [ "${done:-0}" != 1 ]; then
		bad "the suite stopped early (status $rc)"
		summary "$LABEL" || true
	fi
	if [ "$nfail" != 0 ]; then
		for f in "$TMP"/*.err; do
			[ -s "$f" ] || continue
			echo "--- $f (last 20 lines)"
			tail -n 20 "$f"
		done
		# KEEP=DIR: keep the evidence (kern.log copies, stderr files).
		[ -z "${KEEP:-}" ] || { cp -a "$TMP" "$KEEP" && echo "kept in $KEEP"; }
	fi
	cleanup
}
trap finish EXIT
trap 'exit 1' INT TERM
trap 'echo "error: line $LINENO: $BASH_COMMAND" >&2' ERR

# ---- helpers ----

note() { echo "     $*"; }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# pid_gone PID: no such process, or a zombie.
pid_gone() {
	local s
	s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
	[ -z "$s" ] || [ "$s" = Z ]
}
# The daemon's live processes (helper and watcher) in the server namespace.
daemon_pids() {
	local p
	for p in $(ip netns pids "$NS_S"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = knockknock-daem ] &&
		    ! pid_gone "$p" && echo "$p"
	done
	return 0
}
no_daemon() { [ -z "$(daemon_pids)" ]; }
watcher_pid() { pgrep -P "$DPID"; }

# daemon_spawn DIR ERR: start the daemon in the server namespace, stderr
# appended to ERR; no wait.  Sets DPID (ip netns exec execs the daemon).
daemon_spawn() {
	ip netns exec "$NS_S" "$DAEMON" -C "$1" -f 2>>"$2" &
	DPID=$!
	PIDS+=("$DPID")
}
count_lines() {		# FIXED-STRING FILE: matching lines, 0 if no FILE
	local n
	n=$(grep -c -F -e "$1" "$2" 2>/dev/null) || true
	echo "${n:-0}"
}
ready_count() { count_lines ' ready: ' "$1"; }
ready_above() { [ "$(ready_count "$1")" -gt "$2" ]; }
# daemon_start DIR ERR: spawn, then wait for a new "ready:" line.
daemon_start() {
	local n
	n=$(ready_count "$2")
	daemon_spawn "$1" "$2"
	wait_for 10 ready_above "$2" "$n"
}
daemon_stop() {		# SIGTERM, and wait for both processes to go
	kill -TERM "$DPID" 2>/dev/null || true
	wait_for 5 no_daemon
	reap "$DPID"
}

# load_firewall DIR: the --print-firewall nftables ruleset for DIR's
# knock ports, loaded in the server namespace (replaces the input chain).
load_firewall() {
	"$DAEMON" -C "$1" --print-firewall nftables >"$TMP/firewall"
	srv nft -f "$TMP/firewall"
}
set_key() {		# DIR KEY VALUE: change one line of DIR/config
	sed -i "s|^$2 = .*|$2 = $3|" "$1/config"
	grep -q -x "$2 = $3" "$1/config"
}

knock() {		# HOME [PORT]: the real client, from the client namespace
	ip netns exec "$NS_C" env HOME="$1" "$KNOCKKNOCK" -p "${2:-$PORT}" \
	    "$SRV_ADDR" >/dev/null
}
# The watcher logs "knock from" (naming the profile) for each knock it hands
# to the helper; the helper logs "opened" only once the firewall took it.
opened() { count_lines 'knockknock-daemon: opened ' "$1"; }
opened_above() { [ "$(opened "$1")" -gt "$2" ]; }
opened_exact() {	# ERR [PORT]: exact "opened" lines
	grep -c -x -F "knockknock-daemon: opened tcp/${2:-$PORT} for $CLI_ADDR for $DELAY s" \
	    "$1" || true
}
knock_lines() { count_lines 'knockknock-daemon: knock from ' "$1"; }
knock_lines_for() {	# ERR PROFILE [PORT]: exact "knock from" lines of one profile
	grep -c -x -F "knockknock-daemon: knock from $CLI_ADDR for tcp/${3:-$PORT} (profile $2)" \
	    "$1" || true
}

# counter_value FILE: print the counter if FILE is exactly one canonical
# decimal line ("N\n", no leading zero, nothing else); fail otherwise.
counter_value() {
	local s
	s=$(cat "$1"; echo .) || return 1
	[[ $s =~ ^(0|[1-9][0-9]*)$'\n'\.$ ]] || return 1
	[ "$(stat -c %s "$1")" = $((${#BASH_REMATCH[1]} + 1)) ] || return 1
	echo "${BASH_REMATCH[1]}"
}
# counter_live FILE: the same, read while the daemon may be writing it.  A
# read that races a write that lengthens the text ("99\n" -> "100\n") may
# see the new bytes without the new size ("100"): such a read is retried
# and counted in TORN; the file at rest is what must be exact.
# Sets LIVE to the value, or to "unreadable".
counter_live() {
	local i
	for i in 1 2 3 4 5; do
		LIVE=$(counter_value "$1") && return 0
		TORN=$((TORN + 1))
		sleep_ms 10
	done
	LIVE=unreadable
	return 1
}
TORN=0
counters_equal() { [ "$(cat "$1")" = "$(cat "$2")" ]; }

# set_elements: the elements of allow4, one "ADDR . PORT" a line.
set_elements() {
	srv nft list set inet knockknock allow4 |
	    grep -o -E '[0-9]+(\.[0-9]+){3} \. [0-9]+' || true
}

rss_kb() {		# PID: VmRSS in kB
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

# ---- 6: bad files ----

# tree_sum DIR: names, types, modes, owners, sizes, mtimes and contents.
tree_sum() {
	(cd "$1" && find . -printf '%p %y %m %u:%g %s %T@\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort) |
	    sha256sum | cut -c1-16
}

newcase() {		# NAME: a fresh copy of the good DIR in $BD
	BD=$TMP/bad/$1
	cp -a "$TMP/bad/good" "$BD"
	BP=$BD/profiles/alice
}

# refused NAME WANT: both modes exit 1 with exactly WANT on stderr ("@"
# stands for the case's DIR) and leave the tree as it was.
refused() {
	local name=$1 want=${2//@/$BD} before rc out err
	before=$(tree_sum "$BD")
	rc=0
	out=$(timeout 3 "$DAEMON" -C "$BD" --check 2>"$TMP/bad.stderr") || rc=$?
	err=$(cat "$TMP/bad.stderr")
	expect "6 $name: --check" "1|knockknock-daemon: $want|" "$rc|$err|$out"
	rc=0
	timeout 3 ip netns exec "$NS_S" "$DAEMON" -C "$BD" -f \
	    >"$TMP/bad.stdout" 2>"$TMP/bad.stderr" </dev/null || rc=$?
	err=$(cat "$TMP/bad.stderr")
	expect "6 $name: live start" "1|knockknock-daemon: $want" "$rc|$err"
	expect "6 $name: no file changed" "$before" "$(tree_sum "$BD")"
}

badconf() {		# NAME CONTENT WANT: DIR/config holds CONTENT
	newcase "$1"
	printf '%b' "$2" >"$BD/config"
	refused "$1" "$3"
}

part_badfiles() {
	local g=$TMP/bad/good kp=$((KBASE + 1)) long
	mkdir -p "$TMP/bad"
	make_conf "$g" nftables kmsg "$TMP/bad-home" alice "$kp"
	newcase sanity
	check "6 the good DIR passes --check" eval \
	    '"$DAEMON" -C "$BD" --check | grep -q -x "configuration OK"'
	# nf_log_all_netns: one warning line when it is 1, none when 0, told
	# by a file bound over the sysctl in a private mount namespace (the
	# host's setting is not touched).
	local v n
	for v in 0 1; do
		echo "$v" >"$TMP/all_netns.$v"
		n=$(unshare -m sh -c 'mount --bind "$0" /proc/sys/net/netfilter/nf_log_all_netns && exec "$@"' \
		    "$TMP/all_netns.$v" "$DAEMON" -C "$BD" --check 2>&1 |
		    grep -c '^warning: net.netfilter.nf_log_all_netns is 1: the kernel logs the LOG rules of every network namespace') || true
		expect "6 nf_log_all_netns=$v: --check warns" "$v" "$n"
	done
	# In a network namespace other than the first the setting cannot be
	# read; records reach the daemon there only if it is 1: warned too.
	n=$(unshare -n "$DAEMON" -C "$BD" --check 2>&1 |
	    grep -c '^warning: this daemon runs in a network namespace other than the first, so it reads records only if net.netfilter.nf_log_all_netns is 1 there, and then the kernel logs') || true
	expect "6 in a network namespace of its own: --check warns" 1 "$n"
	# log_source = auto falls back to kern.log when /dev/kmsg cannot be
	# read, and says so: here a FIFO bound over /dev/kmsg (no seek) and a
	# tmpfs over /var/log, in a private mount namespace.
	local ad=$TMP/bad/auto-fallback
	cp -a "$TMP/bad/good" "$ad"
	sed -i 's|^log_source = .*|log_source = auto|' "$ad/config"
	mkfifo "$TMP/fifo"
	out=$(unshare -m sh -c 'mount --bind "$0" /dev/kmsg &&
	    mount -t tmpfs tmpfs /var/log && touch /var/log/kern.log &&
	    exec "$@"' "$TMP/fifo" "$DAEMON" -C "$ad" --check 2>&1 |
	    grep -e '^log source:' -e '^warning: log_source' | tr '\n' '|') || true
	expect "6 log_source auto without /dev/kmsg: kern.log, with a warning" \
	    "log source: /var/log/kern.log|warning: log_source auto: /dev/kmsg: seek to end: Illegal seek; reading /var/log/kern.log instead, where local users may be able to forge lines: set log_source = kmsg, or to the file, to choose|" \
	    "$out"
	# A knock-port record that is no knock is told, with the reason: here
	# a LOG rule without TCP sequence numbers, which would lose every knock.
	printf '%s\n' "Nov 24 10:00:00 host kernel: kk: IN=eth0 OUT= MAC= SRC=10.1.2.3 DST=10.1.2.4 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1000 DPT=$kp WINDOW=1 RES=0x00 SYN URGP=0" \
	    >"$TMP/noseq.log"
	rc=0
	out=$("$DAEMON" -C "$BD" --scan "$TMP/noseq.log" 2>"$TMP/bad.stderr") ||
	    rc=$?
	expect "6 --scan: a record without SEQ is named" \
	    "0|lines=1 knocks=0|knockknock-daemon: 1 record for a knock port was no knock (the last: SEQ missing); some lacked SEQ: does the LOG rule log TCP sequence numbers?" \
	    "$rc|$out|$(cat "$TMP/bad.stderr")"
	# A knock that verifies from an address the daemon opens nothing for
	# is listed by --scan with the reason, as the live daemon logs it.
	local id sq ak wn
	read -r id sq ak wn < <(HOME=$TMP/bad-home "$KNOCKKNOCK" -n -p 22 \
	    "$SRV_ADDR" | sed -E 's/[a-z_]+=//g')
	printf '%s\n' "Nov 24 10:00:00 host kernel: kk: IN=eth0 OUT= MAC= SRC=127.0.0.1 DST=10.1.2.4 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=$id PROTO=TCP SPT=1000 DPT=$kp SEQ=$sq ACK=$ak WINDOW=$wn RES=0x00 SYN URGP=0" \
	    >"$TMP/loopback.log"
	rc=0
	out=$("$DAEMON" -C "$BD" --scan "$TMP/loopback.log" 2>&1) || rc=$?
	expect "6 --scan: a knock from loopback verifies, and is marked refused" \
	    "0|127.0.0.1 22 alice refused: loopback address|lines=1 knocks=1" \
	    "$rc|$(echo "$out" | tr '\n' '|' | sed 's/|$//')"
	local C="[main]\n"
	local K="(expected delay, error_window, log_source, kmsg_poll_ms, kmsg_tracepoint, firewall, user or group)"
	badconf key-twice "${C}delay = 5\nfirewall = nftables\ndelay = 6\n" \
	    "@/config:4: delay: given twice"

	badconf unknown-key "${C}delay = 5\ncolour = blue\n" \
	    "@/config:3: colour: unknown key $K"
	for v in 0 3601 ten -1 ""; do
		badconf "delay=$v" "${C}delay = $v\n" \
		    "@/config:2: delay: must be a number of seconds, 1 to 3600"
	done
	for v in 0 1001 x 2.5; do
		badconf "error_window=$v" "${C}error_window = $v\n" \
		    "@/config:2: error_window: must be a number, 1 to 1000"
	done
	badconf log_source=relative "${C}log_source = var/log/kern.log\n" \
	    "@/config:2: log_source: must be auto, kmsg or an absolute path"
	badconf log_source=missing "${C}log_source = $TMP/nodir/kern.log\n" \
	    "log source: $TMP/nodir/kern.log: inotify on its directory: No such file or directory"
	badconf firewall=pf "${C}firewall = pf\n" \
	    "@/config:2: firewall: must be nftables or iptables"
	badconf user=nosuch "${C}user = kk-no-such-user\n" \
	    "@/config: user kk-no-such-user: no such user"
	badconf user=root "${C}user = root\n" \
	    "@/config: user root: is root; choose an unprivileged user"
	# A user whose primary group is root's, seen only by the daemon: a
	# private mount namespace where /etc/passwd has one more line.
	{ cat /etc/passwd; echo "kk-gid0:x:4242:0::/nonexistent:/usr/sbin/nologin"; } \
	    >"$TMP/passwd-gid0"
	printf '#!/bin/sh\nexec unshare -m sh -c '\''mount --bind "$0" /etc/passwd && exec "$@"'\'' %s %s "$@"\n' \
	    "$TMP/passwd-gid0" "$(realpath "$DAEMON")" >"$TMP/daemon-gid0"
	chmod 0755 "$TMP/daemon-gid0"
	DAEMON=$TMP/daemon-gid0 badconf user=gid0 "${C}user = kk-gid0\n" \
	    "@/config: user kk-gid0: its primary group is root's; choose an unprivileged user"
	# iptables that cannot be run: the live start says what to look at.
	newcase iptables=missing
	printf '%b' "${C}firewall = iptables\n" >"$BD/config"
	rc=0
	timeout 5 unshare -m sh -c 'mount --bind /dev/null /usr/sbin/iptables &&
	    exec ip netns exec "$0" "$1" -C "$2" -f' "$NS_S" \
	    "$(realpath "$DAEMON")" "$BD" >/dev/null 2>"$TMP/bad.stderr" \
	    </dev/null || rc=$?
	expect "6 iptables=missing: live start fails with what to look at" \
	    "1|1" "$rc|$(grep -c 'iptables: cannot list IPv4 rules; stopping: is /usr/sbin/iptables installed?$' "$TMP/bad.stderr")"
	badconf user=colon "${C}user = a:b\n" \
	    "@/config:2: user: not a valid user or group name"
	long=$(printf 'u%.0s' $(seq 64))
	badconf user=long "${C}user = $long\n" \
	    "@/config:2: user: must be a name of 1 to 63 characters"
	badconf group=nosuch "${C}group = kk-no-such-group\n" \
	    "@/config: group kk-no-such-group: no such group"
	badconf group=root "${C}group = root\n" \
	    "@/config: group root: is root's group"
	badconf no-section "delay = 5\n" "@/config:1: key outside any [section]"
	badconf other-section "[other]\ndelay = 5\n" \
	    "@/config:2: delay: in an unknown section (expected only [main])"
	long=$(printf 'x%.0s' $(seq 1100))
	badconf line-too-long "${C}# $long\n" "@/config:2: line too long"
	badconf nul-byte "${C}delay = 5\0\n" "@/config: contains a NUL byte"
	badconf too-large "${C}$(printf '#%.0s\\n' $(seq 33000))" \
	    "@/config: larger than 65536 bytes"
	newcase config-is-a-directory
	rm "$BD/config"; mkdir "$BD/config"
	refused config-is-a-directory "@/config: not a regular file"
	newcase config-is-a-symlink
	ln -sf /dev/null "$BD/config"
	refused config-is-a-symlink "@/config: Too many levels of symbolic links"
	newcase config-is-a-fifo
	rm "$BD/config"; mkfifo "$BD/config"
	refused config-is-a-fifo "@/config: not a regular file"
	# Whoever may write the configuration chooses what is read as the
	# kernel's log and which group the watcher keeps.
	newcase config-writable
	chmod 0664 "$BD/config"
	refused config-writable "@/config: writable by group or others (chmod go-w)"
	newcase config-foreign
	chown nobody "$BD/config"
	refused config-foreign "@/config: owned by uid $(id -u nobody), not by root or the user reading it"

	local f
	for f in cipher.key mac.key counter config; do
		newcase "missing-$f"
		rm "$BP/$f"
		refused "missing-$f" "@/profiles/alice/$f: No such file or directory"
	done
	newcase bad-base64
	echo '!!!!AAAAAAAAAAAAAAAAAA==' >"$BP/cipher.key"
	refused bad-base64 "@/profiles/alice/cipher.key: bad base64"
	newcase bad-base64-tail		# 'B' leaves bits beyond the 16th byte
	echo 'AAAAAAAAAAAAAAAAAAAAAB==' >"$BP/mac.key"
	refused bad-base64-tail "@/profiles/alice/mac.key: bad base64"
	newcase short-key		# 15 bytes
	echo 'AAAAAAAAAAAAAAAAAAAA' >"$BP/mac.key"
	refused short-key "@/profiles/alice/mac.key: not the base64 of a 16-byte key (24 characters ending in '==')"
	for f in cipher.key mac.key; do
		newcase "$f-mode-0644"
		chmod 0644 "$BP/$f"
		refused "$f-mode-0644" "@/profiles/alice/$f: readable by group or others (mode 644); run chmod 600 on it"
	done
	newcase counter-not-a-number
	echo 12a >"$BP/counter"
	refused counter-not-a-number "@/profiles/alice/counter: not a decimal number"
	newcase counter-empty
	: >"$BP/counter"
	refused counter-empty "@/profiles/alice/counter: empty, expected a decimal number"
	newcase counter-leading-zero
	echo 07 >"$BP/counter"
	refused counter-leading-zero "@/profiles/alice/counter: leading zeros are not allowed"
	newcase "counter=2^32+1"
	echo 4294967297 >"$BP/counter"
	refused "counter=2^32+1" "@/profiles/alice/counter: out of range (more than 2^32)"
	newcase counter-is-a-fifo
	rm "$BP/counter"; mkfifo -m 0600 "$BP/counter"
	refused counter-is-a-fifo "@/profiles/alice/counter: not a regular file"
	newcase no-knock-port
	printf '[main]\n\n' >"$BP/config"
	refused no-knock-port "@/profiles/alice/config: no knock_port in [main]"
	newcase knock-port-0
	printf '[main]\nknock_port = 0\n' >"$BP/config"
	refused knock-port-0 "@/profiles/alice/config:2: knock_port: must be a number from 1 to 65535"
	newcase duplicate-knock-port
	cp -a "$BP" "$BD/profiles/bob"	# genprofile refuses a used port
	refused duplicate-knock-port "profiles alice and bob both use knock port $kp"
	# A file beside the profiles is no profile, as in 0.5: named, skipped.
	local skip
	newcase file-beside-profile
	echo notes >"$BD/profiles/README"
	skip="knockknock-daemon: $BD/profiles/README: not a directory, so not a profile"
	rc=0
	out=$(timeout 3 "$DAEMON" -C "$BD" --check 2>"$TMP/bad.stderr") || rc=$?
	expect "6 file-beside-profile: --check passes and names it" \
	    "0|configuration OK|$skip" \
	    "$rc|$(printf '%s\n' "$out" | tail -n 1)|$(cat "$TMP/bad.stderr")"
	newcase only-a-file
	rm -r "$BP"
	echo notes >"$BD/profiles/README"
	rc=0
	timeout 3 "$DAEMON" -C "$BD" --check >/dev/null 2>"$TMP/bad.stderr" ||
	    rc=$?
	expect "6 only-a-file: --check" "1|${skip//file-beside-profile/only-a-file}
knockknock-daemon: $BD/profiles: no profiles (create one with knockknock-genprofile)" \
	    "$rc|$(cat "$TMP/bad.stderr")"
	newcase no-profiles
	rm -r "$BP"
	refused no-profiles "@/profiles: no profiles (create one with knockknock-genprofile)"
	newcase no-profiles-dir
	rm -r "$BD/profiles"
	refused no-profiles-dir "@/profiles: No such file or directory"
}

# ---- 5: stealth ----

# scan: the state and reason nmap gives each of the three ports, in order.
scan() {
	local out
	out=$(cli nmap -sS -Pn -n --reason -p "$KPORT_S,$PORT,$UNUSED" \
	    "$SRV_ADDR") || return 1
	for p in "$KPORT_S" "$PORT" "$UNUSED"; do
		printf '%s\n' "$out" | awk -v p="$p/tcp" \
		    '$1 == p { print $2, $(NF - 2), $(NF - 1), $NF }'
	done | paste -sd ';'
}
out_counter() {		# NAME: packets of that counter of table inet kkout
	srv nft list counter inet kkout "$1" |
	    awk '$1 == "packets" { print $2 }'
}

part_stealth() {
	local dir=$TMP/stealth err=$TMP/stealth.err home=$TMP/stealth-home
	local want s0 s1 socks
	DELAY=2
	KPORT_S=$((KBASE + 2))
	make_conf "$dir" nftables kmsg "$home" alice "$KPORT_S"
	load_firewall "$dir"
	listening "$PORT" || listen "$PORT"
	# Everything the server sends, sorted: TCP resets (which conntrack
	# calls related), packets of known connections, IPv6 neighbour discovery and MLD (the kernel's, for the
	# link-local address), and the rest.
	srv nft -f - <<-EOF
	table inet kkout {
		counter est {}
		counter rst {}
		counter nd {}
		counter other {}
		chain out {
			type filter hook output priority filter + 10; policy accept;
			tcp flags & rst == rst counter name "rst" accept
			ct state established,related counter name "est" accept
			icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } counter name "nd" accept
			counter name "other"
		}
	}
	EOF
	want="closed reset ttl 64;closed reset ttl 64;closed reset ttl 64"
	s0=$(scan)
	expect "5 daemon not running: knock, protected and unused port alike" "$want" "$s0"
	daemon_start "$dir" "$err"
	s1=$(scan)
	note "nmap, daemon running: $s1"
	expect "5 daemon running: knock, protected and unused port alike" "$want" "$s1"
	expect "5 the same scan with and without the daemon" "$s0" "$s1"
	expect "5 the scans drew nothing but resets from the server" \
	    "est=0 other=0" "est=$(out_counter est) other=$(out_counter other)"

	# Self-test of the counter: a datagram the server sends is counted.
	srv nft reset counters table inet kkout >/dev/null
	srv bash -c "echo x >/dev/udp/$CLI_ADDR/9"
	expect "5 (self-test: the output counter sees a packet the server sends)" 1 "$(out_counter other)"

	srv nft reset counters table inet kkout >/dev/null
	knock "$home"
	if wait_for 3 opened_above "$err" 0; then
		expect "5 the knock opened the port" connected "$(connect_result "$SRV_ADDR" "$PORT")"
	else
		bad "5 the knock opened the port" "no 'opened' line"
	fi
	expect "5 knock + connect: the server sent nothing but the knock's reset and the connection" \
	    "rst=1 other=0" "rst=$(out_counter rst) other=$(out_counter other)"
	est=$(out_counter est)
	check "5 (the granted connection's packets were counted: $est)" test "$est" -ge 1
	socks=$(srv ss -H -a -n -p -t -u -w -0 | grep -F '"knockknock-daem"' || true)
	expect "5 the daemon holds no tcp, udp, raw or packet socket" "" "$socks"
	daemon_stop
	expect "5 the daemon sent nothing at exit either" 0 "$(out_counter other)"
	srv nft delete table inet kkout
}

# ---- 2: crash safety ----

# Client loop: for each knock, the fields it will carry (--dry-run) and the
# counter it uses, written after the knock was sent: "C ip_id=.. ...".
client_loop() {		# HOME PORT STOPFILE LOG
	ip netns exec "$NS_C" env HOME="$1" KK="$KNOCKKNOCK" SRV="$SRV_ADDR" \
	    PORT="$2" STOP="$3" LOG="$4" bash -c '
		cf=$HOME/.knockknock/$SRV/counter
		while [ ! -e "$STOP" ]; do
			f=$("$KK" --dry-run -p "$PORT" "$SRV") || exit 1
			c=$(cat "$cf")
			"$KK" -p "$PORT" "$SRV" >/dev/null || exit 1
			[ -z "$LOG" ] || echo "$c $f" >>"$LOG"
		done' &
	LOOP_PID=$!
	PIDS+=("$LOOP_PID")
}

# kill_daemon: SIGKILL to the daemon's processes at once (DPID, which may
# not have exec'd the daemon yet, and all it forked); wait until all are
# gone.  Fails if DPID had exited by itself.
kill_daemon() {
	pid_gone "$DPID" && return 1
	# shellcheck disable=SC2046
	kill -KILL "$DPID" $(daemon_pids) 2>/dev/null || true
	{ wait "$DPID"; } 2>/dev/null || true	# now: no "Killed" notice
	wait_for 5 no_daemon || return 1
	reap "$DPID"
}

replay_all() {		# KNOCKS KPORT: hping3 each knock again, 8 at a time
	sed 's/[a-z_]*=//g' "$1" | awk '{ print $2, $3, $4, $5 }' |
	    ip netns exec "$NS_C" xargs -P 8 -L 1 sh -c \
	    'hping3 -q -S -c 1 -p "$0" -N "$2" -M "$3" -L "$4" -w "$5" "$1" \
	    >/dev/null 2>&1; exit 0' "$2" "$SRV_ADDR"	# then ID SEQ ACK WIN
}
# records_of KNOCKS KPORT FILE: how many SYNs of the knocks in KNOCKS the
# kernel logged in FILE (kern.log form).
records_of() {
	awk -v kp="$2" '
	FNR == NR { gsub(/[a-z_]+=/, ""); want[$2 " " $3 " " $4 " " $5] = 1; next }
	{
		id = seq = ack = win = dpt = ""
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ID") id = kv[2]
			else if (kv[1] == "SEQ") seq = kv[2]
			else if (kv[1] == "ACK") ack = kv[2]
			else if (kv[1] == "WINDOW") win = kv[2]
			else if (kv[1] == "DPT") dpt = kv[2]
		}
		if (dpt == kp && (id " " seq " " ack " " win) in want) n++
	}
	END { print n + 0 }' "$1" "$3"
}
records_are() { [ "$(records_of "$@")" = "$4" ]; }

part_crash() {
	local dir=$TMP/crash err=$TMP/crash.err home=$TMP/crash-home
	local knocks=$TMP/crash.knocks stop=$TMP/crash.stop kport=$((KBASE + 3))
	local scf cf i v kills=0 unreadable=0 t0 n0 k0 c0 nsent s_first s_last o k
	local restarts=() samples=() startms=() ts rc
	DELAY=1
	make_conf "$dir" nftables kmsg "$home" alice "$kport"
	# Knocks sent while the daemon is down are lost (it reads /dev/kmsg
	# from its end); the window keeps the client in step after them.
	set_key "$dir" error_window 1000
	set_key "$dir" delay "$DELAY"
	load_firewall "$dir"
	scf=$dir/profiles/alice/counter
	cf=$home/.knockknock/$SRV_ADDR/counter
	: >"$knocks"
	s_first=$(counter_value "$scf")
	t0=$(now_ms)
	client_loop "$home" "$PORT" "$stop" "$knocks"
	for ((i = 1; i <= KILLS; i++)); do
		if ((i % 4 == 0)); then
			# During startup: reading profiles, forking, dropping
			# privileges, setting up the firewall.
			daemon_spawn "$dir" "$err"
			sleep_ms $((RANDOM % 200))
		else
			ts=$(now_ms)
			if ! daemon_start "$dir" "$err"; then
				bad "2 restart $i: no 'ready:' within 10 s"
				break
			fi
			startms+=($(($(now_ms) - ts)))
			counter_live "$scf" || true
			restarts+=("$LIVE")
			samples+=("$LIVE")
			sleep_ms $((RANDOM % 79 + 2))
		fi
		if ! kill_daemon; then
			bad "2 kill $i: the daemon had exited by itself, or survived SIGKILL"
			no_daemon || break
			reap "$DPID"
			continue
		fi
		kills=$((kills + 1))
		if v=$(counter_value "$scf"); then
			samples+=("$v")
		else
			unreadable=$((unreadable + 1))
			samples+=(unreadable)
			note "after kill $i: the counter file is: $(od -c "$scf" | head -3)"
		fi
	done
	daemon_start "$dir" "$err" || bad "2 the last restart: no 'ready:'"
	counter_live "$scf" || true
	restarts+=("$LIVE")
	samples+=("$LIVE")
	touch "$stop"
	rc=0; wait "$LOOP_PID" || rc=$?; reap "$LOOP_PID"
	expect "2 the client loop sent every knock (status)" 0 "$rc"
	# The last knock, after the loop: honoured, so everything before it
	# was read.
	rm -f "$stop"
	knock_logged "$home" "$knocks" "$PORT"
	check "2 a knock after the last restart is honoured" \
	    wait_for 5 counters_equal "$scf" "$cf"
	s_last=$(counter_value "$scf") || s_last=unreadable
	nsent=$(wc -l <"$knocks")
	# The counter is saved before the knock's lines are logged.
	wait_for 5 eval 'tail -n 1 "$err" | grep -q -F " opened "' || true
	o=$(opened "$err")
	k=$(knock_lines "$err")
	note "$kills kills (every 4th during startup) in $(($(now_ms) - t0)) ms;" \
	    "$nsent knocks sent, $k accepted, $o opened; counter $s_first -> $s_last"
	note "counter after each restart: ${restarts[*]}"
	note "restart to 'ready:' (ms, polled every 20 ms): ${startms[*]}"
	[ "$TORN" = 0 ] || note "$TORN reads of the live counter raced a write (re-read)"
	expect "2 kills done" "$KILLS" "$kills"
	expect "2 counter file after every kill: one decimal line" 0 "$unreadable"
	check "2 counter never went backwards (every sample, in order)" \
	    monotonic "$s_first" "${samples[@]}" "$s_last"
	check "2 restarts read a valid counter" \
	    eval '[[ " ${restarts[*]} " != *" unreadable "* ]]'
	expect "2 every knock carried its own counter (distinct knocks)" "$nsent" \
	    "$(awk '{ print $1 }' "$knocks" | sort -u | wc -l)"
	# A kill may fall between the watcher's "knock from" line (logged
	# before it sends) and the helper's "opened": o <= k, never more.
	check "2 no port opened without its knock line: $o opened <= $k accepted" \
	    test "$o" -le "$k"
	check "2 no knock honoured twice: $k accepted <= $nsent distinct knocks" \
	    test "$k" -le "$nsent"
	check "2 no counter used twice: $k accepted <= counter advance $((s_last - s_first))" \
	    test "$k" -le $((s_last - s_first))
	check "2 some knocks were honoured between kills ($o)" test "$o" -ge $((KILLS / 4))
	expect "2 every knock and grant line is exact" "$k $o" \
	    "$(knock_lines_for "$err" alice) $(opened_exact "$err")"
	if [ "$(count_lines 'NOT opened' "$err")" = 0 ]; then
		ok "2 the firewall refused no grant"
	else
		bad "2 the firewall refused no grant" \
		    "$(grep -B2 'NOT opened' "$err" | head -20)"
	fi

	# Replay every knock sent, to a daemon that must refuse them all.  A
	# grant lasts an hour now, so any would still be in the set at the end.
	daemon_stop
	expect "2 (SIGTERM flushed the set)" "" "$(set_elements)"
	set_key "$dir" delay 3600
	DELAY=3600
	kernlog_writer "$TMP/crash-kern.log"
	daemon_start "$dir" "$err" || bad "2 replay: no 'ready:'"
	n0=$(opened "$err")
	k0=$(knock_lines "$err")
	c0=$(counter_value "$scf") || c0=unreadable
	t0=$(now_ms)
	replay_all "$knocks" "$kport"
	check "2 replay: every knock reached the kernel log again ($nsent)" \
	    wait_for 20 records_are "$knocks" "$kport" "$TMP/crash-kern.log" "$nsent"
	note "replayed $nsent knocks in $(($(now_ms) - t0)) ms"
	# A sentinel for another port: once it is granted, the daemon has read
	# every replay before it.
	knock "$home" "$PORT2"
	check "2 replay: the sentinel knock after the replays is honoured" \
	    wait_for 5 opened_above "$err" "$n0"
	expect "2 replay: the only knock accepted and opened is the sentinel's" \
	    "$((k0 + 1)) 1 $((n0 + 1)) 1" \
	    "$(knock_lines "$err") $(knock_lines_for "$err" alice "$PORT2") $(opened "$err") $(opened_exact "$err" "$PORT2")"
	expect "2 replay: the set holds only the sentinel's element" \
	    "$CLI_ADDR . $PORT2" "$(set_elements)"
	expect "2 replay: only the sentinel moved the counter (server, client)" \
	    "$((c0 + 1)) $((c0 + 1))" "$(cat "$scf") $(cat "$cf")"
	daemon_stop
	kill "$WRITER_PID"; reap "$WRITER_PID"
}
# knock_logged HOME KNOCKS PORT: one knock, recorded like the loop's.
knock_logged() {
	local f c
	f=$(ip netns exec "$NS_C" env HOME="$1" "$KNOCKKNOCK" --dry-run \
	    -p "$3" "$SRV_ADDR")
	c=$(cat "$1/.knockknock/$SRV_ADDR/counter")
	knock "$1" "$3"
	echo "$c $f" >>"$2"
}
monotonic() {		# V...: non-decreasing numbers
	local p=$1 v
	shift
	for v; do
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$p" ] || return 1
		p=$v
	done
}

# ---- 4: rotation ----

# caught_up FILE: the watcher has read FILE (the name it has now) to its
# end.  Builtins where it can: it is polled.
caught_up() {
	local w fd k v pos="" size
	read -r w _ <"/proc/$DPID/task/$DPID/children" || true	# no newline
	[ -n "$w" ] || return 1
	size=$(stat -c %s "$1") || return 1
	for fd in /proc/"$w"/fd/*; do
		[ "$fd" -ef "$1" ] || continue
		while read -r k v; do
			[ "$k" != pos: ] || pos=$v
		done <"/proc/$w/fdinfo/${fd##*/}"
		[ "$pos" = "$size" ] && return 0
	done
	return 1
}

part_rotation() {
	local dir=$TMP/rot err=$TMP/rot.err klog=$TMP/rot/kern.log
	local h1=$TMP/rot-home1 h2=$TMP/rot-home2 stop=$TMP/rot.stop
	local k1=$((KBASE + 4)) k2=$((KBASE + 5)) i t0 l1 l2 a1 a2 r1 r2
	local nren=0 ncreate=0 ncopy=0 ms tr rotms=0 denied
	DELAY=1
	make_conf "$dir" nftables file "$h1" alice "$k1"
	make_conf "$dir" nftables file "$h2" bob "$k2"
	set_key "$dir" delay "$DELAY"
	load_firewall "$dir"
	install -m 0640 -g adm /dev/null "$klog"
	kernlog_writer "$klog"
	daemon_start "$dir" "$err"
	client_loop "$h1" "$PORT" "$stop" ""; l1=$LOOP_PID
	client_loop "$h2" "$PORT" "$stop" ""; l2=$LOOP_PID
	t0=$(now_ms)
	for ((i = 1; i <= ROTATIONS; i++)); do
		sleep_ms $((RANDOM % 80 + 20))
		tr=$(now_ms)
		case $((i % 4)) in
		1|3)	# rename; the writer goes on writing to the old file
			mv "$klog" "$klog.$i"
			sleep_ms $((RANDOM % 30))
			if ((i % 4 == 1)); then
				# logrotate's "create 0640 root adm", then HUP
				install -m 0640 -g adm /dev/null "$klog"
				ncreate=$((ncreate + 1))
			fi			# else rsyslog creates it
			kill -HUP "$WRITER_PID"
			nren=$((nren + 1)) ;;
		*)	# copy-truncate.  Between the copy and the truncation
			# the writer is held, and the daemon has read all:
			# what is written there is lost to every reader, a
			# limit of copytruncate itself (logrotate(8)).
			wait_for 5 test -e "$klog" || { bad "4 rotation $i: no $klog"; break; }
			kill -STOP "$WRITER_PID"
			if ! wait_for 5 caught_up "$klog"; then
				kill -CONT "$WRITER_PID"
				bad "4 rotation $i: the daemon did not read $klog to its end"
				break
			fi
			cp "$klog" "$klog.$i"
			truncate -s 0 "$klog"
			kill -CONT "$WRITER_PID"
			ncopy=$((ncopy + 1)) ;;
		esac
		rotms=$((rotms + $(now_ms) - tr))
	done
	touch "$stop"
	wait "$l1" || bad "4 client 1 failed to knock"; reap "$l1"
	wait "$l2" || bad "4 client 2 failed to knock"; reap "$l2"
	ms=$(($(now_ms) - t0))
	a1=$(cat "$h1/.knockknock/$SRV_ADDR/counter")
	a2=$(cat "$h2/.knockknock/$SRV_ADDR/counter")
	check "4 every knock reached the daemon (server counters = clients')" \
	    wait_for 10 eval 'counters_equal "$dir/profiles/alice/counter" "$h1/.knockknock/$SRV_ADDR/counter" &&
		counters_equal "$dir/profiles/bob/counter" "$h2/.knockknock/$SRV_ADDR/counter"'
	r1=$(cat "$klog"* | grep -c "DPT=$k1 " || true)
	r2=$(cat "$klog"* | grep -c "DPT=$k2 " || true)
	note "$((nren + ncopy)) rotations ($nren by rename, $ncreate of them" \
	    "with logrotate's create, $ncopy by copy-truncate) in $ms ms;" \
	    "$((a1 + a2)) knocks, one every $((ms / (a1 + a2 > 0 ? a1 + a2 : 1))) ms;" \
	    "rotating itself took $rotms ms"
	expect "4 rotations done" "$ROTATIONS" "$((nren + ncopy))"
	expect "4 (the writer put each knock in the files once)" "$a1 $a2" "$r1 $r2"
	# The counters are saved before the knock lines, which come before
	# the helper's: wait for the last of them.
	wait_for 5 eval '[ "$(knock_lines_for "$err" alice) $(knock_lines_for "$err" bob) $(opened "$err")" = \
	    "$a1 $a2 $((a1 + a2))" ]' || true
	expect "4 every knock accepted exactly once (knock lines of each profile = client counter advance)" \
	    "$a1 $a2" "$(knock_lines_for "$err" alice) $(knock_lines_for "$err" bob)"
	expect "4 every knock opened exactly once, exact 'opened' lines, nothing else opened" \
	    "$((a1 + a2)) $((a1 + a2))" "$(opened "$err") $(opened_exact "$err")"
	# logrotate (and install) create the file 0600 root:root, then chown
	# and chmod it: the watcher's first open may fail, and it must retry.
	denied=$(count_lines "$klog: reopen after rotation; waiting for the next change: Permission denied" "$err")
	expect "4 each open refused on a new file was retried and succeeded" \
	    "$denied" "$(count_lines "$klog: reopened after rotation" "$err")"
	note "the daemon warned $denied times: 'Permission denied' on a file" \
	    "logrotate-style create had not yet chmod-ed"
	expect "4 no other message from the daemon" "" \
	    "$(grep -v -e ' knock from ' -e ' opened ' -e ' ready: ' -e ' the helper has exited; stopping$' \
		-e ': reopened after rotation$' \
		-e ': this daemon runs in a network namespace other than the first, ' \
		-e ': reopen after rotation; waiting for the next change: Permission denied$' \
		"$err" || true)"
	truncate_while_stopped "$klog" "$h1" "$k1" "$err"
	daemon_stop
	kill "$WRITER_PID"; reap "$WRITER_PID"
}

# truncate_while_stopped KLOG HOME KPORT ERR: a copy-truncate that the
# watcher sees late (descheduled, busy with a burst): by the time it looks,
# the writer has written more since the truncation than the file held
# before it, so the size alone does not show the truncation.
truncate_while_stopped() {
	local klog=$1 home=$2 kport=$3 err=$4 w n scf cf
	scf=$TMP/rot/profiles/alice/counter
	cf=$home/.knockknock/$SRV_ADDR/counter
	mv "$klog" "$klog.small"
	install -m 0640 -g adm /dev/null "$klog"
	kill -HUP "$WRITER_PID"
	n=$(opened "$err")
	knock "$home"				# one record in the new file
	wait_for 5 opened_above "$err" "$n" && wait_for 5 caught_up "$klog" ||
	    bad "4 (truncation while stopped: the first knock was not read)"
	n=$(opened "$err")
	w=$(watcher_pid)
	kill -STOP "$w"
	cp "$klog" "$klog.ct"
	truncate -s 0 "$klog"
	knock "$home"
	knock "$home"
	wait_for 5 eval '[ "$(grep -c "DPT=$kport " "$klog")" = 2 ]' ||
	    bad "4 (truncation while stopped: the writer did not write 2 records)"
	note "copy-truncate at $(stat -c %s "$klog.ct") bytes, seen by the" \
	    "watcher at $(stat -c %s "$klog") bytes"
	kill -CONT "$w"
	if wait_for 5 counters_equal "$scf" "$cf" &&
	    wait_for 1 opened_above "$err" $((n + 1)); then
		ok "4 a copy-truncate the watcher sees late is noticed: both knocks honoured"
	else
		bad "4 a copy-truncate the watcher sees late is noticed" \
		    "$(($(opened "$err") - n)) of 2 knocks honoured"
	fi
}

# ---- 3: flood ----

pre_counter() {		# SYNs to the knock port seen at prerouting
	srv nft list counter inet kkflood syn | awk '$1 == "packets" { print $2 }'
}
flood_started() { [ "$(pre_counter)" -gt 1000 ]; }
lost_sum() {		# ERR: records the daemon says were overwritten
	{ grep -o '[0-9]* records overwritten' "$1" || true; } |
	    awk '{ s += $1 } END { print s + 0 }'
}

# knock_delay HOME ERR: knock, print the ms until the "opened" line (polled
# every 20 ms), fail if there is none within 1 s.
knock_delay() {
	local n t0
	n=$(opened "$2")
	t0=$(now_ms)
	knock "$1"
	wait_for 1 opened_above "$2" "$n" || return 1
	echo $(($(now_ms) - t0))
}

flood_round() {		# ROUND HOME ERR
	local r=$1 home=$2 err=$3 fpid p0 p1 ms attempt lost0 lost1 wlines
	local rate warn0
	p0=$(pre_counter)
	lost0=$(lost_sum "$err")
	warn0=$(grep -c overwritten "$err" || true)
	ip netns exec "$NS_C" timeout "$FLOOD_SECONDS" hping3 --flood \
	    --rand-source -S -p "$KPORT_F" "$SRV_ADDR" >/dev/null 2>&1 &
	fpid=$!
	PIDS+=("$fpid")
	wait_for 5 flood_started || bad "3 round $r: the flood did not start"
	sleep_ms $((FLOOD_SECONDS * 500 - 100))	# to the middle of the flood
	for attempt in 1 2 3; do
		lost1=$(lost_sum "$err")
		if ms=$(knock_delay "$home" "$err"); then
			ok "3 round $r: a knock in the flood honoured in $ms ms (attempt $attempt)"
			break
		fi
		if [ "$(lost_sum "$err")" = "$lost1" ]; then
			bad "3 round $r: a knock in the flood not honoured within 1 s, and the daemon lost no record"
			break
		fi
		note "round $r: knock $attempt lost: the kernel overwrote" \
		    "$(($(lost_sum "$err") - lost1)) records meanwhile; re-sent"
		[ "$attempt" != 3 ] || bad "3 round $r: three knocks lost in the flood"
	done
	wait "$fpid" || true
	reap "$fpid"
	p1=$(pre_counter)
	rate=$(((p1 - p0) / FLOOD_SECONDS))
	FLOOD_RATES+=("$rate")
	wlines=$(($(grep -c overwritten "$err" || true) - warn0))
	note "round $r: flood $((p1 - p0)) SYNs in $FLOOD_SECONDS s = $rate/s;" \
	    "records lost (daemon's count) $(($(lost_sum "$err") - lost0))," \
	    "in $wlines warning lines"
}

part_flood() {
	local dir=$TMP/flood err=$TMP/flood.err home=$TMP/flood-home
	local h w rh0 rw0 rh1 rw1 ms floor r
	FLOOD_RATES=()
	DELAY=2
	KPORT_F=$((KBASE + 6))
	make_conf "$dir" nftables kmsg "$home" alice "$KPORT_F"
	load_firewall "$dir"
	listening "$PORT" || listen "$PORT"
	expect "3 the server namespace has no default route (no reply leaves it)" \
	    "" "$(ip -n "$NS_S" route show default)"
	# Spoofed sources must reach the LOG rule: no reverse-path filter.
	srv sysctl -qw net.ipv4.conf.all.rp_filter=0 \
	    "net.ipv4.conf.$SRV_IF.rp_filter=0"
	srv nft -f - <<-EOF
	table inet kkflood {
		counter syn {}
		chain pre {
			type filter hook prerouting priority raw; policy accept;
			tcp dport $KPORT_F tcp flags & (syn | ack) == syn counter name "syn"
		}
	}
	EOF
	daemon_start "$dir" "$err"
	h=$DPID
	w=$(watcher_pid)
	# Without a flood, for comparison: the client's own start is included.
	if floor=$(knock_delay "$home" "$err"); then
		ok "3 without a flood a knock is honoured in $floor ms"
	else
		bad "3 without a flood a knock is honoured within 1 s"
	fi
	rh0=$(rss_kb "$h") rw0=$(rss_kb "$w")
	for ((r = 1; r <= FLOOD_ROUNDS; r++)); do
		flood_round "$r" "$home" "$err"
		rh1=$(rss_kb "$h") rw1=$(rss_kb "$w")
		note "round $r: VmRSS helper $rh0 -> $rh1 kB, watcher $rw0 -> $rw1 kB"
		check "3 round $r: memory grew by $((rh1 + rw1 - rh0 - rw0)) kB (< $MEM_GROWTH_MAX_KB kB)" \
		    test $((rh1 + rw1 - rh0 - rw0)) -lt "$MEM_GROWTH_MAX_KB"
	done
	expect "3 both daemon processes survived" "$h $w" "$(echo "$DPID" "$(watcher_pid)")"
	if ms=$(knock_delay "$home" "$err"); then
		ok "3 after the flood a knock is honoured in $ms ms"
		expect "3 and it connects" connected "$(connect_result "$SRV_ADDR" "$PORT")"
	else
		bad "3 after the flood a knock is honoured within 1 s"
	fi
	note "flood rates: ${FLOOD_RATES[*]} SYN/s"
	daemon_stop
	srv nft delete table inet kkflood
}

# ---- main ----

topology_up
for part in $PARTS; do
	t=$(now_ms)
	echo "--- $part"
	"part_$part"
	note "($part: $(($(now_ms) - t)) ms)"
done
done=1
summary "$LABEL" || exit 1
