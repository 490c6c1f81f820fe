#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_pacing: SO_MAX_PACING_RATE. An xtcp sender capped at 500000 B/s
# (4 Mbit/s) sends 1 MB to Linux TCP over veth; the receiver's goodput
# (first byte to last) must be within [0.6, 1.1] of the cap:
#  1. sch_fq on the SUT's veth: xtcp stamps departure times (EDT) that fq
#     honours.
#  2. pfifo_fast (no fq): xtcp paces itself, on an hrtimer.
#  3. no cap, pfifo_fast: goodput far above the cap (> 4x), so the cap is
#     what slowed 1 and 2.
#  4. As 2, with one GSO skb dropped at the peer: the resends keep the
#     cap too, for xtcp as for Linux TCP. Each resent packet leaves the
#     SUT (captured at its veth, before segmentation) at least half the
#     time the packet before it takes at the cap after that one (a late
#     send takes up to half a gap off the next, as Linux's pacing); an
#     unpaced resend leaves as the SACK comes in, microseconds after.
#  5. In those runs the first 10 segments leave unpaced, as Linux's
#     (sch_fq's initial quantum): all sent within a quarter of the time
#     they take at the cap.
# TCP_INFO reports max_pacing_rate = the cap, and pacing_rate <= the cap.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

HELPER=$(dirname "$0")/send_pacing.py
RATE=500000
BYTES=1000000
send_setup sp python3
modprobe sch_fq 2>/dev/null

# run QDISC PORT RATE: prints "goodput <B/s>" and the client's info line
# (the client an xtcp socket, or FAM's).
run() {
	local srv rc n secs
	ip netns exec $A tc qdisc replace dev xs0 root "$1" || return 1
	ip netns exec $B timeout 60 python3 "$HELPER" server "$2" \
		>"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $B "$2" 10 || { echo "no listener"; return 1; }
	ip netns exec $A timeout 60 python3 "$HELPER" client "${FAM:-XTCP}" 10.0.1.2 \
		"$2" $BYTES "$3"
	rc=$?
	wait $srv || rc=1
	cat "$TMP/srv"
	read -r _ n secs <"$TMP/srv"
	[ $rc = 0 ] && [ "$n" = $BYTES ] || { echo "transfer failed"; return 1; }
	awk -v n="$n" -v s="$secs" 'BEGIN { printf "goodput %d\n", n / (s > 0 ? s : 1e-6) }'
}

t_capped() {	# t_capped QDISC PORT
	local out g pr mpr
	out=$(run "$1" "$2" $RATE) || { echo "$out"; return 1; }
	echo "$out"
	g=$(awk '/^goodput/ { print $2 }' <<<"$out")
	read -r _ pr mpr _ <<<"$(grep '^info' <<<"$out")"
	[ "$mpr" = $RATE ] || { echo "max_pacing_rate $mpr"; return 1; }
	[ "$pr" -le $RATE ] || { echo "pacing_rate $pr above the cap"; return 1; }
	[ "$g" -ge $((RATE * 6 / 10)) ] && [ "$g" -le $((RATE * 11 / 10)) ]
}

t_uncapped() {
	local out g
	out=$(run pfifo_fast 7503 0) || { echo "$out"; return 1; }
	echo "$out"
	g=$(awk '/^goodput/ { print $2 }' <<<"$out")
	[ "$g" -gt $((RATE * 4)) ]
}

# rtx_paced FAMILY PORT: case 4 for FAMILY's sender.
rtx_paced() {
	local out rc=0
	peer_drop "$2" 4000 4 || return 1
	cap_start $A xs0 "$TMP/p$1.pcap" "tcp port $2" || rc=1
	out=$(FAM=$1 run pfifo_fast "$2" $RATE) || rc=1
	cap_stop
	ip netns exec $B iptables -F INPUT
	grep goodput <<<"$out"
	$PCAP "$TMP/p$1.pcap" 10.0.1.1 segs |
		awk -v r=$RATE -v f="$1" '{
			if ($2 < hi) {
				rtx++
				if ($1 - t < 0.5 * l / r) {
					soon++
					printf "resent %d B %.6f s after %d B\n",
					       $3, $1 - t, l
				}
			}
			if ($2 + $3 > hi) hi = $2 + $3
			t = $1; l = $3; n++ }
		     END { printf "%s: %d packets, %d retransmitted, %d too soon\n",
				  f, n, rtx, soon
			   exit !(rtx > 0 && !soon) }' || rc=1
	return $rc
}

t_rtx_paced() {
	local rc=0
	command -v iptables >/dev/null || { echo "iptables missing"; return 4; }
	rtx_paced TCP 7504 || rc=1
	rtx_paced XTCP 7505 || rc=1
	return $rc
}

# Case 5, from case 4's captures: the first 10 segments go unpaced.
t_first_ten() {
	local fam rc=0
	for fam in TCP XTCP; do
		[ -s "$TMP/p$fam.pcap" ] || { echo "no capture of $fam"; return 1; }
		$PCAP "$TMP/p$fam.pcap" 10.0.1.1 segs |
			awk -v r=$RATE -v f=$fam '
			    !n++ { t0 = $1 }
			    $2 + $3 > 10 * 1448 { t = $1 - t0; exit }
			    END { printf "%s: 10 segments out in %.6f s\n", f, t
				  exit !(t < 0.25 * 10 * 1448 / r) }' || rc=1
	done
	return $rc
}

ktap_header 5
ktap_run fq_edt_goodput_at_cap t_capped fq 7501
ktap_run internal_pacing_goodput_at_cap t_capped pfifo_fast 7502
ktap_run uncapped_goodput_far_above t_uncapped
ktap_run internal_pacing_holds_retransmissions t_rtx_paced
ktap_run first_ten_segments_unpaced t_first_ten
ktap_finish
