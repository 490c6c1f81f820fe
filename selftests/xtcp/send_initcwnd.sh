#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_initcwnd: the window a connection starts with (tcp_init_transfer),
# xtcp beside Linux TCP on the same path; every case runs both families
# and asks the same of each. The peer is 50 ms away, so the first flight
# is what leaves before the first ACK of data comes back (a capture at
# the SUT's veth); TCP_INFO gives cwnd right after the handshake.
#  1. the route's initcwnd (4, then 30, on a host route to the peer)
#     sets cwnd and the first flight of an active open;
#  2. and of a passive open (the child's route);
#  3. a SYN sent twice starts at 10, one sent three times at 1 segment
#     (RFC 5681 3.1; Linux forgives one resend, common with the 1 s
#     initial RTO): the peer drops the first one or two SYNs;
#  4. the same for a passive open whose SYN-ACK the peer drops twice;
#  5. timeouts the SYN-ACK's echo proves spurious leave the window at
#     10: the peer's SYN-ACKs are held 3.5 s and the first answers the
#     first SYN.
# In every case ssthresh is unset after the handshake, whatever its
# timeouts did to it (tcp_init_metrics), and the RTO is Linux TCP's
# within 10%: from the handshake's RTT sample, taken from the echo even
# after resends, or 3 s without one (RFC 6298 5.7; case 3 once more
# with the peer's timestamps off).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup si python3 tcpdump iptables tc
peer_delay delay 50ms
# Linux TCP would seed its RTO from the RTTs earlier connections to the
# peer left in its metrics cache; xtcp keeps none.
ip netns exec $A sysctl -qw net.ipv4.tcp_no_metrics_save=1
# Neighbours known both ways, so no handshake's RTT holds an ARP exchange.
ip -n $A neigh replace 10.0.1.2 dev xs0 nud permanent \
	lladdr "$(ip netns exec $B cat /sys/class/net/xp0/address)"
ip -n $B neigh replace 10.0.1.1 dev xp0 nud permanent \
	lladdr "$(ip netns exec $A cat /sys/class/net/xs0/address)"

PORT=7800

# run NAME DIR FAMILY: one connection on PORT, the SUT writing 100 kB as
# soon as it is established. DIR "active": the SUT connects; "passive":
# the peer does. Leaves $TMP/NAME.out (the SUT's lines) and NAME.pcap.
run() {
	local name=$1 dir=$2 fam=$3 steps="info;write=1x100000;close" srv rc=0

	cap_start $A xs0 "$TMP/$name.pcap" "tcp port $PORT" || return 1
	if [ "$dir" = active ]; then
		ip netns exec $B timeout 30 $SOCK server TCP $PORT >/dev/null &
		srv=$!
		wait_listen $B $PORT 10 || rc=1
		ip netns exec $A timeout 30 $SOCK client "$fam" 10.0.1.2 $PORT \
			"nodelay=1;connect;$steps" >"$TMP/$name.out" 2>&1 || rc=1
	else
		ip netns exec $A timeout 30 $SOCK acceptor "$fam" $PORT \
			"nodelay=1;$steps" >"$TMP/$name.out" 2>&1 &
		srv=$!
		wait_listen $A $PORT 10 || rc=1
		ip netns exec $B timeout 30 $SOCK client TCP 10.0.1.1 $PORT \
			"readall;close" >/dev/null 2>&1 || rc=1
	fi
	wait $srv || rc=1
	cap_stop
	[ $rc = 0 ] || cat "$TMP/$name.out"
	return $rc
}

# expect NAME CWND [RETRANS]: right after the handshake TCP_INFO shows
# cwnd CWND (and total_retrans RETRANS) and ssthresh unset, and the
# first flight is CWND segments. Leaves the RTO (us) in $TMP/NAME.rto.
expect() {
	local name=$1 cwnd=$2 rtx=${3:-} info flight

	info=$(grep '^info' "$TMP/$name.out") || { echo "$name: no info"; return 1; }
	flight=$($PCAP "$TMP/$name.pcap" 10.0.1.1 flight)
	echo "$info $flight" | awk -v n="$name" -v c="$cwnd" -v r="$rtx" \
		-v rf="$TMP/$name.rto" '{
		for (i = 2; i <= NF - 3; i++) {
			split($i, kv, "="); v[kv[1]] = kv[2]
		}
		b = $(NF - 1); mss = v["snd_mss"]
		segs = int((b + mss - 1) / mss)
		printf "%s: cwnd %d ssthresh %d total_retrans %d rtt %d us rto %d us, first flight %d B = %d MSS\n",
		       n, v["snd_cwnd"], v["snd_ssthresh"], v["total_retrans"],
		       v["rtt"], v["rto"], b, segs
		print v["rto"] > rf
		ok = v["snd_cwnd"] == c && segs == c && (r == "" || v["total_retrans"] == r)
		exit !(ok && v["snd_ssthresh"] == 2147483647) }'
}

# same_rto NAME: xtcp's RTO after the handshake within 10% of Linux
# TCP's in the same case (the RTT sample the handshake gave, or none).
same_rto() {
	local t x

	t=$(cat "$TMP/${1}TCP.rto") && x=$(cat "$TMP/${1}XTCP.rto") || return 1
	awk -v t="$t" -v x="$x" 'BEGIN { d = x - t; if (d < 0) d = -d
		exit !(t > 0 && d <= t / 10) }' ||
		{ echo "$1: RTO xtcp $x us, tcp $t us"; return 1; }
}

# initcwnd DIR: the route's initcwnd, 4 and 30, for both families.
t_initcwnd() {
	local fam n rc=0

	for n in 4 30; do
		ip -n $A route add 10.0.1.2/32 dev xs0 initcwnd $n || return 1
		for fam in TCP XTCP; do
			PORT=$((PORT + 1))
			run "iw$1$n$fam" "$1" $fam && expect "iw$1$n$fam" $n || rc=1
		done
		same_rto "iw$1$n" || rc=1
		ip -n $A route del 10.0.1.2/32
	done
	return $rc
}

# drop_first COUNT MATCH...: the peer drops the first COUNT packets that
# MATCH (one rule per packet: each drops the first that reaches it).
drop_first() {
	local n=$1

	shift
	for _ in $(seq "$n"); do
		peer_drop_nth 1 "$@" || return 1
	done
}

# syn_lost DIR: the peer drops our first SYN once, then twice (active),
# or our first two SYN-ACKs (passive); "2nots": twice, with the peer's
# timestamps off, so the handshake gives no RTT sample.
t_syn_lost() {
	local fam n rc=0 match rtx

	for n in 1 2 2nots; do
		# The peer's own SYN resend draws one more SYN-ACK: a passive
		# open that lost one has sent two already.
		[ "$1" = passive ] && [ $n = 1 ] && continue
		[ $n = 2nots ] &&
			ip netns exec $B sysctl -qw net.ipv4.tcp_timestamps=0
		for fam in TCP XTCP; do
			PORT=$((PORT + 1))
			if [ "$1" = active ]; then
				match="--dport $PORT --tcp-flags SYN,ACK SYN"
				rtx=${n%nots}
			else
				match="--sport $PORT --tcp-flags SYN,ACK SYN,ACK"
				rtx=
			fi
			# shellcheck disable=SC2086
			drop_first ${n%nots} -p tcp $match || return 1
			# One retransmission is forgiven, two are not.
			run "sl$1$n$fam" "$1" $fam &&
				expect "sl$1$n$fam" $((${n%nots} == 1 ? 10 : 1)) $rtx ||
				rc=1
			ip netns exec $B iptables -F INPUT
		done
		ip netns exec $B sysctl -qw net.ipv4.tcp_timestamps=1
		same_rto "sl$1$n" || rc=1
	done
	return $rc
}

# spurious: the peer's SYN-ACKs wait 3.5 s, so the SUT sends its SYN
# three more times (1 s linear timeouts) before the first SYN-ACK, which
# answers the first SYN. (Not the SYN held at the SUT: Linux TCP would
# not resend one still in its own qdisc, skb_still_in_host_queue, and
# netem keeps only TCP's own skbs owned by their socket.)
t_spurious() {
	local fam rc=0 tc="ip netns exec $B tc"

	modprobe sch_prio 2>/dev/null
	modprobe cls_u32 2>/dev/null
	$tc qdisc del dev xp0 root
	# Every priority to band 2 (50 ms, the path); SYN-ACKs to band 3.
	$tc qdisc add dev xp0 root handle 1: prio bands 3 \
		priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 || rc=1
	$tc qdisc add dev xp0 parent 1:2 netem delay 50ms || rc=1
	$tc qdisc add dev xp0 parent 1:3 netem delay 3500ms || rc=1
	# TCP flags at offset 33: a 20-byte IP header (the peer's has no
	# options); SYN and ACK both set.
	$tc filter add dev xp0 parent 1: protocol ip u32 \
		match ip protocol 6 0xff match u8 0x12 0x12 at 33 flowid 1:3 ||
		rc=1
	if [ $rc = 0 ]; then
		for fam in TCP XTCP; do
			PORT=$((PORT + 1))
			run "sp$fam" active $fam && expect "sp$fam" 10 3 || rc=1
		done
		same_rto sp || rc=1
	fi
	$tc qdisc del dev xp0 root
	$tc qdisc add dev xp0 root netem delay 50ms
	return $rc
}

ktap_header 5
ktap_run route_initcwnd_active t_initcwnd active
ktap_run route_initcwnd_passive t_initcwnd passive
ktap_run syn_retransmitted_twice_starts_at_one t_syn_lost active
ktap_run synack_retransmitted_twice_starts_at_one t_syn_lost passive
ktap_run spurious_syn_timeouts_keep_initial_window t_spurious
ktap_finish
