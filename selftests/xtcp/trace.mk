# SPDX-License-Identifier: GPL-2.0
#
# Tracing and observability tests (tools/trace/xtcp-trace, /proc/net/xtcp,
# tools/xtcp-ss), included by the lead's Makefile.

TEST_FILES += trace_lib.sh trace_rawcheck.py

# perf list / tracefs formats / trace-cmd record (perf record: pending)
TEST_PROGS += trace_events.sh
XTCP_PENDING += trace_perf_record.sh
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
# fields and counters the issue asks for that the module lacks today:
# neighbour state, retransmit cause, ZeroWindowProbes/drops, per-netns MIB
XTCP_PENDING += trace_fields.sh
