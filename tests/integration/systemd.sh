#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shipped systemd unit under a real systemd: the daemon runs as
# `make install` puts it and as the unit starts it, with every sandboxing
# line of the unit applied (seccomp filter, capability bounding set,
# read-only file system, address families), and must still grant a knock
# and, with /dev/kmsg, be woken by the printk:console tracepoint.
#
# The "server" is a systemd-nspawn container booted from an overlay of
# this machine's root (writes go to a tmpfs; the root stays untouched)
# inside the server namespace of lib.sh's topology, so the firewall it
# changes is that namespace's.  The client knocks from the client
# namespace as usual.  Needs systemd-nspawn (Debian: systemd-container).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"	# run.sh uses sh
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

PORT=2222 NAME=alice
KPORT=$((20000 + 0x$rnd % 20000))
ROOT=$TMP/root				# the container's root (overlay)
CT=kkct$rnd				# the container's machine name
NSPAWN_PID=
CGROUPS=()		# the cgroups made for the container, one per hierarchy

ct_cleanup() {
	local pid
	trap - EXIT INT TERM HUP PIPE
	# Ask systemd in the container to power off; kill what is left.
	if [ -n "$NSPAWN_PID" ]; then
		kill "$NSPAWN_PID" 2>/dev/null
		wait_for 10 not_running "$NSPAWN_PID"
		kill -9 "$NSPAWN_PID" 2>/dev/null
	fi
	# Nothing may hold a file in the overlay when it is unmounted (the
	# kern.log writer does), and lib.sh's cleanup removes $TMP, which
	# must not reach / through a mount that stayed.
	for pid in "${PIDS[@]}" $(ip netns pids "$NS_S" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	umount "$ROOT/merged" 2>/dev/null || umount -l "$ROOT/merged" 2>/dev/null
	umount "$ROOT" 2>/dev/null || umount -l "$ROOT" 2>/dev/null
	# nspawn leaves this behind when its container is killed.
	rm -rf "/run/systemd/nspawn/propagate/$CT"
	cleanup
	cleanup_cgroups
}
not_running() { ! kill -0 "$1" 2>/dev/null; }
cleanup_cgroups() {
	local d
	for d in "${CGROUPS[@]}"; do
		wait_for 5 cgroup_removed "$d" ||
		    echo "left cgroup $d (still has processes)" >&2
	done
}
cgroup_removed() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$1" ]
}
trap ct_cleanup EXIT
trap "exit 1" INT TERM HUP PIPE

if ! command -v systemd-nspawn >/dev/null; then
	bad "systemd-nspawn" "not installed (Debian: systemd-container); run .ci/deps.sh"
	summary systemd
	exit 1
fi
topology_up

# --- the container's root: this machine's /, writes to a tmpfs ---------
mkdir -p "$ROOT"
mount -t tmpfs -o mode=0755 kkroot "$ROOT"
mkdir "$ROOT/upper" "$ROOT/work" "$ROOT/merged"
mount -t overlay kkroot -o "lowerdir=/,upperdir=$ROOT/upper,workdir=$ROOT/work" \
    "$ROOT/merged"
R=$ROOT/merged

# Installed as a user would: make install, then a profile and the config.
make -s install DESTDIR="$R" >"$TMP/install.out" 2>&1 ||
    bad "make install" "$(tail -3 "$TMP/install.out")"
ETC=$R/etc/knockknock.d
make_conf "$ETC" nftables kmsg "$TMP/home"

# Boot to a small target of our own: basic.target and nothing the host
# happens to have enabled (databases, getty).
cat >"$R/etc/systemd/system/kk-test.target" <<'ZZZ'
[Unit]
Description=knockknock test boot
Requires=basic.target
After=basic.target
AllowIsolate=yes
ZZZ
ln -sf kk-test.target "$R/etc/systemd/system/default.target"

listen "$PORT" || bad "listener on $PORT"

# --- boot -----------------------------------------------------------------
# What a host has and nspawn keeps from containers by default: the kernel
# log device and CAP_SYSLOG (the unit needs it to open /dev/kmsg with
# kernel.dmesg_restrict = 1); tracefs, CAP_PERFMON and the perf_event_open
# call (refused by nspawn's own seccomp filter), with which the unit's
# doorbell for /dev/kmsg (kmsg_tracepoint) works, so that the unit's
# CAP_PERFMON and perf_event_open lines are tested too.
TRACEFS=()
if [ -e /sys/kernel/tracing/events/printk/console/id ]; then
	TRACEFS=(--bind-ro=/sys/kernel/tracing)
fi
#
# Without a systemd on the host to give it a scope, nspawn puts the
# container in "payload" under its own cgroup, and systemd in there kills
# what is in its cgroups when it stops a unit or shuts down.  A cgroup of
# our own per run keeps two runs (or anything else) out of each other's.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	hier=(/sys/fs/cgroup)				# cgroup v2 only
else
	hier=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)	# hybrid
fi
for h in "${hier[@]}"; do
	[ -d "$h" ] || continue
	mkdir "$h/kk-test-$$-$rnd" && CGROUPS+=("$h/kk-test-$$-$rnd")
done
(
	for d in "${CGROUPS[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done
	# setsid: a Ctrl-C of the test is for the test, whose cleanup then
	# shuts the container down in order.
	exec setsid systemd-nspawn -q -D "$R" -M "$CT" --register=no \
	    --link-journal=no --keep-unit \
	    --capability=CAP_SYSLOG,CAP_NET_ADMIN,CAP_PERFMON \
	    --system-call-filter=perf_event_open \
	    --bind-ro=/dev/kmsg "${TRACEFS[@]}" \
	    --network-namespace-path="/run/netns/$NS_S" -b
) </dev/null >"$TMP/boot.log" 2>&1 &
NSPAWN_PID=$!

# The container's PID 1: the process of the server namespace whose PID
# in its own PID namespace is 1.
ct_pid1() {
	local p
	for p in $(ip netns pids "$NS_S"); do
		grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null &&
		    { echo "$p"; return 0; }
	done
	return 1
}
# A time limit: systemd stops (SIGSTOP) what nsenter runs when it shuts
# down, and nsenter then stops as well.
in_ct() { timeout -k 5 30 nsenter -t "$PID1" -a -- "$@"; }
booted() {
	PID1=$(ct_pid1) || return 1
	case "$(in_ct systemctl is-system-running 2>/dev/null)" in
	running|degraded) return 0 ;;
	esac
	return 1
}
if ! wait_for 90 booted; then
	bad "container boots" "$(tail -5 "$TMP/boot.log")"
	summary systemd
	exit 1
fi
ok "a container with systemd as PID 1 boots in the server namespace"

# Everything below talks to the container: stop at once if it is gone.
container_alive() {
	kill -0 "$PID1" 2>/dev/null && return 0
	bad "the container stopped" "$(tail -3 "$TMP/boot.log")"
	summary systemd
	exit 1
}
unit_prop() { in_ct systemctl show -P "$1" knockknock-daemon; }
journal() { in_ct journalctl -q -o cat -u knockknock-daemon; }
ready_count() { journal 2>/dev/null | grep -c 'ready:'; }
ready_above() { [ "$(ready_count)" -gt "$1" ]; }
last_ready_has() { journal | grep 'ready:' | tail -1 | grep -qF "$1"; }
# How the watcher said it is woken, the last time it started.
last_woken() { journal | grep -E 'woken by the printk|no printk:console' |
    tail -1; }

# delay 60 s: a grant left at stop must be removed by the daemon, not
# expire by itself while the check runs.
set_config() {
	printf '[main]\ndelay = 60\nerror_window = 20\nlog_source = %s\nfirewall = %s\nuser = nobody\n' \
	    "${2:-kmsg}" "$1" >"$ETC/config"
}
granted() {
	case "$1" in
	nftables) srv nft list set inet knockknock allow4 ;;
	*) in_ct iptables -S INPUT ;;
	esac | grep -q "$CLI_ADDR"
}
# phase TAG FIREWALL HELPER_UID LOG_SOURCE: start the unit, check its
# processes, knock and connect once, have the watcher killed, stop the
# unit.  HELPER_UID is whom the helper runs as with FIREWALL; TAG names
# the checks.
phase() {
	local t=$1 fw=$2 helper_uid=$3 src=$4 n main watcher newmain count
	container_alive
	set_config "$fw" "$src"
	n=$(ready_count)
	in_ct systemctl start knockknock-daemon
	if wait_for 15 ready_above "$n"; then
		ok "$t: systemctl start: the daemon says ready"
	else
		bad "$t: systemctl start" "$(journal | tail -5)"
	fi
	expect "$t: the unit is active" active "$(unit_prop ActiveState)"
	[ "$src" = kmsg ] && src=/dev/kmsg
	check "$t: the ready line names the log source" last_ready_has "log source $src,"
	if [ "$src" != /dev/kmsg ]; then
		:
	elif [ ${#TRACEFS[@]} -eq 0 ]; then
		echo "skip: $t: no tracefs on this host, the doorbell is not tested"
	else
		expect "$t: woken by the printk:console tracepoint (the unit allows it)" \
		    "woken by the printk:console tracepoint on $(getconf _NPROCESSORS_ONLN) CPU" \
		    "$(last_woken | grep -o 'woken by the printk:console tracepoint on [0-9]* CPU')"
	fi
	main=$(unit_prop MainPID)

	# The helper (the main process) and the watcher, as the unit runs
	# them.  PIDs are the container's, and so is its /proc.
	watcher=$(in_ct pgrep -u nobody -P "$main" | head -1)
	expect "$t: helper's user" "$helper_uid" "$(proc_field "$main" Uid)"
	expect "$t: watcher runs as nobody" "$(id -u nobody)" "$(proc_field "$watcher" Uid)"
	expect "$t: watcher has no effective capability" 0000000000000000 \
	    "$(proc_field "$watcher" CapEff)"
	expect "$t: watcher has an empty bounding set" 0000000000000000 \
	    "$(proc_field "$watcher" CapBnd)"
	expect "$t: the unit's seccomp filter is on" 2 "$(proc_field "$main" Seccomp)"

	count=$(counter)
	expect "$t: refused before a knock" refused "$(connect_result "$SRV_ADDR" "$PORT")"
	knock >/dev/null || bad "$t: knock"
	if wait_for 5 can_connect "$SRV_ADDR" "$PORT"; then
		ok "$t: after a knock the port opens"
	else
		bad "$t: after a knock the port opens" "$(journal | tail -3)"
	fi
	expect "$t: one connection per knock" refused "$(connect_result "$SRV_ADDR" "$PORT")"
	check "$t: the counter was saved (the unit leaves profiles writable)" \
	    test "$(counter)" -gt "$count"
	# SystemCallErrorNumber=EPERM turns a filtered call into a quiet
	# "Operation not permitted".
	if journal | grep -qiE 'not permitted|denied|bad system call'; then
		bad "$t: no call refused by the sandbox" \
		    "$(journal | grep -iE 'not permitted|denied|bad system call' | head -2)"
	else
		ok "$t: no call refused by the sandbox"
	fi

	# The watcher dies: the helper exits 1, systemd starts both again.
	n=$(ready_count)
	in_ct kill -9 "$watcher"
	if wait_for 20 ready_above "$n"; then
		ok "$t: watcher killed: systemd restarts the daemon (Restart=always)"
	else
		bad "$t: watcher killed: systemd restarts the daemon" "$(journal | tail -3)"
	fi
	newmain=$(unit_prop MainPID)
	check "$t: a new main process" test "$newmain" != "$main" -a "$newmain" != 0

	# A grant still pending at stop is removed: knock, do not connect.
	knock >/dev/null || bad "$t: knock before stop"
	check "$t: a grant is pending" wait_for 5 granted "$fw"
	in_ct systemctl stop knockknock-daemon
	expect "$t: systemctl stop: inactive" inactive "$(unit_prop ActiveState)"
	expect "$t: systemctl stop: a clean exit, not a failure" success "$(unit_prop Result)"
	if granted "$fw"; then
		bad "$t: stop removes pending grants"
	else
		ok "$t: stop removes pending grants"
	fi
	expect "$t: refused after stop" refused "$(connect_result "$SRV_ADDR" "$PORT")"
}
proc_field() { in_ct awk -v k="$2:" '$1 == k { print $2 }' "/proc/${1:-0}/status"; }
knock() { cli env HOME="$TMP/home" "$KNOCKKNOCK" -p "$PORT" "$SRV_ADDR"; }
counter() { cat "$ETC/profiles/$NAME/counter"; }

expect "the unit is installed where systemd finds it" \
    /usr/local/lib/systemd/system/knockknock-daemon.service \
    "$(unit_prop FragmentPath)"
in_ct systemctl enable knockknock-daemon >/dev/null 2>&1
expect "systemctl enable" enabled "$(in_ct systemctl is-enabled knockknock-daemon)"

"$DAEMON" -C "$ETC" --print-firewall nftables >"$TMP/firewall"
srv nft -f "$TMP/firewall" || bad "load the nftables ruleset"
phase nftables/kmsg nftables "$(id -u nobody)" kmsg

# kern.log as rsyslog writes it on Debian (root:adm 0640): the watcher
# keeps group adm to reopen it, through the unit's read-only /var.
install -m 0640 -g adm /dev/null "$R/var/log/kern.log"
kernlog_writer "$R/var/log/kern.log"
phase nftables/kern.log nftables "$(id -u nobody)" /var/log/kern.log
kill "$WRITER_PID"
reap "$WRITER_PID"

# fails_with TAG TEXT DROPIN_LINES: started with a drop-in of DROPIN_LINES
# (and Restart=no), the unit must fail, exit 1 and log a line with TEXT.
DROPIN=$R/etc/systemd/system/knockknock-daemon.service.d
unit_failed() { [ "$(unit_prop ActiveState)" = failed ]; }
journal_has() { journal | grep -qF "$1"; }
fails_with() {
	container_alive
	mkdir -p "$DROPIN"
	printf '[Service]\n%bRestart=no\n' "$3" >"$DROPIN/test.conf"
	in_ct systemctl daemon-reload
	in_ct systemctl start knockknock-daemon
	check "$1: the unit fails" wait_for 15 unit_failed
	expect "$1: exit status 1" 1 "$(unit_prop ExecMainStatus)"
	check "$1: one line says why" journal_has "$2"
	rm "$DROPIN/test.conf"
	in_ct systemctl daemon-reload
	in_ct systemctl reset-failed knockknock-daemon
}

# A sandbox without netlink: libnftables would exit the helper with a
# message of its own; the helper finds out first and says so.
fails_with "no netlink" "nftables: netlink socket: Address family not supported" \
    'RestrictAddressFamilies=\nRestrictAddressFamilies=AF_UNIX\n'

# iptables-nft (Debian's default), chosen in the container whatever the
# host has: the helper is root.
srv nft delete table inet knockknock
in_ct update-alternatives --quiet --set iptables /usr/sbin/iptables-nft
in_ct update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-nft
"$DAEMON" -C "$ETC" --print-firewall iptables >"$TMP/firewall"
in_ct sh -c "$(cat "$TMP/firewall")" || bad "load the iptables ruleset"
phase iptables-nft/kmsg iptables 0 kmsg

# Legacy iptables needs the drop-in the unit's comment gives.
srv nft flush ruleset
in_ct update-alternatives --quiet --set iptables /usr/sbin/iptables-legacy
in_ct update-alternatives --quiet --set ip6tables /usr/sbin/ip6tables-legacy
in_ct sh -c "$(cat "$TMP/firewall")" || bad "load the iptables ruleset (legacy)"
fails_with "legacy iptables without the drop-in" \
    "legacy iptables needs the drop-in given in knockknock-daemon.service" ''
printf '[Service]\nRestrictAddressFamilies=AF_INET AF_INET6\nReadWritePaths=/run\n' \
    >"$DROPIN/legacy.conf"
in_ct systemctl daemon-reload
phase iptables-legacy/kmsg iptables 0 kmsg

summary systemd
