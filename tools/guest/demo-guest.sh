#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's guest half (run by tools/demo.sh inside tools/xvm): load both
# modules, then send 1 MiB from an AF_XTCP client over the igb wire (NIC0,
# driven by xtcp_igb) to a stock Linux TCP server behind the stock igb driver
# (NIC1, another namespace), verify the bytes, and show the send path as the
# tracer recorded it. The tracer's files land in $XVM_OUT.
set -eu
. selftests/xtcp/lib.sh
. selftests/xtcp/igb_lib.sh
say() { printf '\n== %s\n' "$*"; }
nc=$XTCP_TOP/selftests/xtcp/xtcp_connect

say "kernel $(uname -r); NICs on the private wire: $XVM_NIC0 $XVM_NIC1"

say "insmod module/xtcp.ko"
xtcp_load
fam=$(xtcp_family)
echo "AF_XTCP registered as family $fam (/sys/module/xtcp/parameters/family)"
grep -w "$fam" /proc/net/protocols 2>/dev/null || true

say "insmod driver/xtcp_igb.ko: NIC0 -> xtcp_igb (netns $XA), NIC1 -> stock igb (netns $XB)"
xigb_wire_up
ip netns exec "$XA" ethtool -i "$XA_DEV" | head -n 2
ip -n "$XA" -br link show "$XA_DEV"
ip -n "$XB" -br link show "$XB_DEV"

say "AF_XTCP client ($XA, $XA_IP) -> Linux TCP server ($XB, $XB_IP), 1 MiB over the wire"
rm -f /tmp/ready
ip netns exec "$XB" "$nc" -l -s TCP -p 5000 -n 0 -o /tmp/recv -t 60 -P /tmp/ready "$XB_IP" \
	>/tmp/server.log 2>&1 &
server=$!
xigb_wait test -e /tmp/ready
tools/trace/xtcp-trace record -o "$XVM_OUT/trace" -- \
	ip netns exec "$XA" "$nc" -s XTCP -p 5000 -n 1M -r 7 -t 60 "$XB_IP" >/tmp/client.log 2>&1 ||
	{ cat /tmp/client.log; exit 1; }
wait "$server"

sent=$(awk '$1 == "sent" { print $3 }' /tmp/client.log)
got=$(awk '$1 == "recv" { print $3 }' /tmp/server.log)
echo "client sent     $(awk '$1 == "sent" { print $2 }' /tmp/client.log) bytes, sha256 $sent"
echo "server received $(awk '$1 == "recv" { print $2 }' /tmp/server.log) bytes, sha256 $got"
if [ -z "$sent" ] || [ "$sent" != "$got" ]; then
	echo "MISMATCH: the bytes did not arrive intact" >&2
	exit 1
fi
echo "bytes verified: the Linux TCP server received exactly what AF_XTCP sent"

say "the send path as it ran (tools/trace/xtcp-trace)"
cat "$XVM_OUT/trace/summary.txt"

say "unload"
xigb_cleanup
xtcp_unload
echo "both modules unloaded; the tracer's picture is $XVM_OUT/trace/path.svg"
