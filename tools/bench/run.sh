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
#
# Usage: tools/bench/run.sh [--quick] [--out DIR] [--reps N] [--secs S]
#                           [--paths lo,veth,drv,igb] [--tests LIST]
#                           [--no-profile] [--profile-tests LIST]
#   --quick   3 repetitions of 1 s, no profile, no swapped driver run
#             (about 3 minutes); the default is 5 x 2 s (about 12)
#   --profile-tests LIST  the veth tests to profile (perf record -a -g,
#             each sender), default bulk_1x64K; turns the profile on
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

# Where the numbers came from.
{
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "kernel=$(uname -r)"
	echo "cpus=$(nproc)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "dirty=$(git -C "$top" status --porcelain -- module driver 2>/dev/null | wc -l)"
	echo "mode=$([ -n "$quick" ] && echo quick || echo full) reps=$reps secs=$secs"
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

# run_test PATH TEST SENDERS NS HOST PORT: SENDERS is "TCP,XTCP" or so.
# Prints the sender that failed, if one did.
run_test() {
	local path=$1 test=$2 senders=$3 ns=$4 host=$5 port=$6
	local args rc n tmo why who

	n=$(echo "$senders" | tr ',' '\n' | wc -l)
	tmo=$((reps * n * (${secs%.*} + 35) + 30))
	args=$(test_args "$test")
	# shellcheck disable=SC2086
	timeout "$tmo" ip netns exec "$ns" "$XBENCH" $args -s "$senders" \
		-x "$reps" -H "$host" -p "$port" -t "$secs" \
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

# bench_path PATH SENDER_NS RECEIVER_NS HOST PORT [SENDERS]: every test,
# both senders. The receiver is started here and stopped at the end. A
# sender that fails 3 tests in a row is dropped from the path (a hang
# costs its timeout every time).
bench_path() {
	local path=$1 sns=$2 rns=$3 host=$4 port=$5 senders=${6:-TCP,XTCP}
	local spid t who streak=0

	ip netns exec "$rns" "$XBENCH" -l -p "$port" >"$out/.server-$path" 2>&1 &
	spid=$!
	if ! wait_listen "$rns" "$port" 10; then
		say "$path: receiver did not start: $(cat "$out/.server-$path")"
		kill "$spid" 2>/dev/null
		failed=1
		return 1
	fi
	for t in $tests; do
		if who=$(run_test "$path" "$t" "$senders" "$sns" "$host" "$port"); then
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
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------
# Topologies

setup_lo() {
	ip netns add blo && ip -n blo link set lo up
}

setup_veth() {
	veth_pair bs br
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

# wire_up SENDER_PCI SENDER_DRIVER RECEIVER_PCI: sender NIC in "ws" as
# 10.0.3.1, receiver NIC (stock igb) in "wr" as 10.0.3.2, link checked.
wire_up() {
	local s=$1 sdrv=$2 r=$3

	wire_down
	# Pin both NICs first: a driver being loaded takes every free 82576.
	echo igb >"/sys/bus/pci/devices/$r/driver_override"
	echo "$sdrv" >"/sys/bus/pci/devices/$s/driver_override"
	nic_bind "$r" igb || { say "cannot bind $r to igb"; return 1; }
	nic_bind "$s" "$sdrv" || { say "cannot bind $s to $sdrv"; return 1; }
	nic_place "$r" wr 10.0.3.2 && nic_place "$s" ws 10.0.3.1 || return 1
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
# Profile: where the xtcp sender spends its time (and, for comparison,
# the Linux TCP sender) in one test over veth (bulk_1x64K by default).
# profile-SENDER-veth.txt is the bulk profile's name, as before; other
# tests add theirs: profile-SENDER-veth-TEST.txt. Each ends with every
# symbol's sample count, so two profiles compare per transaction.

profile_veth() {	# profile_veth SENDER [TEST]
	local fam=$1 test=${2:-bulk_1x64K} port=5290 spid data=/tmp/perf-$1.data
	local f=$out/profile-$1-veth.txt args
	local rep=(perf report -i "$data" --kallsyms=/proc/kallsyms --stdio --no-children)

	[ "$test" = bulk_1x64K ] || f=$out/profile-$fam-veth-$test.txt
	args=$(test_args "$test")
	# kernel and module symbols come from kallsyms: real addresses there,
	# and perf report told to use it (the headers' vmlinux is no match)
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
	# the receiver under another name, so the sender's samples stand apart
	ln -sf "$XBENCH" /tmp/xbench-rx
	ip netns exec br /tmp/xbench-rx -l -p $port >/dev/null 2>&1 &
	spid=$!
	wait_listen br $port 10 || { kill $spid; return 1; }
	# shellcheck disable=SC2086
	perf record -a -g -F 499 -q -o "$data" -- \
		ip netns exec bs "$XBENCH" $args -s "$fam" -H 10.0.1.2 -p $port -t 4 \
		>"$out/.profile-run" 2>&1
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	{
		echo "# perf record -a -g -F 499, $test over veth, sender $fam -> Linux TCP"
		echo "# $(grep '^mode=' "$out/.profile-run")"
		echo "# top symbols (self time, all CPUs; swapper is the idle task,"
		echo "# xbench the sender, xbench-rx the Linux TCP receiver):"
		"${rep[@]}" -g none --sort comm,sym --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 40
		echo "# xtcp's own functions (self time):"
		"${rep[@]}" -g none --sort sym 2>/dev/null | grep -E '\] xtcp_' | head -n 25
		echo "# the top symbols of xbench (sender) and xbench-rx (receiver), with callers:"
		"${rep[@]}" --comms xbench --sort comm,sym -g caller,0.5,callee,function,percent \
			--percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 250
		echo "# every symbol, all CPUs and tasks (the idle loop too): samples, self time"
		"${rep[@]}" -g none -n --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$'
	} >"$f"
	rm -f "$data"
	say "profile written: $(basename "$f")"
}

# ---------------------------------------------------------------------

say "$(sed -n 's/^mode=//p' "$out/env.txt"); paths $paths; tests $tests"
t0=$SECONDS
for p in ${paths//,/ }; do
	case $p in
	lo)
		setup_lo || { skip_path lo "cannot create a namespace"; continue; }
		bench_path lo blo blo 127.0.0.1 5201
		;;
	veth)
		setup_veth || { skip_path veth "cannot create veth pair"; continue; }
		bench_path veth bs br 10.0.1.2 5202
		if [ -n "$profile" ] && command -v perf >/dev/null; then
			for t in $profile_tests; do
				profile_veth XTCP "$t"
				profile_veth TCP "$t"
			done
		fi
		;;
	igb)
		have_nics || { skip_path igb "needs the two igb NICs of tools/xvm and driver/xtcp_igb.ko"; continue; }
		wire_up "$XVM_NIC0" xtcp_igb "$XVM_NIC1" ||
			{ failed=1; skip_path igb "xtcp_igb wire did not come up"; continue; }
		bench_path igb ws wr 10.0.3.2 5203
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
rm -f "$out"/.run "$out"/.err "$out"/.server-* "$out"/.profile-run

python3 "$here/report.py" "$out" || failed=1
exit $failed
