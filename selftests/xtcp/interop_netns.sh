#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Network namespaces: AF_XTCP sockets live in the namespace that created
# them. Two namespaces each have their own port space (the same port
# listens in both, and a connect reaches only its own namespace's
# listener). Deleting a namespace while its sockets are open, listening,
# established, mid-transfer and in TIME_WAIT cleans everything up: no
# splat (the runner checks the kernel log) and the module unloads after.
#
# INTEROP_FAMILIES=tcp (interop_netns_tcp.sh) runs it with stock TCP.

. "$(dirname "$0")/interop_lib.sh"

il_require ip timeout

if [ "$IL_MODE" = xtcp ]; then
	X=xtcp
	il_xtcp_load || il_skip_all "xtcp module not loadable"
else
	X=tcp
fi
NS_A=xa-$$
NS_B=xb-$$
NS_C=xc-$$

netns_cleanup()
{
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	il_cleanup
}
trap netns_cleanup EXIT

for ns in "$NS_A" "$NS_B" "$NS_C"; do
	ip netns add "$ns" || il_skip_all "cannot create netns"
	ip -n "$ns" link set lo up
done

FAM=$(il_fam $X)
il_plan 5

# 1. The same port listens in two namespaces at once.
port=33001
rc=0
il_server "$NS_A" $X 60 -p $port -n 1K -r 7 -t 50 127.0.0.1 || rc=1
srv_a=$IL_SRV_PID
out_a=$IL_TMP/srv_a.out
mv "$IL_TMP/srv.out" "$out_a" 2>/dev/null
il_server "$NS_B" $X 60 -p $port -n 1K -r 8 -t 50 127.0.0.1 || rc=1
il_result "same_port_listens_in_two_namespaces" $rc

# 2. A client in B reaches B's listener (its data, seed 8), not A's.
il_client "$NS_B" $X 30 -p $port -n 1K -r 9 -t 20 127.0.0.1
rc=$?
il_wait_server || rc=1
if [ $rc -eq 0 ]; then
	il_check_transfer 1024 1024 || rc=1
fi
[ $rc -eq 0 ] || il_dump
il_result "connect_reaches_own_namespace_listener" $rc
kill "$srv_a" 2>/dev/null
wait "$srv_a" 2>/dev/null
# A's listener never saw a connection.
if grep -q '^recv' "$out_a" 2>/dev/null; then
	il_log "namespace A's listener accepted a connection from B"
	il_fail "other_namespace_listener_untouched"
else
	il_ok "other_namespace_listener_untouched"
fi

# 3. With no listener in B, a connect there is refused even though A
#    listens on the port.
port=33002
il_server "$NS_A" $X 60 -p $port -t 50 127.0.0.1
il_client "$NS_B" $X 30 -p $port -n 1K -t 20 127.0.0.1
err=$(il_errno_of "$IL_TMP/cli.out")
kill "$IL_SRV_PID" 2>/dev/null
wait "$IL_SRV_PID" 2>/dev/null
il_log "connect in B to a port only A listens on: ${err:-connected}"
[ "$err" = ECONNREFUSED ]
il_result "no_listener_in_namespace_refused" $?

# 4. Delete a namespace holding sockets in every state, then unload.
port=33003
cpids=()
# nsc_bg ARGS: an xtcp_connect in NS_C in the background. ip netns exec
# becomes timeout, which passes SIGTERM on to xtcp_connect: $! is the
# process to signal.
nsc_bg()
{
	ip netns exec "$NS_C" timeout 120 "$IL_XC" -s "$FAM" "$@" \
		>>"$IL_TMP/nsc.out" 2>&1 &
	cpids+=($!)
}
# A bulk transfer still running, a listener with a queued connection
# nobody accepts, an established idle pair, and TIME_WAIT sockets.
nsc_bg -l -p $port -n 0 -t 100 127.0.0.1
sleep 0.5
nsc_bg -p $port -n 1G -t 100 127.0.0.1
nsc_bg -l -p $((port + 1)) -a 100 -t 100 127.0.0.1
sleep 0.5
nsc_bg -C -p $((port + 1)) 127.0.0.1
nsc_bg -l -p $((port + 2)) -n 0 -I 3 -t 100 127.0.0.1
sleep 0.5
for i in 1 2 3; do
	ip netns exec "$NS_C" timeout 20 "$IL_XC" -s "$FAM" -p $((port + 2)) \
		-n 1K -t 10 127.0.0.1 >>"$IL_TMP/nsc.out" 2>&1
done
sleep 2
ip netns del "$NS_C"
# The namespace lives on while its sockets do: end the processes (timeout
# passes SIGTERM on to xtcp_connect), so its teardown runs now.
kill "${cpids[@]}" 2>/dev/null
wait "${cpids[@]}" 2>/dev/null
t0=$(date +%s)
rc=0
if [ $X = xtcp ]; then
	# Namespace teardown runs from a workqueue; orphans hold the module
	# until it finishes. xtcp's TIME_WAIT sockets are full sockets that
	# keep their namespace (Linux purges its timewait minisocks at netns
	# exit instead), so allow their 2*MSL = 60 s plus slack, by the clock.
	while [ $(($(date +%s) - t0)) -lt 80 ]; do
		rmmod xtcp 2>/dev/null && break
		sleep 0.5
	done
	if [ -d /sys/module/xtcp ]; then
		il_log "xtcp still loaded 80 s after the namespace went: refcnt $(cat /sys/module/xtcp/refcnt)"
		rc=1
	else
		il_log "xtcp unloaded $(($(date +%s) - t0)) s after the namespace's last process ended"
		il_xtcp_load || { il_log "xtcp does not load again"; rc=1; }
	fi
fi
il_result "delete_namespace_with_open_sockets_then_unload" $rc

il_finish
