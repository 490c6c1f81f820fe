#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Request/response ends for recv_steer.sh.

  recv_steer.py server PORT
      Linux TCP: accept connections until killed; answer every 16-byte
      request with 16 bytes until EOF, one thread per connection.
  recv_steer.py client FAMILY ADDR PORT PHASES
      one connection; PHASES is a comma-separated list of CPUs (or "-"
      for no pinning): for each, pin this thread there, run 20
      transactions, then print
      "phase <cpu> incoming_cpu <SO_INCOMING_CPU> napi_id <SO_INCOMING_NAPI_ID>".
  recv_steer.py accept FAMILY PORT
      accept one connection and, before any data, print
      "accepted incoming_cpu <SO_INCOMING_CPU> napi_id <SO_INCOMING_NAPI_ID>";
      close it.
  recv_steer.py connect ADDR PORT
      Linux TCP: connect, send nothing, read until EOF.
"""

import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import family, xaccept, xbind, xconnect  # noqa: E402

SO_INCOMING_CPU = 49
SO_INCOMING_NAPI_ID = 56
REQ = 16


def serve(c):
    with c:
        while len(req := c.recv(REQ, socket.MSG_WAITALL)) == REQ:
            c.sendall(req)


def server(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def steering(s):
    return (s.getsockopt(socket.SOL_SOCKET, SO_INCOMING_CPU),
            s.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID))


def accept(fam, port):
    ls = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    xbind(ls, "0.0.0.0", port)
    ls.listen(1)
    print("listening", flush=True)
    s = xaccept(ls)
    print("accepted incoming_cpu %d napi_id %d" % steering(s), flush=True)
    s.close()


def connect(addr, port):
    s = socket.create_connection((addr, port), timeout=20)
    while s.recv(64):
        pass


def client(fam, addr, port, phases):
    s = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    xconnect(s, addr, port)
    for phase in phases.split(","):
        if phase != "-":
            os.sched_setaffinity(0, {int(phase)})
        for i in range(20):
            s.sendall(bytes([i]) * REQ)
            if s.recv(REQ, socket.MSG_WAITALL) != bytes([i]) * REQ:
                sys.exit("short or wrong answer")
        print("phase %s incoming_cpu %d napi_id %d" % ((phase,) + steering(s)),
              flush=True)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    elif sys.argv[1] == "accept":
        accept(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "connect":
        connect(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
