#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp_igb probe/remove: binding NIC0 creates a netdev with the MAC QEMU
# gave the NIC, ethtool -i names the driver, the carrier follows the link
# once the interface is up, and removal leaves nothing behind.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

NIC0_MAC=${XVM_NIC0_MAC:-52:54:00:12:34:01}

xigb_need_nics
trap xigb_cleanup EXIT

# ktap_run runs each step in a subshell: look the netdev up every time
nic0_dev() { xigb_netdev "$XVM_NIC0"; }
has_carrier() { [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ]; }

t_bind() {
	local dev

	xigb_load || return 1
	dev=$(nic0_dev)
	[ -n "$dev" ] && ip link show "$dev" || return 1
	# NIC1 is not ours: driver_override keeps it for igb
	[ ! -e "/sys/bus/pci/drivers/xtcp_igb/$XVM_NIC1" ]
}

t_mac() {
	local dev mac

	dev=$(nic0_dev)
	mac=$(cat "/sys/class/net/$dev/address")
	echo "$dev address $mac, expected $NIC0_MAC"
	[ "$mac" = "$NIC0_MAC" ] &&
		[ "$(cat "/sys/class/net/$dev/addr_assign_type")" = 0 ]
}

t_ethtool_i() {
	local dev info

	dev=$(nic0_dev)
	info=$(ethtool -i "$dev") || return 1
	echo "$info" | sed -n '1p;/bus-info/p'
	echo "$info" | grep -qx "driver: xtcp_igb" &&
		echo "$info" | grep -qx "bus-info: $XVM_NIC0"
}

t_carrier_down_before_up() {
	local dev

	dev=$(nic0_dev)
	# not up yet: no carrier is reported
	[ "$(cat "/sys/class/net/$dev/operstate")" = down ]
}

t_carrier_up() {
	local dev

	dev=$(nic0_dev)
	ip link set "$dev" up || return 1
	XIGB_WAIT=20 xigb_wait has_carrier "$dev" ||
		return 1
	ethtool "$dev" | grep -E 'Speed|Duplex|Link detected'
	ethtool "$dev" | grep -q 'Link detected: yes' &&
		ethtool "$dev" | grep -q 'Speed: 1000Mb/s'
}

t_down_up() {
	local dev

	dev=$(nic0_dev)
	ip link set "$dev" down || return 1
	[ "$(cat "/sys/class/net/$dev/operstate")" = down ] || return 1
	ip link set "$dev" up || return 1
	XIGB_WAIT=20 xigb_wait has_carrier "$dev"
}

t_rmmod() {
	local dev

	dev=$(nic0_dev)
	rmmod xtcp_igb || return 1
	[ ! -d /sys/module/xtcp_igb ] || return 1
	[ ! -e "/sys/bus/pci/devices/$XVM_NIC0/driver" ] || return 1
	! ip link show "$dev" >/dev/null 2>&1
}

t_rebind() {
	# a second load probes again and finds the same MAC
	local dev

	xigb_load || return 1
	dev=$(nic0_dev)
	[ "$(cat "/sys/class/net/$dev/address")" = "$NIC0_MAC" ] || return 1
	echo "$XVM_NIC0" >/sys/bus/pci/drivers/xtcp_igb/unbind || return 1
	[ -z "$(xigb_netdev "$XVM_NIC0")" ] && rmmod xtcp_igb
}

ktap_header 8
ktap_run bind_nic0 t_bind
ktap_run mac_from_hardware t_mac
ktap_run ethtool_driver_info t_ethtool_i
ktap_run no_carrier_while_down t_carrier_down_before_up
ktap_run carrier_after_up t_carrier_up
ktap_run carrier_after_down_up t_down_up
ktap_run rmmod_clean t_rmmod
ktap_run rebind_unbind t_rebind
ktap_finish
