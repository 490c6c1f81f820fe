#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Socket-side helpers for the send-path tests (send_*.sh).

An AF_XTCP socket is an ordinary stream socket to Python except for
connect(): CPython does not know the family's address format, so the
sockaddr_in is handed to libc's connect() through ctypes. Everything
else (send, setsockopt, getsockopt, poll) works on it as on TCP.

  send_sock.py client FAMILY ADDR PORT SCRIPT
      run SCRIPT, ';'-separated steps (a "connect" step first unless
      SCRIPT places it, so options can be set before it):
        connect  nodelay=0|1  cork=0|1  sndbuf=N  sndtimeo=MS  maxseg=N
        nonblock=0|1  write=COUNTxSIZE[/more|/eor][@GAPMS]  sleep=MS
        mark=NAME (prints "mark NAME <time>")  info (prints TCP_INFO)
        fill (non-blocking writes until EAGAIN; prints bytes)
        pollout=MS (prints how long until POLLOUT, or timeout)
        bigwrite=N (one blocking send of N bytes; prints its return or
                    errno)  lowat=N (TCP_NOTSENT_LOWAT)
        outq (prints SIOCOUTQ and SIOCOUTQNSD)  getsndbuf (SO_SNDBUF)
        writeerr (a 1-byte send that should fail: prints its errno)
        usertimeout=MS  touch=PATH  waitfile=PATH (until it exists)
        waiterr=MS (waits for POLLERR/POLLHUP; prints SO_ERROR and time)
        cc=NAME (TCP_CONGESTION)  getcc (prints it)
        bulk=SECS@MS[/AT+LEN] (sends for SECS from a thread; prints
                      "cw <t> <cwnd> <ssthresh> <ca_state> <rtt_us>
                      <unacked> <notsent_bytes> <sndbuf>" every MS; with /AT+LEN the writer
                      stops writing from AT for LEN seconds)
        readall (reads until EOF or an error; prints "read <bytes> eof"
                 or "read <bytes> <ERRNO>")
        shutdown  close
      prints "ok" at the end; any failed step exits 1.
  send_sock.py acceptor FAMILY PORT SCRIPT
      listen on PORT, accept one connection and run SCRIPT's steps
      (those of client, but connect) on it.
  send_sock.py server FAMILY PORT [STEPS]
      accept one connection and read until EOF (STEPS: pause=MS, read
      nothing for MS first; rcvbuf=N, set on the listener; lowat=N,
      SO_RCVLOWAT on the accepted socket), print "recv N".
"""

import ctypes
import errno
import fcntl
import os
import select
import socket
import struct
import sys
import threading
import time

TCP_NOTSENT_LOWAT = 25
SIOCOUTQ = 0x5411
SIOCOUTQNSD = 0x894B
TCP_INFO_FMT = "BBBBBBBBIIIIIIIIIIIIIIIIIIIIIIIIQQQQIIIIIIQQQQIIQQ"
TCP_INFO_NAMES = (
    "state ca_state retransmits probes backoff options wscale flags "
    "rto ato snd_mss rcv_mss unacked sacked lost retrans fackets "
    "last_data_sent last_ack_sent last_data_recv last_ack_recv "
    "pmtu rcv_ssthresh rtt rttvar snd_ssthresh snd_cwnd advmss reordering "
    "rcv_rtt rcv_space total_retrans "
    "pacing_rate max_pacing_rate bytes_acked bytes_received "
    "segs_out segs_in notsent_bytes min_rtt data_segs_in data_segs_out "
    "delivery_rate busy_time rwnd_limited sndbuf_limited "
    "delivered delivered_ce bytes_sent bytes_retrans").split()


def family(name):
    if name.upper() == "TCP":
        return socket.AF_INET
    with open("/sys/module/xtcp/parameters/family") as f:
        return int(f.read())


def _sin_call(fn, s, addr, port):
    libc = ctypes.CDLL(None, use_errno=True)
    sin = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(port),
                      socket.inet_aton(addr))
    buf = ctypes.create_string_buffer(sin, len(sin))
    if getattr(libc, fn)(s.fileno(), buf, len(sin)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def xconnect(s, addr, port):
    _sin_call("connect", s, addr, port)


def xbind(s, addr, port):
    """bind() for either family (CPython parses no AF_XTCP address)."""
    _sin_call("bind", s, addr, port)


def xaccept(ls):
    """accept() for either family: the connection as a socket object."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.accept(ls.fileno(), None, None)
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return socket.socket(fileno=fd)


def wait_for(cond, what, secs=20):
    """Poll COND until it holds; TimeoutError(WHAT) after SECS."""
    deadline = time.time() + secs
    while not cond():
        if time.time() > deadline:
            raise TimeoutError(what)
        time.sleep(0.002)


def wait_file(path, secs=20):
    """Wait until another process creates PATH (its signal)."""
    wait_for(lambda: os.path.exists(path), "timeout waiting for " + path,
             secs)


def tcp_info(s):
    raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    size = struct.calcsize(TCP_INFO_FMT)
    raw = raw.ljust(size, b"\0")[:size]
    return dict(zip(TCP_INFO_NAMES, struct.unpack(TCP_INFO_FMT, raw)))


def out(*a):
    print(*a, flush=True)


def client(fam, addr, port, script):
    return run_steps(socket.socket(family(fam), socket.SOCK_STREAM, 0),
                     fam, addr, port, script)


def accept_one(fam, port, rcvbuf=None):
    """One connection accepted on PORT, for either family (SO_RCVBUF on
    the listener first, if given, so the connection inherits it)."""
    ls = socket.socket(family(fam), socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf is not None:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    xbind(ls, "0.0.0.0", port)
    ls.listen(1)
    c = xaccept(ls)
    ls.close()
    return c


def acceptor(fam, port, script):
    """Accept one connection on FAMILY and run SCRIPT's steps on it."""
    return run_steps(accept_one(fam, port), fam, None, port, script)


def run_steps(s, fam, addr, port, script):
    for step in script.split(";"):
        if "=" in step:
            key, val = step.split("=", 1)
        else:
            key, val = step, ""
        if key == "maxseg":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(val))
        elif key == "connect":
            if fam.upper() == "TCP":
                s.connect((addr, port))
            else:
                xconnect(s, addr, port)
        elif key == "nodelay":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(val))
        elif key == "cork":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, int(val))
        elif key == "sndbuf":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(val))
        elif key == "sndtimeo":
            ms = int(val)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                         struct.pack("ll", ms // 1000, (ms % 1000) * 1000))
        elif key == "nonblock":
            s.setblocking(not int(val))
        elif key == "write":
            gap = 0
            if "@" in val:
                val, g = val.split("@")
                gap = int(g) / 1000
            flags = 0
            if val.endswith("/more"):
                flags, val = socket.MSG_MORE, val[:-len("/more")]
            elif val.endswith("/eor"):
                flags, val = socket.MSG_EOR, val[:-len("/eor")]
            count, size = (int(x) for x in val.split("x"))
            for _ in range(count):
                n = s.send(b"x" * size, flags)
                if n != size:
                    out("short write", n)
                    return 1
                if gap:
                    time.sleep(gap)
        elif key == "sleep":
            time.sleep(int(val) / 1000)
        elif key == "mark":
            out("mark", val, "%.6f" % time.time())
        elif key == "info":
            i = tcp_info(s)
            out("info", " ".join("%s=%d" % (k, i[k]) for k in TCP_INFO_NAMES))
        elif key == "fill":
            total = 0
            chunk = b"y" * 4096
            while True:
                try:
                    total += s.send(chunk, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
            out("filled", total)
        elif key == "pollout":
            p = select.poll()
            p.register(s, select.POLLOUT)
            t0 = time.time()
            ev = p.poll(int(val))
            out("pollout", "%.3f" % (time.time() - t0) if ev else "timeout")
        elif key == "bigwrite":
            t0 = time.time()
            try:
                n = s.send(b"z" * int(val))
                out("bigwrite", n, "%.3f" % (time.time() - t0))
            except OSError as e:
                out("bigwrite", "errno", errno.errorcode.get(e.errno, e.errno),
                    "%.3f" % (time.time() - t0))
        elif key == "lowat":
            s.setsockopt(socket.IPPROTO_TCP, TCP_NOTSENT_LOWAT, int(val))
        elif key == "getsndbuf":
            out("sndbuf", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
        elif key == "outq":
            q = fcntl.ioctl(s.fileno(), SIOCOUTQ, b"\0" * 4)
            nsd = fcntl.ioctl(s.fileno(), SIOCOUTQNSD, b"\0" * 4)
            out("outq", struct.unpack("i", q)[0], struct.unpack("i", nsd)[0])
        elif key == "writeerr":
            try:
                n = s.send(b"w")
                out("writeerr", "none", n)
            except OSError as e:
                out("writeerr", errno.errorcode.get(e.errno, e.errno))
        elif key == "usertimeout":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, int(val))
        elif key == "touch":
            open(val, "w").close()
        elif key == "waitfile":
            try:
                wait_file(val, 30)
            except TimeoutError:
                out("waitfile timeout", val)
                return 1
        elif key == "waiterr":
            p = select.poll()
            p.register(s, select.POLLERR | select.POLLHUP)
            t0 = time.time()
            ev = p.poll(int(val))
            e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            out("err", errno.errorcode.get(e, e) if ev else "timeout",
                "%.3f" % (time.time() - t0))
        elif key == "cc":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION,
                         val.encode())
        elif key == "getcc":
            name = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
            out("cc", name.rstrip(b"\0").decode())
        elif key == "bulk":
            val, _, pause = val.partition("/")
            secs, ms = (float(x) for x in val.split("@"))
            p_at, p_len = (float(x) for x in (pause or "0+0").split("+"))
            start = time.time()
            stop = start + secs
            sent = [0]

            def writer():
                chunk = b"b" * 65536
                while time.time() < stop:
                    now = time.time() - start
                    if p_at <= now < p_at + p_len:
                        time.sleep(p_at + p_len - now)
                        continue
                    sent[0] += s.send(chunk)
            th = threading.Thread(target=writer)
            t0 = time.time()
            th.start()
            while th.is_alive():
                i = tcp_info(s)
                out("cw %.3f %d %d %d %d %d %d %d" % (
                    time.time() - t0, i["snd_cwnd"], i["snd_ssthresh"],
                    i["ca_state"], i["rtt"], i["unacked"],
                    i["notsent_bytes"],
                    s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)))
                time.sleep(ms / 1000)
            th.join()
            out("bulk", sent[0])
        elif key == "readall":
            total, end = 0, "eof"
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    total += len(b)
            except OSError as e:
                end = errno.errorcode.get(e.errno, str(e.errno))
            out("read", total, end)
        elif key == "shutdown":
            s.shutdown(socket.SHUT_WR)
        elif key == "close":
            s.close()
        else:
            out("unknown step", step)
            return 1
    out("ok")
    return 0


def server(fam, port, steps):
    opts = dict(x.split("=", 1) for x in steps.split(";") if "=" in x)
    c = accept_one(fam, port,
                   int(opts["rcvbuf"]) if "rcvbuf" in opts else None)
    if "lowat" in opts:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, int(opts["lowat"]))
    if "pause" in opts:
        time.sleep(int(opts["pause"]) / 1000)
    total = 0
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        total += len(d)
    out("recv", total)
    return 0


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "client":
        script = sys.argv[5] if len(sys.argv) > 5 else ""
        if "connect" not in script.split(";"):
            script = "connect;" + script
        return client(sys.argv[2], sys.argv[3], int(sys.argv[4]), script)
    if len(sys.argv) >= 5 and sys.argv[1] == "acceptor":
        return acceptor(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) >= 4 and sys.argv[1] == "server":
        return server(sys.argv[2], int(sys.argv[3]),
                      sys.argv[4] if len(sys.argv) > 4 else "")
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
