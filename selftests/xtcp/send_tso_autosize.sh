#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_tso_autosize: GSO skb size on a short path, xtcp beside Linux TCP.
# Linux sizes a GSO skb at about 1 ms at the pacing rate plus, on a path
# whose minimum RTT is short, up to sk_gso_max_size more
# (tcp_tso_autosize, net.ipv4.tcp_tso_rtt_log): every skb costs a
# transmit, a doorbell and a TX completion, and a short path gains nothing
# from small ones. Each family sends 6 MB over veth to Linux TCP with
# SO_MAX_PACING_RATE 4 MB/s (pacing alone would give 4 KB skbs); veth
# counts one packet per GSO skb, so the sender's bytes per device packet
# is its skb size:
#  1. xtcp's bytes per skb are at least 0.7 of Linux TCP's (skipped when
#     TCP's own are not above the pacing-only size: the path is not short
#     in this guest, nothing to compare);
#  2. both transfers complete.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

HELPER=$(dirname "$0")/send_pacing.py
RATE=4000000
BYTES=6000000
PORT=7540
TESTS="skb_size_vs_tcp transfers_complete"

skip_all() {
	# shellcheck disable=SC2086
	ktap_skip_all "$1" $TESTS
}

ktap_header 2
send_setup sta python3

# dev_tx NS DEV: "packets bytes" the device has sent.
dev_tx() {
	ip netns exec "$1" cat /proc/net/dev |
		awk -v d="$2:" '$1 == d { print $11, $10 }'
}

# run FAMILY: prints "<bytes per device packet> <bytes received>".
run() {
	local fam=$1 srv p0 b0 p1 b1 n minrtt rtt

	ip netns exec "$B" timeout 30 python3 "$HELPER" server $PORT \
		>"$TMP/srv.$fam" 2>&1 &
	srv=$!
	wait_listen "$B" $PORT 10 || { kill $srv; return 1; }
	read -r p0 b0 < <(dev_tx "$A" xs0)
	ip netns exec "$A" timeout 30 python3 "$HELPER" client "$fam" 10.0.1.2 \
		$PORT $BYTES $RATE >"$TMP/cli.$fam" 2>&1
	wait $srv
	read -r p1 b1 < <(dev_tx "$A" xs0)
	read -r _ n _ <"$TMP/srv.$fam"
	read -r _ _ _ minrtt rtt _ < <(grep '^info' "$TMP/cli.$fam")
	echo "# $fam: $((p1 - p0)) packets, $((b1 - b0)) bytes, received ${n:-?};" \
	     "min_rtt ${minrtt:-?} us, srtt ${rtt:-?} us" >&2
	[ $((p1 - p0)) -gt 0 ] || return 1
	echo "$(((b1 - b0) / (p1 - p0))) ${n:-0}"
}

read -r t_bpp t_n < <(run TCP)
PORT=$((PORT + 1))
read -r x_bpp x_n < <(run XTCP)

# the size pacing alone allows: ~1 ms at RATE
pace=$((RATE >> 10))
if [ -z "$t_bpp" ] || [ -z "$x_bpp" ]; then
	ktap_result 1 skb_size_vs_tcp "a transfer failed (TCP ${t_bpp:-none}, XTCP ${x_bpp:-none})"
elif [ "$t_bpp" -le $((2 * pace)) ]; then
	ktap_result 4 skb_size_vs_tcp "Linux TCP's skbs ($t_bpp B) not above pacing's $pace B: the path is not short here"
else
	echo "# bytes per skb: TCP $t_bpp, XTCP $x_bpp (pacing alone: $pace)"
	[ $((x_bpp * 10)) -ge $((t_bpp * 7)) ]
	ktap_result $? skb_size_vs_tcp "XTCP $x_bpp B per skb, TCP $t_bpp B"
fi
[ "${t_n:-0}" = $BYTES ] && [ "${x_n:-0}" = $BYTES ]
ktap_result $? transfers_complete "received TCP ${t_n:-0}, XTCP ${x_n:-0} of $BYTES"
ktap_finish
