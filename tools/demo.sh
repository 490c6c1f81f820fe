#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's main command: set up, build, boot the guest, load both
# modules and show them working: the AF_XTCP family registered, the xtcp_igb
# netdev up on the private wire, an AF_XTCP client sending 1 MiB over that
# wire to a stock Linux TCP server with the bytes verified, and the send path
# as the tracer recorded it. The trace, its report and its picture
# (path.svg) are left in results/demo/trace/.
#
# Usage: tools/demo.sh [--no-setup]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${1:-}" != --no-setup ]; then
	tools/setup.sh
fi
make -j2 modules selftests >/dev/null
rm -rf results/demo
mkdir -p results/demo
exec tools/xvm --timeout 600 --out results/demo -- bash tools/guest/demo-guest.sh
