#!/usr/bin/env bash
# bench/throughput.sh - cached throughput (issue 7, benchmark 1, with the
# PowerDNS Recursor anchor on 1(a)): dnsperf at saturation against a warm
# cache, for
#   (a) MX only, over N domains,
#   (b) a mix: 5% MX, 45% A, 30% AAAA, 20% TXT over the same names,
#   (c) A only,
# against plain Unbound ("validator iterator") and Unbound + mxguard
# ("dynlib validator iterator", mxguard.conf defaults: prefetch wait,
# statistics on), the same build and otherwise the same unbound.conf,
# and PowerDNS Recursor with addAllowedAdditionalQType(MX, {A, AAAA})
# (ResolveImmediately, ResolveDeferred) on (a).  All servers run at once
# (each idle while another is measured), warmed by one pass over every
# name and type; then each round measures every workload on every system
# in turn (plain mxguard pdns..., plain mxguard, ...).
#
# Then, because timings on a shared 2-core machine move, a repeatable
# figure: instructions per query (callgrind) of plain Unbound and of
# Unbound + mxguard serving a fixed query set of each workload from a warm
# cache, and the module's functions' share of them.
#
#   bench/throughput.sh [--smoke] [-n DOMAINS] [-r ROUNDS] [-l SECONDS]
#                       [--no-profile] [-o FILE]
#
# Default: 10000 domains, 5 rounds, 6 s per measurement; writes its
# Markdown section to bench/results/throughput.md (bench/RESULTS.md is
# put together from the sections by bench/run --results).  --smoke: 200
# domains, 1 round, 1 s, no profile, no file.  Last line: "bench: N
# passed, N failed" (a measurement passes when dnsperf ran and reported a
# rate; no thresholds).
. "$(dirname "$0")/lib.sh"
n=10000 rounds=5 secs=6 profile=1 results=$top/bench/results/throughput.md
bench_init throughput "-n:n:DOMAINS -r:rounds:ROUNDS -l:secs:SECONDS --no-profile:profile=0 -o:results:FILE" \
    'n=200 rounds=1 secs=1 profile=0 results=""' "$@"
bench_need nsd:nsd dig:bind9-dnsutils dnsperf:dnsperf pdns_recursor:pdns-recursor taskset:util-linux
[ "$profile" -eq 0 ] || bench_need valgrind:valgrind
bench_need_build
bench_placement

# --- zone and query files -------------------------------------------------
mkdir -p "$work/zones"
awk -v n="$n" 'BEGIN {
	print "$TTL 86400"
	print "@ SOA ns hostmaster 1 3600 600 86400 86400"
	print "@ NS ns"
	print "ns A 127.0.0.1"
	for (i = 0; i < n; i++) {
		printf "d%d MX 10 mx%d\nd%d A 192.0.2.%d\nd%d AAAA 2001:db8::%x\nd%d TXT \"v=spf1 -all\"\n", i, i, i, i % 250 + 1, i, i, i
		printf "mx%d A 198.51.100.%d\nmx%d AAAA 2001:db8:1::%x\n", i, i % 250 + 1, i, i
	}
}' >"$work/zones/tp.test.zone"
# queries.a: MX, queries.b: the mix, queries.c: A; warm: every name and
# type once (the mix's types and the exchanges' addresses).
awk -v n="$n" -v w="$work" 'BEGIN {
	srand(7)
	for (i = 0; i < n; i++) {
		j = int(rand() * n)
		printf "d%d.tp.test MX\n", j >w "/queries.a"
		printf "d%d.tp.test A\n", j >w "/queries.c"
		printf "d%d.tp.test MX\nd%d.tp.test A\nd%d.tp.test AAAA\nd%d.tp.test TXT\n", i, i, i, i >w "/warm"
	}
	for (k = 0; k < 20 * n; k++) {
		j = int(rand() * n); r = k % 20
		t = r == 0 ? "MX" : r <= 9 ? "A" : r <= 15 ? "AAAA" : "TXT"
		printf "d%d.tp.test %s\n", j, t >w "/queries.b"
	}
}'

nsd_port=$(free_port)
nsd_start "$nsd_port" tp.test || bench_abort

# Caches big enough for every answer: a measurement must be all hits
# (each run's cache misses are recorded to show it).
ub_extra='	msg-cache-size: 64m
	rrset-cache-size: 128m'
systems="plain mxguard pdns-immediate pdns-deferred"
[ "$smoke" -eq 1 ] && systems="plain mxguard pdns-immediate"
declare -A port dir pid
for s in $systems; do
	dir[$s]=$work/$s port[$s]=$(free_port)
	mkdir -p "${dir[$s]}"
	system_start "$s" "${dir[$s]}" "${port[$s]}" "$nsd_port" "$ub_extra" tp.test || bench_abort
	pid[$s]=$spid
	$cpu_load dnsperf -s 127.0.0.1 -p "${port[$s]}" -d "$work/warm" -n 1 -c 4 -q 50 >"$work/$s.warm" 2>&1
	# Twice: the second pass finds whatever the first left to fetch
	# (deferred additionals, prefetched exchanges).
	$cpu_load dnsperf -s 127.0.0.1 -p "${port[$s]}" -d "$work/warm" -n 1 -c 4 -q 50 >>"$work/$s.warm" 2>&1
	case $s in plain|mxguard) ub_control "${dir[$s]}" stats >/dev/null ;; esac
done

# measure SYSTEM WORKLOAD ROUND: one dnsperf run; appends a raw line.
measure() {
	local s=$1 w=$2 r=$3 out=$work/$1-$2-$3.out qps lost miss=- t0 t1 cpu cpuq
	case $s in pdns-*) [ "$w" = a ] || return 0 ;; esac
	t0=$(cpu_ns "${pid[$s]}")
	$cpu_load dnsperf -s 127.0.0.1 -p "${port[$s]}" -d "$work/queries.$w" -l "$secs" -c 8 -q 256 -t 1 >"$out" 2>&1
	t1=$(cpu_ns "${pid[$s]}")
	qps=$(dnsperf_field "Queries per second" "$out") lost=$(dnsperf_field "Queries lost" "$out")
	# The server's CPU use over the run, in % of one CPU (near 100: the
	# server, not dnsperf, is the bottleneck), and its CPU time per
	# answered query, the cost whoever the bottleneck is.
	cpu=$(ratio "$((t1 - t0))" "$(dnsperf_field "Run time (s)" "$out")" %.0f 1e-7)
	cpuq=$(ratio "$((t1 - t0))" "$(dnsperf_field "Queries completed" "$out")" %.3f 1e-3)
	case $s in plain|mxguard)
		ub_control "${dir[$s]}" stats >"$out.stats" 2>&1
		miss=$(ub_stat total.num.cachemiss "$out.stats") ;;
	esac
	[ -n "$qps" ] || { bench_fail "$s ($w) round $r: dnsperf reported no rate"; return; }
	passed=$((passed + 1))
	echo "$s $w $r qps=$qps lost=$lost cachemiss=$miss server_cpu=$cpu cpu_us_per_query=$cpuq" >>"$raw"
	say "$s ($w) round $r: $qps qps, lost $lost, cache misses $miss, server CPU $cpu%, $cpuq us/query"
}

started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	for w in a b c; do
		for s in $systems; do measure "$s" "$w" "$r"; done
	done
done
elapsed=$(($(date +%s) - started))

# --- instructions per query under callgrind -------------------------------
# Fresh plain and mxguard Unbound under callgrind, warmed with the first
# P names, then per workload the counters are zeroed, P queries of that
# workload (each name once) sent, and the counters dumped.
prof_n=$((n < 2000 ? n : 2000))
profile_run() {	# SYSTEM
	local s=$1 d=$work/prof-$1 w p=$(free_port) cnt vpid
	mkdir -p "$d"
	ub_conf "$s" "$d" "$p" "$nsd_port" "$ub_extra" tp.test
	unbound_start "$d" valgrind --tool=callgrind --callgrind-out-file="$d/cg.%p" --dump-instr=no || return 1
	vpid=$ub_pid
	head -n $((4 * prof_n)) "$work/warm" >"$d/warm"
	dnsperf -s 127.0.0.1 -p "$p" -d "$d/warm" -n 2 -c 1 -q 20 -t 30 >"$d/warm.out" 2>&1
	for w in a b c; do
		awk -v p="$prof_n" -v w="$w" 'BEGIN {
			srand(11)
			for (i = 0; i < p; i++) {
				t = w == "a" ? "MX" : w == "c" ? "A" : (i % 20 == 0 ? "MX" : i % 20 <= 9 ? "A" : i % 20 <= 15 ? "AAAA" : "TXT")
				printf "d%d.tp.test %s\n", i, t
			}
		}' >"$d/q.$w"
		# A dump resets the counters: what came before is left out.
		ub_control "$d" stats >/dev/null 2>&1
		callgrind_control -d "before-$w" "$vpid" >/dev/null 2>&1
		dnsperf -s 127.0.0.1 -p "$p" -d "$d/q.$w" -n 1 -c 1 -q 20 -t 30 >"$d/$w.out" 2>&1
		callgrind_control -d "prof-$w" "$vpid" >/dev/null 2>&1
		cnt=$(dnsperf_field "Queries completed" "$d/$w.out")
		ub_control "$d" stats >"$d/$w.stats" 2>&1
		echo "$s $w ${cnt:-0} cachemiss=$(ub_stat total.num.cachemiss "$d/$w.stats")" >>"$work/prof.raw"
	done
	unbound_stop "$vpid"
}
if [ "$profile" -eq 1 ] && [ "$failed" -eq 0 ]; then
	for s in plain mxguard; do profile_run "$s" || bench_fail "callgrind run of $s failed"; done
fi

# Total Ir of the dump for workload W of SYSTEM (the dumps are named
# cg.PID.N with the trigger "prof-W" inside); queries it counted.
prof_dump() { grep -l "^desc: Trigger: .*prof-$2\$" "$work/prof-$1"/cg.* 2>/dev/null | head -n 1; }
prof_ir() { sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$1" | head -n 1; }
prof_q() { raw=$work/prof.raw vals '$3' "$1" "$2"; }

# --- report -------------------------------------------------------------
qps_table() {
	local w s
	hdr workload system "QPS median (min-max)" "QPS / plain" "server CPU µs per query, median (min-max)" \
	    "CPU per query / plain" "server CPU % median" "cache misses" "queries lost"
	for w in a b c; do
		for s in $systems; do
			grep -q "^$s $w " "$raw" || continue
			row "$w" "$s" "$(cell %.0f qps "$s" "$w")" "$(ratio "$(med qps "$s" "$w")" "$(med qps plain "$w")" %.3f)" \
			    "$(cell %.3f cpu_us_per_query "$s" "$w")" \
			    "$(ratio "$(med cpu_us_per_query "$s" "$w")" "$(med cpu_us_per_query plain "$w")" %.3f)" \
			    "$(med server_cpu "$s" "$w")" "$(sum cachemiss "$s" "$w")" "$(sum lost "$s" "$w")"
		done
	done
}
# The module's lines in callgrind_annotate: its own files, and the
# engine's headers' inline functions (listed without the object file,
# and relative to the working directory when they lie under it).
mod_lines='/mxguard.so|\/(module|engine)\/|[ \/]include\/mxguard\//'
prof_table() {
	local w pir mir mod
	[ -s "$work/prof.raw" ] || return 0
	hdr workload "plain Ir/query" "mxguard Ir/query" ratio "in mxguard.so (Ir/query)"
	for w in a b c; do
		pir=$(ratio "$(prof_ir "$(prof_dump plain "$w")")" "$(prof_q plain "$w")" %.0f)
		mir=$(ratio "$(prof_ir "$(prof_dump mxguard "$w")")" "$(prof_q mxguard "$w")" %.0f)
		mod=$(callgrind_annotate --auto=no --inclusive=no --threshold=100 "$(prof_dump mxguard "$w")" 2>/dev/null |
		    awk "$mod_lines"' { gsub(/,/, "", $1); t += $1 } END { print t + 0 }')
		row "$w" "$pir" "$mir" "$(ratio "$mir" "$pir" %.3f)" "$(ratio "$mod" "$(prof_q mxguard "$w")" %.0f)"
	done
}
# fn_ir SYSTEM WORKLOAD FUNCTION: inclusive Ir per query of FUNCTION
# (callgrind_annotate may list a function twice, with the same inclusive
# cost: the largest line, not their sum).
fn_ir() {
	local f c
	f=$(prof_dump "$1" "$2")
	c=$(prof_q "$1" "$2")
	[ -n "$f" ] || return 0
	callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$f" 2>/dev/null |
	    awk -v fn="$3" -v c="$c" '$0 ~ ":" fn "([ @]|$)" { ir = $1; gsub(/,/, "", ir); if (ir + 0 > t) t = ir + 0 }
		END { if (c > 0 && t > 0) printf "%.0f", t / c; else printf "0" }'
}
prof_functions() {	# the module's functions in the MX dump, Ir per query
	local f cnt
	f=$(prof_dump mxguard a)
	[ -n "$f" ] || return 0
	cnt=$(prof_q mxguard a)
	hdr "function (mxguard, workload a, exclusive)" Ir/query
	callgrind_annotate --auto=no --inclusive=no --threshold=100 "$f" 2>/dev/null |
	    awk -v c="$cnt" "$mod_lines"' { ir = $1; gsub(/,/, "", ir); fn = $0; sub(/^ *[0-9,]+ *(\([^)]*\))? */, "", fn); sub(/ \[.*$/, "", fn); sub(/^.*\/module\//, "module/", fn); sub(/^.*\/engine\//, "engine/", fn); sub(/^.*\/include\/mxguard\//, "include/mxguard/", fn)
		if (c > 0 && ir / c >= 0.5) printf "| `%s` | %.1f |\n", fn, ir / c }' | head -n 15
	echo
	hdr "function (inclusive)" "mxguard (a) Ir/query" "plain (a) Ir/query" "mxguard (c) Ir/query" "plain (c) Ir/query"
	for fn in worker_handle_request inplace_cb_reply_cache_call dynlib_inplace_cb_reply_generic reply_cache_cb mxg_stats_cache_hit_here mxg_stats_cache_hit pthread_mutex_lock pthread_mutex_unlock; do
		row "\`$fn\`" "$(fn_ir mxguard a "$fn")" "$(fn_ir plain a "$fn")" "$(fn_ir mxguard c "$fn")" "$(fn_ir plain c "$fn")"
	done
}

section() {
	echo "## 1. Cached throughput (bench/throughput.sh)"
	echo
	echo "dnsperf (-c 8 -q 256, ${secs} s per run) against a warm cache, $n domains in one"
	echo "NSD zone (each: MX, A, AAAA, TXT; its exchange: A, AAAA). Workloads:"
	echo "(a) MX only, (b) 5% MX, 45% A, 30% AAAA, 20% TXT, (c) A only, names"
	echo "drawn at random. $rounds rounds, each measuring every workload on every system in"
	echo "turn (order: $systems); PowerDNS Recursor on (a) only. All servers"
	echo "stay up (warm) for the whole run, one thread each, on CPU 0;"
	echo "Unbound with msg-cache-size 64m, rrset-cache-size 128m (cache misses"
	echo "counted per run: 0 means every answer came from the cache). Wall time: ${elapsed} s."
	echo
	qps_table
	echo
	if [ -s "$work/prof.raw" ]; then
		echo "Instructions per query (callgrind, Ir over the whole Unbound process"
		echo "while it serves $prof_n queries of the workload from a warm cache, one"
		echo "at a time; repeatable where the QPS above is not):"
		echo
		prof_table
		echo
		prof_functions
		echo
	fi
}
bench_report "bench/throughput.sh -n $n -r $rounds -l $secs" section "$work/prof.raw"
finish
