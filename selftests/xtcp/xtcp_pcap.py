# SPDX-License-Identifier: GPL-2.0
"""Read classic pcap files (tcpdump -w) for the xtcp selftests' checkers.

Only what the checkers need: the IPv4 packets of a capture taken on an
Ethernet link or on "any" (Linux cooked), with their timestamps.
"""

import struct

def ones_sum(data):
    """The folded 16-bit ones' complement sum of data (RFC 1071): 0xFFFF
    over a header whose checksum is right, ~sum is the checksum itself."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


# Link-layer header length and the offset of its EtherType, per link type.
_LINK = {1: (14, 12),      # DLT_EN10MB
         113: (16, 14)}    # DLT_LINUX_SLL


def ipv4_packets(path):
    """Yield (time, ip_bytes) for every IPv4 packet in the capture."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        linktype = struct.unpack(end + "I", hdr[20:24])[0]
        if linktype not in _LINK:
            raise ValueError("%s: unsupported link type %d" % (path, linktype))
        hlen, etype = _LINK[linktype]
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            sec, frac, incl, _ = struct.unpack(end + "IIII", ph)
            frame = f.read(incl)
            if struct.unpack("!H", frame[etype:etype + 2])[0] != 0x0800:
                continue
            yield sec + frac / (1e9 if nano else 1e6), frame[hlen:]
