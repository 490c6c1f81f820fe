#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp's protocol counters against the wire: OutSegs and RetransSegs
# (/proc/net/xtcp_snmp) grow by exactly what a capture on the sender's
# link counts, for a clean 1 MiB transfer and for one where the receiver
# drops 3% of the data segments after they crossed the wire (nft numgen
# in the receiver's namespace), so every retransmission is on the wire.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

NS1=trca-$$ NS2=trcb-$$
A=10.0.1.1

tl_need_tools tcpdump nft python3 "$TL_XC"
trap 'tl_cleanup; ns_cleanup $NS1 $NS2' EXIT

setup() {
	xtcp_load && veth_pair $NS1 $NS2 || return 1
	# Without TSO on veth0 the stack cuts xtcp's GSO skbs before the
	# capture taps them, so the capture counts segments, as OutSegs does.
	ip netns exec $NS1 ethtool -K veth0 tso off >/dev/null || return 1
	modprobe nf_tables && modprobe nft_numgen
}

counter() {	# counter NAME: from the sender's namespace
	ip netns exec $NS1 "$TL_SS" -s -j |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# measure PORT: a captured 1 MiB transfer; compares counter deltas with
# the capture. Prints the numbers; sets WIRE_RETRANS.
measure() {
	local port=$1 pcap=$TL_TMP/cap.$1.pcap out0 rs0 out1 rs1 wire segs

	cap_start $NS1 veth0 "$pcap" "tcp and src host $A" -Q out -s 96 -B 16384
	TL_PIDS+=("$CAP_PID")
	out0=$(counter OutSegs) rs0=$(counter RetransSegs)
	tl_sink $NS2 "$port" || return 1
	ip netns exec $NS1 timeout 120 "$TL_XC" -s XTCP -p "$port" -n 1M -t 60 \
		10.0.1.2 >/dev/null || { echo "# transfer failed"; return 1; }
	tl_sink_wait "$port" 1048576 || return 1
	sleep 1	# the last ACK of the FIN
	out1=$(counter OutSegs) rs1=$(counter RetransSegs)
	cap_stop
	cat "$pcap.err"
	[ "$(cap_drops)" = 0 ] ||
		{ echo "# the capture lost packets: cannot compare"; return 1; }
	wire=$(python3 "$TL_DIR/trace_pcapcount.py" "$pcap" $A) || return 1
	segs=$(echo "$wire" | awk '{ print $2 }')
	WIRE_RETRANS=$(echo "$wire" | awk '{ print $4 }')
	echo "OutSegs +$((out1 - out0)) RetransSegs +$((rs1 - rs0)); wire: $wire"
	[ $((out1 - out0)) = "$segs" ] && [ $((rs1 - rs0)) = "$WIRE_RETRANS" ]
}

clean() {
	measure 5341 || return 1
	[ "$WIRE_RETRANS" = 0 ] || echo "# retransmissions without loss"
}

lossy() {
	ip netns exec $NS2 nft -f - <<NFT || return 1
table inet xtrace {
	chain input {
		type filter hook input priority 0;
		ip saddr $A tcp dport 5342 tcp flags & (syn | fin) == 0 numgen random mod 100 < 3 drop
	}
}
NFT
	measure 5342 || return 1
	ip netns exec $NS2 nft list ruleset | grep -q drop
	[ "$WIRE_RETRANS" -gt 0 ] || { echo "# no retransmission happened"; return 1; }
}

ktap_header 3
ktap_run setup setup
ktap_run clean_1MiB_outsegs_eq_wire clean
ktap_run lossy_1MiB_retranssegs_eq_wire lossy
ktap_finish
