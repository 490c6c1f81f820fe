# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers for the interop shell tests: KTAP output, throw-away
# network namespaces, loading xtcp, and running xtcp_connect pairs.
#
# INTEROP_FAMILIES selects what a script exercises: "tcp" runs the stock
# TCP<->TCP oracle of every case (validates the test itself), "xtcp" the
# cases where at least one end is AF_XTCP.

IL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$IL_DIR/lib.sh"
IL_XC=$IL_DIR/xtcp_connect
IL_MODE=${INTEROP_FAMILIES:-xtcp}
IL_TMP=$(mktemp -d /tmp/interop.XXXXXX)
IL_NS_SUT=xsut-$$
IL_NS_PEER=xpeer-$$
IL_PIDS=()
IL_TESTNO=0
IL_PASS=0
IL_FAIL=0
IL_SKIP=0

il_log() { echo "# $*"; }

il_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

il_ok() { IL_TESTNO=$((IL_TESTNO + 1)); IL_PASS=$((IL_PASS + 1)); echo "ok $IL_TESTNO $1"; }
il_fail() { IL_TESTNO=$((IL_TESTNO + 1)); IL_FAIL=$((IL_FAIL + 1)); echo "not ok $IL_TESTNO $1"; }
il_skip() { IL_TESTNO=$((IL_TESTNO + 1)); IL_SKIP=$((IL_SKIP + 1)); echo "ok $IL_TESTNO $1 # SKIP $2"; }

# Report a case from its status: 0 pass, 4 skip (reason in $IL_WHY).
il_result()
{
	local name=$1 rc=$2

	case $rc in
	0) il_ok "$name" ;;
	4) il_skip "$name" "${IL_WHY:-skipped}" ;;
	*) il_fail "$name" ;;
	esac
}

il_skip_all()
{
	echo "TAP version 13"
	echo "1..0 # SKIP $*"
	exit 4
}

il_finish()
{
	echo "# Totals: pass:$IL_PASS fail:$IL_FAIL xfail:0 xpass:0 skip:$IL_SKIP error:0"
	[ "$IL_FAIL" -eq 0 ] || exit 1
	[ "$IL_PASS" -gt 0 ] || exit 4
	exit 0
}

il_cleanup()
{
	local p

	for p in "${IL_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$IL_NS_SUT" 2>/dev/null
	ip netns del "$IL_NS_PEER" 2>/dev/null
	rm -rf "$IL_TMP"
}
trap il_cleanup EXIT

il_require()
{
	local c

	[ "$(id -u)" = 0 ] || il_skip_all "needs root"
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || il_skip_all "$c not installed"
	done
	[ -x "$IL_XC" ] || il_skip_all "xtcp_connect not built"
}

# Load xtcp for the xtcp cases.
il_xtcp_load()
{
	xtcp_load 2>/dev/null
}

# Two namespaces joined by a veth pair: SUT 10.0.1.1/24, peer 10.0.1.2/24.
il_ns_pair()
{
	modprobe veth 2>/dev/null
	ip netns add "$IL_NS_SUT" || return 1
	ip netns add "$IL_NS_PEER" || return 1
	ip -n "$IL_NS_SUT" link set lo up
	ip -n "$IL_NS_PEER" link set lo up
	ip link add veth-sut netns "$IL_NS_SUT" type veth \
		peer name veth-peer netns "$IL_NS_PEER" || return 1
	ip -n "$IL_NS_SUT" addr add 10.0.1.1/24 dev veth-sut
	ip -n "$IL_NS_PEER" addr add 10.0.1.2/24 dev veth-peer
	ip -n "$IL_NS_SUT" link set veth-sut up
	ip -n "$IL_NS_PEER" link set veth-peer up
	# veth carries nothing until both ends are up: wait for it.
	local i
	for ((i = 0; i < 50; i++)); do
		ip -n "$IL_NS_SUT" link show veth-sut | grep -q 'state UP' &&
			return 0
		sleep 0.1
	done
	return 1
}

# Impair both directions of the veth with the same netem arguments.
il_netem()
{
	modprobe sch_netem 2>/dev/null
	ip netns exec "$IL_NS_SUT" tc qdisc replace dev veth-sut root netem "$@" &&
	ip netns exec "$IL_NS_PEER" tc qdisc replace dev veth-peer root netem "$@"
}

il_netem_clear()
{
	ip netns exec "$IL_NS_SUT" tc qdisc del dev veth-sut root 2>/dev/null
	ip netns exec "$IL_NS_PEER" tc qdisc del dev veth-peer root 2>/dev/null
	return 0
}

# il_fam tcp|xtcp -> the xtcp_connect -s argument.
il_fam() { [ "$1" = xtcp ] && echo XTCP || echo TCP; }

# Wait up to $2 seconds (default 10) for file $1 to appear.
il_wait_file()
{
	local i n=$((${2:-10} * 10))

	for ((i = 0; i < n; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# il_server NS FAM TIMEOUT ARGS...: start an xtcp_connect listener in the
# background; returns once it listens. Output in $IL_TMP/srv.out.
il_server()
{
	local ns=$1 fam=$2 t=$3

	shift 3
	rm -f "$IL_TMP/ready" "$IL_TMP/srv.out" "$IL_TMP/srv.err"
	ip netns exec "$ns" timeout "$t" "$IL_XC" -l -s "$(il_fam "$fam")" \
		-P "$IL_TMP/ready" "$@" >"$IL_TMP/srv.out" 2>"$IL_TMP/srv.err" &
	IL_SRV_PID=$!
	IL_PIDS+=("$IL_SRV_PID")
	if ! il_wait_file "$IL_TMP/ready" 10; then
		il_log "listener did not come up"
		sed 's/^/# srv: /' "$IL_TMP/srv.err"
		return 1
	fi
}

# il_client NS FAM TIMEOUT ARGS...: run a client in the foreground.
# Output in $IL_TMP/cli.out; returns its status.
il_client()
{
	local ns=$1 fam=$2 t=$3

	shift 3
	ip netns exec "$ns" timeout "$t" "$IL_XC" -s "$(il_fam "$fam")" "$@" \
		>"$IL_TMP/cli.out" 2>"$IL_TMP/cli.err"
}

il_wait_server()
{
	wait "$IL_SRV_PID"
}

# The value of "key" in an xtcp_connect output file: il_field FILE sent 2
il_field() { awk -v k="$2" -v f="$3" '$1 == k { print $f; exit }' "$1"; }

# Both directions arrived intact: each side's "recv" equals the other's
# "sent", byte count and SHA-256, and the counts are the ones asked for.
il_check_transfer()
{
	local want_c=$1 want_s=$2
	local cs cr ss sr csh crh ssh srh

	cs=$(il_field "$IL_TMP/cli.out" sent 2)
	csh=$(il_field "$IL_TMP/cli.out" sent 3)
	cr=$(il_field "$IL_TMP/cli.out" recv 2)
	crh=$(il_field "$IL_TMP/cli.out" recv 3)
	ss=$(il_field "$IL_TMP/srv.out" sent 2)
	ssh=$(il_field "$IL_TMP/srv.out" sent 3)
	sr=$(il_field "$IL_TMP/srv.out" recv 2)
	srh=$(il_field "$IL_TMP/srv.out" recv 3)
	if [ -z "$csh" ] || [ -z "$ssh" ]; then
		il_log "missing transfer report"
		return 1
	fi
	if [ "$cs" != "$want_c" ] || [ "$ss" != "$want_s" ]; then
		il_log "sent $cs/$ss bytes, wanted $want_c/$want_s"
		return 1
	fi
	if [ "$cs" != "$sr" ] || [ "$csh" != "$srh" ]; then
		il_log "client->server mismatch: sent $cs $csh, received $sr $srh"
		return 1
	fi
	if [ "$ss" != "$cr" ] || [ "$ssh" != "$crh" ]; then
		il_log "server->client mismatch: sent $ss $ssh, received $cr $crh"
		return 1
	fi
	il_log "ok: $cs bytes up, $ss bytes down, client $(il_field "$IL_TMP/cli.out" time_ms 2) ms"
}

# Dump both sides' diagnostics after a failure.
il_dump()
{
	local f

	for f in cli.out cli.err srv.out srv.err; do
		[ -s "$IL_TMP/$f" ] && sed "s/^/# $f: /" "$IL_TMP/$f"
	done
	return 0
}

# il_xfer NAME CNS CFAM SNS SFAM ADDR PORT BYTES TIMEOUT [client args]
# Full-duplex transfer of BYTES each way; extra server args in XFER_SARGS.
il_xfer()
{
	local cns=$2 cfam=$3 sns=$4 sfam=$5 addr=$6 port=$7 bytes=$8 t=$9
	local rc

	shift 9
	# shellcheck disable=SC2086
	il_server "$sns" "$sfam" "$t" -p "$port" -n "$bytes" -r 2 \
		-t 30 $XFER_SARGS "$addr" || { il_dump; return 1; }
	il_client "$cns" "$cfam" "$t" -p "$port" -n "$bytes" -r 1 -t 30 \
		"$@" "$addr"
	rc=$?
	il_wait_server || rc=1
	if [ $rc -eq 0 ]; then
		il_check_transfer "$(numfmt --from=iec "$bytes")" \
			"$(numfmt --from=iec "$bytes")" || rc=1
	fi
	[ $rc -eq 0 ] || il_dump
	return $rc
}

# The errno name an xtcp_connect run ended with ("" if none).
il_errno_of() { awk '$1 == "error" { print $NF; exit }' "$1"; }

# il_cap_start NS DEV PORT [all]: capture the SYN, FIN and RST segments
# of TCP port PORT to $IL_TMP/cap.pcap until il_cap_stop. Only control
# segments: a TCG guest cannot capture a bulk transfer without dropping
# packets. "all" takes every segment, for cases that move no data.
il_cap_start()
{
	local filter="tcp port $3"

	[ "${4:-}" = all ] ||
		filter="$filter and tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0"
	cap_start "$1" "$2" "$IL_TMP/cap.pcap" "$filter" \
		--immediate-mode -s 128 || return 1
	IL_PIDS+=("$CAP_PID")
}

il_cap_stop()
{
	cap_stop
	if [ "$(cap_drops)" != 0 ]; then
		il_log "capture dropped packets:"
		sed 's/^/# /' "$CAP_FILE.err"
	fi
	return 0
}

# The captured control segments, as "# cap: ..." lines on stderr.
il_cap_show()
{
	tcpdump -r "$IL_TMP/cap.pcap" -n -tt 2>/dev/null | sed 's/^/# cap: /' >&2
}

# Number of captured segments matching a pcap filter expression.
il_cap_count()
{
	tcpdump -r "$IL_TMP/cap.pcap" -n "$1" 2>/dev/null | wc -l
}

# Drop TCP to port $2 arriving in namespace $1 (a blackholed peer).
# Prefers nftables, then iptables; without either, netem drops everything
# the peer sends on veth-peer (its SYN-ACKs), which blackholes it too.
il_drop_port()
{
	if command -v nft >/dev/null; then
		ip netns exec "$1" nft -f - <<-NFT
		table inet interop {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport $2 drop
			}
		}
		NFT
	elif command -v iptables >/dev/null; then
		ip netns exec "$1" iptables -A INPUT -p tcp --dport "$2" -j DROP
	else
		modprobe sch_netem 2>/dev/null
		ip netns exec "$1" tc qdisc replace dev veth-peer root netem loss 100%
	fi
}

il_drop_clear()
{
	ip netns exec "$1" nft delete table inet interop 2>/dev/null
	ip netns exec "$1" iptables -F INPUT 2>/dev/null
	ip netns exec "$1" tc qdisc del dev veth-peer root 2>/dev/null
	return 0
}

# il_compare NAME EXPECTED TCP_OUTCOME [XTCP_OUTCOME]: the AF_INET outcome
# must be the one the case was written for; the AF_XTCP one (xtcp mode)
# must equal the AF_INET one from this run.
il_compare()
{
	local name=$1 want=$2 tcp=$3 x=$4

	il_log "$name: expected '$want', tcp '$tcp'${x:+, xtcp '$x'}"
	if [ "$tcp" != "$want" ]; then
		il_fail "$name"
	elif [ "$IL_MODE" = xtcp ] && [ "$x" != "$tcp" ]; then
		il_fail "$name"
	else
		il_ok "$name"
	fi
}
