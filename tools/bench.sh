#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: the xtcp benchmark from the host. Builds the modules and
# xbench, boots one tools/xvm guest that runs tools/bench/run.sh (xtcp and
# Linux TCP side by side on loopback, veth and the igb wire, plus the
# xtcp_igb vs igb driver comparison), then writes the table, the raw
# numbers, the profiles and SVG plots into docs/bench/.
#
# Usage: tools/bench.sh [--quick] [--dest DIR] [--no-build] [--icount]
#                       [RUN.SH ARGS...]
#   --quick     about 3 minutes instead of about 15 (3 x 1 s per figure, no
#               profile); results go to results/bench-quick/ unless --dest
#   --dest DIR  where the results go (default docs/bench/ for a full run)
#   --no-build  use the modules and xbench as they are
#   --icount    the guest's clocks count its instructions (tools/xvm
#               --icount): CPU times are instruction counts, the same
#               whatever else the host runs; rates and latencies mean
#               little then. About three times slower.
# Any other argument is passed to run.sh (--reps N, --secs S, --paths ...,
# --tests ...; tools/bench/run.sh --help).
# Exit status: run.sh's (0 all runs succeeded, 1 some failed), or the
# guest runner's (124 timeout, 125 kernel splat).
set -u

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
quick='' dest='' build=1 args=() xvm_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; args+=(--quick); shift ;;
	--dest) dest=$2; shift 2 ;;
	--no-build) build=; shift ;;
	--icount) xvm_args+=(--icount); shift ;;
	-h|--help) sed -n '/^# Usage/,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1"); shift ;;
	esac
done
if [ -z "$dest" ]; then
	if [ -n "$quick" ]; then dest=$top/results/bench-quick; else dest=$top/docs/bench; fi
fi

if [ -n "$build" ]; then
	make -C "$top" modules >/dev/null || { echo "bench: module build failed" >&2; exit 1; }
	make -C "$top/tools/bench" >/dev/null || { echo "bench: xbench build failed" >&2; exit 1; }
fi

work=$(mktemp -d /var/tmp/xbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The full run takes about 15 minutes on an idle 2-core host; leave room
# for a busy one.
tmo=3000
[ -n "$quick" ] && tmo=900
[ ${#xvm_args[@]} -gt 0 ] && tmo=$((tmo * 3))
cd "$top" || exit 1
"$top/tools/xvm" --timeout "$tmo" "${xvm_args[@]}" --out "$work" -- \
	"$top/tools/bench/run.sh" --out "$work" "${args[@]}"
rc=$?

if [ ! -s "$work/raw.txt" ]; then
	echo "bench: the guest produced no results (exit $rc)" >&2
	exit $rc
fi
[ ${#xvm_args[@]} -gt 0 ] && echo "icount=1" >>"$work/env.txt"
python3 "$top/tools/bench/report.py" "$work" --svg >/dev/null ||
	{ echo "bench: report failed" >&2; exit 1; }
mkdir -p "$dest"
for f in results.md summary.md results.csv raw.txt env.txt ratios.svg \
	throughput.svg latency.svg; do
	rm -f "$dest/$f"
	[ -e "$work/$f" ] && cp "$work/$f" "$dest/$f"
done
# profile-SENDER-PATH.txt (bulk_1x64K) and profile-SENDER-PATH-TEST.txt
for f in "$work"/profile-*.txt; do
	[ -e "$f" ] && cp "$f" "$dest/"
done
# A full run published in docs/bench/ is the latest: the README shows its
# summary between the bench markers.
if [ -z "$quick" ] && [ "$dest" -ef "$top/docs/bench" ]; then
	python3 - "$top/README.md" "$dest/summary.md" <<'PY' ||
import sys
readme, summary = sys.argv[1], sys.argv[2]
text = open(readme).read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
with open(readme, "w") as f:
    f.write(head + begin + "\n" + open(summary).read() + end + tail)
PY
		echo "bench: could not update README.md's bench summary" >&2
fi
echo "bench: results in $dest (exit $rc)"
exit $rc
