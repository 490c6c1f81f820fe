#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receive buffer autotuning probe for recv_autotune.sh.

  recv_autotune.py server FAMILY PORT [RCVBUF]
      listen (with SO_RCVBUF = RCVBUF on the listener, if given; libc
      bind: CPython has no sockaddr format for AF_XTCP), accept one
      connection, read until EOF as fast as possible, then print
      "recv BYTES rcvbuf_start N rcvbuf_end M" (SO_RCVBUF of the
      accepted socket right after accept and at EOF).
  recv_autotune.py client ADDR PORT BYTES
      Linux TCP: send BYTES in 64 KiB writes, print "sent BYTES".
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import accept_one  # noqa: E402


def server(fam, port, rcvbuf):
    c = accept_one(fam, port, rcvbuf or None)
    start = c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    total = 0
    buf = bytearray(1 << 16)
    while True:
        n = c.recv_into(buf)
        if not n:
            break
        total += n
    end = c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    print("recv %d rcvbuf_start %d rcvbuf_end %d" % (total, start, end),
          flush=True)
    return 0


def client(addr, port, nbytes):
    s = socket.create_connection((addr, port), timeout=30)
    chunk = b"x" * (1 << 16)
    left = nbytes
    while left > 0:
        s.sendall(chunk[:min(left, len(chunk))])
        left -= min(left, len(chunk))
    s.close()
    print("sent %d" % nbytes, flush=True)
    return 0


def main():
    if len(sys.argv) in (4, 5) and sys.argv[1] == "server":
        return server(sys.argv[2], int(sys.argv[3]),
                      int(sys.argv[4]) if len(sys.argv) == 5 else 0)
    if len(sys.argv) == 5 and sys.argv[1] == "client":
        return client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
