#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# What a newcomer touches first: the man pages agree with --help and render
# without a warning; the systemd unit passes `systemd-analyze verify` (and
# an unknown key or bad value in it would be caught: verify only warns, so
# its stderr must be empty); config.example is valid and says the defaults;
# `make install` / `make uninstall` into a DESTDIR put and remove exactly
# the expected files and keep the configuration; `--check` accepts a good
# DIR and names the broken file of a bad one; and the demo (tests/demo.sh)
# runs, for both firewalls, and cleans up after itself, also on Ctrl-C.
#
# Needs root for the demo and for setcap (it says so and counts a failure
# when not root).  The demo creates its own network namespaces; nothing
# here touches the root namespace's firewall.
set -u
cd "$(dirname "$0")/../.." || exit 1

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
check() {	# NAME CMD...: CMD's success is a pass
	_n=$1
	shift
	if "$@"; then ok "$_n"; else bad "$_n"; fi
}

tmp=$(mktemp -d /tmp/kk-docs.XXXXXX) || exit 1
demo_pid=""
cleanup() {
	[ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PAGES="bin/knockknock:knockknock/knockknock.1
bin/knockknock-daemon:daemon/knockknock-daemon.8
bin/knockknock-genprofile:profiles/knockknock-genprofile.8"
UNIT=daemon/knockknock-daemon.service

for p in bin/knockknock bin/knockknock-daemon bin/knockknock-genprofile; do
	if [ ! -x "$p" ]; then
		bad "$p is built" "run make first"
		echo "docs: $pass passed, $fail failed"
		exit 1
	fi
done

# render PAGE: the page as plain text, wide enough that no option is
# split across lines.
render() { groff -mandoc -Tutf8 -rLL=300n "$1" 2>/dev/null | col -bx; }

# section TEXT NAME: the lines of section NAME of a rendered page.
section() {
	printf '%s\n' "$1" | awk -v s="$2" '
	    /^[A-Z][A-Z ]*$/ { on = ($0 == s); next }
	    on'
}

# help_options PROGRAM: every short and long option that --help shows, one
# a line: from the usage lines and the option table (lines that start
# with spaces and a dash), not from prose such as "command -v".
help_options() {
	"$1" --help | grep -E '^(usage: | +[a-z-]+ | +-)' |
	    sed 's/  [a-z].*//' | tr ' ,|[]' '\n\n\n\n\n' |
	    grep -E '^(-[A-Za-z]|--[a-z][a-z-]*)$' | sort -u
}

# usage_options PROGRAM: the options in --help's usage lines, which the
# page's SYNOPSIS must show too.
usage_options() {
	"$1" --help | sed -n '/^usage: /,/^$/p' | tr ' ,|[]' '\n\n\n\n\n' |
	    grep -E '^(-[A-Za-z]|--[a-z][a-z-]*)$' | sort -u
}
# running PID: alive and not a zombie.
running() { grep -q '^State:[[:space:]]*[^Z[:space:]]' "/proc/$1/status" 2>/dev/null; }
none_running() {
	for _p in "$@"; do running "$_p" && return 1; done
	return 0
}

# ---- man pages ----

echo "$PAGES" | while IFS=: read -r prog page; do
	name=${page##*/}
	text=$(render "$page")
	missing=
	for h in NAME SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		printf '%s\n' "$text" | grep -qx "$h" || missing="$missing '$h'"
	done
	[ -z "$missing" ] && echo "ok   $name has every section" ||
	    echo "FAIL $name has every section: missing$missing"

	opts=$(help_options "$prog")
	[ -n "$opts" ] || echo "FAIL $prog --help lists options: none found"
	options=$(section "$text" OPTIONS)
	synopsis=$(section "$text" SYNOPSIS)
	missing=
	for o in $opts; do
		printf '%s\n' "$options" | grep -qw -e "$o" || missing="$missing $o"
	done
	for o in $(usage_options "$prog"); do
		printf '%s\n' "$synopsis" | grep -qw -e "$o" || missing="$missing $o(synopsis)"
	done
	[ -z "$missing" ] &&
	    echo "ok   $name documents every option of --help ($(echo $opts | tr ' ' ,))" ||
	    echo "FAIL $name documents every option of --help: missing$missing"

	groff -ww -mandoc -Tutf8 "$page" >/dev/null 2>"$tmp/groff.err"
	[ $? = 0 ] && [ ! -s "$tmp/groff.err" ] &&
	    echo "ok   $name renders with groff -ww, no warning" ||
	    echo "FAIL $name renders with groff -ww, no warning: $(head -3 "$tmp/groff.err")"
	if command -v man >/dev/null; then
		MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/man.err"
		[ $? = 0 ] && [ ! -s "$tmp/man.err" ] &&
		    echo "ok   $name renders with man --warnings -l, no warning" ||
		    echo "FAIL $name renders with man --warnings -l: $(head -3 "$tmp/man.err")"
	fi
done >"$tmp/pages.out"
cat "$tmp/pages.out"
pass=$((pass + $(grep -c '^ok ' "$tmp/pages.out")))
fail=$((fail + $(grep -c '^FAIL ' "$tmp/pages.out")))

# The page documents every key of the config file, with its default.
text=$(render daemon/knockknock-daemon.8)
missing=
for kv in "delay = seconds:default 15" "error_window = N:default 20" \
    "log_source = auto:Default auto" "kmsg_poll_ms = ms:default 0" \
    "firewall = nftables:Default nftables" \
    "user = name:Default nobody" "group = name:Default adm"; do
	printf '%s\n' "$text" | grep -qF "${kv%%:*}" || missing="$missing '${kv%%:*}'"
	printf '%s\n' "$text" | grep -qF "${kv#*:}" || missing="$missing '${kv#*:}'"
done
for s in "ready: N profiles" "knock from SRC for tcp/PORT (profile NAME)" \
    "opened tcp/PORT for SRC for D s" "NOT opened: tcp/PORT for SRC" \
    "failed knocks in the last minute" \
    "--print-firewall" "does not override a drop" "costs disk"; do
	printf '%s\n' "$text" | grep -qF -e "$s" || missing="$missing '$s'"
done
expect_empty() { [ -z "$2" ] && ok "$1" || bad "$1" "missing$2"; }
expect_empty "knockknock-daemon.8 documents config keys, defaults, log lines, firewall caveats" "$missing"

# ---- the systemd unit ----

if command -v systemd-analyze >/dev/null; then
	# ExecStart must name an existing binary, and Documentation= a page
	# that man finds: point both into the tree.
	mkdir -p "$tmp/man/man8"
	cp daemon/knockknock-daemon.8 "$tmp/man/man8/"
	sed "s|/usr/local/sbin/knockknock-daemon|$PWD/bin/knockknock-daemon|g" \
	    "$UNIT" >"$tmp/knockknock-daemon.service"
	MANPATH=$tmp/man systemd-analyze verify "$tmp/knockknock-daemon.service" \
	    >"$tmp/verify.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && [ ! -s "$tmp/verify.out" ] &&
	    ok "systemd-analyze verify $UNIT: no error, no warning" ||
	    bad "systemd-analyze verify $UNIT" "status $rc: $(head -3 "$tmp/verify.out")"
	# The same check must catch a mistake.
	sed 's/^ProtectHome=yes/ProtectHome=yess/' "$tmp/knockknock-daemon.service" \
	    >"$tmp/broken.service"
	MANPATH=$tmp/man systemd-analyze verify "$tmp/broken.service" >"$tmp/verify.out" 2>&1
	grep -q 'yess' "$tmp/verify.out" &&
	    ok "systemd-analyze verify reports a bad value (the check can fail)" ||
	    bad "systemd-analyze verify reports a bad value"
else
	bad "systemd-analyze verify" "systemd-analyze is not installed"
fi
missing=
for d in "ExecStart=/usr/local/sbin/knockknock-daemon -C /etc/knockknock.d -f" \
    Restart=always ProtectSystem=strict "ReadWritePaths=/etc/knockknock.d/profiles" \
    ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes \
    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYSLOG CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_PERFMON" \
    "RestrictAddressFamilies=AF_UNIX AF_NETLINK" SystemCallArchitectures=native \
    SystemCallFilter=@system-service SystemCallFilter=perf_event_open; do
	grep -qxF "$d" "$UNIT" || missing="$missing '$d'"
done
grep -q '^ProtectKernelLogs=yes' "$UNIT" && missing="$missing (ProtectKernelLogs would hide /dev/kmsg)"
expect_empty "the unit runs the daemon with its sandbox" "$missing"

# ---- config.example and --check ----

dir=$tmp/etc
./bin/knockknock-genprofile -C "$dir" alice 666 >/dev/null
./bin/knockknock-daemon -C "$dir" --check >"$tmp/check.none" 2>&1
cp daemon/config.example "$dir/config"
./bin/knockknock-daemon -C "$dir" --check >"$tmp/check.out" 2>"$tmp/check.err"
rc=$?
[ "$rc" = 0 ] && grep -qx 'configuration OK' "$tmp/check.out" &&
    grep -qx 'profile alice: knock port 666, counter 0' "$tmp/check.out" &&
    [ ! -s "$tmp/check.err" ] &&
    ok "--check on a valid DIR (config.example, one profile): status 0, 'configuration OK', the profile line" ||
    bad "--check on a valid DIR" "status $rc: $(cat "$tmp/check.out" "$tmp/check.err")"
cmp -s "$tmp/check.none" "$tmp/check.out" &&
    ok "config.example, as shipped, means the defaults" ||
    bad "config.example, as shipped, means the defaults" "$(diff "$tmp/check.none" "$tmp/check.out")"
sed 's/^#\([a-z_]* = \)/\1/' daemon/config.example >"$dir/config"
n=$(grep -cE '^(delay|error_window|log_source|kmsg_poll_ms|firewall|user|group) = ' "$dir/config")
./bin/knockknock-daemon -C "$dir" --check >"$tmp/check.out" 2>&1
[ "$n" = 7 ] && cmp -s "$tmp/check.none" "$tmp/check.out" &&
    ok "config.example: all seven keys, each commented out at its default" ||
    bad "config.example: all seven keys at their defaults" "$n keys; $(diff "$tmp/check.none" "$tmp/check.out")"
rm -f "$dir/config"

echo garbage >"$dir/profiles/alice/mac.key"
./bin/knockknock-daemon -C "$dir" --check >"$tmp/check.out" 2>"$tmp/check.err"
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/check.err")" = 1 ] &&
    grep -qF "$dir/profiles/alice/mac.key" "$tmp/check.err" &&
    ! grep -q 'configuration OK' "$tmp/check.out" &&
    ok "--check on a broken profile: status 1, one line naming the file" ||
    bad "--check on a broken profile" "status $rc: $(cat "$tmp/check.out" "$tmp/check.err")"

# ---- make install / make uninstall ----

dest=$tmp/dest
FILES="usr/bin/knockknock
usr/sbin/knockknock-daemon
usr/sbin/knockknock-genprofile
usr/share/man/man1/knockknock.1
usr/share/man/man8/knockknock-daemon.8
usr/share/man/man8/knockknock-genprofile.8
usr/lib/systemd/system/knockknock-daemon.service
etc/knockknock.d/config"
installed() { (cd "$dest" && find . -type f | sed 's|^\./||' | sort); }

make -s --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$tmp/make.out" 2>&1
rc=$?
want=$(echo "$FILES" | sort)
got=$(installed)
[ "$rc" = 0 ] && [ "$got" = "$want" ] &&
    ok "make install DESTDIR PREFIX=/usr: exactly the expected files" ||
    bad "make install DESTDIR PREFIX=/usr" "status $rc; got: $(echo $got)"
grep -qx 'ExecStart=/usr/sbin/knockknock-daemon -C /etc/knockknock.d -f' \
    "$dest/usr/lib/systemd/system/knockknock-daemon.service" &&
    ok "the installed unit runs /usr/sbin/knockknock-daemon" ||
    bad "the installed unit runs /usr/sbin/knockknock-daemon"
[ "$(stat -c %a "$dest/etc/knockknock.d/profiles" 2>/dev/null)" = 700 ] &&
    ok "make install creates etc/knockknock.d/profiles mode 0700" ||
    bad "make install creates etc/knockknock.d/profiles mode 0700"
cmp -s daemon/config.example "$dest/etc/knockknock.d/config" &&
    ok "make install installs config.example as the config" ||
    bad "make install installs config.example as the config"
if [ "$(id -u)" = 0 ] && command -v getcap >/dev/null; then
	getcap "$dest/usr/bin/knockknock" | grep -q 'cap_net_raw[=+]ep' &&
	    ok "make install (root) gives the client cap_net_raw+ep" ||
	    bad "make install (root) gives the client cap_net_raw+ep"
fi
echo '# mine' >>"$dest/etc/knockknock.d/config"
make -s --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$tmp/make.out" 2>&1
tail -n 1 "$dest/etc/knockknock.d/config" | grep -qx '# mine' &&
    ok "make install again keeps an existing config" ||
    bad "make install again keeps an existing config"
make -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/make.out" 2>&1
rc=$?
got=$(installed)
[ "$rc" = 0 ] && [ "$got" = etc/knockknock.d/config ] &&
    [ -d "$dest/etc/knockknock.d/profiles" ] &&
    ok "make uninstall removes all but the config and the profiles" ||
    bad "make uninstall" "status $rc; left: $(echo $got)"

# ---- the demo ----

if [ "$(id -u)" != 0 ]; then
	bad "the demo runs" "needs root (network namespaces)"
else
	for fw in nftables iptables; do
		FIREWALL=$fw sh tests/demo.sh >"$tmp/demo.out" 2>&1 &
		demo_pid=$!
		wait "$demo_pid"
		rc=$?
		ns_left=$(ip netns list | grep -E "^kkdemo-[sc]-$demo_pid( |\$)")
		demo_pid=
		[ "$rc" = 0 ] && [ "$(grep -c '^✔ ' "$tmp/demo.out")" = 5 ] &&
		    ! grep -q '^✘' "$tmp/demo.out" &&
		    grep -qx 'demo: 5 passed, 0 failed' "$tmp/demo.out" &&
		    ok "FIREWALL=$fw sh tests/demo.sh: status 0, five ✔ lines" ||
		    { bad "FIREWALL=$fw sh tests/demo.sh" "status $rc"; sed 's/^/    /' "$tmp/demo.out"; }
		[ -z "$ns_left" ] && ok "the $fw demo deleted its namespaces" ||
		    bad "the $fw demo deleted its namespaces" "$ns_left"
	done
	# Ctrl-C once the daemon runs: status 130, nothing left behind.  A
	# background job of a script ignores SIGINT; env gives it back.
	if env --default-signal=INT true 2>/dev/null; then
		env --default-signal=INT sh tests/demo.sh >"$tmp/demo.out" 2>&1 &
		demo_pid=$!
		end=$(($(date +%s) + 10))
		until grep -q 'daemon: ready' "$tmp/demo.out" || [ "$(date +%s)" -ge "$end" ]; do
			sleep 0.05
		done
		daemon=$(pgrep -f "knockknock-daemon -C /tmp/kk-demo[^ ]*/etc -f" |
		    while read -r p; do
			    [ "$(ip netns identify "$p" 2>/dev/null)" = "kkdemo-s-$demo_pid" ] && echo "$p"
		    done)
		kill -INT "$demo_pid"
		wait "$demo_pid"
		rc=$?
		left=$(ip netns list | grep -E "^kkdemo-[sc]-$demo_pid( |\$)")
		# The watcher follows the helper out on its own: give it 5 s
		# (whole seconds: 4 to 5).
		end=$(($(date +%s) + 5))
		until none_running $daemon || [ "$(date +%s)" -ge "$end" ]; do
			sleep 0.05
		done
		for p in $daemon; do running "$p" && left="$left daemon $p"; done
		demo_pid=
		[ "$rc" = 130 ] && [ -n "$daemon" ] && [ -z "$left" ] &&
		    grep -q 'interrupted' "$tmp/demo.out" &&
		    ok "the demo, interrupted (SIGINT): status 130, daemon stopped, namespaces gone" ||
		    bad "the demo, interrupted" "status $rc, daemon '$daemon', left '$left'"
	fi
fi

echo "docs: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
