#!/usr/bin/env bash
# t_stats - statistics over two worker threads: exact counts of resolved
# and cached MX answers in the JSON stats file and the summary lines, the
# distribution logged when first seen and when it changes, and a stats
# file that a reader polling it never sees half-written.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
	stats-format: json
	log-distribution: yes
CONF
mxg_start "	num-threads: 2"

# A reader polls the file all through the run; every read must parse.
(
	reads=0 bad=0
	while [ ! -e "$MXG_DIR/stop-reader" ]; do
		if [ -e "$MXG_DIR/stats.json" ]; then
			reads=$((reads + 1))
			jq -e .version "$MXG_DIR/stats.json" >/dev/null 2>&1 || bad=$((bad + 1))
		fi
		sleep 0.01
	done
	echo "$reads $bad" >"$MXG_DIR/reader.out"
) &
reader=$!

domains="good seed1 seed2 v4only v6only dual cname nullmx literal danglingnx"
hits_before=$(mxg_cachehits)
mxg_log_mark
# An NXDOMAIN and a NODATA MX answer are not MX answers to count, on
# the resolved path nor from the cache.
for round in 1 2 3; do
	for d in $domains nothere mx1.good; do
		mxg_rcode "$d.mx.test" MX >/dev/null
	done
done
hits=$(($(mxg_cachehits) - hits_before))
mxg_check "the second and third rounds were all cache hits (24)" [ "$hits" = 24 ]

# stats_json FILTER: the value in the stats file.
stats_json() { jq -r "$1" "$MXG_DIR/stats.json" 2>/dev/null; }
for i in $(seq 1 50); do
	[ "$(stats_json '.answers.resolved + .answers.cache')" = 30 ] && break
	sleep 0.1
	mxg_tick
done
mxg_check "the stats file counts 10 answers resolved" [ "$(stats_json .answers.resolved)" = 10 ]
mxg_check "and 20 answers from the cache, over two threads" [ "$(stats_json .answers.cache)" = 20 ]
mxg_check "10 domains tracked" [ "$(stats_json .domains.tracked)" = 10 ]
mxg_check "one answer changed (the alias stripped)" [ "$(stats_json .actions.changed)" = 1 ]
mxg_check "one record dropped" [ "$(stats_json .records.dropped)" = 1 ]
mxg_check "alias, literal and dangling faults counted once each" \
    [ "$(stats_json '[.faults.alias, .faults.address_literal, .faults.dangling] | join(" ")')" = "1 1 1" ]
mxg_check "one null MX domain" [ "$(stats_json .domains.null_mx)" = 1 ]
mxg_check "load-balanced domains: good and seed2" [ "$(stats_json .domains.load_balanced)" = 2 ]
mxg_check "the top domain has 3 answers" [ "$(stats_json '.top_domains[0].answers.resolved + .top_domains[0].answers.cache')" = 3 ]
mxg_check "prefetch sub-queries were counted" [ "$(stats_json .other.prefetches)" -gt 0 ]

mxg_expect_log "the summary lines add up to the 30 answers" 'mxguard: stats [0-9]+s: answers'
sleep 1.2
mxg_tick
total=$(mxg_log_since | sed -n 's/.*mxguard: stats [0-9]*s: answers \([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
mxg_check "summary answers total 30 (got $total)" [ "$total" = 30 ]
mxg_expect_log "a domain's distribution is logged when first seen" \
    'mxguard: distribution good\.mx\.test: pref 10 mx1\.good\.mx\.test 50% \(2 addr\) mx2\.good\.mx\.test 50% \(1 addr\); pref 20 backup\.good\.mx\.test backup$' 1
mxg_expect_log "the RFC 5321 primary-and-backup example" \
    'mxguard: distribution seed1\.mx\.test: pref 10 mailhost1\.seed1\.mx\.test 100% \(1 addr\); pref 20 mailhost2\.seed1\.mx\.test backup$' 1
mxg_expect_log "a null MX says it takes no mail" 'mxguard: distribution nullmx\.mx\.test: .*' 1

# The MX set changes at the authoritative side: NSD reloads the zone.
mxg_log_mark
changes_mark=$MXG_LOG_MARK
sed -i -e 's/^good\t\tMX\t10 mx2.good$/good\t\tMX\t30 mx2.good/' \
    -e 's/ 1 3600 600 86400 60$/ 2 3600 600 86400 60/' "$MXG_DIR/zones/mx.test.zone"
kill -HUP "$MXG_NSD_PID"
for i in $(seq 1 50); do
	dig @127.0.0.1 -p "$MXG_NSD_PORT" +short SOA mx.test | grep -q ' 2 3600 ' && break
	sleep 0.1
done
mxg_control flush_zone good.mx.test >/dev/null
mxg_expect "the changed MX set is served" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 30 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." good.mx.test MX
mxg_expect_log "the new distribution is logged" \
    'mxguard: distribution good\.mx\.test: pref 10 mx1\.good\.mx\.test 100% \(2 addr\); pref 20 backup\.good\.mx\.test backup; pref 30 mx2\.good\.mx\.test backup$' 1
mxg_control flush_zone seed2.mx.test >/dev/null
mxg_expect "an unchanged domain, resolved again after a flush" "
seed2.mx.test. MX 10 mailhost1.seed2.mx.test.
seed2.mx.test. MX 10 mailhost2.seed2.mx.test." seed2.mx.test MX
mxg_expect_no_log "does not log its distribution again" 'mxguard: distribution seed2\.mx\.test'

touch "$MXG_DIR/stop-reader"
wait "$reader"
read -r reads bad <"$MXG_DIR/reader.out"
mxg_check "a polling reader read the file ($reads reads)" [ "$reads" -gt 10 ]
mxg_check "and never saw it half-written ($bad bad reads)" [ "$bad" = 0 ]

# At shutdown: the final summary and the file, written once more.
mxg_log_mark
kill "$MXG_UNBOUND_PID"
wait "$MXG_UNBOUND_PID" 2>/dev/null
mxg_expect_log "unloads at shutdown" 'mxguard: unloaded' 1
MXG_LOG_MARK=$changes_mark
total=$(mxg_log_since | sed -n 's/.*mxguard: stats [0-9]*s: answers \([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
mxg_check "the summaries since, the final one included, count the 2 answers (got $total)" [ "$total" = 2 ]
mxg_check "the final stats file counts every answer (12 resolved)" [ "$(stats_json .answers.resolved)" = 12 ]
mxg_done
