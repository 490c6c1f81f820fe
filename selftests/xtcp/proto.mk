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
# Early demux: segments into a connected xtcp socket are not routed
# (kprobe count, none vs. one per packet with ip_early_demux off); a SYN
# to a listener, TCP's RST for a stray ACK, reassembled segments,
# forwarding past a listener, veth deletion with a cached input route,
# loopback, a segment dropped at INPUT releasing its socket.
TEST_PROGS += proto_demux.sh

# Send path (issue 4). send_lib.sh: veth pair xs0/xp0, captures, the
# net:net_dev_queue tracepoint; send_sock.py drives AF_XTCP sockets from
# Python; send_pcap.py reads the captures.
TEST_FILES += send_lib.sh
# GSO: multi-segment skbs reach the device; the peer sees <= MSS segments
# with valid sums.
TEST_PROGS += send_gso.sh
# Push decision on the wire: Nagle/Minshall, TCP_NODELAY, TCP_CORK (and
# its 200 ms ceiling), MSG_MORE, NODELAY flushing a held segment, MSG_EOR.
TEST_PROGS += send_nagle.sh
# Send buffer: EAGAIN/POLLOUT, SO_SNDTIMEO partial count, NOTSENT_LOWAT,
# SIOCOUTQ(NSD), EPIPE, send-buffer autotuning within tcp_wmem.
TEST_PROGS += send_sndbuf.sh
TEST_FILES += send_sock.py send_pcap.py
# Zero-window probes with growing intervals; the transfer resumes intact.
TEST_PROGS += send_zwp.sh
# Peer MSS 536, TCP_MAXSEG, PMTU discovery through a router namespace.
TEST_PROGS += send_mss.sh
# TCP_CONGESTION (reno, cubic), slow start and each algorithm's decrease.
TEST_PROGS += send_cc.sh
# Fast retransmit (SACK and NewReno), RTO backoff, TCP_USER_TIMEOUT.
TEST_PROGS += send_loss.sh
# Copy avoidance: sendfile/splice spliced not copied (kretprobe byte
# counts), MSG_ZEROCOPY completions on the error queue, both families.
TEST_GEN_PROGS += send_zc
# Signals during a blocking send (partial count / EINTR), SIGPIPE after
# shutdown and after a reset, both families.
TEST_GEN_PROGS += send_signal
# TCP_INFO after a transfer (byte/segment counters, RTT, delivery rate,
# busy time) and with a stalled peer (notsent vs SIOCOUTQNSD), both
# families, an AF_INET run as the reference.
TEST_GEN_PROGS += send_info
# The same over the igb wire (xtcp_igb -> stock igb): zerocopy
# completions without COPIED, sendfile/splice spliced, both families.
TEST_PROGS += send_zc_igb.sh
# TCP small queues: a slow qdisc holds no more than the TSQ limit of an
# xtcp sender's data (Linux TCP measured beside it).
TEST_PROGS += send_tsq.sh
# SO_MAX_PACING_RATE through sch_fq (EDT) and internal pacing.
TEST_PROGS += send_pacing.sh
TEST_FILES += send_pacing.py
# The window a connection starts with: route initcwnd, SYN timeouts.
TEST_PROGS += send_initcwnd.sh
# cwnd restart after an idle gap longer than the RTO.
TEST_PROGS += send_idle.sh
TEST_FILES += send_idle.py send_cc.py
# CUBIC's HyStart: slow start ends without a loss on the ACK train or the
# delay signal, near where Linux TCP's does on the same path.
TEST_PROGS += send_hystart.sh
# Receive buffer autotuning: SO_RCVBUF grows under a fast reader (Linux
# TCP alongside), stays where the user set it.
TEST_PROGS += recv_autotune.sh
TEST_FILES += recv_autotune.py
# Delayed ACKs as Linux TCP's: quick ACKs at the start, interactive
# connections' ACKs ride on the replies, the timer when none comes.
TEST_PROGS += recv_delack.sh
TEST_FILES += recv_delack.py
# What the receive path records for steering, as Linux TCP: the CPU a
# segment came in on, the flow's hash for RFS, the NAPI instance.
TEST_PROGS += recv_steer.sh
TEST_FILES += recv_steer.py
# GSO skb sizes when the window limits them: half-cwnd quota, TSO
# deferral, growing the head skb; beside Linux TCP.
TEST_PROGS += send_defer.sh
# RACK-TLP (RFC 8985): tail loss probes, RACK's reorder timer, reordering
# within reo_wnd not taken for loss.
TEST_PROGS += send_rack.sh
# Per short connection (the bench's crr), beside Linux TCP: route
# references (dst_release) and sockets freed through call_rcu.
TEST_PROGS += proto_conn_cost.sh
# GSO skb size on a short path (tcp_tso_autosize's RTT term): xtcp's bytes
# per skb over veth at least 0.7 of Linux TCP's beside it (pacing alone: < 0.5).
TEST_PROGS += send_tso_autosize.sh
