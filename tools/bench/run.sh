#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp benchmark, run INSIDE one tools/xvm guest: an AF_XTCP sender and a
# Linux TCP sender side by side on the same paths, into the same receiver
# (xbench -l, stock Linux TCP), then a table of xtcp/TCP ratios.
#
# Paths:
#   lo    both ends in one namespace over loopback
#   veth  sender namespace -> receiver namespace over a veth pair
#   igb   NIC0 driven by xtcp_igb (sender) -> NIC1 driven by the stock igb
#         (receiver) over the guest's private QEMU wire
#   drv   the driver comparison: a Linux TCP sender on NIC0 driven by
#         xtcp_igb, then by the stock igb, the receiver NIC on stock igb;
#         the full run repeats it with the NICs' roles swapped
#
# Tests (each a median over --reps repetitions, TCP and XTCP interleaved
# and alternating which goes first in one xbench process, so drift in a
# noisy host hits both):
#   bulk_{1,4}x{64K,1M}  throughput, streams x write size, CPU per GiB
#   rr_1B, rr_4K         request/response rate, p50/p99 latency
#   crr                  connect, 16-byte request, 1-byte response, close:
#                        rate and latency
#   cc                   connection setup alone (connect/accept/close)
# The transaction tests (rr, crr, cc) run twice per repetition, sender on
# CPU 0 and receiver on CPU 1 (two or more CPUs): once each sender alone,
# for the CPU figures, and once with the senders taking turns transaction
# by transaction (xbench -I, raw lines il=1), for the rates and
# latencies: in rr_1B over veth and lo, the per-repetition ratios of runs
# alone spread by 10-15%, those of turns by 3% (rate, p50) and 5% (p99).
# Over veth and igb each end's receive work runs on its own CPU (RPS,
# interrupt affinity: see setup_veth); over lo both ends' run on one.
#
# Usage: tools/bench/run.sh [--quick] [--out DIR] [--reps N] [--secs S]
#                           [--paths lo,veth,drv,igb] [--tests LIST]
#                           [--no-profile] [--profile-tests LIST]
#   --quick   3 repetitions of 1 s, no profile, no swapped driver run
#             (about 3 minutes); the default is 5 x 2 s (about 12)
#   --profile-tests LIST  the tests to profile on lo, veth and igb (perf
#             record -a -g, each sender; on igb also call counts of the
#             TX completion path), default bulk_1x64K; turns the profile on
# Every run also records its retransmissions and segments (TCP_INFO) and
# the packets its namespace's devices sent (xbench.c): the report's "Why"
# table, to tell the sender's share of a moved figure from the path's.
# Writes DIR/raw.txt (one line per run), DIR/env.txt, the profiles
# DIR/profile-*.txt, then tools/bench/report.py prints and writes the
# table (DIR/results.md, DIR/results.csv). Exit status: 0 when every run
# succeeded, 1 when any failed (the table marks which), 2 on bad usage.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
export XTCP_TOP=${XTCP_TOP:-$top}
. "$top/selftests/xtcp/lib.sh"

XBENCH=${XBENCH:-$here/xbench}
out=${XVM_OUT:-/tmp/xbench}
reps=5 secs=2 quick='' profile=1 profile_tests=bulk_1x64K
paths=lo,veth,drv,igb
all_tests="bulk_1x64K bulk_1x1M bulk_4x64K bulk_4x1M rr_1B rr_4K crr cc"
tests=$all_tests

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; reps=3; secs=1; profile=; shift ;;
	--out) out=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--paths) paths=$2; shift 2 ;;
	--tests) tests=${2//,/ }; shift 2 ;;
	--no-profile) profile=; shift ;;
	--profile-tests) profile_tests=${2//,/ }; profile=1; shift 2 ;;
	-h|--help) sed -n '/^# Usage/,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$reps" in '' | *[!0-9]* | 0) echo "run.sh: --reps takes a positive integer" >&2; exit 2 ;; esac
for t in $tests $profile_tests; do
	case " $all_tests " in *" $t "*) ;; *) echo "run.sh: unknown test $t" >&2; exit 2 ;; esac
done

mkdir -p "$out"
round=0		# the driver comparison's alternating rounds, 1 and 2
raw=$out/raw.txt
: >"$raw"
failed=0

say() { echo "bench: $*"; }

[ -x "$XBENCH" ] || { echo "run.sh: $XBENCH not built (make -C tools/bench)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (run it in tools/xvm)" >&2; exit 1; }

# The receiving end's CPU, the second one if there is one: where its
# receive work goes (setup_veth, wire_up) and where the transaction
# tests' receiver runs, the sender on CPU 0. Unpinned, the receiver's
# thread of each connection lands on the sender's CPU or the other one,
# a placement drawn anew for every connection, and the senders compare
# differently on each (veth rr_1B, runs alone: XTCP's p50 6% above Linux
# TCP's with both ends on one CPU, level on two).
rx_cpu=0
[ "$(nproc)" -ge 2 ] && rx_cpu=1

# Where the numbers came from.
{
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "kernel=$(uname -r)"
	echo "cpus=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "dirty=$(git -C "$top" status --porcelain -- module driver 2>/dev/null | wc -l)"
	echo "mode=$([ -n "$quick" ] && echo quick || echo full) reps=$reps secs=$secs"
	echo "wire_irqs=sender cpu0, receiver cpu$rx_cpu"
	echo "veth_rps=$([ "$rx_cpu" = 1 ] && echo "sender cpu0, receiver cpu1" || echo none)"
	echo "transactions=$([ "$rx_cpu" = 1 ] && echo "sender cpu0, receiver cpu1" || echo unpinned)"
} >"$out/env.txt"

# Both senders run the same congestion control: xtcp takes Linux's default
# (cubic on Debian), so the ratios compare send paths, not algorithms.
cong=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
xtcp_unload
xtcp_load congestion="$cong" ||
	{ echo "run.sh: cannot load $top/module/xtcp.ko congestion=$cong" >&2; exit 1; }
{
	echo "tcp_congestion=$cong"
	echo "xtcp_congestion=$(cat /sys/module/xtcp/parameters/congestion)"
} >>"$out/env.txt"
echo "xtcp_ko_sha256=$(sha256sum "$top/module/xtcp.ko" | cut -c 1-16)" >>"$out/env.txt"

# ---------------------------------------------------------------------
# One xbench process runs every repetition of one test for both senders,
# interleaved (see xbench.c). Its result lines go to raw.txt with the path
# and test in front; a failure is recorded too, with its reason.

test_args() {	# test_args TEST: xbench arguments
	case "$1" in
	bulk_1x64K) echo "-m bulk -P 1 -w 64K" ;;
	bulk_1x1M) echo "-m bulk -P 1 -w 1M" ;;
	bulk_4x64K) echo "-m bulk -P 4 -w 64K" ;;
	bulk_4x1M) echo "-m bulk -P 4 -w 1M" ;;
	rr_1B) echo "-m rr -r 1 -R 1" ;;
	rr_4K) echo "-m rr -r 4K -R 4K" ;;
	crr) echo "-m crr -R 1" ;;
	cc) echo "-m cc" ;;
	esac
}

# run_test PATH TEST SENDERS NS HOST PORT [IL]: SENDERS is "TCP,XTCP" or
# so; IL set: the senders take turns (xbench -I). Prints the sender that
# failed, if one did.
run_test() {
	local path=$1 test=$2 senders=$3 ns=$4 host=$5 port=$6 il=${7:-}
	local args rc n tmo why who pin=()

	n=$(echo "$senders" | tr ',' '\n' | wc -l)
	tmo=$((reps * n * (${secs%.*} + 35) + 30))
	args=$(test_args "$test")
	[ -n "$il" ] && args="$args -I"
	is_trans "$test" && [ "$rx_cpu" = 1 ] && pin=(taskset -c 0)
	# shellcheck disable=SC2086
	timeout "$tmo" "${pin[@]}" ip netns exec "$ns" "$XBENCH" $args \
		-s "$senders" -x "$reps" -H "$host" -p "$port" -t "$secs" \
		>"$out/.run" 2>"$out/.err"
	rc=$?
	grep '^mode=' "$out/.run" |
		sed "s/^/path=$path test=$test round=$round status=ok /" >>"$raw"
	[ $rc -eq 0 ] && return 0
	failed=1
	why=$(tr '\n' ' ' <"$out/.err" | tr -d '"' | cut -c 1-200)
	[ $rc -eq 124 ] && why="killed after ${tmo}s; $why"
	who=$(sed -n 's/.*\[sender=\([A-Z]*\) rep=\([0-9]*\)\].*/\1 \2/p' "$out/.err" | head -n 1)
	[ -n "$who" ] || who="? ?"
	echo "path=$path test=$test round=$round sender=${who% *} rep=${who#* }" \
		"status=fail rc=$rc why=\"$why\"" >>"$raw"
	say "$path $test: FAILED (exit $rc, sender ${who% *}): $(head -n 3 "$out/.err")" >&2
	echo "${who% *}"
	return 1
}

is_trans() {	# is_trans TEST: rr, crr or cc
	case "$1" in bulk_*) return 1 ;; esac
}

# bench_path PATH SENDER_NS RECEIVER_NS HOST PORT [SENDERS]: every test,
# both senders. The receivers are started here and stopped at the end: one
# for bulk on PORT, one for the transaction tests on PORT+10 (on CPU 1).
# A sender that fails 3 tests in a row is dropped from the path (a hang
# costs its timeout every time).
bench_path() {
	local path=$1 sns=$2 rns=$3 host=$4 port=$5 senders=${6:-TCP,XTCP}
	local spid tpid='' t who streak=0 ok tport=$(($5 + 10)) pin=()

	[ "$rx_cpu" = 1 ] && pin=(taskset -c 1)
	ip netns exec "$rns" "$XBENCH" -l -p "$port" >"$out/.server-$path" 2>&1 &
	spid=$!
	# the transaction tests' receiver, only where some will run
	for t in $tests; do
		is_trans "$t" || continue
		"${pin[@]}" ip netns exec "$rns" "$XBENCH" -l -p "$tport" \
			>"$out/.server-t-$path" 2>&1 &
		tpid=$!
		break
	done
	if ! wait_listen "$rns" "$port" 10 ||
	   { [ -n "$tpid" ] && ! wait_listen "$rns" "$tport" 10; }; then
		say "$path: receiver did not start: $(cat "$out"/.server-*"$path")"
		kill "$spid" $tpid 2>/dev/null
		failed=1
		return 1
	fi
	for t in $tests; do
		if ! is_trans "$t"; then
			who=$(run_test "$path" "$t" "$senders" "$sns" "$host" "$port")
			ok=$?
		else
			who=$(run_test "$path" "$t" "$senders" "$sns" "$host" "$tport")
			ok=$?
			[ $ok -eq 0 ] &&
				who=$(run_test "$path" "$t" "$senders" "$sns" "$host" "$tport" il)
			ok=$((ok | $?))
		fi
		if [ $ok -eq 0 ]; then
			streak=0
		elif [ "$who" = XTCP ] && [ "$senders" != TCP ]; then
			streak=$((streak + 1))
			if [ $streak -ge 3 ]; then
				say "$path: XTCP failed 3 tests in a row; TCP only from here"
				senders=TCP
			fi
		fi
		say "$path: $t done ($((SECONDS - t0)) s)"
	done
	kill "$spid" $tpid 2>/dev/null
	wait "$spid" $tpid 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------
# Topologies

setup_lo() {
	ip netns add blo && ip -n blo link set lo up
}

# Each end's receive work on its own CPU (two or more CPUs): RPS moves
# what the sender's veth receives to CPU 0 and what the receiver's
# receives to CPU 1; otherwise veth hands both to the transmitting CPU's
# backlog. On one CPU the two stacks' code compete for the caches (and,
# under TCG, the vCPU's translated-code lookup and soft TLB), which
# favours a sender running the receiver's stack: crr over veth, 10
# repetitions taking turns, XTCP/TCP rate 0.95-0.99 and p50 1.01-1.09
# with the receive work on the sending CPU, 0.98-1.02 and 0.97-1.03 with
# each end's on its own. lo has one device for both directions, so its
# ends share a CPU (RFS cannot split them: both directions of a
# connection have the same flow hash).
setup_veth() {
	veth_pair bs br || return 1
	[ "$rx_cpu" = 1 ] || return 0
	ip netns exec bs sh -c 'echo 1 >/sys/class/net/veth0/queues/rx-0/rps_cpus' &&
		ip netns exec br sh -c 'echo 2 >/sys/class/net/veth0/queues/rx-0/rps_cpus'
}

# nic_bind PCIADDR DRIVER: (re)bind one NIC to DRIVER, loading it if
# needed. driver_override keeps every other driver off the NIC.
nic_bind() {
	local dev=$1 drv=$2 cur

	cur=$(basename "$(readlink "/sys/bus/pci/devices/$dev/driver" 2>/dev/null)")
	[ "$cur" = "$drv" ] && return 0
	[ -n "$cur" ] && echo "$dev" >"/sys/bus/pci/devices/$dev/driver/unbind"
	echo "$drv" >"/sys/bus/pci/devices/$dev/driver_override"
	case $drv in
	xtcp_igb) [ -d /sys/module/xtcp_igb ] || insmod "$top/driver/xtcp_igb.ko" || return 1 ;;
	igb) modprobe igb || return 1 ;;
	esac
	[ -e "/sys/bus/pci/devices/$dev/driver" ] ||
		echo "$dev" >"/sys/bus/pci/drivers/$drv/bind" || return 1
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$dev/driver")")" = "$drv" ]
}

# nic_here PCIADDR: the NIC's netdev if it is in this (the initial)
# namespace; /sys/class/net shows this namespace's devices only.
nic_here() {
	local d

	for d in /sys/class/net/*; do
		if [ "$(basename "$(readlink -f "$d/device" 2>/dev/null)")" = "$1" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

# nic_place PCIADDR NS IP: move the NIC's netdev into NS (created if
# needed) with IP/24, up.
nic_place() {
	local dev=$1 ns=$2 ip=$3 nd

	for _ in $(seq 150); do
		nd=$(nic_here "$dev") && break
		sleep 0.2
	done
	[ -n "$nd" ] || { say "no netdev for $dev"; return 1; }
	[ -e "/run/netns/$ns" ] || { ip netns add "$ns" && ip -n "$ns" link set lo up; } || return 1
	ip link set "$nd" netns "$ns" || return 1
	ip -n "$ns" addr add "$ip/24" dev "$nd" || return 1
	ip -n "$ns" link set "$nd" up
}

# wire_irqs CPU PCIADDR...: every MSI-X vector of these NICs to CPU. Each
# queue pair's vectors otherwise sit on a CPU of their own, and which queue
# a connection uses follows its hash (RSS on receive, a random sk_txhash on
# Linux TCP's transmit), so each repetition drew its own placement. Six
# igb rr_4K repetitions per sender, in one guest: Linux TCP 872-1256
# transactions/s and xtcp 1040-1265 with the default placement,
# 1095-1233 and 1099-1215 with every vector on CPU 0. The senders
# compare on one placement: the sender's NIC on CPU 0, the receiver's on
# CPU 1 (each end's receive work on its own CPU, as setup_veth's RPS).
wire_irqs() {
	local cpu=$1 dev irq

	shift
	for dev in "$@"; do
		for irq in /sys/bus/pci/devices/"$dev"/msi_irqs/*; do
			[ -e "$irq" ] || continue
			echo "$cpu" >"/proc/irq/$(basename "$irq")/smp_affinity_list" ||
				say "cannot pin irq $(basename "$irq") of $dev"
		done
	done
}

# wire_up SENDER_PCI SENDER_DRIVER RECEIVER_PCI: sender NIC in "ws" as
# 10.0.3.1, receiver NIC (stock igb) in "wr" as 10.0.3.2, interrupts on
# CPU 0 and 1 (wire_irqs), link checked.
wire_up() {
	local s=$1 sdrv=$2 r=$3

	wire_down
	# Pin both NICs first: a driver being loaded takes every free 82576.
	echo igb >"/sys/bus/pci/devices/$r/driver_override"
	echo "$sdrv" >"/sys/bus/pci/devices/$s/driver_override"
	nic_bind "$r" igb || { say "cannot bind $r to igb"; return 1; }
	nic_bind "$s" "$sdrv" || { say "cannot bind $s to $sdrv"; return 1; }
	nic_place "$r" wr 10.0.3.2 && nic_place "$s" ws 10.0.3.1 || return 1
	wire_irqs 0 "$s"
	wire_irqs "$rx_cpu" "$r"
	# first contact: the stock driver may need a moment after carrier
	for _ in $(seq 30); do
		ip netns exec ws busybox ping -c 1 -W 1 10.0.3.2 >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	say "no ping over the wire ($sdrv on $s):"
	ip -n ws -br link; ip -n wr -br link
	return 1
}

# The netdevs return to the initial namespace when theirs is deleted, but
# only once the namespace is torn down, which waits for every reference to
# it (sockets, TIME_WAIT included): wait for that, and say when it is slow.
wire_down() {	# wire_down [MAX_SECS]
	local dev nd t=$SECONDS max=${1:-120}

	ns_cleanup ws wr
	for dev in ${XVM_NIC0:-} ${XVM_NIC1:-}; do
		[ -e "/sys/bus/pci/devices/$dev/driver" ] || continue
		while ! nd=$(nic_here "$dev") && [ $((SECONDS - t)) -lt "$max" ]; do
			sleep 0.5
		done
		[ -n "$nd" ] || say "$dev: no netdev back in the initial namespace after $((SECONDS - t)) s"
	done
	[ $((SECONDS - t)) -le 5 ] ||
		say "wire namespaces took $((SECONDS - t)) s to go (and give the NICs back)"
}

have_nics() {
	[ -n "${XVM_NIC0:-}" ] && [ -n "${XVM_NIC1:-}" ] &&
		[ -d "/sys/bus/pci/devices/$XVM_NIC0" ] && [ -f "$top/driver/xtcp_igb.ko" ]
}

skip_path() {	# skip_path PATH WHY: recorded, so the table says why
	local t

	say "$1: SKIPPED: $2"
	for t in $tests; do
		echo "path=$1 test=$t rep=0 status=skip why=\"$2\"" >>"$raw"
	done
}

cleanup() {
	ns_cleanup blo bs br ws wr
}
trap cleanup EXIT

# ---------------------------------------------------------------------
# Profile: where each sender spends the machine's time in one test over
# one path (veth or igb; bulk_1x64K by default), xtcp and, for
# comparison, Linux TCP. profile-SENDER-PATH.txt is the bulk_1x64K
# profile's name, as before; other tests add theirs:
# profile-SENDER-PATH-TEST.txt. Each ends with every symbol's sample count
# and the GiB moved, so two profiles compare per GiB
# (tools/bench/profcmp.py). On igb a second, shorter run counts the calls
# of the transmit and TX completion functions (kprobes with a histogram by
# task), the softirqs and the NIC interrupts: on a real NIC skbs are freed
# late, in the NAPI poll, and the small-queue wakeups that follow are where
# the two stacks differ.

tracefs=/sys/kernel/tracing

# The functions counted on igb; a name the kernel does not have (inlined,
# or its module not loaded) is left out.
count_fns="xtcp_wfree tcp_wfree sock_wfree
xtcp:xtcp_tsq_run tcp_tasklet_func xtcp_tsq_handler tcp_tsq_handler
xtcp_write_xmit tcp_write_xmit xtcp_transmit_skb __tcp_transmit_skb
xtcp_ack tcp_ack xtcp_send_ack __tcp_send_ack
xtcp_igb:xigb_xmit_frame xtcp_igb:xigb_poll xtcp_igb:xigb_clean_tx
igb:igb_poll run_ksoftirqd net_tx_action"

# count_start: one kprobe per function, each with a histogram of its
# hits by task. Prints the probes placed.
count_start() {
	local f ev

	[ -e "$tracefs/kprobe_events" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null
	count_stop
	for f in $count_fns; do
		ev=xbc_${f#*:}
		echo "p:xbc/$ev $f" >>"$tracefs/kprobe_events" 2>/dev/null || continue
		echo 'hist:keys=common_pid.execname:vals=hitcount:size=256' \
			>"$tracefs/events/xbc/$ev/trigger" 2>/dev/null || continue
		echo "$ev"
	done
}

count_stop() {
	local t

	[ -d "$tracefs/events/xbc" ] || return 0
	for t in "$tracefs"/events/xbc/*/trigger; do
		[ -e "$t" ] || continue
		sed -n 's/^\(hist:[^ ]*\).*/!\1/p' "$t" | while read -r l; do
			echo "$l" >"$t"
		done
	done
	grep '^p:xbc/' "$tracefs/kprobe_events" 2>/dev/null | cut -d' ' -f1 |
		sed 's/^p:/-:/' | while read -r l; do
		echo "$l" >>"$tracefs/kprobe_events"
	done
}

# count_report GIB EVENTS...: each function's hits, per GiB, and by task
# kind: the sender (xbench), the receiver (xbench-rx), ksoftirqd, an
# interrupt on an idle CPU (swapper), other.
count_report() {
	local gib=$1 ev
	shift

	printf '# %-24s %10s %10s  %s\n' function calls per_GiB \
		"by task: xbench xbench-rx ksoftirqd swapper other"
	for ev in "$@"; do
		awk -v ev="${ev#xbc_}" -v gib="$gib" '
			/common_pid:/ {
				n = $NF; sub(/.*common_pid: */, ""); sub(/ *\[.*/, "")
				if ($0 == "xbench") k = 1
				else if ($0 == "xbench-rx") k = 2
				else if ($0 ~ /^ksoftirqd/) k = 3
				else if ($0 ~ /^swapper/) k = 4
				else k = 5
				c[k] += n; t += n
			}
			END {
				printf "  %-24s %10d %10.0f  %d %d %d %d %d\n", ev, t,
				       (gib > 0 ? t / gib : 0), c[1], c[2], c[3], c[4], c[5]
			}' "$tracefs/events/xbc/$ev/hist"
	done
}

# softirq_snap: NET_TX, NET_RX and TASKLET counts summed over CPUs, and
# per CPU.
softirq_snap() {
	awk '$1 ~ /^(NET_TX|NET_RX|TASKLET):$/ {
		s = 0; for (i = 2; i <= NF; i++) s += $i
		printf "%s %d", $1, s
		for (i = 2; i <= NF; i++) printf " %d", $i
		printf "\n"
	}' /proc/softirqs
}

# NIC interrupts by vector and CPU (the devices' MSI-X names).
irq_snap() {
	awk 'NR > 1 && /(eth|ens|enp|xigb|igb)/ {
		s = 0; for (i = 2; i <= ncpu + 1; i++) s += $i
		printf "%s", $NF
		for (i = 2; i <= ncpu + 1; i++) printf " %d", $i
		printf "\n"
	}' ncpu="$(nproc)" /proc/interrupts
}

# snap_diff BEFORE AFTER: the second minus the first, field by field.
snap_diff() {
	awk 'NR == FNR { b[$1] = $0; next }
	     { split(b[$1], o); printf "  %s", $1
	       for (i = 2; i <= NF; i++) printf " %d", $i - o[i]
	       printf "\n" }' "$1" "$2"
}

mode_field() {	# mode_field FILE KEY: a key=value of xbench's result line
	grep -m 1 '^mode=' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

profile_path() {	# profile_path PATH SENDER [TEST]
	local path=$1 fam=$2 test=${3:-bulk_1x64K} port=5290 spid data=/tmp/perf-$2.data
	local f=$out/profile-$2-$1.txt args sns rns host bytes gib evs
	local rep=(perf report -i "$data" --kallsyms=/proc/kallsyms --stdio --no-children)

	case $path in
	lo) sns=blo rns=blo host=127.0.0.1 ;;
	veth) sns=bs rns=br host=10.0.1.2 ;;
	igb) sns=ws rns=wr host=10.0.3.2 ;;
	*) echo "run.sh: no profile for path $path" >&2; return 1 ;;
	esac
	[ "$test" = bulk_1x64K ] || f=$out/profile-$fam-$path-$test.txt
	args=$(test_args "$test")
	# kernel and module symbols come from kallsyms: real addresses there,
	# and perf report told to use it (the headers' vmlinux is no match)
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
	# the receiver under another name, so the sender's samples stand apart
	ln -sf "$XBENCH" /tmp/xbench-rx
	ip netns exec "$rns" /tmp/xbench-rx -l -p $port >/dev/null 2>&1 &
	spid=$!
	wait_listen "$rns" $port 10 || { kill $spid; return 1; }
	# shellcheck disable=SC2086
	perf record -a -g -F 499 -q -o "$data" -- \
		ip netns exec "$sns" "$XBENCH" $args -s "$fam" -H "$host" -p $port -t 4 \
		>"$out/.profile-run" 2>&1
	bytes=$(mode_field "$out/.profile-run" bytes)
	gib=$(awk -v b="${bytes:-0}" 'BEGIN { printf "%.4f", b / 1073741824 }')
	{
		echo "# perf record -a -g -F 499, $test over $path, sender $fam -> Linux TCP"
		echo "# $(grep '^mode=' "$out/.profile-run")"
		echo "# GiB moved: $gib"
		echo "# top symbols (self time, all CPUs; swapper is the idle task,"
		echo "# xbench the sender, xbench-rx the Linux TCP receiver):"
		"${rep[@]}" -g none --sort comm,sym --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 40
		echo "# xtcp's own functions (self time):"
		"${rep[@]}" -g none --sort sym 2>/dev/null | grep -E '\] xtcp_' | head -n 25
		echo "# the top symbols of xbench (sender) and xbench-rx (receiver), with callers:"
		"${rep[@]}" --comms xbench --sort comm,sym -g caller,0.5,callee,function,percent \
			--percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 250
	} >"$f"
	# last in the file, after the counts
	"${rep[@]}" -g none -n --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' >"$f.sym"
	rm -f "$data"
	if [ "$path" = igb ]; then
		# Counted apart: the probes would show in the profile.
		local s0=/tmp/softirq.0 s1=/tmp/softirq.1 i0=/tmp/irq.0 i1=/tmp/irq.1
		# shellcheck disable=SC2207
		evs=($(count_start))
		softirq_snap >$s0
		irq_snap >$i0
		# shellcheck disable=SC2086
		ip netns exec "$sns" "$XBENCH" $args -s "$fam" -H "$host" -p $port -t 2 \
			>"$out/.count-run" 2>&1
		softirq_snap >$s1
		irq_snap >$i1
		bytes=$(mode_field "$out/.count-run" bytes)
		gib=$(awk -v b="${bytes:-0}" 'BEGIN { printf "%.4f", b / 1073741824 }')
		{
			echo "# calls, counted in a second run of 2 s (kprobes, hist by task):"
			echo "# $(grep '^mode=' "$out/.count-run")"
			echo "# GiB moved: $gib"
			if [ ${#evs[@]} -gt 0 ]; then
				count_report "$gib" "${evs[@]}"
			else
				echo "# (no kprobe could be placed)"
			fi
			echo "# softirqs raised in that run: name total per-CPU..."
			snap_diff $s0 $s1
			echo "# NIC interrupts in that run: vector per-CPU..."
			snap_diff $i0 $i1
		} >>"$f"
		count_stop
		rm -f $s0 $s1 $i0 $i1
	fi
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	{
		echo "# every symbol, all CPUs and tasks (the idle loop too): samples, self time"
		cat "$f.sym"
	} >>"$f"
	rm -f "$f.sym"
	say "profile written: $(basename "$f")"
}

profile_all() {	# profile_all PATH: each profiled test, both senders
	local t

	[ -n "$profile" ] && command -v perf >/dev/null || return 0
	for t in $profile_tests; do
		profile_path "$1" XTCP "$t"
		profile_path "$1" TCP "$t"
	done
}

# ---------------------------------------------------------------------

say "$(sed -n 's/^mode=//p' "$out/env.txt"); paths $paths; tests $tests"
t0=$SECONDS
for p in ${paths//,/ }; do
	case $p in
	lo)
		setup_lo || { skip_path lo "cannot create a namespace"; continue; }
		bench_path lo blo blo 127.0.0.1 5201
		profile_all lo
		;;
	veth)
		setup_veth || { skip_path veth "cannot create veth pair"; continue; }
		bench_path veth bs br 10.0.1.2 5202
		profile_all veth
		;;
	igb)
		have_nics || { skip_path igb "needs the two igb NICs of tools/xvm and driver/xtcp_igb.ko"; continue; }
		wire_up "$XVM_NIC0" xtcp_igb "$XVM_NIC1" ||
			{ failed=1; skip_path igb "xtcp_igb wire did not come up"; continue; }
		bench_path igb ws wr 10.0.3.2 5203
		profile_all igb
		# nothing needs the wire after this; only see whether it frees
		wire_down 30
		;;
	drv)
		have_nics || { skip_path drv "needs the two igb NICs of tools/xvm and driver/xtcp_igb.ko"; continue; }
		# Linux TCP only: this compares the drivers, not the stacks.
		# Rounds alternate the drivers; each round is reps/2 runs.
		saved_tests=$tests saved_reps=$reps
		tests=bulk_1x64K
		reps=$(((reps + 1) / 2))
		pairs="$XVM_NIC0,$XVM_NIC1,nic0"
		[ -z "$quick" ] && pairs="$pairs $XVM_NIC1,$XVM_NIC0,nic1"
		for pr in $pairs; do
			IFS=, read -r snic rnic tag <<<"$pr"
			for round in 1 2; do
				for d in xtcp_igb igb; do
					if wire_up "$snic" "$d" "$rnic"; then
						bench_path "drv_${tag}_$d" ws wr 10.0.3.2 5204 TCP
					else
						failed=1
						skip_path "drv_${tag}_$d" "$d wire did not come up"
					fi
				done
			done
		done
		wire_down
		tests=$saved_tests reps=$saved_reps round=0
		;;
	*)
		echo "run.sh: unknown path $p" >&2
		exit 2
		;;
	esac
done
say "runs done in $((SECONDS - t0)) s"
rm -f "$out"/.run "$out"/.err "$out"/.server-* "$out"/.profile-run "$out"/.count-run

python3 "$here/report.py" "$out" || failed=1
exit $failed
