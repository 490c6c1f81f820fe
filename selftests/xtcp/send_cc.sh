#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_cc: congestion control per socket, against a stock Linux TCP peer
# behind a 20 Mbit/s bottleneck (tbf with a short queue) and a 20 ms
# round trip, so the window overflows the path and losses come from
# congestion. TCP_INFO is sampled every 10 ms while sending for 6 s.
#  1. TCP_CONGESTION: reno is the default, cubic can be chosen, an
#     unknown name fails with ENOENT, the module parameter sets the
#     default of new sockets.
#  2. Reno: slow start (ssthresh unset, cwnd at least doubling from 10),
#     then at the first loss ssthresh about half the window (beta 0.5).
#  3. CUBIC: the same slow start, then ssthresh about 0.7 of the window
#     (beta_cubic, RFC 9438).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

A=sc_sut$$
B=sc_peer$$
TMP=$(mktemp -d)
SOCK="python3 $(dirname "$0")/send_sock.py"
trap 'ns_cleanup $A $B; echo reno >/sys/module/xtcp/parameters/congestion 2>/dev/null; rm -rf $TMP' EXIT

skip_all() { ktap_header 1; ktap_result 4 send_cc "$1"; ktap_finish; }
for t in python3 tc; do
	command -v $t >/dev/null || skip_all "$t missing"
done
xtcp_load || skip_all "xtcp.ko not loadable"
[ -w /sys/module/xtcp/parameters/congestion ] || skip_all "no congestion parameter"
send_netns $A $B || skip_all "no veth/netns"
modprobe sch_netem 2>/dev/null
modprobe sch_tbf 2>/dev/null
ip netns exec $B tc qdisc add dev xp0 root netem delay 20ms &&
ip netns exec $A tc qdisc add dev xs0 root tbf rate 20mbit burst 16kb limit 48kb ||
	skip_all "netem/tbf unavailable"

PORT=7700
client() {	# client NAME SCRIPT
	local srv rc=0
	PORT=$((PORT + 1))
	ip netns exec $B timeout 60 $SOCK server TCP $PORT >/dev/null &
	srv=$!
	wait_listen $B $PORT 10 || return 1
	ip netns exec $A timeout 60 $SOCK client XTCP 10.0.1.2 $PORT \
		"$2;close" >"$TMP/$1.cli" 2>&1 || rc=1
	wait $srv || rc=1
	return $rc
}

t_sockopt() {
	local rc=0
	client opt "getcc;cc=cubic;getcc;cc=reno;getcc" || rc=1
	grep '^cc' "$TMP/opt.cli" | tr '\n' ' '
	[ "$(grep -c '^cc' "$TMP/opt.cli")" = 3 ] &&
	[ "$(awk '$1 == "cc" { printf "%s,", $2 }' "$TMP/opt.cli")" = "reno,cubic,reno," ] || rc=1
	# Unknown algorithm: ENOENT, as TCP.
	ip netns exec $A python3 -c "
import socket, sys
s = socket.socket(int(open('/sys/module/xtcp/parameters/family').read()), socket.SOCK_STREAM)
try:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'nosuchcc')
except OSError as e:
    sys.exit(0 if e.errno == 2 else 1)
sys.exit(1)" || { echo "unknown name not ENOENT"; rc=1; }
	echo cubic >/sys/module/xtcp/parameters/congestion
	client def "getcc" || rc=1
	echo reno >/sys/module/xtcp/parameters/congestion
	echo "default after setting the parameter: $(awk '$1 == "cc" { print $2 }' "$TMP/def.cli")"
	grep -qx "cc cubic" "$TMP/def.cli" || rc=1
	echo
	return $rc
}

# cc_case NAME ALGO LOW HIGH: slow start, then the first reduction's
# ssthresh / (largest cwnd before it) within [LOW, HIGH]
cc_case() {
	client "$1" "cc=$2;getcc;bulk=6@10" || return 1
	grep -qx "cc $2" "$TMP/$1.cli" || return 1
	awk -v lo="$3" -v hi="$4" '
		$1 != "cw" { next }
		$4 >= 1000000 {	# ssthresh unset: slow start
			if (!first) first = $3
			if ($3 > ss) ss = $3
			next
		}
		!red { red = $4; at = $2 }
		END {
			ratio = ss ? red / ss : 0
			printf "slow start %d -> %d segments; first reduction at %.2f s: ssthresh %d = %.2f of the window\n",
				first, ss, at, red, ratio
			exit !(first <= 10 && ss >= 2 * first && red && ratio >= lo && ratio <= hi)
		}' "$TMP/$1.cli"
}

t_reno() { cc_case reno reno 0.3 0.65; }
t_cubic() { cc_case cubic cubic 0.6 0.8; }

ktap_header 3
ktap_run tcp_congestion_sockopt_and_default t_sockopt
ktap_run reno_slow_start_and_halving t_reno
ktap_run cubic_slow_start_and_beta t_cubic
ktap_finish
