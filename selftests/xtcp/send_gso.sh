#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_gso: xtcp hands the device GSO skbs (several MSS in one skb, cut
# by the device or the stack's software GSO), and the peer (stock Linux
# TCP over veth) sees segments of at most one MSS with valid checksums.
#  1. default veth offloads (TSO): the device layer is handed skbs longer
#     than one frame; 32 MiB arrive intact.
#  2. TX checksum offload off on the SUT's veth, so software GSO cuts and
#     sums the segments: every captured segment carries <= MSS payload,
#     right IP and TCP sums (proto_wire.py full: 1448 with timestamps),
#     and the device layer was still handed multi-segment skbs.
#  3. 1 MiB in 100-byte writes (Nagle on): the tail skb grows across
#     writes; what leaves is still cut at the MSS with valid sums.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup sg tcpdump python3 ethtool
send_tracefs >/dev/null || skip_all "no tracefs"

# big_skbs FILE FRAME: how many device-layer skbs exceed one frame
big_skbs() {
	awk -v f="$2" '$1 > f { n++ } END { print n + 0 }' "$1"
}

t_tso_device() {
	local n
	trace_devq_start xs0 || return 1
	one_way $B TCP $A XTCP 10.0.1.2 7101 32M || { trace_devq_stop "$TMP/q"; return 1; }
	trace_devq_stop "$TMP/q"
	n=$(big_skbs "$TMP/q" 1514)
	echo "device-layer skbs: $(wc -l <"$TMP/q"), above 1514 bytes: $n," \
	     "largest $(sort -n "$TMP/q" | tail -n 1)"
	[ "$n" -gt 0 ]
}

t_sw_gso_wire() {
	local n rc
	ip netns exec $A ethtool -K xs0 tx off >/dev/null 2>&1
	cap_start $B xp0 "$TMP/c.pcap" "tcp and src host 10.0.1.1" || return 1
	trace_devq_start xs0 || return 1
	one_way $B TCP $A XTCP 10.0.1.2 7102 4M
	rc=$?
	trace_devq_stop "$TMP/q"
	cap_stop
	[ $rc = 0 ] || return 1
	n=$(big_skbs "$TMP/q" 1514)
	echo "device-layer skbs above 1514 bytes: $n"
	[ "$n" -gt 0 ] || return 1
	python3 "$(dirname "$0")/proto_wire.py" "$TMP/c.pcap" 10.0.1.1 full
}

t_sw_gso_small_writes() {
	local rc
	cap_start $B xp0 "$TMP/s.pcap" "tcp and src host 10.0.1.1" || return 1
	one_way $B TCP $A XTCP 10.0.1.2 7103 1M -c 100
	rc=$?
	cap_stop
	[ $rc = 0 ] || return 1
	python3 "$(dirname "$0")/proto_wire.py" "$TMP/s.pcap" 10.0.1.1 full
}

ktap_header 3
ktap_run gso_skbs_reach_device_tso t_tso_device
ktap_run sw_gso_segments_within_mss_valid_sums t_sw_gso_wire
ktap_run small_writes_coalesce_within_mss t_sw_gso_small_writes
ktap_finish
