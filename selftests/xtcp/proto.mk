# SPDX-License-Identifier: GPL-2.0
#
# Protocol-module tests (module/xtcp.ko), included by the lead's Makefile.

# socket(): AF_XTCP against AF_INET's errno table; close frees.
TEST_GEN_PROGS += proto_socket
# Load/unload, family parameter and a taken number, module refcount.
TEST_PROGS += proto_module.sh
# The wire, captured at the peer: checksums, DF/TTL, SYN options and what
# is used after negotiation, segment sizes, MSS from the route MTU.
TEST_PROGS += proto_wire.sh
TEST_FILES += proto_wire.py
# 50 x (load, XTCP<->TCP traffic in fresh namespaces, unload): no socket
# left, unload succeeds, no slab or refcount complaint in the kernel log.
TEST_PROGS += proto_cycles.sh
