#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `make soak`: the long variants of the reliability tests (tests/soak/*.sh
# but this one), one after the other.  Root only: they create network
# namespaces.  ONLY=crash runs one.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ "$(id -u)" != 0 ]; then
	echo "soak: skipped, the soak tests need root (network namespaces)"
	exit 0
fi

pass=0 fail=0 failed=
for t in tests/soak/*.sh; do
	case "$t" in */run.sh) continue ;; esac
	[ -n "${ONLY:-}" ] && case "$t" in *"$ONLY"*) ;; *) continue ;; esac
	echo "=== $t"
	start=$(date +%s)
	if sh "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
	echo "=== $t: $(($(date +%s) - start)) s"
done
[ -n "$failed" ] && echo "soak: failed:$failed"
echo "soak: $pass passed, $fail failed"
[ "$fail" = 0 ]
