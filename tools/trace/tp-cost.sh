#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What xtcp's tracepoints cost when nobody listens, measured in ONE guest
# boot so that boot-to-boot and host-load drift cancel out.
#
# Two builds of the same sources are loaded side by side:
#   xtcp.ko       the module as shipped (family from its default)
#   xtcp_notp.ko  the same sources with every trace_xtcp_*() compiled out
#                 (empty inline stubs, xtcp_trace.o not linked), its own
#                 module, proto and /proc names, registered as family 23
# Each socket belongs to one module, so a sender picks the build with
# $XTCP_FAMILY. The same AF_XTCP -> stock TCP transfer over veth runs as
#   notp  baseline build
#   off   shipped build, events disabled (the static-key NOP)
#   on    shipped build, xtcp:* enabled into a tracefs instance
# in ABBA order per round (notp off on on off notp), so a slow drift of the
# host weighs on every variant alike. "on" shows the measurement can see a
# cost at all. Per run: the sender's task-clock (perf stat, a software
# counter: TCG has no PMU) per MiB sent, and the throughput.
#
# Under plain TCG the guest's clocks follow the host's, and a shared host
# makes one run 3x another. So the guest runs with QEMU's -icount shift=0
# (single-threaded TCG): guest time advances 1 ns per instruction executed,
# and the sender's task-clock becomes its instruction count, whatever the
# host does (tools/xvm --icount; --no-icount here for plain TCG). One
# vCPU (--smp 1 by
# default): with two, guest time also advances with what the other vCPU
# executes while the sender runs.
#
# Usage (host):  tools/trace/tp-cost.sh [--rounds N] [--mib M] [--out DIR]
#                                      [--no-icount] [--smp N] [--chunk B]
#   --chunk B: the sender writes 1..B bytes at a time (xtcp_connect -c):
#   many sendmsg calls and small segments, the most tracepoint sites per
#   byte (the default writes up to 1 MiB and xtcp sends GSO skbs).
#   builds xtcp_notp.ko into DIR, boots one guest, writes DIR/raw.txt and
#   DIR/tp-cost.txt (per variant: median, quartiles; paired per round:
#   off vs notp and on vs notp).
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
rounds=12 mib=32 out=/tmp/xtcp-tp-cost guest='' icount=1 smp=1 chunk=''
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--guest) guest=1; shift ;;
	--no-icount) icount=''; shift ;;
	--smp) smp=$2; shift 2 ;;
	--chunk) chunk=$2; shift 2 ;;
	*) echo "usage: $0 [--rounds N] [--mib M] [--out DIR]" >&2; exit 2 ;;
	esac
done

kdir=/lib/modules/6.12.117+deb12-amd64/build
NOTP_FAMILY=23

# The baseline: a copy of module/ whose every tracepoint call is an empty
# inline. Pre-defining the header guard makes <trace/events/xtcp.h> define
# no event. Renamed so it loads beside the shipped module.
build_notp() {
	local d=$1/notp

	rm -rf "$d"
	mkdir -p "$d/module"
	cp "$top"/module/*.c "$top"/module/*.h "$d/module/" 2>/dev/null || true
	cp -r "$top/include" "$d/include"
	rm -f "$d/module/xtcp_trace.c" "$d/module/xtcp.mod.c"
	cat >"$d/module/notp.h" <<'EOF'
/* SPDX-License-Identifier: GPL-2.0 */
#define _TRACE_XTCP_H
#include <linux/types.h>
struct sock;
struct sk_buff;
struct neighbour;
#define XTCP_NOTP_SK(n) \
	static inline void trace_xtcp_##n(const struct sock *s, \
					  const struct sk_buff *b) {}
XTCP_NOTP_SK(sendmsg) XTCP_NOTP_SK(transmit_skb) XTCP_NOTP_SK(retransmit)
XTCP_NOTP_SK(ip_queue_xmit) XTCP_NOTP_SK(ip_output)
static inline void trace_xtcp_neigh_output(const struct sock *s,
					   const struct sk_buff *b,
					   const struct neighbour *n) {}
static inline void trace_xtcp_push(const struct sock *s, int f, int m, int n) {}
static inline void trace_xtcp_write_xmit(const struct sock *s,
					 const struct sk_buff *b, int r) {}
static inline void trace_xtcp_ack(const struct sock *s, u32 a, u32 b, u32 w) {}
static inline void trace_xtcp_state(const struct sock *s, int o, int n) {}
EOF
	# names the kernel keeps unique: proc entries, the proto (its slab)
	sed -i -e 's/"xtcp_snmp"/"xtcp_notp_snmp"/' -e 's/"xtcp"/"xtcp_notp"/' \
		"$d/module/xtcp_proc.c"
	sed -i 's/\.name\(\s*\)= "XTCP"/.name\1= "XTCP_NOTP"/' "$d/module/xtcp_proto.c"
	sed -e 's/ xtcp_trace\.o//' -e 's/^obj-m += xtcp\.o/obj-m += xtcp_notp.o/' \
		-e 's/^xtcp-y :=/xtcp_notp-y :=/' \
		"$top/module/Kbuild" >"$d/module/Kbuild"
	# shellcheck disable=SC2016 # $(src) is for make
	echo 'ccflags-y += -include $(src)/notp.h' >>"$d/module/Kbuild"
	make -s -C "$kdir" M="$d/module" modules >"$1/notp-build.log" 2>&1 ||
		{ cat "$1/notp-build.log"; return 1; }
	# no event may be left in the baseline
	if nm "$d/module/xtcp_notp.ko" | grep -q __tracepoint_xtcp; then
		echo "tp-cost: baseline still has tracepoints" >&2
		return 1
	fi
}

# ---- guest part ----------------------------------------------------------

XC=$top/selftests/xtcp/xtcp_connect
INST=/sys/kernel/tracing/instances/tpcost

run_once() {	# run_once VARIANT ROUND: one transfer, one result line
	local v=$1 r=$2 fam=$SHIPPED_FAMILY st res clk ms

	[ "$v" = notp ] && fam=$NOTP_FAMILY
	st=$(mktemp)
	res=$(XTCP_FAMILY=$fam ip netns exec tpc1 perf stat -x, -e task-clock \
		-o "$st" -- timeout 600 "$XC" -s XTCP -p 5351 -n "${mib}M" \
		${chunk:+-c "$chunk"} -t 60 10.0.1.2) || { echo "variant=$v round=$r failed"; return 0; }
	clk=$(awk -F, '$3 == "task-clock" { print $1 }' "$st")
	ms=$(awk '$1 == "time_ms" { print $2 }' <<<"$res")
	rm -f "$st"
	# what "on" wrote: events now in the ring plus those overwritten
	ev=$(cat "$INST"/per_cpu/cpu*/stats |
		awk '$1 == "entries:" || $1 == "overrun:" { n += $2 } END { print n }')
	echo "variant=$v round=$r mib=$mib chunk=${chunk:-1M} task_clock_ms=$clk time_ms=$ms events=$ev"
	echo >"$INST/trace"
}

guest_main() {
	local r v

	. "$top/selftests/xtcp/lib.sh"
	insmod "$top/module/xtcp.ko"
	insmod "${XVM_OUT:-$out}/notp/module/xtcp_notp.ko" family=$NOTP_FAMILY
	SHIPPED_FAMILY=$(cat /sys/module/xtcp/parameters/family)
	veth_pair tpc1 tpc2
	ip netns exec tpc2 timeout 3000 "$XC" -l -s TCP -p 5351 \
		-I $((rounds * 6 + 10)) -t 600 0.0.0.0 >/dev/null 2>&1 &
	sleep 1
	# the instance exists throughout; only xtcp:* is switched, twice a
	# round (bounded: toggling patches kernel text, slow under TCG)
	[ -d /sys/kernel/tracing/instances ] ||
		mount -t tracefs nodev /sys/kernel/tracing
	mkdir -p "$INST"
	echo 4096 >"$INST/buffer_size_kb"
	# no sched_switch hook for task names (a global option): see
	# xtrace_record.py
	echo 0 >/sys/kernel/tracing/options/record-cmd
	run_once notp 0 >/dev/null	# warm-up: page cache, ARP, slabs
	run_once off 0 >/dev/null
	for r in $(seq "$rounds"); do
		for v in notp off on on off notp; do
			if [ "$v" = on ] && [ "$(cat "$INST/events/xtcp/enable")" != 1 ]; then
				echo 1 >"$INST/events/xtcp/enable"
			fi
			if [ "$v" != on ] && [ "$(cat "$INST/events/xtcp/enable")" != 0 ]; then
				echo 0 >"$INST/events/xtcp/enable"
				echo >"$INST/trace"
			fi
			run_once $v "$r"
		done
	done
	echo 0 >"$INST/events/xtcp/enable"
	kill %1 2>/dev/null || true
}

if [ -n "$guest" ]; then
	guest_main
	exit 0
fi

mkdir -p "$out"
build_notp "$out"
make -s -C "$top/selftests/xtcp" xtcp_connect >/dev/null
"$top/tools/xvm" --timeout 2400 --smp "$smp" ${icount:+--icount} \
	--out "$out" -- \
	"$top/tools/trace/tp-cost.sh" --guest --rounds "$rounds" --mib "$mib" \
	--out "$out" ${chunk:+--chunk "$chunk"} | tee "$out/raw.txt"
python3 - "$out/raw.txt" >"$out/tp-cost.txt" <<'PY'
import re
import statistics as st
import sys

runs = {}
events = []
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if "task_clock_ms" not in kv or not kv["time_ms"]:
        continue
    mib = float(kv["mib"])
    cpu = float(kv["task_clock_ms"]) * 1e3 / mib          # us per MiB
    mbps = mib * 8 * 1.048576 / (float(kv["time_ms"]) / 1e3)
    runs.setdefault(kv["variant"], {}).setdefault(int(kv["round"]), []).append(
        (cpu, mbps))
    if kv.get("events", "0") != "0":
        events.append(int(kv["events"]))


def q(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 4], st.median(xs), xs[(3 * n) // 4]


print("per run (sender task-clock per MiB, throughput):")
print("%-5s %5s %28s %28s" % ("", "runs", "cpu us/MiB p25/p50/p75",
                               "Mbit/s p25/p50/p75"))
for v in ("notp", "off", "on"):
    r = [x for lst in runs.get(v, {}).values() for x in lst]
    if not r:
        continue
    c, m = q([x[0] for x in r]), q([x[1] for x in r])
    print("%-5s %5d %9.0f %8.0f %9.0f %9.1f %8.1f %9.1f"
          % ((v, len(r)) + c + m))
if events:
    print("on: %d..%d events per run" % (min(events), max(events)))
print()
print("paired by round (mean of the round's two runs), vs notp:")
for v in ("off", "on"):
    for i, what in ((0, "sender task-clock/MiB"), (1, "transfer time")):
        d = []
        for rnd, base in runs.get("notp", {}).items():
            x = runs.get(v, {}).get(rnd)
            if not x or len(base) < 2 or len(x) < 2:
                continue
            # time: the inverse of throughput
            b = st.mean(1 / y[i] if i else y[i] for y in base)
            d.append((st.mean(1 / y[i] if i else y[i] for y in x) / b - 1) * 100)
        if d:
            lo, med, hi = q(d)
            print("%-4s %-22s %+7.2f%% median (p25 %+.2f%%, p75 %+.2f%%), "
                  "%d rounds, %d above notp"
                  % (v, what, med, lo, hi, len(d), sum(1 for x in d if x > 0)))
PY
cat "$out/tp-cost.txt"
