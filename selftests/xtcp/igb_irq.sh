#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interrupt modes of xtcp_igb: MSI-X (a vector per queue pair plus one for
# link/other causes), and the fallbacks MSI and shared legacy INTx (forced
# with the irq_mode module parameter). In each mode the driver reports the
# mode, its interrupts fire, and traffic flows intact both ways.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

MIB=${XIGB_IRQ_MIB:-8}

xigb_need_nics
trap xigb_cleanup EXIT

# irq_lines PATTERN: /proc/interrupts lines of NIC0 matching PATTERN
irq_total() {
	grep -E "$1" /proc/interrupts |
		awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}

# t_mode PARAM WANT PATTERN MINLINES
t_mode() {
	local param=$1 want=$2 pat=$3 min=$4 lines n0 n1

	xigb_cleanup
	dmesg -C
	xigb_wire_up $param || return 1
	dmesg | grep -o "queue pair(s), .*" | head -n 1
	dmesg | grep -q "queue pair(s), $want\$" || return 1
	lines=$(grep -cE "$pat" /proc/interrupts)
	grep -E "$pat" /proc/interrupts | sed 's/  */ /g'
	[ "$lines" -ge "$min" ] || { echo "expected >= $min vectors"; return 1; }
	n0=$(irq_total "$pat")
	xigb_transfer $XA $XB $XB_IP "$MIB" && xigb_transfer $XB $XA $XA_IP "$MIB" ||
		return 1
	n1=$(irq_total "$pat")
	echo "$((n1 - n0)) interrupts during the transfers"
	[ "$n1" -gt "$n0" ]
}

ktap_header 3
ktap_run msix_vector_per_queue_pair t_mode "" MSI-X "PCI-MSIX-$XVM_NIC0" 2
ktap_run msi_fallback t_mode irq_mode=1 MSI "PCI-MSI-.*(eth|dev)[0-9]+$" 1
ktap_run intx_fallback t_mode irq_mode=2 INTx "IO-APIC.*(eth|dev)[0-9]+" 1
ktap_finish
