#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the xtcp_igb driver tests. The private QEMU wire joins NIC0
# ($XVM_NIC0, driven by xtcp_igb, in netns "xa" as 10.0.3.1) and NIC1
# ($XVM_NIC1, driven by the stock igb, in netns "xb" as 10.0.3.2).
# Source after lib.sh: . "$(dirname "$0")/igb_lib.sh"

XA=xa XB=xb
XA_IP=10.0.3.1 XB_IP=10.0.3.2
XIGB_KO=${XIGB_KO:-$XTCP_TOP/driver/xtcp_igb.ko}
XIGB_POOLS=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/igb_pagepools.py

# xigb_need_nics: skip (exit 4) unless the runner gave us the two NICs.
xigb_need_nics() {
	if [ -z "${XVM_NIC0:-}" ] || [ -z "${XVM_NIC1:-}" ] ||
	   [ ! -d "/sys/bus/pci/devices/$XVM_NIC0" ]; then
		ktap_header 1
		ktap_result 4 "$(basename "$0")" "needs two igb NICs (run under tools/xvm)"
		exit $KSFT_SKIP
	fi
	[ -f "$XIGB_KO" ] || { echo "# $XIGB_KO not built"; exit $KSFT_FAIL; }
}

# xigb_wait CMD...: retry CMD every 0.2 s for up to $XIGB_WAIT seconds.
xigb_wait() {
	local n

	for ((n = 0; n < ${XIGB_WAIT:-15} * 5; n++)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# xigb_netdev PCIADDR: name of the netdev of a bound NIC ("" if none).
xigb_netdev() {
	ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -n 1
}

# xigb_load [PARAMS...]: bind NIC0 to xtcp_igb (NIC1 is kept away from it
# by its driver_override, set before the module can probe it).
xigb_load() {
	xigb_overrides
	if [ ! -d /sys/module/xtcp_igb ]; then
		insmod "$XIGB_KO" "$@" || return 1
	fi
	[ -e "/sys/bus/pci/devices/$XVM_NIC0/driver" ] ||
		echo "$XVM_NIC0" >/sys/bus/pci/drivers/xtcp_igb/bind
	xigb_wait xigb_bound "$XVM_NIC0" && xigb_driver_is "$XVM_NIC0" xtcp_igb
}

# xigb_overrides: pin each NIC to its driver before any module can probe it
# (a freshly loaded igb or xtcp_igb takes every unbound 82576 otherwise).
xigb_overrides() {
	echo xtcp_igb >"/sys/bus/pci/devices/$XVM_NIC0/driver_override"
	echo igb >"/sys/bus/pci/devices/$XVM_NIC1/driver_override"
}

# xigb_driver_is PCIADDR DRIVER: the NIC is bound to DRIVER.
xigb_driver_is() {
	local d

	d=$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")
	[ "$d" = "$2" ] || { echo "# $1 is driven by '$d', not $2"; return 1; }
}

# xigb_bound PCIADDR: true once the NIC has a netdev.
xigb_bound() {
	[ -n "$(xigb_netdev "$1")" ]
}

# xigb_peer_load: bind NIC1 to the stock igb driver.
xigb_peer_load() {
	xigb_overrides
	modprobe igb || return 1
	[ -e "/sys/bus/pci/devices/$XVM_NIC1/driver" ] ||
		echo "$XVM_NIC1" >/sys/bus/pci/drivers/igb/bind
	xigb_wait xigb_bound "$XVM_NIC1" && xigb_driver_is "$XVM_NIC1" igb
}

# xigb_carrier NS DEV: true if DEV in NS has carrier.
xigb_carrier() {
	[ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 1 ]
}

# xigb_wire_up: both drivers bound, each NIC in its namespace with an
# address, links up and carrier on both ends. Sets XA_DEV and XB_DEV.
xigb_wire_up() {
	xigb_peer_load || { echo "# stock igb did not bind $XVM_NIC1"; return 1; }
	xigb_load "$@" || { echo "# xtcp_igb did not bind $XVM_NIC0"; return 1; }
	XA_DEV=$(xigb_netdev "$XVM_NIC0")
	XB_DEV=$(xigb_netdev "$XVM_NIC1")
	ip netns add $XA && ip netns add $XB || return 1
	ip link set "$XA_DEV" netns $XA && ip link set "$XB_DEV" netns $XB || return 1
	ip -n $XA link set lo up
	ip -n $XB link set lo up
	# The stock igb netdev outlives a test (only xtcp_igb is reloaded):
	# undo what an earlier one set, e.g. igb_settings' MTU 9000, which
	# let the peer answer with frames xtcp_igb's 1500 drops.
	ip -n $XB link set "$XB_DEV" mtu 1500 || return 1
	ip -n $XA addr add $XA_IP/24 dev "$XA_DEV"
	ip -n $XB addr add $XB_IP/24 dev "$XB_DEV"
	ip -n $XA link set "$XA_DEV" up
	ip -n $XB link set "$XB_DEV" up
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" ||
		{ echo "# no carrier on $XA_DEV"; return 1; }
	XIGB_WAIT=20 xigb_wait xigb_carrier $XB "$XB_DEV" ||
		{ echo "# no carrier on $XB_DEV"; return 1; }
	# first contact: the stock driver may need a moment after carrier
	XIGB_WAIT=20 xigb_wait ip netns exec $XA busybox ping -c 1 -W 1 $XB_IP \
		>/dev/null || { echo "# no ping over the wire"; return 1; }
}

# xigb_cleanup: namespaces gone (NICs return to init_net), module unloaded.
xigb_cleanup() {
	ns_cleanup $XA $XB
	if [ -d /sys/module/xtcp_igb ]; then
		xigb_wait rmmod xtcp_igb 2>/dev/null || echo "# rmmod xtcp_igb failed"
	fi
}

# xigb_stat NS DEV NAME: one ethtool -S counter (empty if absent).
xigb_stat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v n="$3:" '$1 == n { print $2 }'
}

# xigb_stat_sum NS DEV REGEX: sum of the ethtool -S counters matching REGEX.
xigb_stat_sum() {
	ip netns exec "$1" ethtool -S "$2" |
		awk -v r="$3" '{ sub(":", "", $1) } $1 ~ r { s += $2 } END { print s + 0 }'
}

# xigb_link_stat NS DEV FIELD: rx_packets, tx_bytes, ... from sysfs.
xigb_link_stat() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# xigb_transfer FROM_NS TO_NS TO_IP MIB [PORT]: send MIB MiB of random data
# over TCP from FROM_NS to a receiver in TO_NS; succeed only if the SHA-256
# of what arrived matches. Bounded by $XIGB_XFER_TIMEOUT seconds.
xigb_transfer() {
	local from=$1 to=$2 ip=$3 mib=$4 port=${5:-5201}
	local dir src dst t=${XIGB_XFER_TIMEOUT:-120} rc

	dir=$(mktemp -d /tmp/xigb.XXXXXX)
	src=$dir/src dst=$dir/dst
	head -c "$((mib * 1048576))" /dev/urandom >"$src"
	ip netns exec "$to" timeout "$t" socat -u \
		"TCP-LISTEN:$port,reuseaddr" "OPEN:$dst,creat,trunc" &
	local rpid=$!
	wait_listen "$to" "$port" 10 || { kill $rpid 2>/dev/null; rm -rf "$dir"; return 1; }
	ip netns exec "$from" timeout "$t" socat -u "OPEN:$src" "TCP:$ip:$port"
	rc=$?
	wait $rpid || rc=1
	if [ $rc -eq 0 ] && [ "$(sha256sum <"$src")" != "$(sha256sum <"$dst")" ]; then
		echo "# $mib MiB transfer $from -> $to corrupted"
		rc=1
	fi
	rm -rf "$dir"
	return $rc
}

# xigb_pools NS: the page pools (live, or detached with pages still out)
# of namespace NS, one line each (igb_pagepools.py)
xigb_pools() {
	ip netns exec "$1" "$XIGB_POOLS"
}

xigb_no_pools() {
	[ -z "$(xigb_pools "$1")" ]
}

# xigb_pools_gone: after xtcp_igb went away, every page pool it had is
# destroyed, i.e. all its pages came back (a pool with pages out outlives
# its netdev, moved to the namespace's lo). Waits up to 10 s.
xigb_pools_gone() {
	XIGB_WAIT=10 xigb_wait xigb_no_pools $XA && xigb_no_pools $XB &&
		return 0
	echo "page pools left:"
	xigb_pools $XA
	# a socket still alive in xa may be what holds the pages
	echo "TCP sockets in $XA:"
	ip netns exec $XA ss -tanoi
	return 1
}
