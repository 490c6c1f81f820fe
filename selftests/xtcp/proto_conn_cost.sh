#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_conn_cost: what one short connection costs the kernel, xtcp
# beside Linux TCP. The bench's crr workload (connect, 16-byte request,
# 1-byte response, close) runs for a second from each sender family into
# the same stock Linux TCP receiver over veth, while kprobes count per
# transaction:
#  1. route references dropped (dst_release of a route): Linux TCP's
#     ip_queue_xmit() sends each segment with the socket's route borrowed
#     under RCU, not referenced; xtcp must not take more than TCP does;
#  2. sockets freed through an RCU callback (call_rcu(__sk_destruct)):
#     TCP's sockets come from a SLAB_TYPESAFE_BY_RCU slab and are freed
#     at once, hot for the next connection; xtcp's must be too;
#  3. wmem releases that drop a socket reference (sk_free): a bare ACK's
#     completion releases only its own memory (TCP's __sock_wfree), not
#     the reference small queues keep for a data skb;
#  4. transactions completed by both senders (the counts mean something).

. "$(dirname "$0")/lib.sh"

XBENCH=$(dirname "$0")/xbench
[ -x "$XBENCH" ] || XBENCH=$XTCP_TOP/tools/bench/xbench
NS=pcc_s
NR=pcc_r
PORT=5310
TR=/sys/kernel/tracing
KP_DST=xtcp_pcc_dst
KP_RCU=xtcp_pcc_rcu
KP_SKF=xtcp_pcc_skf
TMP=$(mktemp -d)
srv=

hist_off() {	# hist_off EVENT SPEC
	echo "!hist:$2" >"$TR/events/kprobes/$1/trigger" 2>/dev/null
}

DST_SPEC="keys=common_pid:vals=hitcount if dst != 0"
RCU_SPEC="keys=func.sym:vals=hitcount"
SKF_SPEC="keys=common_pid:vals=hitcount"

cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	if [ -w $TR/kprobe_events ]; then
		hist_off $KP_DST "$DST_SPEC"
		hist_off $KP_RCU "$RCU_SPEC"
		hist_off $KP_SKF "$SKF_SPEC"
		echo "-:$KP_DST" >>$TR/kprobe_events 2>/dev/null
		echo "-:$KP_RCU" >>$TR/kprobe_events 2>/dev/null
		echo "-:$KP_SKF" >>$TR/kprobe_events 2>/dev/null
	fi
	ns_cleanup $NS $NR
	rm -rf "$TMP"
}
trap cleanup EXIT

TESTS="route_refs_per_connection rcu_socket_frees_per_connection
sk_free_per_connection transactions_completed"

ktap_header 4
if [ "$(id -u)" != 0 ] || ! xtcp_load; then
	# shellcheck disable=SC2086
	ktap_skip_all "needs root and module/xtcp.ko" $TESTS
fi
if [ ! -x "$XBENCH" ]; then
	# shellcheck disable=SC2086
	ktap_skip_all "xbench not built (make -C selftests/xtcp)" $TESTS
fi
if [ ! -w $TR/kprobe_events ] ||
   ! echo "p:$KP_DST dst_release dst=%di:x64" >>$TR/kprobe_events ||
   ! echo "p:$KP_RCU call_rcu func=%si:x64" >>$TR/kprobe_events ||
   ! echo "p:$KP_SKF sk_free" >>$TR/kprobe_events; then
	# shellcheck disable=SC2086
	ktap_skip_all "no kprobe events on dst_release/call_rcu/sk_free" $TESTS
fi
# shellcheck disable=SC2086
veth_pair $NS $NR || ktap_fail_all "cannot create veth pair" $TESTS
ip netns exec $NR "$XBENCH" -l -p $PORT >"$TMP/srv" 2>&1 &
srv=$!
# shellcheck disable=SC2086
wait_listen $NR $PORT 10 || ktap_fail_all "receiver did not start" $TESTS

# measure FAMILY: one second of crr; sets trans, dst (dst_release calls)
# rcu (call_rcu(__sk_destruct) calls) and skf (sk_free calls) for
# FAMILY's run.
measure() {
	local fam=$1 out

	echo "hist:$DST_SPEC" >$TR/events/kprobes/$KP_DST/trigger || return 1
	echo "hist:$RCU_SPEC" >$TR/events/kprobes/$KP_RCU/trigger || return 1
	echo "hist:$SKF_SPEC" >$TR/events/kprobes/$KP_SKF/trigger || return 1
	out=$(ip netns exec $NS timeout 30 "$XBENCH" -m crr -R 1 -s "$fam" \
		-H 10.0.1.2 -p $PORT -t 1 2>&1)
	cp $TR/events/kprobes/$KP_DST/hist "$TMP/dst.$fam"
	cp $TR/events/kprobes/$KP_RCU/hist "$TMP/rcu.$fam"
	cp $TR/events/kprobes/$KP_SKF/hist "$TMP/skf.$fam"
	hist_off $KP_DST "$DST_SPEC"
	hist_off $KP_RCU "$RCU_SPEC"
	hist_off $KP_SKF "$SKF_SPEC"
	trans=$(echo "$out" | sed -n 's/.* trans=\([0-9]*\) .*/\1/p')
	dst=$(sed -n 's/^ *Hits: *\([0-9]*\)/\1/p' "$TMP/dst.$fam")
	rcu=$(sed -n 's/.*__sk_destruct.*hitcount: *\([0-9]*\).*/\1/p' \
		"$TMP/rcu.$fam")
	skf=$(sed -n 's/^ *Hits: *\([0-9]*\)/\1/p' "$TMP/skf.$fam")
	echo "# $fam: $out"
	[ -n "$trans" ] && [ -n "$dst" ] && [ -n "$skf" ]
}

# per N COUNT: COUNT per transaction, two decimals.
per() { awk -v n="$1" -v c="${2:-0}" 'BEGIN { printf "%.2f", c / n }'; }

ok=1
measure TCP || ok=0
t_trans=$trans t_dst=$dst t_rcu=${rcu:-0} t_skf=$skf
measure XTCP || ok=0
x_trans=$trans x_dst=$dst x_rcu=${rcu:-0} x_skf=$skf
# shellcheck disable=SC2086
[ $ok = 1 ] || ktap_fail_all "crr run failed" $TESTS

t_dpt=$(per "$t_trans" "$t_dst") x_dpt=$(per "$x_trans" "$x_dst")
t_rpt=$(per "$t_trans" "$t_rcu") x_rpt=$(per "$x_trans" "$x_rcu")
t_spt=$(per "$t_trans" "$t_skf") x_spt=$(per "$x_trans" "$x_skf")
echo "# per transaction: dst_release TCP $t_dpt XTCP $x_dpt;" \
	"call_rcu(__sk_destruct) TCP $t_rpt XTCP $x_rpt;" \
	"sk_free TCP $t_spt XTCP $x_spt"

# at_most TEST WHAT XTCP TCP SLACK: XTCP's count per transaction is no
# more than TCP's plus SLACK.
at_most() {
	if awk -v x="$3" -v t="$4" -v s="$5" 'BEGIN { exit !(x <= t + s) }'; then
		ktap_result 0 "$1"
	else
		ktap_result 1 "$1" "$2 per transaction: XTCP $3, TCP $4"
	fi
}

# 1. One reference more per connection (a retransmission, an ARP
# exchange) is noise; one per segment is not (a crr connection sends 5).
at_most route_refs_per_connection dst_release "$x_dpt" "$t_dpt" 1
# 2. TCP frees none of its sockets through call_rcu; each xtcp
# connection used to free one (SOCK_RCU_FREE).
at_most rcu_socket_frees_per_connection "call_rcu(__sk_destruct)" \
	"$x_rpt" "$t_rpt" 0.1
# 3. A crr connection's sender sends two bare ACKs (handshake, the
# response's); each used to cost an sk_free of the TSQ reference.
at_most sk_free_per_connection sk_free "$x_spt" "$t_spt" 0.5

# 4. Each sender completed a useful number of transactions.
if [ "$t_trans" -ge 50 ] && [ "$x_trans" -ge 50 ]; then
	ktap_result 0 transactions_completed
else
	ktap_result 1 transactions_completed \
		"transactions in 1 s: TCP $t_trans, XTCP $x_trans"
fi
ktap_finish
