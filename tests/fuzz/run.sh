#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build each libFuzzer harness in tests/fuzz/ into build/fuzz/, compiling the
# files under test directly (as WireGuard's src/fuzz/ does), then run it for
# FUZZ_SECONDS (default 30) on a scratch copy of its seed corpus, so nothing
# generated lands in the tree.  Any crash, leak, sanitizer report or timeout
# fails the harness; a failing input is kept in build/fuzz/artifacts/ and the
# log in build/fuzz/fuzz_NAME.log.  One line per harness, then a summary; the
# exit status is non-zero if any harness failed to build or to run clean.
#
#   FUZZ_SECONDS=60 sh tests/fuzz/run.sh [profile ini config grant iptrule logparse]
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined \
-fno-sanitize-recover=all -D_GNU_SOURCE -std=c11 -I."
OUT=build/fuzz

# The modules each harness compiles in.
sources() {
	case $1 in
	profile)	echo "profiles/profile.c profiles/counter.c profiles/ini.c" ;;
	ini)		echo "profiles/ini.c" ;;
	grant)		echo "privsep/msg.c" ;;
	iptrule)	echo "privsep/iptrule.c" ;;
	logparse)	echo "daemon/logparse.c" ;;
	config)		echo "daemon/config.c profiles/ini.c" ;;
	*)		return 1 ;;
	esac
}

libs() {
	case $1 in
	profile)	echo "-lcrypto" ;;
	esac
}

# Key and config files may be 4096 bytes each, so let profile inputs exceed
# that; a grant is 20 bytes; log lines are refused past 2048.
fuzz_flags() {
	case $1 in
	profile)	echo "-max_len=16384" ;;
	grant)		echo "-max_len=32" ;;
	iptrule)	echo "-max_len=512" ;;
	# past LOGPARSE_LINE_MAX (2048), so the over-long path is fuzzed too
	logparse)	echo "-max_len=4096" ;;
	esac
}

case $FUZZ_SECONDS in
''|*[!0-9]*|0)
	echo "fuzz: FUZZ_SECONDS must be a positive integer" >&2
	exit 2 ;;
esac

if [ $# -gt 0 ]; then
	names=$*
else
	names=
	for n in profile ini config grant iptrule logparse; do
		[ -f "tests/fuzz/fuzz_$n.c" ] && names="$names $n"
	done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/knockknock-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT/artifacts" "$work/tmp" || exit 1

passed=0
failed=0

# result NAME WORDS...: the words are joined into one line.
result() {
	name=$1
	shift
	printf '%-14s %s\n' "fuzz_$name:" "$*"
	case $1 in
	ok*)	passed=$((passed + 1)) ;;
	*)	failed=$((failed + 1)) ;;
	esac
}

build() {
	log=$OUT/fuzz_$1.log
	if ! srcs=$(sources "$1") || [ ! -f "tests/fuzz/fuzz_$1.c" ]; then
		echo "no harness tests/fuzz/fuzz_$1.c" >"$log"
		return 1
	fi
	# shellcheck disable=SC2046,SC2086 # the lists are meant to split
	$CLANG $FUZZ_CFLAGS -o "$OUT/fuzz_$1" "tests/fuzz/fuzz_$1.c" $srcs \
	    $(libs "$1") >"$log" 2>&1
}

# A report in the log fails the run even if libFuzzer's exit status did not.
reported() {
	grep -Eq '^==[0-9]+== ?ERROR|^SUMMARY: [A-Za-z]+Sanitizer|runtime error:' \
	    "$1"
}

final_stat() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

run() {
	n=$1
	log=$OUT/fuzz_$n.log
	corpus=$work/corpus-$n
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$n" ] && cp -R "tests/fuzz/corpus/$n/." "$corpus/"
	# shellcheck disable=SC2046 # fuzz_flags is meant to split
	TMPDIR=$work/tmp "$OUT/fuzz_$n" -max_total_time="$FUZZ_SECONDS" \
	    -timeout=10 -detect_leaks=1 -print_final_stats=1 \
	    -artifact_prefix="$OUT/artifacts/fuzz_$n-" $(fuzz_flags "$n") \
	    "$corpus" >>"$log" 2>&1
	rc=$?
	execs=$(final_stat "$log" number_of_executed_units)
	rate=$(final_stat "$log" average_exec_per_sec)
	if [ "$rc" -ne 0 ] || reported "$log"; then
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		    tail -n 1)
		result "$n" "FAILED (exit $rc) after ${execs:-?} execs:" \
		    "see $log${art:+, input $art}"
		return
	fi
	inputs=$(find "$corpus" -type f | wc -l)
	result "$n" "ok, $execs execs in $FUZZ_SECONDS s ($rate/s)," \
	    "corpus $inputs inputs"
}

for n in $names; do
	if ! build "$n"; then
		result "$n" "FAILED to build: see $OUT/fuzz_$n.log"
		continue
	fi
	run "$n"
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
