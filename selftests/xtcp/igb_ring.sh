#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A 64-descriptor TX ring (ethtool -G tx 64) under a bulk TCP transfer: the
# transfer completes intact, the queue is seen stopping for lack of
# descriptors and being woken by TX completion, nothing is returned busy
# and no TX timeout fires.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

MIB=${XIGB_RING_MIB:-64}

xigb_need_nics
trap xigb_cleanup EXIT

t_set_ring() {
	ip netns exec $XA ethtool -G "$XA_DEV" tx 64 || return 1
	ip netns exec $XA ethtool -g "$XA_DEV" | sed -n '/Current/,$p'
	[ "$(ip netns exec $XA ethtool -g "$XA_DEV" |
		awk '/Current/ { c = 1 } c && $1 == "TX:" { print $2 }')" = 64 ] || return 1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" || return 1
	# QEMU completes a frame as soon as the tail is written, so with the
	# default moderation the ring drains faster than TCP fills it. Reap
	# completions every 8 ms instead and take byte queue limits out of
	# the way (floor above what 64 descriptors hold), so the ring itself
	# is what fills up. Every 2 ms, the ring stopped 5-26 times in a run
	# on an idle host and never in a loaded CI guest; every 8 ms, 102-150
	# times on the idle host.
	# The driver's reaping at the doorbell (QEMU only) is off for the
	# same reason: completions wait for the interrupt, as on a real NIC.
	ip netns exec $XA ethtool -C "$XA_DEV" rx-usecs 8000 || return 1
	ip netns exec $XA ethtool --set-priv-flags "$XA_DEV" \
		tx-reap-at-doorbell off || return 1
	ip netns exec $XA sh -c "for q in /sys/class/net/$XA_DEV/queues/tx-*; do
		echo 4194304 > \$q/byte_queue_limits/limit_min || exit 1; done"
	# The driver maps each CPU to its own TX queue (XPS), which would
	# split the flows over two rings: all CPUs to tx-0.
	ip netns exec $XA sh -c "cd /sys/class/net/$XA_DEV/queues &&
		for q in tx-*; do echo 0 > \$q/xps_cpus || exit 1; done &&
		printf '%x' $(((1 << $(nproc)) - 1)) > tx-0/xps_cpus"
}

# Eight flows at once, all on tx-0: TCP small queues let each socket park
# only about two TSO frames below the qdisc, which one flow cannot make
# fill 64 slots; and on a slow (busy) host the frames shrink with the
# pacing rate, so four flows filled it only barely (4 stops in a run).
t_bulk() {
	local i pids=() rc=0

	for i in 1 2 3 4 5 6 7 8; do
		xigb_transfer $XA $XB $XB_IP $((MIB / 8)) $((5300 + i)) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=1
	done
	return $rc
}

t_stop_wake() {
	local stops restarts busy

	stops=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_stops$')
	restarts=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_restarts$')
	busy=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_busy$')
	echo "stops $stops restarts $restarts busy $busy; per queue:" \
	     "$(ip netns exec $XA ethtool -S "$XA_DEV" |
		awk '$1 ~ /^tx_queue_[0-9]+_(packets|stops):$/ { printf "%s %s ", $1, $2 }')"
	[ "$stops" -gt 0 ] && [ "$restarts" -gt 0 ] && [ "$busy" = 0 ]
}

t_no_timeout() {
	[ "$(xigb_stat $XA "$XA_DEV" tx_timeout_count)" = 0 ] &&
		[ "$(xigb_stat $XA "$XA_DEV" reset_count)" = 0 ] &&
		! dmesg | grep -q 'TX timeout'
}

ktap_header 4
xigb_wire_up ||
	ktap_fail_all "wire setup failed" set_tx_ring_64 bulk_${MIB}mib_intact \
		queue_stops_and_wakes no_tx_timeout
ktap_run set_tx_ring_64 t_set_ring
ktap_run bulk_${MIB}mib_intact t_bulk
ktap_run queue_stops_and_wakes t_stop_wake
ktap_run no_tx_timeout t_no_timeout
ktap_finish
