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
#
#   bench/memory.sh [--smoke] [-n DOMAINS] [-s SMALL] [-Q QPS] [-o FILE]
#
# Default: 1000000 domains, SMALL 10000, 20000 qps; writes
# bench/results/memory.md.  --smoke: 3000 domains, SMALL 100, no file.
# Last line: "bench: N passed, N failed" (a run passes when the queries
# were answered and the figures read).
. "$(dirname "$0")/lib.sh"
bench_init memory
smoke=0 n=1000000 small=10000 qps=20000 results=$top/bench/results/memory.md
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 n=3000 small=100 qps=5000 results="" ;;
	-n) n=$2; shift ;;
	-s) small=$2; shift ;;
	-Q) qps=$2; shift ;;
	-o) results=$2; shift ;;
	*) echo "usage: bench/memory.sh [--smoke] [-n DOMAINS] [-s SMALL] [-Q QPS] [-o FILE]" >&2
	   exit 2 ;;
	esac
	shift
done
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
nsd_start "$nsd_port" mem.test || { failed=$((failed + 1)); finish; }

kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$2/status"; }

run() {	# SYSTEM MAX-DOMAINS
	local sys=$1 max=$2 d=$work/$1 p mods="dynlib validator iterator" rss0 rss hwm done_q mem tracked
	mkdir -p "$d"
	p=$(free_port)
	[ "$sys" = plain ] && mods="validator iterator"
	unbound_conf "$mods" "$d" "$p" "$(free_port)" "$nsd_port" '	msg-cache-size: 4m
	rrset-cache-size: 4m
	extended-statistics: yes' mem.test >"$d/unbound.conf"
	printf 'mxguard:\n\tprefetch: off\n\tlog-distribution: no\n\tstats-interval: 0\n\tstats-file: "%s"\n\tstats-max-domains: %s\n' \
	    "$d/stats.json" "$max" >"$d/mxguard.conf"
	unbound_start "$d" || { failed=$((failed + 1)); return; }
	rss0=$(kib VmRSS "$ub_pid")
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/queries" -n 1 -c 4 -q 200 -Q "$qps" -t 5 >"$d/dnsperf.out" 2>&1
	done_q=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$d/dnsperf.out")
	rss=$(kib VmRSS "$ub_pid") hwm=$(kib VmHWM "$ub_pid")
	ub_control "$d" stats_noreset >"$d/stats" 2>&1
	unbound_stop "$ub_pid"
	mem=- tracked=-
	if [ "$sys" != plain ]; then
		mem=$(sed -n 's/.*"memory_bytes": *\([0-9]*\).*/\1/p' "$d/stats.json" | head -n 1)
		tracked=$(sed -n 's/.*"domains": {"tracked": *\([0-9]*\).*/\1/p' "$d/stats.json" | head -n 1)
		if [ -z "$mem" ] || [ -z "$tracked" ]; then
			say "$sys: no memory_bytes / domains_tracked in the stats file"
			failed=$((failed + 1)); return
		fi
	fi
	if [ -z "$rss" ] || [ "${done_q:-0}" -lt $((n * 99 / 100)) ]; then
		say "$sys: only ${done_q:-0} of $n queries answered"
		failed=$((failed + 1)); return
	fi
	passed=$((passed + 1))
	echo "$sys max=$max queries=$done_q rss_start_kib=$rss0 rss_kib=$rss hwm_kib=$hwm module_memory_bytes=$mem domains_tracked=$tracked msg_cache=$(ub_stat mem.cache.message "$d/stats") rrset_cache=$(ub_stat mem.cache.rrset "$d/stats")" >>"$work/raw"
	say "$(tail -n 1 "$work/raw")"
}

started=$(date +%s)
run plain 0
run "mxguard-$small" "$small"
run "mxguard-$n" "$n"
elapsed=$(($(date +%s) - started))

if [ -s "$work/raw" ]; then
	{
		echo "## 5. Memory (bench/memory.sh)"
		echo
		echo "$n distinct MX owners (NSD wildcard) asked once each through the resolver"
		echo "(dnsperf -Q $qps); Unbound msg-cache-size 4m, rrset-cache-size 4m in"
		echo "every run; mxguard with prefetch off, log-distribution no, the"
		echo "stats-max-domains named. RSS read from /proc after the last answer; the"
		echo "module's figure is memory_bytes of its stats-file. Wall time: ${elapsed} s."
		echo
		echo "| system | stats-max-domains | queries answered | RSS MiB | peak RSS MiB | RSS - plain, MiB | domains tracked | bytes / domain (RSS - plain) | module memory_bytes, MiB | bytes / domain (module) |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk '
		function v(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
		{
			s = $1; rss = v("rss_kib"); if (s == "plain") base = rss
			t = v("domains_tracked"); m = v("module_memory_bytes")
			d = rss - base
			printf "| %s | %s | %s | %.1f | %.1f | %s | %s | %s | %s | %s |\n", s, s == "plain" ? "-" : v("max"), v("queries"),
			    rss / 1024, v("hwm_kib") / 1024, s == "plain" ? "-" : sprintf("%.1f", d / 1024), t,
			    s == "plain" || t == 0 ? "-" : sprintf("%.0f", d * 1024 / t),
			    s == "plain" ? "-" : sprintf("%.1f", m / 1048576), s == "plain" || t == 0 ? "-" : sprintf("%.0f", m / t)
		}' "$work/raw"
		echo
	} >"$work/section.md"
	bench_section "bench/memory.sh -n $n -s $small -Q $qps"
fi
finish
