#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_loss: loss recovery against a stock Linux TCP peer.
#  1. netem drops 2% of xtcp's segments: 8 MiB arrive intact and the
#     namespace's counters (/proc/net/xtcp_snmp) show fast retransmits,
#     i.e. losses repaired from duplicate ACKs/SACK before any RTO.
#  2. The same with the peer's SACK off (NewReno, RFC 6582).
#  3. The peer's ACKs are blackholed: the same segment is retransmitted
#     at intervals that double (RFC 6298 5.5 backoff), after the one
#     tail loss probe (RFC 8985) that precedes the first RTO.
#  4. TCP_USER_TIMEOUT 3000 ms with the ACKs blackholed: the connection
#     fails with ETIMEDOUT after about 3 s.
#  5. One segment dropped (iptables nth rule at the peer) in slow start
#     with a 100 ms round trip: the halved cwnd is below the flight, yet
#     the lost segment is retransmitted at once on the third duplicate
#     ACK (captured at the sender: within 20 ms, not after the flight
#     drains, which would take a round trip).
#  6. One GSO skb of 17 or more segments dropped at the peer: the lost
#     run is resent as GSO skbs of what cwnd has room for, not one MSS
#     at a time (captured at the SUT's veth, before segmentation), as
#     Linux TCP resends it in the same run.
#  7. A segment held in the SUT's own qdisc (tbf at 8 kbit/s) past the
#     retransmission timeout: no copy is queued behind it (each segment
#     leaves once, at the peer's capture) and the SUT counts the held
#     resends (TCPSpuriousRtxHostQueues), as Linux TCP does.
#  8. Everything sent in half a second is lost (the peer drops all data
#     to the port), 100 ms away: after the RTO, cwnd grows from one
#     segment by slow start while the resends go (TCP_INFO every 20 ms
#     shows it above 8 in the Loss state), as Linux TCP's does, rather
#     than one resend per round trip.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup sl tcpdump python3 tc
peer_delay delay 1ms
[ -r /proc/net/xtcp_snmp ] || skip_all "no /proc/net/xtcp_snmp"
# One MSS per skb: netem, ahead of any segmentation, then drops single
# segments (~115 in 8 MiB at 2%), not GSO skbs (a handful in 8 MiB: one
# run in ten or so repaired them all without a fast retransmit).
# "ethtool -K gso off" does not do it: TCP sockets keep software GSO.
ip netns exec $A ip link set dev xs0 gso_max_segs 1 ||
	skip_all "cannot set gso_max_segs"


loss_case() {	# loss_case PORT
	local fr0 rto0 fr rto rc=0
	fr0=$(snmp FastRetrans)
	rto0=$(snmp RTOs)
	ip netns exec $A tc qdisc add dev xs0 root netem loss 2%
	one_way $B TCP $A XTCP 10.0.1.2 "$1" 8M >/dev/null || rc=1
	ip netns exec $A tc qdisc del dev xs0 root
	fr=$(($(snmp FastRetrans) - fr0))
	rto=$(($(snmp RTOs) - rto0))
	echo "fast retransmits $fr, RTOs $rto, transfer rc $rc"
	[ $rc = 0 ] && [ "$fr" -gt 0 ]
}

t_sack() {
	ip netns exec $B sysctl -qw net.ipv4.tcp_sack=1
	loss_case 7601
}

t_newreno() {
	local rc
	ip netns exec $B sysctl -qw net.ipv4.tcp_sack=0
	loss_case 7602
	rc=$?
	ip netns exec $B sysctl -qw net.ipv4.tcp_sack=1
	return $rc
}

# blackhole_client NAME PORT SCRIPT_AFTER: connect, send 1000 bytes, then
# the peer's ACKs are dropped and SCRIPT_AFTER runs.
blackhole_client() {
	local name=$1 port=$2 cli srv
	rm -f "$TMP/go" "$TMP/bh"
	ip netns exec $B timeout 60 $SOCK server TCP "$port" >/dev/null &
	srv=$!
	wait_listen $B "$port" 10 || return 1
	ip netns exec $A timeout 60 $SOCK client XTCP 10.0.1.2 "$port" \
		"write=1x1000;sleep=300;touch=$TMP/go;waitfile=$TMP/bh;$3" \
		>"$TMP/$name.cli" 2>&1 &
	cli=$!
	for _ in $(seq 100); do [ -e "$TMP/go" ] && break; sleep 0.1; done
	ip netns exec $B tc qdisc change dev xp0 root netem loss 100%
	touch "$TMP/bh"
	wait $cli
	ip netns exec $B tc qdisc change dev xp0 root netem delay 1ms
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	cat "$TMP/$name.cli"
}

t_backoff() {
	local tlp0 tlp
	tlp0=$(snmp TCPLossProbes)
	cap_start $B xp0 "$TMP/b.pcap" "tcp port 7603" || return 1
	blackhole_client backoff 7603 "write=1x1000;sleep=7000"
	cap_stop
	tlp=$(($(snmp TCPLossProbes) - tlp0))
	echo "tail loss probes: $tlp"
	$PCAP "$TMP/b.pcap" 10.0.1.1 segs >"$TMP/b.segs"
	# Every transmission of the segment at relative seq 1001. A tail
	# loss probe (RFC 8985) goes first, at most one RTO after the send;
	# the RTO is armed again after it, so doubling starts one later.
	awk -v skip="$((tlp > 0))" '$2 == 1001 { t[n++] = $1 }
	     END {
		for (i = 2 + skip; i < n; i++) {
			g = t[i] - t[i - 1]; pg = t[i - 1] - t[i - 2]
			printf "gap %.3f s\n", g
			if (g < 1.6 * pg || g > 2.6 * pg) bad++
		}
		printf "%d transmissions, %d gaps not doubling\n", n, bad + 0
		exit !(n >= 5 + skip && !bad)
	     }' "$TMP/b.segs"
}

t_user_timeout() {
	blackhole_client uto 7604 "usertimeout=3000;write=1x1000;waiterr=15000" ||
		return 1
	awk '$1 == "err" { e = $2; t = $3 }
	     END { exit !(e == "ETIMEDOUT" && t >= 2.5 && t <= 5) }' "$TMP/uto.cli"
}

t_immediate() {
	local rc=0
	command -v iptables >/dev/null || { echo "iptables missing"; return 4; }
	ip netns exec $B tc qdisc change dev xp0 root netem delay 100ms
	peer_drop 7605 1000 40 ||
		{ ip netns exec $B tc qdisc change dev xp0 root netem delay 1ms; return 1; }
	cap_start $A xs0 "$TMP/fr.pcap" "tcp port 7605" || rc=1
	one_way $B TCP $A XTCP 10.0.1.2 7605 1M >/dev/null || rc=1
	cap_stop
	ip netns exec $B iptables -F INPUT
	ip netns exec $B tc qdisc change dev xp0 root netem delay 1ms
	$PCAP "$TMP/fr.pcap" 10.0.1.1 fastrtx >"$TMP/fr.out" || rc=1
	cat "$TMP/fr.out"
	[ $rc = 0 ] && awk '{ exit !($4 >= 3 && $10 < 0.02 && $12 >= 10) }' "$TMP/fr.out"
}

# rtx_sizes: from "segs" lines, the retransmitted packets (data below the
# highest sequence already sent): "<count> retransmitted, <bytes> bytes,
# largest <bytes>".
rtx_sizes() {
	awk '{ if ($2 < hi) { n++; b += $3; if ($3 > mx) mx = $3 }
	       if ($2 + $3 > hi) hi = $2 + $3 }
	     END { printf "%d retransmitted, %d bytes, largest %d\n", n, b, mx }'
}

t_gso_rtx() {
	local fam port=7606 rc=0 out
	command -v iptables >/dev/null || { echo "iptables missing"; return 4; }
	# GSO skbs here: the setup's one MSS per skb is for netem's cases.
	ip netns exec $A ip link set dev xs0 gso_max_segs 65535
	for fam in TCP XTCP; do
		port=$((port + 1))
		peer_drop $port 24000 20 || return 1
		cap_start $A xs0 "$TMP/g$fam.pcap" "tcp src port $port or tcp dst port $port" ||
			rc=1
		one_way $B TCP $A $fam 10.0.1.2 $port 4M >/dev/null || rc=1
		cap_stop
		ip netns exec $B iptables -F INPUT
		out=$($PCAP "$TMP/g$fam.pcap" 10.0.1.1 segs | rtx_sizes)
		echo "$fam: $out"
		# More than two MSS (1448 B over veth) in one packet.
		echo "$out" | awk '{ exit !($1 > 0 && $6 > 2 * 1448) }' || rc=1
	done
	ip netns exec $A ip link set dev xs0 gso_max_segs 1
	return $rc
}

# held_once FAMILY PORT: three 1000-byte segments through tbf at 8 kbit/s
# (the last leaves about 1.6 s after its write, past the RTO); each must
# reach the peer once, and the SUT count its held resends.
held_once() {
	local fam=$1 port=$2 h0 h srv rc=0
	h0=$(sut_mib "$fam" TCPSpuriousRtxHostQueues)
	ip netns exec $B timeout 30 $SOCK server TCP "$port" >"$TMP/h.srv" &
	srv=$!
	wait_listen $B "$port" 10 || return 1
	cap_start $B xp0 "$TMP/h$fam.pcap" "tcp port $port" || rc=1
	ip netns exec $A tc qdisc add dev xs0 root tbf rate 8kbit \
		burst 1600 limit 20000 || rc=1
	ip netns exec $A timeout 30 $SOCK client "$fam" 10.0.1.2 "$port" \
		"nodelay=1;connect;sleep=2000;write=3x1000;sleep=4000;close" \
		>/dev/null || rc=1
	wait $srv || rc=1
	ip netns exec $A tc qdisc del dev xs0 root
	cap_stop
	h=$(($(sut_mib "$fam" TCPSpuriousRtxHostQueues) - h0))
	$PCAP "$TMP/h$fam.pcap" 10.0.1.1 segs |
		awk -v f="$fam" -v h="$h" '{ c[$2]++ }
		     END { for (s in c) { n++; if (c[s] > 1) dup++ }
			   printf "%s: %d segments, %d sent more than once, " \
				  "%d resends held\n", f, n, dup, h
			   exit !(n == 3 && !dup && h > 0) }' || rc=1
	return $rc
}

t_host_queue() {
	local rc=0
	ip netns exec $B tc qdisc change dev xp0 root netem delay 0ms
	held_once TCP 7610 || rc=1
	held_once XTCP 7611 || rc=1
	ip netns exec $B tc qdisc change dev xp0 root netem delay 1ms
	return $rc
}

# rto_run FAMILY PORT: a 4 s bulk send sampled every 20 ms; the peer
# drops all data to PORT from 1.5 s to 2 s.
rto_run() {
	local fam=$1 port=$2 srv cli rc=0
	ip netns exec $B timeout 30 $SOCK server TCP "$port" >/dev/null &
	srv=$!
	wait_listen $B "$port" 10 || return 1
	ip netns exec $A timeout 30 $SOCK client "$fam" 10.0.1.2 "$port" \
		"bulk=4@20;close" >"$TMP/rto$fam.cli" 2>&1 &
	cli=$!
	sleep 1.5
	ip netns exec $B iptables -A INPUT -p tcp --dport "$port" -j DROP
	sleep 0.5
	ip netns exec $B iptables -F INPUT
	wait $cli || rc=1
	wait $srv || rc=1
	# "cw <t> <cwnd> <ssthresh> <ca_state> ...": ca_state 4 is Loss.
	awk -v f="$fam" '$1 == "cw" && $5 == 4 { n++; if ($3 > m) m = $3 }
	     END { printf "%s: %d samples in Loss, largest cwnd there %d\n",
			  f, n, m
		   exit !(n > 0 && m >= 8) }' "$TMP/rto$fam.cli" || rc=1
	return $rc
}

t_rto_slow_start() {
	local rc=0
	command -v iptables >/dev/null || { echo "iptables missing"; return 4; }
	ip netns exec $B tc qdisc change dev xp0 root netem delay 100ms
	rto_run TCP 7612 || rc=1
	rto_run XTCP 7613 || rc=1
	ip netns exec $B tc qdisc change dev xp0 root netem delay 1ms
	return $rc
}

ktap_header 8
ktap_run fast_retransmit_sack t_sack
ktap_run fast_retransmit_newreno t_newreno
ktap_run rto_backoff_doubles t_backoff
ktap_run user_timeout_etimedout t_user_timeout
ktap_run fast_retransmit_immediate t_immediate
ktap_run retransmit_gso_sized t_gso_rtx
ktap_run retransmit_not_behind_held_original t_host_queue
ktap_run slow_start_after_rto t_rto_slow_start
ktap_finish
