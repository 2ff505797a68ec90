#!/usr/bin/env bash
# bench/micro.sh - engine cost (issue 7, benchmark 6): runs engine-bench
# and stats-bench (bench/*.c, built by scripts/build against the engine
# library) ROUNDS times: ns per MX answer analysed for 2, 10 and 100
# records, and the statistics' operations (record, cache hit, 1 and 2
# threads, 10k and 1M domains, snapshot).  Median (min-max) over the
# rounds.  A run passes when it printed its table.
#
#   bench/micro.sh [--smoke] [-r ROUNDS] [-s STATS-OPS] [-o FILE]
#
# Default: 5 rounds, 500000 stats operations per thread; writes
# bench/results/micro.md.  --smoke: 1 round, 20000 stats operations.
. "$(dirname "$0")/lib.sh"
rounds=5 ops=500000 results=$top/bench/results/micro.md
bench_init micro "-r:rounds:ROUNDS -s:ops:STATS-OPS -o:results:FILE" 'rounds=1 ops=20000 results=""' "$@"
bench_need taskset:util-linux
bench_need_build "$builddir/bench/engine-bench" "$builddir/bench/stats-bench"
bench_placement

# The engine bench is single-threaded: CPU 0.  The statistics bench
# runs two threads for its contention figures: both CPUs.
started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	if $cpu_server "$builddir/bench/engine-bench" >"$work/engine.$r" 2>&1 && grep -q '^100 ' "$work/engine.$r"; then
		passed=$((passed + 1))
		awk -v r="$r" '$1 ~ /^[0-9]+$/ { print "engine", r, "records=" $1, "ns_per_answer=" $2, "ns_per_record=" $3, "bytes=" $4 }' "$work/engine.$r" >>"$raw"
	else
		bench_fail "engine-bench round $r failed"
	fi
	if "$builddir/bench/stats-bench" "$ops" >"$work/stats.$r" 2>&1 && grep -q '^1000000 ' "$work/stats.$r"; then
		passed=$((passed + 1))
		awk -v r="$r" '$1 ~ /^[0-9]+$/ { print "stats", r, "domains=" $1, "bytes_per_domain=" $2, "record_1t_ns=" $3, "record_2t_ns=" $5, "hit_1t_ns=" $7, "hit_2t_ns=" $9, "snapshot_ms=" $11 }' "$work/stats.$r" >>"$raw"
	else
		bench_fail "stats-bench round $r failed"
	fi
	say "round $r done"
done
elapsed=$(($(date +%s) - started))

section() {
	echo "## 6. Engine cost (bench/micro.sh)"
	echo
	echo "bench/engine-bench.c and bench/stats-bench.c as scripts/build builds them"
	echo "(the project's CFLAGS, against the engine library); $rounds rounds; median (min-max). The engine bench on"
	echo "CPU 0; the statistics bench (two threads for the contention figures)"
	echo "unpinned, $ops operations per thread and figure. Wall time: ${elapsed} s."
	echo
	hdr "records per MX answer" "ns per answer" "ns per record" "memory per answer (bytes)"
	for n in 2 10 100; do
		row "$n" "$(cell %.0f ns_per_answer engine "records=$n")" "$(cell %.0f ns_per_record engine "records=$n")" \
		    "$(med bytes engine "records=$n")"
	done
	echo
	hdr "domains in the table" "record, 1 thread (ns)" "record, 2 threads (ns)" "cache hit, 1 thread (ns)" \
	    "cache hit, 2 threads (ns)" "snapshot, top 10 (ms)" "bytes per domain"
	for n in 10000 1000000; do
		row "$n" "$(cell %.0f record_1t_ns stats "domains=$n")" "$(cell %.0f record_2t_ns stats "domains=$n")" \
		    "$(cell %.0f hit_1t_ns stats "domains=$n")" "$(cell %.0f hit_2t_ns stats "domains=$n")" \
		    "$(cell %.1f snapshot_ms stats "domains=$n")" "$(med bytes_per_domain stats "domains=$n")"
	done
	echo
}
bench_report "bench/micro.sh -r $rounds -s $ops" section
finish
