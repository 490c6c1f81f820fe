#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AF_XTCP over the real (emulated) wire: an AF_XTCP socket in netns xa
# sends through xtcp_igb to stock Linux TCP behind the stock igb driver in
# netns xb, and receives from it, both ways checked by SHA-256 (the sizes
# and hashes xtcp_connect prints on each side must match).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

XC=$(dirname "$(readlink -f "$0")")/xtcp_connect
MIB=${XIGB_XTCP_MIB:-32}
T=${XIGB_XFER_TIMEOUT:-180}

xigb_need_nics
[ -x "$XC" ] || { echo "# xtcp_connect not built"; exit $KSFT_FAIL; }
tmp=$(mktemp -d /tmp/igb_af_xtcp.XXXXXX)
trap 'xigb_cleanup; xtcp_unload; rm -rf "$tmp"' EXIT

field() { awk -v k="$2" '$1 == k { print $2 " " $3; exit }' "$1"; }

# xfer SRV_NS SRV_FAM CLI_NS CLI_FAM SRV_IP PORT: the client sends MIB MiB,
# the server sends 1 MiB back; both streams must arrive intact.
xfer() {
	local sns=$1 sfam=$2 cns=$3 cfam=$4 ip=$5 port=$6 spid rc

	rm -f "$tmp/ready"
	ip netns exec "$sns" timeout "$T" "$XC" -l -s "$sfam" -p "$port" \
		-n 1M -t 30 -P "$tmp/ready" 0.0.0.0 >"$tmp/srv" 2>"$tmp/srv.err" &
	spid=$!
	XIGB_WAIT=10 xigb_wait test -e "$tmp/ready" || { kill $spid; return 1; }
	ip netns exec "$cns" timeout "$T" "$XC" -s "$cfam" -p "$port" \
		-n "${MIB}M" -t 30 "$ip" >"$tmp/cli" 2>"$tmp/cli.err"
	rc=$?
	wait $spid || rc=1
	cat "$tmp/cli.err" "$tmp/srv.err" | sed 's/^/err: /'
	echo "client sent $(field "$tmp/cli" sent), server recv $(field "$tmp/srv" recv)"
	[ $rc -eq 0 ] || return 1
	[ -n "$(field "$tmp/cli" sent)" ] && [ -n "$(field "$tmp/cli" recv)" ] &&
		[ "$(field "$tmp/cli" sent)" = "$(field "$tmp/srv" recv)" ] &&
		[ "$(field "$tmp/srv" sent)" = "$(field "$tmp/cli" recv)" ] &&
		[ "$(field "$tmp/cli" sent | cut -d' ' -f1)" = $((MIB * 1048576)) ]
}

TESTS="af_xtcp_client_to_tcp_server tcp_client_to_af_xtcp_server xtcp_igb_carried_it"
ktap_header 3
xtcp_load || ktap_fail_all "xtcp.ko did not load" $TESTS
xigb_wire_up || ktap_fail_all "wire setup failed" $TESTS
tx0=$(xigb_link_stat $XA "$XA_DEV" tx_bytes)
rx0=$(xigb_link_stat $XA "$XA_DEV" rx_bytes)
ktap_run af_xtcp_client_to_tcp_server xfer $XB TCP $XA XTCP $XB_IP 5401
ktap_run tcp_client_to_af_xtcp_server xfer $XA XTCP $XB TCP $XA_IP 5402
# both streams of both tests crossed NIC0 (MIB + 1 MiB each way)
carried() {
	local tx rx want=$(((MIB + 1) * 1048576))

	tx=$(($(xigb_link_stat $XA "$XA_DEV" tx_bytes) - tx0))
	rx=$(($(xigb_link_stat $XA "$XA_DEV" rx_bytes) - rx0))
	echo "$XA_DEV (xtcp_igb): tx $tx B, rx $rx B, each must be >= $want"
	[ "$tx" -ge "$want" ] && [ "$rx" -ge "$want" ]
}
ktap_run xtcp_igb_carried_it carried
ktap_finish
