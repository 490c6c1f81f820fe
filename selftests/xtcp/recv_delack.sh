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

ktap_header 3
ktap_run client_back_to_back_acks_ride_on_requests t_client 200 0
ktap_run client_think_time_delayed_ack_timer t_client 8 100
ktap_run server_answers_carry_the_acks t_server
ktap_finish
