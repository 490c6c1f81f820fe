#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's main command: set up, build, boot the guest, load both
# modules and show them working: the AF_XTCP family registered and a socket
# of it, the xtcp_igb netdev up with carrier on the private wire, and (once
# the protocol carries data) an AF_XTCP client sending to a Linux TCP server
# with the bytes verified and the send path traced stage by stage.
#
# Usage: tools/demo.sh [--no-setup]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${1:-}" != --no-setup ]; then
	tools/setup.sh
fi
make -j2 modules selftests >/dev/null
exec tools/xvm --timeout 600 -- bash tools/guest/demo-guest.sh
