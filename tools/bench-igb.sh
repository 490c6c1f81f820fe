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
# A round measures every wiring once (their order rotates from round to
# round). A TCG guest on a shared host drifts a lot over minutes, so the
# ratio is taken per round, between legs measured seconds apart:
#   sending   = mean(x0 NIC0->NIC1, x1 NIC1->NIC0) / mean(stock both ways)
#   receiving = mean(x0 NIC1->NIC0, x1 NIC0->NIC1) / mean(stock both ways)
# and the report gives the median of the per-round ratios with their range,
# and each leg's median Mbit/s with its range.
#
# Usage: tools/bench-igb.sh [-t SECS] [-r ROUNDS] [-P]   (from the host; it
#        starts its own guest with tools/xvm) -- or run inside a guest.
#   -P  also profile one x0 and one stock NIC0->NIC1 leg (perf record -a -g)
#       and write perf-{x0,stock}.txt to $XVM_OUT (or -o DIR on the host).
#   XIGB_KO=path  the xtcp_igb.ko to measure (default driver/xtcp_igb.ko)
set -u

secs=5 rounds=5 prof='' outdir=''
while getopts "t:r:Po:" o; do
	case $o in
	t) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	P) prof=1 ;;
	o) outdir=$OPTARG ;;
	*) echo "usage: $0 [-t SECS] [-r ROUNDS] [-P] [-o DIR]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
ko=${XIGB_KO:-$top/driver/xtcp_igb.ko}
if [ -z "${XVM_NIC0:-}" ]; then
	[ -f "$ko" ] || make -C "$top" driver >/dev/null || exit 1
	exec "$top/tools/xvm" --timeout $((600 + 50 * secs * rounds)) \
		${outdir:+--out "$outdir"} -- env XIGB_KO="$ko" \
		"$top/tools/bench-igb.sh" -t "$secs" -r "$rounds" ${prof:+-P}
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
	local i drv dev

	unbind_all
	echo "$1" >"/sys/bus/pci/devices/${nic[0]}/driver_override"
	echo "$2" >"/sys/bus/pci/devices/${nic[1]}/driver_override"
	modprobe igb
	[ -d /sys/module/xtcp_igb ] || insmod "$ko" || return 1
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
		for _ in $(seq 100); do
			[ "$(ip netns exec "${ns_of[$i]}" cat /sys/class/net/"$dev"/carrier 2>/dev/null)" = 1 ] && break
			sleep 0.2
		done
	done
	for _ in $(seq 50); do
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
		iperf3 -c "${ip_of[$2]}" -t "$secs" -O 1 -J 2>/dev/null)
	echo "$out" | /usr/bin/python3 -c '
import json, sys
try:
    print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception:
    print(0)'
}

# profile NAME: perf record -a -g over one NIC0->NIC1 leg, report as text
profile() {
	local d=${XVM_OUT:-/tmp}

	ip netns exec "${ns_of[1]}" iperf3 -s -1 -D >/dev/null 2>&1
	sleep 0.5
	perf record -q -a -g -o "/tmp/perf-$1.data" -- \
		ip netns exec "${ns_of[0]}" iperf3 -c "${ip_of[1]}" -t "$secs" \
		>"$d/perf-$1.iperf" 2>&1
	perf report -q -i "/tmp/perf-$1.data" --stdio --no-children \
		--percent-limit 0.5 -g none --sort sym >"$d/perf-$1.txt" 2>/dev/null
	perf report -q -i "/tmp/perf-$1.data" --stdio --no-children \
		--percent-limit 2 -g caller,0.5,callee --sort sym \
		>"$d/perf-$1.callers.txt" 2>/dev/null
	echo "profile $1: $d/perf-$1.txt" >&2
}

wire_of() {
	case $1 in
	stock) wire igb igb ;;
	x0) wire xtcp_igb igb ;;
	x1) wire igb xtcp_igb ;;
	esac
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

declare -A res
ratios_tx="" ratios_rx=""
order=(stock x0 x1)
for r in $(seq "$rounds"); do
	declare -A cur=()
	for k in 0 1 2; do
		w=${order[$(((k + r) % 3))]}
		wire_of "$w" || exit 1
		cur[$w,01]=$(leg 0 1)
		cur[$w,10]=$(leg 1 0)
		res[$w,01]+="${cur[$w,01]} "
		res[$w,10]+="${cur[$w,10]} "
	done
	echo "round $r: stock ${cur[stock,01]}/${cur[stock,10]} x0 ${cur[x0,01]}/${cur[x0,10]} x1 ${cur[x1,01]}/${cur[x1,10]} Mbit/s" >&2
	b=$((cur[stock,01] + cur[stock,10]))
	if [ "$b" -gt 0 ]; then
		ratios_tx+="$(div $((cur[x0,01] + cur[x1,10])) $b) "
		ratios_rx+="$(div $((cur[x0,10] + cur[x1,01])) $b) "
	fi
done
if [ -n "$prof" ]; then
	wire_of x0 && profile x0
	wire_of stock && profile stock
fi
unbind_all

# stats V...: "median (min-max)"
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR) printf "%s (%s-%s)", a[int((NR + 1) / 2)], a[1], a[NR] }'
}

# shellcheck disable=SC2086
cat <<REPORT
bench-igb: iperf3 TCP, ${secs}s per leg x $rounds rounds; Mbit/s median (min-max); guest: TCG
  wiring                     NIC0->NIC1            NIC1->NIC0
  stock  igb      / igb      $(stats ${res[stock,01]})   $(stats ${res[stock,10]})
  x0     xtcp_igb / igb      $(stats ${res[x0,01]})   $(stats ${res[x0,10]})
  x1     igb      / xtcp_igb $(stats ${res[x1,01]})   $(stats ${res[x1,10]})
  xtcp_igb/igb ratio, per round: sending   $ratios_tx
  xtcp_igb/igb ratio, per round: receiving $ratios_rx
  ratio sending   (median of rounds, range): $(stats $ratios_tx)
  ratio receiving (median of rounds, range): $(stats $ratios_rx)
REPORT
