#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read a classic pcap of one TCP connection, for the send_*.sh tests.

  send_pcap.py FILE SUT_IP segs
      one line per data segment from SUT_IP: "<time> <rel_seq> <len> <flags>"
  send_pcap.py FILE SUT_IP nagle MSS
      checks that whenever a segment shorter than MSS (and without FIN)
      leaves SUT_IP, no earlier sub-MSS segment is still unacknowledged
      (Nagle with Minshall's rule); prints a summary, exits 1 on a
      violation.
  send_pcap.py FILE SUT_IP probes
      the times of SUT's zero-window probes (no data, sequence number one
      below the peer's last ACK, sent while the peer's window was zero),
      one per line.
  send_pcap.py FILE SUT_IP flight
      the first flight: the data bytes and packets SUT_IP sent before
      the first ACK that acknowledged any of it: "flight <bytes> <packets>"
  send_pcap.py FILE SUT_IP reopen
      the flight that followed the longest closed window: the data bytes
      and packets SUT_IP sent after the peer's window reopened (its first
      ACK with a non-zero window after one or more with a zero one) and
      before an ACK acknowledged any of them:
      "reopen <bytes> <packets> <seconds the window was closed>"
  send_pcap.py FILE SUT_IP fastrtx
      for the first retransmitted data segment from SUT_IP: the duplicate
      ACKs for it (with SACK blocks) that arrived before the
      retransmission, and the time
      from the third one to the retransmission:
      "seq <rel> dupacks <n> third <t> retrans <t> delay <s> flight <segs>"
      (flight: data segments sent and not acknowledged at the third).
"""

import struct
import sys

from xtcp_pcap import ipv4_packets


def tcp_segments(path):
    """(time, src, seq, ack, flags, payload_len, window) per TCP segment."""
    for t, ip in ipv4_packets(path):
        if len(ip) < 20 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        src = ".".join(str(b) for b in ip[12:16])
        th = ip[ihl:]
        if len(th) < 20:
            continue
        seq, ack = struct.unpack("!II", th[4:12])
        doff = (th[12] >> 4) * 4
        flags = th[13]
        win = struct.unpack("!H", th[14:16])[0]
        yield t, src, seq, ack, flags, tot - ihl - doff, win


def sack_acks(path, sut):
    """(time, ack) of each pure ACK toward SUT carrying a SACK option."""
    for t, ip in ipv4_packets(path):
        if len(ip) < 20 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        if ".".join(str(b) for b in ip[12:16]) == sut:
            continue
        th = ip[ihl:]
        doff = (th[12] >> 4) * 4
        opts, i = th[20:doff], 0
        while i < len(opts):
            kind = opts[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2:
                break
            if kind == 5:
                yield t, struct.unpack("!I", th[8:12])[0]
                break
            i += opts[i + 1]


def reopen(segs, sut):
    best = None		# (closed seconds, bytes, packets)
    closed = cur = None	# when the window closed; [closed, ack, bytes, pkts]
    for t, src, _, ack, flags, n, win in segs:
        if src == sut:
            if cur and n > 0:
                cur[2] += n
                cur[3] += 1
            continue
        if cur and cur[3] and 0 < ((ack - cur[1]) & 0xFFFFFFFF) < 1 << 31:
            if best is None or cur[0] > best[0]:
                best = (cur[0], cur[2], cur[3])
            cur = None
        if not flags & 0x10:
            continue
        if win == 0:
            if closed is None:
                closed = t
        elif closed is not None:
            cur = [t - closed, ack, 0, 0]
            closed = None
    if best is None:
        print("no reopened window")
        return 1
    print("reopen %d %d %.3f" % (best[1], best[2], best[0]))
    return 0


def main():
    path, sut, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    segs = list(tcp_segments(path))
    isn = next((s[2] for s in segs if s[1] == sut), 0)
    if mode == "segs":
        for t, src, seq, _, flags, n, _ in segs:
            if src == sut and n > 0:
                print("%.6f %d %d %#x" % (t, (seq - isn) & 0xFFFFFFFF, n, flags))
        return 0
    if mode == "nagle":
        mss = int(sys.argv[4])
        acked = None
        small_end = None	# end of the last sub-MSS segment sent
        bad = small = 0
        for t, src, seq, ack, flags, n, _ in segs:
            if src != sut:
                if flags & 0x10 and (acked is None or
                                     ((ack - acked) & 0xFFFFFFFF) < 1 << 31):
                    acked = ack
                continue
            # A FIN goes regardless (close pushes with Nagle off).
            if n == 0 or n >= mss or flags & 0x01:
                continue
            small += 1
            if small_end is not None and acked is not None and \
               ((small_end - acked) & 0xFFFFFFFF) < 1 << 31 and small_end != acked:
                bad += 1
                print("fail: %d-byte segment at %.6f while the one ending at %d"
                      " is unacknowledged (acked %d)" %
                      (n, t, (small_end - isn) & 0xFFFFFFFF,
                       (acked - isn) & 0xFFFFFFFF))
            small_end = (seq + n) & 0xFFFFFFFF
        print("sub-MSS segments: %d, violations: %d" % (small, bad))
        return 1 if bad else 0
    if mode == "probes":
        wnd = ack = None
        for t, src, seq, a, flags, n, win in segs:
            if src != sut:
                wnd, ack = win, a
                continue
            # A probe: no data, one below the peer's last ACK (an old
            # byte the peer must answer), while its window is zero.
            if wnd == 0 and n == 0 and not flags & 0x07 and \
               ack is not None and (seq + 1) & 0xFFFFFFFF == ack:
                print("%.6f" % t)
        return 0
    if mode == "flight":
        nbytes = npkts = 0
        for _, src, seq, ack, flags, n, _ in segs:
            if src != sut:
                # isn + 1 is the SYN's: past it, data is acknowledged.
                if flags & 0x10 and npkts and \
                   0 < ((ack - isn - 1) & 0xFFFFFFFF) < 1 << 31:
                    break
                continue
            if n > 0:
                nbytes += n
                npkts += 1
        print("flight", nbytes, npkts)
        return 0
    if mode == "reopen":
        return reopen(segs, sut)
    if mode == "fastrtx":
        return fastrtx(segs, sut, isn, list(sack_acks(path, sut)))
    print(__doc__)
    return 2


def fastrtx(segs, sut, isn, sacks):
    sent = set()
    rseq = rtime = None
    for t, src, seq, _, _, n, _ in segs:
        if src == sut and n > 0:
            if seq in sent:
                rseq, rtime = seq, t
                break
            sent.add(seq)
    if rseq is None:
        print("no retransmission")
        return 1
    # Duplicate ACKs: for rseq, reporting (SACK) data beyond the hole.
    dups = [(t, a) for t, a in sacks if a == rseq and t < rtime]
    if len(dups) < 3:
        print("seq %d dupacks %d before the retransmission" %
              ((rseq - isn) & 0xFFFFFFFF, len(dups)))
        return 1
    third = dups[2][0]
    ahead = [((s[2] + s[5] - rseq) & 0xFFFFFFFF, s[5]) for s in segs
             if s[1] == sut and s[5] > 0 and s[0] <= third and
             ((s[2] - rseq) & 0xFFFFFFFF) < 1 << 31]
    hi = max(ahead)
    flight = hi[0] // max(hi[1], 1)
    print("seq %d dupacks %d third %.6f retrans %.6f delay %.6f flight %d" %
          ((rseq - isn) & 0xFFFFFFFF, len(dups), third, rtime,
           rtime - third, flight))
    return 0


if __name__ == "__main__":
    sys.exit(main())
