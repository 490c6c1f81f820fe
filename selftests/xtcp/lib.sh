#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers shared by the xtcp selftests: KTAP output, module loading,
# network namespaces. Source it: . "$(dirname "$0")/lib.sh"

XTCP_TOP=${XTCP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ktap_n=0 ktap_pass=0 ktap_fail=0 ktap_skip=0

ktap_header() {	# ktap_header PLAN
	echo "TAP version 13"
	echo "1..$1"
}

# median3 "A B C": the median of three numbers (a test's comparisons
# with Linux TCP take each side's median of three runs)
median3() { tr ' ' '\n' <<<"$1" | sort -n | sed -n 2p; }

ktap_result() {	# ktap_result 0|1|4 NAME [REASON]
	ktap_n=$((ktap_n + 1))
	case "$1" in
	0) ktap_pass=$((ktap_pass + 1)); echo "ok $ktap_n $2" ;;
	4) ktap_skip=$((ktap_skip + 1)); echo "ok $ktap_n $2 # SKIP ${3:-}" ;;
	*) ktap_fail=$((ktap_fail + 1)); echo "not ok $ktap_n $2${3:+ # $3}" ;;
	esac
}

# ktap_run NAME CMD...: run one subtest; its exit status is the verdict
# (0 pass, 4 skip, anything else fail). Output is prefixed with "# ".
ktap_run() {
	local name=$1 rc
	shift
	"$@" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	ktap_result "$rc" "$name"
}

ktap_finish() {
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skip error:0"
	[ "$ktap_fail" -eq 0 ] || exit $KSFT_FAIL
	[ "$ktap_pass" -gt 0 ] || [ "$ktap_skip" -eq 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
}

# ktap_fail_all REASON NAME...: a setup step every subtest needs went
# wrong: report each of them failed, with the reason, and finish.
ktap_fail_all() {
	ktap_all 1 "$@"
}

# ktap_skip_all REASON NAME...: something every subtest needs is missing
# here: report each of them skipped, with the reason, and finish.
ktap_skip_all() {
	ktap_all 4 "$@"
}

ktap_all() {	# ktap_all 1|4 REASON NAME...
	local res=$1 why=$2 t
	shift 2
	for t in "$@"; do
		ktap_result "$res" "$t" "$why"
	done
	ktap_finish
}

log() { echo "$*" >&2; }

# Captures --------------------------------------------------------------

# cap_start NS DEV FILE [FILTER [TCPDUMP_OPTION...]]: capture what DEV in
# NS sees into FILE (FILTER defaults to "tcp") until cap_stop; returns
# once tcpdump listens. CAP_PID is tcpdump's pid, for a test's cleanup.
cap_start() {
	local ns=$1 dev=$2 file=$3 filter=${4:-tcp}

	shift 4 2>/dev/null || shift $#
	CAP_FILE=$file
	rm -f "$file" "$file.err"
	ip netns exec "$ns" tcpdump -U -n -i "$dev" "$@" -w "$file" "$filter" \
		2>"$file.err" &
	CAP_PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$file.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# cap_stop: a loaded guest's tcpdump may lag the ring buffer; SIGINT
# would drop what it has not read yet, so wait for the file to settle.
cap_stop() {
	local a b

	sleep 0.3
	for _ in $(seq 20); do
		a=$(stat -c %s "$CAP_FILE" 2>/dev/null)
		sleep 0.5
		b=$(stat -c %s "$CAP_FILE" 2>/dev/null)
		[ "$a" = "$b" ] && break
	done
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	return 0
}

# cap_drops: how many packets the last capture lost in the kernel.
cap_drops() {
	sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$CAP_FILE.err"
}

# Modules ---------------------------------------------------------------

xtcp_load() {	# xtcp_load [PARAMS...]
	[ -d /sys/module/xtcp ] && return 0
	insmod "$XTCP_TOP/module/xtcp.ko" "$@"
}

# xtcp_unload: remove xtcp.ko. Sockets left in TIME_WAIT by an earlier
# test hold the module for up to 2*MSL (60 s), as they would hold a
# port: wait that long (bounded), then report what still holds it.
xtcp_unload() {
	local i
	[ -d /sys/module/xtcp ] || return 0
	for i in $(seq 160); do
		rmmod xtcp 2>/dev/null && return 0
		sleep 0.5
	done
	rmmod xtcp && return 0
	echo "xtcp_unload: refcnt $(cat /sys/module/xtcp/refcnt) after 80 s" >&2
	cat /proc/net/xtcp >&2
	return 1
}

xtcp_family() {
	cat /sys/module/xtcp/parameters/family 2>/dev/null || echo 22
}

# xigb_bind PCIADDR: drive that NIC with xtcp_igb (loading it if needed).
xigb_bind() {
	local dev=$1
	[ -d /sys/module/xtcp_igb ] || insmod "$XTCP_TOP/driver/xtcp_igb.ko" || return 1
	echo xtcp_igb >"/sys/bus/pci/devices/$dev/driver_override"
	if [ ! -e "/sys/bus/pci/devices/$dev/driver" ]; then
		echo "$dev" >/sys/bus/pci/drivers/xtcp_igb/bind
	fi
}

# igb_bind PCIADDR: drive that NIC with the stock igb driver.
igb_bind() {
	local dev=$1
	modprobe igb || return 1
	echo igb >"/sys/bus/pci/devices/$dev/driver_override"
	if [ ! -e "/sys/bus/pci/devices/$dev/driver" ]; then
		echo "$dev" >/sys/bus/pci/drivers/igb/bind
	fi
}

# pci_netdev PCIADDR: the netdev name of a bound NIC.
pci_netdev() {
	ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -n 1
}

# Namespaces --------------------------------------------------------------

# veth_pair NS1 NS2 [IF1 IF2]: two namespaces joined by veth, 10.0.1.1/24
# in NS1 and 10.0.1.2/24 in NS2 (interfaces IF1/IF2, default "veth0").
veth_pair() {
	local a=$1 b=$2 ia=${3:-veth0} ib=${4:-veth0}
	modprobe veth || return 1
	ip netns add "$a" && ip netns add "$b" || return 1
	ip -n "$a" link set lo up
	ip -n "$b" link set lo up
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b" ||
		return 1
	ip -n "$a" addr add 10.0.1.1/24 dev "$ia"
	ip -n "$b" addr add 10.0.1.2/24 dev "$ib"
	ip -n "$a" link set "$ia" up
	ip -n "$b" link set "$ib" up
}

# ns_cleanup NS...: kill what runs in each namespace and delete it. The
# Linux TCP connections its programs leave behind are aborted too: an
# orphan still retransmitting would keep the namespace (and a NIC moved
# into it) alive for minutes after the name is gone.
ns_cleanup() {
	local ns
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns exec "$ns" ss -K -tn >/dev/null 2>&1
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# wait_listen NS PORT [SECS]: wait for a TCP (or xtcp) listener on PORT.
wait_listen() {
	local ns=$1 port=$2 secs=${3:-10} i hex
	hex=$(printf '%04X' "$port")
	for i in $(seq $((secs * 10))); do
		if ip netns exec "$ns" cat /proc/net/tcp /proc/net/xtcp 2>/dev/null |
			awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
