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
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
