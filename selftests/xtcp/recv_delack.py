#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Request/response ends for recv_delack.sh.

  recv_delack.py server FAMILY PORT
      accept one connection; answer every byte with one byte until EOF;
      print "pure <segments without data this end sent>".
  recv_delack.py client FAMILY ADDR PORT COUNT THINK_MS
      COUNT times: send one byte, read the one-byte answer, wait
      THINK_MS; print "pure <segments without data this end sent>".

  recv_delack.py replay ADDR PORT COUNT DEV DIR
      a Linux TCP client: COUNT back-to-back transactions, each request
      captured as it leaves DEV (AF_PACKET); then, once DIR/go1 exists,
      sends the last request's frame again (the server already has that
      byte: old data) and prints "replayed"; closes once DIR/go2 exists.

Pure segments are TCP_INFO's segs_out less data_segs_out: the SYN or
SYN-ACK, the handshake's ACK, and every ACK not carried by data.
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from send_sock import (accept_one, family, tcp_info, wait_file,  # noqa: E402
                       xconnect)
from xtcp_pcap import ones_sum  # noqa: E402


def pure(s):
    i = tcp_info(s)
    return i["segs_out"] - i["data_segs_out"]


def server(fam, port):
    s = accept_one(fam, port)
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


def tcp_csum(ip):
    """The frame's TCP checksum, computed in full: a captured outgoing
    frame may carry only the pseudo-header sum (checksum offload)."""
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack("!H", ip[2:4])[0]
    seg = bytearray(ip[ihl:tot])
    seg[16:18] = b"\0\0"
    c = ones_sum(ip[12:20] + struct.pack("!BBH", 0, 6, len(seg)) + bytes(seg))
    seg[16:18] = struct.pack("!H", ~c & 0xffff)
    return ip[:ihl] + bytes(seg)


def replay(addr, port, count, dev, dirname):
    # Frames leaving the host reach ETH_P_ALL taps only.
    eth_p_all = 0x0003
    pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                       socket.htons(eth_p_all))
    pk.bind((dev, eth_p_all))
    pk.setblocking(False)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    s.connect((addr, port))
    lport = s.getsockname()[1]
    for _ in range(count):
        s.sendall(b"q")
        if s.recv(1) != b"r":
            sys.exit("short answer")
    last = None
    while True:
        try:
            frame, sa = pk.recvfrom(65536)
        except BlockingIOError:
            break
        if sa[2] != socket.PACKET_OUTGOING or len(frame) < 14 + 40:
            continue
        ip = frame[14:]
        if frame[12:14] != b"\x08\x00":
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 6:
            continue
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        doff = (ip[ihl + 12] >> 4) * 4
        if (sport, dport) == (lport, port) and tot > ihl + doff:
            last = frame[:14] + tcp_csum(ip)
    if last is None:
        sys.exit("no request captured")
    # Let the last answer's delayed ACK go out before the old data comes.
    time.sleep(0.3)
    print("ready", flush=True)
    wait_file(os.path.join(dirname, "go1"))
    pk.send(last)
    time.sleep(0.2)
    print("replayed", flush=True)
    wait_file(os.path.join(dirname, "go2"))
    s.close()


def main():
    if sys.argv[1] == "replay":
        replay(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5],
               sys.argv[6])
    elif sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
               int(sys.argv[6]))


if __name__ == "__main__":
    main()
