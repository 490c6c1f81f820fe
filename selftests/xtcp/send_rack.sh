#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_rack: RACK-TLP (RFC 8985) against a stock Linux TCP peer (SACK on),
# 20 ms away. Losses are single data segments dropped once by an iptables
# nth rule in the peer; captures are taken at the sender (xs0); counters
# come from /proc/net/xtcp_snmp of the sender's namespace.
#  1. Tail loss, last segment of a 4-segment burst: no ACK will ever
#     report it, yet a loss probe (the last segment again) repairs it
#     before any RTO: TCPLossProbes and, once a later ACK goes beyond the
#     probe, TCPLossProbeRecovery counted; no RTO.
#  2. Tail loss, last two segments: the probe goes about 2 SRTT after the
#     ACK of the first two (well before the RTO); its SACK lets RACK mark
#     the other one lost and fast recovery resend it; no RTO. (SACKs come
#     back 10 ms slower, so the probe's RTT is above min_RTT: see
#     sack_slower.)
#  3. Middle loss with a small flight (segment 2 of 4: two duplicate
#     ACKs, below DupThresh): RACK's timer marks it lost about one RTT +
#     reo_wnd after its send and it is resent then; no RTO.
#  4. Reordering within reo_wnd (netem delay 40 ms +- 4 ms: at most 8 ms
#     against min_RTT/4 of ~14 ms) is not loss: a 1 MiB transfer has at
#     most ~3% retransmitted (those before reordering is first seen).
#     With RACK off (tcp_recovery=0) DupThresh decides; it adapts too,
#     as tp->reordering grows with the reordering seen
#     (tcp_check_sack_reordering): again at most ~3%. Held at 3
#     (tcp_max_reordering=3), the same path gives many more: the check
#     can fail.
#  5. Reordering beyond RACK's first window: every 40th segment overtakes
#     the ones sent in the 20 ms before it (netem gap; min_RTT/4 is about
#     5-10 ms). RACK at first calls the overtaken segments lost; the
#     timestamps echoed for the originals and the D-SACKs of the
#     retransmissions say they were not. xtcp undoes those recoveries (at
#     least one of TCPDSACKUndo, TCPFullUndo, TCPPartialUndo) and widens
#     reo_wnd, so that over 4 MiB the recoveries left standing (entered,
#     not undone: each a cwnd reduction) are at most Linux TCP's on the
#     same path in the same run, plus 2. Its retransmissions are at most
#     twice Linux TCP's plus 20: with PRR (RFC 6937) a recovery resends
#     at the pace of the ACKs, so one that RACK started on much of the
#     flight at once resends little before the undo (without PRR: 27-72
#     against Linux TCP's 8).
#  6. On the same path, min_RTT is the overtakers' round trip (~20 ms),
#     not the others' (~40 ms). Overtakers arrive ahead of the segments
#     they passed, so only SACKs report them: min_RTT takes the newest
#     SACKed segment's RTT (tcp_ack_update_rtt). Linux TCP's min_rtt on
#     the same path is the reference; both must be below 30 ms.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup sr tcpdump python3 tc ethtool iptables
modprobe xt_statistic 2>/dev/null
modprobe xt_length 2>/dev/null
peer_delay delay 20ms
[ -r /proc/net/xtcp_snmp ] || skip_all "no /proc/net/xtcp_snmp"
grep -q TCPLossProbes /proc/net/xtcp_snmp || skip_all "no TLP counters"
# One segment per frame, so a rule drops one MSS.
ip netns exec $A ethtool -K xs0 gso off tso off >/dev/null 2>&1
ip netns exec $B sysctl -qw net.ipv4.tcp_sack=1


# snap NAME: remember the counters; delta NAME COUNTER: growth since.
snap() { ip netns exec $A cat /proc/net/xtcp_snmp | head -2 >"$TMP/$1.snmp"; }
delta() {
	local was
	was=$(awk -v k="$2" 'NR == 1 { for (i = 2; i <= NF; i++) c[$i] = i }
			     NR == 2 { print $c[k] }' "$TMP/$1.snmp")
	echo $(($(snmp "$2") - was))
}

# drop_nth PORT N...: the peer drops the Nth data segment (1-based) to
# PORT, once each, in ascending order (nth mode: --packet is the 0-based index of the first
# match, the next one a million later).
drop_nth() {
	local port=$1 n i=0
	shift
	ip netns exec $B iptables -F INPUT
	# A rule sees only what the earlier ones let through.
	for n; do
		ip netns exec $B iptables -A INPUT -p tcp --dport "$port" \
			-m length --length 1000:65535 -m statistic --mode nth \
			--every 1000000 --packet $((n - 1 - i)) -j DROP || return 1
		i=$((i + 1))
	done
}

# burst NAME PORT SCRIPT: a client running SCRIPT (captured at xs0)
# against a reading server; the server must receive BYTES=$BYTES.
burst() {
	local name=$1 port=$2 srv rc=0
	cap_start $A xs0 "$TMP/$name.pcap" "tcp port $port" || return 1
	ip netns exec $B timeout 30 $SOCK server TCP "$port" >"$TMP/$name.srv" &
	srv=$!
	wait_listen $B "$port" 10 || rc=1
	ip netns exec $A timeout 30 $SOCK client XTCP 10.0.1.2 "$port" \
		"nodelay=1;$3;close" >"$TMP/$name.cli" 2>&1 || rc=1
	wait $srv || rc=1
	cap_stop
	ip netns exec $B iptables -F INPUT
	$PCAP "$TMP/$name.pcap" 10.0.1.1 segs >"$TMP/$name.segs"
	grep -qx "recv $BYTES" "$TMP/$name.srv" ||
		{ echo "server: $(cat "$TMP/$name.srv"), want $BYTES"; rc=1; }
	return $rc
}

# rtx FILE: "<seq> <delay>" for every retransmission: time since the
# first transmission of that sequence number.
rtx() {
	awk '{ if ($2 in t) printf "%d %.3f\n", $2, $1 - t[$2]; else t[$2] = $1 }' "$1"
}

SEG=5792	# four 1448-byte segments (MSS with timestamps over 1500)

t_tail_one() {
	local rc=0 p r f
	BYTES=$((2 * SEG))
	snap tail1
	drop_nth 7801 4 || return 1
	# The second burst, after the probe, is acknowledged beyond it.
	burst tail1 7801 "write=1x$SEG;sleep=600;write=1x$SEG;sleep=200" || rc=1
	p=$(delta tail1 TCPLossProbes)
	r=$(delta tail1 TCPLossProbeRecovery)
	f=$(delta tail1 RTOs)
	echo "retransmissions (seq delay_s): $(rtx "$TMP/tail1.segs" | tr '\n' ' ')"
	echo "TCPLossProbes $p TCPLossProbeRecovery $r RTOs $f"
	[ "$p" -ge 1 ] && [ "$r" -ge 1 ] && [ "$f" = 0 ] || rc=1
	# The probe resent the last segment (relative seq 1 + 3 MSS).
	rtx "$TMP/tail1.segs" | awk '$1 == 1 + 3 * 1448 { f = 1 } END { exit !f }' ||
		{ echo "the last segment was not resent"; rc=1; }
	return $rc
}

# sack_slower MS: the peer's ACKs that carry one SACK block (IP length
# 64: timestamps and one block) take MS ms longer than the others.
# Without it the path's delay is exact: about one run in eight, a
# probe's RTT falls a few microseconds below min_RTT (by milliseconds
# in a fresh namespace's first run, where the peer answers slowly).
# RACK then rightly ignores the SACK of a retransmission (RFC 8985 6.2
# step 2, tcp_rack_advance), and only the RTO is left.
sack_slower() {
	local t="ip netns exec $B tc"

	$t qdisc del dev xp0 root
	$t qdisc add dev xp0 root handle 1: prio bands 2 \
		priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || return 1
	$t qdisc add dev xp0 parent 1:1 netem delay 20ms || return 1
	$t qdisc add dev xp0 parent 1:2 netem delay $((20 + $1))ms || return 1
	$t filter add dev xp0 parent 1: protocol ip u32 \
		match ip protocol 6 0xff match u16 64 0xffff at 2 flowid 1:2
}

t_tail_two() {
	local rc=0 p f fr
	BYTES=$SEG
	snap tail2
	drop_nth 7802 3 4 || return 1
	sack_slower 10 || { echo "no prio/u32 qdisc to delay SACKs"; rc=1; }
	burst tail2 7802 "write=1x$SEG;sleep=400" || rc=1
	ip netns exec $B tc qdisc del dev xp0 root
	ip netns exec $B tc qdisc add dev xp0 root netem delay 20ms || rc=1
	p=$(delta tail2 TCPLossProbes)
	f=$(delta tail2 RTOs)
	fr=$(delta tail2 FastRetrans)
	echo "retransmissions (seq delay_s): $(rtx "$TMP/tail2.segs" | tr '\n' ' ')"
	echo "TCPLossProbes $p FastRetrans $fr RTOs $f"
	[ "$p" -ge 1 ] && [ "$fr" -ge 1 ] && [ "$f" = 0 ] || rc=1
	# Both resent, the probe (segment 4) within ~3 RTT of its send
	# (ACK of 1-2 after one RTT, then PTO = 2 SRTT), far below the
	# RTO (>= 200 ms + SRTT).
	rtx "$TMP/tail2.segs" | awk '
		$1 == 1 + 3 * 1448 { p = $2 } $1 == 1 + 2 * 1448 { s = 1 }
		END { exit !(s && p > 0.03 && p < 0.15) }' ||
		{ echo "probe timing or the second resend wrong"; rc=1; }
	return $rc
}

t_middle() {
	local rc=0 l f
	BYTES=$SEG
	snap mid
	drop_nth 7803 2 || return 1
	burst mid 7803 "write=1x$SEG;sleep=400" || rc=1
	l=$(delta mid TCPRackLoss)
	f=$(delta mid RTOs)
	echo "retransmissions (seq delay_s): $(rtx "$TMP/mid.segs" | tr '\n' ' ')"
	echo "TCPRackLoss $l RTOs $f"
	[ "$l" -ge 1 ] && [ "$f" = 0 ] || rc=1
	# Resent about one RTT + reo_wnd (~25 ms) after its send.
	rtx "$TMP/mid.segs" | awk '$1 == 1 + 1448 { d = $2 }
		END { exit !(d > 0.015 && d < 0.12) }' ||
		{ echo "segment 2 not resent on RACK's timer"; rc=1; }
	return $rc
}

# reorder_run NAME PORT: 1 MiB through the jittered path; prints the
# retransmissions and RTOs.
reorder_run() {
	local rt0 rto0
	rt0=$(snmp RetransSegs)
	rto0=$(snmp RTOs)
	one_way $B TCP $A XTCP 10.0.1.2 "$2" 1M >/dev/null || return 1
	echo "$1: retransmissions $(($(snmp RetransSegs) - rt0)) RTOs $(($(snmp RTOs) - rto0))"
}

t_reorder() {
	local rc=0 on ad off
	local maxr
	maxr=$(ip netns exec $A sysctl -n net.ipv4.tcp_max_reordering)
	ip netns exec $A tc qdisc add dev xs0 root netem delay 40ms 4ms
	reorder_run rack 7804 >"$TMP/ro.on" || rc=1
	ip netns exec $A sysctl -qw net.ipv4.tcp_recovery=0
	reorder_run dupthresh_adaptive 7805 >"$TMP/ro.ad" || rc=1
	ip netns exec $A sysctl -qw net.ipv4.tcp_max_reordering=3
	reorder_run dupthresh_fixed 7808 >"$TMP/ro.off" || rc=1
	ip netns exec $A sysctl -qw net.ipv4.tcp_max_reordering="$maxr"
	ip netns exec $A sysctl -qw net.ipv4.tcp_recovery=1
	ip netns exec $A tc qdisc del dev xs0 root
	cat "$TMP/ro.on" "$TMP/ro.ad" "$TMP/ro.off"
	on=$(awk '{ print $3 }' "$TMP/ro.on")
	ad=$(awk '{ print $3 }' "$TMP/ro.ad")
	off=$(awk '{ print $3 }' "$TMP/ro.off")
	# ~725 segments: RACK may err a few times before it has seen
	# reordering or a D-SACK (reo_wnd is 0 until then), DupThresh
	# before tp->reordering has grown; held at 3, it errs throughout.
	# Bound: ~3% of the segments (0-13 seen, all in the first
	# flights), and the fixed DupThresh at least 3x worse (90-110 seen).
	[ $rc = 0 ] && [ -n "$on" ] && [ "$on" -le 20 ] &&
		[ -n "$ad" ] && [ "$ad" -le 20 ] &&
		[ -n "$off" ] && [ "$off" -ge $((3 * (on > ad ? on : ad) + 10)) ]
}

UNDO="TCPDSACKUndo TCPFullUndo TCPPartialUndo"

# undone FAMILY: FAMILY's undone recoveries in the SUT namespace, all
# causes; with -v, each cause.
undone() {
	local n sum=0 v
	for n in $UNDO; do
		v=$(sut_mib "$1" "$n")
		sum=$((sum + ${v:-0}))
		[ "${2:-}" = -v ] && printf '%s=%s ' "$n" "$v"
	done
	echo $sum
}

# recoveries FAMILY: fast recoveries FAMILY entered in the SUT namespace.
recoveries() {
	if [ "$1" = XTCP ]; then
		sut_mib XTCP FastRetrans
	else
		sut_mib TCP TCPSackRecovery
	fi
}

# overtaken_run FAMILY PORT: 4 MiB from FAMILY through the overtaking
# path; prints "FAMILY <retransmitted segments> <recoveries undone>
# <recoveries entered>".
overtaken_run() {
	local r0 u0 e0
	r0=$(sut_mib "$1" RetransSegs)
	u0=$(undone "$1")
	e0=$(recoveries "$1")
	one_way $B TCP $A "$1" 10.0.1.2 "$2" 4M >"$TMP/ot.$1" 2>&1 ||
		{ cat "$TMP/ot.$1" >&2; return 1; }
	echo "$1 after: $(undone "$1" -v)" >&2
	echo "$1 $(($(sut_mib "$1" RetransSegs) - r0))" \
	     "$(($(undone "$1") - u0)) $(($(recoveries "$1") - e0))"
}

t_overtaken() {
	local rc=0 tr tu te xr xu xe
	# One segment per skb for both stacks, so netem counts segments.
	ip netns exec $A ip link set dev xs0 gso_max_segs 1 || return 1
	ip netns exec $A tc qdisc add dev xs0 root netem delay 20ms \
		reorder 100% gap 40 || return 1
	overtaken_run TCP 7806 >"$TMP/ot.tcp" || rc=1
	overtaken_run XTCP 7807 >"$TMP/ot.xtcp" || rc=1
	ip netns exec $A tc qdisc del dev xs0 root
	ip netns exec $A ip link set dev xs0 gso_max_segs 65535
	read -r _ tr tu te <"$TMP/ot.tcp"
	read -r _ xr xu xe <"$TMP/ot.xtcp"
	echo "recoveries entered/undone: XTCP $xe/$xu, TCP $te/$tu;" \
	     "retransmitted segments: XTCP $xr, TCP $tr"
	[ $rc = 0 ] && [ -n "$xe" ] && [ -n "$te" ] && [ "${xu:-0}" -ge 1 ] &&
		[ $((xe - xu)) -le $((te - tu + 2)) ] &&
		[ "$xr" -le $((2 * tr + 20)) ]
}

# overtaken_min_rtt FAMILY PORT: 1 MiB from FAMILY through the
# overtaking path (set up by the caller); prints TCP_INFO's min_rtt (us)
# once every ACK is in.
overtaken_min_rtt() {
	local srv rc=0
	ip netns exec $B timeout 30 $SOCK server TCP "$2" >"$TMP/mr.srv" &
	srv=$!
	wait_listen $B "$2" 10 || return 1
	ip netns exec $A timeout 30 $SOCK client "$1" 10.0.1.2 "$2" \
		"write=16x65536;sleep=500;info;close" >"$TMP/mr.cli" 2>&1 || rc=1
	wait $srv || rc=1
	grep -qx "recv 1048576" "$TMP/mr.srv" || rc=1
	[ $rc = 0 ] || { cat "$TMP/mr.cli" "$TMP/mr.srv" >&2; return 1; }
	tr ' ' '\n' <"$TMP/mr.cli" | sed -n 's/^min_rtt=//p'
}

t_overtaken_min_rtt() {
	local rc=0 x t
	ip netns exec $A ip link set dev xs0 gso_max_segs 1 || return 1
	ip netns exec $A tc qdisc add dev xs0 root netem delay 20ms \
		reorder 100% gap 40 || return 1
	t=$(overtaken_min_rtt TCP 7809) || rc=1
	x=$(overtaken_min_rtt XTCP 7810) || rc=1
	ip netns exec $A tc qdisc del dev xs0 root
	ip netns exec $A ip link set dev xs0 gso_max_segs 65535
	echo "min_rtt: XTCP ${x:-?} us, TCP ${t:-?} us"
	[ $rc = 0 ] && [ -n "$t" ] && [ "$t" -lt 30000 ] &&
		[ -n "$x" ] && [ "$x" -lt 30000 ]
}

ktap_header 6
ktap_run tlp_tail_loss_one_segment t_tail_one
ktap_run tlp_tail_loss_two_segments t_tail_two
ktap_run rack_timer_middle_loss_small_flight t_middle
ktap_run rack_reordering_not_loss t_reorder
ktap_run spurious_recovery_undone t_overtaken
ktap_run min_rtt_from_sacks t_overtaken_min_rtt
ktap_finish
