#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-igb.sh: TCP bulk throughput (iperf3) over xtcp_igb compared with the
# stock igb driver on the same emulated wire, in one guest run.
#
# Three wirings of the two 82576s, each measured in both directions:
#   stock: NIC0 igb      <-> NIC1 igb       (baseline)
#   x0:    NIC0 xtcp_igb <-> NIC1 igb
#   x1:    NIC0 igb      <-> NIC1 xtcp_igb  (the NICs swapped)
# Each leg is repeated ROUNDS times, interleaved, and the median is kept,
# because a TCG guest on a shared host is noisy. The report gives the
# xtcp_igb/igb ratio for sending and for receiving.
#
# Usage: tools/bench-igb.sh [-t SECS] [-r ROUNDS]   (from the host; it
#        starts its own guest with tools/xvm) -- or run inside a guest.
set -u

secs=5 rounds=3
while getopts "t:r:" o; do
	case $o in
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: $0 [-t SECS] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ -z "${XVM_NIC0:-}" ]; then
	[ -f "$top/driver/xtcp_igb.ko" ] || make -C "$top" driver >/dev/null || exit 1
	exec "$top/tools/xvm" --timeout $((600 + 40 * secs * rounds)) -- \
		"$top/tools/bench-igb.sh" -t "$secs" -r "$rounds"
fi

nic=("$XVM_NIC0" "$XVM_NIC1")
ip_of=(10.0.4.1 10.0.4.2)
ns_of=(bn0 bn1)

netdev_of() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -n 1; }

unbind_all() {
	local n d

	ip netns del bn0 2>/dev/null
	ip netns del bn1 2>/dev/null
	for n in "${nic[@]}"; do
		d=/sys/bus/pci/devices/$n/driver
		[ -e "$d" ] && echo "$n" >"$d/unbind"
	done
	[ -d /sys/module/xtcp_igb ] && rmmod xtcp_igb
	sleep 1
}

# wire DRV0 DRV1: bind NIC0/NIC1 to those drivers, one netns each, up
wire() {
	local i drv dev c

	unbind_all
	echo "$1" >"/sys/bus/pci/devices/${nic[0]}/driver_override"
	echo "$2" >"/sys/bus/pci/devices/${nic[1]}/driver_override"
	modprobe igb
	[ -d /sys/module/xtcp_igb ] || insmod "$top/driver/xtcp_igb.ko" || return 1
	for i in 0 1; do
		drv=$([ "$i" = 0 ] && echo "$1" || echo "$2")
		[ -e "/sys/bus/pci/devices/${nic[$i]}/driver" ] ||
			echo "${nic[$i]}" >"/sys/bus/pci/drivers/$drv/bind"
	done
	sleep 1
	for i in 0 1; do
		dev=$(netdev_of "${nic[$i]}")
		[ -n "$dev" ] || { echo "no netdev on ${nic[$i]}" >&2; return 1; }
		ip netns add "${ns_of[$i]}"
		ip link set "$dev" netns "${ns_of[$i]}"
		ip -n "${ns_of[$i]}" addr add "${ip_of[$i]}/24" dev "$dev"
		ip -n "${ns_of[$i]}" link set lo up
		ip -n "${ns_of[$i]}" link set "$dev" up
		for c in $(seq 100); do
			[ "$(ip netns exec "${ns_of[$i]}" cat /sys/class/net/"$dev"/carrier 2>/dev/null)" = 1 ] && break
			sleep 0.2
		done
	done
	for c in $(seq 50); do
		ip netns exec bn0 busybox ping -c 1 -W 1 "${ip_of[1]}" >/dev/null 2>&1 && return 0
	done
	echo "no ping on wiring $1/$2" >&2
	return 1
}

# leg FROM TO: iperf3 Mbit/s from netns index FROM to index TO
leg() {
	local out

	ip netns exec "${ns_of[$2]}" iperf3 -s -1 -D >/dev/null 2>&1
	sleep 0.5
	out=$(ip netns exec "${ns_of[$1]}" timeout $((secs + 30)) \
		iperf3 -c "${ip_of[$2]}" -t "$secs" -J 2>/dev/null)
	echo "$out" | /usr/bin/python3 -c '
import json, sys
try:
    print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print(0)'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A res
for r in $(seq "$rounds"); do
	for w in stock x0 x1; do
		case $w in
		stock) wire igb igb ;;
		x0) wire xtcp_igb igb ;;
		x1) wire igb xtcp_igb ;;
		esac || exit 1
		res[$w,01]+="$(leg 0 1) "
		res[$w,10]+="$(leg 1 0) "
		echo "round $r $w: 0->1 ${res[$w,01]}| 1->0 ${res[$w,10]}" >&2
	done
done
unbind_all

declare -A m
for k in "${!res[@]}"; do
	# shellcheck disable=SC2086
	m[$k]=$(median ${res[$k]})
done

ratio() { /usr/bin/python3 -c "print('%.2f' % ($1 / $2 if $2 else 0))"; }

# sending through xtcp_igb: x0 0->1 and x1 1->0; receiving: x0 1->0, x1 0->1
tx_x=$(( (m[x0,01] + m[x1,10]) / 2 ))
rx_x=$(( (m[x0,10] + m[x1,01]) / 2 ))
base=$(( (m[stock,01] + m[stock,10]) / 2 ))
cat <<REPORT
bench-igb: iperf3 TCP, ${secs}s x $rounds rounds, median Mbit/s (guest: TCG)
  wiring                     NIC0->NIC1  NIC1->NIC0
  stock  igb      / igb      ${m[stock,01]}  ${m[stock,10]}
  x0     xtcp_igb / igb      ${m[x0,01]}  ${m[x0,10]}
  x1     igb      / xtcp_igb ${m[x1,01]}  ${m[x1,10]}
  xtcp_igb sending   $tx_x Mbit/s vs igb $base: ratio $(ratio $tx_x $base)
  xtcp_igb receiving $rx_x Mbit/s vs igb $base: ratio $(ratio $rx_x $base)
REPORT
