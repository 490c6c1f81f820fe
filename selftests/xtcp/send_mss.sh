#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_mss: segment sizes against the MSS, checked on the wire.
#  1. A stock Linux TCP peer advertising MSS 536 (route advmss) never
#     receives a payload above 536; 1 MiB arrives intact.
#  2. TCP_MAXSEG 1000 before connect: the SYN offers 1000 and no payload
#     exceeds it.
#  3. Path MTU discovery through a router namespace whose link to the
#     peer has MTU 1200: the router answers the 1500-byte segments with
#     ICMP fragmentation-needed, xtcp lowers its MSS and resends the
#     lost segments at the new size; 4 MiB arrive intact, and after the
#     ICMP no segment above the new MSS (1148 with timestamps) leaves.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

R=sm_rtr$$
SEND_MORE_NS=$R
send_setup sm tcpdump python3 ethtool
# Software GSO: captures show wire segments, not TSO super-frames.
ip netns exec $A ethtool -K xs0 tso off >/dev/null 2>&1

maxlen() { awk '$3 > m { m = $3 } END { print m + 0 }' "$1"; }

t_peer_536() {
	local rc=0 m
	ip -n $B route change 10.0.1.0/24 dev xp0 advmss 536 || return 1
	cap_start $B xp0 "$TMP/a.pcap" "tcp port 7501" || return 1
	one_way $B TCP $A XTCP 10.0.1.2 7501 1M || rc=1
	cap_stop
	ip -n $B route change 10.0.1.0/24 dev xp0
	$PCAP "$TMP/a.pcap" 10.0.1.1 segs >"$TMP/a.segs"
	m=$(maxlen "$TMP/a.segs")
	echo "$(wc -l <"$TMP/a.segs") data segments, largest payload $m"
	[ $rc = 0 ] && [ "$m" -gt 0 ] && [ "$m" -le 536 ]
}

t_maxseg() {
	local rc=0 m syn
	cap_start $B xp0 "$TMP/m.pcap" "tcp port 7502" || return 1
	ip netns exec $B timeout 60 $SOCK server TCP 7502 >"$TMP/m.srv" &
	wait_listen $B 7502 10 || { cap_stop; return 1; }
	ip netns exec $A timeout 60 $SOCK client XTCP 10.0.1.2 7502 \
		"maxseg=1000;connect;write=100x1000;close" >/dev/null || rc=1
	wait $! || rc=1
	cap_stop
	grep -qx "recv 100000" "$TMP/m.srv" || rc=1
	$PCAP "$TMP/m.pcap" 10.0.1.1 segs >"$TMP/m.segs"
	m=$(maxlen "$TMP/m.segs")
	syn=$(tcpdump -nn -r "$TMP/m.pcap" 'src host 10.0.1.1 and tcp[13] & 2 != 0' 2>/dev/null |
	      sed -n 's/.*mss \([0-9]*\).*/\1/p')
	echo "SYN offers MSS $syn, largest payload $m"
	[ $rc = 0 ] && [ "$syn" = 1000 ] && [ "$m" -gt 0 ] && [ "$m" -le 1000 ]
}

# A xs1 -- xr0 (R) xr1 (MTU 1200) -- xq0 (C): the peer (MTU 1500, so it
# offers MSS 1460) behind a router whose next link carries only 1200
t_pmtu() {
	local C=$B.c rc=0 icmp m
	ip netns add "$C" || return 1
	ip netns add "$R" || { ip netns del "$C"; return 1; }
	ip -n $R link set lo up
	ip -n "$C" link set lo up
	ip link add xr0 netns $R type veth peer name xs1 netns $A &&
	ip link add xr1 netns $R mtu 1200 type veth peer name xq0 netns "$C" ||
		{ ns_cleanup "$C"; return 1; }
	ip -n $A addr add 10.0.3.1/24 dev xs1
	ip -n $R addr add 10.0.3.2/24 dev xr0
	ip -n $R addr add 10.0.4.1/24 dev xr1
	ip -n "$C" addr add 10.0.4.2/24 dev xq0
	ip -n $A link set xs1 up
	ip -n $R link set xr0 up
	ip -n $R link set xr1 up
	ip -n "$C" link set xq0 up
	ip -n $A route add 10.0.4.0/24 via 10.0.3.2
	ip -n "$C" route add 10.0.3.0/24 via 10.0.4.1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
	ip netns exec $A ethtool -K xs1 tso off >/dev/null 2>&1

	cap_start $R xr0 "$TMP/p.pcap" "host 10.0.3.1" || { ns_cleanup "$C"; return 1; }
	one_way "$C" TCP $A XTCP 10.0.4.2 7503 4M || rc=1
	cap_stop
	ns_cleanup "$C"
	icmp=$(tcpdump -nn -tt -r "$TMP/p.pcap" 'icmp[0] == 3 and icmp[1] == 4' 2>/dev/null |
	       head -n 1 | cut -d' ' -f1)
	$PCAP "$TMP/p.pcap" 10.0.3.1 segs >"$TMP/p.segs"
	m=$(maxlen "$TMP/p.segs")
	echo "first ICMP frag-needed at ${icmp:-none}; largest payload $m"
	[ $rc = 0 ] && [ -n "$icmp" ] && [ "$m" -gt 1148 ] || return 1
	# Segments already on their way when the ICMP was sent may follow
	# it; 100 ms later every new segment is within the new MSS.
	awk -v t="$icmp" '$1 > t + 0.1 { n++; if ($3 > 1148) bad++ }
		END { printf "%d segments after the ICMP, %d above 1148\n", n, bad
		      exit !(n > 100 && !bad) }' "$TMP/p.segs"
}

ktap_header 3
ktap_run peer_mss_536_respected t_peer_536
ktap_run tcp_maxseg_honoured t_maxseg
ktap_run pmtu_icmp_frag_needed_shrinks_segments t_pmtu
ktap_finish
