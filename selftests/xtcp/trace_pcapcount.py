#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count what a capture saw a TCP sender put on the wire.

  trace_pcapcount.py FILE.pcap SRC_IP

Prints "segments N retrans R probes P": every TCP segment from SRC_IP,
those that resend sequence space already sent (SYN and FIN count as one
each), and the probes: segments without data, SYN, FIN or RST whose
sequence number is one below what was sent (zero-window and keepalive
probes, as tcp_xmit_probe_skb() builds them).
The capture is on the sender's own link, in transmit order. Reads
classic pcap (tcpdump -w) with Ethernet or Linux cooked headers.
"""

import socket
import struct
import sys

from xtcp_pcap import ipv4_packets


def main():
    src = socket.inet_aton(sys.argv[2])
    segs = retrans = probes = 0
    max_end = {}
    for _, ip in ipv4_packets(sys.argv[1]):
        if ip[9] != 6 or ip[12:16] != src:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        length = tot - ihl - doff + bool(flags & 2) + bool(flags & 1)
        segs += 1
        key = (sport, ip[16:20], dport)
        m = max_end.get(key)
        if not length and not flags & 7 and m is not None and \
                seq == (m - 1) & 0xffffffff:
            probes += 1
        if length:
            m = max_end.get(key)
            # seq before what was already sent: a retransmission
            if m is not None and ((m - seq) & 0xffffffff) < (1 << 31) and m != seq:
                retrans += 1
            e = (seq + length) & 0xffffffff
            if m is None or ((e - m) & 0xffffffff) < (1 << 31):
                max_end[key] = e
    print("segments %d retrans %d probes %d" % (segs, retrans, probes))


if __name__ == "__main__":
    main()
