#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# crr_counts.sh: what one crr transaction (connect, 16-byte request,
# 1-byte response, close) costs the kernel, Linux TCP and xtcp senders
# into the same stock receiver over veth. Run INSIDE one tools/xvm guest:
#
#   tools/xvm --out DIR -- tools/bench/crr_counts.sh
#   tools/bench/crr_counts.py DIR
#
# For each sender, ftrace hist triggers count during one xbench crr run:
# slab allocations and frees by call site (with bytes), page allocations,
# timers armed and expired by function, hrtimers, work items, call_rcu by
# callback, dst_release, sk_free, skb_clone calls, skbs freed, packets
# queued to the device by length, softirqs by vector. The hist files,
# xbench's result line and /proc/slabinfo go to DIR (default /tmp/crr);
# crr_counts.py prints the counts per transaction side by side.
# Environment: SECS (default 2), ORDER (default "TCP XTCP").
set -u

top=${XTCP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/selftests/xtcp/lib.sh"
XB=$top/tools/bench/xbench
out=${XVM_OUT:-/tmp/crr}
secs=${SECS:-2}
order=${ORDER:-TCP XTCP}
T=/sys/kernel/tracing
mkdir -p "$out"

declare -A H=(
	[kmem/kmem_cache_alloc]='keys=call_site.sym:vals=hitcount,bytes_alloc'
	[kmem/kmalloc]='keys=call_site.sym:vals=hitcount,bytes_alloc'
	[kmem/kmem_cache_free]='keys=call_site.sym:vals=hitcount'
	[kmem/kfree]='keys=call_site.sym:vals=hitcount'
	[kmem/mm_page_alloc]='keys=order:vals=hitcount'
	[timer/timer_start]='keys=function.sym:vals=hitcount'
	[timer/timer_expire_entry]='keys=function.sym:vals=hitcount'
	[timer/hrtimer_start]='keys=function.sym:vals=hitcount'
	[workqueue/workqueue_queue_work]='keys=function.sym:vals=hitcount'
	[kprobes/crr_call_rcu]='keys=func.sym:vals=hitcount'
	[kprobes/crr_sk_free]='keys=common_pid.execname:vals=hitcount'
	[kprobes/crr_dst_release]='keys=common_pid.execname:vals=hitcount'
	[kprobes/crr_skb_clone]='keys=common_pid.execname:vals=hitcount'
	[net/net_dev_queue]='keys=len:vals=hitcount'
	[skb/kfree_skb]='keys=reason:vals=hitcount'
	[skb/consume_skb]='keys=common_pid.execname:vals=hitcount'
	[irq/softirq_entry]='keys=vec:vals=hitcount'
)

cleanup() {
	local e

	for e in "${!H[@]}"; do
		echo "!hist:${H[$e]}" >"$T/events/$e/trigger" 2>/dev/null
	done
	for e in crr_call_rcu crr_sk_free crr_dst_release crr_skb_clone; do
		echo "-:$e" >>$T/kprobe_events 2>/dev/null
	done
	ns_cleanup bs br
}
trap cleanup EXIT

veth_pair bs br || exit 1
xtcp_load || exit 1
ip netns exec br "$XB" -l -p 5000 >/dev/null 2>&1 &
wait_listen br 5000 10 || exit 1
{
	echo 'p:crr_call_rcu call_rcu func=%si:x64'
	echo 'p:crr_sk_free sk_free'
	echo 'p:crr_dst_release dst_release'
	echo 'p:crr_skb_clone skb_clone'
} >>$T/kprobe_events || exit 1

for s in $order; do
	for e in "${!H[@]}"; do
		echo "hist:${H[$e]}" >"$T/events/$e/trigger" || exit 1
	done
	grep -E '^(XTCP|TCP|tw_sock_TCP|request_sock_TCP) ' /proc/slabinfo \
		>"$out/slab0.$s"
	ip netns exec bs "$XB" -m crr -R 1 -s "$s" -H 10.0.1.2 -p 5000 \
		-t "$secs" >"$out/result.$s" || exit 1
	for e in "${!H[@]}"; do
		cp "$T/events/$e/hist" "$out/h.$s.${e//\//_}"
		echo "!hist:${H[$e]}" >"$T/events/$e/trigger"
	done
	grep -E '^(XTCP|TCP|tw_sock_TCP|request_sock_TCP) ' /proc/slabinfo \
		>"$out/slab1.$s"
	cat "$out/result.$s"
done
for d in /sys/kernel/slab/XTCP /sys/kernel/slab/TCP; do
	[ -d $d ] && echo "$d: object_size $(cat $d/object_size)" \
		"slab_size $(cat $d/slab_size) objs_per_slab $(cat $d/objs_per_slab)" \
		"destroy_by_rcu $(cat $d/destroy_by_rcu)"
done | tee "$out/slabs.txt"
