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
#  4. The size goal: xtcp's largest skb is as large as Linux TCP's over
#     the same veth (45 segments of 1448 at gso_max_size 65536; the
#     headers' room is taken once, in sk_setup_caps()).

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

# largest FAM PORT: the longest skb a FAM sender hands xs0 in 8 MiB
largest() {
	trace_devq_start xs0 || return 1
	one_way $B TCP $A "$1" 10.0.1.2 "$2" 8M >&2 ||
		{ trace_devq_stop "$TMP/q"; return 1; }
	trace_devq_stop "$TMP/q"
	sort -n "$TMP/q" | tail -n 1
}

t_size_goal() {
	local tcp xtcp
	tcp=$(largest TCP 7104) || return 1
	xtcp=$(largest XTCP 7105) || return 1
	echo "largest device-layer skb: Linux TCP $tcp, xtcp $xtcp"
	[ -n "$tcp" ] && [ "$tcp" -gt 1514 ] && [ "$xtcp" = "$tcp" ]
}

ktap_header 4
ktap_run gso_skbs_reach_device_tso t_tso_device
ktap_run sw_gso_segments_within_mss_valid_sums t_sw_gso_wire
ktap_run small_writes_coalesce_within_mss t_sw_gso_small_writes
ktap_run size_goal_as_linux_tcp t_size_goal
ktap_finish
