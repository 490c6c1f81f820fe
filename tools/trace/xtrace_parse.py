# SPDX-License-Identifier: GPL-2.0
"""Parse a tracefs text trace and link events into segment journeys.

How a segment is followed (see docs/send-path.md):
  - xtcp:xtcp_transmit_skb names the segment (cookie, seq, end_seq) and
    the address of the clone that goes down the stack;
  - xtcp:xtcp_ip_*, xtcp:xtcp_neigh_output, net:net_dev_* and
    xtcp_igb:xmit carry that clone's address. An skb cannot be freed and
    its address reused before its last stage ran, so the latest
    transmit_skb with that address is the segment's;
  - xtcp_igb:tx_clean lists the addresses of the frames it completed
    (skbaddrs); a driver without that list is followed as a FIFO: the
    frames of xtcp_igb:xmit are popped per (device, queue) in order,
    "budget_used" frames per clean;
  - xtcp:xtcp_sendmsg tells when the segment's last byte was queued
    (first event of the socket whose end_seq reaches the segment's);
  - xtcp:xtcp_write_xmit "sent" has the queued skb's seq/end_seq;
  - xtcp:xtcp_ack is the first ACK at or above end_seq.
"""

import bisect
import re

LINE_RE = re.compile(r"^(?P<task>.*?)\s+\[(?P<cpu>\d+)\]\s+(?:(?P<flags>\S+)\s+)?"
                     r"(?P<ts>\d+\.\d+):\s+(?P<event>\w+):\s?(?P<rest>.*)$")
KV_RE = re.compile(r"(\w+)=(\S+)")
TUPLE_RE = re.compile(r"(\d+\.\d+\.\d+\.\d+):(\d+)->(\d+\.\d+\.\d+\.\d+):(\d+)")
REASON_RE = re.compile(r"snd_wnd=\d+ (\S+) skb=")
STATE_RE = re.compile(r"(\w+) -> (\w+)\s*$")
BUDGET_RE = re.compile(r"budget=(\d+)/(\d+)")
SKBS_RE = re.compile(r"skbaddrs=\{([^}]*)\}")

# Stages in path order, with the event that marks each.
STAGES = [
    ("sendmsg", "xtcp_sendmsg"),
    ("push", "xtcp_push"),
    ("write_xmit", "xtcp_write_xmit"),
    ("transmit_skb", "xtcp_transmit_skb"),
    ("ip_queue_xmit", "xtcp_ip_queue_xmit"),
    ("ip_output", "xtcp_ip_output"),
    ("neigh_output", "xtcp_neigh_output"),
    ("dev_queue_xmit", "net_dev_queue"),
    ("dev_start_xmit", "net_dev_start_xmit"),
    ("driver_xmit", "xmit"),
    ("tx_clean", "tx_clean"),
    ("acked", "xtcp_ack"),
]
STAGE_NAMES = [s for s, _ in STAGES]
STAGE_EVENT = dict(STAGES)

# Events that follow the clone skb by address.
SKB_STAGES = {
    "xtcp_ip_queue_xmit": "ip_queue_xmit",
    "xtcp_ip_output": "ip_output",
    "xtcp_neigh_output": "neigh_output",
    "net_dev_queue": "dev_queue_xmit",
    "net_dev_start_xmit": "dev_start_xmit",
    "xmit": "driver_xmit",
}

TCPHDR_FIN = 0x01
TCPHDR_SYN = 0x02


class Event:
    __slots__ = ("idx", "ts", "cpu", "pid", "name", "f", "line")

    def __init__(self, idx, ts, cpu, pid, name, f, line):
        self.idx, self.ts, self.cpu, self.pid = idx, ts, cpu, pid
        self.name, self.f, self.line = name, f, line


def _num(v):
    try:
        return int(v, 0)
    except ValueError:
        return v


def parse_line(idx, line):
    m = LINE_RE.match(line)
    if not m:
        return None
    rest = m.group("rest")
    f = {}
    for k, v in KV_RE.findall(rest):
        f[k] = _num(v) if k not in ("dev", "name") else v
    if "skbaddr" in f:
        f["skb"] = f.pop("skbaddr")
    t = TUPLE_RE.search(rest)
    if t:
        f["saddr"], f["sport"], f["daddr"], f["dport"] = \
            t.group(1), int(t.group(2)), t.group(3), int(t.group(4))
    name = m.group("event")
    if name == "xtcp_write_xmit":
        r = REASON_RE.search(rest)
        f["reason"] = r.group(1) if r else "?"
    elif name == "xtcp_state":
        s = STATE_RE.search(rest)
        if s:
            f["old"], f["new"] = s.group(1), s.group(2)
    elif name == "tx_clean":
        b = BUDGET_RE.search(rest)
        if b:
            f["frames"] = int(b.group(1))
        a = SKBS_RE.search(rest)
        if a:
            # as %p prints them with hash-ptr off: 16 hex digits, no 0x
            f["skbs"] = ["%016x" % int(x, 16)
                         for x in a.group(1).split(",") if x.strip()]
    task = m.group("task").strip()
    pid = task.rsplit("-", 1)[-1]
    return Event(idx, float(m.group("ts")), int(m.group("cpu")),
                 int(pid) if pid.isdigit() else -1, name, f, line.rstrip("\n"))


def read_trace(path):
    events = []
    with open(path, errors="replace") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            e = parse_line(len(events), line)
            if e:
                events.append(e)
    # tracefs merges the per-CPU buffers by time; keep that, ties in
    # file order.
    events.sort(key=lambda e: (e.ts, e.idx))
    return events


class Tx:
    """One transmission of one segment (xtcp_transmit_skb onwards)."""

    def __init__(self, ev, seq, end):
        self.cookie = ev.f.get("cookie")
        self.seq_abs = ev.f.get("seq")
        self.seq, self.end = seq, end
        self.skb = ev.f.get("skb")
        self.tcp_len = ev.f.get("len", 0)
        self.flags = ev.f.get("flags", 0)
        self.tuple = (ev.f.get("saddr"), ev.f.get("sport"),
                      ev.f.get("daddr"), ev.f.get("dport"))
        self.stages = {"transmit_skb": ev}
        self.lens = {"transmit_skb": self.tcp_len}
        self.retrans = False
        self.data = self.payload > 0

    @property
    def payload(self):
        """Data bytes: SYN and FIN take a sequence number each."""
        return (self.end - self.seq - bool(self.flags & TCPHDR_SYN) -
                bool(self.flags & TCPHDR_FIN))

    def ts(self, stage):
        e = self.stages.get(stage)
        return e.ts if e else None

    def order_violations(self):
        """Pairs of present stages whose times run backwards. The ACK is
        only held against the frame reaching the driver: TX clean runs
        when the NIC's interrupt comes, which may be after the ACK.
        """
        bad = []
        prev = None
        for s in STAGE_NAMES:
            e = self.stages.get(s)
            if not e or s == "acked":
                continue
            if prev and e.ts < prev[1].ts:
                bad.append((prev[0], s))
            prev = (s, e)
        ack = self.stages.get("acked")
        low = self.stages.get("driver_xmit") or self.stages["transmit_skb"]
        if ack and ack.ts < low.ts:
            bad.append(("driver_xmit", "acked"))
        return bad


class Seqspace:
    """Relative sequence numbers per socket (wrap-safe around a base)."""

    def __init__(self):
        self.base = {}

    def rel(self, cookie, s):
        b = self.base.setdefault(cookie, s)
        d = (s - b) & 0xffffffff
        return d - (1 << 32) if d >= (1 << 31) else d


class Trace:
    def __init__(self, events):
        self.events = events
        self.counts = {}
        self.txs = []
        self.holds = []
        self.sent_verdicts = []
        self.retrans_events = []
        self.states = []
        self.acks = {}
        self.sendmsgs = {}
        self.cookies = {}
        self.unlinked = {}
        self.space = Seqspace()
        self._link()

    def _unlinked(self, name):
        self.unlinked[name] = self.unlinked.get(name, 0) + 1

    def _link(self):
        rel = self.space.rel
        by_skb = {}
        fifo = {}
        last_push = {}
        sent_max = {}
        for ev in self.events:
            n, f = ev.name, ev.f
            self.counts[n] = self.counts.get(n, 0) + 1
            c = f.get("cookie")
            if c is not None and f.get("sport"):
                self.cookies[c] = (f["saddr"], f["sport"], f["daddr"],
                                   f["dport"])
            if n == "xtcp_sendmsg":
                self.sendmsgs.setdefault(c, []).append(
                    (ev.ts, rel(c, f["end_seq"]), ev))
                last_push.pop(c, None)
            elif n == "xtcp_push":
                last_push[c] = ev
            elif n == "xtcp_write_xmit":
                if f.get("reason") == "sent":
                    self.sent_verdicts.append(ev)
                else:
                    self.holds.append(ev)
                    last_push.pop(c, None)
            elif n == "xtcp_transmit_skb":
                seq, end = rel(c, f["seq"]), rel(c, f["end_seq"])
                tx = Tx(ev, seq, end)
                if tx.data:
                    tx.retrans = end <= sent_max.get(c, -(1 << 40))
                    sent_max[c] = max(sent_max.get(c, end), end)
                p = last_push.get(c)
                if p is not None and p.pid == ev.pid:
                    tx.stages["push"] = p
                self.txs.append(tx)
                by_skb[tx.skb] = tx
            elif n in SKB_STAGES:
                tx = by_skb.get(f.get("skb"))
                if n == "xmit":
                    key = (f.get("dev"), f.get("queue"))
                    fifo.setdefault(key, []).append(tx)
                if tx is None or (c is not None and c != tx.cookie):
                    self._unlinked(n)
                    continue
                st = SKB_STAGES[n]
                if st not in tx.stages:
                    tx.stages[st] = ev
                    tx.lens[st] = f.get("len")
            elif n == "tx_clean":
                q = fifo.get((f.get("dev"), f.get("queue")), [])
                if f.get("skbs"):
                    done = [by_skb.get(a) for a in f["skbs"]]
                    q[:] = [t for t in q if t not in done]
                else:
                    k = f.get("frames", 0)
                    done, q[:] = q[:k], q[k:]
                for tx in done:
                    if tx is not None and "tx_clean" not in tx.stages:
                        tx.stages["tx_clean"] = ev
            elif n == "xtcp_ack":
                self.acks.setdefault(c, []).append(
                    (ev.ts, rel(c, f["ack"]), ev))
                last_push.pop(c, None)
            elif n == "xtcp_retransmit":
                self.retrans_events.append(ev)
                for tx in reversed(self.txs[-64:]):
                    if tx.cookie == c and tx.seq_abs == f.get("seq"):
                        tx.retrans = True
                        break
            elif n == "xtcp_state":
                self.states.append(ev)
        self._link_sendmsg()
        self._link_verdicts()
        self._link_acks()

    def _link_sendmsg(self):
        for c, lst in self.sendmsgs.items():
            ends, run = [], None
            for _, e, _ in lst:
                run = e if run is None else max(run, e)
                ends.append(run)
            for tx in self.txs:
                if tx.cookie != c or not tx.data or tx.retrans:
                    continue
                i = bisect.bisect_left(ends, tx.end)
                if i < len(lst) and lst[i][0] <= tx.stages["transmit_skb"].ts:
                    tx.stages["sendmsg"] = lst[i][2]

    def _link_verdicts(self):
        # The "sent" verdict carries the queued skb's seq/end_seq; take
        # the one nearest in time to the transmission.
        by_key = {}
        for ev in self.sent_verdicts:
            k = (ev.f.get("cookie"), ev.f.get("seq"), ev.f.get("end_seq"))
            by_key.setdefault(k, []).append(ev)
        for tx in self.txs:
            k = (tx.cookie, tx.seq_abs,
                 tx.stages["transmit_skb"].f.get("end_seq"))
            cand = by_key.get(k)
            if not cand:
                continue
            t = tx.stages["transmit_skb"].ts
            best = min(cand, key=lambda e: abs(e.ts - t))
            tx.stages["write_xmit"] = best

    def _link_acks(self):
        for c, lst in self.acks.items():
            ts = [a[0] for a in lst]
            acks, run = [], None
            for _, a, _ in lst:
                run = a if run is None else max(run, a)
                acks.append(run)
            for tx in self.txs:
                if tx.cookie != c or tx.end == tx.seq:
                    continue
                t = tx.stages["transmit_skb"].ts
                i = max(bisect.bisect_left(ts, t),
                        bisect.bisect_left(acks, tx.end))
                if i < len(lst):
                    tx.stages["acked"] = lst[i][2]

    def data_txs(self):
        return [t for t in self.txs if t.data]

    def hold_summary(self):
        """Per reason: events, distinct held segments, and how long each
        held segment waited from its first hold until transmit_skb."""
        first = {}
        for ev in self.holds:
            c = ev.f.get("cookie")
            k = (c, ev.f.get("seq"))
            if k not in first:
                first[k] = ev
        tx_at = {}
        for tx in self.txs:
            if tx.data and not tx.retrans:
                tx_at.setdefault((tx.cookie, tx.seq_abs),
                                 tx.stages["transmit_skb"].ts)
        out = {}
        for ev in self.holds:
            r = ev.f["reason"]
            d = out.setdefault(r, {"events": 0, "segments": 0, "waits": []})
            d["events"] += 1
        for k, ev in first.items():
            d = out[ev.f["reason"]]
            d["segments"] += 1
            t = tx_at.get(k)
            if t is not None and t >= ev.ts:
                d["waits"].append(t - ev.ts)
        return out
