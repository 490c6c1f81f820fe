#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_defer: the sizes of the GSO skbs write_xmit hands down when the
# window, not the data, limits them, xtcp beside Linux TCP. The
# net:net_dev_queue tracepoint records what the device layer was handed,
# before segmentation.
#
# No single skb takes more than half the congestion window
# (tcp_cwnd_test), so that ACKs for the first clock out the next:
#  1. a 1 MB write on a fresh connection leaves its initial window of 10
#     segments as two skbs of 5, as Linux TCP's does (same lengths).
#
# Then the peer is 5 ms away and nothing is lost: an 8 MiB transfer is
# cwnd-limited, and the SUT's veth cuts the skbs in software (TSO off),
# so the peer ACKs every other segment and each ACK frees two segments'
# room. Linux then waits for the ACK due within 1 ms
# (tcp_tso_should_defer) and, once cwnd has room, grows the head skb
# from the ones queued behind it (tcp_grow_skb) instead of sending
# slivers:
#  2. with deferral (module parameter tso_defer, on by default as in
#     Linux) xtcp sends at most half the slivers, skbs of one or two
#     segments (what one ACK frees), that it sends without (measured
#     0.13-0.22 over 4 runs; 9-22 slivers with, 68-167 without, Linux
#     TCP 12-27). The count of all data skbs, this case's measure until
#     cwnd stopped growing where it did not limit (f0edaca), varies too
#     much without deferral (230-323) to show it: 0.53-0.76 over 6 runs;
#  3. xtcp's bytes per data skb are within a factor 2 of Linux TCP's on
#     the same path, medians of three runs each (single runs measured
#     XTCP/TCP 0.95-1.59 over 20 runs: Linux's own count varies from 165
#     to 274 skbs, once 450; 0.40-0.74 on 21e2c9f's module, where cases
#     1, 2 and 4 fail);
#
# Last, the peer reads through a 64 KiB SO_RCVBUF: the transfer is
# receive-window-limited, and the window's right edge falls anywhere in
# a segment. Linux does not send the bytes up to the edge as a sliver of
# their own: tcp_grow_skb joins them to the next skb, which waits for
# the window (nor does it send a part of a segment that fits, as RFC
# 1122's sender SWS rule would allow; the persist timer does that):
#  4. xtcp's sub-MSS data skbs are at most max(5, twice Linux TCP's),
#     medians of three runs each (single runs measured: 2-6 against 1-2;
#     23-84 with growth stopped at the edge, 44 on 21e2c9f's module);
#  5. every transfer arrives intact (count and SHA-256).
# A measured run that retransmitted anything is run again (up to three
# tries, each reported): the cases are about a path without loss.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

PARAM=/sys/module/xtcp/parameters/tso_defer
BYTES=8M

BACKLOG=/proc/sys/net/core/netdev_max_backlog
backlog=$(cat $BACKLOG)
send_on_exit() {
	echo 1 >$PARAM 2>/dev/null
	echo "$backlog" >$BACKLOG
}
send_setup sd ethtool tc python3
[ -w $PARAM ] || skip_all "no tso_defer parameter"
send_tracefs >/dev/null || skip_all "no tracefs"
# Software segmentation on the SUT's veth: the peer receives single
# segments (the tracepoint still sees the skbs before they are cut).
ip netns exec $A ethtool -K xs0 tso off >/dev/null 2>&1 ||
	skip_all "cannot turn TSO off"
# The peer's netem, without delay until the deferral cases.
peer_delay delay 0ms limit 10000
# One segment per packet reaches the peer's input queue: at the default
# 1000 a slow guest CPU drops some, and loss recovery (which never
# defers) would decide the skb counts instead.
echo 100000 >$BACKLOG

ktap_header 5

# first_skbs FAM PORT: the lengths of the first two data skbs FAM hands
# to xs0 for one 1 MB write on a fresh connection.
first_skbs() {
	local srv

	ip netns exec $B timeout 30 $SOCK server TCP "$2" >"$TMP/iw.s.$1" 2>&1 &
	srv=$!
	wait_listen $B "$2" 10 || { kill $srv; return 1; }
	trace_devq_start xs0 || return 1
	ip netns exec $A timeout 30 $SOCK client "$1" 10.0.1.2 "$2" \
		"bigwrite=1000000;close" >"$TMP/iw.c.$1" 2>&1
	wait $srv
	trace_devq_stop "$TMP/iw.$1"
	awk '$1 > 200 { printf "%s%s", n++ ? " " : "", $1; if (n == 2) exit }' \
		"$TMP/iw.$1"
}

# A first connection of each family, not measured: in an emulated guest
# the first run of a code path is slow enough to enter the first RTT
# sample, from which the autosize term is computed.
first_skbs XTCP 7597 >/dev/null
first_skbs TCP 7598 >/dev/null
iw_x=$(first_skbs XTCP 7600)
iw_t=$(first_skbs TCP 7599)
if [ -z "$iw_t" ] || [ "${iw_t% *}" = "$iw_t" ]; then
	ktap_result 1 initial_window_in_two_skbs "Linux TCP's first skbs not recorded ('$iw_t')"
else
	[ "$iw_x" = "$iw_t" ]
	ktap_result $? initial_window_in_two_skbs "first data skbs: XTCP $iw_x, TCP $iw_t (bytes)"
fi

ip netns exec $B tc qdisc change dev xp0 root netem delay 5ms limit 10000

# skbs_once FAM DEFER PORT: "<data skbs> <their bytes> <retransmitted
# segments> <sub-MSS data skbs> <data skbs of at most two segments>"
# handed to xs0 while FAM sends BYTES to the peer, with tso_defer set to
# DEFER.
skbs_once() {
	local rc r0 tag=$1.$2.$3

	echo "$2" >$PARAM
	r0=$(sut_mib "$1" RetransSegs)
	echo "# $1 tso_defer=$2 port $3, before: $(loss_counts)" >"$TMP/l.$tag"
	trace_devq_start xs0 || return 1
	one_way $B TCP $A "$1" 10.0.1.2 "$3" $BYTES >"$TMP/x.$tag" 2>&1
	rc=$?
	trace_devq_stop "$TMP/q.$tag"
	if [ $rc != 0 ]; then
		sed 's/^/# /' "$TMP/x.$tag" >&2
		return 1
	fi
	echo "# after: $(loss_counts)peer drops: $(peer_drops)" >>"$TMP/l.$tag"
	# Data skbs: longer than a bare ACK with options.
	awk -v r=$(($(sut_mib "$1" RetransSegs) - r0)) \
		'$1 > 200 { n++; b += $1 } $1 > 200 && $1 < 1448 + 66 { s++ }
		 $1 > 200 && $1 <= 2 * 1448 + 66 { s2++ }
		 END { print n + 0, b + 0, r, s + 0, s2 + 0 }' "$TMP/q.$tag"
}

# skbs FAM DEFER PORT: skbs_once on a run that retransmitted nothing,
# up to three tries. The veth delivers segments sent from two CPUs into
# two CPUs' input queues, which can reorder them; a sender that then
# retransmits (both stacks do: in 6 transfers each, xtcp in 1 and Linux
# TCP in 2, RACK marking the late segments lost) is in loss recovery,
# which never defers, and the run measures that instead. Each retry is
# reported with the loss counters of the run it replaces.
skbs() {
	local try out r

	for try in 0 1 2; do
		out=$(skbs_once "$1" "$2" $(($3 + 10 * try))) || return 1
		read -r _ _ r _ <<<"$out"
		[ "$r" = 0 ] && break
		echo "# $1 tso_defer=$2 retransmitted $r segments, run again:" >&2
		sed 's/^/# /' "$TMP/l.$1.$2.$(($3 + 10 * try))" >&2
	done
	echo "$out"
}

# col N LINES: column N of LINES, on one line
col() { cut -d' ' -f"$1" <<<"$2" | paste -sd' '; }

# Cases 3 and 4 compare xtcp with one Linux TCP run of the same
# transfer, and either family's count varies from run to run (Linux
# TCP's skbs from 165 to 450 for case 3's 8 MiB, xtcp's slivers at the
# window edge from 1 to 6): each side is the median of three runs.
# reps FAM PORT N: "<bytes per data skb> <sub-MSS data skbs>" of N runs
# of skbs FAM 1, one pair per line, on ports PORT, PORT+100, ... (each
# skbs call may take PORT+10 and PORT+20 too: no two calls share one).
reps() {
	local rep out n b s

	for rep in $(seq 0 $(($3 - 1))); do
		out=$(skbs "$1" 1 $(($2 + 100 * rep))) || return 1
		read -r n b _ s _ <<<"$out"
		[ "$n" -gt 0 ] || return 1
		echo "$((b / n)) $s"
	done
}

fail=0
off=$(skbs XTCP 0 7601) || fail=1
on=$(skbs XTCP 1 7602) || fail=1
tcp=$(skbs TCP 1 7603) || fail=1
read -r n_off b_off r_off _ v_off <<<"${off:-0 0 0 0 0}"
read -r n_on b_on r_on _ v_on <<<"${on:-0 0 0 0 0}"
read -r n_tcp b_tcp r_tcp _ v_tcp <<<"${tcp:-0 0 0 0 0}"
echo "# data skbs (bytes, segments retransmitted, slivers): XTCP without" \
     "deferral $n_off ($b_off, $r_off, $v_off), with $n_on ($b_on, $r_on," \
     "$v_on); TCP $n_tcp ($b_tcp, $r_tcp, $v_tcp)"

if [ "$n_off" -gt 0 ] && [ "$n_on" -gt 0 ]; then
	[ "$v_off" -gt 0 ] && [ $((v_on * 2)) -le "$v_off" ]
	ktap_result $? deferral_fewer_slivers \
		"skbs of one or two segments: $v_on with deferral, $v_off without"
else
	ktap_result 1 deferral_fewer_slivers "no data skbs recorded"
fi

# Case 2's runs with deferral are the first of case 3's three.
if [ "$n_on" -gt 0 ] && [ "$n_tcp" -gt 0 ] &&
   x3=$(reps XTCP 7606 2) && t3=$(reps TCP 7607 2); then
	xs="$((b_on / n_on)) $(col 1 "$x3")"
	ts="$((b_tcp / n_tcp)) $(col 1 "$t3")"
	x=$(median3 "$xs") t=$(median3 "$ts")
	echo "# bytes per data skb: XTCP $xs, TCP $ts"
	[ $((x * 2)) -ge "$t" ] && [ "$x" -le $((t * 2)) ]
	ktap_result $? bytes_per_skb_as_tcp \
		"median XTCP $x B per skb, TCP $t B"
else
	fail=1
	ktap_result 1 bytes_per_skb_as_tcp "a transfer failed or recorded no data skbs"
fi

ONE_WAY_SERVER_ARGS="-R 65536"
w_x=$(reps XTCP 7604 3) || { fail=1; w_x=; }
w_t=$(reps TCP 7605 3) || { fail=1; w_t=; }
unset ONE_WAY_SERVER_ARGS
if [ -n "$w_x" ] && [ -n "$w_t" ]; then
	xs=$(col 2 "$w_x") ts=$(col 2 "$w_t")
	s_wx=$(median3 "$xs") s_wt=$(median3 "$ts")
	echo "# sub-MSS data skbs at the window edge: XTCP $xs, TCP $ts"
	lim=$((2 * s_wt > 5 ? 2 * s_wt : 5))
	[ "$s_wx" -le $lim ]
	ktap_result $? window_edge_no_slivers \
		"median sub-MSS data skbs: XTCP $s_wx, TCP $s_wt"
else
	ktap_result 1 window_edge_no_slivers "a transfer failed or recorded no data skbs"
fi

[ $fail = 0 ]
ktap_result $? transfers_intact
ktap_finish
