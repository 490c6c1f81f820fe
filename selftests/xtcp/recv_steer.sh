#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recv_steer: what the receive path records for the stack's steering, as
# Linux TCP's (tcp_v4_rcv, tcp_v4_do_rcv): the CPU a segment came in on
# (SO_INCOMING_CPU), the flow's hash that RFS needs to steer a flow to
# the CPU its reader runs on, and the NAPI instance (SO_INCOMING_NAPI_ID,
# busy polling). A client in the SUT namespace, xtcp and then Linux TCP
# as the reference, runs 16-byte transactions against a Linux TCP server
# over veth; the SUT's end of the veth (xs0) steers what it receives.
#  1. RPS to one CPU (rps_cpus), then the other: SO_INCOMING_CPU names it.
#  2. RFS (rps_sock_flow_entries, rps_flow_cnt, RPS over both CPUs): the
#     client moves from CPU 0 to 1 and back, 20 transactions each, and
#     SO_INCOMING_CPU follows it. Without the flow's hash (sk_rxhash)
#     inet_recvmsg records nothing and the flow stays on the CPU that
#     RPS's hash picks.
#  3. GRO on xs0 (veth's NAPI mode): SO_INCOMING_NAPI_ID is the one the
#     Linux TCP connection over the same veth reports, not 0; also on a
#     socket just accepted (xtcp and Linux TCP as the server, a Linux TCP
#     client that sends nothing), which has it from the handshake.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

RS=$(dirname "$0")/recv_steer.py
Q=/sys/class/net/xs0/queues/rx-0
# RFS's table is global (the initial namespace's sysctl): put it back.
FLOWS=$(sysctl -n net.core.rps_sock_flow_entries)
send_on_exit() {
	sysctl -qw net.core.rps_sock_flow_entries="$FLOWS"
	[ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
}
send_setup rs python3 ethtool
[ "$(nproc)" -ge 2 ] || skip_all "steering needs two CPUs, $(nproc) online"
ip netns exec $A test -w $Q/rps_cpus || skip_all "no RPS (CONFIG_RPS)"

ktap_header 3
PORT=7790
ip netns exec $B timeout 300 python3 "$RS" server $PORT >"$TMP/srv" 2>&1 &
SRV=$!
wait_listen $B $PORT 10 ||
	ktap_fail_all "the Linux TCP server did not start" \
		incoming_cpu_follows_rps rfs_steers_flow_to_reader \
		incoming_napi_id_as_tcp

sut() {	# sut FILE VALUE: write a queue attribute of xs0
	ip netns exec $A sh -c "echo $2 >$Q/$1"
}

# client FAM PHASES: prints the client's "phase" lines
client() {
	ip netns exec $A timeout 30 python3 "$RS" client "$1" 10.0.1.2 $PORT "$2"
}

t_rps() {
	local fam cpu got rc=0

	for fam in TCP XTCP; do
		for cpu in 0 1; do
			sut rps_cpus $((1 << cpu))
			got=$(client $fam - | awk '{ print $4 }')
			echo "$fam: RPS to CPU $cpu, SO_INCOMING_CPU ${got:-none}"
			[ "$got" = "$cpu" ] || rc=1
		done
	done
	sut rps_cpus 0
	return $rc
}

t_rfs() {
	local fam out rc=0

	sysctl -qw net.core.rps_sock_flow_entries=4096
	sut rps_flow_cnt 4096
	sut rps_cpus 3
	for fam in TCP XTCP; do
		out=$(client $fam 0,1,0)
		echo "$fam: $(echo "$out" | awk '{ printf "reader on CPU %s, SO_INCOMING_CPU %s; ", $2, $4 }')"
		[ "$(echo "$out" | awk '$2 == $4' | wc -l)" = 3 ] || rc=1
	done
	sut rps_cpus 0
	sut rps_flow_cnt 0
	sysctl -qw net.core.rps_sock_flow_entries="$FLOWS"
	return $rc
}

t_napi() {
	local tcp xtcp tcp_acc xtcp_acc

	# veth hands what it receives to NAPI (GRO) only when GRO is on at
	# the receiver and the sender does not segment by TSO.
	ip netns exec $A ethtool -K xs0 gro on >/dev/null || return 1
	ip netns exec $B ethtool -K xp0 tso off >/dev/null || return 1
	tcp=$(client TCP - | awk '{ print $6 }')
	xtcp=$(client XTCP - | awk '{ print $6 }')
	tcp_acc=$(accepted TCP)
	xtcp_acc=$(accepted XTCP)
	ip netns exec $A ethtool -K xs0 gro off >/dev/null
	echo "SO_INCOMING_NAPI_ID: TCP ${tcp:-none}, xtcp ${xtcp:-none};" \
	     "just accepted: TCP ${tcp_acc:-none}, xtcp ${xtcp_acc:-none}"
	if [ "${tcp:-0}" = 0 ] || [ "${tcp_acc:-0}" = 0 ]; then
		echo "Linux TCP reports no NAPI instance: veth's NAPI mode is not in use"
		return 1
	fi
	[ "$xtcp" = "$tcp" ] && [ "$xtcp_acc" = "$tcp_acc" ]
}

# accepted FAM: the NAPI id of a connection FAM accepts, before any data
accepted() {
	local port=$((PORT + 1)) srv

	ip netns exec $A timeout 30 python3 "$RS" accept "$1" $port >"$TMP/acc" 2>&1 &
	srv=$!
	wait_listen $A $port 10 &&
		ip netns exec $B timeout 30 python3 "$RS" connect 10.0.1.1 $port
	wait $srv
	awk '$1 == "accepted" { print $5 }' "$TMP/acc"
}

ktap_run incoming_cpu_follows_rps t_rps
ktap_run rfs_steers_flow_to_reader t_rfs
ktap_run incoming_napi_id_as_tcp t_napi
ktap_finish
