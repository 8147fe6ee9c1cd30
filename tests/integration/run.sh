#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Run every integration test (tests/integration/*.sh but this one and
# lib.sh).  They need root: they create network namespaces and load real
# netfilter rules, never touching the root namespace's firewall.
set -u
cd "$(dirname "$0")/../.."

if [ "$(id -u)" != 0 ]; then
	echo "integration: skipped, the integration tests need root (network namespaces)"
	echo "integration: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

# Namespaced LOG rules reach the kernel log only with nf_log_all_netns=1,
# which lets every namespace write kernel records: set it once here, so
# that no suite puts it back while the next one starts, and put back what
# was there at the end.
all_netns_was=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
trap 'case $all_netns_was in 0) sysctl -qw net.netfilter.nf_log_all_netns=0 ;; esac' EXIT
trap 'exit 1' INT TERM HUP
sysctl -qw net.netfilter.nf_log_all_netns=1

pass=0 fail=0 failed=
for t in tests/integration/*.sh; do
	# daemon.sh is the suite the four daemon-*.sh wrappers parameterise.
	case "$t" in */run.sh|*/lib.sh|*/daemon.sh) continue ;; esac
	[ -n "${ONLY:-}" ] && case "$t" in *"$ONLY"*) ;; *) continue ;; esac
	echo "=== $t"
	if sh "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
[ -n "$failed" ] && echo "integration: failed:$failed"
echo "integration: $pass passed, $fail failed"
[ "$fail" = 0 ]
