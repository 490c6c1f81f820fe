#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's guest half (run by tools/demo.sh inside tools/xvm).
set -eu
. selftests/xtcp/lib.sh
say() { printf '\n== %s\n' "$*"; }

say "kernel $(uname -r); NICs on the private wire: $XVM_NIC0 $XVM_NIC1"

say "insmod module/xtcp.ko"
xtcp_load
fam=$(xtcp_family)
echo "AF_XTCP registered as family $fam (/sys/module/xtcp/parameters/family)"
python3 - "$fam" <<'PY'
import socket, sys
fam = int(sys.argv[1])
s = socket.socket(fam, socket.SOCK_STREAM, 0)
print(f"socket({fam}, SOCK_STREAM, 0) -> fd {s.fileno()}")
s.close()
PY

say "insmod driver/xtcp_igb.ko, bind $XVM_NIC0"
xigb_bind "$XVM_NIC0"
dev=$(pci_netdev "$XVM_NIC0")
ip link set "$dev" up
for _ in $(seq 50); do
	[ "$(cat "/sys/class/net/$dev/carrier" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
ethtool -i "$dev" | head -n 2
ip -br link show "$dev"

if [ -x tools/guest/demo-data.sh ]; then
	tools/guest/demo-data.sh
fi

say "unload"
ip link set "$dev" down
rmmod xtcp_igb
xtcp_unload
echo "both modules unloaded"
