#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_zwp: zero-window probing against a stock Linux TCP peer that does
# not read for 7 s (it accepts late, a small receive buffer fills and
# its window closes). xtcp must probe the closed window with growing
# intervals (the persist timer's backoff) and, once the peer reads, send
# the rest: 1 MiB arrives with the sender's SHA-256.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_setup sz tcpdump python3

t_zwp() {
	local srv rc=0
	cap_start $B xp0 "$TMP/z.pcap" "tcp port 7401" || return 1
	ip netns exec $B timeout 60 "$SEND_XC" -l -s TCP -p 7401 -n 0 -t 30 \
		-a 7 -R 8K 10.0.1.2 >"$TMP/srv" 2>&1 &
	srv=$!
	wait_listen $B 7401 10 || { echo "no listener"; cap_stop; return 1; }
	ip netns exec $A timeout 60 "$SEND_XC" -s XTCP -p 7401 -n 1M -t 30 \
		10.0.1.2 >"$TMP/cli" 2>&1 || rc=1
	wait $srv || rc=1
	cap_stop
	cat "$TMP/cli" "$TMP/srv"
	[ "$(grep '^sent' "$TMP/cli" | cut -d' ' -f2-)" = \
	  "$(grep '^recv' "$TMP/srv" | cut -d' ' -f2-)" ] || { echo "data differs"; rc=1; }
	$PCAP "$TMP/z.pcap" 10.0.1.1 probes >"$TMP/probes"
	awk 'NR > 1 { g = $1 - p; printf "gap %.3f s\n", g; if (NR > 2 && g < 1.5 * pg) bad++; pg = g; n++ }
	     { p = $1 }
	     END { printf "%d probes, %d gaps that did not grow\n", NR, bad + 0
		   exit !(NR >= 3 && !bad) }' "$TMP/probes" || rc=1
	return $rc
}

ktap_header 1
ktap_run zero_window_probes_back_off_then_resume t_zwp
ktap_finish
