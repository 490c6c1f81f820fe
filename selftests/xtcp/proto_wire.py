#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what an xtcp endpoint put on the wire, from a classic pcap.

  proto_wire.py FILE.pcap SUT_IP MODE

Looks at every TCP segment from SUT_IP. MODE says what the peer offered:
  full  - the peer offered MSS, SACK-permitted, timestamps, window scale
  bare  - the peer offered only MSS (its sysctls turned the rest off)
  mss=N - like full, and no segment may carry more than N payload bytes

Checks: IPv4 header checksum and TCP checksum are right (the capture must
be of fully summed packets), DF set, TTL 64, the SYN offers MSS 1460,
SACK-permitted, timestamps and a window scale; later segments carry the
timestamp option only if negotiated, no payload exceeds the MSS, and the
window field is scaled as negotiated (never above 65535). Prints one
"fail: ..." line per problem and a summary; exits 1 on any failure.
"""

import socket
import struct
import sys

from xtcp_pcap import ipv4_packets, ones_sum as csum


def options(raw):
    out, i = {}, 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        ln = raw[i + 1]
        out[kind] = raw[i + 2:i + ln]
        i += ln
    return out


def main():
    path, sut, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    mss_limit = int(mode[4:]) if mode.startswith("mss=") else None
    fails, n, data_segs, ts_segs = [], 0, 0, 0
    syn_seen = False
    wscale = None

    def fail(msg):
        if len(fails) < 20:
            print("fail:", msg)
        fails.append(msg)

    for _, ip in ipv4_packets(path):
        if ip[9] != 6 or socket.inet_ntoa(ip[12:16]) != sut:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        ip, n = ip[:tot], n + 1
        if csum(ip[:ihl]) != 0xFFFF:
            fail("IP header checksum")
        if not struct.unpack("!H", ip[6:8])[0] & 0x4000:
            fail("DF not set")
        if ip[8] != 64:
            fail("TTL %d" % ip[8])
        tcp = ip[ihl:]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        if csum(pseudo + tcp) != 0xFFFF:
            fail("TCP checksum of segment %d" % n)
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        win = struct.unpack("!H", tcp[14:16])[0]
        opts = options(tcp[20:doff])
        payload = len(tcp) - doff
        if flags & 0x02:
            syn_seen = True
            if struct.unpack("!H", opts.get(2, b"\0\0"))[0] != (mss_limit or 1460):
                fail("SYN MSS %r" % opts.get(2))
            for kind, name in ((4, "SACK-permitted"), (8, "timestamps"),
                               (3, "window scale")):
                if mode == "bare" and flags & 0x10:
                    if kind in opts:
                        fail("SYN-ACK offers %s the peer did not" % name)
                elif kind not in opts:
                    fail("SYN lacks %s" % name)
            if 3 in opts:
                wscale = opts[3][0]
            continue
        if payload:
            data_segs += 1
            limit = mss_limit or 1460
            if 8 in opts:
                limit -= 12
            if payload > limit:
                fail("payload %d > %d" % (payload, limit))
        if 8 in opts:
            ts_segs += 1
        if 5 in opts and mode == "bare":
            fail("SACK blocks without SACK-permitted")
    if not syn_seen:
        fail("no SYN/SYN-ACK from %s" % sut)
    if mode == "bare" and ts_segs:
        fail("%d segments carry timestamps the peer refused" % ts_segs)
    if mode != "bare" and n > 1 and ts_segs < n - 1:
        fail("only %d of %d segments carry timestamps" % (ts_segs, n - 1))
    if data_segs == 0:
        fail("no data segments")
    print("segments %d data %d timestamps %d wscale %s fails %d" %
          (n, data_segs, ts_segs, wscale, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
