#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the trace_* tests (path tracer, /proc/net/xtcp, xtcp-ss).
# Source after lib.sh.

TL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TL_XC=$TL_DIR/xtcp_connect
# shellcheck disable=SC2034 # used by the scripts that source this
TL_TRACE=$XTCP_TOP/tools/trace/xtcp-trace
# shellcheck disable=SC2034
TL_SS=$XTCP_TOP/tools/xtcp-ss
TL_TMP=$(mktemp -d /tmp/xtrace.XXXXXX)
TL_PIDS=()

# tl_out NAME: a directory for this test's artifacts, kept in $XVM_OUT when
# the runner gives one (the trace, the summary, the picture).
tl_out() {
	local d

	if [ -n "${XVM_OUT:-}" ] && [ -d "$XVM_OUT" ]; then
		d=$XVM_OUT/$1
	else
		d=$TL_TMP/$1
	fi
	rm -rf "$d"
	mkdir -p "$d" && echo "$d"
}

tl_cleanup() {
	local p

	for p in "${TL_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TL_TMP"
}

# tl_need_tools: skip the whole script without what it cannot work without.
tl_need_tools() {
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		[ -x "$t" ] && continue
		ktap_header 1
		ktap_result 4 "$(basename "$0")" "$t not available"
		exit $KSFT_SKIP
	done
}

# tl_sink NS PORT [ARGS...]: a stock TCP receiver (xtcp_connect -l -s TCP)
# in NS on PORT, in the background; its output in $TL_TMP/sink.PORT.
tl_sink() {
	local ns=$1 port=$2 ready=$TL_TMP/ready.$2

	shift 2
	rm -f "$ready"
	ip netns exec "$ns" timeout 120 "$TL_XC" -l -s TCP -p "$port" -t 60 \
		-P "$ready" "$@" 0.0.0.0 >"$TL_TMP/sink.$port" 2>&1 &
	TL_PIDS+=("$!")
	TL_SINK_PID=$!
	for _ in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.1
	done
	echo "# sink on port $port never listened"
	cat "$TL_TMP/sink.$port"
	return 1
}

# tl_sink_wait PORT BYTES: the sink ended and received BYTES.
tl_sink_wait() {
	local got

	wait "$TL_SINK_PID" || { echo "# sink failed"; cat "$TL_TMP/sink.$1"; return 1; }
	got=$(awk '$1 == "recv" { print $2 }' "$TL_TMP/sink.$1")
	[ "$got" = "$2" ] || { echo "# sink received '$got', not $2"; return 1; }
}

# tl_json FILE EXPR: evaluate a Python expression over the JSON in FILE
# (bound to s) and print it.
tl_json() {
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# tl_until_closed NS PORT: wait (up to 60 s) until no socket of NS's
# /proc/net/xtcp talks to remote PORT in a state that may still send
# (anything but TIME_WAIT), so a recording includes the connection's last
# retransmissions and its FIN exchange.
tl_until_closed() {
	local hex

	hex=$(printf '%04X' "$2")
	for _ in $(seq 600); do
		ip netns exec "$1" cat /proc/net/xtcp | awk -v r=":$hex" \
			'NR > 1 && substr($3, 9) == r && $4 != "06" { f = 1 } END { exit !f }' ||
			return 0
		sleep 0.1
	done
	return 1
}
