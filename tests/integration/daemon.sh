#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# knockknock-daemon end to end: the real client knocks from one network
# namespace, the real daemon in the other reads the real kernel's LOG
# records and opens the port through the real firewall, loaded from exactly
# what `knockknock-daemon --print-firewall` prints.  Topology: lib.sh.
#
#   FIREWALL=nftables|iptables SOURCE=kmsg|file bash daemon.sh
#
# SOURCE=file: the test plays rsyslog, copying its own kernel records into
# DIR/kern.log (lib.sh's kernlog_writer), and rotates that file once by
# rename and once by copy-truncate, with knocks around each rotation.
# Every assertion is about an exact outcome; rejections are proven to have
# been processed by a good knock sent after them, of which exactly one
# grant must follow.  Checks are numbered as in issues 4 and 5 (0 and 10
# to 13 are extra: the ready line, a second knock renewing a pending
# grant, a grant the firewall refuses, logged as NOT opened, a knock over
# IPv6, and knockknock -c, which knocks, connects and relays).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"	# run.sh uses sh
if [ -z "${FIREWALL:-}" ] || [ -z "${SOURCE:-}" ]; then
	echo "daemon.sh: nothing to do without FIREWALL and SOURCE; daemon-*.sh set them"
	exit 0
fi
set -Eeu -o pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
LABEL="daemon($FIREWALL,$SOURCE)"
PORT=2222 DELAY=2 NAME=alice
KPORT=$((20000 + 0x$rnd % 20000))	# the knock port
SRV=$TMP/srv CHOME=$TMP/home		# the server's DIR, the client's HOME
WRONG=$TMP/wrong WHOME=$TMP/home-wrong	# same knock port, other keys
# The watcher logs KNOCKED when it hands a verified knock to the helper;
# the helper logs OPENED only once the firewall took the grant.
KNOCKED="knockknock-daemon: knock from $CLI_ADDR for tcp/$PORT (profile $NAME)"
OPENED="knockknock-daemon: opened tcp/$PORT for $CLI_ADDR for $DELAY s"
NOT_OPENED="knockknock-daemon: NOT opened: tcp/$PORT for $CLI_ADDR (the firewall change failed)"
KNOCKED6="knockknock-daemon: knock from $CLI_ADDR6 for tcp/$PORT (profile $NAME)"
OPENED6="knockknock-daemon: opened tcp/$PORT for $CLI_ADDR6 for $DELAY s"
KLOG=$TMP/kern.log			# our copy of the kernel's records
[ "$SOURCE" = file ] && KLOG=$SRV/kern.log
accepted=0				# knocks the daemon must have granted

finish() {
	local rc=$?
	set +e
	trap '' PIPE			# stdout may be a closed pipe
	[ -z "${dumpable_was:-}" ] || echo "$dumpable_was" >/proc/sys/fs/suid_dumpable
	if [ "${done:-0}" != 1 ]; then
		bad "the suite stopped early (status $rc)"
		summary "$LABEL" || true
	fi
	if [ "$nfail" != 0 ] && [ -e "$TMP/daemon.err" ]; then
		echo "--- daemon stderr"
		cat "$TMP/daemon.err"
	fi
	cleanup
}
trap finish EXIT
trap 'exit 1' INT TERM HUP PIPE
trap 'echo "error: line $LINENO: $BASH_COMMAND" >&2' ERR

# ---- helpers ----

knock() {	# [HOME]: the real client
	cli env HOME="${1:-$CHOME}" "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR" >/dev/null
}
dry() {		# [HOME]: "ip_id=N tcp_seq=N tcp_ack=N tcp_window=N" of the next knock
	cli env HOME="${1:-$CHOME}" "$KNOCKKNOCK" --dry-run -p "$PORT" "$SRV_ADDR"
}
fields() { echo "$1" | sed 's/[a-z_]*=//g'; }
replay() {	# KNOCK (dry's output): send that SYN again with hping3
	local id seq ack win
	read -r id seq ack win <<<"$(fields "$1")"
	cli hping3 -q -S -c 1 -p "$KPORT" -N "$id" -M "$seq" -L "$ack" \
	    -w "$win" "$SRV_ADDR" >/dev/null 2>&1 || true	# 1: no answer
}
records() {	# KNOCK: how many kernel records of that SYN we have seen
	local id seq ack win
	read -r id seq ack win <<<"$(fields "$1")"
	cat "$KLOG"* | grep -c -E "ID=$id .*DPT=$KPORT SEQ=$seq ACK=$ack WINDOW=$win " || true
}
records_are() { [ "$(records "$1")" = "$2" ]; }

lines() { grep -c -F -e "$1" "$TMP/daemon.err" || true; }	# FIXED
opened() { lines 'knockknock-daemon: opened '; }
knocked() { lines 'knockknock-daemon: knock from '; }
opened_is() { [ "$(opened)" = "$1" ]; }
granted() {	# wait for the daemon to log grant number accepted+1
	accepted=$((accepted + 1))
	wait_for 3 opened_is "$accepted"
}
srv_counter() { cat "$SRV/profiles/$NAME/counter"; }
cli_counter() { cat "$CHOME/.knockknock/$SRV_ADDR/counter"; }

# grants [6]: our IPv4 (IPv6) grants in the server's firewall, one a line;
# fails if the firewall cannot be listed.
grants() {
	local out
	if [ "$FIREWALL" = nftables ]; then
		out=$(srv nft list set inet knockknock "allow${1:-4}") || return 1
		printf '%s\n' "$out" | grep -o "[0-9a-f.:]* \. [0-9]* timeout [^,}]*" || true
	else
		out=$(srv "ip${1:+6}tables" -w -S INPUT) || return 1
		printf '%s\n' "$out" | grep -F 'knockknock expires=' || true
	fi
}
has_grant() { grants | grep -q -F -e "$CLI_ADDR . $PORT " -e "-s $CLI_ADDR/32 "; }
no_grants() { local g; g=$(grants) && [ -z "$g" ]; }
no_grants6() { local g; g=$(grants 6) && [ -z "$g" ]; }

# connect_within MS ADDR PORT: from the client, retry connecting to ADDR
# PORT until one succeeds (print the ms it took, status 0) or MS have passed.
connect_within() {
	cli timeout 5 bash -c 'ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
		start=$(ms)
		until : 3<>"/dev/tcp/$1/$2"; do
			[ $(($(ms) - start)) -lt "$0" ] || exit 1
			sleep 0.01
		done 2>/dev/null
		echo $(($(ms) - start))' "$1" "$2" "$3"
}

# pid_gone PID: no such process, or a zombie.
pid_gone() {
	local s
	s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
	[ -z "$s" ] || [ "$s" = Z ]
}
# The daemon's child of its own name: with iptables the helper may also
# have an iptables child at that moment.
watcher_pid() { pgrep -x -P "$DAEMON_PID" knockknock-daem; }
# proc_owner PID: the owner of /proc/PID/environ.  The kernel gives the
# /proc files of a process that is not dumpable to root, else to its uid.
proc_owner() { stat -c %u "/proc/$1/environ"; }
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# expire_ms T0: poll until no grant is left; print the ms since T0.
expire_ms() {
	wait_for $((DELAY + 3)) no_grants || return 1
	echo $(($(now_ms) - $1))
}
since() { [ $(($(now_ms) - $1)) -ge "$2" ]; }	# T0 MS: MS have passed
# in_window MS [EARLY_MS [LATE_MS]]: a grant that vanished MS after its
# knock lived about DELAY s: at most EARLY_MS (100) less, or LATE_MS (1500:
# polling, load) more.
in_window() { [ "$1" -ge $((DELAY * 1000 - ${2:-100})) ] && [ "$1" -le $((DELAY * 1000 + ${3:-1500})) ]; }

# ---- setup ----

topology_up
topology_v6
make_conf "$SRV" "$FIREWALL" "$SOURCE" "$CHOME" "$NAME" "$KPORT"
make_conf "$WRONG" "$FIREWALL" "$SOURCE" "$WHOME" mallory "$KPORT"
"$DAEMON" -C "$SRV" --print-firewall "$FIREWALL" >"$TMP/firewall"
if [ "$FIREWALL" = nftables ]; then
	srv nft -f "$TMP/firewall"
elif head -n1 "$TMP/firewall" | grep -q '^#!/bin/sh'; then
	srv sh "$TMP/firewall"		# printed as a shell script
else
	srv iptables-restore <"$TMP/firewall"
fi
if [ "$SOURCE" = file ]; then
	# As rsyslog creates it on Debian: root:adm 0640; the watcher keeps
	# group adm to reopen it after a rotation.
	install -m 0640 -g adm /dev/null "$KLOG"
	srclabel=$KLOG
else
	srclabel=/dev/kmsg
fi
kernlog_writer "$KLOG"
listen_echo "$PORT"
# fs.suid_dumpable=1 while the daemon starts: the kernel then leaves a
# process that changed its ids dumpable (ptrace, /proc/PID/mem by its own
# uid) unless the process says otherwise, so check 7 below can tell
# whether the watcher and the helper did.  Under a lock, so that suites
# running at once never leave the host's value changed.
exec {dumplock}>/run/knockknock-tests.dumpable.lock
flock "$dumplock"
dumpable_was=$(cat /proc/sys/fs/suid_dumpable)
echo 1 >/proc/sys/fs/suid_dumpable
start_daemon "$SRV" || st=$?
echo "$dumpable_was" >/proc/sys/fs/suid_dumpable
dumpable_was=
flock -u "$dumplock"
[ "${st:-0}" = 0 ]

# ---- tests ----

check "0 ready line names the source, firewall and delay" grep -q -x \
    "knockknock-daemon: ready: 1 profiles\?, log source $srclabel, firewall $FIREWALL, delay $DELAY s" \
    "$TMP/daemon.err"

w=$(watcher_pid) || w=
check "7 the watcher is the daemon's only child" test -n "$w" -a "$(echo "$w" | wc -l)" = 1
# With /dev/kmsg the watcher is woken by the printk:console tracepoint
# (one perf event on every online CPU), not at the kernel's next tick.
ncpu=$(grep -c '^processor' /proc/cpuinfo)
bells=$(find "/proc/${w:-0}/fd" -lname 'anon_inode:\[perf_event\]' 2>/dev/null | wc -l)
if [ "$SOURCE" = kmsg ]; then
	[ "$ncpu" = 1 ] && cpus="1 CPU" || cpus="$ncpu CPUs"
	expect "0 the watcher says it is woken by the tracepoint" 1 \
	    "$(lines "knockknock-daemon: woken by the printk:console tracepoint on $cpus as soon as the kernel logs (kmsg_tracepoint)")"
	expect "7 the watcher holds a perf event on each CPU" "$ncpu" "$bells"
else
	expect "7 with a file, the watcher holds no perf event" 0 "$bells"
fi
if [ -n "$w" ]; then
	nobody="$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
	expect "7 watcher uid (real, effective, saved, fs) is nobody" "$nobody" "$(status_field "$w" Uid | tr '\t' ' ')"
	expect "7 watcher CapEff" 0000000000000000 "$(status_field "$w" CapEff)"
	expect "7 watcher CapPrm" 0000000000000000 "$(status_field "$w" CapPrm)"
	expect "7 watcher CapBnd" 0000000000000000 "$(status_field "$w" CapBnd)"
	expect "7 watcher CapAmb" 0000000000000000 "$(status_field "$w" CapAmb)"
	expect "7 watcher NoNewPrivs" 1 "$(status_field "$w" NoNewPrivs)"
	# Not dumpable, though fs.suid_dumpable was 1 when it started.
	expect "7 watcher not dumpable (its /proc/PID files are root's)" 0 \
	    "$(proc_owner "$w")"
	# adm only to reopen a rotated log file; with /dev/kmsg no group at all
	if [ "$SOURCE" = file ]; then
		expect "7 watcher's only supplementary group is adm" \
		    "$(getent group adm | cut -d: -f3)" \
		    "$(status_field "$w" Groups | tr -d ' \t')"
	else
		expect "7 watcher has no supplementary group" "" \
		    "$(status_field "$w" Groups | tr -d ' \t')"
	fi
fi

# The helper: with nftables the watcher's user and primary group with
# CAP_NET_ADMIN alone; with iptables uid 0, for the iptables it runs.
if [ "$FIREWALL" = nftables ]; then
	hu=$(id -u nobody) hg=$(id -g nobody) hcap=0000000000001000 hbnd=0000000000000000
else
	hu=0 hg=0 hcap=0000000000003000 hbnd=0000000000003000
fi
expect "7 helper uid (real, effective, saved, fs) is $hu" "$hu $hu $hu $hu" "$(status_field "$DAEMON_PID" Uid | tr '\t' ' ')"
expect "7 helper gid (real, effective, saved, fs) is $hg" "$hg $hg $hg $hg" "$(status_field "$DAEMON_PID" Gid | tr '\t' ' ')"
expect "7 helper has no supplementary group" "" "$(status_field "$DAEMON_PID" Groups | tr -d ' \t')"
expect "7 helper CapEff" "$hcap" "$(status_field "$DAEMON_PID" CapEff)"
expect "7 helper CapPrm" "$hcap" "$(status_field "$DAEMON_PID" CapPrm)"
expect "7 helper CapBnd" "$hbnd" "$(status_field "$DAEMON_PID" CapBnd)"
expect "7 helper NoNewPrivs" 1 "$(status_field "$DAEMON_PID" NoNewPrivs)"
if [ "$FIREWALL" = nftables ]; then	# (with iptables it is root's anyway)
	expect "7 helper not dumpable (its /proc/PID files are root's)" 0 \
	    "$(proc_owner "$DAEMON_PID")"
fi

expect "1 refused before a knock" refused "$(connect_result "$SRV_ADDR" "$PORT")"
check "1 (the listener answers inside the server)" \
    srv timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"

k1=$(dry)
c0=$(cli_counter)
knock
if ms=$(connect_within 1000 "$SRV_ADDR" "$PORT"); then
	ok "2 connected ${ms} ms after the knock"
else
	bad "2 no connection within 1 s of the knock"
fi
check "2 the daemon logged the grant" granted
expect "2 server counter follows the client's" "$((c0 + 1)) $((c0 + 1))" "$(srv_counter) $(cli_counter)"

expect "3 a second connection is refused" refused "$(connect_result "$SRV_ADDR" "$PORT")"
if [ "$FIREWALL" = nftables ]; then
	check "3 the first connection deleted the grant" no_grants
else
	# The rule stays until its expiry; its limit match (last, after
	# the port and state matches) allowed one new connection.
	rule=$(srv iptables -w -S INPUT | sed -n 2p)
	check "3 the rule: first in INPUT, the limit match last" grep -q -E -x -- \
	    "-A INPUT -s $CLI_ADDR/32 -p tcp -m tcp --dport $PORT -m conntrack --ctstate NEW -m comment --comment \"knockknock expires=[0-9]+\" -m limit --limit 1/min --limit-burst 1 -j ACCEPT" <<<"$rule"
	left=$(($(echo "$rule" | sed -n 's/.*expires=\([0-9]*\).*/\1/p') - $(date +%s)))
	check "3 the rule's expiry is now + delay ($left s left)" \
	    test "$left" -ge $((DELAY - 1)) -a "$left" -le $((DELAY + 1))
fi

if [ "$SOURCE" = file ]; then
	# Rotation by rename as logrotate + rsyslog do it: rename; rsyslog
	# still writes to the old file; logrotate creates the new one and
	# HUPs rsyslog, which reopens it.
	mv "$KLOG" "$KLOG.1"
	knock
	check "rotation by rename: a knock written to the old file opens" granted
	# logrotate's "create 0640 root adm" (and rsyslog creating a file)
	# make it private first, then give it to the group: done in steps
	# here so that the daemon sees the moment the file is unreadable.
	(umask 077 && : >"$KLOG")
	chgrp adm "$KLOG"
	chmod 0640 "$KLOG"
	kill -HUP "$WRITER_PID"
	knock
	check "rotation by rename: a knock written to the new file opens" granted
	expect "rotation by rename: the records went to the old, then the new file" \
	    "2 1" "$(grep -c "DPT=$KPORT" "$KLOG.1") $(grep -c "DPT=$KPORT" "$KLOG")"
fi

check "4 (the earlier grants have expired)" wait_for $((DELAY + 3)) no_grants
k2=$(dry)
t0=$(now_ms)
knock
check "4 an unused knock is granted" granted
check "4 the grant is in the firewall" has_grant
if ms=$(expire_ms "$t0") && in_window "$ms"; then
	ok "4 the grant is gone after the delay (${ms} ms)"
else
	bad "4 the grant is gone after the delay" "${ms:-still there} ms"
fi
expect "4 refused after the delay" refused "$(connect_result "$SRV_ADDR" "$PORT")"

# 10: a second knock while the first grant is pending must get the full
# delay it is logged with ("opened ... for 2 s"), not the first's rest.
t0=$(now_ms)
knock
check "10 a first knock is granted" granted
wait_for $DELAY since "$t0" 1000 || true	# time must pass: no readiness
t1=$(now_ms)
knock
check "10 a second knock 1 s later is granted" granted
wait_for $((DELAY + 1)) since "$t0" $((DELAY * 1000 + 300)) || true
check "10 the grant outlives the first knock's delay" has_grant
if ms=$(expire_ms "$t1") && in_window "$ms"; then
	ok "10 it is gone after the second knock's delay (${ms} ms)"
else
	bad "10 it is gone after the second knock's delay" "${ms:-still there} ms"
fi

c1=$(srv_counter)
n=$(opened) nk=$(knocked)
kw=$(dry "$WHOME")
replay "$k1"				# used in 2
replay "$k2"				# expired unused in 4
knock "$WHOME"				# wrong keys
check "5 replays and the wrong-key knock reached the kernel log" \
    wait_for 3 eval 'records_are "$k1" 2 && records_are "$k2" 2 && records_are "$kw" 1'
expect "5 refused after replays and a wrong-key knock" refused "$(connect_result "$SRV_ADDR" "$PORT")"
expect "5 server counter unchanged" "$c1" "$(srv_counter)"
knock					# processed after the three above
check "5 a good knock after them is granted" granted
expect "5 replays and wrong keys granted nothing (opened, knock lines)" \
    "$((n + 1)) $((nk + 1))" "$(opened) $(knocked)"
expect "5 only the good knock advanced the counter" "$((c1 + 1))" "$(srv_counter)"

# 12: a knock over IPv6, the IP ID in the flow label.  The client's
# profile for the server's IPv6 address is a link to the IPv4 one: one
# profile, one counter.
ln -s "$SRV_ADDR" "$CHOME/.knockknock/$SRV_ADDR6"
check "12 (5's last grant has expired)" wait_for $((DELAY + 3)) no_grants
c1=$(srv_counter)
expect "12 IPv6: refused before the knock" refused "$(connect_result "$SRV_ADDR6" "$PORT")"
cli env HOME="$CHOME" "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR6" >/dev/null
if ms=$(connect_within 1000 "$SRV_ADDR6" "$PORT"); then
	ok "12 IPv6: connected ${ms} ms after the knock"
else
	bad "12 IPv6: no connection within 1 s of the knock"
fi
check "12 IPv6: the daemon logged the grant" granted
expect "12 IPv6: the knock and grant lines name the IPv6 address" "1 1" \
    "$(grep -c -x -F "$KNOCKED6" "$TMP/daemon.err") $(grep -c -x -F "$OPENED6" "$TMP/daemon.err")"
expect "12 IPv6: server counter follows the client's" "$((c1 + 1)) $((c1 + 1))" "$(srv_counter) $(cli_counter)"
expect "12 IPv6: a second connection is refused" refused "$(connect_result "$SRV_ADDR6" "$PORT")"
expect "12 IPv6: nothing opened for IPv4" refused "$(connect_result "$SRV_ADDR" "$PORT")"
if [ "$FIREWALL" = nftables ]; then
	check "12 IPv6: the first connection deleted the grant" no_grants6
else
	check "12 IPv6: the rule is gone after the delay" wait_for $((DELAY + 3)) no_grants6
fi

# 13: knockknock -c, as ssh's ProxyCommand runs it: knock, connect over
# the knock's own family, relay standard input and output.  The server
# echoes, so all that went out must come back.
head -c 200000 /dev/urandom >"$TMP/relay.in"
for addr in "$SRV_ADDR" "$SRV_ADDR6"; do
	st=0
	cli timeout 60 env HOME="$CHOME" "$KNOCKKNOCK" -c -p "$PORT" "$addr" \
	    <"$TMP/relay.in" >"$TMP/relay.out" 2>"$TMP/relay.err" || st=$?
	expect "13 -c $addr: exit 0" "0" "$st$(cat "$TMP/relay.err")"
	check "13 -c $addr: 200 kB out and back through the connection" \
	    cmp -s "$TMP/relay.in" "$TMP/relay.out"
	check "13 -c $addr: the daemon logged the grant" granted
	expect "13 -c $addr: a second connection is refused" refused \
	    "$(connect_result "$addr" "$PORT")"
done
accepted6=2				# 12's and 13's
# The README's set-up with the real ssh client: ProxyCommand knockknock -c
# -p %p %h.  The echo server sends ssh its own banner back, and ssh says
# what it read: proof that its bytes went through knockknock both ways.
cat >"$TMP/ssh_config" <<EOF
Host kkserver
	HostName $SRV_ADDR
	Port $PORT
	ProxyCommand env HOME=$CHOME $(realpath "$KNOCKKNOCK") -c -p %p %h
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
EOF
# After the banner ssh waits for ever for a server's key exchange (it gets
# its own back), so it is stopped once it has said what it read.  ip netns
# exec execs timeout: $! is timeout's PID, which passes the signal on.
ip netns exec "$NS_C" timeout 60 ssh -F "$TMP/ssh_config" -v kkserver true \
    >"$TMP/ssh.out" 2>&1 &
sshpid=$!
PIDS+=("$sshpid")
ver=$(ssh -V 2>&1 | sed 's/^OpenSSH_\([^ ,]*\).*/OpenSSH_\1/')
check "13 ssh ProxyCommand: ssh read its own banner back through knockknock -c" \
    wait_for 30 grep -q "remote software version $ver" "$TMP/ssh.out"
kill "$sshpid" 2>/dev/null || true
wait "$sshpid" 2>/dev/null || true
check "13 ssh ProxyCommand: the daemon logged the grant" granted
n=$(opened)
st=0
cli timeout 60 env HOME="$WHOME" "$KNOCKKNOCK" -c -w 1 -p "$PORT" "$SRV_ADDR" \
    </dev/null >/dev/null 2>"$TMP/relay.err" || st=$?
expect "13 -c, wrong keys: exit 1 after -w 1, saying why" "1 knockknock: $SRV_ADDR ($SRV_ADDR): no connection to port $PORT within 1 s (Connection refused): did the server take the knock?" \
    "$st $(cat "$TMP/relay.err")"
expect "13 -c, wrong keys: nothing opened" "$n" "$(opened)"

# With a firewall that drops what is not granted, as one with a drop policy
# does, the kernel would resend the first attempt's SYN, dropped before the
# grant was in, only after a second: a later attempt must get through.
if [ "$FIREWALL" = nftables ]; then
	h=$(srv nft -a list chain inet knockknock input |
	    sed -n 's/.*meta l4proto tcp reject with tcp reset # handle \([0-9]*\)$/\1/p')
	srv nft insert rule inet knockknock input handle "$h" tcp dport "$PORT" drop
	undrop() {
		h=$(srv nft -a list chain inet knockknock input |
		    sed -n "s/.*tcp dport $PORT drop # handle \([0-9]*\)\$/\1/p")
		srv nft delete rule inet knockknock input handle "$h"
	}
else
	line=$(srv iptables -w -S INPUT | grep -n -- "-j REJECT --reject-with tcp-reset" | cut -d: -f1)
	srv iptables -w -I INPUT "$((line - 1))" -p tcp --dport "$PORT" -j DROP
	undrop() { srv iptables -w -D INPUT -p tcp --dport "$PORT" -j DROP; }
fi
expect "13 the firewall now drops port $PORT" timeout \
    "$(connect_result "$SRV_ADDR" "$PORT")"
st=0 t0=$(now_ms)
cli timeout 60 env HOME="$CHOME" "$KNOCKKNOCK" -c -p "$PORT" "$SRV_ADDR" \
    </dev/null >/dev/null 2>"$TMP/relay.err" || st=$?
ms=$(( $(now_ms) - t0 ))
expect "13 -c through a drop: exit 0" "0" "$st$(cat "$TMP/relay.err")"
check "13 -c through a drop: connected before the SYN's resend (${ms} ms)" \
    test "$ms" -lt 900
check "13 -c through a drop: the daemon logged the grant" granted
undrop
expect "13 the firewall refuses port $PORT again" refused \
    "$(connect_result "$SRV_ADDR" "$PORT")"

if [ "$SOURCE" = file ]; then
	cp "$KLOG" "$KLOG.2"
	: >"$KLOG"
fi
k4=$(dry)
knock
if [ "$SOURCE" = file ]; then
	check "rotation by copy-truncate: a knock after it opens" granted
else
	check "6 a knock before the restart is granted" granted
fi
check "6 its grant is in the firewall" has_grant
w=$(watcher_pid) || w=
c2=$(srv_counter)
kill -TERM "$DAEMON_PID"
check "6 SIGTERM: the daemon and the watcher exit" wait_for 3 eval 'pid_gone $DAEMON_PID && pid_gone ${w:-0}'
reap "$DAEMON_PID"
check "6 SIGTERM: grants withdrawn" no_grants
expect "6 the counter file kept its value" "$c2" "$(srv_counter)"
# From here on the daemon also reads /dev/kmsg every millisecond by itself,
# and has no tracefs, so no tracepoint to wake it: that it still works is
# the point of the fallback.
echo "kmsg_poll_ms = 1" >>"$SRV/config"
NO_TRACEFS=1 start_daemon "$SRV"
if [ "$SOURCE" = kmsg ]; then
	expect "6 without tracefs: said at start" 1 \
	    "$(lines "knockknock-daemon: no printk:console tracepoint (/sys/kernel/tracing/events/printk/console/id: No such file or directory (is tracefs mounted?)): a new record wakes the watcher at the kernel's next tick, up to a few ms later")"
fi
# The watcher's read() calls over half a second with nothing logged: about
# 500 with kmsg_poll_ms = 1, none when it only reads when woken.
w=$(watcher_pid) || w=
r0=$(awk '/^syscr:/ { print $2 }' "/proc/${w:-0}/io" 2>/dev/null) || r0=
sleep 0.5
r1=$(awk '/^syscr:/ { print $2 }' "/proc/${w:-0}/io" 2>/dev/null) || r1=
reads=$(( ${r1:-0} - ${r0:-0} ))
if [ "$SOURCE" = kmsg ]; then
	expect "6 kmsg_poll_ms = 1 is said at start" 1 \
	    "$(lines 'knockknock-daemon: reading /dev/kmsg every 1 ms as well (kmsg_poll_ms)')"
	check "6 ...and the watcher reads by itself ($reads reads in 0.5 s)" \
	    test -n "$r1" -a "$reads" -ge 100
else
	expect "6 kmsg_poll_ms with a file: a warning at start" 1 \
	    "$(lines "knockknock-daemon: kmsg_poll_ms has no effect with log source $SRV/kern.log")"
	check "6 ...and no reads of its own ($reads reads in 0.5 s)" \
	    test -n "$r1" -a "$reads" -le 20
fi
n=$(opened) nk=$(knocked)
replay "$k4"				# the newest accepted knock
replay "$k1"
check "6 old knocks reached the kernel log" \
    wait_for 3 eval 'records_are "$k4" 2 && records_are "$k1" 3'
knock
if ms=$(connect_within 1000 "$SRV_ADDR" "$PORT"); then
	ok "6 a new knock after the restart connects (${ms} ms)"
else
	bad "6 a new knock after the restart connects within 1 s"
fi
check "6 the restarted daemon logged it" granted
expect "6 old knocks granted nothing after the restart (opened, knock lines)" \
    "$((n + 1)) $((nk + 1))" "$(opened) $(knocked)"
expect "6 counter" "$((c2 + 1))" "$(srv_counter)"

# 8: a crash leaves nothing open for longer than the delay.
t0=$(now_ms)
knock
check "8 an unused knock is granted" granted
w=$(watcher_pid) || w=
kill -KILL "$DAEMON_PID" ${w:+"$w"}
check "8 kill -9: both processes are gone" wait_for 3 eval 'pid_gone $DAEMON_PID && pid_gone ${w:-0}'
reap "$DAEMON_PID"
check "8 the grant outlives the daemon" has_grant
if [ "$FIREWALL" = iptables ]; then
	# No timer survives the crash: the restarted daemon removes the rule
	# at the expiry written in its comment.
	start_daemon "$SRV"
	# The comment holds whole seconds, and the restarted daemon counts
	# whole seconds from its start: up to a second either way.
	early=1000 late=2500
fi
if ms=$(expire_ms "$t0") && in_window "$ms" "${early:-100}" "${late:-1500}"; then
	ok "8 the grant is gone after the delay (${ms} ms)"
else
	bad "8 the grant is gone after the delay" "${ms:-still there} ms"
fi
expect "8 refused after it" refused "$(connect_result "$SRV_ADDR" "$PORT")"

# (accepted6 of them came over IPv6.)
accepted4=$((accepted - accepted6))
expect "9 one 'opened' line for each accepted knock, exact text" \
    "$accepted $accepted4 $accepted6" "$(opened) $(grep -c -x -F "$OPENED" "$TMP/daemon.err") $(grep -c -x -F "$OPENED6" "$TMP/daemon.err")"
expect "9 one 'knock from' line for each accepted knock, exact text" \
    "$accepted $accepted4 $accepted6" "$(knocked) $(grep -c -x -F "$KNOCKED" "$TMP/daemon.err") $(grep -c -x -F "$KNOCKED6" "$TMP/daemon.err")"
# Each "opened" line follows its knock's line: the watcher logs before it
# sends, the helper after the firewall change.
expect "9 every 'opened' line is preceded by a 'knock from' line" "" \
    "$(grep -F -e ' opened ' -e ' knock from ' "$TMP/daemon.err" |
	awk '/ knock from / { k++ } / opened / { if (k == 0) print NR ": " $0; else k-- }')"
expect "9 no 'NOT opened' line while the firewall worked" 0 "$(lines 'NOT opened')"

# 11 (last: it breaks the server's firewall): a grant the firewall refuses
# is logged as NOT opened, never as opened, and the daemon goes on.
break_firewall() {
	if [ "$FIREWALL" = nftables ]; then
		# Drop the grant rules and the sets they use; the log rule
		# and the rejects stay.  The helper's "create element" fails.
		local c h
		c=$(srv nft -a list chain inet knockknock input) || return 1
		for h in $(sed -n 's/.*@allow[46] .*# handle \([0-9]*\)$/\1/p' <<<"$c"); do
			srv nft delete rule inet knockknock input handle "$h" ||
			    return 1
		done
		srv nft delete set inet knockknock allow4 &&
		    srv nft delete set inet knockknock allow6
	else
		# The same INPUT chain (log rule, rejects) at a priority
		# iptables-nft does not accept as its own: `iptables -I`
		# fails (exit 4) while the rules still filter.
		local t
		t=$(srv nft list table ip filter 2>/dev/null) || return 1
		grep -q 'hook input priority filter;' <<<"$t" || return 1
		printf 'delete table ip filter\n%s\n' \
		    "${t//hook input priority filter;/hook input priority filter + 1;}" |
		    srv nft -f -
	fi
}
[ "$FIREWALL" = iptables ] || start_daemon "$SRV"	# 8 left none running
check "11 (the firewall now refuses grants)" break_firewall
n=$(opened) nk=$(knocked) c3=$(srv_counter)
knock
check "11 a knock the firewall refuses: the helper warns NOT opened, exact text" \
    wait_for 3 eval '[ "$(grep -c -x -F "$NOT_OPENED" "$TMP/daemon.err")" = 1 ]'
expect "11 ...after the watcher accepted it (knock line, counter)" \
    "$((nk + 1)) $((c3 + 1))" "$(knocked) $(srv_counter)"
expect "11 ...and no 'opened' line" "$n" "$(opened)"
check "11 ...and the backend said why" grep -q -E \
    "^knockknock-daemon: $FIREWALL: (insert )?${CLI_ADDR//./\\.} port $PORT: " \
    "$TMP/daemon.err"
expect "11 ...and nothing opened: refused" refused "$(connect_result "$SRV_ADDR" "$PORT")"
knock
check "11 the daemon goes on after a refused grant: the next knock is handled" \
    wait_for 3 eval '[ "$(grep -c -x -F "$NOT_OPENED" "$TMP/daemon.err")" = 2 ]'

done=1
if summary "$LABEL"; then exit 0; else exit 1; fi
