#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/trace/xtcp-trace beyond the igb wire: over veth (no driver events
# of ours: the tool must cope), with netem dropping 2% of the sender's
# segments (retransmissions must be found and attributed, and agree with
# xtcp_retransmit events and RetransSegs), and attached to a transfer
# already running (--duration).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

NS1=trta-$$ NS2=trtb-$$

tl_need_tools python3 tc "$TL_TRACE" "$TL_XC"
trap 'tl_cleanup; ns_cleanup $NS1 $NS2' EXIT

setup() {
	xtcp_load && veth_pair $NS1 $NS2 && modprobe sch_netem
}

retrans() {
	local out sum rs0 rs1 n ev

	out=$(tl_out trace_tool_lossy) || return 1
	sum=$out/summary.json
	# One MSS per skb: netem drops whole skbs, and 2% of the few dozen
	# GSO skbs of 1 MiB is often none.
	ip -n $NS1 link set dev veth0 gso_max_segs 1 || return 1
	ip netns exec $NS1 tc qdisc add dev veth0 root netem loss 2% || return 1
	rs0=$(ip netns exec $NS1 "$TL_SS" -s -j | python3 -c 'import json, sys; print(json.load(sys.stdin)["RetransSegs"])')
	tl_sink $NS2 5361 || return 1
	# record until the connection is closed, not only while the sender
	# runs: close() returns with data and the FIN still to (re)send
	timeout 180 "$TL_TRACE" record -q -o "$out" --dev veth0 -- bash -c "
		$(declare -f tl_until_closed)
		ip netns exec $NS1 timeout 120 '$TL_XC' -s XTCP -p 5361 -n 1M \
			-t 60 10.0.1.2 >/dev/null && tl_until_closed $NS1 5361" ||
		return 1
	tl_sink_wait 5361 1048576 || return 1
	rs1=$(ip netns exec $NS1 "$TL_SS" -s -j | python3 -c 'import json, sys; print(json.load(sys.stdin)["RetransSegs"])')
	ip netns exec $NS1 tc qdisc del dev veth0 root
	grep -A12 '^retransmissions' "$out/summary.txt"
	n=$(tl_json "$sum" "s['retransmissions']")
	all=$(tl_json "$sum" "s['retransmitted_all']")
	ev=$(tl_json "$sum" "s['counts'].get('xtcp_retransmit', 0)")
	echo "tool: $n retransmitted data segments, $all with SYN/FIN; xtcp_retransmit events $ev; RetransSegs +$((rs1 - rs0))"
	[ "$n" -gt 0 ] || { echo "netem 2% loss and no retransmission?"; return 1; }
	[ "$all" = "$ev" ] && [ "$ev" = $((rs1 - rs0)) ] || return 1
	# every original byte once, the path to the device followed
	[ "$(tl_json "$sum" "s['payload_bytes']")" = 1048576 ] || return 1
	[ "$(tl_json "$sum" "s['complete_any']")" -ge 1 ] || return 1
	[ "$(tl_json "$sum" "s['stage_counts']['driver_xmit']")" = 0 ] || return 1
	[ "$(tl_json "$sum" "s['meta']['lost']")" = 0 ]
}

attach() {
	local out sum xc rx n ready=$TL_TMP/slow.ready

	out=$(tl_out trace_tool_attach) || return 1
	sum=$out/summary.json
	# a stock TCP receiver that reads 8 KiB every 20 ms: the sender stays
	# busy, window-limited, for as long as the test needs
	ip netns exec $NS2 timeout 120 python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.1.2", 5362))
s.listen()
open(sys.argv[1], "w").close()
c, _ = s.accept()
while c.recv(8192):
    time.sleep(0.02)' "$ready" &
	rx=$!
	TL_PIDS+=("$rx")
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
	ip netns exec $NS1 timeout 120 "$TL_XC" -s XTCP -p 5362 -n 64M -t 60 \
		10.0.1.2 >/dev/null 2>&1 &
	xc=$!
	TL_PIDS+=("$xc")
	for _ in $(seq 100); do
		[ -n "$(sock_sendq)" ] && break
		sleep 0.05
	done
	# the lister, like ss -tip, on the live connection
	ip netns exec $NS1 "$TL_SS" -t -a -i -p | tee "$out/xtcp-ss.txt"
	timeout 60 "$TL_TRACE" record -q -o "$out" --duration 1 || return 1
	kill $xc $rx
	grep -q "^ESTAB .* 10.0.1.2:5362 .*users:((\"xtcp_connect\"" "$out/xtcp-ss.txt" &&
		grep -q "cwnd:[0-9]* .*bytes_acked:[0-9]" "$out/xtcp-ss.txt" ||
		{ echo "xtcp-ss does not show the connection with TCP_INFO"; return 1; }
	python3 - "$sum" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = s["counts"].get("xtcp_transmit_skb", 0)
print("attached for 1 s: %d xtcp_transmit_skb events, lost %s"
      % (n, s["meta"]["lost"]))
sys.exit(0 if n > 0 and s["meta"]["lost"] == 0 else 1)
PY
	[ -s "$out/path.svg" ] && grep -q "latency per segment" "$out/summary.txt"
}

# sock_sendq: the xtcp sender's line if it has data queued.
sock_sendq() {
	ip netns exec $NS1 cat /proc/net/xtcp 2>/dev/null |
		awk 'NR > 1 && $4 == "01" && substr($5, 1, 8) != "00000000"'
}

ktap_header 3
ktap_run setup setup
ktap_run veth_netem_loss_retransmissions retrans
ktap_run attach_to_running_transfer attach
ktap_finish
