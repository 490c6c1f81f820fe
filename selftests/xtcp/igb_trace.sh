#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xtcp_igb's TX tracepoints pair up: every frame xtcp_igb:xmit hands to a
# ring comes back in exactly one xtcp_igb:tx_clean of the same queue, in
# ring order, named by the same skb address (tx_clean's skbaddrs list);
# each clean lists as many skbs as frames it reclaimed, and the descriptors
# reclaimed add up to the descriptors the xmits used. Traffic: a TCP bulk
# transfer with TSO on (context + multi-descriptor frames) and pings.
# QEMU's 82576 sends frames during the tail write, so xtcp_igb finds the
# last frame already done at the doorbell and reaps it from NAPI right away
# instead of after the moderated interrupt (tx_queue_N_early_reaps); with
# the private flag tx-reap-at-doorbell off it waits for the interrupt.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/igb_lib.sh"

TR=/sys/kernel/tracing
MIB=${XIGB_TRACE_MIB:-8}

xigb_need_nics
tmp=$(mktemp -d /tmp/igb_trace.XXXXXX)
hash0=
cleanup() {
	echo 0 >$TR/tracing_on 2>/dev/null
	echo 0 >$TR/events/xtcp_igb/enable 2>/dev/null
	[ -n "$hash0" ] && echo "$hash0" >$TR/trace_options 2>/dev/null
	xigb_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT

trace_start() {
	[ -d $TR/events ] || mount -t tracefs nodev $TR || return 1
	echo 0 >$TR/tracing_on
	# skbaddr (%p) must print the raw address to compare with skbaddrs
	hash0=$(grep -q '^nohash-ptr' $TR/trace_options && echo nohash-ptr ||
		echo hash-ptr)
	echo nohash-ptr >$TR/trace_options || return 1
	echo 16384 >$TR/buffer_size_kb
	echo 1 >$TR/events/xtcp_igb/xmit/enable || return 1
	echo 1 >$TR/events/xtcp_igb/tx_clean/enable || return 1
	echo 1 >$TR/tracing_on
	# frames sent before the trace began are long reclaimed after this
	sleep 1
	echo >$TR/trace
}

trace_stop() {
	sleep 1		# let the last frames be reclaimed
	echo 0 >$TR/tracing_on
	echo 0 >$TR/events/xtcp_igb/enable
	cat $TR/trace >"$1"
	cat $TR/per_cpu/cpu*/stats >"$1.stats"
}

# check TRACE: the pairing rules of the header, per (dev, queue)
check() {
	python3 - "$1" <<'EOF'
import re, sys

kv = re.compile(r"(\w+)=(\S+)")
ts_re = re.compile(r"\s(\d+\.\d+):\s")
xmits, cleans, descs = {}, {}, {}
t_xmit, t_clean = {}, {}
n_clean = n_xmit = 0
ok = True
for line in open(sys.argv[1]):
    m = re.search(r"\s(xmit|tx_clean): (.*)$", line)
    if not m:
        continue
    f = dict(kv.findall(m.group(2)))
    q = (f["dev"], f["queue"])
    d = descs.setdefault(q, [0, 0])
    ts = float(ts_re.search(line).group(1))
    if m.group(1) == "xmit":
        n_xmit += 1
        xmits.setdefault(q, []).append(int(f["skbaddr"], 16))
        t_xmit.setdefault(q, []).append(ts)
        d[0] += int(f["descs"])
        continue
    n_clean += 1
    addrs = [int(a, 16) for a in f["skbaddrs"].strip("{}").split(",") if a]
    used = int(f["budget"].split("/")[0])
    if len(addrs) != used:
        print("clean lists %d skbs for %d frames: %s" % (len(addrs), used,
                                                         line.strip()))
        ok = False
    cleans.setdefault(q, []).extend(addrs)
    t_clean.setdefault(q, []).extend([ts] * len(addrs))
    d[1] += int(f["descs"])
for q in sorted(set(xmits) | set(cleans)):
    x, c = xmits.get(q, []), cleans.get(q, [])
    print("%s queue %s: %d xmit, %d cleaned, descriptors %d/%d" %
          (q[0], q[1], len(x), len(c), descs[q][0], descs[q][1]))
    if x != c:
        k = next((i for i, (a, b) in enumerate(zip(x, c)) if a != b),
                 min(len(x), len(c)))
        print("  first mismatch at frame %d: xmit %s cleaned %s" %
              (k, hex(x[k]) if k < len(x) else "-",
               hex(c[k]) if k < len(c) else "-"))
        ok = False
    if descs[q][0] != descs[q][1]:
        ok = False
lat = sorted(c - x for q in t_xmit for x, c in zip(t_xmit[q], t_clean.get(q, [])))
if lat:
    print("xmit -> tx_clean: p50 %.0f us, p90 %.0f us (%d frames)" %
          (lat[len(lat) // 2] * 1e6, lat[len(lat) * 9 // 10] * 1e6, len(lat)))
if n_xmit < 100 or n_clean < 1:
    print("too little traffic traced: %d xmit, %d tx_clean" % (n_xmit, n_clean))
    ok = False
sys.exit(0 if ok else 1)
EOF
}

# step WHAT CMD...: run CMD quietly; on failure show its output and WHAT
step() {
	local what=$1 out

	shift
	out=$("$@" 2>&1) && return 0
	echo "$out" | tail -n 5
	echo "failed: $what"
	return 1
}

t_pairs() {
	trace_start || { echo "tracing did not start"; return 1; }
	# each step says why it failed: the verdict alone tells nothing
	step "ping -s 3000 $XB_IP" ip netns exec $XA busybox ping -c 3 -i 0.2 \
		-s 3000 $XB_IP &&
		step "$MIB MiB TCP $XA -> $XB" xigb_transfer $XA $XB $XB_IP "$MIB" &&
		step "ping $XA_IP" ip netns exec $XB busybox ping -c 3 -i 0.2 \
			$XA_IP ||
		{ trace_stop "$tmp/t"; return 1; }
	trace_stop "$tmp/t"
	grep -m 1 ' tx_clean: ' "$tmp/t"
	if grep -q -E '^(overrun|dropped events): [1-9]' "$tmp/t.stats"; then
		echo "trace lost events"
		return 1
	fi
	check "$tmp/t"
}

t_early_reap() {
	local n

	n=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_early_reaps$')
	echo "early reaps: $n"
	[ "$n" -gt 0 ]
}

flag() {	# flag: the state of tx-reap-at-doorbell
	ip netns exec $XA ethtool --show-priv-flags "$XA_DEV" |
		awk -F: '$1 ~ /^tx-reap-at-doorbell *$/ { gsub(/ /, "", $2); print $2 }'
}

t_reap_flag_off() {
	local n0 n1

	ip netns exec $XA ethtool --show-priv-flags "$XA_DEV"
	[ "$(flag)" = on ] || { echo "default is '$(flag)', not on"; return 1; }
	ip netns exec $XA ethtool --set-priv-flags "$XA_DEV" \
		tx-reap-at-doorbell off || return 1
	[ "$(flag)" = off ] || return 1
	n0=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_early_reaps$')
	xigb_transfer $XA $XB $XB_IP 2 || return 1
	n1=$(xigb_stat_sum $XA "$XA_DEV" '^tx_queue_[0-9]+_early_reaps$')
	echo "flag off: early reaps $n0 -> $n1 over a 2 MiB transfer"
	ip netns exec $XA ethtool --set-priv-flags "$XA_DEV" \
		tx-reap-at-doorbell on || return 1
	[ "$n1" = "$n0" ] && [ "$(flag)" = on ]
}

ktap_header 3
xigb_wire_up ||
	ktap_fail_all "wire setup failed" xmit_tx_clean_pair_by_skb \
		tx_reaped_at_doorbell reap_flag_off_waits_for_irq
ktap_run xmit_tx_clean_pair_by_skb t_pairs
ktap_run tx_reaped_at_doorbell t_early_reap
ktap_run reap_flag_off_waits_for_irq t_reap_flag_off
ktap_finish
