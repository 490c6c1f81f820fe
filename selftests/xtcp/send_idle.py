#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Congestion window before and after an idle gap (send_idle.sh).

  send_idle.py FAMILY ADDR PORT BULK_BYTES IDLE_MS

Connects, sends BULK_BYTES (the window grows), waits until all of it is
acknowledged and prints "before <snd_cwnd> <snd_ssthresh>", stays idle
for IDLE_MS, writes one byte and prints "after <snd_cwnd> <snd_ssthresh>"
as TCP_INFO reports them right after that write.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import family, tcp_info, xconnect  # noqa: E402


def main():
    fam, addr, port, bulk, idle_ms = sys.argv[1:6]
    s = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if fam.upper() == "TCP":
        s.connect((addr, int(port)))
    else:
        xconnect(s, addr, int(port))
    s.sendall(b"b" * int(bulk))
    deadline = time.time() + 20
    while tcp_info(s)["unacked"]:
        if time.time() > deadline:
            print("data still unacknowledged")
            return 1
        time.sleep(0.005)
    i = tcp_info(s)
    print("before", i["snd_cwnd"], i["snd_ssthresh"], "rto_us", i["rto"],
          flush=True)
    time.sleep(int(idle_ms) / 1000)
    s.send(b"x")
    i = tcp_info(s)
    print("after", i["snd_cwnd"], i["snd_ssthresh"], flush=True)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
