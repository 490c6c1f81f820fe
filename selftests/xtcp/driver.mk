# SPDX-License-Identifier: GPL-2.0
#
# xtcp_igb driver tests, included by the lead's Makefile. Every test binds
# NIC0 of the tools/xvm guest to xtcp_igb and NIC1 to the stock igb driver
# (igb_lib.sh), and skips when run outside such a guest.

TEST_FILES += igb_lib.sh
# lists page pools over netdev genetlink (leak checks)
TEST_FILES += igb_pagepools.py

# probe, MAC, ethtool -i, carrier, remove
TEST_PROGS += igb_probe.sh
# ping and TCP both ways (256 MiB, SHA-256), counters vs the peer
TEST_PROGS += igb_traffic.sh
# ethtool -G tx 64: bulk completes, queue stops and wakes, no TX timeout
TEST_PROGS += igb_ring.sh
# bad MTU/ring/coalesce -> EINVAL and no change; good ones, jumbo frames
TEST_PROGS += igb_settings.sh
# TSO/checksum offload: xmit tracepoint, peer capture, tso off tx off
TEST_PROGS += igb_tso.sh
# AF_XTCP over xtcp_igb, both ways, SHA-256 checked at both ends
TEST_PROGS += igb_af_xtcp.sh
# QEMU monitor link down/up: carrier follows, transfer spans the outage
TEST_PROGS += igb_link.sh
# rmmod during a transfer; 50 load/traffic/unload cycles leave nothing
TEST_PROGS += igb_unload.sh
# MSI-X, and the MSI and INTx fallbacks (irq_mode=1/2), with traffic
TEST_PROGS += igb_irq.sh
# xtcp_igb:xmit and xtcp_igb:tx_clean pair up frame by frame (skb address)
TEST_PROGS += igb_trace.sh
