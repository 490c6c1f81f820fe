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
#     Linux) xtcp sends at most 3/4 of the data skbs it sends without
#     (measured: 0.2-0.7);
#  3. xtcp's bytes per data skb are within a factor 1.5 of Linux TCP's
#     on the same path;
#  4. every transfer arrives intact (count and SHA-256).

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

ktap_header 4

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

# retrans FAM: segments FAM has retransmitted in the SUT namespace.
retrans() {
	if [ "$1" = XTCP ]; then
		snmp RetransSegs
	else
		ip netns exec $A nstat -az TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'
	fi
}

# skbs FAM DEFER PORT: "<data skbs> <their bytes> <retransmitted
# segments>" handed to xs0 while FAM sends BYTES to the peer, with
# tso_defer set to DEFER.
skbs() {
	local rc r0
	echo "$2" >$PARAM
	r0=$(retrans "$1")
	trace_devq_start xs0 || return 1
	one_way $B TCP $A "$1" 10.0.1.2 "$3" $BYTES >"$TMP/x.$1.$2" 2>&1
	rc=$?
	trace_devq_stop "$TMP/q.$1.$2"
	if [ $rc != 0 ]; then
		sed 's/^/# /' "$TMP/x.$1.$2" >&2
		return 1
	fi
	# Data skbs: longer than a bare ACK with options.
	awk -v r=$(($(retrans "$1") - r0)) \
		'$1 > 200 { n++; b += $1 } END { print n + 0, b + 0, r }' "$TMP/q.$1.$2"
}

fail=0
off=$(skbs XTCP 0 7601) || fail=1
on=$(skbs XTCP 1 7602) || fail=1
tcp=$(skbs TCP 1 7603) || fail=1
read -r n_off b_off r_off <<<"${off:-0 0 0}"
read -r n_on b_on r_on <<<"${on:-0 0 0}"
read -r n_tcp b_tcp r_tcp <<<"${tcp:-0 0 0}"
echo "# data skbs (bytes, segments retransmitted): XTCP without deferral" \
     "$n_off ($b_off, $r_off), with $n_on ($b_on, $r_on); TCP $n_tcp ($b_tcp, $r_tcp)"

if [ "$n_off" -gt 0 ] && [ "$n_on" -gt 0 ]; then
	[ $((n_on * 4)) -le $((n_off * 3)) ]
	ktap_result $? deferral_fewer_skbs "$n_on skbs with deferral, $n_off without"
else
	ktap_result 1 deferral_fewer_skbs "no data skbs recorded"
fi

if [ "$n_on" -gt 0 ] && [ "$n_tcp" -gt 0 ]; then
	x=$((b_on / n_on))
	t=$((b_tcp / n_tcp))
	[ $((x * 3)) -ge $((t * 2)) ] && [ $((x * 2)) -le $((t * 3)) ]
	ktap_result $? bytes_per_skb_as_tcp "XTCP $x B per skb, TCP $t B"
else
	ktap_result 1 bytes_per_skb_as_tcp "no data skbs recorded"
fi

[ $fail = 0 ]
ktap_result $? transfers_intact
ktap_finish
