#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a tools/bench/run.sh result directory into the ratio table.

Usage: report.py DIR [--svg]

Reads DIR/raw.txt (one xbench run per line, key=value) and DIR/env.txt,
prints the table and writes DIR/results.md, DIR/results.csv and
DIR/summary.md (the ratios alone, one row per path and test, for the
README); with --svg also the plots (standard library only).

Every figure is the median over the repetitions, shown with its range
(min-max). Runs are interleaved, so repetition k of both senders saw the
same moment of a noisy host: a ratio is the median of the per-repetition
ratios XTCP/TCP, shown with their range (the ratio of the medians when
the repetitions cannot be paired). The transaction tests' rates and
latencies come from the runs where the senders took turns, transaction by
transaction (il=1), when the raw file has them; their CPU figures from
the runs of each sender alone. In the driver section the ratio is
xtcp_igb over the stock igb, both carrying Linux TCP.

A second table, "Why (diagnostics)", says what each sender put on the
path: retransmitted segments and device packets (xbench's retrans=,
dev_tx_pkts= and dev_tx_bytes=), per GiB or per transaction. Raw files
from before xbench recorded them report n/a there. In results.csv its
rows have table=why, the main table's table=main.
"""

import csv
import os
import shlex
import statistics
import sys
from collections import defaultdict

# metric key -> (label, unit, higher is better, test kinds it applies to)
METRICS = {
    "mbps": ("throughput", "Mbit/s", True, ("bulk",)),
    "cpu_gib": ("sender CPU per GiB", "s", False, ("bulk",)),
    "busy_gib": ("machine CPU per GiB", "s", False, ("bulk",)),
    "perf_gib": ("perf task-clock per GiB", "s", False, ("bulk",)),
    "rate": ("transactions/s", "1/s", True, ("rr", "crr", "cc")),
    "p50_us": ("latency p50", "us", False, ("rr", "crr", "cc")),
    "p99_us": ("latency p99", "us", False, ("rr", "crr", "cc")),
    "cpu_us": ("sender CPU per transaction", "us", False, ("rr", "crr", "cc")),
    "busy_us": ("machine CPU per transaction", "us", False,
                ("rr", "crr", "cc")),
}
# The "Why" table: metric key -> (label, unit, test kinds). Counts, not
# targets: they explain a ratio of the main table.
DIAG_METRICS = {
    "retrans_gib": ("retransmitted segments per GiB", "1/GiB", ("bulk",)),
    "retrans_kt": ("retransmitted segments per 1000 transactions", "1/1000",
                   ("rr", "crr", "cc")),
    "devpkts_gib": ("device tx packets per GiB", "1/GiB", ("bulk",)),
    "devpkts_t": ("device tx packets per transaction", "1",
                  ("rr", "crr", "cc")),
    "devbytes_pkt": ("bytes per device tx packet", "B",
                     ("bulk", "rr", "crr", "cc")),
}
# What a run of senders taking turns measures (xbench -I, il=1).
TURN_METRICS = ("rate", "p50_us", "p99_us")
TESTS = ["bulk_1x64K", "bulk_1x1M", "bulk_4x64K", "bulk_4x1M",
         "rr_1B", "rr_4K", "crr", "cc"]
PATHS = ["lo", "veth", "igb"]
PATH_NAMES = {
    "lo": "loopback",
    "veth": "veth between namespaces",
    "igb": "igb wire, sender NIC on xtcp_igb, receiver NIC on stock igb",
}


def parse_line(line):
    rec = {}
    for tok in shlex.split(line):
        if "=" in tok:
            k, v = tok.split("=", 1)
            rec[k] = v
    return rec


def fnum(rec, key):
    try:
        return float(rec[key])
    except (KeyError, ValueError):
        return None


def derive_why(rec, m, per):
    """The diagnostics of one run, each over PER (GiB or transactions);
    absent ("n/a") when the run did not record its counters."""
    bulk = rec["test"].startswith("bulk")
    retrans = fnum(rec, "retrans")
    pkts = fnum(rec, "dev_tx_pkts")
    nbytes = fnum(rec, "dev_tx_bytes")
    if per <= 0:
        return
    if retrans is not None:
        if bulk:
            m["retrans_gib"] = retrans / per
        else:
            m["retrans_kt"] = retrans / per * 1000
    if pkts is not None:
        m["devpkts_gib" if bulk else "devpkts_t"] = pkts / per
        if nbytes is not None and pkts > 0:
            m["devbytes_pkt"] = nbytes / pkts


def derive(rec):
    """The metrics of one successful run."""
    m = {}
    kind = rec["test"].split("_")[0]
    if kind == "bulk":
        gib = float(rec["bytes"]) / 2**30
        derive_why(rec, m, gib)
        m["mbps"] = float(rec["mbps"])
        if gib > 0:
            m["cpu_gib"] = (float(rec["cpu_user_s"]) +
                            float(rec["cpu_sys_s"])) / gib
            m["busy_gib"] = float(rec["machine_busy_s"]) / gib
            tc = fnum(rec, "sw_task_clock_ms")
            if tc is not None:
                m["perf_gib"] = tc / 1e3 / gib
    else:
        trans = float(rec["trans"])
        m["rate"] = float(rec["rate"])
        m["p50_us"] = float(rec["p50_us"])
        m["p99_us"] = float(rec["p99_us"])
        if rec.get("il") == "1":
            # the senders took turns: no CPU or device figure of its own
            return m
        derive_why(rec, m, trans)
        if trans > 0:
            m["cpu_us"] = (float(rec["cpu_user_s"]) +
                           float(rec["cpu_sys_s"])) / trans * 1e6
            m["busy_us"] = float(rec["machine_busy_s"]) / trans * 1e6
    return m


def load(d):
    runs = defaultdict(list)      # (path, test, sender) -> [(rep, metrics)]
    turns = defaultdict(list)     # the same, runs with il=1
    fails = defaultdict(list)     # (path, test, sender) -> [why]
    skips = {}                    # path -> why
    with open(os.path.join(d, "raw.txt")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = parse_line(line)
            st = rec.get("status")
            if st == "skip":
                skips[rec["path"]] = rec.get("why", "")
            elif st == "fail":
                fails[(rec["path"], rec["test"], rec.get("sender", "?"))] \
                    .append(rec.get("why", ""))
            elif st == "ok":
                # a repetition is (driver round, repetition in it)
                key = (rec["path"], rec["test"], rec["sender"])
                m = derive(rec)
                if rec.get("il") == "1":
                    turns[key].append(((rec.get("round", "0"),
                                        int(rec["rep"])), m))
                else:
                    runs[key].append(((rec.get("round", "0"),
                                       int(rec["rep"])), m))
    # Where the senders also took turns (xbench -I), the rates and
    # latencies are those runs'; the runs alone keep the CPU figures.
    for key, reps in turns.items():
        for _, m in runs.get(key, []):
            for k in TURN_METRICS:
                m.pop(k, None)
        runs[key].extend(((r[0], "il", r[1]), m) for r, m in reps)
    env = {}
    try:
        with open(os.path.join(d, "env.txt")) as f:
            for line in f:
                if "=" in line:
                    for tok in shlex.split(line):
                        if "=" in tok:
                            k, v = tok.split("=", 1)
                            env[k] = v
    except OSError:
        pass
    return runs, fails, skips, env


def summary(vals):
    return statistics.median(vals), min(vals), max(vals), len(vals)


def csv_row(path, test, metric, label, unit, st, sx, ratio, **extra):
    """One results.csv row: both senders' summaries (or None) and ratio."""
    row = dict(section=path, test=test, metric=metric, label=label,
               unit=unit, base="TCP", cand="XTCP",
               base_median=st and st[0],
               base_min=st and st[1], base_max=st and st[2],
               cand_median=sx and sx[0],
               cand_min=sx and sx[1], cand_max=sx and sx[2],
               n=min(st[3] if st else 0, sx[3] if sx else 0), ratio=ratio)
    row.update(extra)
    return row


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def fmt_cell(s):
    if not s:
        return "-"
    med, lo, hi, n = s
    return "%s [%s-%s]" % (fmt(med), fmt(lo), fmt(hi))


def compare(runs, key_a, key_b, metric):
    """Medians of a and b; median and range of the paired ratios a/b."""
    va = [(r, m[metric]) for r, m in runs.get(key_a, []) if metric in m]
    vb = [(r, m[metric]) for r, m in runs.get(key_b, []) if metric in m]
    sa = summary([v for _, v in va]) if va else None
    sb = summary([v for _, v in vb]) if vb else None
    ratio = rlo = rhi = None
    if sa and sb and sb[0] > 0:
        ratio = sa[0] / sb[0]
        # pair repetition k of a with repetition k of b
        db = dict(vb)
        pr = [x / db[r] for r, x in va if db.get(r, 0) > 0]
        if pr:
            ratio = statistics.median(pr)
            rlo, rhi = min(pr), max(pr)
    return sa, sb, ratio, rlo, rhi


def verdict(ratio, rlo, rhi, higher):
    if ratio is None:
        return "n/a"
    ok = ratio >= 1.0 if higher else ratio <= 1.0
    # the target inside the range of paired ratios: not resolved by noise
    unsure = rlo is not None and rlo <= 1.0 <= rhi
    if ok:
        return "meets" + (" (within spread)" if unsure else "")
    return "SHORT" + (" (within spread)" if unsure else "")


def fmt_ratio(ratio, rlo, rhi):
    if ratio is None:
        return "-"
    if rlo is None:
        return "%.2f" % ratio
    return "%.2f [%.2f-%.2f]" % (ratio, rlo, rhi)


def build(d):
    runs, fails, skips, env = load(d)
    rows = []       # dicts for csv and plots
    md = []

    md.append("# xtcp vs Linux TCP: benchmark results")
    md.append("")
    md.append("Run %s, %s mode (%s repetitions of %s s per figure), guest "
              "kernel %s, %s vCPUs (QEMU TCG), tree %s%s." % (
                  env.get("date", "?"), env.get("mode", "?"),
                  env.get("reps", "?"), env.get("secs", "?"),
                  env.get("kernel", "?"), env.get("cpus", "?"),
                  env.get("commit", "?"),
                  " with uncommitted module/driver changes"
                  if env.get("dirty", "0") not in ("0", "") else ""))
    md.append("Sender: AF_XTCP (xtcp, %s) or AF_INET (Linux TCP, %s); "
              "receiver: always Linux TCP (xbench -l)." % (
                  env.get("xtcp_congestion", "?"),
                  env.get("tcp_congestion", "?")))
    md.append("Cells: median [min-max] over the repetitions. Ratio: median "
              "[min-max] of the per-repetition ratios XTCP/TCP (the two "
              "senders' runs are interleaved, repetition k of each saw the "
              "same moment; the rr, crr and cc rates and latencies come "
              "from runs in which the two took turns, transaction by "
              "transaction, their CPU figures from runs of each alone). "
              "\"within spread\": the range includes 1. "
              "Absolute numbers from a TCG guest mean little; the ratios "
              "within one run are the measure.")
    md.append("")

    headline = compare(runs, ("veth", "bulk_1x64K", "XTCP"),
                       ("veth", "bulk_1x64K", "TCP"), "mbps")
    if headline[2] is not None:
        md.append("**Send path (veth, 1 stream, 64 KiB writes): XTCP/TCP "
                  "throughput = %s**" % fmt_ratio(*headline[2:]))
        md.append("")

    for path in PATHS:
        if path not in skips and not any(k[0] == path for k in
                                         list(runs) + list(fails)):
            continue
        md.append("## %s (%s)" % (path, PATH_NAMES[path]))
        md.append("")
        if path in skips:
            md.append("Skipped: %s" % skips[path])
            md.append("")
            continue
        md.append("| test | metric | TCP | XTCP | XTCP/TCP | target |")
        md.append("|---|---|---|---|---|---|")
        for test in TESTS:
            kind = test.split("_")[0]
            kt, kx = (path, test, "TCP"), (path, test, "XTCP")
            if not runs.get(kt) and not runs.get(kx) and \
               not fails.get(kt) and not fails.get(kx):
                continue
            for metric, (label, unit, higher, kinds) in METRICS.items():
                if kind not in kinds:
                    continue
                sx, st, ratio, rlo, rhi = compare(runs, kx, kt, metric)
                if not sx and not st and not (fails.get(kx) or fails.get(kt)):
                    continue
                v = verdict(ratio, rlo, rhi, higher)
                md.append("| %s | %s (%s) | %s | %s | %s | %s %s |" % (
                    test, label, unit, fmt_cell(st), fmt_cell(sx),
                    fmt_ratio(ratio, rlo, rhi), ">= 1" if higher else "<= 1",
                    v))
                rows.append(csv_row(path, test, metric, label, unit, st, sx,
                                    ratio, higher_better=int(higher),
                                    ratio_min=rlo, ratio_max=rhi, verdict=v))
        nf = [(k, w) for k, w in fails.items() if k[0] == path]
        if nf:
            md.append("")
            md.append("Failed runs:")
            for (p, t, s), whys in sorted(nf):
                md.append("- %s %s: %d failed: %s" % (t, s, len(whys),
                                                       whys[0] or "?"))
        md.append("")

    build_why(runs, rows, md)

    # Driver comparison: same TCP sender, xtcp_igb vs stock igb on the
    # sender NIC.
    tags = sorted({k[0].split("_")[1] for k in list(runs) + list(fails)
                   if k[0].startswith("drv_")} |
                  {p.split("_")[1] for p in skips if p.startswith("drv_")})
    if tags or "drv" in skips:
        md.append("## drv (Linux TCP over xtcp_igb vs the stock igb, "
                  "same wire)")
        md.append("")
        if "drv" in skips:
            md.append("Skipped: %s" % skips["drv"])
        else:
            md.append("The sender NIC is driven by xtcp_igb, then by igb "
                      "(alternating rounds); the receiver NIC always by "
                      "igb. nic1 rows swap the NICs' roles.")
            md.append("")
            md.append("| sender NIC | metric | igb | xtcp_igb | "
                      "xtcp_igb/igb | target |")
            md.append("|---|---|---|---|---|---|")
            for tag in tags:
                kx = ("drv_%s_xtcp_igb" % tag, "bulk_1x64K", "TCP")
                kb = ("drv_%s_igb" % tag, "bulk_1x64K", "TCP")
                for metric in ("mbps", "cpu_gib", "busy_gib", "perf_gib"):
                    label, unit, higher, _ = METRICS[metric]
                    sx, sb, ratio, rlo, rhi = compare(runs, kx, kb, metric)
                    if not sx and not sb:
                        continue
                    v = verdict(ratio, rlo, rhi, higher)
                    md.append("| %s | %s (%s) | %s | %s | %s | %s %s |" % (
                        tag, label, unit, fmt_cell(sb), fmt_cell(sx),
                        fmt_ratio(ratio, rlo, rhi),
                        ">= 1" if higher else "<= 1", v))
                    rows.append(dict(section="drv_" + tag, test="bulk_1x64K",
                                     metric=metric, label=label, unit=unit,
                                     higher_better=int(higher),
                                     base="igb", cand="xtcp_igb",
                                     base_median=sb and sb[0],
                                     base_min=sb and sb[1],
                                     base_max=sb and sb[2],
                                     cand_median=sx and sx[0],
                                     cand_min=sx and sx[1],
                                     cand_max=sx and sx[2],
                                     n=min(sb[3] if sb else 0,
                                           sx[3] if sx else 0),
                                     ratio=ratio, ratio_min=rlo,
                                     ratio_max=rhi, verdict=v))
            nf = [(k, w) for k, w in fails.items() if k[0].startswith("drv_")]
            for (p, t, s), whys in sorted(nf):
                md.append("- %s: %d failed: %s" % (p, len(whys),
                                                   whys[0] or "?"))
            for p in sorted(skips):
                if p.startswith("drv_"):
                    md.append("- %s: a round skipped: %s" % (p, skips[p]))
        md.append("")

    for prof in ("XTCP", "TCP"):
        f = os.path.join(d, "profile-%s-veth.txt" % prof)
        if os.path.exists(f):
            md.append("Profile of the %s sender (bulk over veth, perf "
                      "record -a): `profile-%s-veth.txt`." % (prof, prof))
    md.append("")
    return rows, md


def why_cell(s):
    return fmt_cell(s) if s else "n/a"


def build_why(runs, rows, md):
    """The diagnostics table: what each sender put on the path."""
    paths = [p for p in PATHS if any(k[0] == p for k in runs)]
    if not paths:
        return
    md.append("## Why (diagnostics)")
    md.append("")
    md.append("What each sender put on the path, per run: segments it "
              "retransmitted (TCP_INFO tcpi_total_retrans, summed over the "
              "run's connections) and packets the sender namespace's "
              "devices transmitted (/proc/net/dev). On veth a GSO skb is "
              "one device packet, on igb every wire frame is; over lo the "
              "count includes the receiver's ACKs and replies (one "
              "namespace). Median [min-max] over the repetitions; "
              "XTCP/TCP is the ratio of the medians. n/a: the raw record "
              "has no such counter.")
    md.append("")
    md.append("| path | test | metric | TCP | XTCP | XTCP/TCP |")
    md.append("|---|---|---|---|---|---|")
    for path in paths:
        for test in TESTS:
            kind = test.split("_")[0]
            kt, kx = (path, test, "TCP"), (path, test, "XTCP")
            if not runs.get(kt) and not runs.get(kx):
                continue
            for metric, (label, unit, kinds) in DIAG_METRICS.items():
                if kind not in kinds:
                    continue
                sx = [m[metric] for _, m in runs.get(kx, []) if metric in m]
                st = [m[metric] for _, m in runs.get(kt, []) if metric in m]
                sx = summary(sx) if sx else None
                st = summary(st) if st else None
                ratio = sx[0] / st[0] if sx and st and st[0] > 0 else None
                md.append("| %s | %s | %s (%s) | %s | %s | %s |" % (
                    path, test, label, unit, why_cell(st), why_cell(sx),
                    fmt_ratio(ratio, None, None)))
                rows.append(csv_row(path, test, metric, label, unit, st, sx,
                                    ratio, higher_better="", verdict="",
                                    table="why"))
    md.append("")


# summary.md columns: (heading, metric for bulk, metric for the others)
SUMMARY_COLS = [("rate", "mbps", "rate"),
                ("p50", None, "p50_us"),
                ("p99", None, "p99_us"),
                ("machine CPU", "busy_gib", "busy_us")]


def build_summary(rows, env):
    """The XTCP/TCP ratios alone: rate (>= 1 is the target), latency and
    machine CPU (<= 1), each marked where it misses its target."""
    by = {(r["section"], r["test"], r["metric"]): r for r in rows}
    md = ["Run %s, tree %s, %s mode; XTCP/TCP, median of the paired "
          "repetitions. Targets: rate >= 1, latency and CPU <= 1; `*` "
          "misses its target beyond the spread of the repetitions, `~` "
          "misses it within that spread." % (
              env.get("date", "?"), env.get("commit", "?"),
              env.get("mode", "?")),
          "",
          "| path | test | " + " | ".join(c[0] for c in SUMMARY_COLS) + " |",
          "|---|---|" + "---|" * len(SUMMARY_COLS)]
    for path in PATHS:
        for test in TESTS:
            bulk = test.startswith("bulk")
            cells = []
            for _, mb, mo in SUMMARY_COLS:
                r = by.get((path, test, mb if bulk else mo))
                if not r or r["ratio"] is None:
                    cells.append("-")
                    continue
                mark = {"SHORT": "*", "SHORT (within spread)": "~"}
                cells.append("%.2f%s" % (r["ratio"],
                                         mark.get(r["verdict"], "")))
            if any(c != "-" for c in cells):
                md.append("| %s | %s | %s |" % (path, test, " | ".join(cells)))
    md.append("")
    return md


def write_csv(d, rows):
    cols = ["section", "test", "metric", "label", "unit", "higher_better",
            "base", "cand", "base_median", "base_min", "base_max",
            "cand_median", "cand_min", "cand_max", "n", "ratio",
            "ratio_min", "ratio_max", "verdict", "table"]
    with open(os.path.join(d, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            r = dict(r, table=r.get("table", "main"))
            w.writerow({k: ("" if r.get(k) is None else r[k]) for k in cols})


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    d = args[0]
    rows, md = build(d)
    text = "\n".join(md)
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write(text)
    write_csv(d, rows)
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write("\n".join(build_summary(rows, load(d)[3])))
    if "--svg" in sys.argv:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import plot
        plot.plot_all(d, rows)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
