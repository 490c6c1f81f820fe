#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recv_delack: the delayed-ACK engine as Linux TCP's (tcp_event_data_recv,
# tcp_event_data_sent, tcp_event_ack_sent, the delayed-ACK timer), seen
# in the ACKs a request/response connection sends without data: each
# case runs an xtcp end and a Linux TCP end the same way against a Linux
# TCP peer over veth and compares their pure segments (TCP_INFO segs_out
# less data_segs_out: SYN, handshake ACK, bare ACKs).
#  1. Client, 200 back-to-back 1-byte transactions: the first answer is
#     quick-ACKed, then the connection is interactive (a reply within the
#     ACK timeout of data received) and every ACK rides on the next
#     request: 3 pure segments, not one per quick ACK (19 before).
#  2. Client with 100 ms between transactions, longer than the ACK
#     timeout: the delayed-ACK timer sends each ACK; no reply carries it.
#  3. Server, 200 back-to-back transactions from a Linux TCP client: the
#     answers carry the ACKs of the requests.
# xtcp's count must be within 2 of Linux TCP's.
#  4. Server, interactive, then a request it already has comes again (the
#     Linux TCP client's frame replayed, as if our ACK had been lost): the
#     ACKs stop waiting for replies (quick ACKs, out of interactive
#     mode) and DelayedACKLost counts it, for xtcp as for Linux TCP.
#     Read in /proc/net/{xtcp,tcp}'s quick/pingpong column.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

RR=$(dirname "$0")/recv_delack.py
send_setup rd python3

PORT=7780
# pair SERVER_NS SERVER_FAM CLIENT_NS CLIENT_FAM ADDR COUNT THINK_MS:
# prints "SERVER_PURE CLIENT_PURE".
pair() {
	local srv s c rc=0

	PORT=$((PORT + 1))
	ip netns exec "$1" timeout 60 python3 "$RR" server "$2" $PORT \
		>"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen "$1" $PORT 10 || { kill $srv; return 1; }
	ip netns exec "$3" timeout 60 python3 "$RR" client "$4" "$5" $PORT \
		"$6" "$7" >"$TMP/cli" 2>&1 || rc=1
	wait $srv || rc=1
	s=$(sed -n 's/^pure //p' "$TMP/srv")
	c=$(sed -n 's/^pure //p' "$TMP/cli")
	[ $rc -eq 0 ] && [ -n "$s" ] && [ -n "$c" ] ||
		{ cat "$TMP/srv" "$TMP/cli"; return 1; }
	echo "$s $c"
}

within2() {	# within2 WHAT XTCP TCP
	echo "$1: xtcp $2, Linux TCP $3 pure segments"
	[ $(($2 - $3)) -le 2 ] && [ $(($3 - $2)) -le 2 ]
}

t_client() {	# t_client COUNT THINK_MS
	local x t
	x=$(pair $B TCP $A XTCP 10.0.1.2 "$1" "$2") || return 1
	t=$(pair $B TCP $A TCP 10.0.1.2 "$1" "$2") || return 1
	within2 "client, $1 x $2 ms" "${x#* }" "${t#* }"
}

t_server() {
	local x t
	x=$(pair $A XTCP $B TCP 10.0.1.1 200 0) || return 1
	t=$(pair $A TCP $B TCP 10.0.1.1 200 0) || return 1
	within2 "server, 200 x 0 ms" "${x% *}" "${t% *}"
}

# proc_ack FILE PORT: "QUICK PINGPONG" of the connection on local PORT
# in $A (/proc/net/tcp's column "(quick << 1) | pingpong").
proc_ack() {
	ip netns exec $A awk -v p="$(printf '%04X' "$2")" \
		'$4 == "01" && substr($2, 10) == p { print int($15 / 2), $15 % 2; exit }' "$1"
}

ack_lost() {	# ack_lost FAMILY: $A's DelayedACKLost counter, or "none"
	local n

	if [ "$1" = XTCP ]; then
		n=$(snmp DelayedACKLost)
	else
		n=$(ip netns exec $A nstat -az TcpExtDelayedACKLost |
			awk '$1 == "TcpExtDelayedACKLost" { print $2 }')
	fi
	[[ "$n" =~ ^[0-9]+$ ]] && echo "$n" || echo none
}

wait_line() {	# wait_line FILE LINE: up to 20 s
	local i
	for i in $(seq 200); do
		grep -qx "$2" "$1" && return 0
		sleep 0.1
	done
	echo "no \"$2\" from the client:"; cat "$1"
	return 1
}

old_case() {	# old_case FAMILY PROCFILE
	local srv cli pre post c0 c1 rc=0

	PORT=$((PORT + 1))
	rm -f "$TMP/go1" "$TMP/go2"
	ip netns exec $A timeout 60 python3 "$RR" server "$1" $PORT \
		>"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $A $PORT 10 || { kill $srv; return 1; }
	c0=$(ack_lost "$1")
	ip netns exec $B timeout 60 python3 "$RR" replay 10.0.1.1 $PORT 50 xp0 \
		"$TMP" >"$TMP/cli" 2>&1 &
	cli=$!
	wait_line "$TMP/cli" ready || rc=1
	pre=$(proc_ack "$2" $PORT)
	touch "$TMP/go1"
	wait_line "$TMP/cli" replayed || rc=1
	post=$(proc_ack "$2" $PORT)
	c1=$(ack_lost "$1")
	touch "$TMP/go2"
	wait $cli || rc=1
	wait $srv || rc=1
	[ "$c0" != none ] && [ "$c1" != none ] && c1="+$((c1 - c0))"
	echo "$1 server: quick, pingpong before: ${pre:-none}; after the old" \
	     "data: ${post:-none}; DelayedACKLost $c1"
	[ $rc = 0 ] && [ "${pre#* }" = 1 ] && [ "${post#* }" = 0 ] &&
		[ "${post% *}" -gt 0 ] && [ "$c1" = +1 ]
}

t_old_data() {
	local rc=0

	# No timestamps: the replayed frame would fail PAWS, a path of its own.
	ip netns exec $B sysctl -qw net.ipv4.tcp_timestamps=0
	old_case XTCP /proc/net/xtcp || rc=1
	old_case TCP /proc/net/tcp || rc=1
	ip netns exec $B sysctl -qw net.ipv4.tcp_timestamps=1
	return $rc
}

ktap_header 4
ktap_run client_back_to_back_acks_ride_on_requests t_client 200 0
ktap_run client_think_time_delayed_ack_timer t_client 8 100
ktap_run server_answers_carry_the_acks t_server
ktap_run old_data_ends_interactive_acks t_old_data
ktap_finish
