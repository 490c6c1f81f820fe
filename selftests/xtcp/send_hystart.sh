#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_hystart: CUBIC's HyStart, as Linux's CUBIC has it on by default.
# The path is a veth with netem at the sender's egress: 10 ms one way,
# 40 Mbit/s and a queue long enough never to drop. Slow start there
# doubles the window per round into the queue; HyStart ends it without a
# loss when a round's ACK train spans half the minimum RTT or its RTT
# rises above the minimum by 4 ms or more. TCP_INFO is sampled every
# 10 ms during a 2.5 s write.
#  1. Linux TCP with cubic (the reference): slow start ends (ssthresh
#     set) in the Open state with nothing retransmitted.
#  2. xtcp with cubic: the same; ssthresh equals the window at the exit,
#     HyStart's counters in /proc/net/xtcp_snmp count one exit and its
#     window, and the exit window is within a factor of 4 of Linux TCP's
#     (both near the path's 69-segment BDP; a slow start that runs on
#     fills the queue and the 4 MB send buffer, ten times more).
#  3. xtcp with HyStart off (the module parameter): ssthresh stays unset
#     for the whole write, nothing lost: the exit in 2 is HyStart's.
#  4. At 4 Mbit/s ACKs come 2.9 ms apart, too far for a train: both
#     senders leave slow start on the delay signal, xtcp's counted as
#     such, their exit windows within a factor of 4.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

SOCK=$(dirname "$0")/send_sock.py
HY=/sys/module/xtcp/parameters/hystart
INF=2147483647

# path RATE: the sender's egress: 10 ms, RATE, a queue that never drops.
path() {
	ip netns exec $A tc qdisc replace dev xs0 root netem delay 10ms \
		rate "$1" limit 100000
}

send_on_exit() {
	echo reno >/sys/module/xtcp/parameters/congestion 2>/dev/null
	echo 1 >$HY 2>/dev/null
}
send_setup sh python3 tc
[ -w $HY ] || skip_all "xtcp.ko has no hystart parameter"
modprobe sch_netem 2>/dev/null
path 40mbit || skip_all "netem unavailable"
# Single segments into netem: its rate and queue see packets, as a
# router's would (one MSS per skb: "ethtool -K gso off" leaves TCP
# sockets their software GSO, segmented only after the qdisc).
ip netns exec $A ip link set dev xs0 gso_max_segs 1 ||
	skip_all "cannot set gso_max_segs"
ip netns exec $A sysctl -qw net.ipv4.tcp_congestion_control=cubic
ip netns exec $B sysctl -qw net.ipv4.tcp_rmem="4096 4194304 16777216"
echo cubic >/sys/module/xtcp/parameters/congestion

PORT=7760
# run NAME FAMILY: a 2.5 s cubic write; samples in $TMP/NAME.
run() {
	local srv rc=0

	PORT=$((PORT + 1))
	ip netns exec $B timeout 30 python3 "$SOCK" server TCP $PORT >/dev/null &
	srv=$!
	wait_listen $B $PORT 10 || return 1
	ip netns exec $A timeout 30 python3 "$SOCK" client "$2" 10.0.1.2 $PORT \
		"cc=cubic;connect;bulk=2.5@10;close" >"$TMP/$1" 2>&1 || rc=1
	wait $srv || rc=1
	[ $rc -eq 0 ] || cat "$TMP/$1"
	return $rc
}

# exit_of NAME: "EXIT_CWND STATE_BAD" from the samples: the first
# ssthresh set, and whether any sample so far left the Open state
# (ca_state != 0) or had a retransmission pending. Empty: no exit.
exit_of() {
	awk -v inf=$INF '$1 == "cw" {
		if ($5 != 0) bad = 1
		if ($4 < inf) { print $4, bad + 0; exit }
	}' "$TMP/$1"
}

snmp_sum() {	# snmp_sum NAMES...: the SUT's xtcp counters added
	local n s=0
	for n in "$@"; do
		s=$((s + $(snmp "$n")))
	done
	echo $s
}

# Each case runs in a subshell: Linux TCP's exit window passes in a file.
tcp_exit() { cat "$TMP/tcp_exit" 2>/dev/null; }

t_tcp_reference() {
	local e bad
	run tcp TCP || return 1
	read -r e bad <<<"$(exit_of tcp)"
	echo "Linux TCP: slow start ended at cwnd ${e:-never}"
	[ -n "$e" ] || { echo "no exit without loss: path not as designed"; return 1; }
	[ "$bad" = 0 ] || { echo "left Open before slow start ended"; return 1; }
	echo "$e" >"$TMP/tcp_exit"
}

t_xtcp_hystart() {
	local e bad n0 c0 n c retr0 retr tcp_exit=$(tcp_exit)
	n0=$(snmp_sum TCPHystartTrainDetect TCPHystartDelayDetect)
	c0=$(snmp_sum TCPHystartTrainCwnd TCPHystartDelayCwnd)
	retr0=$(snmp RetransSegs)
	run xtcp XTCP || return 1
	read -r e bad <<<"$(exit_of xtcp)"
	n=$(($(snmp_sum TCPHystartTrainDetect TCPHystartDelayDetect) - n0))
	c=$(($(snmp_sum TCPHystartTrainCwnd TCPHystartDelayCwnd) - c0))
	retr=$(($(snmp RetransSegs) - retr0))
	echo "xtcp: slow start ended at cwnd ${e:-never} (train $(snmp TCPHystartTrainDetect), delay $(snmp TCPHystartDelayDetect); $retr retransmitted)"
	[ -n "$e" ] || return 1
	[ "$bad" = 0 ] || { echo "left Open before slow start ended"; return 1; }
	[ "$n" -eq 1 ] || { echo "$n HyStart exits counted, not 1"; return 1; }
	# ssthresh was set to cwnd at the exit; cwnd may have grown before
	# the first sample, never shrunk.
	[ "$c" -eq "$e" ] || { echo "counted exit window $c, ssthresh $e"; return 1; }
	near "$e" "$tcp_exit"
}

near() {	# near XTCP_EXIT TCP_EXIT: within a factor of 4
	[ -n "$2" ] || { echo "no Linux TCP reference"; return 1; }
	[ $(($1 * 4)) -ge "$2" ] && [ "$1" -le $(($2 * 4)) ] ||
		{ echo "exit $1 vs Linux TCP's $2: beyond a factor of 4"; return 1; }
}

t_xtcp_hystart_off() {
	local e max retr0 retr l0 l1 rc=0 tcp_exit=$(tcp_exit)
	echo 0 >$HY
	retr0=$(snmp RetransSegs)
	l0=$(loss_counts)
	run off XTCP || rc=1
	echo 1 >$HY
	[ $rc -eq 0 ] || return 1
	read -r e _ <<<"$(exit_of off)"
	retr=$(($(snmp RetransSegs) - retr0))
	l1=$(loss_counts)
	max=$(awk '$1 == "cw" && $3 > m { m = $3 } END { print m + 0 }' "$TMP/off")
	echo "HyStart off: ssthresh ${e:-never set}, cwnd up to $max, $retr retransmitted"
	[ -z "$e" ] && [ "$retr" -eq 0 ] && [ "$max" -gt $((4 * ${tcp_exit:-69})) ] &&
		return 0
	# How it lost: counters before/after, the peer's drops, and the
	# samples (t cwnd ssthresh ca_state rtt_us unacked) around the loss.
	echo "loss counters before: $l0"
	echo "after: $l1"
	echo "peer: $(peer_drops)"
	awk -v inf=$INF '$1 == "cw" { n++; if ($4 < inf && !f) f = n } { l[n] = $0 }
		END { for (i = (f > 10 ? f - 10 : 1); i <= f + 5 && i <= n; i++)
			print l[i] }' "$TMP/off"
	return 1
}

t_delay_exit() {
	local te tbad xe xbad d0 d
	path 4mbit || return 1
	d0=$(snmp TCPHystartDelayDetect)
	run tcp4 TCP && run xtcp4 XTCP || return 1
	read -r te tbad <<<"$(exit_of tcp4)"
	read -r xe xbad <<<"$(exit_of xtcp4)"
	d=$(($(snmp TCPHystartDelayDetect) - d0))
	echo "4 Mbit/s: Linux TCP exit at ${te:-never}, xtcp at ${xe:-never} ($d by delay)"
	[ -n "$te" ] && [ -n "$xe" ] && [ "$tbad$xbad" = 00 ] || return 1
	[ "$d" -eq 1 ] || { echo "xtcp's exit was not the delay signal's"; return 1; }
	near "$xe" "$te"
}

ktap_header 4
ktap_run tcp_reference_hystart_exit t_tcp_reference
ktap_run xtcp_hystart_exit_as_linux t_xtcp_hystart
ktap_run xtcp_hystart_off_runs_on t_xtcp_hystart_off
ktap_run xtcp_hystart_delay_exit t_delay_exit
ktap_finish
