#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""SVG plots of a tools/bench result (standard library only).

Called by report.py --svg with the rows of results.csv; writes
  ratios.svg      every ratio (log scale) with its range, target line at 1
  throughput.svg  bulk throughput, TCP vs XTCP per path, median and range
  latency.svg     rr/crr p50 and p99, TCP vs XTCP per path
Usage on its own: plot.py DIR (reads DIR/results.csv).
"""

import csv
import math
import os
import sys
from xml.sax.saxutils import escape

FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="12"'
COLORS = {"base": "#4e79a7", "cand": "#f28e2b",
          "ok": "#59a14f", "short": "#e15759", "grid": "#dddddd"}


class Svg:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.items = []

    def add(self, s):
        self.items.append(s)

    def text(self, x, y, s, anchor="start", size=12, weight="normal",
             color="#000"):
        self.add('<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" '
                 'font-weight="%s" fill="%s">%s</text>' %
                 (x, y, anchor, size, weight, color, escape(str(s))))

    def line(self, x1, y1, x2, y2, color="#000", width=1, dash=None):
        self.add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                 'stroke="%s" stroke-width="%s"%s/>' %
                 (x1, y1, x2, y2, color, width,
                  ' stroke-dasharray="%s"' % dash if dash else ""))

    def rect(self, x, y, w, h, color, title=None):
        t = "<title>%s</title>" % escape(title) if title else ""
        self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                 'fill="%s">%s</rect>' % (x, y, max(w, 0), max(h, 0),
                                          color, t))

    def save(self, path):
        with open(path, "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" '
                    'height="%d" viewBox="0 0 %d %d" %s>\n' %
                    (self.w, self.h, self.w, self.h, FONT))
            f.write('<rect width="100%" height="100%" fill="white"/>\n')
            f.write("\n".join(self.items))
            f.write("\n</svg>\n")


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def tick_label(v):
    v = float("%.4g" % v)
    return "%d" % v if v == int(v) else "%g" % v


def nice_max(v):
    """The smallest 1, 2, 2.5 or 5 times a power of ten, times 4, >= v."""
    if v <= 0:
        return 1
    step = 10 ** math.floor(math.log10(v / 4))
    for m in (1, 2, 2.5, 5, 10):
        if 4 * m * step >= v:
            return 4 * m * step
    return 40 * step


def plot_ratios(d, rows):
    rows = [r for r in rows if num(r["ratio"]) is not None]
    if not rows:
        return
    lo, hi = 1 / 8, 8
    left, right, top, rowh = 330, 40, 60, 18
    width = 900
    plotw = width - left - right
    sections = []
    for r in rows:
        if not sections or sections[-1] != r["section"]:
            sections.append(r["section"])
    height = top + rowh * (len(rows) + len(sections)) + 40
    svg = Svg(width, height)
    svg.text(width / 2, 22, "xtcp / Linux TCP (drv: xtcp_igb / igb): "
             "median ratio, bar = range of per-repetition ratios",
             "middle", 14, "bold")
    svg.text(width / 2, 40, "green: meets the target (>= 1 for rates, "
             "<= 1 for latency and CPU); red: short", "middle", 11)

    def xpos(v):
        v = min(max(v, lo), hi)
        return left + (math.log2(v) - math.log2(lo)) / \
            (math.log2(hi) - math.log2(lo)) * plotw

    y = top
    for t in (0.125, 0.25, 0.5, 1, 2, 4, 8):
        svg.line(xpos(t), top - 5, xpos(t), height - 35,
                 COLORS["grid"] if t != 1 else "#000", 1 if t != 1 else 1.5)
        svg.text(xpos(t), height - 20, "%g" % t, "middle", 11)
    sec = None
    for r in rows:
        if r["section"] != sec:
            sec = r["section"]
            svg.text(8, y + 13, sec, weight="bold")
            y += rowh
        ratio = num(r["ratio"])
        higher = r["higher_better"] in ("1", 1, True)
        ok = ratio >= 1 if higher else ratio <= 1
        svg.text(left - 8, y + 13, "%s  %s" % (r["test"], r["label"]),
                 "end", 11)
        x0, x1 = xpos(1), xpos(ratio)
        svg.rect(min(x0, x1), y + 3, abs(x1 - x0), rowh - 6,
                 COLORS["ok"] if ok else COLORS["short"],
                 "%s %s %s: %.3f" % (r["section"], r["test"], r["label"],
                                     ratio))
        rmin, rmax = num(r["ratio_min"]), num(r["ratio_max"])
        if rmin is not None and rmax is not None:
            cy = y + rowh / 2
            svg.line(xpos(rmin), cy, xpos(rmax), cy, "#333", 1.2)
            svg.line(xpos(rmin), cy - 4, xpos(rmin), cy + 4, "#333", 1.2)
            svg.line(xpos(rmax), cy - 4, xpos(rmax), cy + 4, "#333", 1.2)
        svg.text(width - right + 4, y + 13, "%.2f" % ratio, size=10)
        y += rowh
    svg.save(os.path.join(d, "ratios.svg"))


def grouped_panels(d, rows, name, title, picks, unit, log=False):
    """One panel per section; in each, groups of two bars (base, cand).
    With log, the value axis is logarithmic (latency spans decades)."""
    panels = []
    for sec in ("lo", "veth", "igb", "drv_nic0", "drv_nic1"):
        groups = []
        for test, metric, label in picks:
            for r in rows:
                if r["section"] == sec and r["test"] == test and \
                   r["metric"] == metric:
                    groups.append((label, r))
        if groups:
            panels.append((sec, groups))
    if not panels:
        return
    width, ph, left, top = 900, 230, 70, 50
    height = top + len(panels) * (ph + 30) + 30
    svg = Svg(width, height)
    svg.text(width / 2, 22, title, "middle", 14, "bold")
    svg.rect(width / 2 - 170, 32, 12, 12, COLORS["base"])
    svg.text(width / 2 - 154, 42, "Linux TCP (drv rows: igb)", size=11)
    svg.rect(width / 2 + 20, 32, 12, 12, COLORS["cand"])
    svg.text(width / 2 + 36, 42, "xtcp (drv rows: xtcp_igb)", size=11)
    y0 = top + 10
    for sec, groups in panels:
        vals = [num(r[k]) for _, r in groups
                for k in ("base_min", "base_max", "cand_min", "cand_max")]
        vals = [v for v in vals if v and v > 0] or [1]
        if log:
            lmin = math.floor(math.log10(min(vals)))
            lmax = max(math.ceil(math.log10(max(vals))), lmin + 1)
            ticks = [10 ** e for e in range(lmin, lmax + 1)]
        else:
            vmax = nice_max(max(vals))
            ticks = [vmax * i / 4 for i in range(5)]
        plotw = width - left - 20
        gw = plotw / len(groups)
        bw = min(gw * 0.35, 60)
        base_y = y0 + ph - 30

        def ypos(v):
            if log:
                v = max(v, ticks[0])
                f = (math.log10(v) - lmin) / (lmax - lmin)
            else:
                f = v / vmax
            return base_y - (ph - 40) * f

        svg.text(left, y0 - 4, sec, weight="bold")
        for v in ticks:
            yy = ypos(v)
            svg.line(left, yy, width - 20, yy, COLORS["grid"])
            svg.text(left - 5, yy + 4, tick_label(v), "end", 10)
        svg.text(12, y0 + ph / 2, unit, size=10)
        for gi, (label, r) in enumerate(groups):
            gx = left + gi * gw + gw / 2
            for side, off in (("base", -bw - 2), ("cand", 2)):
                med = num(r[side + "_median"])
                if med is None:
                    continue
                h = base_y - ypos(med)
                svg.rect(gx + off, base_y - h, bw, h, COLORS[side],
                         "%s %s %s: %.4g" % (sec, label, r[side], med))
                mn, mx = num(r[side + "_min"]), num(r[side + "_max"])
                if mn is not None and mx is not None:
                    cx = gx + off + bw / 2
                    y1, y2 = ypos(mn), ypos(mx)
                    svg.line(cx, y1, cx, y2, "#222", 1.2)
                    svg.line(cx - 4, y1, cx + 4, y1, "#222", 1.2)
                    svg.line(cx - 4, y2, cx + 4, y2, "#222", 1.2)
            svg.text(gx, base_y + 14, label, "middle", 10)
            ratio = num(r["ratio"])
            if ratio is not None:
                svg.text(gx, base_y + 26, "ratio %.2f" % ratio, "middle", 10)
        y0 += ph + 30
    svg.save(os.path.join(d, name))


def plot_all(d, rows):
    # the ratios against their targets: the main table only
    rows = [{k: ("" if v is None else v) for k, v in r.items()} for r in rows
            if r.get("table", "main") == "main"]
    plot_ratios(d, rows)
    grouped_panels(d, rows, "throughput.svg",
                   "Bulk throughput (median, whiskers min-max)",
                   [("bulk_1x64K", "mbps", "1 x 64K"),
                    ("bulk_1x1M", "mbps", "1 x 1M"),
                    ("bulk_4x64K", "mbps", "4 x 64K"),
                    ("bulk_4x1M", "mbps", "4 x 1M")], "Mbit/s")
    grouped_panels(d, rows, "latency.svg",
                   "Request/response latency (median of p50 / p99, "
                   "whiskers min-max, log scale)",
                   [("rr_1B", "p50_us", "rr 1B p50"),
                    ("rr_1B", "p99_us", "rr 1B p99"),
                    ("rr_4K", "p50_us", "rr 4K p50"),
                    ("rr_4K", "p99_us", "rr 4K p99"),
                    ("crr", "p50_us", "crr p50"),
                    ("crr", "p99_us", "crr p99"),
                    ("cc", "p50_us", "cc p50"),
                    ("cc", "p99_us", "cc p99")], "us", log=True)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(os.path.join(sys.argv[1], "results.csv")) as f:
        rows = list(csv.DictReader(f))
    plot_all(sys.argv[1], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
