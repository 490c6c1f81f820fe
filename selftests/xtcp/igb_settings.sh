#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings of xtcp_igb: bad MTU, ring sizes and coalescing values fail with
# EINVAL, as Linux drivers do, and change nothing; good ones take
# effect and traffic still flows (including jumbo frames, which span
# several receive buffers).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

xigb_need_nics
trap xigb_cleanup EXIT

# setmtu NS DEV MTU: print the errno name of SIOCSIFMTU ("OK" on success)
setmtu() {
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" <<'PY'
import errno, fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
req = struct.pack("16si12x", sys.argv[1].encode(), int(sys.argv[2]))
try:
    fcntl.ioctl(s, 0x8922, req)  # SIOCSIFMTU
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

mtu() { xigb_link_stat "$1" "$2" ../mtu; }
ring() {	# ring NS DEV RX|TX
	ip netns exec "$1" ethtool -g "$2" |
		awk -v k="$3:" '/Current/ { c = 1 } c && $1 == k { print $2 }'
}
rx_usecs() {
	ip netns exec "$1" ethtool -c "$2" | awk '$1 == "rx-usecs:" { print $2 }'
}

# expect_fail ERRSTR CMD...: CMD fails and says ERRSTR
expect_fail() {
	local want=$1 out

	shift
	if out=$("$@" 2>&1); then
		echo "unexpected success: $*"
		return 1
	fi
	echo "$*: $out"
	echo "$out" | grep -q "$want"
}

t_bad_mtu() {
	local r

	for m in $((9216 - 26 + 1)) 65000 67; do
		r=$(setmtu $XA "$XA_DEV" $m)
		echo "mtu $m: $r"
		[ "$r" = EINVAL ] || return 1
	done
	[ "$(mtu $XA "$XA_DEV")" = 1500 ]
}

t_bad_ring() {
	local e="ip netns exec $XA ethtool -G $XA_DEV"

	expect_fail "Invalid argument" $e tx 32 || return 1
	expect_fail "Invalid argument" $e rx 63 || return 1
	expect_fail "Invalid argument" $e tx 8192 || return 1
	expect_fail "Invalid argument" $e rx 4097 || return 1
	[ "$(ring $XA "$XA_DEV" TX)" = 256 ] && [ "$(ring $XA "$XA_DEV" RX)" = 256 ]
}

t_bad_coalesce() {
	local e="ip netns exec $XA ethtool -C $XA_DEV" before

	before=$(rx_usecs $XA "$XA_DEV")
	expect_fail "Invalid argument" $e rx-usecs 8192 || return 1
	expect_fail "Invalid argument" $e rx-usecs 100000 || return 1
	# one vector serves a queue pair: tx-usecs does not exist here, and
	# the ethtool core refuses unsupported parameters with EINVAL
	expect_fail "Invalid argument" $e tx-usecs 10 || return 1
	[ "$(rx_usecs $XA "$XA_DEV")" = "$before" ]
}

t_still_works() {
	ip netns exec $XA busybox ping -c 2 -W 2 $XB_IP >/dev/null
}

t_good_settings() {
	ip netns exec $XA ethtool -G "$XA_DEV" rx 128 tx 512 || return 1
	[ "$(ring $XA "$XA_DEV" TX)" = 512 ] && [ "$(ring $XA "$XA_DEV" RX)" = 128 ] ||
		return 1
	# sizes round up to a multiple of 8 descriptors (128-byte ring length)
	ip netns exec $XA ethtool -G "$XA_DEV" rx 100 || return 1
	[ "$(ring $XA "$XA_DEV" RX)" = 104 ] || return 1
	ip netns exec $XA ethtool -C "$XA_DEV" rx-usecs 0 || return 1
	[ "$(rx_usecs $XA "$XA_DEV")" = 0 ] || return 1
	ip netns exec $XA ethtool -C "$XA_DEV" rx-usecs 100 || return 1
	[ "$(rx_usecs $XA "$XA_DEV")" = 100 ] || return 1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" || return 1
	xigb_transfer $XA $XB $XB_IP 8 && xigb_transfer $XB $XA $XA_IP 8
}

t_jumbo() {
	local r

	r=$(setmtu $XA "$XA_DEV" 9000)
	[ "$r" = OK ] || { echo "mtu 9000: $r"; return 1; }
	ip -n $XB link set "$XB_DEV" mtu 9000 || return 1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XA "$XA_DEV" || return 1
	XIGB_WAIT=20 xigb_wait xigb_carrier $XB "$XB_DEV" || return 1
	# 8000-byte echo requests arrive in three 3 KiB receive buffers
	ip netns exec $XA busybox ping -c 3 -W 3 -s 8000 $XB_IP | tail -n 2 || return 1
	ip netns exec $XB busybox ping -c 3 -W 3 -s 8000 $XA_IP | tail -n 2 || return 1
	xigb_transfer $XB $XA $XA_IP 16 || return 1
	ip netns exec $XA ethtool -S "$XA_DEV" | grep -E 'frame_errors|drops' | grep -v ': 0$'
	[ "$(xigb_stat_sum $XA "$XA_DEV" '_(frame_errors|drops|csum_err)$')" = 0 ]
}

ktap_header 6
xigb_wire_up ||
	ktap_fail_all "wire setup failed" bad_mtu_einval bad_ring_einval \
		bad_coalesce_rejected traffic_after_bad_settings \
		good_settings_apply jumbo_mtu_9000
ktap_run bad_mtu_einval t_bad_mtu
ktap_run bad_ring_einval t_bad_ring
ktap_run bad_coalesce_rejected t_bad_coalesce
ktap_run traffic_after_bad_settings t_still_works
ktap_run good_settings_apply t_good_settings
ktap_run jumbo_mtu_9000 t_jumbo
ktap_finish
