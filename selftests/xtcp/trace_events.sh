#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every tracepoint of the path map exists where the tools look for it:
# `perf list` shows xtcp:* and xtcp_igb:*, tracefs formats carry the fields
# needed to follow one segment, and `trace-cmd record -e xtcp` and
# `perf record -e 'xtcp:*'` capture a real transfer (AF_XTCP -> stock TCP
# over veth).
#
# The perf record case runs with TRACE_PERF=1 (trace_perf_record.sh): perf
# record -a is slow to start in a TCG guest, a separate test keeps this
# one short.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

NS1=trev1-$$ NS2=trev2-$$
PORT=5321
TRACEFS=/sys/kernel/tracing
XTCP_EVENTS="xtcp_sendmsg xtcp_push xtcp_write_xmit xtcp_transmit_skb
	xtcp_ip_queue_xmit xtcp_ip_output xtcp_neigh_output xtcp_ack
	xtcp_retransmit xtcp_state"
IGB_EVENTS="xmit tx_clean rx"

tl_need_tools perf trace-cmd python3 "$TL_XC"
[ -d $TRACEFS/events ] || mount -t tracefs nodev $TRACEFS
trap 'tl_cleanup; ns_cleanup $NS1 $NS2' EXIT

load() {
	xtcp_load || return 1
	if [ ! -d /sys/module/xtcp_igb ]; then
		# keep the stock-igb NIC away from xtcp_igb if the runner gave NICs
		[ -n "${XVM_NIC1:-}" ] &&
			echo igb >"/sys/bus/pci/devices/$XVM_NIC1/driver_override"
		insmod "$XTCP_TOP/driver/xtcp_igb.ko" || return 1
	fi
	veth_pair $NS1 $NS2
}

# perf_lists SYSTEM EVENTS...
perf_lists() {
	local sys=$1 e out rc=0

	shift
	out=$(timeout 60 perf list "$sys:*" 2>&1)
	echo "$out"
	for e in "$@"; do
		grep -qw "$sys:$e" <<<"$out" || { echo "perf list lacks $sys:$e"; rc=1; }
	done
	return $rc
}

# has_fields EVENT_DIR FIELD...
has_fields() {
	local d=$TRACEFS/events/$1 f rc=0

	shift
	for f in "$@"; do
		grep -Eq "field:[^;]* \\*?$f;" "$d/format" ||
			{ echo "$d lacks field $f"; rc=1; }
	done
	return $rc
}

fields() {
	local e rc=0

	for e in xtcp_sendmsg xtcp_transmit_skb xtcp_retransmit; do
		has_fields xtcp/$e cookie skbaddr saddr daddr sport dport seq \
			end_seq len flags cwnd || rc=1
	done
	for e in xtcp_ip_queue_xmit xtcp_ip_output xtcp_neigh_output; do
		has_fields xtcp/$e cookie skbaddr saddr daddr sport dport len || rc=1
	done
	has_fields xtcp/xtcp_write_xmit cookie skbaddr seq end_seq cwnd reason || rc=1
	has_fields xtcp/xtcp_push cookie write_seq snd_nxt flags mss nonagle || rc=1
	has_fields xtcp/xtcp_ack cookie ack snd_una cwnd ssthresh srtt_us || rc=1
	has_fields xtcp/xtcp_state cookie oldstate newstate || rc=1
	has_fields xtcp_igb/xmit skbaddr len queue || rc=1
	has_fields xtcp_igb/tx_clean queue packets bytes budget_used || rc=1
	return $rc
}

# sender: the AF_XTCP client in NS1 sending 256 KiB to the sink in NS2.
sender() {
	echo ip netns exec $NS1 timeout 60 "$TL_XC" -s XTCP -p "$1" -n 262144 \
		-t 30 10.0.1.2
}

# perf_record: `perf record -a -e 'xtcp:*'` sees the whole transfer. perf's
# first start in a TCG guest takes up to a minute (kallsyms, /proc
# synthesis): started disabled, enabled through its control fifo, and only
# once it acknowledges are the peers started, so no peer's timeout runs
# while perf gets ready (a sink that gave up made the connect see RST).
perf_record() {
	local data=$TL_TMP/perf.data ctl=$TL_TMP/perf.ctl ack=$TL_TMP/perf.ack
	local pid ctl_fd ack_fd reply

	mkfifo "$ctl" "$ack" || return 1
	exec {ctl_fd}<>"$ctl" {ack_fd}<>"$ack"
	timeout 400 perf record -q -a -D -1 --control "fd:$ctl_fd,$ack_fd" \
		-e 'xtcp:*' -o "$data" &
	pid=$!
	echo enable >&"$ctl_fd"
	if ! read -r -t 300 -u "$ack_fd" reply; then
		echo "perf record did not start within 300 s"
		kill -INT "$pid"
		wait "$pid"
		return 1
	fi
	echo "perf record enabled ($reply)"
	tl_sink $NS2 $PORT || { kill -INT "$pid"; wait "$pid"; return 1; }
	# shellcheck disable=SC2046,SC2091
	$(sender $PORT) >/dev/null
	local rc=$?
	# "stop" ends perf record with status 0 (SIGINT is re-raised at exit)
	echo stop >&"$ctl_fd"
	wait "$pid" || { echo "perf record failed"; return 1; }
	exec {ctl_fd}>&- {ack_fd}>&-
	[ $rc = 0 ] || { echo "sender failed ($rc)"; return 1; }
	tl_sink_wait $PORT 262144 || return 1
	# Every byte of the stream in some transmit_skb sample: sequence
	# coverage, not a segment count (GSO skbs carry several segments).
	timeout 120 perf script -i "$data" 2>/dev/null |
		python3 "$TL_DIR/trace_seqcover.py" xtcp_transmit_skb $PORT 262144
}

trace_cmd_record() {
	local data=$TL_TMP/trace.dat n port=$((PORT + 1))



	tl_sink $NS2 $port || return 1
	# shellcheck disable=SC2046,SC2091
	timeout 120 trace-cmd record -q -e xtcp -o "$data" \
		$(sender $port) >/dev/null 2>&1 || return 1
	tl_sink_wait $port 262144 || return 1
	n=$(timeout 120 trace-cmd report -i "$data" 2>/dev/null |
		grep -c 'xtcp_sendmsg:')
	echo "trace-cmd report: $n xtcp_sendmsg events"
	[ "$n" -ge 1 ]
}

PERF=${TRACE_PERF:-0}
ktap_header $((5 + PERF))
ktap_run load_modules load
# shellcheck disable=SC2086
ktap_run perf_list_xtcp perf_lists xtcp $XTCP_EVENTS
# shellcheck disable=SC2086
ktap_run perf_list_xtcp_igb perf_lists xtcp_igb $IGB_EVENTS
ktap_run tracefs_fields fields
ktap_run trace_cmd_record_xtcp trace_cmd_record
[ "$PERF" = 1 ] && ktap_run perf_record_xtcp perf_record
rmmod xtcp_igb 2>/dev/null
ktap_finish
