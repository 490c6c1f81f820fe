#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trace_events.sh with the `perf record -a -e 'xtcp:*'` case: the whole
# 256 KiB stream in xtcp_transmit_skb samples. perf record is started
# (and acknowledged) before the peers: its first start in a TCG guest
# takes up to a minute, longer than the sink once waited, and a connect
# to a sink that had given up was refused (RST from the stock stack).
TRACE_PERF=1 exec "$(dirname "$0")/trace_events.sh"
