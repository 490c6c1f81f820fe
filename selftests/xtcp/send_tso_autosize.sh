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
# is its skb size. The route starts cwnd at 100 segments, so that the
# congestion window does not size the skbs instead:
#  1. xtcp's bytes per skb are at least 0.7 of Linux TCP's, medians of
#     three runs each (skipped when TCP's own are not above the
#     pacing-only size: the path is not short in this guest, nothing to
#     compare);
#  2. all six transfers complete.

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
# At 4 MB/s on a path of well under 1 ms nothing makes cwnd grow: it is
# never the limit (tcp_is_cwnd_limited), so skbs stayed at half the
# initial window's 20 (tcp_cwnd_test), 14.4 KB, and a Linux TCP run that
# happened to grow past it had 20-29 KB. Start at 100 segments on the
# route, both families, so that autosize is what sizes the skbs.
ip -n "$A" route add 10.0.1.2/32 dev xs0 initcwnd 100 ||
	skip_all "cannot set a route's initcwnd"

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

# Three runs per family, taking turns, each side's median compared.
t_all='' x_all='' t_ok=0 x_ok=0
for _ in 1 2 3; do
	read -r bpp n < <(run TCP)
	PORT=$((PORT + 1))
	t_all="$t_all${bpp:+ $bpp}"
	[ "${n:-0}" = $BYTES ] && t_ok=$((t_ok + 1))
	read -r bpp n < <(run XTCP)
	PORT=$((PORT + 1))
	x_all="$x_all${bpp:+ $bpp}"
	[ "${n:-0}" = $BYTES ] && x_ok=$((x_ok + 1))
done
t_bpp=$(median3 "${t_all# }") x_bpp=$(median3 "${x_all# }")

# the size pacing alone allows: ~1 ms at RATE
pace=$((RATE >> 10))
if [ $t_ok != 3 ] || [ $x_ok != 3 ]; then
	ktap_result 1 skb_size_vs_tcp "a transfer failed (TCP:${t_all:- none}, XTCP:${x_all:- none})"
elif [ "$t_bpp" -le $((2 * pace)) ]; then
	ktap_result 4 skb_size_vs_tcp "Linux TCP's skbs ($t_bpp B, median) not above pacing's $pace B: the path is not short here"
else
	echo "# bytes per skb: TCP$t_all, XTCP$x_all (pacing alone: $pace)"
	[ $((x_bpp * 10)) -ge $((t_bpp * 7)) ]
	ktap_result $? skb_size_vs_tcp "median XTCP $x_bpp B per skb, TCP $t_bpp B"
fi
[ $t_ok = 3 ] && [ $x_ok = 3 ]
ktap_result $? transfers_complete "transfers of $BYTES received whole, of 3: TCP $t_ok, XTCP $x_ok"
ktap_finish
