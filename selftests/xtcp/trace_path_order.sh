#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace_path_igb.sh in strict path order: xtcp:xtcp_write_xmit's "sent"
# verdict must come before the xtcp_transmit_skb it allows. Pending until
# module/xtcp_output.c logs the verdict before calling xtcp_transmit_skb().
TRACE_STRICT=1 exec "$(dirname "$0")/trace_path_igb.sh"
