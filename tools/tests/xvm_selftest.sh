#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the guest runner (runs on the host, boots guests): a runner
# that cannot fail proves nothing, so check that it does.
#   - a clean command passes and its exit status comes back;
#   - a module that WARNs makes the run fail (exit 125) with the log excerpt,
#     even though the command itself succeeded;
#   - a hung guest is killed at the timeout (exit 124) with a clear message;
#   - a monitor command reaches QEMU (set_link takes the NIC's link down).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/xtcp/lib.sh"
xvm=$top/tools/xvm
kdir=${KDIR:-/lib/modules/$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -n 1)/build}
# Not under /tmp: the guest mounts a fresh tmpfs there.
tmp=$(mktemp -d /var/tmp/xvm-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ktap_header 6

t_clean_status() {
	"$xvm" --nics 0 --timeout 120 -- bash -c 'exit 7' >"$tmp/out" 2>&1
	local rc=$?
	[ "$rc" -eq 7 ] || { echo "expected exit 7, got $rc"; cat "$tmp/out"; return 1; }
}

t_output() {
	"$xvm" --nics 0 --timeout 120 -- echo "marker-$$" >"$tmp/out" 2>&1 || return 1
	grep -q "marker-$$" "$tmp/out" || { echo "command output missing"; return 1; }
}

build_warn() {
	rm -rf "$tmp/warn_mod"
	cp -r "$top/tools/tests/warn_mod" "$tmp/warn_mod"
	make -s -C "$kdir" M="$tmp/warn_mod" modules >"$tmp/build" 2>&1 ||
		{ cat "$tmp/build"; return 1; }
}

t_warn_fails() {
	build_warn || return 1
	"$xvm" --nics 0 --timeout 120 -- insmod "$tmp/warn_mod/xvm_warn.ko" >"$tmp/out" 2>&1
	local rc=$?
	[ "$rc" -eq 125 ] || { echo "expected exit 125 on WARN, got $rc"; cat "$tmp/out"; return 1; }
	grep -q 'deliberate warning' "$tmp/out" || { echo "log excerpt missing"; cat "$tmp/out"; return 1; }
}

t_quiet_module_passes() {
	[ -f "$tmp/warn_mod/xvm_warn.ko" ] || build_warn || return 1
	"$xvm" --nics 0 --timeout 120 -- \
		bash -c "insmod $tmp/warn_mod/xvm_warn.ko splat=0 && rmmod xvm_warn" >"$tmp/out" 2>&1 ||
		{ echo "a module that loads quietly failed the run"; cat "$tmp/out"; return 1; }
}

t_hang_times_out() {
	local start=$SECONDS rc
	"$xvm" --nics 0 --timeout 20 -- sleep 3600 >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] || { echo "expected exit 124 on hang, got $rc"; cat "$tmp/out"; return 1; }
	grep -q 'TIMEOUT' "$tmp/out" || { echo "no clear timeout message"; cat "$tmp/out"; return 1; }
	[ $((SECONDS - start)) -lt 60 ] || { echo "timeout took $((SECONDS - start))s"; return 1; }
}

t_monitor() {
	# The stock igb driver reports the link; set_link must take it down.
	"$xvm" --nics 1 --timeout 180 -- bash -c '
		. selftests/xtcp/lib.sh
		igb_bind $XVM_NIC0 || exit 1
		dev=$(pci_netdev $XVM_NIC0); ip link set $dev up
		for i in $(seq 100); do [ "$(cat /sys/class/net/$dev/carrier)" = 1 ] && break; sleep 0.1; done
		[ "$(cat /sys/class/net/$dev/carrier)" = 1 ] || { echo "no carrier"; exit 1; }
		tools/xvm-monitor "set_link n0 off" || exit 1
		for i in $(seq 100); do [ "$(cat /sys/class/net/$dev/carrier)" = 0 ] && exit 0; sleep 0.1; done
		echo "carrier still up after set_link off"; exit 1' >"$tmp/out" 2>&1 ||
		{ cat "$tmp/out"; return 1; }
}

ktap_run "xvm: clean command passes with its exit status" t_clean_status
ktap_run "xvm: command output is shown" t_output
ktap_run "xvm: WARN in the guest kernel fails the run" t_warn_fails
ktap_run "xvm: a quiet module does not fail the run" t_quiet_module_passes
ktap_run "xvm: a hung guest is stopped at the timeout" t_hang_times_out
ktap_run "xvm: monitor commands reach QEMU (set_link)" t_monitor
ktap_finish
