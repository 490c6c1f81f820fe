#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# recv_autotune: receive buffer autotuning (xtcp_rcv_space_adjust, as
# tcp_rcv_space_adjust). A Linux TCP peer sends 16 MiB over veth to a
# reader that drains as fast as it can; once per RTT (at least 1 ms) the
# receiver sizes sk_rcvbuf for twice what the reader took, so SO_RCVBUF
# must end above where it started (tcp_rmem[1]). The sample's clock is
# the last event's cached read (tp->tcp_mstamp): were that cache stale,
# no RTT would ever seem to pass and the buffer would never grow. With
# SO_RCVBUF set by the user (SOCK_RCVBUF_LOCK) it must not move. Linux
# TCP as the receiver is run alongside for reference.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

PROBE="python3 $SEND_DIR/recv_autotune.py"
BYTES=$((16 << 20))
send_setup ra python3

# transfer FAMILY PORT [RCVBUF]: B (Linux TCP) sends BYTES to A (FAMILY,
# listener SO_RCVBUF = RCVBUF if given); prints the server's
# "recv N rcvbuf_start S rcvbuf_end E" line.
transfer() {
	local srv out

	ip netns exec $A timeout 60 $PROBE server "$1" "$2" ${3:-} \
		>"$TMP/srv.$2" 2>&1 &
	srv=$!
	wait_listen $A "$2" 10 || { echo "no listener"; return 1; }
	out=$(ip netns exec $B timeout 60 $PROBE client 10.0.1.1 "$2" $BYTES) ||
		{ echo "client failed: $out"; return 1; }
	wait $srv || { cat "$TMP/srv.$2"; return 1; }
	cat "$TMP/srv.$2"
}

# check_grows FAMILY PORT: the transfer is complete and SO_RCVBUF grew.
check_grows() {
	local out n s e

	out=$(transfer "$1" "$2") || { echo "$out"; return 1; }
	read -r _ n _ s _ e <<<"$out"
	echo "$1: received $n, SO_RCVBUF $s -> $e"
	[ "$n" = $BYTES ] || { echo "short transfer"; return 1; }
	[ "$e" -gt "$s" ]
}

t_tcp_reference() {
	check_grows TCP 7601
}

t_xtcp_grows() {
	check_grows XTCP 7602
}

t_xtcp_locked_stays() {
	local out n s e

	out=$(transfer XTCP 7603 262144) || { echo "$out"; return 1; }
	read -r _ n _ s _ e <<<"$out"
	echo "XTCP, SO_RCVBUF set: received $n, SO_RCVBUF $s -> $e"
	[ "$n" = $BYTES ] || { echo "short transfer"; return 1; }
	[ "$e" = "$s" ]
}

ktap_header 3
ktap_run tcp_reference_rcvbuf_grows t_tcp_reference
ktap_run xtcp_rcvbuf_grows t_xtcp_grows
ktap_run xtcp_rcvbuf_locked_stays t_xtcp_locked_stays
ktap_finish
