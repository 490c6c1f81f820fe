#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's data part (guest side): an AF_XTCP client sends 1 MiB to a
# stock Linux TCP server in another network namespace over veth; both ends
# print the SHA-256 of what they sent and received; the xtcp and xtcp_igb
# tracepoints record the send path, and one segment's events are shown.
set -eu
. selftests/xtcp/lib.sh
say() { printf '\n== %s\n' "$*"; }
nc=selftests/xtcp/xtcp_connect
tr=/sys/kernel/tracing

say "AF_XTCP client (netns a, 10.0.1.1) -> Linux TCP server (netns b, 10.0.1.2) over veth"
veth_pair a b
rm -f /tmp/ready
ip netns exec b "$nc" -l -s TCP -p 5000 -n 0 -o /tmp/recv -t 30 -P /tmp/ready 10.0.1.2 \
	>/tmp/server.log 2>&1 &
server=$!
for _ in $(seq 100); do [ -e /tmp/ready ] && break; sleep 0.1; done

echo 0 >"$tr/tracing_on"
echo >"$tr/trace"
echo 4096 >"$tr/buffer_size_kb"
echo 1 >"$tr/events/xtcp/enable"
echo 1 >"$tr/events/net/net_dev_queue/enable"
echo 1 >"$tr/tracing_on"
ip netns exec a "$nc" -s XTCP -p 5000 -n 1M -r 7 -t 30 10.0.1.2 >/tmp/client.log 2>&1
echo 0 >"$tr/tracing_on"
wait "$server"

sent=$(awk '$1 == "sent" { print $3 }' /tmp/client.log)
got=$(awk '$1 == "recv" { print $3 }' /tmp/server.log)
echo "client sent     $(awk '$1 == "sent" { print $2 }' /tmp/client.log) bytes, sha256 $sent"
echo "server received $(awk '$1 == "recv" { print $2 }' /tmp/server.log) bytes, sha256 $got"
if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
	echo "bytes verified: the Linux TCP server received exactly what AF_XTCP sent"
else
	echo "MISMATCH" >&2
	exit 1
fi

say "the send path as traced (events per stage)"
grep -v '^#' "$tr/trace" | sed -nE 's/^.*[0-9]+\.[0-9]+: ([a-z_0-9]+): .*/\1/p' |
	sort | uniq -c | sort -rn
say "one data segment, stage by stage"
# The first data segment's sendmsg and write_xmit events carry its seq; the
# clone handed down by transmit_skb is followed by its address, taking the
# first event of each later stage (addresses are reused once freed).
grep -v '^#' "$tr/trace" | sed -E 's/^ *[^ ]+ +\[[0-9]+\] [^ ]+ +//' | awk '
	function field(name,	i) {
		for (i = 1; i <= NF; i++)
			if (index($i, name "=") == 1)
				return substr($i, length(name) + 2)
		return ""
	}
	!seq && $2 == "xtcp_transmit_skb:" && field("end_seq") != field("seq") &&
	    field("flags") ~ /^0x1[08]$/ {
		seq = field("seq"); skb = field("skb")
		for (i = 1; i <= n; i++)
			if (held[i] ~ /^[0-9.]+: xtcp_sendmsg:/ &&
			    index(held[i], " seq=" seq " "))
				print held[i]
		done[$2] = 1
		print; next
	}
	!seq { held[++n] = $0; next }
	$2 == "xtcp_write_xmit:" && field("seq") == seq && !done[$2]++ { print; next }
	(field("skb") == skb || field("skbaddr") == skb) && !done[$2]++ { print }
'
echo 0 >"$tr/events/xtcp/enable"
echo 0 >"$tr/events/net/net_dev_queue/enable"
ns_cleanup a b
