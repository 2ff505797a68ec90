#!/usr/bin/env bash
# t_report - the periodic report keeps off the query path and out of
# Unbound's cache locks: with a disk that takes 3 s for every fsync of
# the stats file, one worker thread, and then two, go on answering,
# cache hits and resolutions alike, while the reports are written; and
# the files still come out whole, the last one at shutdown.
. "$(dirname "$0")/lib.sh"

RP_LIB=$MXG_TOOLS/.libs/slow-fsync.so
RP_FSYNCS=$MXG_DIR/fsyncs

mxg_zone mx.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
CONF

# rp_ms ARGS: how long one answer took, in ms as dig measured it.
rp_ms() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=10 +tries=1 "$@" |
	    sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p'
}

# rp_phase THREADS: Unbound with THREADS workers on the slow disk.
rp_phase() {
	local t=$1 worst=0 n=0 missing=0 end ms args writes cached
	rm -f "$RP_FSYNCS" "$MXG_DIR/stats.json"
	mxg_start_nsd
	export SLOW_FSYNC_MS=3000 SLOW_FSYNC_LOG=$RP_FSYNCS
	MXG_UNBOUND_EXTRA="	num-threads: $t"
	LD_PRELOAD=$RP_LIB mxg_start_unbound || { mxg_fail "$t threads: unbound started"; return; }
	unset SLOW_FSYNC_MS SLOW_FSYNC_LOG
	mxg_check "$t threads: the MX answer resolved" [ -n "$(mxg_dig good.mx.test MX)" ]
	# 8 s of cache hits and resolutions: the reports are due every
	# second, each one's write takes 3 s.
	end=$((SECONDS + 8))
	while [ $SECONDS -lt $end ]; do
		for args in "good.mx.test MX" "tick-$RANDOM$RANDOM.mx.test A"; do
			ms=$(rp_ms $args)
			n=$((n + 1))
			if [ -z "$ms" ]; then
				missing=$((missing + 1))
			elif [ "$ms" -gt "$worst" ]; then
				worst=$ms
			fi
		done
		sleep 0.05
	done
	writes=$(wc -l <"$RP_FSYNCS" 2>/dev/null || echo 0)
	mxg_check "$t threads: stats files were being written meanwhile ($writes fsyncs begun)" [ "$writes" -ge 2 ]
	if [ "$missing" = 0 ] && [ "$worst" -lt 1000 ]; then
		mxg_pass "$t threads: $n queries during the slow writes, all answered, the slowest in $worst ms"
	else
		mxg_fail "$t threads: $n queries during the slow writes, all answered within 1 s" \
		    "unanswered: $missing, the slowest: $worst ms"
	fi
	mxg_check "$t threads: the stats file is whole and counts the cache hits" \
	    [ "$(jq -r '.answers.cache' "$MXG_DIR/stats.json" 2>/dev/null)" -ge 1 ]
	# Shutdown: the files handed to the writer, then the final report.
	cached=$(($(mxg_cachehits) + 0))
	mxg_stop
	mxg_check "$t threads: the final report at shutdown counts every cache hit ($cached)" \
	    [ "$(jq -r '.answers.cache' "$MXG_DIR/stats.json" 2>/dev/null)" = "$cached" ]
}

# RP_THREADS: the worker counts to try (scripts/harden runs this suite
# on the Unbound built with lock checks as well).
for t in ${RP_THREADS:-1 2}; do
	rp_phase "$t"
done

# A stats-file the writer cannot write: the error is logged, by a
# worker, once while it stays the same.
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/no-such-dir/stats.json"
CONF
mxg_start_nsd
MXG_UNBOUND_EXTRA=""
mxg_log_mark
mxg_start_unbound || { mxg_fail "unbound started (unwritable stats-file)"; mxg_done; }
for i in $(seq 1 40); do
	mxg_tick
	sleep 0.1
done
mxg_expect_log "an unwritable stats-file: the error logged once" \
    "mxguard: stats-file $MXG_DIR/no-such-dir/stats.json: cannot create a temporary file" 1
mxg_done
