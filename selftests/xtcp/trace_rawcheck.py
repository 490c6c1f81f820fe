#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check one segment's journey in a raw tracefs text trace, independently
of tools/trace (which the tests also check): the stages must appear in
path order with consistent seq and lengths.

  trace_rawcheck.py TRACE SEQ [--igb] [--push]

SEQ is a data segment's absolute sequence number. Starting from the first
xtcp_transmit_skb of SEQ (its clone's address A, TCP length L, end_seq E):
  - an xtcp_sendmsg of the socket before it with end_seq >= E;
  - with --push: an xtcp_push after that sendmsg and before transmit_skb
    whose [snd_nxt, write_seq) holds the segment;
  - xtcp_write_xmit "sent" with seq=SEQ end_seq=E, before transmit_skb;
  - then, in order, xtcp_ip_queue_xmit, xtcp_ip_output, xtcp_neigh_output
    with skb=A and len L+20, net_dev_queue with skbaddr=A and len L+34;
  - with --igb: xtcp_igb:xmit skbaddr=A len=L+34, then an xtcp_igb:tx_clean
    of the same device and queue;
  - an xtcp_ack of the socket with ack >= E after the frame was sent.
Prints the lines it matched; exit 0 if all are there, 1 if not.
"""

import re
import sys

LINE = re.compile(r"\[(\d+)\]\s+\S*\s+(\d+\.\d+):\s+(\w+):\s(.*)$")


def kv(rest):
    return dict(re.findall(r"(\w+)=(\S+)", rest))


def main():
    path, seq = sys.argv[1], int(sys.argv[2], 0)
    igb = "--igb" in sys.argv
    ev = []
    with open(path) as f:
        for line in f:
            m = LINE.search(line)
            if m:
                ev.append((float(m.group(2)), int(m.group(1)), m.group(3),
                           kv(m.group(4)), m.group(4), line.rstrip()))
    ev.sort(key=lambda e: e[0])  # stable: file order on ties
    i0 = next((i for i, e in enumerate(ev) if e[2] == "xtcp_transmit_skb" and
               int(e[3]["seq"]) == seq and e[3]["end_seq"] != e[3]["seq"]),
              None)
    if i0 is None:
        print("no data xtcp_transmit_skb with seq=%d" % seq)
        return 1
    t = ev[i0]
    cookie, A = t[3]["cookie"], t[3]["skb"]
    L, E = int(t[3]["len"]), int(t[3]["end_seq"])
    ok = True
    found = []

    def mod(x):
        return x & 0xffffffff

    def geq(a, b):
        return mod(a - b) < (1 << 31)

    sm = [e for e in ev[:i0] if e[2] == "xtcp_sendmsg" and
          e[3]["cookie"] == cookie and geq(int(e[3]["end_seq"]), E)]
    if not sm:
        print("missing: xtcp_sendmsg queuing up to end_seq=%d" % E)
        ok = False
    else:
        found.append(sm[0])
    if "--push" in sys.argv:
        # The push decision that sent it: same task, between the queuing
        # and the transmission, with the segment in [snd_nxt, write_seq).
        ps = [e for e in ev[:i0] if e[2] == "xtcp_push" and
              e[3]["cookie"] == cookie and
              (not sm or e[0] >= sm[0][0]) and
              geq(seq, int(e[3]["snd_nxt"])) and
              geq(int(e[3]["write_seq"]), E)]
        if not ps:
            print("missing: xtcp_push with snd_nxt <= %d and write_seq >= %d"
                  % (seq, E))
            ok = False
        else:
            found.append(ps[-1])
    vs = [e for e in ev if e[2] == "xtcp_write_xmit" and
          e[3]["cookie"] == cookie and int(e[3]["seq"]) == seq and
          int(e[3]["end_seq"]) == E and " sent " in e[4]]
    before = [e for e in vs if ev.index(e) < i0]
    if before:
        found.append(before[-1])
    else:
        print("missing: xtcp_write_xmit sent seq=%d end_seq=%d before "
              "transmit_skb" % (seq, E))
        ok = False
    found.append(t)
    chain = [("xtcp_ip_queue_xmit", "skb", L + 20),
             ("xtcp_ip_output", "skb", L + 20),
             ("xtcp_neigh_output", "skb", L + 20),
             ("net_dev_queue", "skbaddr", L + 34)]
    if igb:
        chain.append(("xmit", "skbaddr", L + 34))
    i = i0
    for name, key, ln in chain:
        j = next((k for k in range(i + 1, len(ev)) if ev[k][2] == name and
                  ev[k][3].get(key) == A), None)
        if j is None:
            print("missing: %s %s=%s after the previous stage" % (name, key, A))
            ok = False
            break
        if int(ev[j][3]["len"]) != ln:
            print("bad len at %s: %s, want %d" % (name, ev[j][3]["len"], ln))
            ok = False
        found.append(ev[j])
        i = j
    if ok and igb:
        x = ev[i][3]
        j = next((k for k in range(i + 1, len(ev)) if ev[k][2] == "tx_clean"
                  and ev[k][3]["dev"] == x["dev"] and
                  ev[k][3]["queue"] == x["queue"]), None)
        if j is None:
            print("missing: tx_clean of %s queue %s" % (x["dev"], x["queue"]))
            ok = False
        else:
            found.append(ev[j])
    if ok:
        j = next((k for k in range(i + 1, len(ev)) if ev[k][2] == "xtcp_ack"
                  and ev[k][3]["cookie"] == cookie and
                  geq(int(ev[k][3]["ack"]), E)), None)
        if j is None:
            print("missing: xtcp_ack with ack >= %d" % E)
            ok = False
        else:
            found.append(ev[j])
    for e in found:
        print(e[5].strip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
