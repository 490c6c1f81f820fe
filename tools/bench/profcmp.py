#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two bench profiles (tools/bench/run.sh profile_path) per GiB.

Usage: tools/bench/profcmp.py [-n N] PROFILE_A PROFILE_B

Reads each file's "every symbol" section (perf samples per symbol, all
CPUs) and its GiB moved, and prints the N symbols with the most samples
per GiB in either, side by side, with the difference; then, when both
carry the igb call counts, the calls per GiB of each counted function.
Samples are taken at a fixed rate on every CPU, so samples per GiB are
machine time per GiB (idle included: pv_native_safe_halt and the like
are the idle loop).
"""
import re
import sys


def parse(path):
    gib = 0.0
    syms, counts = {}, {}
    section = None
    with open(path) as f:
        for line in f:
            m = re.match(r"# GiB moved: ([0-9.]+)", line)
            if m and not gib:
                gib = float(m.group(1))
                continue
            if line.startswith("# every symbol"):
                section = "sym"
                continue
            if line.startswith("# calls, counted"):
                section = "count"
                continue
            if line.startswith("# softirqs") or line.startswith("# NIC"):
                section = None
                continue
            if line.startswith("#"):
                continue
            if section == "sym":
                m = re.match(r"\s*[0-9.]+%\s+(\d+)\s+\[.\]\s+(.*\S)", line)
                if m:
                    syms[m.group(2)] = syms.get(m.group(2), 0) + int(m.group(1))
            elif section == "count":
                w = line.split()
                if len(w) >= 3 and w[1].isdigit():
                    counts[w[0]] = (int(w[1]), float(w[2]), " ".join(w[3:]))
    if not gib:
        sys.exit("profcmp: %s: no '# GiB moved' line" % path)
    return gib, syms, counts


def main():
    args = sys.argv[1:]
    n = 15
    if len(args) >= 2 and args[0] == "-n":
        n = int(args[1])
        args = args[2:]
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    (ga, sa, ca), (gb, sb, cb) = parse(args[0]), parse(args[1])
    na, nb = args[0].rsplit("/", 1)[-1], args[1].rsplit("/", 1)[-1]
    print("# A = %s (%.3f GiB), B = %s (%.3f GiB)" % (na, ga, nb, gb))
    ta, tb = sum(sa.values()) / ga, sum(sb.values()) / gb
    print("# all samples per GiB: A %.0f, B %.0f, A/B %.3f" % (ta, tb, ta / tb))
    keys = sorted(set(sa) | set(sb),
                  key=lambda k: -max(sa.get(k, 0) / ga, sb.get(k, 0) / gb))
    print("%-40s %9s %9s %9s" % ("symbol (samples per GiB)", "A", "B", "A-B"))
    for k in keys[:n]:
        a, b = sa.get(k, 0) / ga, sb.get(k, 0) / gb
        print("%-40s %9.1f %9.1f %+9.1f" % (k[:40], a, b, a - b))
    diff = sorted(keys, key=lambda k: -abs(sa.get(k, 0) / ga - sb.get(k, 0) / gb))
    print("# the %d largest differences" % n)
    for k in diff[:n]:
        a, b = sa.get(k, 0) / ga, sb.get(k, 0) / gb
        print("%-40s %9.1f %9.1f %+9.1f" % (k[:40], a, b, a - b))
    if ca or cb:
        print("# calls per GiB (A, B; by task: xbench xbench-rx ksoftirqd swapper other)")
        for k in list(ca) + [k for k in cb if k not in ca]:
            a, b = ca.get(k, (0, 0.0, "")), cb.get(k, (0, 0.0, ""))
            print("%-24s %10.0f %10.0f   A: %-24s B: %s" % (k, a[1], b[1], a[2], b[2]))


if __name__ == "__main__":
    main()
