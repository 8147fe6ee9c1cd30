# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the tests and the demo that need net.netfilter.nf_log_all_netns
# = 1 (without it the kernel drops LOG records from inside a namespace).
# The setting lets every network namespace write kernel records (README.md,
# Security notes), so it is put back when the tests end: the first test in
# notes what was there, the last one out restores it, under a lock, so that
# suites running at once never pull it from under each other.  A test killed
# with SIGKILL leaves it set; /run is emptied at the next boot.
#
#   all_netns_on      set it, and count this process in
#   all_netns_off     count it out (once; later calls do nothing)

ALLNETNS_STATE=/run/knockknock-tests.allnetns
ALLNETNS_HELD=0

all_netns_on() {
	[ "$ALLNETNS_HELD" = 1 ] && return 0
	(
		flock 9
		n=$(cat "$ALLNETNS_STATE.count" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] 2>/dev/null ||
			cat /proc/sys/net/netfilter/nf_log_all_netns \
			    >"$ALLNETNS_STATE.was"
		echo $((n + 1)) >"$ALLNETNS_STATE.count"
		sysctl -qw net.netfilter.nf_log_all_netns=1
	) 9>"$ALLNETNS_STATE.lock" || return 1
	ALLNETNS_HELD=1
}

all_netns_off() {
	[ "$ALLNETNS_HELD" = 1 ] || return 0
	ALLNETNS_HELD=0
	(
		flock 9
		n=$(cat "$ALLNETNS_STATE.count" 2>/dev/null || echo 1)
		if [ "$n" -gt 1 ] 2>/dev/null; then
			echo $((n - 1)) >"$ALLNETNS_STATE.count"
		else
			was=$(cat "$ALLNETNS_STATE.was" 2>/dev/null || echo 1)
			sysctl -qw net.netfilter.nf_log_all_netns="$was"
			rm -f "$ALLNETNS_STATE.count" "$ALLNETNS_STATE.was"
		fi
	) 9>"$ALLNETNS_STATE.lock"
}
