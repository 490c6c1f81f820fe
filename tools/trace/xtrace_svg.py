# SPDX-License-Identifier: GPL-2.0
"""The path as a picture (hand-written SVG, no dependencies).

Left: the stages top to bottom, each with its function, event and count,
the arrows between them carrying the measured hop latency (p50, p90).
Right: cumulative latency from sendmsg per stage, the reasons segments
waited, and one segment's journey on a time line.
"""

import math
from xml.sax.saxutils import escape

from xtrace_report import fmt_us

BOXES = [
    ("sendmsg", "xtcp_sendmsg", "xtcp:xtcp_sendmsg"),
    ("write_xmit", "xtcp_write_xmit", "xtcp:xtcp_write_xmit"),
    ("transmit_skb", "xtcp_transmit_skb", "xtcp:xtcp_transmit_skb"),
    ("ip_queue_xmit", "xtcp_ip_queue_xmit", "xtcp:xtcp_ip_queue_xmit"),
    ("ip_output", "xtcp_ip_output", "xtcp:xtcp_ip_output"),
    ("neigh_output", "xtcp_neigh_output", "xtcp:xtcp_neigh_output"),
    ("dev_queue_xmit", "dev_queue_xmit (kernel)", "net:net_dev_queue"),
    ("driver_xmit", "xigb_xmit_frame", "xtcp_igb:xmit"),
    ("tx_clean", "xigb_clean_tx (NAPI)", "xtcp_igb:tx_clean"),
]

COLORS = {"xtcp": "#dbe9f6", "net": "#eeeeee", "xtcp_igb": "#fde7c8"}


class Svg:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.parts = []

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=12, anchor="start", weight="normal",
             fill="#222", family="sans-serif"):
        self.add('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" '
                 'font-weight="%s" fill="%s" font-family="%s">%s</text>'
                 % (x, y, size, anchor, weight, fill, family, escape(str(s))))

    def rect(self, x, y, w, h, fill, stroke="#555", rx=6):
        self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%d" '
                 'fill="%s" stroke="%s"/>' % (x, y, w, h, rx, fill, stroke))

    def line(self, x1, y1, x2, y2, stroke="#333", width=1.5, arrow=False,
             dash=None):
        self.add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                 'stroke-width="%.1f"%s%s/>'
                 % (x1, y1, x2, y2, stroke, width,
                    ' marker-end="url(#arr)"' if arrow else "",
                    ' stroke-dasharray="%s"' % dash if dash else ""))

    def render(self):
        head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                'viewBox="0 0 %d %d">\n<defs><marker id="arr" markerWidth="10" '
                'markerHeight="8" refX="9" refY="4" orient="auto">'
                '<path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>\n'
                '<rect width="100%%" height="100%%" fill="white"/>\n'
                % (self.w, self.h, self.w, self.h))
        return head + "\n".join(self.parts) + "\n</svg>\n"


def _hop(s, a, b):
    return s["hops"].get("%s->%s" % (a, b)) or {"n": 0}


def draw(s, journey, title):
    W, H = 1180, 860
    g = Svg(W, H)
    g.text(20, 30, title, 18, weight="bold")
    m = s["meta"]
    g.text(20, 50, "%d data segments (%d retransmitted), %d followed through "
           "every stage; %s s recorded, events lost: %s; trace clock "
           "resolution 1 us"
           % (s["segments"], s["retransmissions"],
              s["complete_igb"] or s["complete_any"],
              m.get("duration_s", "?"), m.get("lost", "?")),
           12, fill="#555")

    # Left column: the path.
    x, y0, bw, bh, gap = 30, 75, 300, 50, 30
    present = [b for b in BOXES if s["stage_counts"].get(b[0]) or
               b[0] in ("sendmsg", "transmit_skb")]
    ys = {}
    for i, (st, fn, ev) in enumerate(present):
        y = y0 + i * (bh + gap)
        ys[st] = y
        g.rect(x, y, bw, bh, COLORS.get(ev.split(":")[0], "#eee"))
        g.text(x + 10, y + 20, fn, 13, weight="bold", family="monospace")
        g.text(x + 10, y + 38, "%s  %d events, %d segments"
               % (ev, s["counts"].get(ev.split(":")[1], 0),
                  s["stage_counts"].get(st, 0)), 11, fill="#444")
    for a, b in zip(present, present[1:]):
        ya, yb = ys[a[0]] + bh, ys[b[0]]
        g.line(x + 40, ya, x + 40, yb - 1, arrow=True)
        d = _hop(s, a[0], b[0])
        if a[0] == "sendmsg":
            d = _hop(s, "sendmsg", "transmit_skb")
            label = "to transmit_skb"
        elif a[0] == "write_xmit":
            d, label = {"n": 0}, "verdict: sent"
        else:
            label = ""
        if d.get("n"):
            g.text(x + 52, (ya + yb) / 2 + 4, "p50 %s us, p90 %s us %s"
                   % (fmt_us(d["p50"]), fmt_us(d["p90"]), label), 11,
                   fill="#a00")
        elif label:
            g.text(x + 52, (ya + yb) / 2 + 4, label, 11, fill="#a00")

    # ACK loop back to transmit_skb.
    if "transmit_skb" in ys:
        yt = ys["transmit_skb"] + bh / 2
        yb = ys[present[-1][0]] + bh + 20
        xr = x + bw + 30
        g.line(x + bw, yt, xr, yt, dash="4,3")
        g.line(xr, yt, xr, yb, dash="4,3")
        d = _hop(s, "transmit_skb", "acked")
        g.rect(xr - 70, yb, 140, 44, "#e3f3e0")
        g.text(xr, yb + 18, "xtcp_ack", 13, "middle", "bold", family="monospace")
        g.text(xr, yb + 34, "%d events" % s["counts"].get("xtcp_ack", 0), 11,
               "middle", fill="#444")
        if d.get("n"):
            g.text(xr + 8, (yt + yb) / 2, "sent -> ACKed", 11, fill="#060")
            g.text(xr + 8, (yt + yb) / 2 + 14, "p50 %s us" % fmt_us(d["p50"]),
                   11, fill="#060")
            g.text(xr + 8, (yt + yb) / 2 + 28, "p90 %s us" % fmt_us(d["p90"]),
                   11, fill="#060")

    # Right: cumulative latency bars.
    rx, ry, rw = 500, 90, 620
    g.text(rx, ry - 10, "latency per segment, us (log scale): bar p50, "
           "whisker p90", 13, weight="bold")
    spans = [(k, v) for k, v in s["spans"].items() if v.get("n")]
    # Log scale: the stack takes microseconds, the wire milliseconds.
    lmax = math.log10(1 + max([v["p90"] for _, v in spans] + [1.0]))
    bx, bw = rx + 210, rw - 400

    def sx(us):
        return bx + math.log10(1 + us) / lmax * bw

    for i, (k, v) in enumerate(spans):
        y = ry + i * 30
        g.text(rx, y + 14, k, 11, family="monospace")
        g.rect(bx, y, max(1.0, sx(v["p50"]) - bx), 18, "#8fb8de", rx=2)
        g.line(sx(v["p50"]), y + 9, sx(v["p90"]), y + 9, stroke="#234")
        g.line(sx(v["p90"]), y + 3, sx(v["p90"]), y + 15, stroke="#234")
        g.text(bx + bw + 8, y + 14, "%s / %s (n=%d)"
               % (fmt_us(v["p50"]), fmt_us(v["p90"]), v["n"]), 11)

    # Right: hold reasons.
    hy = ry + max(len(spans), 1) * 30 + 40
    g.text(rx, hy, "why segments waited (xtcp_write_xmit verdicts)", 13,
           weight="bold")
    holds = sorted(s["holds"].items(), key=lambda kv: -kv[1]["events"])
    if not holds:
        g.text(rx, hy + 22, "no segment was held", 11, fill="#555")
    hmax = max([d["events"] for _, d in holds] + [1])
    for i, (r, d) in enumerate(holds):
        y = hy + 14 + i * 26
        g.text(rx, y + 13, r, 11, family="monospace")
        g.rect(rx + 90, y, max(1.0, d["events"] * 300.0 / hmax), 16,
               "#f2b880", rx=2)
        w = d["wait"]
        g.text(rx + 400, y + 13, "%d holds, %d segs, wait p50 %s us"
               % (d["events"], d["segments"], fmt_us(w.get("p50"))), 11)

    # Right bottom: one segment's journey.
    if journey:
        jy = max(hy + 40 + len(holds) * 26 + 20, 470)
        evs = sorted(journey.stages.items(), key=lambda kv: (kv[1].ts, kv[1].idx))
        t0 = evs[0][1].ts
        tn = max(e.ts for _, e in evs)
        # Log scale: the stack takes microseconds, the wire milliseconds.
        lmax = math.log10(1 + max(tn - t0, 1e-6) * 1e6)
        g.text(rx, jy, "one segment: cookie=%s seq=%s, %d bytes"
               % (journey.cookie, journey.seq_abs, journey.payload), 13,
               weight="bold")
        g.text(rx, jy + 14, "time since its last byte was queued, log scale",
               11, fill="#555")
        lx, lw = rx + 10, rw - 60
        ly = jy + 40
        g.line(lx, ly, lx + lw, ly, stroke="#777")
        for i, (st, ev) in enumerate(evs):
            px = lx + math.log10(1 + (ev.ts - t0) * 1e6) / lmax * lw
            g.line(px, ly - 6, px, ly + 6, stroke="#a00", width=2)
            yy = ly + 22 + i * 16
            g.line(px, ly + 6, px, yy - 10, stroke="#ccc", width=1)
            right = px > lx + lw * 0.6
            g.text(px - 3 if right else px + 3, yy,
                   "%s +%.0f us" % (st, (ev.ts - t0) * 1e6), 10,
                   "end" if right else "start", fill="#333",
                   family="monospace")
    return g.render()
