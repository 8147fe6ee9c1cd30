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

# nf_log_all_netns=1 held across all the suites, put back at the end.
. tests/allnetns.sh
trap all_netns_off EXIT
trap 'exit 1' INT TERM HUP
all_netns_on

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
