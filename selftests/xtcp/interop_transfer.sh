#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bulk transfers between AF_XTCP and stock Linux TCP, both directions at
# once, with writes of random size 1 B..1 MiB, checked by SHA-256: over
# veth between two namespaces, over loopback, with sendfile, repeated
# connections, and under netem loss, delay/jitter, reordering and
# duplication.
#
# INTEROP_FAMILIES=tcp runs every case with stock TCP on both ends (the
# oracle; interop_transfer_tcp.sh); the default runs the AF_XTCP cases.
#
# Sizes: 64 MiB each way on clean links (about 3 s over loopback in the
# TCG guest). Under impairment TCP's rate falls with loss and RTT, so the
# impaired cases move less data to stay within a few tens of seconds.

. "$(dirname "$0")/interop_lib.sh"

il_require ip tc timeout numfmt

SUT=$IL_NS_SUT
PEER=$IL_NS_PEER

if [ "$IL_MODE" = tcp ]; then
	X=tcp
else
	X=xtcp
	il_xtcp_load || il_skip_all "xtcp module not loadable"
fi

il_ns_pair || il_skip_all "cannot create veth/netns"

# name|client ns|client fam|server ns|server fam|addr|bytes|netem|client args
cases=(
	"veth_sut_${X}_connects_peer_tcp|$SUT|$X|$PEER|tcp|10.0.1.2|64M||"
	"veth_peer_tcp_connects_sut_${X}|$PEER|tcp|$SUT|$X|10.0.1.1|64M||"
	"veth_sut_${X}_connects_peer_tcp_sendfile|$SUT|$X|$PEER|tcp|10.0.1.2|64M||-m sendfile"
	"veth_sut_${X}_connects_peer_tcp_32k_bufs|$SUT|$X|$PEER|tcp|10.0.1.2|16M||-S 32K -R 32K"
	"veth_sut_${X}_connects_peer_tcp_20_times|$SUT|$X|$PEER|tcp|10.0.1.2|256K||-I 20"
	"loopback_${X}_connects_${X}|$SUT|$X|$SUT|$X|127.0.0.1|64M||"
	"netem_loss5_sut_${X}_connects_peer_tcp|$SUT|$X|$PEER|tcp|10.0.1.2|8M|loss 5%|"
	"netem_loss5_peer_tcp_connects_sut_${X}|$PEER|tcp|$SUT|$X|10.0.1.1|8M|loss 5%|"
	"netem_delay10ms_jitter5ms_sut_${X}_connects_peer_tcp|$SUT|$X|$PEER|tcp|10.0.1.2|8M|delay 10ms 5ms distribution normal|"
	"netem_reorder25_sut_${X}_connects_peer_tcp|$SUT|$X|$PEER|tcp|10.0.1.2|8M|delay 5ms reorder 25% 50%|"
	"netem_duplicate5_sut_${X}_connects_peer_tcp|$SUT|$X|$PEER|tcp|10.0.1.2|16M|duplicate 5%|"
)
# Mixed loopback pairs only differ from the case above when X is xtcp.
if [ "$X" = xtcp ]; then
	cases+=(
		"loopback_xtcp_connects_tcp|$SUT|xtcp|$SUT|tcp|127.0.0.1|64M||"
		"loopback_tcp_connects_xtcp|$SUT|tcp|$SUT|xtcp|127.0.0.1|64M||"
	)
fi

il_plan $((${#cases[@]} + 1))

port=20000
for c in "${cases[@]}"; do
	IFS='|' read -r name cns cfam sns sfam addr bytes netem cargs <<<"$c"
	port=$((port + 1))
	il_netem_clear
	if [ -n "$netem" ]; then
		# shellcheck disable=SC2086
		il_netem $netem || { il_skip "$name" "netem unavailable"; continue; }
	fi
	il_log "$name: $cfam -> $sfam $addr:$port, $bytes each way${netem:+, netem $netem}"
	XFER_SARGS= 
	# Repeats need as many accepts on the server.
	case $cargs in *-I*) XFER_SARGS="-I ${cargs##*-I }" ;; esac
	# shellcheck disable=SC2086
	il_xfer "$name" "$cns" "$cfam" "$sns" "$sfam" "$addr" "$port" \
		"$bytes" 240 $cargs
	il_result "$name" $?
done
il_netem_clear

# The SHA-256 in xtcp_connect is what every case trusts: check it once
# against coreutils on the bytes actually received.
name=sha256_matches_coreutils
port=$((port + 1))
rc=1
if il_server "$PEER" tcp 60 -p $port -n 3M -r 5 -t 30 10.0.1.2; then
	il_client "$SUT" "$X" 60 -p $port -n 0 -t 30 -o "$IL_TMP/rx" 10.0.1.2
	rc=$?
	il_wait_server || rc=1
	want=$(il_field "$IL_TMP/srv.out" sent 3)
	got=$(sha256sum "$IL_TMP/rx" | cut -d' ' -f1)
	[ $rc -eq 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] || rc=1
	il_log "xtcp_connect $want, sha256sum $got"
fi
il_result "$name" $rc

il_finish
