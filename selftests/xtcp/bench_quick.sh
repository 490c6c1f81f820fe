#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark tool checks itself: xbench's receiver counts exactly the
# bytes its sender wrote (Linux TCP and AF_XTCP senders), a refused
# connection is an error and not a result, rr percentiles are ordered, and
# a short tools/bench/run.sh over veth produces a well-formed table in
# which every figure has a number and a ratio; a failed run shows up in the
# table as failed. Every run also records why a figure moved: its
# retransmissions and segments (TCP_INFO) and the packets and bytes the
# sender namespace's devices sent; over a clean veth nothing is
# retransmitted and the counts cover the bytes, over a lossy one (netem)
# both senders retransmit, and report.py's "Why" table shows the counts
# (n/a for a raw file from before them). With -I the senders take turns,
# transaction by transaction: as many transactions each, and the table's
# rates and latencies are those runs'.

. "$(dirname "$0")/lib.sh"

dir=$(cd "$(dirname "$0")" && pwd)
XBENCH=$dir/xbench
[ -x "$XBENCH" ] || XBENCH=$XTCP_TOP/tools/bench/xbench
export XBENCH
RUN=$XTCP_TOP/tools/bench/run.sh
REPORT=$XTCP_TOP/tools/bench/report.py
S=xbs-$$ R=xbr-$$
tmp=$(mktemp -d /tmp/bench_quick.XXXXXX)
srv=

cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	ns_cleanup "$S" "$R"
	rm -rf "$tmp"
}
trap cleanup EXIT

ktap_header 17

if [ ! -x "$XBENCH" ] || [ ! -x "$RUN" ]; then
	for _ in $(seq 17); do
		ktap_result 1 "bench: tool present" "xbench or run.sh missing"
	done
	ktap_finish
fi

have_xtcp=1
xtcp_load 2>/dev/null || have_xtcp=

# Our own pair of namespaces (veth_pair names the interfaces veth0).
setup() {
	modprobe veth || return 1
	ip netns add "$S" && ip netns add "$R" || return 1
	ip -n "$S" link set lo up && ip -n "$R" link set lo up
	ip link add xbs0 netns "$S" type veth peer name xbr0 netns "$R" || return 1
	ip -n "$S" addr add 10.0.9.1/24 dev xbs0
	ip -n "$R" addr add 10.0.9.2/24 dev xbr0
	ip -n "$S" link set xbs0 up && ip -n "$R" link set xbr0 up
}

# The receiver runs on CPU 0; the clean run's sender does too. Over veth
# each CPU feeds its own input queue, so a transfer handled on two CPUs
# arrives reordered now and then, and even Linux TCP then retransmits.
if setup; then
	taskset -c 0 ip netns exec "$R" "$XBENCH" -l -p 5301 >/dev/null 2>&1 &
	srv=$!
	wait_listen "$R" 5301 10 || echo "# receiver did not start"
fi

xb() {	# xb ARGS...: xbench as the sender, bounded (on CPU $XB_CPU if set)
	timeout 120 ${XB_CPU:+taskset -c "$XB_CPU"} \
		ip netns exec "$S" "$XBENCH" -H 10.0.9.2 -p 5301 "$@"
}

# Exactly N bytes in odd-sized writes over 3 streams: the receiver's count
# must equal N and the output must say so.
t_exact() {	# t_exact FAMILY
	local n=3000017 line

	line=$(xb -m bulk -s "$1" -n $n -P 3 -w 7777) || return 1
	echo "$line"
	echo "$line" | grep -q " bytes=$n " || { echo "expected bytes=$n"; return 1; }
}

t_exact_xtcp() {
	[ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	t_exact XTCP
}

t_refused() {
	local out rc

	out=$(timeout 30 ip netns exec "$S" "$XBENCH" -m bulk -s TCP -H 10.0.9.2 \
		-p 5399 -t 1 2>&1)
	rc=$?
	echo "$out (exit $rc)"
	[ $rc -eq 1 ] && echo "$out" | grep -q "Connection refused" &&
		! echo "$out" | grep -q '^mode='
}

# cc: connection setups counted.
t_cc() {
	local line

	line=$(xb -m cc -s "$1" -t 1) || return 1
	echo "$line"
	echo "$line" | grep -qE ' trans=[1-9][0-9]* ' && echo "$line" | grep -q '^mode=cc '
}

# rr: transactions counted, percentiles present and ordered.
t_rr() {	# t_rr FAMILY
	local line

	line=$(xb -m rr -s "$1" -t 1 -r 4K -R 100) || return 1
	echo "$line"
	echo "$line" | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		ok = v["trans"] > 0 && v["p50_us"] > 0 && v["p50_us"] <= v["p90_us"] &&
		     v["p90_us"] <= v["p99_us"] && v["p99_us"] <= v["max_us"] &&
		     v["rate"] > 0
		exit !ok }'
}

t_rr_xtcp() {
	[ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	t_rr XTCP
}

# A short run.sh over veth: 2 repetitions of 3 tests, both senders.
t_run() {
	[ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	timeout 400 "$RUN" --quick --paths veth --reps 2 --secs 0.5 \
		--tests bulk_1x64K,rr_1B,crr,cc --out "$tmp/run" >"$tmp/run.log" 2>&1
	local rc=$?

	sed 's/^/  /' "$tmp/run.log" | tail -n 30
	[ $rc -eq 0 ]
}

# raw.txt: one ok line per run and sender, 2 repetitions x 4 tests x 2
# senders, and the three transaction tests again with the senders taking
# turns (il=1).
t_raw() {
	local n il

	[ -s "$tmp/run/raw.txt" ] || { echo "no raw.txt"; return 1; }
	n=$(grep -c ' status=ok mode=' "$tmp/run/raw.txt")
	il=$(grep ' status=ok mode=' "$tmp/run/raw.txt" | grep -c ' il=1')
	echo "$n ok runs, $il of them taking turns"
	[ "$n" -eq 28 ] && [ "$il" -eq 12 ]
}

# xbench -I: both senders in one run, taking turns, so each completes the
# same number of transactions; the lines carry no CPU figure (the
# machine's time cannot be split between them).
t_turns() {	# t_turns MODE
	local lines

	[ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	lines=$(XB_CPU=0 xb -m "$1" -s TCP,XTCP -I -x 2 -t 0.5) || return 1
	echo "$lines"
	echo "$lines" | awk -v mode="$1" '{
		delete v
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["mode"] != mode || v["il"] != "1" || ("cpu_sys_s" in v) ||
		    !(v["trans"] > 0) || !(v["p50_us"] <= v["p99_us"])) bad = 1
		n[v["rep"] " " v["sender"]] = v["trans"]; lines++
	}
	END {
		if (lines != 4) bad = 1
		for (r = 0; r < 2; r++)
			if (n[r " TCP"] != n[r " XTCP"] || n[r " TCP"] == "") bad = 1
		exit bad
	}'
}

# The table takes the rr rate and latencies from the runs taking turns,
# the CPU per transaction from the runs alone.
t_table_turns() {
	[ -s "$tmp/run/results.csv" ] || { echo "no results.csv"; return 1; }
	python3 - "$tmp/run/raw.txt" "$tmp/run/results.csv" <<'EOF'
import csv, shlex, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    rec = dict(t.split("=", 1) for t in shlex.split(line) if "=" in t)
    if (rec.get("status") != "ok" or rec["path"] != "veth" or
            rec["test"] != "rr_1B"):
        continue
    runs.setdefault((rec.get("il") == "1", rec["sender"]), []).append(rec)
rows = {r["metric"]: r for r in csv.DictReader(open(sys.argv[2]))
        if r["section"] == "veth" and r["test"] == "rr_1B"
        and r["table"] == "main"}
cols = (("TCP", "base_median"), ("XTCP", "cand_median"))


def check(metric, il, value):
    for s, col in cols:
        want = statistics.median(value(r) for r in runs[(il, s)])
        got = float(rows[metric][col])
        assert abs(got - want) <= 1e-6 * max(1, want), (metric, s, got, want)


check("rate", True, lambda r: float(r["rate"]))
check("p50_us", True, lambda r: float(r["p50_us"]))
check("p99_us", True, lambda r: float(r["p99_us"]))
check("cpu_us", False, lambda r: (float(r["cpu_user_s"]) +
                                  float(r["cpu_sys_s"])) /
      float(r["trans"]) * 1e6)
print("rr_1B: rate and latencies from the turns, CPU from the runs alone")
EOF
}

# results.csv: every veth figure of the four tests has both medians and a
# ratio; the markdown table has a row for each. Machine-wide busy time
# (/proc/stat) may read 0 in a starved TCG guest, so it is only listed.
t_table() {
	local f=$tmp/run/results.csv

	[ -s "$f" ] || { echo "no results.csv"; return 1; }
	python3 - "$f" "$tmp/run/results.md" <<'EOF'
import csv, sys
want = {("bulk_1x64K", m) for m in ("mbps", "cpu_gib", "perf_gib")}
want |= {(t, m) for t in ("rr_1B", "crr", "cc")
         for m in ("rate", "p50_us", "p99_us", "cpu_us")}
rows = [r for r in csv.DictReader(open(sys.argv[1]))
        if r["section"] == "veth" and r["table"] == "main"]
got = set()
for r in rows:
    got.add((r["test"], r["metric"]))
    if r["metric"].startswith("busy"):
        continue
    for k in ("base_median", "cand_median", "ratio", "ratio_min", "ratio_max"):
        v = float(r[k])
        assert v > 0, (r["test"], r["metric"], k, v)
    assert float(r["ratio_min"]) <= float(r["ratio_max"]), r
    assert r["n"] == "2", r
missing = want - got
assert not missing, "missing %s" % sorted(missing)
md = open(sys.argv[2]).read()
for t, m in want:
    assert "| %s |" % t in md, t
assert "XTCP/TCP" in md
print("%d figures, all with medians and ratios" % len(rows))
EOF
}

# A failed run is reported as failed, not dropped.
t_report_fail() {
	local d=$tmp/fail

	mkdir -p "$d" || return 1
	grep ' sender=TCP ' "$tmp/run/raw.txt" >"$d/raw.txt" 2>/dev/null ||
		{ echo "no run to copy"; return 1; }
	echo 'path=veth test=bulk_1x64K rep=1 sender=XTCP status=fail rc=3 why="xbench: deadline passed"' \
		>>"$d/raw.txt"
	python3 "$REPORT" "$d" >/dev/null || return 1
	grep -q 'bulk_1x64K XTCP: 1 failed: xbench: deadline passed' "$d/results.md" ||
		{ echo "failure missing from results.md"; return 1; }
	# no XTCP figure and so no ratio for a test whose runs all failed
	! awk -F, '$1 == "veth" && $2 == "bulk_1x64K" && $16 != "" { f = 1 } END { exit !f }' \
		"$d/results.csv"
}

# why_check COND LINES: every result line has the counters, as numbers,
# and meets COND's checks: "clean" nothing retransmitted, "lossy" some,
# "bulk" the device and the segments carried every byte. No line fails.
why_check() {
	echo "$2" | awk -v cond="$1" '
	function num(k) { return (k in v) && v[k] ~ /^[0-9]+$/ }
	/(^| )mode=/ {
		delete v
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n++
		if (!num("retrans") || !num("segs_out") || !num("data_segs_out") ||
		    !num("dev_tx_pkts") || !num("dev_tx_bytes")) {
			print "counters missing: " $0; bad = 1; next
		}
		r = v["retrans"] + 0; so = v["segs_out"] + 0
		ds = v["data_segs_out"] + 0; dp = v["dev_tx_pkts"] + 0
		db = v["dev_tx_bytes"] + 0; b = v["bytes"] + 0
		ok = 1
		if (cond ~ /clean/ && r != 0) ok = 0
		if (cond ~ /lossy/ && !(r > 0 && r <= ds)) ok = 0
		# a 1500-byte MTU: MSS <= 1460, headers on top of every byte
		if (cond ~ /bulk/ && !(db >= b && ds >= int((b + 1459) / 1460) &&
				       so >= ds && dp > 0))
			ok = 0
		# a GSO skb is one veth packet, and the delta is the run alone
		# (give or take neighbour and IPv6 chatter)
		if (cond ~ /clean/ && cond ~ /bulk/ && dp > so + 10) ok = 0
		if (!ok) { print "fails " cond ": " $0; bad = 1 }
	}
	END { if (!n) print "no result line"; exit bad || !n }'
}

# Every run of the short run.sh has the counters, both senders, every
# test.
t_why_fields() {
	local raw=$tmp/run/raw.txt t s

	[ -s "$raw" ] || { echo "no raw.txt"; return 1; }
	for t in bulk_1x64K rr_1B crr cc; do
		for s in TCP XTCP; do
			grep -q " test=$t .*status=ok mode=[a-z]* sender=$s " "$raw" ||
				{ echo "no $t $s run"; return 1; }
		done
	done
	# Counters only: these runs are not pinned, and veth feeds each
	# CPU's input queue, so a run that migrates arrives reordered and
	# either stack may retransmit (Linux TCP 1 segment in one CI run,
	# xtcp 91 in another). t_why_clean asserts "none lost" on a run
	# that is actually clean (one CPU).
	why_check fields "$(grep ' status=ok ' "$raw" | grep -v ' il=1')"
}

# A fixed transfer over the clean veth: no retransmission, the device saw
# every byte, the segments cover the bytes, a GSO skb counted once.
t_why_clean() {	# t_why_clean FAMILY
	local line

	[ "$1" = TCP ] || [ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	line=$(XB_CPU=0 xb -m bulk -s "$1" -n 4000000) || return 1
	echo "$line"
	why_check "clean bulk" "$line"
}

# 2% loss on the sender's side of the veth: both senders retransmit.
t_why_lossy() {
	local lines rc

	[ -n "$have_xtcp" ] || { echo "xtcp.ko not loadable"; return 4; }
	modprobe sch_netem 2>/dev/null
	tc -n "$S" qdisc add dev xbs0 root netem loss 2% ||
		{ echo "cannot add netem"; return 1; }
	lines=$(xb -m bulk -s TCP,XTCP -t 1 -P 2)
	rc=$?
	tc -n "$S" qdisc del dev xbs0 root
	echo "$lines"
	[ $rc -eq 0 ] || return 1
	[ "$(echo "$lines" | grep -c '^mode=bulk ')" -eq 2 ] || { echo "want 2 runs"; return 1; }
	why_check "lossy bulk" "$lines"
}

# The "Why" table: counts for the veth run; a raw.txt without the
# counters reports them n/a and leaves the main table as it was.
t_report_why() {
	local d=$tmp/old

	mkdir -p "$d" || return 1
	sed -E 's/ (retrans|segs_out|data_segs_out|dev_tx_pkts|dev_tx_bytes)=[^ ]*//g' \
		"$tmp/run/raw.txt" >"$d/raw.txt" || return 1
	cp "$tmp/run/env.txt" "$d/" 2>/dev/null
	python3 "$REPORT" "$d" >/dev/null || return 1
	python3 - "$tmp/run" "$d" <<'EOF'
import csv, sys
def load(d):
    return list(csv.DictReader(open(d + "/results.csv")))
new, old = load(sys.argv[1]), load(sys.argv[2])
main = lambda rows: [r for r in rows if r["table"] == "main"]
assert main(new) == main(old), "main table changed"
why = [r for r in new if r["table"] == "why" and r["section"] == "veth"]
got = {(r["test"], r["metric"]) for r in why
       if r["base_median"] and r["cand_median"]}
want = {("bulk_1x64K", m) for m in ("retrans_gib", "devpkts_gib",
                                     "devbytes_pkt")}
want |= {(t, m) for t in ("rr_1B", "crr", "cc")
         for m in ("retrans_kt", "devpkts_t", "devbytes_pkt")}
assert not want - got, "missing %s" % sorted(want - got)
for r in why:
    if r["metric"].startswith("dev"):
        assert float(r["base_median"]) > 0 and float(r["cand_median"]) > 0, r
md = open(sys.argv[1] + "/results.md").read()
assert "## Why (diagnostics)" in md
assert "| veth | bulk_1x64K | device tx packets per GiB" in md
oldwhy = [r for r in old if r["table"] == "why"]
assert oldwhy and all(not r["base_median"] and not r["cand_median"]
                      for r in oldwhy), "old raw: counters should be n/a"
omd = open(sys.argv[2] + "/results.md").read().split("## Why (diagnostics)")
assert len(omd) == 2 and "| n/a | n/a |" in omd[1]
print("%d diagnostics; without the counters: n/a" % len(why))
EOF
}

ktap_run "bench: xbench TCP sender, receiver counts exactly the bytes written" t_exact TCP
ktap_run "bench: xbench XTCP sender, receiver counts exactly the bytes written" t_exact_xtcp
ktap_run "bench: xbench reports a refused connection as an error" t_refused
ktap_run "bench: xbench rr TCP, percentiles ordered" t_rr TCP
ktap_run "bench: xbench rr XTCP, percentiles ordered" t_rr_xtcp
ktap_run "bench: xbench cc (connect/accept/close) TCP" t_cc TCP
ktap_run "bench: xbench -I rr, senders take turns: as many transactions each" t_turns rr
ktap_run "bench: run.sh short veth run completes" t_run
ktap_run "bench: raw.txt has every run" t_raw
ktap_run "bench: table has every figure with medians and ratios" t_table
ktap_run "bench: table's rr rate and latency from the runs taking turns" t_table_turns
ktap_run "bench: report shows failed runs" t_report_fail
ktap_run "bench: every run records retrans, segments, device packets" t_why_fields
ktap_run "bench: clean veth bulk TCP: no retrans, device bytes and segments cover the data" t_why_clean TCP
ktap_run "bench: clean veth bulk XTCP: no retrans, device bytes and segments cover the data" t_why_clean XTCP
ktap_run "bench: 2% netem loss: both senders record retransmissions" t_why_lossy
ktap_run "bench: report's Why table, n/a for an old raw.txt" t_report_why
ktap_finish
