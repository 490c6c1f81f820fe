#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forward QEMU monitor commands from the guest to QEMU and send replies back.

The guest writes one human-monitor command line on the virtio-serial port
xvm.ctl; the bridge runs it through QMP's human-monitor-command and writes
the reply back, followed by a line holding only "--xvm-end--".
"""
import json
import os
import socket
import sys
import time

END = b"--xvm-end--\n"


def connect(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


class Qmp:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.recv()  # greeting
        self.call("qmp_capabilities")

    def recv(self):
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                msg = json.loads(line)
                if "event" not in msg:
                    return msg
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def call(self, cmd, **args):
        self.sock.sendall(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n")
        return self.recv()


def main():
    ctl_path, qmp_path = sys.argv[1], sys.argv[2]
    deadline = time.time() + 60
    while not (os.path.exists(ctl_path) and os.path.exists(qmp_path)):
        if time.time() > deadline:
            return
        time.sleep(0.2)
    ctl = connect(ctl_path, deadline)
    qmp = Qmp(connect(qmp_path, deadline))
    buf = b""
    while True:
        chunk = ctl.recv(4096)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip().decode(errors="replace")
            if not line:
                continue
            reply = qmp.call("human-monitor-command", **{"command-line": line})
            if "error" in reply:
                text = "error: " + reply["error"].get("desc", "")
            else:
                text = reply.get("return", "")
            text = text.replace("\r", "").rstrip("\n")
            ctl.sendall((text + "\n" if text else "").encode() + END)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, OSError, KeyboardInterrupt):
        pass
