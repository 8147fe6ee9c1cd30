#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# knockknock-genprofile: what it writes is read back under knockknock 0.5's
# format rules (Python: base64 16-byte keys, int(counter), ConfigParser
# [main] knock_port), files are private, and every refusal exits non-zero
# leaving nothing behind.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/kk-genprofile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gen=./bin/knockknock-genprofile
fails=0
check() { # description, then the command that must succeed
	d=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok   $d"; else echo "FAIL $d"; fails=$((fails + 1)); fi
}
refuses() { # description, expected message part, command...
	d=$1 want=$2; shift 2
	if out=$("$@" 2>&1); then
		echo "FAIL $d: exit 0"; fails=$((fails + 1))
	elif printf '%s' "$out" | grep -qF -- "$want"; then
		echo "ok   $d"
	else
		echo "FAIL $d: got '$out'"; fails=$((fails + 1))
	fi
}

check "creates a profile" $gen -C "$tmp" alice 666
p=$tmp/profiles/alice
check "directory is 0700" test "$(stat -c %a "$p")" = 700
for f in cipher.key mac.key counter config; do
	check "$f is 0600" test "$(stat -c %a "$p/$f")" = 600
done
check "read by knockknock 0.5's rules" python3 - "$p" <<'PY'
import base64, configparser, sys
d = sys.argv[1]
for k in ("cipher.key", "mac.key"):
    raw = open(d + "/" + k, "rb").read()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1, raw
    assert len(base64.b64decode(raw, validate=False)) == 16
assert int(open(d + "/counter").readline().rstrip("\n")) == 0
c = configparser.RawConfigParser(); c.read(d + "/config")
assert c.get("main", "knock_port") == "666"
PY
check "keys differ between profiles" $gen -C "$tmp" bob 667
check "fresh keys" test "$(cat "$p/cipher.key")" != "$(cat "$tmp/profiles/bob/cipher.key")"
check "cipher and mac keys differ" test "$(cat "$p/cipher.key")" != "$(cat "$p/mac.key")"

check "a new DIR is 0755" $gen -C "$tmp/new" carol 668
check "  ... and DIR/profiles 0700" test "$(stat -c %a "$tmp/new")/$(stat -c %a "$tmp/new/profiles")" = 755/700
echo notes >"$tmp/profiles/README"
check "a file beside the profiles is no profile" $gen -C "$tmp" dave 669

before=$(ls -R "$tmp" | md5sum)
refuses "existing name" "already exists" $gen -C "$tmp" alice 700
refuses "knock port in use" "knock port 666 is already used by profile alice" $gen -C "$tmp" carol 666
refuses "name with /" "must be a plain file name" $gen -C "$tmp" a/b 700
refuses "leading dot" "must not start with '.'" $gen -C "$tmp" .x 700
refuses "port 0" "knock port '0': out of range" $gen -C "$tmp" carol 0
refuses "port 65536" "knock port '65536': out of range" $gen -C "$tmp" carol 65536
refuses "port not a number" "knock port '6x6': not a number" $gen -C "$tmp" carol 6x6
refuses "missing argument" "usage:" $gen -C "$tmp" carol
check "refusals changed nothing" test "$(ls -R "$tmp" | md5sum)" = "$before"

echo "genprofile: $fails failures"
[ "$fails" = 0 ]
