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
#
# The same restart when the peer's window reopens on queued data after
# it stayed closed for more than an RTO with nothing in flight (Linux
# checks in tcp_ack_update_window, not only on new data): cwnd goes back
# to the restart window and grows from there by slow start, at most by
# the segments the reopened window takes. A window closed for less than
# an RTO, or the sysctl off, keep cwnd. Linux TCP's restart runs as the
# reference.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

HELPER=$(dirname "$0")/send_idle.py
SOCK=$(dirname "$0")/send_sock.py
send_setup si python3 tcpdump

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

# zwin_case FAMILY PORT PAUSE_MS EXPECT [SLOW_START_AFTER_IDLE]: EXPECT
# "restart" or "keep".
zwin_case() {
	local srv out rc=0 b rto a as segs fl
	rm -f "$TMP"/stop "$TMP"/reopen "$TMP"/drain
	cap_start $B xp0 "$TMP/zw.pcap" "tcp port $2" -s 128 || return 1
	ip netns exec $A sysctl -qw \
		net.ipv4.tcp_slow_start_after_idle="${5:-1}" || { cap_stop; return 1; }
	ip netns exec $B timeout 60 python3 "$HELPER" zrecv "$2" 65536 "$TMP" \
		>"$TMP/srv" 2>&1 &
	srv=$!
	if wait_listen $B "$2" 10; then
		out=$(ip netns exec $A timeout 60 python3 "$HELPER" zwin "$1" \
			10.0.1.2 "$2" 1000000 262144 "$3" "$TMP") || rc=1
	else
		echo "no listener"
		kill $srv
		rc=1
	fi
	wait $srv || rc=1
	cap_stop
	ip netns exec $A sysctl -qw net.ipv4.tcp_slow_start_after_idle=1
	echo "$out"
	cat "$TMP/srv"
	[ $rc = 0 ] || return 1
	# On the wire: the flight the reopened window let out.
	fl=$($PCAP "$TMP/zw.pcap" 10.0.1.1 reopen) || { echo "$fl"; return 1; }
	echo "$fl (bytes, packets, seconds closed)"
	read -r _ fl _ <<<"$fl"
	read -r _ b _ rto <<<"$(grep '^before' <<<"$out")"
	read -r _ a as segs <<<"$(grep '^after' <<<"$out")"
	[ -n "$a" ] || return 1
	# The restart is visible only when cwnd is above what it can grow
	# back to.
	[ "$b" -gt $((10 + segs)) ] ||
		{ echo "cwnd $b not above 10 + the $segs segments sent: no measurement"; return 1; }
	[ "$3" -lt $((rto / 1000)) ] || [ "$4" = restart ] || [ "$5" = 0 ] ||
		{ echo "pause not shorter than the RTO ($rto us)"; return 1; }
	# The flight: 10 segments of 1448 bytes (veth's MTU, timestamps) at
	# the restart, and the receiver's ACK comes late enough for a tail
	# loss probe to send one more (Linux TCP's too); the whole reopened
	# window (some 35) without it.
	if [ "$4" = restart ]; then
		[ "$a" -ge 10 ] && [ "$a" -le $((10 + segs)) ] &&
		[ "$as" -ge $((b * 3 / 4)) ] && [ "$fl" -le $((11 * 1448)) ]
	else
		[ "$a" -ge "$b" ] && [ "$fl" -gt $((11 * 1448)) ]
	fi
}

ktap_header 8
ktap_run tcp_reference_restart_after_idle t_case TCP 7401 1500 restart
ktap_run xtcp_restart_after_idle t_case XTCP 7402 1500 restart
ktap_run xtcp_short_gap_keeps_cwnd t_case XTCP 7403 20 keep
ktap_run xtcp_sysctl_off_keeps_cwnd t_case XTCP 7404 1500 keep 0
ktap_run tcp_reference_restart_after_zero_window zwin_case TCP 7405 1500 restart
ktap_run xtcp_restart_after_zero_window zwin_case XTCP 7406 1500 restart
ktap_run xtcp_short_zero_window_keeps_cwnd zwin_case XTCP 7407 20 keep
ktap_run xtcp_zero_window_sysctl_off_keeps_cwnd zwin_case XTCP 7408 1500 keep 0
ktap_finish
