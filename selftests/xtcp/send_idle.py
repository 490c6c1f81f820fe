#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Congestion window before and after an idle gap (send_idle.sh).

  send_idle.py FAMILY ADDR PORT BULK_BYTES IDLE_MS

Connects, sends BULK_BYTES (the window grows), waits until all of it is
acknowledged and prints "before <snd_cwnd> <snd_ssthresh>", stays idle
for IDLE_MS, writes one byte and prints "after <snd_cwnd> <snd_ssthresh>"
as TCP_INFO reports them right after that write.

  send_idle.py zwin FAMILY ADDR PORT BULK_BYTES QUEUE_BYTES PAUSE_MS DIR
  send_idle.py zrecv PORT RCVBUF DIR     (the peer, started first)

The peer's window closes and reopens with data queued: the sender has
data but may not send it, which is neither idle nor cwnd limited. The
sender sends BULK_BYTES to a receiver that reads them (the window grows)
and waits until they are acknowledged; then it touches DIR/stop, the
receiver stops reading, and QUEUE_BYTES more fill the receiver's
buffer. Once the window is closed (all sent data acknowledged, the rest
queued), it prints "before <snd_cwnd> <snd_ssthresh> <rto_us>", waits
PAUSE_MS and touches DIR/reopen: the receiver reads RCVBUF bytes (half
the buffer the kernel gives it; less may not reopen the window, as
__tcp_select_window avoids small ones) and the window opens again.
When that data is acknowledged and the window is closed again, it
prints "after <snd_cwnd> <snd_ssthresh> <segments>" (the segments the
reopened window took), touches DIR/drain (the receiver
reads the rest, to EOF) and closes. No write waits for send buffer space:
the sender is never the limit (SO_SNDBUF is twice QUEUE_BYTES and the
second write is non-blocking; a short one fails the run).
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import (accept_one, family, tcp_info, wait_file,  # noqa: E402
                       wait_for, xconnect)


def window_closed(s):
    """All sent data acknowledged, more queued: the peer's window is shut."""
    i = tcp_info(s)
    return not i["unacked"] and i["notsent_bytes"] > 0


def bulk_sent(fam, addr, port, bulk, sndbuf=None):
    """A connection that has sent BULK bytes, all acknowledged (cwnd grew)."""
    s = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if fam.upper() == "TCP":
        s.connect((addr, int(port)))
    else:
        xconnect(s, addr, int(port))
    s.sendall(b"b" * int(bulk))
    wait_for(lambda: not tcp_info(s)["unacked"], "data still unacknowledged")
    return s


def zwin(fam, addr, port, bulk, queue, pause_ms, d):
    queue = int(queue)
    s = bulk_sent(fam, addr, port, bulk, 2 * queue)
    open(os.path.join(d, "stop"), "w").close()
    time.sleep(0.05)
    n = s.send(b"q" * queue, socket.MSG_DONTWAIT)
    if n != queue:
        print("the queue did not fit the send buffer:", n, flush=True)
        return 1
    wait_for(lambda: window_closed(s), "the window did not close")
    i = tcp_info(s)
    print("before", i["snd_cwnd"], i["snd_ssthresh"], i["rto"], flush=True)
    acked = i["bytes_acked"]
    time.sleep(int(pause_ms) / 1000)
    open(os.path.join(d, "reopen"), "w").close()
    wait_for(lambda: tcp_info(s)["bytes_acked"] > acked, "no data after reopen")
    wait_for(lambda: window_closed(s), "the window did not close again")
    i = tcp_info(s)
    # Segments, not full ones: the reopened window may end in a short one.
    mss = i["snd_mss"]
    print("after", i["snd_cwnd"], i["snd_ssthresh"],
          (i["bytes_acked"] - acked + mss - 1) // mss, flush=True)
    open(os.path.join(d, "drain"), "w").close()
    s.close()
    return 0


def zrecv(port, rcvbuf, d):
    c = accept_one("TCP", int(port), int(rcvbuf))
    c.settimeout(0.01)
    total = 0
    while not os.path.exists(os.path.join(d, "stop")):
        try:
            b = c.recv(65536)
        except socket.timeout:
            continue
        if not b:
            print("EOF before the window closed", flush=True)
            return 1
        total += len(b)
    wait_file(os.path.join(d, "reopen"), 60)
    want = total + int(rcvbuf)
    c.settimeout(20)
    while total < want:
        total += len(c.recv(want - total))
    wait_file(os.path.join(d, "drain"), 60)
    while True:
        b = c.recv(65536)
        if not b:
            break
        total += len(b)
    print("recv", total, flush=True)
    return 0


def main():
    if sys.argv[1] == "zwin":
        return zwin(*sys.argv[2:9])
    if sys.argv[1] == "zrecv":
        return zrecv(*sys.argv[2:5])
    fam, addr, port, bulk, idle_ms = sys.argv[1:6]
    s = bulk_sent(fam, addr, port, bulk)
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
