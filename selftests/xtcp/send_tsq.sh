#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_tsq: TCP small queues. A tbf qdisc at 20 Mbit/s on the SUT's veth
# is the slow device; the transfer's own data is all that queues there.
# With net.ipv4.tcp_limit_output_bytes = 64 KiB, a bulk xtcp sender may
# have that much plus the one skb that crossed it (a 64 KiB GSO skb)
# below the socket; without small queues the qdisc fills with as much of
# cwnd as the send buffer holds (megabytes). The qdisc backlog is sampled
# every 20 ms (as fast as tc runs) during an 8 MiB transfer; Linux TCP in the same setup is
# measured alongside for reference. The transfer must arrive intact and
# the TSQThrottled counter must show the sender was held.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

LIMIT=65536
# LIMIT, plus the skb (at most 64 KiB of payload) that crossed it, plus
# the headers GSO replicates per segment (the qdisc counts wire bytes).
BOUND=$((2 * LIMIT + 16384))
send_setup tq python3
modprobe sch_tbf 2>/dev/null
ip netns exec $A tc qdisc add dev xs0 root tbf rate 20mbit burst 256kb \
	limit 16mb || skip_all "tbf unavailable"
ip netns exec $A sysctl -qw net.ipv4.tcp_limit_output_bytes=$LIMIT ||
	skip_all "no tcp_limit_output_bytes"
[ -r /proc/net/xtcp_snmp ] || skip_all "no /proc/net/xtcp_snmp"


# backlog_during FAMILY PORT: transfer 4 MiB from A (FAMILY) to B's TCP
# while sampling the qdisc; prints the largest backlog in bytes.
backlog_during() {
	local sampler rc
	ip netns exec $A bash -c 'while :; do
		tc -s -j qdisc show dev xs0; echo; sleep 0.02; done' \
		>"$TMP/s.$1" 2>/dev/null &
	sampler=$!
	one_way $B TCP $A "$1" 10.0.1.2 "$2" 8M >"$TMP/x.$1" 2>&1
	rc=$?
	kill $sampler
	wait $sampler 2>/dev/null
	[ $rc = 0 ] || { cat "$TMP/x.$1"; return 1; }
	python3 - "$TMP/s.$1" <<'PY'
import json, sys
best = n = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("["):
        continue
    try:
        q = json.loads(line)
    except ValueError:
        continue
    for e in q:
        if e.get("kind") == "tbf":
            best = max(best, e.get("backlog", 0))
            n += 1
print(best, n)
PY
}

t_tcp_reference() {
	local out max n
	out=$(backlog_during TCP 7301) || { echo "$out"; return 1; }
	read -r max n <<<"$out"
	echo "Linux TCP: largest backlog $max bytes ($n samples)"
	echo "$max" >"$TMP/tcp_max"
}

t_xtcp_bounded() {
	local th0 th out max n
	th0=$(snmp TSQThrottled)
	out=$(backlog_during XTCP 7302) || { echo "$out"; return 1; }
	read -r max n <<<"$out"
	th=$(( $(snmp TSQThrottled) - th0 ))
	echo "xtcp: largest backlog $max bytes ($n samples), bound $BOUND;" \
	     "TSQThrottled +$th; Linux TCP $(cat "$TMP/tcp_max" 2>/dev/null)"
	[ "$n" -ge 10 ] || { echo "too few samples"; return 1; }
	[ "$max" -gt 0 ] || { echo "nothing ever queued: no measurement"; return 1; }
	[ "$max" -le "$BOUND" ] || return 1
	[ "$th" -gt 0 ]
}

ktap_header 2
ktap_run tcp_reference_backlog t_tcp_reference
ktap_run xtcp_backlog_within_limit_intact t_xtcp_bounded
ktap_finish
