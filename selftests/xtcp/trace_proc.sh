#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/net/xtcp: one line per socket in /proc/net/tcp's format, per
# network namespace, with the right state, addresses, queues, timer, uid
# and inode. Each scenario runs twice, on an AF_XTCP socket and on a stock
# TCP one (the oracle) in the same situation, and the lines must agree.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

NS1=trpa-$$ NS2=trpb-$$
A=10.0.1.1 B=10.0.1.2

tl_need_tools python3 setpriv "$TL_XC"
trap 'tl_cleanup; ns_cleanup $NS1 $NS2' EXIT

setup() {
	xtcp_load && veth_pair $NS1 $NS2
}

hexport() { printf '%04X' "$1"; }
hexip() {	# hexip A.B.C.D: as /proc/net/tcp prints it (host order, x86)
	local a b c d

	IFS=. read -r a b c d <<<"$1"
	printf '%02X%02X%02X%02X' "$d" "$c" "$b" "$a"
}

# sock NS FILE LOCAL_PORT [REMOTE_PORT]: the line of that socket, as
# "st tx rx tr retr uid inode local rem" (empty if none).
sock() {
	local st q tr rt uid ino lo re

	read -r st q tr rt uid ino lo re < <(ip netns exec "$1" cat "$2" |
		awk -v l=":$(hexport "$3")" -v r="${4:+:$(hexport "${4:-0}")}" '
		NR > 1 && substr($2, 9) == l && (r == "" || substr($3, 9) == r) {
			print $4, $5, $6, $7, $8, $10, $2, $3
			exit
		}')
	[ -n "$st" ] || return 0
	echo "$st $((16#${q%:*})) $((16#${q#*:})) ${tr%:*} $rt $uid $ino $lo $re"
}

# port_of NS FILE PORT COL [ST]: the other end's port of the first socket
# (in state ST) whose column COL (2 local, 3 remote) has port PORT.
port_of() {
	local p

	p=$(ip netns exec "$1" cat "$2" | awk -v x=":$(hexport "$3")" -v c="$4" \
		-v st="${5:-}" 'NR > 1 && substr($c, 9) == x && (st == "" || $4 == st) {
			print (c == 2 ? substr($3, 10) : substr($2, 10)); exit }')
	[ -n "$p" ] && echo $((16#$p))
}

# field LINE N: the Nth word.
field() { echo "$1" | awk -v n="$2" '{ print $n }'; }

# fd_inode PID: inodes of the sockets PID holds.
fd_inodes() {
	ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p'
}

# wait_sock NS FILE LPORT RPORT ST: until that socket is in state ST.
wait_sock() {
	local l

	for _ in $(seq 100); do
		l=$(sock "$1" "$2" "$3" "$4")
		[ "$(field "$l" 1)" = "$5" ] && { echo "$l"; return 0; }
		sleep 0.1
	done
	echo "# $2 $3->$4 never reached state $5: '$l'" >&2
	return 1
}

# listen_and_queue FAM FILE PORT: a listener (FAM) on A:PORT that does not
# accept for 30 s; a stock TCP client from B sends it 20000 bytes, then
# is killed (its close sends a FIN). Checks LISTEN, ESTABLISHED with 20000 queued, CLOSE_WAIT; prints
# the three lines.
listen_and_queue() {
	local fam=$1 file=$2 port=$3 l srv cli cport inode ready=$TL_TMP/ready.$3

	ip netns exec $NS1 timeout 60 "$TL_XC" -l -s "$fam" -p "$port" -a 30 \
		-t 60 -P "$ready" $A >/dev/null 2>&1 &
	srv=$!
	TL_PIDS+=("$srv")
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
	l=$(wait_sock $NS1 "$file" "$port" "" 0A) || return 1
	echo "listen $l"
	[ "$(field "$l" 8)" = "$(hexip $A):$(hexport "$port")" ] ||
		{ echo "# bad local address"; return 1; }
	inode=$(field "$l" 7)
	fd_inodes "$(pgrep -P $srv -x xtcp_connect || echo $srv)" | grep -qx "$inode" ||
		fd_inodes $srv | grep -qx "$inode" ||
		{ echo "# inode $inode is not the server's socket"; return 1; }
	# not in the peer namespace
	[ -z "$(sock $NS2 "$file" "$port")" ] ||
		{ echo "# listener visible in the other namespace"; return 1; }

	# a stock TCP client that sends 20000 bytes and stays (no shutdown)
	ip netns exec $NS2 timeout 60 python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"x" * 20000)
time.sleep(60)' $A "$port" &
	cli=$!
	TL_PIDS+=("$cli")
	for _ in $(seq 100); do
		cport=$(port_of $NS2 /proc/net/tcp "$port" 3 01)
		[ -n "$cport" ] && break
		sleep 0.1
	done
	[ -n "$cport" ] || { echo "# client never connected"; return 1; }
	for _ in $(seq 100); do
		l=$(sock $NS1 "$file" "$port" "$cport")
		[ "$(field "$l" 3)" = 20000 ] && break
		sleep 0.1
	done
	echo "estab $l"
	[ "$(field "$l" 1)" = 01 ] && [ "$(field "$l" 3)" = 20000 ] ||
		{ echo "# want ESTABLISHED with 20000 bytes queued"; return 1; }
	[ "$(field "$l" 9)" = "$(hexip $B):$(hexport "$cport")" ] ||
		{ echo "# bad remote address"; return 1; }
	[ "$(field "$l" 7)" = 0 ] || { echo "# an unaccepted socket has inode 0"; return 1; }
	l=$(sock $NS1 "$file" "$port" "")
	echo "listen_backlog $l"
	[ "$(field "$l" 3)" = 1 ] || { echo "# listener's accept queue is not 1"; return 1; }
	kill $cli
	l=$(wait_sock $NS1 "$file" "$port" "$cport" 08) || return 1
	echo "close_wait $l"
	kill $srv
	wait $srv $cli 2>/dev/null
	return 0
}

# strip LINES: drop what differs between the two runs (ports, addresses,
# inodes) and keep state, queues, timer and retransmits.
strip() { awk '{ print $1, $2, $3, $4, $5, $6 }'; }

scenario_queue() {
	local x t

	x=$(listen_and_queue XTCP /proc/net/xtcp 5331) || { echo "$x"; return 1; }
	t=$(listen_and_queue TCP /proc/net/tcp 5332) || { echo "$t"; return 1; }
	echo "xtcp:"; echo "$x"
	echo "tcp:"; echo "$t"
	# LISTEN, ESTABLISHED, CLOSE_WAIT lines agree field by field.
	[ "$(echo "$x" | strip)" = "$(echo "$t" | strip)" ] ||
		{ echo "# /proc/net/xtcp differs from /proc/net/tcp"; return 1; }
}

# syn_sent FAM FILE: a connect to a host that does not answer stays in
# SYN_SENT with the retransmit timer. The host has a static neighbour
# entry: without one, ARP fails after 3 s and the connect ends with
# EHOSTUNREACH (for both stacks), which raced with the polling below.
syn_sent() {
	local c l

	ip -n $NS1 neigh replace 10.0.1.99 lladdr 02:00:00:00:00:63 \
		nud permanent dev veth0 || return 1
	ip netns exec $NS1 timeout 20 "$TL_XC" -s "$1" -p 5339 -t 20 10.0.1.99 \
		>/dev/null 2>&1 &
	c=$!
	TL_PIDS+=("$c")
	for _ in $(seq 100); do
		l=$(ip netns exec $NS1 cat "$2" | awk -v r=":$(hexport 5339)" \
			'NR > 1 && substr($3, 9) == r { print $4, substr($6, 1, 2), $3; exit }')
		[ -n "$l" ] && break
		sleep 0.1
	done
	kill $c
	wait $c 2>/dev/null
	echo "$1: st tr rem = $l"
	# SYN_SENT, retransmit timer (tr 01), remote 10.0.1.99:5339
	[ "$l" = "02 01 6301000A:$(hexport 5339)" ]
}

scenario_syn_sent() {
	syn_sent XTCP /proc/net/xtcp && syn_sent TCP /proc/net/tcp
}

# A sender as an unprivileged user against a receiver that never reads:
# the uid column, the sender's inode, Send-Q > 0, and everything the peer
# holds is what xtcp counts as acknowledged (TCP_INFO through xtcp-ss).
scenario_sender() {
	local ready=$TL_TMP/ready.stall srv cli l cport pid inode rq info

	ip netns exec $NS2 timeout 60 python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.bind(("10.0.1.2", 5333))
s.listen()
c, _ = s.accept()
open(sys.argv[1], "w").close()
time.sleep(60)' "$ready" &
	srv=$!
	TL_PIDS+=("$srv")
	wait_listen $NS2 5333 10 || return 1
	ip netns exec $NS1 timeout 60 setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$TL_XC" -s XTCP -p 5333 -n 4M -t 60 $B \
		>/dev/null 2>&1 &
	cli=$!
	TL_PIDS+=("$cli")
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.1; done
	# settled: the peer's queue stops growing
	rq=-1
	for _ in $(seq 50); do
		sleep 0.5
		l=$(field "$(sock $NS2 /proc/net/tcp 5333 "$(port_of $NS2 /proc/net/tcp 5333 2 01)")" 3)
		[ "$l" = "$rq" ] && break
		rq=$l
	done
	cport=$(port_of $NS1 /proc/net/xtcp 5333 3)
	l=$(sock $NS1 /proc/net/xtcp "$cport" 5333)
	echo "sender $l; peer holds $rq bytes"
	[ "$(field "$l" 1)" = 01 ] || return 1
	[ "$(field "$l" 6)" = 65534 ] || { echo "# uid is not 65534"; return 1; }
	[ "$(field "$l" 2)" -gt 0 ] || { echo "# Send-Q is 0"; return 1; }
	pid=$(pgrep -x xtcp_connect -u 65534 | head -n 1)
	inode=$(field "$l" 7)
	fd_inodes "$pid" | grep -qx "$inode" ||
		{ echo "# inode $inode is not held by the sender $pid"; return 1; }
	info=$(ip netns exec $NS1 "$TL_SS" -i -j)
	echo "$info" | python3 -c '
import json, sys
rq, inode = int(sys.argv[1]), int(sys.argv[2])
s = [x for x in json.load(sys.stdin) if x["inode"] == inode][0]
i = s["info"]
print("bytes_acked", i["bytes_acked"], "notsent", i["notsent_bytes"],
      "Send-Q", s["tx_queue"], "state", i["state"])
# the SYN counts in bytes_acked, as in Linux (tcp_snd_una_update)
ok = i["bytes_acked"] == rq + 1 and s["tx_queue"] >= i["notsent_bytes"] and i["state"] == 1
sys.exit(0 if ok else 1)' "$rq" "$inode"
}

ktap_header 4
ktap_run setup setup
ktap_run listen_estab_closewait_vs_tcp scenario_queue
ktap_run syn_sent_vs_tcp scenario_syn_sent
ktap_run sender_uid_inode_sendq scenario_sender
ktap_finish
