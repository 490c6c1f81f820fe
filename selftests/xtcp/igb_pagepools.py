#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""List the page pools of the current network namespace.

Dumps NETDEV_CMD_PAGE_POOL_GET over generic netlink (the "netdev" family,
as `ynl --family netdev --dump page-pool-get` would; ynl is not packaged in
Debian 12), one line per pool:

    id=7 ifindex=3 napi_id=8193 inflight=255 inflight_mem=1044480 detach_time=0

A pool whose netdev was unregistered while pages were still out moves to
the namespace's loopback device and gets a detach_time: that is a leak of
the driver that owned it. Exit status 0, or 1 on a netlink error.
"""

import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NETDEV_CMD_PAGE_POOL_GET = 5
POOL_ATTRS = {1: "id", 2: "ifindex", 3: "napi_id", 4: "inflight",
              5: "inflight_mem", 6: "detach_time"}


def attrs(buf):
    """Yield (type, payload) of the netlink attributes in buf."""
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("HH", buf, off)
        if alen < 4:
            break
        yield atype & 0x3fff, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def request(sock, family, cmd, flags, payload=b""):
    """Send one genetlink request, return the payloads of the replies."""
    seq = 1
    body = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | flags, seq, 0) + body)
    out = []
    while True:
        data = sock.recv(1 << 16)
        off = 0
        while off < len(data):
            mlen, mtype, _, _, _ = struct.unpack_from("IHHII", data, off)
            msg = data[off + 16:off + mlen]
            off += (mlen + 3) & ~3
            if mtype == NLMSG_DONE:
                return out
            if mtype == NLMSG_ERROR:
                err = struct.unpack_from("i", msg)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return out
            out.append(msg[4:])	# skip genlmsghdr


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    name = b"netdev\0"
    nattr = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    nattr += b"\0" * (-len(nattr) % 4)
    fam = None
    for msg in request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
                       nattr):
        for t, v in attrs(msg):
            if t == CTRL_ATTR_FAMILY_ID:
                fam = struct.unpack("H", v[:2])[0]
    if fam is None:
        print("no netdev genetlink family", file=sys.stderr)
        return 1
    for msg in request(sock, fam, NETDEV_CMD_PAGE_POOL_GET, NLM_F_DUMP):
        pool = {}
        for t, v in attrs(msg):
            if t in POOL_ATTRS:
                fmt = "I" if len(v) == 4 else "Q"
                pool[POOL_ATTRS[t]] = struct.unpack(fmt, v[:struct.calcsize(fmt)])[0]
        pool.setdefault("detach_time", 0)
        print(" ".join("%s=%d" % (k, pool.get(k, 0)) for k in
                       ("id", "ifindex", "napi_id", "inflight",
                        "inflight_mem", "detach_time")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print("netlink: %s" % e, file=sys.stderr)
        sys.exit(1)
