#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_demux: xtcp's early demux. Before routing, a segment for a
# connected xtcp socket gets that socket attached (and the input route
# the socket cached from an earlier segment, so it is not routed again),
# as TCP's early demux does for its own sockets (tcp_v4_early_demux).
# Seen from the INPUT hook: nft's meta skuid, which reads skb->sk, matches
# every segment of an xtcp connection, and none once
# net.ipv4.tcp_early_demux is off in its namespace (which xtcp honours as
# TCP does). A segment an INPUT rule drops after the socket was attached
# to it releases the socket: a connect whose SYN-ACKs are all dropped
# fails with ETIMEDOUT and leaves no xtcp socket behind.

. "$(dirname "$0")/lib.sh"

XC=$(dirname "$0")/xtcp_connect
NA=dmx_a
NB=dmx_b
TMP=$(mktemp -d)
trap 'ns_cleanup $NA $NB; rm -rf $TMP' EXIT

ktap_header 2
if [ "$(id -u)" != 0 ] || ! xtcp_load; then
	ktap_result 4 early_demux_attaches_socket "needs root and module/xtcp.ko"
	ktap_result 4 input_drop_releases_socket "needs root and module/xtcp.ko"
	ktap_finish
fi
if ! veth_pair $NA $NB; then
	ktap_fail_all "cannot create veth pair" early_demux_attaches_socket \
		input_drop_releases_socket
fi

sockets_alive() {
	awk '/^XtcpSockets:/ { n++; if (n == 2) print $2 }' /proc/net/xtcp_snmp
}

# count PORT: the packets from PORT that reached NA's INPUT hook, and
# those of them that came with their socket attached (meta skuid reads
# skb->sk, which only early demux sets on input).
count() {
	ip netns exec $NA nft -f - <<-EOF
	table inet dmx {
		chain in {
			type filter hook input priority 0; policy accept;
			tcp sport $1 counter
			tcp sport $1 meta skuid 0 counter
		}
	}
	EOF
}

counted() {
	ip netns exec $NA nft list table inet dmx |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | tr '\n' ' '
	ip netns exec $NA nft delete table inet dmx
}

# xfer PORT: 1 MiB each way between an xtcp client in NA and a TCP server
# in NB; prints "packets attached" of the server's packets into NA.
xfer() {
	local port=$1 srv rc

	count "$port" || return 1
	ip netns exec $NB timeout 30 "$XC" -l -s TCP -p "$port" -n 1M -t 10 \
		10.0.1.2 >"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $NB "$port" 10 || { kill $srv; echo "no listener" >&2; return 1; }
	# -H: the client sends after the server's FIN, so the TCP end keeps
	# the TIME_WAIT (an xtcp one would hold the module for 60 s)
	ip netns exec $NA timeout 30 "$XC" -s XTCP -H -p "$port" -n 1M -t 10 \
		10.0.1.2 >"$TMP/cli" 2>&1
	rc=$?
	wait $srv || rc=1
	[ $rc = 0 ] || { cat "$TMP/cli" "$TMP/srv" >&2; counted >/dev/null; return 1; }
	[ "$(grep '^recv' "$TMP/cli" | cut -d' ' -f2-)" = \
	  "$(grep '^sent' "$TMP/srv" | cut -d' ' -f2-)" ] ||
		{ echo "transfer corrupted" >&2; counted >/dev/null; return 1; }
	counted
}

t_attach() {
	local on off

	on=$(xfer 6101) || return 1
	ip netns exec $NA sysctl -qw net.ipv4.tcp_early_demux=0 || return 1
	off=$(xfer 6102)
	ip netns exec $NA sysctl -qw net.ipv4.tcp_early_demux=1
	[ -n "$off" ] || return 1
	set -- $on $off
	echo "segments into the xtcp socket, with its socket attached:" \
	     "early demux on $2 of $1, off $4 of $3"
	# Every segment of the connection, the SYN-ACK included (the
	# connecting socket is in the table); none when switched off.
	[ "$1" -ge 10 ] && [ "$2" = "$1" ] && [ "$3" -ge 10 ] && [ "$4" = 0 ]
}

t_input_drop() {
	local port=6103 cnt rc alive

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
	# The failed socket is freed once the references are gone, the
	# dropped SYN-ACKs' included.
	for _ in $(seq 50); do
		[ "$(sockets_alive)" = "$alive" ] && break
		sleep 0.1
	done
	echo "xtcp sockets: $alive before, $(sockets_alive) after"
	[ "$(sockets_alive)" = "$alive" ]
}

if command -v nft >/dev/null && modprobe nf_tables 2>/dev/null; then
	ktap_run early_demux_attaches_socket t_attach
	ktap_run input_drop_releases_socket t_input_drop
else
	ktap_result 4 early_demux_attaches_socket "nft (nf_tables) unavailable"
	ktap_result 4 input_drop_releases_socket "nft (nf_tables) unavailable"
fi
ktap_finish
