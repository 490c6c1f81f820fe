# SPDX-License-Identifier: GPL-2.0
#
# Tracing and observability tests (tools/trace/xtcp-trace, /proc/net/xtcp,
# tools/xtcp-ss), included by the lead's Makefile.

TEST_FILES += trace_lib.sh trace_rawcheck.py

# perf list / tracefs formats / trace-cmd record
TEST_PROGS += trace_events.sh
# the same with perf record -a (slow to start in TCG, so apart)
TEST_PROGS += trace_perf_record.sh
TEST_FILES += trace_seqcover.py
# 1 MiB over the igb wire, one segment followed through every stage
TEST_PROGS += trace_path_igb.sh

TEST_FILES += trace_pcapcount.py

# /proc/net/xtcp lines vs /proc/net/tcp in the same situations; uid,
# inode, Send-Q and TCP_INFO (via tools/xtcp-ss) of a stalled sender
TEST_PROGS += trace_proc.sh
# OutSegs and RetransSegs vs a capture on the wire, clean and lossy
TEST_PROGS += trace_counters.sh

# the tracer over veth with netem loss, and attached to a running transfer
TEST_PROGS += trace_tool.sh
# neighbour state (connects right after link up), retransmit cause,
# zero-window probes and drops by cause vs the wire, per-netns counters
TEST_PROGS += trace_fields.sh
