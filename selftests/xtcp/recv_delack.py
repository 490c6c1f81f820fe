#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Request/response ends for recv_delack.sh.

  recv_delack.py server FAMILY PORT
      accept one connection; answer every byte with one byte until EOF;
      print "pure <segments without data this end sent>".
  recv_delack.py client FAMILY ADDR PORT COUNT THINK_MS
      COUNT times: send one byte, read the one-byte answer, wait
      THINK_MS; print "pure <segments without data this end sent>".

Pure segments are TCP_INFO's segs_out less data_segs_out: the SYN or
SYN-ACK, the handshake's ACK, and every ACK not carried by data.
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import family, tcp_info, xaccept, xbind, xconnect  # noqa: E402,E501


def pure(s):
    i = tcp_info(s)
    return i["segs_out"] - i["data_segs_out"]


def server(fam, port):
    ls = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    xbind(ls, "0.0.0.0", port)
    ls.listen(1)
    s = xaccept(ls)
    while s.recv(1):
        s.sendall(b"r")
    print("pure", pure(s), flush=True)
    s.close()


def client(fam, addr, port, count, think_ms):
    s = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    xconnect(s, addr, port)
    for _ in range(count):
        s.sendall(b"q")
        if s.recv(1) != b"r":
            sys.exit("short answer")
        if think_ms:
            time.sleep(think_ms / 1000)
    print("pure", pure(s), flush=True)
    s.close()


def main():
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
               int(sys.argv[6]))


if __name__ == "__main__":
    main()
