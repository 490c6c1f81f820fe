# SPDX-License-Identifier: GPL-2.0
#
# The benchmark tool's own test, included by the lead's Makefile. The
# benchmark itself is tools/bench.sh (host) and tools/bench/run.sh (guest).

# xbench is built here too, so an installed suite carries it.
TEST_GEN_FILES += xbench
XTCP_BENCH_SRC := ../../tools/bench/xbench.c

%/xbench: $(XTCP_BENCH_SRC) ../../include/uapi/linux/xtcp.h
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(XTCP_BENCH_SRC) $(LDLIBS)

# xbench end to end, and a short run.sh over veth (about 1 minute).
TEST_PROGS += bench_quick.sh
