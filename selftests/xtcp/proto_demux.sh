#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_demux: xtcp's early demux, and the segments it must leave alone.
# A PRE_ROUTING hook attaches a connected xtcp socket and the input route
# it cached to its segments, so they are not routed again
# (ip_route_input_slow, counted by a kprobe); LOCAL_IN looks only in the
# listener table, and only for a SYN, when PRE_ROUTING already looked.
# Against the stock Linux TCP peer in another namespace:
#  1. per segment into an xtcp socket, (almost) no input route lookup
#     with early demux on, one each with net.ipv4.ip_early_demux=0;
#  2. a SYN to an xtcp listener is still accepted;
#  3. a bare ACK to the port of an xtcp listener, with no connection,
#     still gets Linux TCP's RST;
#  4. segments the router fragments (peer with DF off) and A reassembles
#     after PRE_ROUTING (no conntrack) reach the xtcp socket intact;
#  5. TCP forwarded through a namespace with an xtcp listener on that
#     port is not dropped;
#  6. a segment dropped at INPUT after its socket was attached releases
#     that socket (needs nft);
#  7. a segment to an xtcp connection in TIME_WAIT (the peer's FIN again,
#     our last ACK dropped once) is xtcp's: answered, never handed to
#     TCP with the socket attached (TCP would take it for its own
#     timewait sock);
#  8. deleting the veth under a connection that holds a cached input
#     route is prompt (no "waiting for ... to become free");
#  9. xtcp over loopback (skbs keep their route) still works.

. "$(dirname "$0")/lib.sh"

XC=$(dirname "$0")/xtcp_connect
SOCK=$(dirname "$0")/send_sock.py
NA=dmx_a
NB=dmx_b
NR=dmx_r
NC=dmx_c
TR=/sys/kernel/tracing
KP=xtcp_dmx_route
TMP=$(mktemp -d)

cleanup() {
	if [ -w $TR/kprobe_events ]; then
		echo 0 >$TR/events/kprobes/$KP/enable 2>/dev/null
		echo "-:$KP" >>$TR/kprobe_events 2>/dev/null
	fi
	ns_cleanup $NA $NB $NR $NC
	rm -rf "$TMP"
}
trap cleanup EXIT

TESTS="input_not_routed syn_to_listener_accepted non_syn_to_listener_rst
reassembled_segments_delivered forwarded_past_listener
input_drop_releases_socket time_wait_segment_answered veth_delete_with_rx_dst
loopback_transfer"

ktap_header 9
if [ "$(id -u)" != 0 ] || ! xtcp_load; then
	# shellcheck disable=SC2086
	ktap_skip_all "needs root and module/xtcp.ko" $TESTS
fi
# shellcheck disable=SC2086
veth_pair $NA $NB || ktap_fail_all "cannot create veth pair" $TESTS

# xfer NS_S FAM_S NS_C FAM_C ADDR PORT BYTES [CLIENT_OPT...]: a server in
# NS_S and a client in NS_C each send BYTES; each side must receive
# exactly what the other sent.
xfer() {
	local ns=$1 fs=$2 nc=$3 fc=$4 addr=$5 port=$6 n=$7 srv rc
	shift 7

	ip netns exec "$ns" timeout 30 "$XC" -l -s "$fs" -p "$port" -n "$n" \
		-t 10 "$addr" >"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen "$ns" "$port" 10 ||
		{ kill $srv; echo "no listener on $port"; return 1; }
	ip netns exec "$nc" timeout 30 "$XC" -s "$fc" -p "$port" -n "$n" \
		-t 10 "$@" "$addr" >"$TMP/cli" 2>&1
	rc=$?
	wait $srv || rc=1
	if [ $rc != 0 ]; then
		echo "transfer on port $port failed:"
		cat "$TMP/cli" "$TMP/srv"
		return 1
	fi
	[ "$(grep '^recv' "$TMP/cli" | cut -d' ' -f2-)" = \
	  "$(grep '^sent' "$TMP/srv" | cut -d' ' -f2-)" ] &&
	[ "$(grep '^recv' "$TMP/srv" | cut -d' ' -f2-)" = \
	  "$(grep '^sent' "$TMP/cli" | cut -d' ' -f2-)" ] ||
		{ echo "transfer on port $port corrupted"; return 1; }
}

rx_packets() {	# rx_packets NS DEV
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# routed_xfer PORT: "input_routes packets_into_A" for 512 KiB each way
# between an xtcp client in A and a TCP server in B. B's own segments
# are demuxed by TCP, so the routes counted are A's.
routed_xfer() {
	local p0 p1 r

	p0=$(rx_packets $NA veth0)
	echo >$TR/trace
	echo 1 >$TR/events/kprobes/$KP/enable
	xfer $NB TCP $NA XTCP 10.0.1.2 "$1" 512K >&2 || return 1
	echo 0 >$TR/events/kprobes/$KP/enable
	p1=$(rx_packets $NA veth0)
	r=$(grep -c "$KP:" $TR/trace)
	echo "$r $((p1 - p0))"
}

t_routed() {
	local on off

	# One packet per segment: no TSO/GSO skbs crossing the veth.
	ip netns exec $NB ethtool -K veth0 tso off gso off >/dev/null ||
		return 1
	echo "p:$KP ip_route_input_slow" >>$TR/kprobe_events || return 1
	on=$(routed_xfer 6101) || return 1
	ip netns exec $NA sysctl -qw net.ipv4.ip_early_demux=0 || return 1
	off=$(routed_xfer 6102)
	ip netns exec $NA sysctl -qw net.ipv4.ip_early_demux=1
	[ -n "$off" ] || return 1
	set -- $on $off
	echo "input route lookups / packets into the xtcp side:" \
	     "early demux on $1 / $2, off $3 / $4"
	# On: the handshake's first segment finds no cached route yet; a
	# handful at most. Off: every packet is routed.
	[ "$2" -ge 200 ] && [ "$1" -le $(($2 / 50 + 5)) ] &&
	[ "$4" -ge 200 ] && [ "$3" -ge $(($4 * 9 / 10)) ]
}

t_syn_listener() {
	xfer $NA XTCP $NB TCP 10.0.1.1 6103 256K || return 1
	echo "TCP client -> xtcp listener: 256 KiB each way intact"
}

# A bare ACK from B to A's xtcp listener port, for no connection: Linux
# TCP answers it with a RST (seq = the ACK's ack_seq).
t_nonsyn_rst() {
	local srv out rc

	ip netns exec $NA timeout 20 "$XC" -l -s XTCP -p 6104 -n 0 -t 10 \
		10.0.1.1 >/dev/null 2>&1 &
	srv=$!
	wait_listen $NA 6104 10 || { kill $srv; return 1; }
	out=$(ip netns exec $NB timeout 10 python3 - <<-'EOF'
	import socket, struct, select, time
	def csum(b):
	    if len(b) % 2:
	        b += b"\0"
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    while s >> 16:
	        s = (s & 0xffff) + (s >> 16)
	    return ~s & 0xffff
	src, dst = "10.0.1.2", "10.0.1.1"
	r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
	hdr = struct.pack("!HHIIBBHHH", 40404, 6104, 1000, 777777, 5 << 4,
	                  0x10, 1024, 0, 0)
	ph = socket.inet_aton(src) + socket.inet_aton(dst) + \
	    struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
	hdr = hdr[:16] + struct.pack("!H", csum(ph + hdr)) + hdr[18:]
	r.sendto(hdr, (dst, 0))
	end = time.time() + 3
	while time.time() < end:
	    if not select.select([r], [], [], 0.5)[0]:
	        continue
	    p = r.recv(2048)
	    ihl = (p[0] & 15) * 4
	    sp, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", p[ihl:ihl + 14])
	    if sp == 6104 and dp == 40404:
	        print("flags 0x%02x seq %d" % (fl, seq))
	        break
	else:
	    print("no answer")
	EOF
	)
	rc=$?
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	echo "bare ACK to the xtcp listener's port: $out"
	[ $rc = 0 ] && [ "$out" = "flags 0x04 seq 777777" ]
}

# A (xtcp, 10.0.3.1) -- R -- C (Linux TCP, 10.0.4.2); R's link to A
# carries 1000 bytes while A offers MSS 1460, and C sends with DF off.
topo3() {
	ip netns add $NR && ip netns add $NC || return 1
	ip -n $NR link set lo up
	ip -n $NC link set lo up
	ip link add ra netns $NR mtu 1000 type veth peer name ar netns $NA &&
	ip link add rc netns $NR type veth peer name cr netns $NC || return 1
	ip -n $NA addr add 10.0.3.1/24 dev ar
	ip -n $NR addr add 10.0.3.2/24 dev ra
	ip -n $NR addr add 10.0.4.1/24 dev rc
	ip -n $NC addr add 10.0.4.2/24 dev cr
	ip -n $NA link set ar up
	ip -n $NR link set ra up
	ip -n $NR link set rc up
	ip -n $NC link set cr up
	ip -n $NA route add 10.0.4.0/24 via 10.0.3.2
	ip -n $NC route add 10.0.3.0/24 via 10.0.4.1
	ip netns exec $NR sysctl -qw net.ipv4.ip_forward=1
	ip netns exec $NC sysctl -qw net.ipv4.ip_no_pmtu_disc=1
}

reasm_oks() {
	ip netns exec $NA awk '/^Ip:/ { if (h) print $(f); else
		for (i = 1; i <= NF; i++) if ($i == "ReasmOKs") f = i; h = 1 }' \
		/proc/net/snmp
}

t_reasm() {
	local r0 r1 srv rc

	[ -e /run/netns/$NR ] || topo3 || return 1
	r0=$(reasm_oks)
	# Only C sends data: A's own full-sized segments would not fit
	# through R's 1000-byte link to A the other way either.
	ip netns exec $NA timeout 30 "$XC" -l -s XTCP -p 6105 -n 0 -t 10 \
		10.0.3.1 >"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $NA 6105 10 || { kill $srv; return 1; }
	ip netns exec $NC timeout 30 "$XC" -s TCP -p 6105 -n 256K -t 10 \
		10.0.3.1 >"$TMP/cli" 2>&1
	rc=$?
	wait $srv || rc=1
	r1=$(reasm_oks)
	echo "C -> A 256 KiB: exit $rc; datagrams reassembled in A: $((r1 - r0))"
	[ $rc = 0 ] || { cat "$TMP/cli" "$TMP/srv"; return 1; }
	[ "$(grep '^recv' "$TMP/srv" | cut -d' ' -f2-)" = \
	  "$(grep '^sent' "$TMP/cli" | cut -d' ' -f2-)" ] ||
		{ echo "transfer corrupted"; return 1; }
	[ $((r1 - r0)) -ge 100 ]
}

t_forward() {
	local srv srv2 rc

	[ -e /run/netns/$NR ] || topo3 || return 1
	# A wildcard xtcp listener in R on the port C connects to through R.
	ip netns exec $NR timeout 30 "$XC" -l -s XTCP -p 6106 -n 0 -t 20 \
		0.0.0.0 >/dev/null 2>&1 &
	srv=$!
	wait_listen $NR 6106 10 || { kill $srv; return 1; }
	# C -> A only (see t_reasm); A's server is Linux TCP this time.
	ip netns exec $NA timeout 30 "$XC" -l -s TCP -p 6106 -n 0 -t 10 \
		10.0.3.1 >"$TMP/srv2" 2>&1 &
	srv2=$!
	wait_listen $NA 6106 10 || { kill $srv $srv2; return 1; }
	ip netns exec $NC timeout 30 "$XC" -s TCP -p 6106 -n 128K -t 10 \
		10.0.3.1 >"$TMP/cli2" 2>&1
	rc=$?
	wait $srv2 || rc=1
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	echo "C -> A through R (xtcp listener on that port): exit $rc"
	[ $rc = 0 ] &&
	[ "$(grep '^recv' "$TMP/srv2" | cut -d' ' -f2-)" = \
	  "$(grep '^sent' "$TMP/cli2" | cut -d' ' -f2-)" ]
}

# An xtcp client in A holds a connection to B whose segments (the
# server's data, the ACKs of its own) cached A's input route; deleting
# A's veth must not wait for that route's device reference.
t_veth_del() {
	local srv cli t0 t1 rc n

	ip netns exec $NB timeout 20 python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.1.2", 6107)); s.listen(1)
c, _ = s.accept(); c.sendall(b"x" * 65536); time.sleep(15)' &
	srv=$!
	wait_listen $NB 6107 10 || { kill $srv; return 1; }
	ip netns exec $NA timeout 20 python3 "$SOCK" client XTCP 10.0.1.2 \
		6107 "write=8x1000;sleep=15000" >/dev/null 2>&1 &
	cli=$!
	sleep 2
	if ! ip netns exec $NA cat /proc/net/xtcp | awk '$4 == "01" { f = 1 }
	     END { exit !f }'; then
		echo "no established xtcp connection"
		kill $srv $cli
		return 1
	fi
	n=$(dmesg | grep -c "to become free")
	t0=$(date +%s%N)
	timeout 15 ip -n $NA link del veth0
	rc=$?
	t1=$(date +%s%N)
	kill $srv $cli 2>/dev/null
	wait $srv $cli 2>/dev/null
	echo "veth deleted in $(((t1 - t0) / 1000000)) ms (exit $rc)"
	if [ "$(dmesg | grep -c "to become free")" != "$n" ]; then
		dmesg | grep "to become free"
		return 1
	fi
	[ $rc = 0 ] && [ $((t1 - t0)) -lt 5000000000 ]
}

t_loopback() {
	xfer $NA XTCP $NA XTCP 127.0.0.1 6108 512K -H || return 1
	xfer $NA TCP $NA XTCP 127.0.0.1 6109 512K -H || return 1
	echo "loopback: xtcp<->xtcp and xtcp->TCP, 512 KiB each way intact"
}

# xtcp closes first and so ends in TIME_WAIT; B's INPUT drops xtcp's ACK
# of B's FIN once (the second pure ACK: the first completed the
# handshake), so B sends its FIN again and early demux attaches the
# TIME_WAIT socket to it.
t_timewait() {
	local port=6111 srv drops i left

	command -v iptables >/dev/null || { echo "iptables missing"; return 4; }
	modprobe xt_statistic 2>/dev/null
	modprobe xt_length 2>/dev/null
	ip netns exec $NB iptables -A INPUT -p tcp --dport $port \
		--tcp-flags ALL ACK -m length --length 40:52 \
		-m statistic --mode nth --every 1000000 --packet 1 -j DROP ||
		{ echo "iptables nth rule failed"; return 1; }
	ip netns exec $NB timeout 20 python3 "$SOCK" server TCP $port \
		>/dev/null 2>&1 &
	srv=$!
	wait_listen $NB $port 10 || { kill $srv; return 1; }
	ip netns exec $NA timeout 20 python3 "$SOCK" client XTCP 10.0.1.2 \
		$port "write=1x1000;close" >/dev/null 2>&1 || return 1
	wait $srv || return 1
	for i in $(seq 50); do
		left=$(ip netns exec $NB ss -Htan state last-ack "( sport = :$port )" |
		       wc -l)
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	drops=$(ip netns exec $NB iptables -vnL INPUT |
		awk '$3 == "DROP" { print $1 }')
	ip netns exec $NB iptables -F INPUT
	echo "ACKs dropped: ${drops:-?}; B's sockets still in LAST-ACK after" \
	     "$((i / 10)).$((i % 10)) s: $left"
	[ "${drops:-0}" = 1 ] && [ "$left" = 0 ]
}

sockets_alive() {
	awk '/^XtcpSockets:/ { n++; if (n == 2) print $2 }' /proc/net/xtcp_snmp
}

# Every SYN-ACK is dropped at A's INPUT after early demux attached the
# connecting socket: the connect times out and the socket is freed.
t_input_drop() {
	local port=6110 cnt rc alive

	ip netns exec $NB timeout 30 "$XC" -l -s TCP -p $port -n 0 -t 10 \
		10.0.1.2 >/dev/null 2>&1 &
	wait_listen $NB $port 10 || return 1
	ip netns exec $NA sysctl -qw net.ipv4.tcp_syn_retries=1 \
		net.ipv4.tcp_syn_linear_timeouts=0 || return 1
	ip netns exec $NA nft -f - <<-EOF || return 1
	table inet dmx {
		chain in {
			type filter hook input priority 0; policy accept;
			tcp sport $port counter drop
		}
	}
	EOF
	alive=$(sockets_alive)
	ip netns exec $NA timeout 20 "$XC" -s XTCP -p $port -n 0 -t 10 \
		-E ETIMEDOUT 10.0.1.2 >/dev/null 2>&1
	rc=$?
	cnt=$(ip netns exec $NA nft list table inet dmx |
	      sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	ip netns exec $NA nft delete table inet dmx
	echo "connect: exit $rc (0: ETIMEDOUT); SYN-ACKs dropped: $cnt"
	[ $rc = 0 ] && [ "${cnt:-0}" -ge 1 ] || return 1
	for _ in $(seq 50); do
		[ "$(sockets_alive)" = "$alive" ] && break
		sleep 0.1
	done
	echo "xtcp sockets: $alive before, $(sockets_alive) after"
	[ "$(sockets_alive)" = "$alive" ]
}

if [ -w $TR/kprobe_events ] &&
   grep -qw ip_route_input_slow $TR/available_filter_functions 2>/dev/null; then
	ktap_run input_not_routed t_routed
else
	ktap_result 4 input_not_routed "no kprobe on ip_route_input_slow"
fi
ktap_run syn_to_listener_accepted t_syn_listener
ktap_run non_syn_to_listener_rst t_nonsyn_rst
ktap_run reassembled_segments_delivered t_reasm
ktap_run forwarded_past_listener t_forward
if command -v nft >/dev/null && modprobe nf_tables 2>/dev/null; then
	ktap_run input_drop_releases_socket t_input_drop
else
	ktap_result 4 input_drop_releases_socket "nft (nf_tables) unavailable"
fi
# Deletes A's veth0: the tests after it use only A's loopback.
ktap_run time_wait_segment_answered t_timewait
ktap_run veth_delete_with_rx_dst t_veth_del
ktap_run loopback_transfer t_loopback
ktap_finish
