#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic over the private wire: xtcp_igb on NIC0 (netns xa) against the
# stock igb driver on NIC1 (netns xb). ICMP both ways, TCP bulk both ways
# (256 MiB xa->xb, 64 MiB xb->xa) checked by SHA-256, and the interface
# counters (ip -s link, ethtool -S, MAC hardware counters) checked against
# the peer's view of the same traffic.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

BIG_MIB=${XIGB_BIG_MIB:-256}
SMALL_MIB=${XIGB_SMALL_MIB:-64}
export XIGB_XFER_TIMEOUT=${XIGB_XFER_TIMEOUT:-300}

xigb_need_nics
trap xigb_cleanup EXIT

# within PCT% (plus SLACK) of each other
close_to() {	# close_to A B PCT SLACK
	local a=$1 b=$2 d

	d=$((a > b ? a - b : b - a))
	[ $((d * 100)) -le $(($3 * (a > b ? a : b) + $4 * 100)) ]
}

snap() {	# snap VAR NS DEV: "rx_packets rx_bytes tx_packets tx_bytes"
	local f v=""

	for f in rx_packets rx_bytes tx_packets tx_bytes; do
		v="$v $(xigb_link_stat "$2" "$3" $f)"
	done
	eval "$1='$v'"
}

t_ping() {	# t_ping FROM_NS TO_IP
	local out

	out=$(ip netns exec "$1" busybox ping -c 5 -W 2 -s 1400 "$2") || return 1
	echo "$out" | tail -n 2
	echo "$out" | grep -q '5 packets transmitted, 5 packets received'
}

# t_bulk FROM TO IP MIB SENDER_DEV_NS SENDER_DEV RECEIVER_NS RECEIVER_DEV
t_bulk() {
	local from=$1 to=$2 ip=$3 mib=$4 sns=$5 sdev=$6 rns=$7 rdev=$8
	local s0 s1 r0 r1 st sp rt rp t0 t1

	snap s0 "$sns" "$sdev"
	snap r0 "$rns" "$rdev"
	t0=$(date +%s.%N)
	xigb_transfer "$from" "$to" "$ip" "$mib" || return 1
	t1=$(date +%s.%N)
	snap s1 "$sns" "$sdev"
	snap r1 "$rns" "$rdev"
	set -- $s0 $s1
	sp=$((${7} - ${3})) st=$((${8} - ${4}))
	set -- $r0 $r1
	rp=$((${5} - ${1})) rt=$((${6} - ${2}))
	echo "$mib MiB in $(echo "$t1 - $t0" | bc) s; sender $sdev tx $sp pkts $st B, receiver $rdev rx $rp pkts $rt B"
	# every byte of payload crossed the wire, plus headers (< 10%)
	[ "$st" -ge $((mib * 1048576)) ] && [ "$st" -le $((mib * 1153434)) ] ||
		{ echo "sender byte count off"; return 1; }
	# the peer saw the same frames (runt/oversize drops in QEMU are rare)
	close_to "$sp" "$rp" 1 10 || { echo "packet counts disagree"; return 1; }
	close_to "$st" "$rt" 1 2000 || { echo "byte counts disagree"; return 1; }
}

t_counters() {
	local ns=$XA dev=$XA_DEV q_rx q_tx hw_rx rx tx

	rx=$(xigb_link_stat $ns "$dev" rx_packets)
	tx=$(xigb_link_stat $ns "$dev" tx_packets)
	q_rx=$(xigb_stat_sum $ns "$dev" '^rx_queue_[0-9]+_packets$')
	q_tx=$(xigb_stat_sum $ns "$dev" '^tx_queue_[0-9]+_packets$')
	hw_rx=$(xigb_stat $ns "$dev" rx_hw_good_packets)
	echo "ip -s: rx $rx tx $tx; ethtool queues: rx $q_rx tx $q_tx; MAC: rx $hw_rx"
	[ "$rx" = "$q_rx" ] && [ "$tx" = "$q_tx" ] || return 1
	# the MAC counts received frames like the driver; its TX count is per
	# frame handed over (a TSO skb counts once in QEMU), so not compared
	close_to "$rx" "$hw_rx" 1 10 || return 1
	[ "$(xigb_stat_sum $ns "$dev" '_(csum_err|frame_errors|busy|dma_errors)$')" = 0 ]
}

ktap_header 5
xigb_wire_up ||
	ktap_fail_all "wire setup failed" ping_xa_to_xb ping_xb_to_xa \
		tcp_${BIG_MIB}mib_xa_to_xb tcp_${SMALL_MIB}mib_xb_to_xa \
		counters_agree
ktap_run ping_xa_to_xb t_ping $XA $XB_IP
ktap_run ping_xb_to_xa t_ping $XB $XA_IP
ktap_run tcp_${BIG_MIB}mib_xa_to_xb t_bulk $XA $XB $XB_IP "$BIG_MIB" $XA "$XA_DEV" $XB "$XB_DEV"
ktap_run tcp_${SMALL_MIB}mib_xb_to_xa t_bulk $XB $XA $XA_IP "$SMALL_MIB" $XB "$XB_DEV" $XA "$XA_DEV"
ktap_run counters_agree t_counters
ktap_finish
