#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_cycles: load, carry traffic, unload -- many times over.
# Each cycle loads xtcp.ko, makes a namespace pair, moves 256 KiB each
# way XTCP->TCP and TCP->XTCP, deletes the namespaces, and unloads.
# (An xtcp socket in TIME_WAIT holds its namespace and the module for
# 2*MSL = 60 s: too slow to cycle, so the TCP side always closes first.)
# Checked every cycle: transfers intact, no xtcp socket left
# (XtcpSockets gauge) before unload, unload within 30 s. At the end the
# kernel log must show no complaint from the slab allocator about xtcp's
# caches (kmem_cache_destroy with objects left) and no splat.

. "$(dirname "$0")/lib.sh"

XC=$(dirname "$0")/xtcp_connect
KO=$XTCP_TOP/module/xtcp.ko
CYCLES=${PROTO_CYCLES:-50}
TMP=$(mktemp -d)
trap 'ns_cleanup xc_a xc_b; rm -rf $TMP' EXIT

if [ "$(id -u)" != 0 ] || [ ! -e "$KO" ]; then
	ktap_header 1
	ktap_result 4 proto_cycles "needs root and module/xtcp.ko"
	ktap_finish
fi

sockets_alive() {
	awk '/^XtcpSockets:/ { n++; if (n == 2) print $2 }' /proc/net/xtcp_snmp
}

# halfclose FAM: the XTCP side sends only after the peer's FIN, so the
# TCP side closes first and keeps the TIME_WAIT (which a namespace going
# away purges); an xtcp TIME_WAIT would hold the namespace for 60 s.
halfclose() {
	[ "$1" = XTCP ] && echo -H
}

# xfer SERVER_NS SERVER_FAM CLIENT_NS CLIENT_FAM ADDR PORT
xfer() {
	# shellcheck disable=SC2046
	ip netns exec $1 timeout 30 "$XC" -l -s $2 $(halfclose $2) -p $6 \
		-n 256K -t 10 $5 >"$TMP/srv" 2>&1 &
	local srv=$! rc
	wait_listen $1 $6 10 || { kill $srv; echo "no listener"; return 1; }
	# shellcheck disable=SC2046
	ip netns exec $3 timeout 30 "$XC" -s $4 $(halfclose $4) -p $6 \
		-n 256K -t 10 $5 >"$TMP/cli" 2>&1
	rc=$?
	wait $srv || rc=1
	[ $rc = 0 ] || { cat "$TMP/cli" "$TMP/srv"; return 1; }
	[ "$(grep '^sent' "$TMP/cli" | cut -d' ' -f2-)" = \
	  "$(grep '^recv' "$TMP/srv" | cut -d' ' -f2-)" ] &&
	[ "$(grep '^sent' "$TMP/srv" | cut -d' ' -f2-)" = \
	  "$(grep '^recv' "$TMP/cli" | cut -d' ' -f2-)" ]
}

cycle() {
	local i
	insmod "$KO" || return 1
	veth_pair xc_a xc_b || return 1
	xfer xc_b TCP xc_a XTCP 10.0.1.2 6001 || { echo "xtcp->tcp"; return 1; }
	xfer xc_a XTCP xc_b TCP 10.0.1.1 6002 || { echo "tcp->xtcp"; return 1; }
	ns_cleanup xc_a xc_b
	# Namespace teardown is asynchronous; it takes the orphans along.
	for i in $(seq 150); do
		[ "$(sockets_alive)" = 0 ] && break
		sleep 0.2
	done
	[ "$(sockets_alive)" = 0 ] || {
		echo "sockets left: $(sockets_alive)"; return 1; }
	for i in $(seq 150); do
		rmmod xtcp 2>/dev/null && return 0
		sleep 0.2
	done
	echo "rmmod refused: refcnt $(cat /sys/module/xtcp/refcnt)"
	return 1
}

t_cycles() {
	local n
	xtcp_unload || return 1
	echo "proto_cycles: start" >/dev/kmsg
	for n in $(seq "$CYCLES"); do
		cycle || { echo "cycle $n failed"; return 1; }
	done
	echo "$CYCLES cycles"
}

t_kernel_log() {
	local log
	log=$(dmesg | sed -n '/proto_cycles: start/,$p')
	if echo "$log" | grep -E "kmem_cache_destroy|Slab cache still has objects|WARNING:|BUG:|refcount_t|Oops"; then
		return 1
	fi
	return 0
}

ktap_header 2
ktap_run load_traffic_unload_cycles t_cycles
ktap_run kernel_log_clean t_kernel_log
ktap_finish
