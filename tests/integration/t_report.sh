#!/usr/bin/env bash
# t_report - the periodic report keeps off the query path: with a disk
# that takes 3 s for every fsync of the stats file, a single worker
# thread goes on answering, cache hits and resolutions alike, while the
# reports are written; and the files still come out whole, the last one
# at shutdown.
. "$(dirname "$0")/lib.sh"

RP_LIB=$MXG_DIR/slow-fsync.so
RP_FSYNCS=$MXG_DIR/fsyncs
cc -O2 -Wall -shared -fPIC -o "$RP_LIB" "$MXG_TOP/tests/integration/slow-fsync.c" -ldl ||
    { mxg_fail "the slow fsync library builds"; mxg_done; }

mxg_zone mx.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
CONF
mxg_start_nsd
export SLOW_FSYNC_MS=3000 SLOW_FSYNC_LOG=$RP_FSYNCS
LD_PRELOAD=$RP_LIB mxg_start_unbound || { mxg_fail "unbound started"; mxg_done; }
unset SLOW_FSYNC_MS SLOW_FSYNC_LOG

# rp_ms ARGS: how long one answer took, in ms as dig measured it.
rp_ms() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=10 +tries=1 "$@" |
	    sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p'
}

mxg_check "the MX answer resolved" [ -n "$(mxg_dig good.mx.test MX)" ]
# 8 s of cache hits and resolutions: the reports are due every second,
# each one's write takes 3 s.
worst=0 n=0 missing=0
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
mxg_check "stats files were being written meanwhile ($writes fsyncs begun)" [ "$writes" -ge 2 ]
if [ "$missing" = 0 ] && [ "$worst" -lt 1000 ]; then
	mxg_pass "$n queries during the slow writes, all answered, the slowest in $worst ms"
else
	mxg_fail "$n queries during the slow writes, all answered within 1 s" \
	    "unanswered: $missing, the slowest: $worst ms"
fi
mxg_check "the stats file is whole and counts the cache hits" \
    [ "$(jq -r '.answers.cache' "$MXG_DIR/stats.json" 2>/dev/null)" -ge 1 ]

# Shutdown: the files handed to the writer, then the final report.
cached=$(($(mxg_cachehits) + 0))
mxg_stop
mxg_check "the final report at shutdown counts every cache hit ($cached)" \
    [ "$(jq -r '.answers.cache' "$MXG_DIR/stats.json" 2>/dev/null)" = "$cached" ]
mxg_done
