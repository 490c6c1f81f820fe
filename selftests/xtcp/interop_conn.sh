#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection lifecycle of AF_XTCP against stock TCP over veth: refused,
# blackholed peer with TCP_SYNCNT (errno and timing), peer reset during a
# transfer, half-close in both directions, the peer's FIN acknowledged by
# our own FIN, close with unread data (RST on the wire), TIME_WAIT and
# port reuse, an RST in TIME_WAIT, accept-queue overflow.
#
# Each case is a function of the SUT side's family that prints an outcome.
# INTEROP_FAMILIES=tcp (interop_conn_tcp.sh) checks the stock TCP outcome
# against the one the case was written for; the default also runs AF_XTCP
# and requires the outcome TCP gave in the same run.

. "$(dirname "$0")/interop_lib.sh"

il_require ip tc timeout tcpdump

SUT=$IL_NS_SUT
PEER=$IL_NS_PEER
PEER_IP=10.0.1.2
SUT_IP=10.0.1.1

if [ "$IL_MODE" = xtcp ]; then
	il_xtcp_load || il_skip_all "xtcp module not loadable"
fi
il_ns_pair || il_skip_all "cannot create veth/netns"

# Cases run in command substitutions: each run gets its own port range
# from the main loop, so the TCP and AF_XTCP runs never share a port.
port=30000
next_port() { port=$((port + 1)); }

dbg() { echo "# $*" >&2; }

dump_run() { il_dump >&2; }

# Collapse the two ways Linux reports a reset peer to a writer.
reset_or() { case $1 in ECONNRESET|EPIPE) echo reset ;; *) echo "${1:-none}" ;; esac; }

# SUT client connects to a port nobody listens on.
case_refused()
{
	next_port
	il_client "$SUT" "$1" 20 -p $port -n 1K -t 10 $PEER_IP
	echo "connect $(il_errno_of "$IL_TMP/cli.out")"
}

# The peer drops every segment to the port: SYN, 2 retries (1 s + 2 s),
# then 4 s more before the connect gives up, about 7 s in all.
case_blackhole()
{
	local ms err

	next_port
	il_drop_port "$PEER" $port || { echo "cannot blackhole"; return; }
	il_client "$SUT" "$1" 60 -Y 2 -p $port -n 1K -t 30 $PEER_IP
	il_drop_clear "$PEER"
	err=$(il_errno_of "$IL_TMP/cli.out")
	ms=$(il_field "$IL_TMP/cli.out" connect_ms 2)
	dbg "$1 blackholed connect: $err after $ms ms"
	# Timers may run late in a TCG guest, never early.
	if [ -n "$ms" ] && [ "$ms" -ge 6900 ] && [ "$ms" -le 8000 ]; then
		echo "connect $err in 6.9-8.0 s"
	else
		echo "connect $err after $ms ms"
	fi
}

# The TCP peer aborts (linger 0) after 1 MiB of a 64 MiB upload.
case_peer_reset()
{
	local rst

	next_port
	il_server "$PEER" tcp 60 -p $port -n 0 -f 1M -L -t 30 $PEER_IP || return
	il_cap_start "$PEER" veth-peer $port
	il_client "$SUT" "$1" 60 -p $port -n 64M -t 30 $PEER_IP
	il_wait_server
	il_cap_stop
	rst=$(il_cap_count "src host $PEER_IP and tcp[tcpflags] & tcp-rst != 0")
	echo "client $(reset_or "$(il_errno_of "$IL_TMP/cli.out")") peer_rst=$((rst > 0))"
}

# The SUT listener aborts after 1 MiB: the reset must come from the SUT.
case_sut_reset()
{
	local rst

	next_port
	il_server "$SUT" "$1" 60 -p $port -n 0 -f 1M -L -t 30 $SUT_IP || return
	il_cap_start "$PEER" veth-peer $port
	il_client "$PEER" tcp 60 -p $port -n 64M -t 30 $SUT_IP
	il_wait_server
	il_cap_stop
	rst=$(il_cap_count "src host $SUT_IP and tcp[tcpflags] & tcp-rst != 0")
	echo "client $(reset_or "$(il_errno_of "$IL_TMP/cli.out")") sut_rst=$((rst > 0))"
}

# Half-close: one side sends and shuts down its write side; the other
# sends its reply only after reading that FIN. $2 says who goes first.
case_half_close()
{
	local rc fins

	next_port
	if [ "$2" = sut_first ]; then
		il_server "$PEER" tcp 60 -p $port -n 1M -r 2 -H -t 30 $PEER_IP || return
		il_cap_start "$PEER" veth-peer $port
		il_client "$SUT" "$1" 60 -p $port -n 3M -r 1 -t 30 $PEER_IP
	else
		il_server "$SUT" "$1" 60 -p $port -n 1M -r 2 -H -t 30 $SUT_IP || return
		il_cap_start "$PEER" veth-peer $port
		il_client "$PEER" tcp 60 -p $port -n 3M -r 1 -t 30 $SUT_IP
	fi
	rc=$?
	il_wait_server || rc=1
	il_cap_stop
	[ $rc -eq 0 ] && il_check_transfer 3145728 1048576 >&2 || { rc=1; dump_run; }
	# Exactly one FIN each way, and no RST: an orderly close.
	il_cap_show
	# One FIN each way, counted by sequence number: a tail loss probe may
	# send the same FIN twice, which is fine.
	fins=$(tcpdump -r "$IL_TMP/cap.pcap" -n 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i == "seq") print $3, $(i + 1) }' |
		sort -u | wc -l)
	echo "transfer=$rc fins=$fins rsts=$(il_cap_count "tcp[tcpflags] & tcp-rst != 0")"
}

# The peer closes first: the SUT's ACK of that FIN is delayed (pingpong),
# so the FIN the SUT sends when its program closes carries it; one
# segment, not a bare ACK and then a FIN. Prints the flags of the first
# segment the SUT sent after the peer's FIN.
case_fin_acked_by_fin()
{
	local rc try out

	# The peer's FIN waits for a delayed ACK (pingpong mode, at least
	# 40 ms); our FIN carries that ACK only if close() comes first. A
	# loaded TCG guest can wake the client later than that, and then a
	# bare ACK from the timer is right for either stack: such a run does
	# not ask the question, so it runs again (up to three tries).
	for try in 0 1 2; do
		next_port
		# no data: a FIN that comes with data over a segment's worth
		# would be ACKed at once for the data (every second segment)
		il_server "$PEER" tcp 60 -p $port -n 0 -t 30 $PEER_IP || return
		il_cap_start "$PEER" veth-peer $port all ||
			{ echo "no capture"; return; }
		il_client "$SUT" "$1" 60 -p $port -n 0 -H -t 30 $PEER_IP
		rc=$?
		il_wait_server || rc=1
		il_cap_stop
		[ $rc -eq 0 ] || { dump_run; echo "transfer failed"; return; }
		il_cap_show
		# The first segment we send after the peer's FIN must be our
		# FIN, acknowledging it, and its delay in ms. Only the first:
		# Linux TCP's own run once followed its FIN with a bare
		# duplicate ACK 19 us later (CI, 2026-11-24), a race of its
		# delayed-ACK processing with close() that says nothing about
		# how the FIN was acknowledged.
		out=$(tcpdump -tt -r "$IL_TMP/cap.pcap" -n 2>/dev/null |
			awk -v peer="$PEER_IP.$port" '
			$3 == peer && $7 ~ /F/ { fin = $1; next }
			fin && $3 != peer {
				sub(",", "", $7)
				printf "%s %d", $7, ($1 - fin) * 1000
				exit
			}')
		[ "${out% *}" = "[.]" ] && [ "${out#* }" -ge 30 ] || break
		dbg "$1 try $((try + 1)): bare ACK ${out#* } ms after the" \
		    "peer's FIN, the delayed-ACK timer's: run again"
	done
	echo "after_peer_fin=${out% *}"
}

# Closing with unread data aborts the connection: the SUT sends RST.
case_close_unread()
{
	local rst

	next_port
	il_server "$SUT" "$1" 60 -p $port -n 0 -f 1 -t 30 $SUT_IP || return
	il_cap_start "$PEER" veth-peer $port
	il_client "$PEER" tcp 60 -p $port -n 4M -t 30 $SUT_IP
	il_wait_server
	il_cap_stop
	rst=$(il_cap_count "src host $SUT_IP and tcp[tcpflags] & tcp-rst != 0")
	echo "client $(reset_or "$(il_errno_of "$IL_TMP/cli.out")") sut_rst=$((rst > 0))"
}

# The SUT closes first, so its end sits in TIME_WAIT. Binding the same
# local port again fails without SO_REUSEADDR. With it, connecting the
# same 4-tuple again succeeds: a connect from a bound port may take over
# a TIME_WAIT entry that recorded timestamps (__inet_hash_connect passes
# no twp, so tcp_twsk_unique ignores tcp_tw_reuse). Another peer port is
# fine too.
case_time_wait()
{
	local lport=$((port + 10)) a b c d

	next_port
	il_server "$PEER" tcp 60 -p $port -n 0 -H -I 2 -t 30 $PEER_IP || return
	il_client "$SUT" "$1" 30 -B $lport -u -p $port -n 1K -t 10 $PEER_IP
	a=$?
	sleep 0.2
	il_client "$SUT" "$1" 30 -B $lport -p $port -n 1K -t 10 $PEER_IP
	b=$(il_errno_of "$IL_TMP/cli.out")
	il_client "$SUT" "$1" 30 -B $lport -u -p $port -n 1K -t 10 $PEER_IP
	c=$(il_errno_of "$IL_TMP/cli.out")
	il_wait_server
	next_port
	il_server "$PEER" tcp 60 -p $port -n 0 -t 30 $PEER_IP || return
	il_client "$SUT" "$1" 30 -B $lport -u -p $port -n 1K -t 10 $PEER_IP
	d=$?
	il_wait_server
	echo "first=$a rebind=${b:-ok} reuse_same_tuple=${c:-ok} reuse_other_peer=$d"
}

# Accept queue of a listener that does not accept: backlog 1 holds two
# connections; further SYNs are dropped, so those clients time out.
case_backlog()
{
	local i ok=0 to=0 other=0 pids=()

	next_port
	il_server "$SUT" "$1" 40 -p $port -b 1 -a 30 -t 30 $SUT_IP || return
	for i in 1 2 3 4; do
		ip netns exec "$PEER" timeout 30 "$IL_XC" -s TCP -C -Y 1 \
			-p $port $SUT_IP >"$IL_TMP/bl$i.out" 2>&1 &
		pids+=($!)
		sleep 0.3
	done
	wait "${pids[@]}"
	for i in 1 2 3 4; do
		if grep -q '^connected' "$IL_TMP/bl$i.out"; then
			ok=$((ok + 1))
		elif [ "$(il_errno_of "$IL_TMP/bl$i.out")" = ETIMEDOUT ]; then
			to=$((to + 1))
		else
			other=$((other + 1))
			sed 's/^/# /' "$IL_TMP/bl$i.out" >&2
		fi
	done
	kill "$IL_SRV_PID" 2>/dev/null
	wait "$IL_SRV_PID" 2>/dev/null
	echo "connected=$ok timedout=$to other=$other"
}

# The SUT half-closes at once and reads only 1.5 s later; the peer answers
# its FIN with 32 KiB and its own FIN. netem duplicates everything the SUT
# sends, and at 50 kbit/s the copy of the SUT's last ACK reaches the peer
# ~10 ms after the original, once its socket is gone: it draws an RST,
# while the SUT is in TIME_WAIT with the 32 KiB unread. The connection
# completed: poll() reports no error (SO_ERROR 0), and the reader gets
# the data and EOF (Linux's RST meets only its timewait sock).
case_time_wait_rst()
{
	local rst

	next_port
	il_server "$PEER" tcp 60 -p $port -n 32K -H -t 30 $PEER_IP || return
	ip netns exec "$SUT" tc qdisc replace dev veth-sut root netem \
		duplicate 100% rate 50kbit || { echo "netem unavailable"; return; }
	il_cap_start "$PEER" veth-peer $port
	ip netns exec "$SUT" timeout 30 python3 "$IL_DIR/send_sock.py" client \
		"$(il_fam "$1")" $PEER_IP $port \
		"shutdown;sleep=1500;waiterr=1000;readall" \
		>"$IL_TMP/tw.out" 2>&1
	il_wait_server
	il_cap_stop
	il_netem_clear
	rst=$(il_cap_count "src host $PEER_IP and tcp[tcpflags] & tcp-rst != 0")
	echo "$(awk '$1 == "err" { printf "so_error=%s ", $2 }
		     $1 == "read" { printf "read=%s end=%s ", $2, $3 }' "$IL_TMP/tw.out")peer_rst=$((rst > 0))"
}

# name|function args|outcome stock TCP gives
cases=(
	"refused|case_refused|connect ECONNREFUSED"
	"blackhole_syncnt2_etimedout|case_blackhole|connect ETIMEDOUT in 6.9-8.0 s"
	"peer_reset_mid_transfer|case_peer_reset|client reset peer_rst=1"
	"sut_reset_mid_transfer|case_sut_reset|client reset sut_rst=1"
	"half_close_sut_first|case_half_close sut_first|transfer=0 fins=2 rsts=0"
	"half_close_peer_first|case_half_close peer_first|transfer=0 fins=2 rsts=0"
	"close_with_unread_data_sends_rst|case_close_unread|client reset sut_rst=1"
	"peer_fin_acked_by_own_fin|case_fin_acked_by_fin|after_peer_fin=[F.]"
	"time_wait_port_reuse|case_time_wait|first=0 rebind=EADDRINUSE reuse_same_tuple=ok reuse_other_peer=0"
	"time_wait_rst_keeps_unread_data|case_time_wait_rst|so_error=0 read=32768 end=eof peer_rst=1"
	"backlog_overflow|case_backlog|connected=2 timedout=2 other=0"
)

il_plan ${#cases[@]}
base=30000
for c in "${cases[@]}"; do
	IFS='|' read -r name fn want <<<"$c"
	# The family goes first, before the case's own arguments.
	read -r fn args <<<"$fn"
	port=$base
	# shellcheck disable=SC2086
	tcp_out=$($fn tcp $args)
	x_out=
	port=$((base + 20))
	# shellcheck disable=SC2086
	[ "$IL_MODE" = xtcp ] && x_out=$($fn xtcp $args)
	base=$((base + 40))
	il_compare "$name" "$want" "$tcp_out" "$x_out"
done
il_finish
