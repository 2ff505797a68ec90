#!/usr/bin/env bash
# leaks.sh - scripts/harden's leaks run; TAP.  MXG_PREFIX is a prefix whose
# sbin/unbound runs the real one under valgrind memcheck, writing
# LEAKS_VGLOG/valgrind.PID.log.  LEAKS_QUERIES (300) queries of
# tests/harden/queries over and over, LEAKS_RELOADS (3) unbound-control
# reloads between them, a clean stop; then no definitely or indirectly
# lost block whose stack has a mxguard frame, and no invalid access with
# one.  Losses elsewhere in Unbound are reported, not judged.
. "$(dirname "$0")/../integration/lib.sh"
queries=${LEAKS_QUERIES:-300} reloads=${LEAKS_RELOADS:-3} vg=${LEAKS_VGLOG:?}
wait_up() {
	for _ in $(seq 1 600); do
		mxg_control status >/dev/null 2>&1 && return 0
		kill -0 "$vpid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
mxg_zone mx.test faults.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
CONF
mxg_start_nsd
mxg_unbound_conf >"$MXG_DIR/unbound.conf"
"$MXG_PREFIX/sbin/unbound" -d -c "$MXG_DIR/unbound.conf" >>"$MXG_DIR/unbound.stderr" 2>&1 &
vpid=$!
MXG_PIDS="$MXG_PIDS $vpid"
mxg_check "unbound under valgrind started" wait_up
# The mix repeated to $queries lines, cut into reloads+1 chunks.
while [ "$(cat "$MXG_DIR/q" 2>/dev/null | wc -l)" -lt "$queries" ]; do
	cat "$MXG_TOP/tests/harden/queries" >>"$MXG_DIR/q"
done
head -n "$queries" "$MXG_DIR/q" >"$MXG_DIR/queries"
split -n "l/$((reloads + 1))" -d -a 3 "$MXG_DIR/queries" "$MXG_DIR/chunk."
i=0
for chunk in "$MXG_DIR"/chunk.*; do
	dig @127.0.0.1 -p "$MXG_PORT" +time=10 +tries=2 +noall +comments -f "$chunk" >>"$MXG_DIR/dig.out" 2>&1
	if [ "$i" -lt "$reloads" ]; then
		mxg_control reload >/dev/null 2>&1 && wait_up || mxg_fail "reload $((i + 1))"
	fi
	i=$((i + 1))
done
n=$(grep -c 'status: ' "$MXG_DIR/dig.out")
mxg_check "every query answered ($n of $queries, $reloads reloads between)" [ "$n" -ge "$queries" ]
mxg_control stop >/dev/null 2>&1
for _ in $(seq 1 600); do
	kill -0 "$vpid" 2>/dev/null || break
	sleep 0.2
done
wait "$vpid"
st=$?
mxg_check "unbound under valgrind stopped cleanly (exit $st)" [ "$st" = 0 ]
log=$(ls -t "$vg"/valgrind.*.log 2>/dev/null | head -n 1)
mxg_check "valgrind wrote its leak summary (${log:-no log})" \
    grep -qE 'LEAK SUMMARY|All heap blocks were freed' "${log:-/dev/null}"
[ -n "$log" ] || mxg_done
for kind in definitely indirectly; do
	echo "# summary: all of Unbound, $kind lost: $(sed -n "s/.*$kind lost: \(.* blocks\).*/\1/p" "$log" | grep . || echo none)"
done
echo "# summary: valgrind $(grep -m1 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
# The definitely and indirectly lost records that have a mxguard frame.
awk '/are (definitely|indirectly|possibly) lost|still reachable/ {
		inrec = /(definitely|indirectly) lost/; rec = ""
	}
	inrec { rec = rec $0 "\n" }
	inrec && /^==[0-9]+== *$/ {
		if (rec ~ /mxguard\.so|mxg_[a-z_]+ \(|\((mxguard|police|lookup|reply|report|deadline|budget|dname|mx|policy|distribution|analysis|render|ratelimit)\.c:/) printf "%s", rec
		inrec = 0
	}' "$log" >"$MXG_DIR/ours"
echo "# frames in inplace_cb_register_wrapped (dynlib's cb_pair, not ours): $(grep -c 'inplace_cb_register_wrapped' "$log")"
mxg_check "no lost block with a mxguard frame ($(grep -c 'are .* lost' "$MXG_DIR/ours") records)" \
    [ ! -s "$MXG_DIR/ours" ]
sed 's/^/# /' "$MXG_DIR/ours" | head -n 60
grep -B2 -A30 -E 'Invalid (read|write)|uninitialised|Invalid free' "$log" >"$MXG_DIR/errors"
mxg_check "no memcheck error with a mxguard frame" eval '! grep -qE "mxguard\.so|mxg_" "$MXG_DIR/errors"'
echo "# valgrind log: $log"
mxg_done
