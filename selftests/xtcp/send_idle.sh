#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_idle: congestion window validation after idle (RFC 7661's
# problem, Linux's tcp_cwnd_restart). A bulk send grows cwnd well above
# the restart window (10); after an idle gap of many RTOs, the next write
# finds cwnd back at the restart window and ssthresh at least 3/4 of the
# old cwnd. A gap shorter than the RTO, and any gap with
# net.ipv4.tcp_slow_start_after_idle = 0, leave cwnd as it was. Each case
# runs for xtcp; Linux TCP's restart case runs as the reference.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

HELPER=$(dirname "$0")/send_idle.py
SOCK=$(dirname "$0")/send_sock.py
send_setup si python3

# idle_run FAMILY PORT IDLE_MS: prints the helper's before/after lines.
idle_run() {
	local srv rc
	ip netns exec $B timeout 60 python3 "$SOCK" server TCP "$2" \
		>"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $B "$2" 10 || { echo "no listener"; return 1; }
	ip netns exec $A timeout 60 python3 "$HELPER" "$1" 10.0.1.2 "$2" \
		2000000 "$3"
	rc=$?
	wait $srv || rc=1
	return $rc
}

# check OUT EXPECT: EXPECT "restart" or "keep".
check() {
	local b a as
	read -r _ b _ _ _ <<<"$(grep '^before' <<<"$1")"
	read -r _ a as <<<"$(grep '^after' <<<"$1")"
	echo "$1"
	[ -n "$b" ] && [ -n "$a" ] || return 1
	[ "$b" -gt 20 ] || { echo "cwnd did not grow: no measurement"; return 1; }
	if [ "$2" = restart ]; then
		[ "$a" -eq 10 ] && [ "$as" -ge $((b * 3 / 4)) ]
	else
		[ "$a" -ge "$b" ]
	fi
}

t_case() {	# t_case FAMILY PORT IDLE_MS EXPECT [SLOW_START_AFTER_IDLE]
	local out rc
	ip netns exec $A sysctl -qw \
		net.ipv4.tcp_slow_start_after_idle="${5:-1}" || return 1
	out=$(idle_run "$1" "$2" "$3") || { echo "$out"; return 1; }
	check "$out" "$4"
	rc=$?
	ip netns exec $A sysctl -qw net.ipv4.tcp_slow_start_after_idle=1
	return $rc
}

ktap_header 4
ktap_run tcp_reference_restart_after_idle t_case TCP 7401 1500 restart
ktap_run xtcp_restart_after_idle t_case XTCP 7402 1500 restart
ktap_run xtcp_short_gap_keeps_cwnd t_case XTCP 7403 20 keep
ktap_run xtcp_sysctl_off_keeps_cwnd t_case XTCP 7404 1500 keep 0
ktap_finish
