#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The send path, followed: 1 MiB from an AF_XTCP socket over the igb wire
# (NIC0 on xtcp_igb) to stock Linux TCP (NIC1 on the stock igb driver),
# recorded with tools/trace/xtcp-trace. At least one segment must show
# every stage's event in path order (sendmsg, push, write_xmit,
# transmit_skb, ip_queue_xmit, ip_output, neigh_output, net_dev_queue,
# xtcp_igb:xmit, xtcp_igb:tx_clean, ack) with matching seq and lengths,
# checked both by the tracer and by trace_rawcheck.py on the raw trace.
# xtcp_write_xmit's "sent" verdict must come before the transmission it
# allows, as the path map orders them.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"
. "$(dirname "$0")/trace_lib.sh"

PORT=5311
BYTES=1048576

xigb_need_nics
tl_need_tools python3 "$TL_TRACE" "$TL_XC"
trap 'tl_cleanup; xigb_cleanup' EXIT
OUT=$(tl_out trace_path_igb)
SUM=$OUT/summary.json

wire() {
	xtcp_load || return 1
	xigb_wire_up
}

record() {
	tl_sink $XB $PORT || return 1
	# record until the connection is closed, not only while the sender
	# runs: close() returns with the tail of the data (GSO skbs queued in
	# the write queue) and the FIN still to send
	timeout 180 "$TL_TRACE" record -q -o "$OUT" --title \
		"xtcp send path, 1 MiB over the igb wire (TCG guest)" -- bash -c "
		$(declare -f tl_until_closed)
		ip netns exec $XA timeout 120 '$TL_XC' -s XTCP -p $PORT \
			-n $BYTES -t 60 $XB_IP && tl_until_closed $XA $PORT" ||
		{ echo "# record or transfer failed"; return 1; }
	tl_sink_wait $PORT $BYTES
}

nothing_lost() {
	cat "$OUT/meta.txt"
	[ "$(awk '$1 == "lost" { print $2 }' "$OUT/meta.txt")" = 0 ]
}

every_event() {
	python3 - "$SUM" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rc = 0
for e in ("xtcp_sendmsg", "xtcp_push", "xtcp_write_xmit", "xtcp_transmit_skb",
          "xtcp_ip_queue_xmit", "xtcp_ip_output", "xtcp_neigh_output",
          "net_dev_queue", "xmit", "tx_clean", "xtcp_ack", "xtcp_state"):
    n = s["counts"].get(e, 0)
    print(e, n)
    if not n:
        print("no", e, "event")
        rc = 1
sys.exit(rc)
PY
}

followed() {
	local key=complete_igb n

	n=$(tl_json "$SUM" "s['$key']")
	echo "$key $n of $(tl_json "$SUM" "s['originals']") segments"
	echo "order violations: $(tl_json "$SUM" "s['order_violations']")"
	[ "$n" -ge 1 ] || return 1
	[ "$(tl_json "$SUM" "s['len_mismatch']")" = 0 ] ||
		{ echo "length mismatch down the stack"; return 1; }
}

raw_journey() {
	local seq args="--igb --push"

	seq=$(tl_json "$SUM" "s['journey']['seq']") || return 1
	# shellcheck disable=SC2086
	python3 "$TL_DIR/trace_rawcheck.py" "$OUT/trace.txt" "$seq" $args
}

accounted() {
	local pay segs drv

	pay=$(tl_json "$SUM" "s['payload_bytes']")
	segs=$(tl_json "$SUM" "s['originals']")
	drv=$(tl_json "$SUM" "s['stage_counts']['driver_xmit']")
	echo "payload $pay bytes in $segs segments, $drv seen at the driver"
	[ "$pay" = $BYTES ] && [ "$drv" = "$segs" ]
}

picture() {
	grep -q "one segment's journey" "$OUT/summary.txt" || return 1
	python3 - "$OUT/path.svg" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
for want in ("xtcp_transmit_skb", "xigb_xmit_frame", "xigb_clean_tx", "sent -> ACKed", "p50"):
    if want not in texts:
        print("picture lacks", want)
        sys.exit(1)
PY
}

ktap_header 8
ktap_run wire_up wire
ktap_run record_1MiB_over_igb record
ktap_run no_events_lost nothing_lost
ktap_run every_path_event_recorded every_event
ktap_run one_segment_followed followed
ktap_run raw_trace_journey raw_journey
ktap_run bytes_accounted accounted
ktap_run text_and_picture picture
echo "# artifacts in $OUT"
sed 's/^/# /' "$OUT/summary.txt" 2>/dev/null | head -60
ktap_finish
