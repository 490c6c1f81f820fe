#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_wire: what xtcp puts on the wire, captured in the peer's netns
# (stock Linux TCP there) and checked by proto_wire.py: IP and TCP
# checksums, DF, TTL, SYN options (MSS, SACK-permitted, timestamps,
# window scale), only what the peer offered used afterwards, segment
# sizes within the MSS, the MSS following the route's MTU.
# The SUT's veth has TX checksum offload off, so the capture holds the
# sums xtcp's pseudo-header set-up led to, not partial ones.

. "$(dirname "$0")/lib.sh"

XC=$(dirname "$0")/xtcp_connect
A=xw_sut$$
B=xw_peer$$
TMP=$(mktemp -d)
trap 'ns_cleanup $A $B; rm -rf $TMP' EXIT

for t in tcpdump python3 ethtool; do
	command -v $t >/dev/null || { ktap_header 1; ktap_result 4 proto_wire "$t missing"; ktap_finish; }
done
xtcp_load || { ktap_header 1; ktap_result 4 proto_wire "xtcp.ko not loadable"; ktap_finish; }
veth_pair $A $B || { ktap_header 1; ktap_result 4 proto_wire "no veth/netns"; ktap_finish; }
ip netns exec $A ethtool -K veth0 tx off >/dev/null 2>&1

# transfer SERVER_NS SERVER_FAM CLIENT_NS CLIENT_FAM ADDR PORT
transfer() {
	ip netns exec $1 timeout 30 "$XC" -l -s $2 -p $6 -n 256K -t 10 $5 \
		>"$TMP/srv.out" 2>&1 &
	local srv=$!
	wait_listen $1 $6 10 || { echo "no listener"; return 1; }
	ip netns exec $3 timeout 30 "$XC" -s $4 -p $6 -n 256K -t 10 $5 \
		>"$TMP/cli.out" 2>&1
	local rc=$?
	wait $srv || rc=1
	cat "$TMP/cli.out" "$TMP/srv.out"
	[ $rc = 0 ] || return 1
	# Both directions arrived intact.
	[ "$(grep '^sent' "$TMP/cli.out" | cut -d' ' -f2-)" = \
	  "$(grep '^recv' "$TMP/srv.out" | cut -d' ' -f2-)" ] || return 1
	[ "$(grep '^sent' "$TMP/srv.out" | cut -d' ' -f2-)" = \
	  "$(grep '^recv' "$TMP/cli.out" | cut -d' ' -f2-)" ]
}

# wire_case MODE SERVER_NS SERVER_FAM CLIENT_NS CLIENT_FAM ADDR PORT
wire_case() {
	local mode=$1
	shift
	cap_start $B veth0 "$TMP/cap.pcap" || { echo "tcpdump did not start"; return 1; }
	transfer "$@"
	local rc=$?
	cap_stop
	[ $rc = 0 ] || return 1
	python3 "$(dirname "$0")/proto_wire.py" "$TMP/cap.pcap" 10.0.1.1 "$mode"
}

peer_options() {	# peer_options 0|1: the peer's SYN options on/off
	ip netns exec $B sysctl -qw net.ipv4.tcp_timestamps=$1 \
		net.ipv4.tcp_sack=$1 net.ipv4.tcp_window_scaling=$1
}

t_active_full() {
	peer_options 1
	wire_case full $B TCP $A XTCP 10.0.1.2 7001
}

t_passive_full() {
	peer_options 1
	wire_case full $A XTCP $B TCP 10.0.1.1 7002
}

t_active_bare() {
	peer_options 0
	wire_case bare $B TCP $A XTCP 10.0.1.2 7003
}

t_passive_bare() {
	peer_options 0
	wire_case bare $A XTCP $B TCP 10.0.1.1 7004
}

t_route_mtu() {
	local rc
	peer_options 1
	ip -n $A route change 10.0.1.0/24 dev veth0 mtu 1000 || return 1
	wire_case mss=960 $B TCP $A XTCP 10.0.1.2 7005
	rc=$?
	ip -n $A route change 10.0.1.0/24 dev veth0
	return $rc
}

ktap_header 5
ktap_run active_open_full_options t_active_full
ktap_run passive_open_full_options t_passive_full
ktap_run active_open_peer_without_options t_active_bare
ktap_run passive_open_peer_without_options t_passive_bare
ktap_run mss_follows_route_mtu t_route_mtu
ktap_finish
