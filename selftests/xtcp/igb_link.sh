#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link state of xtcp_igb driven from outside: the QEMU monitor takes NIC0's
# link down and up (set_link n0 off/on). The carrier follows through the
# link-status-change interrupt, traffic resumes, a transfer that spans the
# outage completes intact, and afterwards nothing is left in flight.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

MON=$XTCP_TOP/tools/xvm-monitor
MIB=${XIGB_LINK_MIB:-32}

xigb_need_nics
trap '"$MON" "set_link n0 on" >/dev/null 2>&1; xigb_cleanup' EXIT

no_carrier() { ! xigb_carrier $XA "$XA_DEV"; }
moved() { [ $(($(xigb_link_stat $XA "$XA_DEV" tx_bytes) - $1)) -gt "$2" ]; }

t_link_off() {
	"$MON" "set_link n0 off" || return 1
	XIGB_WAIT=15 xigb_wait no_carrier || return 1
	ip netns exec $XA ethtool "$XA_DEV" | grep 'Link detected'
	ip netns exec $XA ethtool "$XA_DEV" | grep -q 'Link detected: no' &&
		[ "$(ip netns exec $XA cat /sys/class/net/"$XA_DEV"/operstate)" = down ]
}

t_link_on() {
	"$MON" "set_link n0 on" || return 1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" || return 1
	XIGB_WAIT=20 xigb_wait ip netns exec $XA busybox ping -c 1 -W 1 $XB_IP >/dev/null
}

t_flap_during_transfer() {
	local pid rc tx0

	tx0=$(xigb_link_stat $XA "$XA_DEV" tx_bytes)
	XIGB_XFER_TIMEOUT=240 xigb_transfer $XA $XB $XB_IP "$MIB" &
	pid=$!
	# pull the plug only once data is flowing
	XIGB_WAIT=60 xigb_wait moved "$tx0" $((2 * 1048576)) ||
		{ echo "transfer did not start"; rc=1; }
	"$MON" "set_link n0 off" >/dev/null || rc=1
	XIGB_WAIT=15 xigb_wait no_carrier || { echo "carrier stayed on"; rc=1; }
	sleep 3
	"$MON" "set_link n0 on" >/dev/null || rc=1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" || { echo "no carrier"; rc=1; }
	wait $pid || { echo "transfer across the outage failed"; rc=1; }
	return ${rc:-0}
}

t_nothing_in_flight() {
	local q inflight=0 v

	# every byte handed to the ring was completed (BQL inflight back to 0)
	for q in $(ip netns exec $XA sh -c "ls -d /sys/class/net/$XA_DEV/queues/tx-*"); do
		v=$(ip netns exec $XA cat "$q/byte_queue_limits/inflight")
		inflight=$((inflight + v))
	done
	echo "BQL inflight $inflight, tx timeouts $(xigb_stat $XA "$XA_DEV" tx_timeout_count)"
	dmesg | grep -E "$XA_DEV.*Link is (Up|Down)" | tail -n 4
	[ "$inflight" = 0 ] && [ "$(xigb_stat $XA "$XA_DEV" tx_timeout_count)" = 0 ]
}

# every RX page came back after the flap: once unloaded, no page pool
# is left (a pool with pages out would outlive the driver)
t_unload_no_pool_left() {
	local n

	n=$(xigb_pools $XA | wc -l)
	echo "$n page pools before unload"
	[ "$n" -ge 1 ] && rmmod xtcp_igb && xigb_pools_gone
}

ktap_header 5
xigb_wire_up ||
	ktap_fail_all "wire setup failed" carrier_off_on_link_down \
		carrier_on_traffic_on_link_up transfer_spans_link_flap \
		nothing_left_in_flight unload_leaves_no_page_pool
ktap_run carrier_off_on_link_down t_link_off
ktap_run carrier_on_traffic_on_link_up t_link_on
ktap_run transfer_spans_link_flap t_flap_during_transfer
ktap_run nothing_left_in_flight t_nothing_in_flight
ktap_run unload_leaves_no_page_pool t_unload_no_pool_left
ktap_finish
