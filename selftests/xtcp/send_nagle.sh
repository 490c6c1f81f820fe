#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_nagle: the push decision, checked on the wire at the peer (stock
# Linux TCP over veth; the peer's ACKs are delayed by netem so that data
# waits for them).
#  1. Nagle on, 200 writes of 10 bytes 2 ms apart (several round trips):
#     never two sub-MSS segments unacknowledged (Minshall), and the
#     writes are coalesced.
#  2. TCP_NODELAY, 20 writes of 10 bytes 20 ms apart: 20 segments of 10.
#  3. TCP_CORK, 100 writes of 100 bytes: only full-MSS segments while
#     corked; the remainder leaves at once on uncork.
#  4. MSG_MORE on 99 writes of 100 bytes, then one without: only full-MSS
#     segments until the last write, the remainder right after it.
#  5. A corked remainder that is never uncorked leaves after about 200 ms.
#  6. Setting TCP_NODELAY sends a segment Nagle holds, before the ACK.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup sn tcpdump python3 tc ethtool
peer_delay delay 50ms
# Software GSO: the capture shows wire segments, not TSO super-frames.
ip netns exec $A ethtool -K xs0 tso off >/dev/null 2>&1

PORT=7200
# run_case NAME BYTES SCRIPT: XTCP client in the SUT runs SCRIPT against a
# TCP server at the peer that must receive BYTES; capture in $TMP/NAME.*
run_case() {
	local name=$1 bytes=$2 script=$3 srv rc=0
	PORT=$((PORT + 1))
	cap_start $B xp0 "$TMP/$name.pcap" "tcp port $PORT" || return 1
	ip netns exec $B timeout 60 $SOCK server TCP $PORT >"$TMP/$name.srv" &
	srv=$!
	wait_listen $B $PORT 10 || { echo "no listener"; cap_stop; return 1; }
	ip netns exec $A timeout 60 $SOCK client XTCP 10.0.1.2 $PORT \
		"$script;close" >"$TMP/$name.cli" 2>&1 || rc=1
	wait $srv || rc=1
	cap_stop
	cat "$TMP/$name.cli" "$TMP/$name.srv"
	grep -qx "recv $bytes" "$TMP/$name.srv" || { echo "peer did not get $bytes bytes"; rc=1; }
	$PCAP "$TMP/$name.pcap" 10.0.1.1 segs >"$TMP/$name.segs"
	return $rc
}

# mark NAME CASE: the time the client printed for "mark NAME"
mark() { awk -v m="$1" '$1 == "mark" && $2 == m { print $3 }' "$TMP/$2.cli"; }

t_nagle() {
	run_case nagle 2000 "write=200x10@2" || return 1
	if ! $PCAP "$TMP/nagle.pcap" 10.0.1.1 nagle 1448; then
		tcpdump -nn -tt -r "$TMP/nagle.pcap" 2>/dev/null | head -n 20
		return 1
	fi
	local n
	n=$(wc -l <"$TMP/nagle.segs")
	echo "200 writes left in $n segments"
	[ "$n" -lt 50 ]
}

t_nodelay() {
	run_case nodelay 200 "nodelay=1;write=20x10@20" || return 1
	awk '{ n++; if ($3 != 10) bad++ } END {
		print n " segments, " bad + 0 " not of 10 bytes"
		exit !(n == 20 && !bad) }' "$TMP/nodelay.segs" && return 0
	tcpdump -nn -tt -r "$TMP/nodelay.pcap" 2>/dev/null
	return 1
}

t_cork() {
	run_case cork 10000 "cork=1;write=100x100;sleep=100;mark=uncork;cork=0;sleep=300" ||
		return 1
	awk -v u="$(mark uncork cork)" '
		$1 < u { before++; if ($3 != 1448) bad++ }
		$1 >= u { after++; last = $3; lat = $1 - u }
		END {
			printf "%d full segments while corked, %d bad; after uncork %d (len %d, %.3f s)\n",
				before, bad, after, last, lat
			exit !(before == 6 && !bad && after == 1 && last == 10000 - 6 * 1448 && lat < 0.1)
		}' "$TMP/cork.segs"
}

t_msg_more() {
	run_case more 10000 "write=99x100/more;mark=last;write=1x100;sleep=300" ||
		return 1
	awk -v u="$(mark last more)" '
		$1 < u { before++; if ($3 != 1448) bad++ }
		$1 >= u { after++; last = $3; lat = $1 - u }
		END {
			printf "%d full segments under MSG_MORE, %d bad; then %d (len %d, %.3f s)\n",
				before, bad, after, last, lat
			exit !(before == 6 && !bad && after == 1 && last == 10000 - 6 * 1448 && lat < 0.1)
		}' "$TMP/more.segs"
}

t_cork_ceiling() {
	# One acknowledged segment first, so the RTO (the probe timer's
	# base, as in Linux) comes from a measured RTT, not the initial 1 s.
	run_case ceiling 1548 "write=1x1448;sleep=300;cork=1;mark=w;write=1x100;sleep=1500" ||
		return 1
	awk -v w="$(mark w ceiling)" '
		$1 >= w { n++; d = $1 - w; len = $3 }
		END {
			printf "corked %d bytes left after %.3f s\n", len, d
			exit !(n == 1 && len == 100 && d >= 0.18 && d < 0.8)
		}' "$TMP/ceiling.segs"
}

t_nodelay_flush() {
	# The first small write leaves; the second waits for its ACK (the
	# peer's ACKs take 300 ms here) until TCP_NODELAY is set, 30 ms on.
	local rc
	ip netns exec $B tc qdisc change dev xp0 root netem delay 300ms
	run_case flush 20 "write=1x10;sleep=10;write=1x10;sleep=20;mark=nd;nodelay=1;sleep=500"
	rc=$?
	ip netns exec $B tc qdisc change dev xp0 root netem delay 50ms
	[ $rc = 0 ] || return 1
	awk -v m="$(mark nd flush)" '
		{ n++; t[n] = $1 }
		END {
			printf "%d segments; second %.3f s after TCP_NODELAY\n", n, t[2] - m
			exit !(n == 2 && t[2] >= m && t[2] - m < 0.1)
		}' "$TMP/flush.segs"
}

t_eor() {
	# Corked, so only the skb boundaries decide the segments: MSG_EOR
	# closes a record's skb; the last two writes share one.
	run_case eor 400 "cork=1;write=1x100/eor;write=1x100/eor;write=1x100;write=1x100;sleep=50;cork=0;sleep=300" ||
		return 1
	awk '{ n++; l = l " " $3 } END {
		print n " segments:" l
		exit !(l == " 100 100 200") }' "$TMP/eor.segs"
}

ktap_header 7
ktap_run nagle_one_small_segment_unacked t_nagle
ktap_run nodelay_each_write_leaves t_nodelay
ktap_run cork_full_segments_uncork_flushes t_cork
ktap_run msg_more_full_segments t_msg_more
ktap_run cork_ceiling_200ms t_cork_ceiling
ktap_run nodelay_flushes_held_segment t_nodelay_flush
ktap_run msg_eor_ends_the_skb t_eor
ktap_finish
