#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What xtcp's tracepoints cost when nobody listens.
#
# Three variants of the same xtcp.ko are compared on the same veth path,
# with xbench (tools/bench) as the load. A socket in TIME_WAIT pins the
# module, so each guest boot loads one build: boots alternate between the
# baseline and the shipped module, and in the shipped one "off" and "on"
# runs are interleaved:
#   notp      the sources with every trace_xtcp_*() compiled out (empty
#             inline stubs, xtcp_trace.o not linked): the baseline
#   off       the module as shipped, events disabled (the static-key NOP)
#   on        the module as shipped, xtcp:* enabled into a tracefs ring
# "on" shows that the measurement can see a cost at all.
#
# Usage (host):  tools/trace/tp-cost.sh [--reps N] [--secs S] [--boots B]
#                                      [--out DIR]
#   builds the baseline into DIR/notp, then boots B guests (baseline,
#   shipped, baseline, ...) and writes DIR/tp-cost.txt.
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
reps=5 secs=2 out=/tmp/xtcp-tp-cost boots=4
guest='' build=''
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--boots) boots=$2; shift 2 ;;
	--guest) guest=1; build=$2; shift 2 ;;
	*) echo "usage: $0 [--reps N] [--secs S] [--out DIR]" >&2; exit 2 ;;
	esac
done

kdir=/lib/modules/6.12.117+deb12-amd64/build

# The baseline: a copy of module/ whose every tracepoint call is an empty
# inline. Pre-defining the header guard makes <trace/events/xtcp.h> a no-op.
build_notp() {
	local d=$1/notp

	rm -rf "$d"
	mkdir -p "$d/module"
	cp "$top"/module/*.c "$top"/module/*.h "$d/module/" 2>/dev/null || true
	cp -r "$top/include" "$d/include"
	rm -f "$d/module/xtcp_trace.c"
	cat >"$d/module/notp.h" <<'EOF'
/* SPDX-License-Identifier: GPL-2.0 */
#define _TRACE_XTCP_H
#include <linux/types.h>
struct sock;
struct sk_buff;
#define XTCP_NOTP_SK(n) \
	static inline void trace_xtcp_##n(const struct sock *s, \
					  const struct sk_buff *b) {}
XTCP_NOTP_SK(sendmsg) XTCP_NOTP_SK(transmit_skb) XTCP_NOTP_SK(retransmit)
XTCP_NOTP_SK(ip_queue_xmit) XTCP_NOTP_SK(ip_output) XTCP_NOTP_SK(neigh_output)
static inline void trace_xtcp_push(const struct sock *s, int f, int m, int n) {}
static inline void trace_xtcp_write_xmit(const struct sock *s,
					 const struct sk_buff *b, int r) {}
static inline void trace_xtcp_ack(const struct sock *s, u32 a, u32 b, u32 w) {}
static inline void trace_xtcp_state(const struct sock *s, int o, int n) {}
EOF
	sed -e 's/ xtcp_trace\.o//' "$top/module/Kbuild" >"$d/module/Kbuild"
	echo 'ccflags-y += -include $(src)/notp.h' >>"$d/module/Kbuild"
	make -s -C "$kdir" M="$d/module" modules >"$1/notp-build.log" 2>&1 ||
		{ cat "$1/notp-build.log"; return 1; }
	# no event may be left in the baseline
	if grep -q __tracepoint_xtcp "$d/module/Module.symvers" ||
	   nm "$d/module/xtcp.ko" | grep -q __tracepoint_xtcp; then
		echo "tp-cost: baseline still has tracepoints" >&2
		return 1
	fi
}

# ---- guest part ----------------------------------------------------------

bench_once() {	# bench_once VARIANT MODE: prints the xbench result line
	local v=$1 mode=$2

	if [ "$v" = on ]; then
		# no sched_switch hook for task names: see xtrace_record.py
		echo 0 >/sys/kernel/tracing/options/record-cmd
		echo 4096 >/sys/kernel/tracing/buffer_size_kb
		echo 1 >/sys/kernel/tracing/events/xtcp/enable
		echo 1 >/sys/kernel/tracing/tracing_on
	fi
	ip netns exec tpc1 "$top/tools/bench/xbench" -m "$mode" -s XTCP \
		-H 10.0.1.2 -p 5351 -t "$secs" 2>&1 | grep "mode=" | head -n 1
	if [ "$v" = on ]; then
		echo 0 >/sys/kernel/tracing/events/xtcp/enable
		echo >/sys/kernel/tracing/trace
	fi
}

guest_main() {
	local v mode line ko=$top/module/xtcp.ko variants="off on"

	if [ "$build" = notp ]; then
		# the guest sees the host's --out directory as $XVM_OUT
		ko=${XVM_OUT:-$out}/notp/module/xtcp.ko
		variants=notp
	fi
	. "$top/selftests/xtcp/lib.sh"
	insmod "$ko"
	veth_pair tpc1 tpc2
	ip netns exec tpc2 "$top/tools/bench/xbench" -l -p 5351 >/dev/null 2>&1 &
	sleep 1
	for _ in $(seq "$reps"); do
		for mode in bulk rr; do
			for v in $variants; do
				line=$(bench_once "$v" $mode)
				echo "variant=$v $line"
			done
		done
	done
	kill %1
}

if [ -n "$guest" ]; then
	guest_main
	exit 0
fi

mkdir -p "$out"
build_notp "$out"
: >"$out/raw.txt"
for b in $(seq "$boots"); do
	kind=shipped
	[ $((b % 2)) = 1 ] && kind=notp
	"$top/tools/xvm" --timeout 1500 --out "$out" -- \
		"$top/tools/trace/tp-cost.sh" --guest $kind --reps "$reps" \
		--secs "$secs" --out "$out" | tee -a "$out/raw.txt" ||
		echo "tp-cost: boot $b ($kind) failed; its completed runs count" >&2
done
python3 - "$out/raw.txt" >"$out/tp-cost.txt" <<'PY'
import re, statistics, sys
rows = {}
cpus = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if "variant" not in kv:
        continue
    key = (kv["mode"], kv["variant"])
    val = float(kv["mbps"]) if kv["mode"] == "bulk" else float(kv["rate"])
    # CPU time per MB (bulk) or per transaction (rr), in us
    work = float(kv["bytes"]) / 1e6 if kv["mode"] == "bulk" else float(kv["trans"])
    cpu = float(kv["sw_task_clock_ms"]) * 1e3 / max(work, 1e-9)
    rows.setdefault(key, []).append(val)
    cpus.setdefault(key, []).append(cpu)
print("%-5s %-5s %5s %10s %10s %10s %8s %9s" % ("mode", "build", "runs",
      "median", "min", "max", "vs notp", "cpu/unit"))
for mode, unit in (("bulk", "Mbit/s"), ("rr", "trans/s")):
    base = statistics.median(rows.get((mode, "notp"), [0])) or 1
    for v in ("notp", "off", "on"):
        x = rows.get((mode, v), [])
        if not x:
            continue
        m = statistics.median(x)
        print("%-5s %-5s %5d %10.1f %10.1f %10.1f %+7.1f%% %9.0f  %s" % (
            mode, v, len(x), m, min(x), max(x), (m / base - 1) * 100,
            statistics.median(cpus[(mode, v)]), unit))
PY
cat "$out/tp-cost.txt"
