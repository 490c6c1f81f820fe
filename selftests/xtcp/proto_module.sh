#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proto_module: loading and unloading xtcp.ko.
#  - load registers the family (param readable), unload removes it;
#  - a taken family number (2 = AF_INET) fails the load with a clear
#    message and leaves nothing behind; out-of-range numbers fail too;
#  - another free number works;
#  - the module cannot unload while an AF_XTCP socket exists (idle,
#    listening, or connected), and unloads once they are closed.
# Needs root and a kernel that can load the module (the guest).

. "$(dirname "$0")/lib.sh"

KO=$XTCP_TOP/module/xtcp.ko
PLAN=8

# sock_errno FAMILY: errno name of socket(FAMILY, SOCK_STREAM, 0), or OK.
sock_errno() {
	python3 - "$1" <<'PY'
import errno, socket, sys
try:
    socket.socket(int(sys.argv[1]), socket.SOCK_STREAM, 0).close()
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

dmesg_since() {	# dmesg_since MARK: kernel log lines after the marker
	dmesg | sed -n "/proto_module: $1/,\$p"
}

mark() {
	echo "proto_module: $1" >/dev/kmsg
}

t_load_unload() {
	xtcp_unload || return 1
	mark load
	insmod "$KO" || return 1
	[ "$(cat /sys/module/xtcp/parameters/family)" = 22 ] || return 1
	[ "$(stat -c %a /sys/module/xtcp/parameters/family)" = 444 ] || return 1
	[ -r /proc/net/xtcp ] || return 1
	[ "$(sock_errno 22)" = OK ] || return 1
	dmesg_since load | grep -q "xtcp: registered address family 22" || return 1
	rmmod xtcp || return 1
	[ ! -d /sys/module/xtcp ] || return 1
	[ "$(sock_errno 22)" = EAFNOSUPPORT ] || return 1
}

t_family_taken() {
	local out rc
	xtcp_unload || return 1
	mark taken
	out=$(insmod "$KO" family=2 2>&1)
	rc=$?
	echo "insmod family=2: rc=$rc $out"
	[ $rc -ne 0 ] || { rmmod xtcp; return 1; }
	[ ! -d /sys/module/xtcp ] || return 1
	dmesg_since taken | grep -q "xtcp: address family 2 is already registered" ||
		return 1
	# Nothing left behind: the default number is free, AF_INET intact.
	[ "$(sock_errno 22)" = EAFNOSUPPORT ] || return 1
	[ "$(sock_errno 2)" = OK ] || return 1
	[ ! -e /proc/net/xtcp ] || return 1
	# And a normal load still works afterwards.
	insmod "$KO" || return 1
	rmmod xtcp
}

t_family_range() {
	local f
	xtcp_unload || return 1
	for f in 0 -1 46 1000; do
		if insmod "$KO" family=$f 2>/dev/null; then
			rmmod xtcp
			echo "family=$f loaded"
			return 1
		fi
		[ ! -d /sys/module/xtcp ] || return 1
	done
}

t_family_other() {
	xtcp_unload || return 1
	insmod "$KO" family=23 || return 1
	[ "$(cat /sys/module/xtcp/parameters/family)" = 23 ] || return 1
	[ "$(sock_errno 23)" = OK ] || return 1
	[ "$(sock_errno 22)" = EAFNOSUPPORT ] || return 1
	rmmod xtcp
}

# hold FAMILY MODE: start a python holding sockets, print its pid once
# they exist. MODE: idle | listen | pair (connected over loopback).
# Python's socket module cannot bind an unknown family, so bind, connect
# and accept go through libc with a struct sockaddr_in.
hold() {
	local ready=/tmp/proto_module.ready.$$
	rm -f "$ready"
	python3 - "$1" "$2" "$ready" >/tmp/proto_module.hold.log 2>&1 <<'PY' &
import ctypes, os, socket, struct, sys, time
fam, mode, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)

def sin(port):
    return struct.pack("=HH4s8x", socket.AF_INET, socket.htons(port),
                       socket.inet_aton("127.0.0.1"))

def call(name, *args):
    r = getattr(libc, name)(*args)
    if r < 0:
        raise OSError(ctypes.get_errno(), name)
    return r

keep = []
s = socket.socket(fam, socket.SOCK_STREAM, 0)
keep.append(s)
if mode in ("listen", "pair"):
    a = sin(47001)
    call("bind", s.fileno(), a, len(a))
    call("listen", s.fileno(), 4)
if mode == "pair":
    c = socket.socket(fam, socket.SOCK_STREAM, 0)
    a = sin(47001)
    call("connect", c.fileno(), a, len(a))
    afd = call("accept", s.fileno(), None, None)
    acc = socket.socket(fileno=afd)
    c.sendall(b"x" * 1000)
    assert os.read(afd, 1000)
    # Abort both ends (RST): no TIME_WAIT to outlive the sockets.
    for x in (acc, c):
        x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    keep += [c, acc]
open(ready, "w").close()
time.sleep(60)
PY
	local pid=$! i
	for i in $(seq 100); do
		[ -e "$ready" ] && break
		sleep 0.1
	done
	rm -f "$ready"
	echo $pid
}

t_refcount() {	# t_refcount MODE
	local pid out
	ip link set lo up
	xtcp_unload || return 1
	insmod "$KO" || return 1
	pid=$(hold 22 "$1")
	kill -0 "$pid" 2>/dev/null || {
		echo "holder died:"; cat /tmp/proto_module.hold.log; return 1; }
	out=$(rmmod xtcp 2>&1) && { echo "rmmod succeeded with a socket open"; return 1; }
	echo "rmmod while open: $out"
	[ -d /sys/module/xtcp ] || return 1
	kill "$pid"
	wait "$pid" 2>/dev/null
	# Sockets free after an RCU grace period; give it a moment.
	for i in $(seq 50); do
		rmmod xtcp 2>/dev/null && return 0
		sleep 0.1
	done
	echo "rmmod still refused after close"
	cat /proc/net/xtcp /proc/net/xtcp_snmp 2>/dev/null
	return 1
}

t_reload_cycles() {
	local i
	xtcp_unload || return 1
	for i in $(seq 20); do
		insmod "$KO" || return 1
		[ "$(sock_errno 22)" = OK ] || return 1
		rmmod xtcp || return 1
	done
}

if [ "$(id -u)" != 0 ] || [ ! -e "$KO" ]; then
	ktap_header 1
	ktap_result 4 proto_module "needs root and module/xtcp.ko"
	ktap_finish
fi

ktap_header $PLAN
ktap_run load_unload t_load_unload
ktap_run family_taken t_family_taken
ktap_run family_out_of_range t_family_range
ktap_run family_other t_family_other
ktap_run refcount_idle_socket t_refcount idle
ktap_run refcount_listener t_refcount listen
ktap_run refcount_connected_pair t_refcount pair
ktap_run reload_cycles t_reload_cycles
ktap_finish
