#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading xtcp_igb: during a running transfer (no DMA after free, no
# splat: tools/xvm fails the run on any kernel warning), then repeated
# load/traffic/unload cycles that must leave nothing behind: no module, no
# netdev, no stuck page pool, no memory drift.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

CYCLES=${XIGB_CYCLES:-50}
SKB_SLABS='^(skbuff_head_cache|skbuff_fclone_cache|skbuff_small_head) '

xigb_need_nics
trap xigb_cleanup EXIT

avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

# skbs allocated anywhere (active objects of the skb caches)
skbs() { awk -v r="$SKB_SLABS" '$0 ~ r { n += $2 } END { print n + 0 }' /proc/slabinfo; }

# bring NIC0 up in xa again after a reload (the old netdev is gone)
nic0_into_xa() {
	local dev

	xigb_load || return 1
	dev=$(xigb_netdev "$XVM_NIC0")
	ip link set "$dev" netns $XA || return 1
	ip -n $XA addr add $XA_IP/24 dev "$dev"
	ip -n $XA link set "$dev" up
	XA_DEV=$dev
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$dev"
}

# abort_conns PORT: end both ends of the test connection on PORT at once.
# Its sender lost its device: closed normally it would linger as an orphan
# retransmitting into the next load of the driver, and an orphan that gets
# the peer's FIN keeps that skb (a page of the new pool) until it dies.
abort_conns() {
	ip netns exec $XA ss -K -tn "( dport = :$1 )" >/dev/null
	ip netns exec $XB ss -K -tn "( sport = :$1 )" >/dev/null
}

t_unload_under_load() {
	local rpid spid ok

	# (both ends are aborted below: their errors are expected)
	ip netns exec $XB timeout 60 socat -u TCP-LISTEN:5501,reuseaddr OPEN:/dev/null 2>/dev/null &
	rpid=$!
	wait_listen $XB 5501 10 || return 1
	ip netns exec $XA timeout 60 socat -u OPEN:/dev/zero TCP:$XB_IP:5501 2>/dev/null &
	spid=$!
	sleep 3
	# data is moving: the ring is busy when the driver goes away
	[ "$(xigb_link_stat $XA "$XA_DEV" tx_bytes)" -gt 1000000 ] || return 1
	rmmod xtcp_igb
	ok=$?
	# the transfer cannot finish without the device
	abort_conns 5501
	kill $spid $rpid 2>/dev/null
	wait $spid $rpid 2>/dev/null
	[ $ok -eq 0 ] && [ ! -d /sys/module/xtcp_igb ] &&
		[ -z "$(xigb_netdev "$XVM_NIC0")" ] && xigb_pools_gone
}

# The leak check can fail: a socket that holds received data unread keeps
# its pages from the page pool, so after rmmod the pool must still be
# listed (detached, pages in flight) and must go once the socket does.
t_held_pages_seen() {
	local rpid out

	nic0_into_xa || return 1
	ip netns exec $XA python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5503))
s.listen(1)
c, _ = s.accept()
time.sleep(60)' &
	rpid=$!
	if ! wait_listen $XA 5503 10 ||
	   ! head -c 65536 /dev/urandom |
		ip netns exec $XB timeout 20 socat -u - TCP:$XA_IP:5503; then
		kill $rpid
		return 1
	fi
	sleep 1
	ip netns exec $XA ss -tn state established '( sport = :5503 )' | tail -n +2
	rmmod xtcp_igb || { kill $rpid; return 1; }
	sleep 1
	out=$(xigb_pools $XA)
	kill $rpid
	wait $rpid 2>/dev/null
	echo "pools after rmmod, unread data queued: ${out:-none}"
	echo "$out" | grep -q 'inflight=[1-9].*detach_time=[1-9]' || return 1
	xigb_pools_gone
}

t_cycles() {
	local i before after skb0 skb1 np t0=$SECONDS

	ns_cleanup $XA
	ip netns add $XA && ip -n $XA link set lo up || return 1
	before=$(avail_kb)
	skb0=$(skbs)
	for i in $(seq "$CYCLES"); do
		nic0_into_xa || { echo "cycle $i: bring-up failed"; return 1; }
		# the lister sees the live pools (one per RX ring), so an empty
		# list after unload means something
		np=$(xigb_pools $XA | wc -l)
		[ "$np" -ge 1 ] || { echo "cycle $i: no page pool listed"; return 1; }
		ip netns exec $XA busybox ping -c 1 -W 2 $XB_IP >/dev/null ||
			{ echo "cycle $i: no ping"; return 1; }
		ip netns exec $XB timeout 20 socat -u TCP-LISTEN:5502,reuseaddr OPEN:/dev/null &
		wait_listen $XB 5502 10 || return 1
		head -c 1048576 /dev/urandom |
			ip netns exec $XA timeout 20 socat -u - TCP:$XB_IP:5502 ||
			{ echo "cycle $i: transfer failed"; return 1; }
		wait
		rmmod xtcp_igb || { echo "cycle $i: rmmod failed"; return 1; }
	done
	xigb_pools_gone || return 1
	after=$(avail_kb)
	skb1=$(skbs)
	echo "$CYCLES cycles in $((SECONDS - t0)) s; MemAvailable $before -> $after kB; skbs $skb0 -> $skb1; $np page pools while loaded, 0 after"
	# one leaked RX ring per cycle would be 1 MiB each time; a leaked
	# TX ring's skbs would add up in the skb caches. Leave room for
	# per-CPU caches and slab noise only.
	[ $((before - after)) -lt 16384 ] && [ $((skb1 - skb0)) -lt $((CYCLES * 4 + 256)) ]
}

t_nothing_left() {
	[ ! -d /sys/module/xtcp_igb ] || return 1
	[ -z "$(xigb_netdev "$XVM_NIC0")" ] || return 1
	! ip -n $XA link show | grep -q 'link/ether' || return 1
	# a page pool that still had pages out would complain here
	! dmesg | grep -E 'page_pool.*(stalled|release)|xtcp_igb.*(leak|BUG)'
}

ktap_header 4
xigb_wire_up ||
	ktap_fail_all "wire setup failed" unload_during_transfer \
		pool_with_held_pages_is_seen load_traffic_unload_x$CYCLES \
		nothing_left_behind
ktap_run unload_during_transfer t_unload_under_load
ktap_run pool_with_held_pages_is_seen t_held_pages_seen
ktap_run load_traffic_unload_x$CYCLES t_cycles
ktap_run nothing_left_behind t_nothing_left
ktap_finish
