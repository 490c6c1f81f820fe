#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# send_cc: congestion control per socket, against a stock Linux TCP peer
# 200 ms away (netem on the peer's egress, so the round trip is fixed and
# no queue builds). One data segment is dropped once, in slow start (an
# iptables nth rule in the peer), so each algorithm shows one reduction
# and then its growth law undisturbed for ~7.5 s: the sender is cwnd
# limited (a large peer receive buffer, a writer that never stops).
# TCP_INFO is sampled every 20 ms; the window at the loss comes from the
# xtcp:xtcp_ack tracepoint (slow start's last ACKs arrive in one burst).
#  1. TCP_CONGESTION: reno is the default, cubic can be chosen, an
#     unknown name fails with ENOENT, the module parameter sets the
#     default of new sockets.
#  2. Reno: slow start (ssthresh unset, cwnd at least doubling from 10),
#     at the loss ssthresh about half the window (beta 0.5), then
#     congestion avoidance linear in round trips: +1 segment per RTT
#     (a least-squares line against elapsed RTTs, small residuals).
#     The halving is of cwnd, as Linux's, also when the loss is seen late
#     and SACKed data makes the flight larger than the window.
#  3. CUBIC: the same slow start, ssthresh about 0.7 of the window
#     (beta_cubic), then W(t) = C (t - K)^3 + W_max (RFC 9438 4.2): most
#     of the growth in the first half of K (concave), a plateau at W_max
#     around K, faster growth after K than just after it (convex), and
#     the samples close to the formula. Reno's line fails the concave
#     and convex checks; CUBIC's S-curve fails Reno's line.
#  4. CUBIC after an application pause goes on from where it left the
#     curve: idle time is skipped (RFC 9438 5.8).
#  5. A sender the peer's window holds back (SO_RCVBUF 8 and 32 KiB at
#     the peer) grows cwnd only as far as tcp_is_cwnd_limited lets it,
#     for xtcp as for Linux TCP: slow start to twice the largest flight,
#     plus what the ACK that crosses it acknowledges (at most 3 flights);
#     never to a window the path has not carried.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send_lib.sh"

send_on_exit() {
	echo reno >/sys/module/xtcp/parameters/congestion 2>/dev/null
}
send_setup sc python3 tc
[ -w /sys/module/xtcp/parameters/congestion ] || skip_all "no congestion parameter"
peer_delay delay 200ms
command -v iptables >/dev/null || skip_all "iptables missing"
# Single segments on the wire, so the nth rule drops one MSS.
ip netns exec $A ethtool -K xs0 gso off tso off >/dev/null 2>&1
# A receive window that never limits: the sender is cwnd limited.
ip netns exec $B sysctl -qw net.ipv4.tcp_rmem="4096 4194304 16777216"

PORT=7700
client() {	# client NAME SCRIPT [SERVER_STEPS]; FAM: the client's family
	local srv rc=0
	PORT=$((PORT + 1))
	ip netns exec $B timeout 60 $SOCK server TCP $PORT "${3:-}" >/dev/null &
	srv=$!
	wait_listen $B $PORT 10 || return 1
	ip netns exec $A timeout 60 $SOCK client "${FAM:-XTCP}" 10.0.1.2 $PORT \
		"$2;close" >"$TMP/$1.cli" 2>&1 || rc=1
	wait $srv || rc=1
	return $rc
}

t_sockopt() {
	local rc=0
	client opt "getcc;cc=cubic;getcc;cc=reno;getcc" || rc=1
	grep '^cc' "$TMP/opt.cli" | tr '\n' ' '
	[ "$(grep -c '^cc' "$TMP/opt.cli")" = 3 ] &&
	[ "$(awk '$1 == "cc" { printf "%s,", $2 }' "$TMP/opt.cli")" = "reno,cubic,reno," ] || rc=1
	# Unknown algorithm: ENOENT, as TCP.
	ip netns exec $A python3 -c "
import socket, sys
s = socket.socket(int(open('/sys/module/xtcp/parameters/family').read()), socket.SOCK_STREAM)
try:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'nosuchcc')
except OSError as e:
    sys.exit(0 if e.errno == 2 else 1)
sys.exit(1)" || { echo "unknown name not ENOENT"; rc=1; }
	echo cubic >/sys/module/xtcp/parameters/congestion
	client def "getcc" || rc=1
	echo reno >/sys/module/xtcp/parameters/congestion
	echo "default after setting the parameter: $(awk '$1 == "cc" { print $2 }' "$TMP/def.cli")"
	grep -qx "cc cubic" "$TMP/def.cli" || rc=1
	echo
	return $rc
}

# The peer of a bulk run reads nothing until the writer is done. A peer
# that reads owns its socket at times, and segments arriving then are
# coalesced in the socket backlog and ACKed as one: the whole window in
# a single ACK. The flight then drains to zero before new data leaves,
# which CUBIC (as Linux's, CA_EVENT_TX_START) takes for idle since the
# last send, an RTT each round, and the curve stops in time. A peer that
# does not read processes each segment as it comes, ACKing every second
# one (its large SO_RCVLOWAT keeps the unread data from delaying those
# ACKs, and grows its buffer to hold it).
PEER_QUIET="pause=10500;lowat=8388608"

# drop_once PORT N: the peer drops the Nth data segment to PORT, once
# (peer_drop; the rule set is flushed first).
drop_once() {
	ip netns exec $B iptables -F INPUT 2>/dev/null
	peer_drop "$1" 1000 "$2"
}

# The window at the loss: slow start's last ACKs come in one burst that
# 20 ms samples of TCP_INFO miss, so the xtcp:xtcp_ack tracepoint (cwnd
# and ssthresh at every ACK) is recorded too.
ack_trace_start() {
	local t
	t=$(send_tracefs) || return 1
	echo 0 >"$t"/tracing_on
	echo >"$t"/trace
	echo 1 >"$t"/events/xtcp/xtcp_ack/enable || return 1
	echo 1 >"$t"/tracing_on
}

ack_trace_stop() {	# ack_trace_stop FILE
	local t
	t=$(send_tracefs) || return 1
	echo 0 >"$t"/tracing_on
	echo 0 >"$t"/events/xtcp/xtcp_ack/enable
	grep -o 'cwnd=[0-9]* ssthresh=[0-9]*' "$t"/trace | tr '=' ' ' >"$1"
	echo >"$t"/trace
}

# loss_run NAME SCRIPT PEER_STEPS: client NAME runs SCRIPT while the
# peer drops the 40th data segment once; its ACKs go to $TMP/NAME.acks.
loss_run() {
	local rc=0
	# client() takes the next port.
	drop_once $((PORT + 1)) 40 || { echo "iptables nth rule failed"; return 1; }
	ack_trace_start || { echo "no xtcp:xtcp_ack tracepoint"; return 1; }
	client "$1" "$2" "$3" || rc=1
	ack_trace_stop "$TMP/$1.acks"
	return $rc
}

# cc_case NAME ALGO: one bulk run with a single loss; growth law checks.
cc_case() {
	loss_run "$1" "cc=$2;getcc;bulk=9@20" "$PEER_QUIET" &&
		grep -qx "cc $2" "$TMP/$1.cli" || return 1
	python3 - "$2" "$TMP/$1.cli" "$TMP/$1.acks" "$(dirname "$0")" <<'PYEOF' ||
import sys
sys.path.insert(0, sys.argv[4])
from send_cc import Epoch, samples, window_at_loss

algo, path = sys.argv[1], sys.argv[2]
S = samples(path)
ss = [s for s in S if s[2] >= 1e6]
if not ss:
    sys.exit("no slow start seen")
first, wss = ss[0][1], max(s[1] for s in ss)
e = Epoch(S)
ssth, ep, T, W, w0, rtt, at = e.ssth, e.ep, e.T, e.W, e.w0, e.rtt, e.at
wloss = window_at_loss(S, sys.argv[3])
if any(s[3] == 4 for s in e.after):
    sys.exit("an RTO happened (ca_state Loss): not a single fast-recovered loss")
print("slow start %d -> %d; ssthresh %d = %.2f of the window at the loss "
      "(%d); epoch %.1f s from cwnd %d to %d, srtt %.0f ms"
      % (first, wss, ssth, ssth / wloss, wloss, T[-1], w0, W[-1], rtt * 1e3))
ok = first <= 10 and wss >= 2 * first
if not ok:
    print("fail: slow start")

if algo == "reno":
    lo, hi = 0.35, 0.65
    # Elapsed round trips, integrating the sampled RTT.
    x, acc = [0.0], 0.0
    for k in range(1, len(ep)):
        acc += (ep[k][0] - ep[k - 1][0]) / max(ep[k][4] / 1e6, 1e-3)
        x.append(acc)
    n = len(x)
    mx, my = sum(x) / n, sum(W) / n
    sxx = sum((a - mx) ** 2 for a in x)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, W)) / sxx
    res = max(abs(b - (my + slope * (a - mx))) for a, b in zip(x, W))
    print("reno: %.1f RTTs, slope %.2f segments/RTT, max residual %.1f"
          % (x[-1], slope, res))
    if not (x[-1] >= 15 and 0.7 <= slope <= 1.3 and res <= 3 + 0.05 * W[-1]):
        print("fail: not +1 segment per RTT")
        ok = False
else:
    lo, hi = 0.6, 0.8
    wmax, k, cubic = e.wmax, e.k, e.cubic

    g1 = at(k / 2) - at(0)
    g2 = at(k) - at(k / 2)
    g3 = at(k + 1.5) - at(k)
    g4 = at(k + 3) - at(k + 1.5)
    span = [(t, w) for t, w in zip(T, W) if t <= k + 3]
    dev = sum(abs(w - cubic(t)) for t, w in span) / len(span)
    print("cubic: W_max %.1f K %.2f s; growth [0,K/2] %d [K/2,K] %d "
          "[K,K+1.5] %d [K+1.5,K+3] %d; cwnd at K %d; mean |cwnd - W(t)| %.1f"
          % (wmax, k, g1, g2, g3, g4, at(k), dev))
    if T[-1] < k + 3:
        print("fail: epoch shorter than K + 3 s")
        ok = False
    if not g1 >= 3 * max(g2, 1):
        print("fail: not concave before K")
        ok = False
    if abs(at(k) - wmax) > max(3, 0.1 * wmax):
        print("fail: no plateau at W_max")
        ok = False
    if not (g4 >= 3 and g4 >= 2 * g3):
        print("fail: not convex after K")
        ok = False
    if dev > 0.08 * wmax:
        print("fail: samples off the cubic")
        ok = False
r = ssth / wloss
if not lo <= r <= hi:
    print("fail: reduction %.2f not in [%.2f, %.2f]" % (r, lo, hi))
    ok = False
if not ok:
    # What the window did, to tell the sender from the path: every
    # change of ssthresh or ca_state, and cwnd each half second.
    last, tick = None, -1.0
    for s in S:
        key = (s[2], s[3])
        if key != last or s[0] >= tick + 0.5:
            print("  t %.3f cwnd %d ssthresh %d ca_state %d rtt %d us "
                  "unacked %d notsent %d" % (s[0], s[1], min(s[2], 1e9),
                                             s[3], s[4], s[5], s[6]))
            last, tick = key, s[0]
sys.exit(0 if ok else 1)
PYEOF
	{
		# Where segments were lost besides the one planned drop.
		echo "peer's drops: $(ip netns exec $B iptables -vnL INPUT |
			awk '$3 == "DROP" { print $1 " by the nth rule" }')," \
		     "$(peer_drops)"
		echo "xtcp: RetransSegs $(snmp RetransSegs) FastRetrans" \
		     "$(snmp FastRetrans) RTOs $(snmp RTOs)"
		return 1
	}
}

t_reno() { cc_case reno reno; }
t_cubic() { cc_case cubic cubic; }

# Reno halves the window, however late the loss is seen. With a duplicate
# threshold of 30 (tcp_reordering) and no reordering seen, RACK waits its
# reordering window (min_RTT/4, 50 ms here) before it calls the hole
# lost, and every SACK in that time lets a new segment out. RFC 5681's
# FlightSize, which counts the SACKed data, is then well above the
# window, and half of it would cut the window by much less than half;
# Linux (tcp_reno_ssthresh) halves cwnd.
t_reno_late() {
	local rc=0 reo
	reo=$(ip netns exec $A sysctl -n net.ipv4.tcp_reordering)
	ip netns exec $A sysctl -qw net.ipv4.tcp_reordering=30
	loss_run renolate "cc=reno;bulk=3@20" "pause=3500;lowat=8388608" || rc=1
	ip netns exec $A sysctl -qw net.ipv4.tcp_reordering="$reo"
	[ $rc = 0 ] || return 1
	python3 - "$TMP/renolate.cli" "$TMP/renolate.acks" "$(dirname "$0")" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[3])
from send_cc import samples, window_at_loss

S = samples(sys.argv[1])
wloss = window_at_loss(S, sys.argv[2])
red = [s for s in S if s[2] < 1e6]
if not red:
    sys.exit("no reduction seen")
if any(s[3] == 4 for s in red):
    sys.exit("an RTO happened (ca_state Loss): not a fast-recovered loss")
first = red[0]
ssth, unacked = first[2], first[5]
print("window at the loss %d; first sample in ca_state %d: ssthresh %d, "
      "%d segments unacknowledged" % (wloss, first[3], ssth, unacked))
ok = True
# Seen late: SACKed segments were outstanding beyond the window.
if unacked < wloss + 8:
    print("fail: the loss was not seen late (unacknowledged %d, window %d)"
          % (unacked, wloss))
    ok = False
if not wloss / 2 - 1 <= ssth <= wloss / 2 + 2:
    print("fail: ssthresh %d is not half the window (%d)" % (ssth, wloss))
    ok = False
sys.exit(0 if ok else 1)
PYEOF
}

# CUBIC after an application pause: the writer stops early in the epoch
# (concave part) and resumes after the curve's K has passed. Idle time is
# not time on the curve (RFC 9438 5.8; Linux moves the epoch on
# CA_EVENT_TX_START), so the window must go on from where it left the
# curve, not jump to where the curve would be had it kept sending. The
# idle restart is off so the pause keeps cwnd.
t_cubic_idle() {
	local rc=0
	ip netns exec $A sysctl -qw net.ipv4.tcp_slow_start_after_idle=0
	drop_once $((PORT + 1)) 40 || { echo "iptables nth rule failed"; return 1; }
	client cidle "cc=cubic;bulk=9@20/1.6+4.4" "$PEER_QUIET" || rc=1
	ip netns exec $A sysctl -qw net.ipv4.tcp_slow_start_after_idle=1
	[ $rc = 0 ] || return 1
	python3 - "$TMP/cidle.cli" "$(dirname "$0")" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
from send_cc import Epoch, samples

e = Epoch(samples(sys.argv[1]))
idle = [s for s in e.ep if s[5] == 0 and 1.6 <= s[0] < 6.0]
if not idle:
    sys.exit("the sender never went idle")
ti, wi = idle[0][0] - e.t0, idle[0][1]
res = next((s for s in e.ep if s[0] >= 6.0 and s[5] > 0), None)
if res is None or res[0] > 6.5:
    sys.exit("no data after the pause")
tr = res[0] - e.t0
wmax, k, rtt = e.wmax, e.k, e.rtt

# 1.5 s after the pause ended: on the curve from where the window left
# it (the idle time skipped), or from where it would be without the skip.
d = 1.5
w_skip = max(e.cubic(ti + d), wi)
w_noskip = e.cubic(tr + d)
w = e.at(tr + d)
print("W_max %.1f K %.2f s srtt %.0f ms; idle from %.2f s into the epoch "
      "at cwnd %d to %.2f s; cwnd %.1f s later %d: expected %.1f with the "
      "idle skipped, %.1f without"
      % (wmax, k, rtt * 1e3, ti, wi, tr, d, w, w_skip, w_noskip))
tol = max(3, 0.1 * wmax)
ok = True
if w_noskip - w_skip < 2 * tol:
    print("fail: the pause does not separate the two cases")
    ok = False
if tr < k:
    print("fail: the pause ended before K")
    ok = False
if abs(w - w_skip) > tol:
    print("fail: cwnd not where the curve left off")
    ok = False
sys.exit(0 if ok else 1)
PYEOF
}

t_rwnd_limited() {
	local fam rb rc=0
	for rb in 8192 32768; do
		for fam in TCP XTCP; do
			FAM=$fam client "rw$fam" "cc=reno;bulk=3@20" "rcvbuf=$rb" ||
				{ echo "$fam: transfer failed"; rc=1; continue; }
			awk -v f="$fam" -v rb=$rb '
			    $1 == "cw" { if ($3 > cw) cw = $3
					 if ($7 > fl) fl = $7 }
			    END { printf "%s, peer SO_RCVBUF %d: largest cwnd %d, " \
					 "largest flight %d\n", f, rb, cw, fl
				  exit !(fl > 0 && cw <= 3 * fl) }' \
				"$TMP/rw$fam.cli" || rc=1
		done
	done
	return $rc
}

ktap_header 6
ktap_run tcp_congestion_sockopt_and_default t_sockopt
ktap_run reno_slow_start_halving_linear_growth t_reno
ktap_run reno_halves_cwnd_when_loss_seen_late t_reno_late
ktap_run cubic_slow_start_beta_cubic_growth t_cubic
ktap_run cubic_pause_is_not_time_on_the_curve t_cubic_idle
ktap_run cwnd_grows_only_when_it_limits t_rwnd_limited
ktap_finish
