#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TSO and checksum offload of xtcp_igb, checked on the wire. With TSO on,
# frames longer than one MSS reach ndo_start_xmit (xtcp_igb:xmit shows
# them, tx_queue_N_tso_packets counts them) and the peer's capture (GRO off)
# holds only segments of at most one MSS, every IPv4 and TCP checksum
# valid. With "tso off tx off" the transfer still completes intact and the
# driver offloads nothing.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

MIB=${XIGB_TSO_MIB:-8}
TR=/sys/kernel/tracing
MSS=1448	# 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps)

xigb_need_nics
tmp=$(mktemp -d /tmp/igb_tso.XXXXXX)
trap 'echo 0 >$TR/events/xtcp_igb/enable 2>/dev/null; xigb_cleanup; rm -rf "$tmp"' EXIT

trace_on() {
	[ -d $TR/events ] || mount -t tracefs nodev $TR || return 1
	echo 0 >$TR/tracing_on
	echo >$TR/trace
	echo 8192 >$TR/buffer_size_kb
	echo 1 >$TR/events/xtcp_igb/xmit/enable || return 1
	echo 1 >$TR/tracing_on
}

trace_off() {
	echo 0 >$TR/tracing_on
	echo 0 >$TR/events/xtcp_igb/xmit/enable
	cat $TR/trace >"$1"
}

# capture FILE CMD...: tcpdump the peer side (xb) while CMD runs
capture() {
	local f=$1 rc

	shift
	cap_start $XB "$XB_DEV" "$f" "tcp and src host $XA_IP" -s 0 ||
		{ cap_stop; return 1; }
	"$@"
	rc=$?
	cap_stop
	return $rc
}

# check_wire FILE: every captured segment <= MSS, checksums all correct
check_wire() {
	local f=$1 n big bad good

	tcpdump -r "$f" -nn -vv 2>/dev/null >"$f.txt"
	n=$(grep -c 'length [1-9][0-9]*$' "$f.txt")
	big=$(grep -o 'length [0-9]*$' "$f.txt" | awk -v m=$MSS '$2 > m' | wc -l)
	bad=$(grep -c -E 'incorrect|bad cksum' "$f.txt")
	good=$(grep -c 'cksum 0x[0-9a-f]* (correct)' "$f.txt")
	echo "$n data segments, $big over MSS $MSS, $good checksums correct, $bad bad"
	[ "$n" -gt $((MIB * 1048576 / MSS / 2)) ] && [ "$big" = 0 ] &&
		[ "$bad" = 0 ] && [ "$good" -ge "$n" ]
}

t_tso_on() {
	local tso0 tso1 supers

	ip netns exec $XA ethtool -k "$XA_DEV" | grep -E '^(tcp-segmentation-offload|tx-checksumming):'
	ip netns exec $XA ethtool -k "$XA_DEV" | grep -q '^tcp-segmentation-offload: on' ||
		return 1
	tso0=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_tso_packets$')
	trace_on || return 1
	capture "$tmp/on.pcap" xigb_transfer $XA $XB $XB_IP "$MIB" || return 1
	trace_off "$tmp/on.trace"
	tso1=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_tso_packets$')
	supers=$(grep -c 'xmit: .* tso=1 gso_size=[0-9]* gso_segs=\([2-9]\|[1-9][0-9]\)' "$tmp/on.trace")
	grep -m 2 'tso=1' "$tmp/on.trace"
	echo "tso_packets +$((tso1 - tso0)), xmit events with gso_segs > 1: $supers"
	[ $((tso1 - tso0)) -gt 0 ] && [ "$supers" -gt 0 ] || return 1
	# those frames are longer than one MSS
	grep 'tso=1' "$tmp/on.trace" | grep -q -E 'len=([2-9][0-9]{3}|[0-9]{5})' || return 1
	check_wire "$tmp/on.pcap"
}

t_tso_off() {
	local tso0 tso1 cs0 cs1 big

	ip netns exec $XA ethtool -K "$XA_DEV" tso off tx off || return 1
	ip netns exec $XA ethtool -k "$XA_DEV" | grep -E '^(tcp-segmentation-offload|tx-checksumming):'
	ip netns exec $XA ethtool -k "$XA_DEV" | grep -q '^tcp-segmentation-offload: off' &&
		ip netns exec $XA ethtool -k "$XA_DEV" | grep -q '^tx-checksumming: off' ||
		return 1
	tso0=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_tso_packets$')
	cs0=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_csum_offload$')
	trace_on || return 1
	capture "$tmp/off.pcap" xigb_transfer $XA $XB $XB_IP "$MIB" || return 1
	trace_off "$tmp/off.trace"
	tso1=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_tso_packets$')
	cs1=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_csum_offload$')
	big=$(grep -c -E 'xmit: .* len=(1[6-9][0-9]{2}|[2-9][0-9]{3}|[0-9]{5})' "$tmp/off.trace")
	echo "tso_packets +$((tso1 - tso0)), csum_offload +$((cs1 - cs0)), xmit frames over 1514: $big"
	[ "$tso1" = "$tso0" ] && [ "$cs1" = "$cs0" ] && [ "$big" = 0 ] || return 1
	check_wire "$tmp/off.pcap"
}

ktap_header 2
xigb_wire_up ||
	ktap_fail_all "wire setup failed" tso_on_segments_on_wire \
		tso_off_tx_off_intact
# the peer must not merge segments before the capture sees them
ip netns exec $XB ethtool -K "$XB_DEV" gro off lro off 2>/dev/null
ip netns exec $XB ethtool -K "$XB_DEV" gro off
ktap_run tso_on_segments_on_wire t_tso_on
ktap_run tso_off_tx_off_intact t_tso_off
ktap_finish
