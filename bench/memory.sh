#!/usr/bin/env bash
# bench/memory.sh - memory (issue 7, benchmark 5): Unbound's RSS after N
# distinct MX domains were seen, for plain Unbound and for Unbound +
# mxguard with stats-max-domains at SMALL and at N, and bytes per tracked
# domain, two ways: RSS difference against plain Unbound over the domains
# tracked, and the module's own figure (memory_bytes of its stats-file,
# written at shutdown, over domains_tracked).
#
# NSD answers any name under mem.test (wildcard MX to mx.mem.test, which
# has A and AAAA); dnsperf asks MX for m0.mem.test ... m<N-1>.mem.test
# once each through the resolver at a rate it sustains (-Q).  Unbound's
# own caches are small and equal in every run (msg-cache-size and
# rrset-cache-size 4m), so they are full, not growing, in all three and
# the difference is the module's.  mxguard: prefetch off and
# log-distribution no (a million log lines measure the disk, not the
# memory), stats-interval 0 (the file is written once, at shutdown).
# A run passes when the queries were answered and the figures read.
#
#   bench/memory.sh [--smoke] [-n DOMAINS] [-s SMALL] [-Q QPS] [-o FILE]
#
# Default: 1000000 domains, SMALL 10000, 20000 qps; writes
# bench/results/memory.md.  --smoke: 3000 domains, SMALL 100.
. "$(dirname "$0")/lib.sh"
n=1000000 small=10000 qps=20000 results=$top/bench/results/memory.md
bench_init memory "-n:n:DOMAINS -s:small:SMALL -Q:qps:QPS -o:results:FILE" 'n=3000 small=100 qps=5000 results=""' "$@"
bench_need nsd:nsd dig:bind9-dnsutils dnsperf:dnsperf taskset:util-linux
bench_need_build
bench_placement

mkdir -p "$work/zones"
cat >"$work/zones/mem.test.zone" <<'ZONE'
$TTL 86400
@ SOA ns hostmaster 1 3600 600 86400 86400
@ NS ns
ns A 127.0.0.1
mx A 192.0.2.25
mx AAAA 2001:db8::25
* MX 10 mx.mem.test.
ZONE
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "m%d.mem.test MX\n", i }' >"$work/queries"
nsd_port=$(free_port)
nsd_start "$nsd_port" mem.test || bench_abort

run() {	# SYSTEM MAX-DOMAINS
	local sys=$1 max=$2 d=$work/$1 p rss0 rss hwm done_q mem=- tracked=-
	mkdir -p "$d"
	p=$(free_port)
	printf 'mxguard:\n\tprefetch: off\n\tlog-distribution: no\n\tstats-interval: 0\n\tstats-file: "%s"\n\tstats-max-domains: %s\n' \
	    "$d/stats.json" "$max" >"$d/mxguard.conf"
	system_start "$sys" "$d" "$p" "$nsd_port" '	msg-cache-size: 4m
	rrset-cache-size: 4m
	extended-statistics: yes' mem.test || { bench_fail; return; }
	rss0=$(kib VmRSS "$ub_pid")
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/queries" -n 1 -c 4 -q 200 -Q "$qps" -t 5 >"$d/dnsperf.out" 2>&1
	done_q=$(dnsperf_field "Queries completed" "$d/dnsperf.out")
	rss=$(kib VmRSS "$ub_pid") hwm=$(kib VmHWM "$ub_pid")
	ub_control "$d" stats_noreset >"$d/stats" 2>&1
	unbound_stop "$ub_pid"
	if [ "$sys" != plain ]; then
		mem=$(sed -n 's/.*"memory_bytes": *\([0-9]*\).*/\1/p' "$d/stats.json" | head -n 1)
		tracked=$(sed -n 's/.*"domains": {"tracked": *\([0-9]*\).*/\1/p' "$d/stats.json" | head -n 1)
		[ -n "$mem" ] && [ -n "$tracked" ] || { bench_fail "$sys: no memory_bytes / domains_tracked in the stats file"; return; }
	fi
	if [ -z "$rss" ] || [ "${done_q:-0}" -lt $((n * 99 / 100)) ]; then
		bench_fail "$sys: only ${done_q:-0} of $n queries answered"; return
	fi
	passed=$((passed + 1))
	echo "$sys max=$max queries=$done_q rss_start_kib=$rss0 rss_kib=$rss hwm_kib=$hwm module_memory_bytes=$mem domains_tracked=$tracked msg_cache=$(ub_stat mem.cache.message "$d/stats") rrset_cache=$(ub_stat mem.cache.rrset "$d/stats")" >>"$raw"
	say "$(tail -n 1 "$raw")"
}

started=$(date +%s)
run plain 0
run "mxguard-$small" "$small"
run "mxguard-$n" "$n"
elapsed=$(($(date +%s) - started))

section() {
	echo "## 5. Memory (bench/memory.sh)"
	echo
	echo "$n distinct MX owners (NSD wildcard) asked once each through the resolver"
	echo "(dnsperf -Q $qps); Unbound msg-cache-size 4m, rrset-cache-size 4m in"
	echo "every run; mxguard with prefetch off, log-distribution no, the"
	echo "stats-max-domains named. RSS read from /proc after the last answer; the"
	echo "module's figure is memory_bytes of its stats-file. Wall time: ${elapsed} s."
	echo
	hdr system stats-max-domains "queries answered" "RSS MiB" "peak RSS MiB" "RSS - plain, MiB" "domains tracked" \
	    "bytes / domain (RSS - plain)" "module memory_bytes, MiB" "bytes / domain (module)"
	base=$(vals rss_kib plain)
	while read -r s max q rss hwm t m; do
		[ "$s" = plain ] && { row plain - "$q" "$(ratio "$rss" 1024 %.1f)" "$(ratio "$hwm" 1024 %.1f)" - "$t" - - -; continue; }
		row "$s" "$max" "$q" "$(ratio "$rss" 1024 %.1f)" "$(ratio "$hwm" 1024 %.1f)" "$(ratio $((rss - base)) 1024 %.1f)" "$t" \
		    "$([ "$t" -gt 0 ] && ratio $(((rss - base) * 1024)) "$t" %.0f || echo -)" "$(ratio "$m" 1048576 %.1f)" \
		    "$([ "$t" -gt 0 ] && ratio "$m" "$t" %.0f || echo -)"
	done < <(vals '$1 " " v("max") " " v("queries") " " v("rss_kib") " " v("hwm_kib") " " v("domains_tracked") " " v("module_memory_bytes")')
	echo
}
bench_report "bench/memory.sh -n $n -s $small -Q $qps" section
finish
