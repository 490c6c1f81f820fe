#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the send-path tests (send_*.sh): a SUT namespace running
# xtcp and a peer namespace running stock Linux TCP, joined by a veth
# pair whose ends have distinct names (xs0 in the SUT, xp0 at the peer)
# so device-layer tracepoints tell the two directions apart; captures in
# the peer namespace; the kernel's net:net_dev_queue tracepoint.
# Source it after lib.sh.

SEND_DIR=$(dirname "${BASH_SOURCE[0]}")
SEND_XC=$SEND_DIR/xtcp_connect
SOCK="python3 $SEND_DIR/send_sock.py"
PCAP="python3 $SEND_DIR/send_pcap.py"
SEND_NAME=$(basename "$0" .sh)

# skip_all REASON: the whole test is skipped (a plan of one, with REASON).
skip_all() {
	ktap_header 1
	ktap_result 4 "$SEND_NAME" "$1"
	ktap_finish
}

# send_setup PREFIX [TOOL...]: the start every send test shares: the SUT
# namespace A and the peer namespace B (PREFIX_sut$$, PREFIX_peer$$)
# joined by send_netns, a scratch directory TMP, and their removal on
# exit (with the namespaces named in SEND_MORE_NS, if any, after the
# test's own send_on_exit, if it defines one). Skips the test when a
# TOOL, xtcp.ko or veth is missing.
send_setup() {
	local t

	A=$1_sut$$
	B=$1_peer$$
	shift
	TMP=$(mktemp -d)
	trap send_teardown EXIT
	for t in "$@"; do
		command -v "$t" >/dev/null || skip_all "$t missing"
	done
	xtcp_load || skip_all "xtcp.ko not loadable"
	send_netns $A $B || skip_all "no veth/netns"
}

# peer_delay NETEM_ARGS...: netem at the peer's end of the veth (delaying
# its ACKs: the path's RTT); skips the test without netem.
peer_delay() {
	modprobe sch_netem 2>/dev/null
	ip netns exec $B tc qdisc add dev xp0 root netem "$@" ||
		skip_all "netem unavailable"
}

# peer_drop_nth N MATCH...: the peer drops, once, the Nth packet that
# the iptables MATCH takes (each rule counts only what reaches it).
peer_drop_nth() {
	local n=$1

	shift
	modprobe xt_statistic 2>/dev/null
	ip netns exec $B iptables -A INPUT "$@" \
		-m statistic --mode nth --every 1000000 --packet $((n - 1)) -j DROP
}

# peer_drop PORT MINLEN N: the peer drops, once, the Nth packet to PORT
# whose IP length is at least MINLEN (over veth a GSO skb is one packet).
peer_drop() {
	modprobe xt_length 2>/dev/null
	peer_drop_nth "$3" -p tcp --dport "$1" -m length --length "$2":65535
}

send_teardown() {
	declare -F send_on_exit >/dev/null && send_on_exit
	ns_cleanup $A $B ${SEND_MORE_NS:-}
	rm -rf "$TMP"
}

# peer_drops: the peer namespace's nonzero drop counters (nstat: drops,
# prunes, collapses, out-of-order queueing), for a test's failure report.
peer_drops() {
	ip netns exec $B nstat -az 2>/dev/null |
		awk '/Drop|Prune|Collapse|OFOQueue/ && $2 > 0 { printf "%s %s ", $1, $2 }'
}

# loss_counts: xtcp's loss counters in the SUT namespace as NAME=VALUE
# pairs, to tell how a run that should lose nothing did.
loss_counts() {
	local n
	for n in RetransSegs RTOs FastRetrans TCPRackLoss TCPLossProbes; do
		printf '%s=%s ' "$n" "$(snmp "$n")"
	done
}

# sut_mib FAMILY NAME: counter NAME of FAMILY's stack in the SUT
# namespace: xtcp's /proc/net/xtcp_snmp, or Linux TCP's Tcp or TcpExt
# counter of that name (nstat).
sut_mib() {
	if [ "$1" = XTCP ]; then
		snmp "$2"
	else
		ip netns exec $A nstat -az "Tcp$2" "TcpExt$2" 2>/dev/null |
			awk -v a="Tcp$2" -v b="TcpExt$2" '$1 == a || $1 == b { print $2; exit }'
	fi
}

# snmp NAME: an xtcp counter of the SUT namespace (/proc/net/xtcp_snmp).
snmp() {
	ip netns exec $A cat /proc/net/xtcp_snmp |
		awk -v k="$1" 'NR == 1 { for (i = 2; i <= NF; i++) c[$i] = i }
			       NR == 2 && k in c { print $c[k] }'
}

# send_netns SUT PEER: 10.0.1.1/24 on xs0 in SUT, 10.0.1.2/24 on xp0.
send_netns() {
	veth_pair "$1" "$2" xs0 xp0
}

# Tracing -----------------------------------------------------------------

send_tracefs() {
	local t=/sys/kernel/tracing
	[ -d "$t"/events ] || mount -t tracefs nodev "$t" 2>/dev/null
	[ -d "$t"/events ] || return 1
	echo "$t"
}

# trace_devq_start DEV: record net:net_dev_queue for DEV only (what the
# device layer was handed, before any GSO segmentation).
trace_devq_start() {
	local t
	t=$(send_tracefs) || return 1
	echo 0 >"$t"/tracing_on
	echo >"$t"/trace
	echo 4096 >"$t"/buffer_size_kb
	echo "name == \"$1\"" >"$t"/events/net/net_dev_queue/filter || return 1
	echo 1 >"$t"/events/net/net_dev_queue/enable
	echo 1 >"$t"/tracing_on
}

# trace_devq_stop FILE: stop and write the recorded lengths to FILE.
trace_devq_stop() {
	local t
	t=$(send_tracefs) || return 1
	echo 0 >"$t"/tracing_on
	echo 0 >"$t"/events/net/net_dev_queue/enable
	echo 0 >"$t"/events/net/net_dev_queue/filter
	sed -n 's/.*net_dev_queue:.* len=\([0-9]*\).*/\1/p' "$t"/trace >"$1"
	echo >"$t"/trace
}

# one_way SERVER_NS SERVER_FAM CLIENT_NS CLIENT_FAM ADDR PORT BYTES [ARGS]:
# the client sends BYTES, the server sends nothing; the server's "recv"
# must equal the client's "sent" (count and SHA-256). ARGS go to the
# client, ONE_WAY_SERVER_ARGS (if set) to the server.
one_way() {
	local sns=$1 sfam=$2 cns=$3 cfam=$4 addr=$5 port=$6 n=$7 tmp rc
	shift 7
	tmp=$(mktemp -d)
	# shellcheck disable=SC2086
	ip netns exec "$sns" timeout 120 "$SEND_XC" -l -s "$sfam" -p "$port" \
		-n 0 -t 30 ${ONE_WAY_SERVER_ARGS:-} "$addr" >"$tmp/srv" 2>&1 &
	local srv=$!
	wait_listen "$sns" "$port" 10 || { echo "no listener"; rm -rf "$tmp"; return 1; }
	ip netns exec "$cns" timeout 120 "$SEND_XC" -s "$cfam" -p "$port" \
		-n "$n" -t 30 "$@" "$addr" >"$tmp/cli" 2>&1
	rc=$?
	wait $srv || rc=1
	cat "$tmp/cli" "$tmp/srv"
	if [ $rc = 0 ] && [ -n "$(grep '^sent' "$tmp/cli")" ] &&
	   [ "$(grep '^sent' "$tmp/cli" | cut -d' ' -f2-)" = \
	     "$(grep '^recv' "$tmp/srv" | cut -d' ' -f2-)" ]; then
		rc=0
	else
		echo "transfer failed or data differs"
		rc=1
	fi
	rm -rf "$tmp"
	return $rc
}
