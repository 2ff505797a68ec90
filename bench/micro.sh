#!/usr/bin/env bash
# bench/micro.sh - engine cost (issue 7, benchmark 6): builds
# bench/engine-bench.c and bench/stats-bench.c with gcc -O2 against the
# engine's sources (the files of libmxgengine) and runs each ROUNDS
# times: ns per MX answer analysed for 2, 10 and 100 records, and the
# statistics' operations (record, cache hit, 1 and 2 threads, 10k and 1M
# domains, snapshot).  Median (min-max) over the rounds.
#
#   bench/micro.sh [--smoke] [-r ROUNDS] [-s STATS-OPS] [-o FILE]
#
# Default: 5 rounds, 500000 stats operations per thread; writes
# bench/results/micro.md.  --smoke: 1 round of the engine bench, 20000
# stats operations, no file.  Last line: "bench: N passed, N failed" (a
# run passes when it printed its table).
. "$(dirname "$0")/lib.sh"
bench_init micro
smoke=0 rounds=5 ops=500000 results=$top/bench/results/micro.md
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 rounds=1 ops=20000 results="" ;;
	-r) rounds=$2; shift ;;
	-s) ops=$2; shift ;;
	-o) results=$2; shift ;;
	*) echo "usage: bench/micro.sh [--smoke] [-r ROUNDS] [-s STATS-OPS] [-o FILE]" >&2
	   exit 2 ;;
	esac
	shift
done
bench_need gcc:gcc taskset:util-linux
bench_placement
engine_src="module/dname.c module/mx.c module/policy.c module/distribution.c module/analysis.c module/config.c module/stats.c module/render.c"
for b in engine-bench stats-bench; do
	(cd "$top" && gcc -O2 -Wall -Iinclude -o "$work/$b" "bench/$b.c" $engine_src -lpthread) ||
	    { say "building $b failed"; failed=$((failed + 1)); finish; }
done

# The engine bench is single-threaded: CPU 0.  The statistics bench
# runs two threads for its contention figures: both CPUs.
started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	if $cpu_server "$work/engine-bench" >"$work/engine.$r" 2>&1 && grep -q '^100 ' "$work/engine.$r"; then
		passed=$((passed + 1))
		awk -v r="$r" '$1 ~ /^[0-9]+$/ { print "engine", r, "records=" $1, "ns_per_answer=" $2, "ns_per_record=" $3, "bytes=" $4 }' "$work/engine.$r" >>"$work/raw"
	else
		say "engine-bench round $r failed"; failed=$((failed + 1))
	fi
	if "$work/stats-bench" "$ops" >"$work/stats.$r" 2>&1 && grep -q '^1000000 ' "$work/stats.$r"; then
		passed=$((passed + 1))
		awk -v r="$r" '$1 ~ /^[0-9]+$/ { print "stats", r, "domains=" $1, "bytes_per_domain=" $2, "record_1t_ns=" $3, "record_2t_ns=" $5, "hit_1t_ns=" $7, "hit_2t_ns=" $9, "snapshot_ms=" $11 }' "$work/stats.$r" >>"$work/raw"
	else
		say "stats-bench round $r failed"; failed=$((failed + 1))
	fi
	say "round $r done"
done
elapsed=$(($(date +%s) - started))

field() {	# KIND KEY VALUE FIELD: FIELD of the KIND lines whose KEY is VALUE
	awk -v k="$1" -v key="$2" -v val="$3" -v f="$4" '
	function v(n,   i) { for (i = 3; i <= NF; i++) if (index($i, n "=") == 1) return substr($i, length(n) + 2); return "" }
	$1 == k && v(key) == val { print v(f) }' "$work/raw"
}
if [ -s "$work/raw" ]; then
	{
		echo "## 6. Engine cost (bench/micro.sh)"
		echo
		echo "bench/engine-bench.c and bench/stats-bench.c built with \`gcc -O2\` against"
		echo "the engine's sources; $rounds rounds; median (min-max). The engine bench on"
		echo "CPU 0; the statistics bench (two threads for the contention figures)"
		echo "unpinned, $ops operations per thread and figure. Wall time: ${elapsed} s."
		echo
		echo "| records per MX answer | ns per answer | ns per record | memory per answer (bytes) |"
		echo "|---|---|---|---|"
		for n in 2 10 100; do
			printf '| %s | %s | %s | %s |\n' "$n" "$(field engine records "$n" ns_per_answer | bench_cell %.0f)" \
			    "$(field engine records "$n" ns_per_record | bench_cell %.0f)" "$(field engine records "$n" bytes | bench_median)"
		done
		echo
		echo "| domains in the table | record, 1 thread (ns) | record, 2 threads (ns) | cache hit, 1 thread (ns) | cache hit, 2 threads (ns) | snapshot, top 10 (ms) | bytes per domain |"
		echo "|---|---|---|---|---|---|---|"
		for n in 10000 1000000; do
			printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
			    "$(field stats domains "$n" record_1t_ns | bench_cell %.0f)" "$(field stats domains "$n" record_2t_ns | bench_cell %.0f)" \
			    "$(field stats domains "$n" hit_1t_ns | bench_cell %.0f)" "$(field stats domains "$n" hit_2t_ns | bench_cell %.0f)" \
			    "$(field stats domains "$n" snapshot_ms | bench_cell %.1f)" "$(field stats domains "$n" bytes_per_domain | bench_median)"
		done
		echo
	} >"$work/section.md"
	bench_section "bench/micro.sh -r $rounds -s $ops"
fi
finish
