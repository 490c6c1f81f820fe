#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the leaf results of (nested) KTAP/TAP logs.

A kselftest run nests each program's own TAP under "# " prefixes. Count the
innermost results: a program that reports subtests counts as its subtests
(plus one failure if the program itself failed with no failing subtest,
e.g. a crash or timeout); a program without subtests counts once.

Usage: ktap-summary.py LOG... ; prints the failing and skipped names, then
"N passed, N failed, N skipped" as the last line. Exit 1 when anything
failed or nothing ran.
"""
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\s+\d+\s*(.*)$")


def depth_and_text(line):
    depth = 0
    while line.startswith("# ") or line == "#":
        line = line[2:]
        depth += 1
    return depth, line


def parse(lines):
    """Return leaf results as (status, name) with status pass/fail/skip."""
    results = []
    # Stack of pending child results per depth.
    children = {}
    for raw in lines:
        depth, text = depth_and_text(raw.rstrip("\n"))
        m = RESULT.match(text)
        if not m:
            continue
        ok, rest = m.group(1) == "ok", m.group(2)
        name, _, directive = rest.partition(" # ")
        skip = directive.strip().upper().startswith("SKIP")
        status = "skip" if (ok and skip) else ("pass" if ok else "fail")
        kids = children.pop(depth + 1, [])
        # Deeper levels belong to this result too.
        for d in [d for d in children if d > depth + 1]:
            kids.extend(children.pop(d))
        if kids:
            if status == "fail" and not any(s == "fail" for s, _ in kids):
                kids.append(("fail", name + " (program failed: " + (directive or "exit status") + ")"))
            children.setdefault(depth, []).extend(kids)
        else:
            children.setdefault(depth, []).append((status, name))
    for d in sorted(children):
        results.extend(children[d])
    return results


def main():
    results = []
    for path in sys.argv[1:]:
        try:
            with open(path, errors="replace") as f:
                found = parse(f)
            # A log without a single result means its stage never ran.
            results.extend(found or [("fail", path + " (no test results)")])
        except FileNotFoundError:
            results.append(("fail", path + " (log missing)"))
    n = {"pass": 0, "fail": 0, "skip": 0}
    for status, name in results:
        n[status] += 1
        if status != "pass":
            print(f"{status.upper()}: {name}")
    print(f"{n['pass']} passed, {n['fail']} failed, {n['skip']} skipped")
    return 1 if n["fail"] or not results else 0


if __name__ == "__main__":
    sys.exit(main())
