#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_zc over the QEMU igb wire: NIC0 (xtcp_igb, netns xa) sends to the
# stock igb NIC1 (netns xb), where "send_zc --serve" verifies the data.
# Unlike veth to a local namespace, no one copies the pages on the way:
# MSG_ZEROCOPY completions must come without SO_EE_CODE_ZEROCOPY_COPIED,
# for AF_INET and AF_XTCP alike; sendfile/splice stay spliced.
cd "$(dirname "$0")" || exit 1
# shellcheck source=lib.sh
. ./lib.sh
# shellcheck source=igb_lib.sh
. ./igb_lib.sh

xigb_need_nics
cleanup() {
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
	xigb_cleanup
}
trap cleanup EXIT

xtcp_load || exit "$KSFT_FAIL"
xigb_wire_up || exit "$KSFT_FAIL"
ip netns exec $XB ./send_zc --serve &
spid=$!
wait_listen $XB 5201 10 || { echo "# send_zc --serve did not listen"; exit "$KSFT_FAIL"; }
# send_zc prints its own KTAP.
ip netns exec $XA env SEND_ZC_WIRE=$XB_IP timeout 240 ./send_zc \
	-t zerocopy_completions -t sendfile_64m_spliced -t splice_64m_spliced
