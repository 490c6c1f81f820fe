#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sender and receiver for send_pacing.sh.

  send_pacing.py client FAMILY ADDR PORT BYTES RATE
      connect, set SO_MAX_PACING_RATE to RATE bytes/s (0: leave unset),
      send BYTES, print "info <pacing_rate> <max_pacing_rate> <min_rtt>
      <rtt>" from TCP_INFO (RTTs in us), close.
  send_pacing.py server PORT
      accept one TCP connection, read to EOF, print
      "recv <bytes> <seconds from the first byte to the last>".
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import family, tcp_info, xconnect  # noqa: E402

SO_MAX_PACING_RATE = 47


def client(fam, addr, port, nbytes, rate):
    s = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    if fam.upper() == "TCP":
        s.connect((addr, port))
    else:
        xconnect(s, addr, port)
    if rate:
        s.setsockopt(socket.SOL_SOCKET, SO_MAX_PACING_RATE, rate)
    s.sendall(b"p" * nbytes)
    i = tcp_info(s)
    print("info", i["pacing_rate"], i["max_pacing_rate"], i["min_rtt"],
          i["rtt"], flush=True)
    s.close()
    return 0


def server(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    c, _ = ls.accept()
    total = 0
    first = last = None
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        last = time.monotonic()
        if first is None:
            first = last
        total += len(d)
    print("recv", total, "%.4f" % ((last or 0) - (first or 0)), flush=True)
    return 0


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "client":
        return client(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                      int(sys.argv[5]), int(sys.argv[6]))
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        return server(int(sys.argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
