#!/usr/bin/env bash
# load.sh - scripts/harden's load run (its load, locks and tsan steps):
# Unbound + mxguard with num-threads 2 under dnsperf, then the accounting
# by tests/tools/load-verdict; TAP.  The mix is tests/harden/queries
# (good and faulty MX domains of mx.test, addresses, other types, names
# that do not exist, faults.test's CNAME loop / chain / 100 records) and
# LOAD_MANY MX domains of a generated many.test, eight times what the
# stats table may hold, so that it evicts all the time.
#
# Environment: LOAD_SECONDS (5), LOAD_QPS (1000), LOAD_INTERVAL (the
# stats-interval, 1), LOAD_MANY (400), LOAD_OUT (a directory that keeps
# dnsperf's output, the RSS samples and, with LOAD_TRACES set, the lock
# traces of a lock-checking Unbound), LOAD_NO_RSS=1 (RSS not judged: a
# sanitizer's shadow memory is in it).
. "$(dirname "$0")/../integration/lib.sh"
secs=${LOAD_SECONDS:-5} qps=${LOAD_QPS:-1000} many=${LOAD_MANY:-400}
out=${LOAD_OUT:-$MXG_DIR}
mkdir -p "$out"
ask() { dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=2 "$@"; }

mkdir -p "$MXG_DIR/zones"
awk -v n="$many" 'BEGIN {
	print "$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1"
	print "mx A 192.0.2.25\nmx AAAA 2001:db8::25"
	for (i = 0; i < n; i++) printf "d%d MX 10 mx\n", i
}' >"$MXG_DIR/zones/many.test.zone"
mxg_zone mx.test faults.test many.test
mxg_conf <<CONF
mxguard:
	stats-interval: ${LOAD_INTERVAL:-1}
	stats-file: "$MXG_DIR/stats.json"
	stats-format: json
	stats-max-domains: $((many / 8))
CONF
mxg_start "	num-threads: 2
	verbosity: 0
	extended-statistics: yes"
upid=$(cat "$MXG_DIR/unbound.pid" 2>/dev/null || echo "$MXG_UNBOUND_PID")
base=$MXG_TOP/tests/harden/queries
awk -v n="$many" 'BEGIN { for (i = 0; i < n; i++) printf "d%d.many.test MX\n", i }' >"$MXG_DIR/many"
cat "$base" "$MXG_DIR/many" >"$MXG_DIR/mix"
# Warm the cache first, so that the run measures the steady state.
ask +noall -f "$MXG_DIR/mix" >/dev/null 2>&1
# Which lines the module counts (an MX rrset, or a SERVFAIL made by
# policy; not NXDOMAIN or NODATA): 1 or 0 a line.  dig asks a truncated
# UDP answer again over TCP (dnsperf does not): two counted a dig pass.
n_tc=$(ask +ignore -f "$MXG_DIR/mix" | grep -c 'flags: qr[a-z ]* tc')
while read -r name type; do
	[ "$type" = MX ] || { echo 0; continue; }
	ask "$name" MX | grep -qE 'status: SERVFAIL|^[^;].*[[:space:]]MX[[:space:]]' && echo 1 || echo 0
done <"$base" >"$MXG_DIR/base.counted"
ask +noall +answer -f "$MXG_DIR/many" | awk '$4 == "MX" { sub(/\.$/, "", $1); print $1 }' >"$MXG_DIR/many.answered"
awk 'NR == FNR { ok[$1] = 1; next } { print ($1 in ok) ? 1 : 0 }' \
    "$MXG_DIR/many.answered" "$MXG_DIR/many" >"$MXG_DIR/many.counted"
# What dnsperf sends: the base mix k times, then many.test, so that the
# faulty domains and the other types keep half of the load.
k=$((many / $(wc -l <"$base")))
[ "$k" -ge 1 ] || k=1
for _ in $(seq 1 "$k"); do cat "$base"; done | cat - "$MXG_DIR/many" >"$MXG_DIR/load"
for _ in $(seq 1 "$k"); do cat "$MXG_DIR/base.counted"; done |
    cat - "$MXG_DIR/many.counted" >"$MXG_DIR/load.counted"
# The stats file's counters are cumulative and written at the stop: what
# the warm-up, the truncation pass (+ignore: no TCP retry) and the pass
# above counted comes off.
before=$(cat "$MXG_DIR/base.counted" "$MXG_DIR/many.counted" |
    awk -v tc="$n_tc" '{ s += $1 } END { print 3 * s + 2 * tc }')
ub_mx() { mxg_control stats_noreset 2>/dev/null | sed -n 's/^num\.query\.type\.MX=//p'; }
mxg_control flush_stats >/dev/null 2>&1
ub_before=$(ub_mx)
: >"$out/load.rss"
(
	t=0
	while [ -e "/proc/$upid" ] && [ ! -e "$MXG_DIR/stop-rss" ]; do
		echo "$t $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$upid/status")" >>"$out/load.rss"
		sleep 1
		t=$((t + 1))
	done
) &
sampler=$!
dnsperf -s 127.0.0.1 -p "$MXG_PORT" -d "$MXG_DIR/load" -l "$secs" -Q "$qps" \
    -c 4 -t 5 >"$out/load.dnsperf" 2>&1
touch "$MXG_DIR/stop-rss"
wait "$sampler"
ub_after=$(ub_mx)
mxg_check "Unbound is up after the load" mxg_control status
grep -E 'Queries|Response codes|Run time|Average Latency' "$out/load.dnsperf" | sed 's/^/# /'
# The final report at a clean stop.
mxg_control stop >/dev/null 2>&1
for _ in $(seq 1 100); do
	kill -0 "$MXG_UNBOUND_PID" 2>/dev/null || break
	sleep 0.1
done
# A lock-checking Unbound's threads write their traces in its directory.
[ -z "${LOAD_TRACES:-}" ] || cp "$MXG_DIR"/ublocktrace.* "$LOAD_TRACES"/ 2>/dev/null
rss=("$out/load.rss")
[ -z "${LOAD_NO_RSS:-}" ] || rss=()
"$MXG_TOOLS/load-verdict" "$MXG_DIR/stats.json" "$out/load.dnsperf" "$MXG_DIR/load" \
    "$MXG_DIR/load.counted" "$before" "${ub_before:-0}" "${ub_after:-0}" "${rss[@]}" \
    >"$MXG_DIR/verdict" 2>&1
[ $? -lt 2 ] || mxg_fail "load-verdict ran" "$(cat "$MXG_DIR/verdict")"
while read -r line; do
	case $line in
	"ok - "*) mxg_pass "${line#ok - }" ;;
	"not ok - "*) mxg_fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$MXG_DIR/verdict"
mxg_done
