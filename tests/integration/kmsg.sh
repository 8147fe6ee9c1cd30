#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The /dev/kmsg log source (daemon/logsrc.c, daemon/kmsg.c) with real kernel
# records.  kmsg-driver.c, built here, opens the "kmsg" source in the root
# namespace (the kernel log is one for the whole machine), prints every line
# it delivers and stops at the first that contains this run's LOG prefix:
#
#   client namespace $NS_C               server namespace $NS_S
#  +---------------------------+        +-----------------------------------+
#  | bash /dev/tcp             |        | iptables INPUT: LOG tcp/665, 666  |
#  |                           |        | (nothing listens: RST, but the    |
#  |                           |        |  SYN is logged first)             |
#  |  eth0  $CLI_ADDR/24 ------+--veth--+-- $SRV_IF  $SRV_ADDR/24           |
#  +---------------------------+        +-----------------------------------+
#
# Checked, as root and after dropping to nobody (as the watcher does, with
# kernel.dmesg_restrict as the machine has it): a record logged before the
# source was opened is not delivered; the LOG record is, message part only;
# records written to /dev/kmsg by a process, even one asking for facility
# kernel, are not delivered and are counted foreign.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap cleanup EXIT INT TERM

DRV=$TMP/kmsg-driver
cc -std=c11 -D_GNU_SOURCE -I. -O2 -Wall -Wextra -Werror -o "$DRV" \
    tests/integration/kmsg-driver.c daemon/logsrc.c daemon/kmsg.c \
    daemon/kernlog.c daemon/logparse.c daemon/log.c
topology_up
PRE="kkpre$rnd: "
TAG="kktest$rnd: "
FORGED="kkforged$rnd: IN=$SRV_IF OUT= SRC=$CLI_ADDR DST=$SRV_ADDR LEN=40"
FORGED="$FORGED TTL=64 ID=1 PROTO=TCP SPT=1 DPT=666 SEQ=1 ACK=1 WINDOW=1"
FORGED="$FORGED RES=0x00 SYN URGP=0"
srv iptables -A INPUT -p tcp --dport 665 -j LOG --log-prefix "$PRE"
srv iptables -A INPUT -p tcp --dport 666 -j LOG --log-prefix "$TAG" \
    --log-tcp-sequence
restrict=$(cat /proc/sys/kernel/dmesg_restrict)
echo "kernel.dmesg_restrict = $restrict"

# Logged before any source is open: must never be delivered.
expect "SYN to 665 refused" refused "$(connect_result "$SRV_ADDR" 665)"

# run_driver NAME [-u]: start the driver, wait for it to be ready, forge
# two records, send the SYN that is logged, wait for the driver.
run_driver() {
	local name=$1 out=$TMP/$1.out pid st=0
	shift
	"$DRV" "$@" "$TAG" >"$out" 2>"$TMP/$name.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for 5 grep -q '^ready /dev/kmsg$' "$out"
	echo "<14>$FORGED" >/dev/kmsg		# user.info
	echo "<4>$FORGED" >/dev/kmsg		# asks for kern: made user
	expect "$name: SYN to 666 refused" refused \
	    "$(connect_result "$SRV_ADDR" 666)"
	wait "$pid" || st=$?
	reap "$pid"
	expect "$name: driver saw the record" 0 "$st"
	[ "$st" = 0 ] || cat "$out" "$TMP/$name.err"
	expect "$name: the LOG record, message only" 1 "$(grep -cE \
	    "^line: $TAG"'IN='"$SRV_IF OUT= MAC=[0-9a-f:]+ SRC=$CLI_ADDR DST=$SRV_ADDR .*PROTO=TCP SPT=[0-9]+ DPT=666 SEQ=[0-9]+ ACK=0 WINDOW=[0-9]+ RES=0x00 SYN URGP=0 ?$" \
	    "$out")"
	expect "$name: nothing logged before open" 0 \
	    "$(grep -c "$PRE" "$out" || true)"
	expect "$name: forged records not delivered" 0 \
	    "$(grep -c kkforged "$out" || true)"
	check "$name: forged records counted foreign" \
	    awk '/^stats / { split($3, f, "="); ok = f[2] >= 2 } END { exit !ok }' \
	    "$out"
}

run_driver root
run_driver nobody -u
# What dmesg_restrict does: a new open as nobody is refused, reading the
# descriptor opened as root goes on (the record above was read as nobody).
if [ "$restrict" = 1 ]; then
	expect "nobody: a new open is refused" \
	    "reopen as nobody: Operation not permitted" \
	    "$(grep '^reopen' "$TMP/nobody.out")"
else
	expect "nobody: a new open works" "reopen as nobody: ok" \
	    "$(grep '^reopen' "$TMP/nobody.out")"
fi
summary kmsg
