#!/usr/bin/env bash
# t_logs - the per-answer log lines are bounded: log-rate lines a second
# after a burst of 20 seconds' worth, what is refused is counted in the
# statistics and said by the next line that goes out, and the same
# decision for a domain is not logged again while its answer stands.
. "$(dirname "$0")/lib.sh"

mxg_zone logs.test
mxg_conf <<CONF
mxguard:
	cname-policy: strip
	log-rate: 1
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
CONF
mxg_start

# lg_suppressed: the count of refused lines in the stats file.
lg_suppressed() { jq -r '.other.log_lines_suppressed' "$MXG_DIR/stats.json" 2>/dev/null; }
lg_lines() { mxg_log_since | grep -cE 'mxguard: (answer|distribution) [a-z0-9]*\.wild\.logs\.test'; }

# 30 new domains, two lines each (decision, distribution): 60 wanted.
mxg_log_mark
start=$(date +%s)
for i in $(seq 1 30); do
	mxg_rcode "d$i.wild.logs.test" MX >/dev/null
done
elapsed=$(($(date +%s) - start))
logged=$(lg_lines)
# The burst (20 lines), and 1 a second for the time the queries took.
if [ "$logged" -ge 20 ] && [ "$logged" -le $((20 + elapsed + 1)) ]; then
	mxg_pass "log-rate 1: the burst of 20 and no more ($logged lines in ${elapsed}s)"
else
	mxg_fail "log-rate 1: the burst of 20 and no more" "$logged lines in ${elapsed}s"
fi
for i in $(seq 1 50); do
	[ "$(lg_suppressed)" = $((60 - logged)) ] && break
	sleep 0.1
	mxg_tick
done
mxg_check "every refused line is counted: $((60 - logged))" test "$(lg_suppressed)" = $((60 - logged))
# Each line that goes out first says how many were refused before it:
# after a pause, the next answer's lines account for all of them.
sleep 2
mxg_rcode d31.wild.logs.test MX >/dev/null
mxg_expect_log "the answer after the pause is logged" 'answer d31\.wild\.logs\.test changed' 1
said=$(mxg_log_since | sed -n 's/.*mxguard: \([0-9]*\) answer lines suppressed (over log-rate: 1)$/\1/p' |
    awk '{ n += $1 } END { print n + 0 }')
mxg_check "the lines that went out said all $((60 - logged)) refused ones" test "$said" = $((60 - logged))

# The same decision again within the answer's TTL: logged once.
sleep 2
mxg_log_mark
mxg_expect "an alias with a short CNAME is stripped" "again.logs.test. MX 20 mx.logs.test." \
    again.logs.test MX
sleep 3
mxg_expect "resolved again after the CNAME expired, stripped again" \
    "again.logs.test. MX 20 mx.logs.test." again.logs.test MX
mxg_expect_log "the unchanged decision is logged once" 'answer again\.logs\.test changed;' 1
mxg_done
