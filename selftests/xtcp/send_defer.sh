#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_defer: TSO deferral. Over veth with 5 ms of delay at the peer, a
# bulk xtcp transfer is cwnd-limited and ACK-clocked: each ACK frees a
# little window. Without deferral every such sliver leaves at once as a
# small GSO skb; with it (module parameter tso_defer, off by default
# while this test is pending: the counts under loss vary too much) xtcp
# waits for the ACK due within half an RTT and sends fuller skbs. The
# net:net_dev_queue tracepoint counts what the device layer was handed:
# with deferral, fewer data skbs carry the same bytes (at most 3/4 of the
# count without), and the transfer arrives intact either way.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

A=sd_sut$$
B=sd_peer$$
TMP=$(mktemp -d)
PARAM=/sys/module/xtcp/parameters/tso_defer
trap 'echo 0 >$PARAM 2>/dev/null; ns_cleanup $A $B; rm -rf $TMP' EXIT

skip_all() { ktap_header 1; ktap_result 4 send_defer "$1"; ktap_finish; }
xtcp_load || skip_all "xtcp.ko not loadable"
[ -w $PARAM ] || skip_all "no tso_defer parameter"
send_netns $A $B || skip_all "no veth/netns"
send_tracefs >/dev/null || skip_all "no tracefs"
peer_delay delay 5ms limit 10000
# Software GSO on the SUT's veth: the peer receives single segments and
# ACKs every other one, so ACKs free window in slivers (with TSO the
# peer would take each GSO skb whole and free it whole).
ip netns exec $A ethtool -K xs0 tso off >/dev/null 2>&1 ||
	skip_all "cannot turn TSO off"
# 1% loss keeps Reno's cwnd small enough that the transfer is
# cwnd-limited, not send-buffer- or receive-window-limited.
ip netns exec $A tc qdisc add dev xs0 root netem loss 1% ||
	skip_all "netem unavailable"

# skbs DEFER PORT: data skbs (longer than 200 bytes) handed to xs0 during
# an 8 MiB transfer, and their bytes.
skbs() {
	local rc
	echo "$1" >$PARAM
	trace_devq_start xs0 || return 1
	one_way $B TCP $A XTCP 10.0.1.2 "$2" 8M >"$TMP/x" 2>&1
	rc=$?
	trace_devq_stop "$TMP/q$1"
	[ $rc = 0 ] || { cat "$TMP/x"; return 1; }
	awk '$1 > 200 { n++; b += $1 } $1 > 200 && $1 < 3100 { s++ } END { print n + 0, b + 0, s + 0 }' "$TMP/q$1"
}

t_fewer_skbs() {
	local on off n_on b_on s_on n_off b_off s_off
	off=$(skbs 0 7601) || { echo "$off"; return 1; }
	on=$(skbs 1 7602) || { echo "$on"; return 1; }
	read -r n_off b_off s_off <<<"$off"
	read -r n_on b_on s_on <<<"$on"
	echo "without deferral: $n_off data skbs, $b_off bytes;" \
	     "with: $n_on skbs, $b_on bytes; skbs of 1-2 segments: $s_off without, $s_on with"
	[ "$n_off" -gt 0 ] && [ "$n_on" -gt 0 ] || return 1
	[ $((n_on * 4)) -le $((n_off * 3)) ]
}

ktap_header 1
ktap_run deferral_sends_fewer_fuller_skbs t_fewer_skbs
ktap_finish
