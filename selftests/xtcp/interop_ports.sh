#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AF_XTCP and the host's TCP share one port space: a listener of either
# makes a bind of the other fail with EADDRINUSE; thousands of sequential
# AF_XTCP connects take ephemeral ports that never collide with host TCP
# connections held open meanwhile; ports below 1024 need
# CAP_NET_BIND_SERVICE (EACCES, dropped with setpriv); SO_REUSEADDR lets a listener restart
# over its own TIME_WAIT connections, as TCP allows.
#
# INTEROP_FAMILIES=tcp (interop_ports_tcp.sh) runs every case with stock
# TCP in both roles; the default puts AF_XTCP in the SUT role and requires
# the outcome stock TCP gives in the same run.

. "$(dirname "$0")/interop_lib.sh"

il_require ip timeout python3 setpriv comm

SUT=$IL_NS_SUT
PEER=$IL_NS_PEER
PEER_IP=10.0.1.2
SUT_IP=10.0.1.1
NCONN=${INTEROP_NCONN:-10000}
NCONN_TCP=${INTEROP_NCONN_TCP:-2000}
NHELD=${INTEROP_NHELD:-400}

if [ "$IL_MODE" = xtcp ]; then
	il_xtcp_load || il_skip_all "xtcp module not loadable"
fi
il_ns_pair || il_skip_all "cannot create veth/netns"

dbg() { echo "# $*" >&2; }

# A listener of family $1 holds the port; a listener of family $2 tries it.
case_listener_conflict()
{
	il_server "$SUT" "$1" 30 -p $port -t 20 $SUT_IP || { echo "no listener"; return; }
	ip netns exec "$SUT" timeout 10 "$IL_XC" -l -s "$(il_fam "$2")" \
		-p $port -t 2 $SUT_IP >"$IL_TMP/second.out" 2>&1
	echo "second_listener $(il_errno_of "$IL_TMP/second.out")"
	kill "$IL_SRV_PID" 2>/dev/null
	wait "$IL_SRV_PID" 2>/dev/null
}

# A listener of family $1 holds the port; a client of family $2 binds it.
case_client_bind_conflict()
{
	il_server "$SUT" "$1" 30 -p $port -t 20 $SUT_IP || { echo "no listener"; return; }
	il_client "$SUT" "$2" 10 -B $port -p $port -n 1K -t 5 $PEER_IP
	echo "client_bind $(il_errno_of "$IL_TMP/cli.out")"
	kill "$IL_SRV_PID" 2>/dev/null
	wait "$IL_SRV_PID" 2>/dev/null
}

# Hold $NHELD host TCP connections from the SUT to a peer listener, then
# make $2 sequential connections of family $1 to the same listener. The
# ephemeral range is narrowed to 1000 ports, so ports are reused many
# times over. All connections share the remote endpoint, so a local port
# in use by a held connection can never be taken again without an
# identical 4-tuple: TCP never does that, and AF_XTCP must not either.
case_ephemeral()
{
	local n=$2 listener holder rc bad i t0

	rm -f "$IL_TMP/pl.ready" "$IL_TMP/held.out"
	ip netns exec "$SUT" sysctl -qw net.ipv4.ip_local_port_range="40000 40999"
	# The peer closes first (FIN at once, then reads to EOF): TIME_WAIT
	# stays on the peer and the SUT may reuse its ports at once. Held
	# connections sit in CLOSE_WAIT with their ports owned.
	ip netns exec "$PEER" python3 -c "
import selectors, socket
sel = selectors.DefaultSelector()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$PEER_IP', $port))
s.listen(4096)
s.setblocking(False)
sel.register(s, selectors.EVENT_READ)
open('$IL_TMP/pl.ready', 'w').close()
# One thread, no per-connection cost beyond the syscalls: FIN at once,
# then read to EOF and close.
while True:
    for key, _ in sel.select():
        if key.fileobj is s:
            try:
                c, _ = s.accept()
            except BlockingIOError:
                continue
            c.setblocking(False)
            c.shutdown(socket.SHUT_WR)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = key.fileobj.recv(65536)
        except BlockingIOError:
            continue
        except ConnectionError:
            data = b''
        if not data:
            sel.unregister(key.fileobj)
            key.fileobj.close()
" >"$IL_TMP/pl.out" 2>&1 &
	listener=$!
	il_wait_file "$IL_TMP/pl.ready" 30 || { kill $listener; echo "no peer listener"; return; }
	ip netns exec "$SUT" python3 -c "
import socket, time
socks = [socket.create_connection(('$PEER_IP', $port)) for i in range($NHELD)]
for s in socks:
    print(s.getsockname()[1])
print('held', flush=True)
time.sleep(900)" >"$IL_TMP/held.out" 2>&1 &
	holder=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^held' "$IL_TMP/held.out" && break
		sleep 0.2
	done
	if ! grep -q '^held' "$IL_TMP/held.out"; then
		sed 's/^/# held: /' "$IL_TMP/held.out" >&2
		kill $listener $holder
		echo "could not hold TCP connections"
		return
	fi
	t0=$(date +%s)
	il_client "$SUT" "$1" 900 -H -I "$n" -p $port -n 0 -t 30 $PEER_IP
	rc=$?
	[ $rc -eq 0 ] || dump_run
	kill $listener $holder
	wait $listener $holder 2>/dev/null
	grep '^local_port' "$IL_TMP/cli.out" | awk '{ print $2 }' | sort -u \
		>"$IL_TMP/used"
	grep -v held "$IL_TMP/held.out" | sort -u >"$IL_TMP/heldports"
	bad=$(comm -12 "$IL_TMP/used" "$IL_TMP/heldports" | wc -l)
	i=$(grep -c '^local_port' "$IL_TMP/cli.out")
	dbg "$1: $i connects, $(wc -l <"$IL_TMP/used") distinct local ports, $(wc -l <"$IL_TMP/heldports") held by TCP, $bad shared"
	dbg "$1: $(awk '$1 == "connect_ms" { c += $2 } $1 == "time_ms" { t += $2 } END { printf "%d ms in connect(), %d ms in transfers", c, t }' "$IL_TMP/cli.out"), $(($(date +%s) - t0)) s in all"
	[ "$i" -eq "$n" ] && i=all || i="$i/$n"
	echo "status=$rc connects=$i collisions=$bad"
}

dump_run() { il_dump >&2; }

# Binding a port below 1024 without CAP_NET_BIND_SERVICE, then with it.
case_privileged()
{
	local without with

	# Dropped from the bounding set, the capability is gone from what a
	# root exec gets as permitted, and so from the effective set.
	ip netns exec "$SUT" setpriv --bounding-set=-net_bind_service \
		timeout 10 "$IL_XC" -l -s "$(il_fam "$1")" -p 1000 -t 1 $SUT_IP \
		>"$IL_TMP/priv.out" 2>&1
	without=$(il_errno_of "$IL_TMP/priv.out")
	ip netns exec "$SUT" timeout 10 "$IL_XC" -l -s "$(il_fam "$1")" \
		-p 1001 -t 1 $SUT_IP >"$IL_TMP/priv.out" 2>&1
	with=$?
	echo "without_cap ${without:-ok} with_cap_status=$with"
}

# A SO_REUSEADDR listener of family $1 serves one connection and closes
# first, so the connection sits in TIME_WAIT on the listener's port.
# Restarting the listener needs SO_REUSEADDR again (the TIME_WAIT entry
# inherited it from the listener; both must have it).
case_reuseaddr_restart()
{
	local a b

	il_server "$SUT" "$1" 30 -u -p $port -n 1K -t 20 $SUT_IP || { echo "no listener"; return; }
	# The client replies only after the listener's FIN: listener closes first.
	il_client "$PEER" tcp 30 -H -p $port -n 1K -t 10 $SUT_IP
	il_wait_server
	sleep 0.2
	ip netns exec "$SUT" timeout 10 "$IL_XC" -l -s "$(il_fam "$1")" \
		-p $port -t 1 $SUT_IP >"$IL_TMP/r1.out" 2>&1
	a=$(il_errno_of "$IL_TMP/r1.out")
	ip netns exec "$SUT" timeout 10 "$IL_XC" -l -u -s "$(il_fam "$1")" \
		-p $port -t 1 $SUT_IP >"$IL_TMP/r2.out" 2>&1
	b=$(il_errno_of "$IL_TMP/r2.out")
	echo "restart_plain ${a:-ok} restart_reuseaddr ${b:-ok}"
}

# name|function|SUT family args (%X = family under test)|stock TCP outcome
cases=(
	"tcp_listener_blocks_listener|case_listener_conflict tcp %X|second_listener EADDRINUSE"
	"listener_blocks_tcp_listener|case_listener_conflict %X tcp|second_listener EADDRINUSE"
	"tcp_listener_blocks_client_bind|case_client_bind_conflict tcp %X|client_bind EADDRINUSE"
	"listener_blocks_tcp_client_bind|case_client_bind_conflict %X tcp|client_bind EADDRINUSE"
	"ephemeral_ports_avoid_held_tcp|case_ephemeral %X %N|status=0 connects=all collisions=0"
	"privileged_port_eacces|case_privileged %X|without_cap EACCES with_cap_status=2"
	"reuseaddr_restart_over_time_wait|case_reuseaddr_restart %X|restart_plain EADDRINUSE restart_reuseaddr ok"
)

il_plan ${#cases[@]}
base=31000
for c in "${cases[@]}"; do
	IFS='|' read -r name fn want <<<"$c"
	port=$base
	fn=${fn//%N/$NCONN}
	# The oracle only has to show the case works: fewer TCP connects.
	tcp_fn=${fn//%X/tcp}
	tcp_fn=${tcp_fn//$NCONN/$NCONN_TCP}
	tcp_out=$($tcp_fn)
	x_out=
	port=$((base + 20))
	[ "$IL_MODE" = xtcp ] && x_out=$(${fn//%X/xtcp})
	base=$((base + 40))
	il_compare "$name" "$want" "$tcp_out" "$x_out"
done
il_finish
