# SPDX-License-Identifier: GPL-2.0
"""Text summary of a linked trace: counts, latencies, waits, a journey."""

from xtrace_parse import STAGE_NAMES, STAGE_EVENT

# Spans measured for every segment, (name, from stage, to stage).
SPANS = [
    ("sendmsg -> transmit_skb", "sendmsg", "transmit_skb"),
    ("sendmsg -> dev_queue_xmit", "sendmsg", "dev_queue_xmit"),
    ("sendmsg -> driver xmit", "sendmsg", "driver_xmit"),
    ("sendmsg -> TX clean", "sendmsg", "tx_clean"),
    ("transmit_skb -> ACKed", "transmit_skb", "acked"),
]

# Hop by hop down the stack (for the picture too).
HOPS = [
    ("sendmsg", "transmit_skb"),
    ("transmit_skb", "ip_queue_xmit"),
    ("ip_queue_xmit", "ip_output"),
    ("ip_output", "neigh_output"),
    ("neigh_output", "dev_queue_xmit"),
    ("dev_queue_xmit", "dev_start_xmit"),
    ("dev_start_xmit", "driver_xmit"),
    ("dev_queue_xmit", "driver_xmit"),
    ("driver_xmit", "tx_clean"),
    ("transmit_skb", "acked"),
]

# What the igb wire must show for a segment to count as followed end to
# end (veth has no driver events of ours and no TX clean).
FULL_IGB = ["sendmsg", "write_xmit", "transmit_skb", "ip_queue_xmit",
            "ip_output", "neigh_output", "dev_queue_xmit", "driver_xmit",
            "tx_clean", "acked"]
FULL_ANY = ["sendmsg", "write_xmit", "transmit_skb", "ip_queue_xmit",
            "ip_output", "neigh_output", "dev_queue_xmit", "acked"]


def pct(vals, p):
    if not vals:
        return None
    s = sorted(vals)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def dist(vals_s):
    """Summary of a list of durations in seconds, reported in us."""
    v = [x * 1e6 for x in vals_s]
    if not v:
        return {"n": 0}
    return {"n": len(v), "min": min(v), "p50": pct(v, 50), "p90": pct(v, 90),
            "p99": pct(v, 99), "max": max(v), "mean": sum(v) / len(v)}


def span_values(txs, a, b, originals_only=True):
    out = []
    for t in txs:
        if originals_only and t.retrans:
            continue
        ea, eb = t.stages.get(a), t.stages.get(b)
        if ea and eb:
            out.append(eb.ts - ea.ts)
    return out


def hist_lines(vals_s, width=40):
    """log2 histogram in us, like bpftrace's hist()."""
    v = [max(0.0, x * 1e6) for x in vals_s]
    if not v:
        return []
    buckets = {}
    for x in v:
        b = 0
        while (1 << b) <= x:
            b += 1
        buckets[b] = buckets.get(b, 0) + 1
    top = max(buckets.values())
    lines = []
    for b in range(min(buckets), max(buckets) + 1):
        n = buckets.get(b, 0)
        lo = 0 if b == 0 else 1 << (b - 1)
        hi = 1 << b
        bar = "@" * (n * width // top if n else 0)
        lines.append("  [%6d, %6d) us %6d |%-*s|" % (lo, hi, n, width, bar))
    return lines


def fmt_us(x):
    return "-" if x is None else ("%.0f" % x if x >= 100 else "%.1f" % x)


def complete(tx, need):
    return all(s in tx.stages for s in need) and not tx.order_violations()


def pick_journey(tr, seq=None):
    txs = [t for t in tr.data_txs() if not t.retrans]
    if seq is not None:
        for t in txs:
            if seq in (t.seq, t.seq_abs):
                return t
        return None
    best = None
    for t in txs:
        score = (len(t.stages), "push" in t.stages)
        if best is None or score > best[0]:
            best = (score, t)
    return best[1] if best else None


def journey_lines(tx):
    out = []
    t0 = min(e.ts for e in tx.stages.values())
    prev = None
    out.append("segment cookie=%s seq=%u (rel %d) len=%d payload=%d%s"
               % (tx.cookie, tx.seq_abs, tx.seq, tx.tcp_len, tx.payload,
                  " RETRANSMIT" if tx.retrans else ""))
    order = sorted(tx.stages.items(), key=lambda kv: (kv[1].ts, kv[1].idx))
    for st, ev in order:
        d = "" if prev is None else "+%.1f" % ((ev.ts - prev) * 1e6)
        out.append("  %+10.1f us %8s  %-15s cpu%d %s"
                   % ((ev.ts - t0) * 1e6, d, st, ev.cpu,
                      ev.line.split(": ", 1)[-1][:150]))
        prev = ev.ts
    bad = tx.order_violations()
    if bad:
        out.append("  order: %s" % ", ".join("%s after %s" % (b, a)
                                             for a, b in bad))
    return out


def summary(tr, meta):
    """Everything the text and the picture show, as plain data."""
    txs = tr.data_txs()
    orig = [t for t in txs if not t.retrans]
    s = {"meta": meta, "counts": dict(tr.counts),
         "sockets": {str(c): "%s:%s->%s:%s" % v for c, v in tr.cookies.items()},
         "segments": len(txs), "originals": len(orig),
         "retransmissions": len(txs) - len(orig),
         "payload_bytes": sum(t.payload for t in orig),
         "retransmitted_all": sum(1 for t in tr.txs if t.retrans),
         "control_segments": len(tr.txs) - len(txs),
         "unlinked": tr.unlinked}
    s["stage_counts"] = {st: sum(1 for t in orig if st in t.stages)
                         for st in STAGE_NAMES}
    s["spans"] = {name: dist(span_values(txs, a, b)) for name, a, b in SPANS}
    s["hops"] = {"%s->%s" % (a, b): dist(span_values(txs, a, b))
                 for a, b in HOPS}
    holds = tr.hold_summary()
    s["holds"] = {r: {"events": d["events"], "segments": d["segments"],
                      "wait": dist(d["waits"])} for r, d in holds.items()}
    s["complete_igb"] = sum(1 for t in orig if complete(t, FULL_IGB))
    s["complete_any"] = sum(1 for t in orig if complete(t, FULL_ANY))
    s["with_all_igb_stages"] = sum(
        1 for t in orig if all(x in t.stages for x in FULL_IGB))
    viol = {}
    for t in orig:
        for a, b in t.order_violations():
            k = "%s after %s" % (b, a)
            viol[k] = viol.get(k, 0) + 1
    s["order_violations"] = viol
    # Length consistency down the stack for every linked segment.
    badlen = 0
    checked = 0
    for t in orig:
        ip = t.lens.get("ip_queue_xmit")
        if ip is None:
            continue
        checked += 1
        hdr = t.tcp_len - t.payload
        ok = 20 <= hdr <= 60 and ip == t.tcp_len + 20
        for st in ("ip_output", "neigh_output"):
            if st in t.lens:
                ok = ok and t.lens[st] == ip
        for st in ("dev_queue_xmit", "dev_start_xmit", "driver_xmit"):
            if st in t.lens:
                ok = ok and t.lens[st] == ip + 14
        badlen += not ok
    s["len_checked"] = checked
    s["len_mismatch"] = badlen
    s["retransmit_events"] = [
        {"ts": e.ts, "cookie": e.f.get("cookie"), "seq": e.f.get("seq"),
         "len": e.f.get("len"), "cause": e.f.get("cause", "?")}
        for e in tr.retrans_events]
    causes = {}
    for r in s["retransmit_events"]:
        causes[r["cause"]] = causes.get(r["cause"], 0) + 1
    s["retransmit_causes"] = causes
    # the neighbour's state as each packet met it (NUD_*)
    nud = {}
    for e in (e for e in tr.events if e.name == "xtcp_neigh_output"):
        k = e.f.get("nud", "?")
        nud[k] = nud.get(k, 0) + 1
    s["neigh_states"] = nud
    s["states"] = ["%s %s -> %s" % (e.f.get("cookie"), e.f.get("old"),
                                    e.f.get("new")) for e in tr.states]
    acks = [a for lst in tr.acks.values() for a in lst]
    s["acks"] = len(acks)
    if acks:
        last = max(acks, key=lambda a: a[0])[2].f
        s["last_ack"] = {k: last.get(k) for k in
                         ("cwnd", "ssthresh", "srtt_us", "rto_ms")}
    return s


def text(tr, s, journey):
    out = []
    m = s["meta"]
    out.append("xtcp send path, %s s recorded, buffer %s KiB/cpu, events lost: %s"
               % (m.get("duration_s", "?"), m.get("buffer_size_kb", "?"),
                  m.get("lost", "?")))
    for c, tup in s["sockets"].items():
        out.append("  socket cookie=%s %s" % (c, tup))
    out.append("")
    out.append("events per stage (path order)")
    seen = set()
    for st in STAGE_NAMES:
        ev = STAGE_EVENT[st]
        seen.add(ev)
        out.append("  %-16s %-22s %7d events  %6d segments"
                   % (st, ev, s["counts"].get(ev, 0), s["stage_counts"][st]))
    for ev in ("xtcp_retransmit", "xtcp_state", "net_dev_xmit"):
        out.append("  %-16s %-22s %7d events" % ("", ev, s["counts"].get(ev, 0)))
    out.append("  data segments %d (%d original, %d retransmitted), "
               "control segments %d"
               % (s["segments"], s["originals"], s["retransmissions"],
                  s["control_segments"]))
    out.append("  followed end to end in path order: %d on the igb path, "
               "%d to the device" % (s["complete_igb"], s["complete_any"]))
    if s["order_violations"]:
        for k, n in s["order_violations"].items():
            out.append("  out of path order: %s (%d segments)" % (k, n))
    if s["unlinked"]:
        out.append("  not xtcp's or not linked: %s" % ", ".join(
            "%s %d" % kv for kv in sorted(s["unlinked"].items())))
    out.append("")
    out.append("latency per segment (us)        n      min      p50      p90      p99      max")
    for name, _, _ in SPANS:
        d = s["spans"][name]
        out.append("  %-26s %6d %8s %8s %8s %8s %8s"
                   % (name, d["n"], fmt_us(d.get("min")), fmt_us(d.get("p50")),
                      fmt_us(d.get("p90")), fmt_us(d.get("p99")),
                      fmt_us(d.get("max"))))
    out.append("")
    out.append("hop by hop (us)")
    for k, d in s["hops"].items():
        out.append("  %-34s %6d  p50 %8s  p90 %8s" % (k, d["n"],
                   fmt_us(d.get("p50")), fmt_us(d.get("p90"))))
    for name, a, b in (SPANS[0], SPANS[-1]):
        vals = span_values(tr.data_txs(), a, b)
        if vals:
            out.append("")
            out.append("%s" % name)
            out.extend(hist_lines(vals))
    out.append("")
    out.append("why segments waited (write_xmit verdicts)")
    if not s["holds"]:
        out.append("  no segment was held")
    for r, d in sorted(s["holds"].items()):
        w = d["wait"]
        out.append("  %-10s %6d holds  %6d segments  wait p50 %s us  p90 %s us  max %s us"
                   % (r, d["events"], d["segments"], fmt_us(w.get("p50")),
                      fmt_us(w.get("p90")), fmt_us(w.get("max"))))
    out.append("")
    out.append("retransmissions: %d%s" % (
        len(s["retransmit_events"]),
        "".join(" %s=%d" % kv for kv in sorted(s["retransmit_causes"].items()))))
    for r in s["retransmit_events"][:10]:
        out.append("  %.6f cookie=%s seq=%s len=%s cause=%s"
                   % (r["ts"], r["cookie"], r["seq"], r["len"], r["cause"]))
    out.append("neighbour state at neigh_output: %s" % (
        " ".join("%s=%d" % kv for kv in sorted(s["neigh_states"].items())) or
        "-"))
    out.append("state changes:")
    for st in s["states"]:
        out.append("  cookie=%s" % st)
    if "last_ack" in s:
        la = s["last_ack"]
        out.append("acks: %d, last cwnd=%s ssthresh=%s srtt=%s us rto=%s ms"
                   % (s["acks"], la["cwnd"], la["ssthresh"], la["srtt_us"],
                      la["rto_ms"]))
    if journey:
        out.append("")
        out.append("one segment's journey")
        out.extend(journey_lines(journey))
    return "\n".join(out) + "\n"
