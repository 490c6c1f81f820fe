#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AF_XTCP output passes the netfilter hooks as TCP's does: a DROP rule on
# OUTPUT or POSTROUTING for the peer's port makes connect fail exactly as
# it makes a TCP connect fail (ETIMEDOUT after TCP_SYNCNT retries, same
# timing), and the rule's counter sees every SYN; a REJECT with a TCP
# reset gives ECONNREFUSED.
#
# INTEROP_FAMILIES=tcp (interop_netfilter_tcp.sh) runs the stock TCP
# oracle; the default also runs AF_XTCP and requires TCP's outcome.

. "$(dirname "$0")/interop_lib.sh"

il_require ip timeout nft

SUT=$IL_NS_SUT
PEER_IP=10.0.1.2

if [ "$IL_MODE" = xtcp ]; then
	il_xtcp_load || il_skip_all "xtcp module not loadable"
fi
il_ns_pair || il_skip_all "cannot create veth/netns"
modprobe nf_tables 2>/dev/null
ip netns exec "$SUT" nft list tables >/dev/null 2>&1 || il_skip_all "nf_tables unavailable"

# rule HOOK PORT VERDICT: one counted rule in the SUT's inet filter table.
rule()
{
	ip netns exec "$SUT" nft -f - <<-NFT
	table inet interop {
		chain c {
			type filter hook $1 priority 0; policy accept;
			tcp dport $2 counter $3
		}
	}
	NFT
}

rule_packets()
{
	ip netns exec "$SUT" nft list table inet interop |
		awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

rule_clear() { ip netns exec "$SUT" nft delete table inet interop 2>/dev/null; }

# A peer listener exists, so only the rule stands between SUT and peer.
start_peer()
{
	il_server "$IL_NS_PEER" tcp 60 -p "$1" -n 0 -t 50 $PEER_IP
}

stop_peer()
{
	kill "$IL_SRV_PID" 2>/dev/null
	wait "$IL_SRV_PID" 2>/dev/null
}

# SYN + 2 retransmissions (1 s, 2 s), then 4 s: ETIMEDOUT after ~7 s.
case_drop()
{
	local ms err n

	start_peer $port || { echo "no peer"; return; }
	rule "$2" $port drop || { echo "nft failed"; stop_peer; return; }
	il_client "$SUT" "$1" 30 -Y 2 -p $port -n 1K -t 20 $PEER_IP
	n=$(rule_packets)
	rule_clear
	stop_peer
	err=$(il_errno_of "$IL_TMP/cli.out")
	ms=$(il_field "$IL_TMP/cli.out" connect_ms 2)
	echo "# $1 $2 drop: $err after $ms ms, rule saw $n packets" >&2
	if [ -n "$ms" ] && [ "$ms" -ge 6900 ] && [ "$ms" -le 8000 ]; then
		ms="6.9-8.0 s"
	else
		ms="$ms ms"
	fi
	# Every SYN must meet the rule. How many there are is TCP's detail:
	# a locally dropped retransmission is retried at the resource-probe
	# interval (tcp_retransmit_timer), so TCP shows 6 for TCP_SYNCNT 2.
	[ "${n:-0}" -ge 3 ] && n=">=3" || n="only ${n:-0}"
	echo "connect $err in $ms, dropped $n SYNs"
}

case_reject()
{
	local err n

	start_peer $port || { echo "no peer"; return; }
	rule output $port "reject with tcp reset" || { echo "nft failed"; stop_peer; return; }
	il_client "$SUT" "$1" 30 -Y 2 -p $port -n 1K -t 20 $PEER_IP
	n=$(rule_packets)
	rule_clear
	stop_peer
	err=$(il_errno_of "$IL_TMP/cli.out")
	echo "connect $err, rejected $n SYNs"
}

# With the rule gone, the same port connects: the rule was the cause.
case_control()
{
	start_peer $port || { echo "no peer"; return; }
	rule output $((port + 1)) drop
	il_client "$SUT" "$1" 30 -Y 2 -p $port -n 1K -t 20 $PEER_IP
	echo "status=$? counter=$(rule_packets)"
	rule_clear
	il_wait_server
}

cases=(
	"output_drop_etimedout|case_drop %X output|connect ETIMEDOUT in 6.9-8.0 s, dropped >=3 SYNs"
	"postrouting_drop_etimedout|case_drop %X postrouting|connect ETIMEDOUT in 6.9-8.0 s, dropped >=3 SYNs"
	"output_reject_tcp_reset|case_reject %X|connect ECONNREFUSED, rejected 1 SYNs"
	"other_port_rule_does_not_match|case_control %X|status=0 counter=0"
)

il_plan ${#cases[@]}
base=32000
for c in "${cases[@]}"; do
	IFS='|' read -r name fn want <<<"$c"
	port=$base
	tcp_out=$(${fn//%X/tcp})
	x_out=
	port=$((base + 20))
	[ "$IL_MODE" = xtcp ] && x_out=$(${fn//%X/xtcp})
	base=$((base + 40))
	il_compare "$name" "$want" "$tcp_out" "$x_out"
done
il_finish
