#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fields and counters that explain a segment's fate, checked against
# what really happened (AF_XTCP -> stock TCP over veth):
#   - xtcp:xtcp_neigh_output records the neighbour's NUD state: NONE or
#     INCOMPLETE for the SYN of a connect right after link up (the first
#     packet waits for ARP, and the connect still succeeds, every time),
#     REACHABLE once resolved, PERMANENT for a static entry;
#   - xtcp:xtcp_retransmit records why: "syn" for a lost SYN, "rto" after
#     a blackout, "fast" under random loss; every RetransSegs is one event;
#   - /proc/net/xtcp_snmp counts zero-window probes (as many as the
#     capture sees) and drops by cause (a LOCAL_OUT DROP rule: DropNetfilter
#     equals the segments xtcp built for that port);
#   - the counters are per network namespace.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

NS1=trfa-$$ NS2=trfb-$$ NS3=trfc-$$
A=10.0.1.1
TRACEFS=/sys/kernel/tracing
INST=$TRACEFS/instances/xtcp_fields_$$
FRESH=()

tl_need_tools python3 tc tcpdump iptables "$TL_XC"
[ -d $TRACEFS/instances ] || mount -t tracefs nodev $TRACEFS

cleanup() {
	[ -d "$INST" ] && echo 0 >"$INST/tracing_on" &&
		echo 0 >"$INST/events/enable" && rmdir "$INST"
	tl_cleanup
	ns_cleanup $NS1 $NS2 $NS3 "${FRESH[@]}"
}
trap cleanup EXIT

# Events go to a private ftrace instance, enabled once for the whole
# script: toggling tracepoints is slow (and was seen to upset TCG).
setup() {
	xtcp_load && veth_pair $NS1 $NS2 || return 1
	modprobe sch_netem || return 1
	mkdir "$INST" || return 1
	echo 8192 >"$INST/buffer_size_kb"
	echo 1 >"$INST/events/xtcp/xtcp_neigh_output/enable" &&
		echo 1 >"$INST/events/xtcp/xtcp_retransmit/enable" &&
		echo 1 >"$INST/events/xtcp/xtcp_transmit_skb/enable"
}

trace_clear() { echo >"$INST/trace"; }

# events NAME DPORT: the instance's NAME events of connections to DPORT
events() {
	grep -E "$1: .*->[0-9.]+:$2 " "$INST/trace"
}

counter() {	# counter NS NAME
	ip netns exec "$1" cat /proc/net/xtcp_snmp |
		awk -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i }
			       NR == 2 { print c ? $c : "none" }'
}

# Connects right after the link comes up, each in a fresh pair of
# namespaces: the SYN is the first packet to an unresolved neighbour.
fresh_connects() {
	local i a b port=5370 out first rc=0

	trace_clear
	for i in $(seq 8); do
		a=trfn$i-$$ b=trfm$i-$$
		FRESH+=("$a" "$b")
		veth_pair "$a" "$b" || return 1
		tl_sink "$b" $port || return 1
		out=$(ip netns exec "$a" timeout 30 "$TL_XC" -s XTCP -p $port -C \
			-t 20 10.0.1.2 2>&1) || { echo "connect $i: $out"; rc=1; }
		wait "$TL_SINK_PID"
		ns_cleanup "$a" "$b"
	done
	# one SYN per fresh namespace, each its connection's first event
	first=$(events xtcp_neigh_output $port | awk '/flags=0x2 / { print $NF }' |
		sort | uniq -c)
	echo "SYNs at neigh_output by neighbour state:"
	echo "$first"
	[ "$(events xtcp_neigh_output $port | grep -c 'flags=0x2 ')" = 8 ] ||
		{ echo "not 8 SYNs"; rc=1; }
	events xtcp_neigh_output $port | grep 'flags=0x2 ' |
		grep -vqE 'nud=(NONE|INCOMPLETE)$' && { echo "a SYN found a resolved neighbour"; rc=1; }
	events xtcp_neigh_output $port | grep -v 'flags=0x2 ' |
		grep -q 'nud=REACHABLE$' || { echo "nothing after the SYN saw REACHABLE"; rc=1; }
	return $rc
}

permanent() {
	local mac port=5371

	mac=$(ip netns exec $NS2 cat /sys/class/net/veth0/address)
	ip -n $NS1 neigh replace 10.0.1.2 lladdr "$mac" nud permanent dev veth0 ||
		return 1
	trace_clear
	tl_sink $NS2 $port || return 1
	ip netns exec $NS1 timeout 30 "$TL_XC" -s XTCP -p $port -n 64K -t 20 \
		10.0.1.2 >/dev/null || return 1
	tl_sink_wait $port 65536 || return 1
	# kept: the blackouts below must not fail ARP (EHOSTUNREACH)
	events xtcp_neigh_output $port | awk '{ print $NF }' | sort | uniq -c
	events xtcp_neigh_output $port | grep -q . &&
		! events xtcp_neigh_output $port | grep -vq 'nud=PERMANENT$'
}

# causes PORT: "syn rto fast tlp other total" of the retransmit events
# to PORT
causes() {
	local c out=""

	for c in syn rto fast tlp other; do
		out="$out $(events xtcp_retransmit "$1" | grep -c "cause=$c$")"
	done
	echo "$out $(events xtcp_retransmit "$1" | grep -c .)"
}

# A SYN into a blackout of 2.5 s: retransmitted (cause syn), connected.
retrans_syn() {
	local port=5372 rs0 rs1 c bg

	trace_clear
	tl_sink $NS2 $port || return 1
	rs0=$(counter $NS1 RetransSegs)
	ip netns exec $NS1 tc qdisc add dev veth0 root netem loss 100% || return 1
	( sleep 2.5; ip netns exec $NS1 tc qdisc del dev veth0 root ) &
	bg=$!
	ip netns exec $NS1 timeout 30 "$TL_XC" -s XTCP -p $port -C -t 20 \
		10.0.1.2 >/dev/null || { wait $bg; echo "connect failed"; return 1; }
	wait $bg
	wait "$TL_SINK_PID"
	rs1=$(counter $NS1 RetransSegs)
	read -r -a c <<<"$(causes $port)"
	echo "retransmits syn=${c[0]} rto=${c[1]} fast=${c[2]} tlp=${c[3]} other=${c[4]}; RetransSegs +$((rs1 - rs0))"
	[ "${c[0]}" -ge 1 ] && [ "${c[0]}" = "${c[5]}" ] && [ $((rs1 - rs0)) = "${c[5]}" ]
}

# 4 MiB at 20 Mbit/s with 2% random loss (fast retransmits) and a 1.5 s
# blackout a second in (the RTO's). One MSS per skb (gso_max_segs 1):
# netem drops whole skbs, and 2% of 64 KiB GSO skbs is one or two losses.
retrans_data() {
	local port=5373 rs0 rs1 c rto0 rto1 fr0 fr1 bg

	trace_clear
	ip -n $NS1 link set dev veth0 gso_max_segs 1 || return 1
	ip netns exec $NS1 tc qdisc add dev veth0 root netem rate 20mbit loss 2% ||
		return 1
	tl_sink $NS2 $port || return 1
	rs0=$(counter $NS1 RetransSegs) rto0=$(counter $NS1 RTOs)
	fr0=$(counter $NS1 FastRetrans)
	( sleep 1
	  ip netns exec $NS1 tc qdisc change dev veth0 root netem rate 20mbit loss 100%
	  sleep 1.5
	  ip netns exec $NS1 tc qdisc change dev veth0 root netem rate 20mbit loss 2% ) &
	bg=$!
	ip netns exec $NS1 timeout 120 "$TL_XC" -s XTCP -p $port -n 4M -t 60 \
		10.0.1.2 >/dev/null || { wait $bg; echo "transfer failed"; return 1; }
	wait $bg
	tl_sink_wait $port 4194304 || return 1
	tl_until_closed $NS1 $port
	ip netns exec $NS1 tc qdisc del dev veth0 root
	ip -n $NS1 link set dev veth0 gso_max_segs 65535
	rs1=$(counter $NS1 RetransSegs) rto1=$(counter $NS1 RTOs)
	fr1=$(counter $NS1 FastRetrans)
	read -r -a c <<<"$(causes $port)"
	echo "retransmits syn=${c[0]} rto=${c[1]} fast=${c[2]} tlp=${c[3]} other=${c[4]}; RetransSegs +$((rs1 - rs0)) RTOs +$((rto1 - rto0)) FastRetrans +$((fr1 - fr0))"
	[ "${c[1]}" -ge 1 ] && [ "${c[2]}" -ge 1 ] && [ "${c[4]}" = 0 ] &&
		[ $((rs1 - rs0)) = "${c[5]}" ] &&
		# no "rto" retransmit without an RTO, no "fast" without entering recovery
		[ $((rto1 - rto0)) -ge 1 ] && [ $((fr1 - fr0)) -ge 1 ]
}

# The receiver accepts only after 8 s: its window closes, the sender
# probes. The probes counted equal the probes captured on the wire
# (zero-length segments one byte below what was sent).
zero_window() {
	local port=5374 pcap=$TL_TMP/zwp.pcap z0 z1 wire

	cap_start $NS1 veth0 "$pcap" "tcp and src host $A and dst port $port" \
		-Q out -s 96 -B 16384 || return 1
	TL_PIDS+=("$CAP_PID")
	z0=$(counter $NS1 ZeroWindowProbes)
	tl_sink $NS2 $port -a 8 -R 65536 || return 1
	ip netns exec $NS1 timeout 120 "$TL_XC" -s XTCP -p $port -n 2M -t 60 \
		10.0.1.2 >/dev/null || { echo "transfer failed"; return 1; }
	tl_sink_wait $port 2097152 || return 1
	sleep 1
	z1=$(counter $NS1 ZeroWindowProbes)
	cap_stop
	[ "$(cap_drops)" = 0 ] ||
		{ cat "$pcap.err"; echo "the capture lost packets"; return 1; }
	wire=$(python3 "$TL_DIR/trace_pcapcount.py" "$pcap" $A) || return 1
	echo "ZeroWindowProbes +$((z1 - z0)); wire: $wire"
	[ $((z1 - z0)) -ge 1 ] && [ "$(awk '{ print $6 }' <<<"$wire")" = $((z1 - z0)) ]
}

# An OUTPUT rule drops the connection's segments at LOCAL_OUT: each one
# xtcp built for the port is one DropNetfilter, and the connect times out.
drop_netfilter() {
	local port=5375 d0 d1 o0 o1 n

	trace_clear
	ip netns exec $NS1 iptables -A OUTPUT -p tcp --dport $port -j DROP ||
		return 1
	d0=$(counter $NS1 DropNetfilter) o0=$(counter $NS1 OutSegs)
	ip netns exec $NS1 timeout 30 "$TL_XC" -s XTCP -p $port -C -Y 2 -t 20 \
		-E ETIMEDOUT 10.0.1.2 >/dev/null
	local rc=$?
	ip netns exec $NS1 iptables -D OUTPUT -p tcp --dport $port -j DROP
	d1=$(counter $NS1 DropNetfilter) o1=$(counter $NS1 OutSegs)
	n=$(events xtcp_transmit_skb $port | grep -c .)
	echo "DropNetfilter +$((d1 - d0)), OutSegs +$((o1 - o0)), transmit_skb events $n"
	[ $rc = 0 ] && [ "$n" -ge 2 ] && [ $((d1 - d0)) = "$n" ] &&
		[ $((o1 - o0)) = "$n" ]
}

snmp_names() {
	local rc=0 c names

	names=$(head -n 1 /proc/net/xtcp_snmp)
	echo "$names"
	for c in ZeroWindowProbes ActiveOpens PassiveOpens OutSegs RetransSegs \
		 InErrs OutRsts FastRetrans RTOs DropNoRoute DropNetfilter \
		 DropMtu DropNoMem DropNoNeigh DropQdisc DropBacklog; do
		grep -qw "$c" <<<"$names" || { echo "no $c"; rc=1; }
	done
	return $rc
}

per_netns() {
	local before after s1

	ip netns add $NS3 || return 1
	before=$(counter $NS3 OutSegs)
	s1=$(counter $NS1 OutSegs)
	tl_sink $NS2 5376 || return 1
	ip netns exec $NS1 timeout 60 "$TL_XC" -s XTCP -p 5376 -n 256K -t 30 \
		10.0.1.2 >/dev/null || return 1
	tl_sink_wait 5376 262144 || return 1
	after=$(counter $NS3 OutSegs)
	echo "OutSegs in an idle namespace: $before -> $after; in the sender's: $s1 -> $(counter $NS1 OutSegs)"
	[ "$before" = 0 ] && [ "$after" = 0 ] && [ "$(counter $NS1 OutSegs)" -gt "$s1" ]
}

ktap_header 9
ktap_run setup setup
ktap_run neigh_state_fresh_netns_connects fresh_connects
ktap_run neigh_state_permanent permanent
ktap_run retransmit_cause_syn retrans_syn
ktap_run retransmit_cause_rto_fast retrans_data
ktap_run zero_window_probes zero_window
ktap_run drops_by_cause_netfilter drop_netfilter
ktap_run snmp_counter_names snmp_names
ktap_run counters_per_netns per_netns
ktap_finish
