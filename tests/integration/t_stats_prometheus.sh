#!/usr/bin/env bash
# t_stats_prometheus - the stats file in Prometheus text format: well
# formed for node_exporter's textfile collector, the counts exact.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/mxguard.prom"
	stats-format: prometheus
CONF
mxg_start

for d in good cname cname seed1; do
	mxg_rcode "$d.mx.test" MX >/dev/null
done
prom=$MXG_DIR/mxguard.prom
# A report may be written between two answers: wait for one after all.
for i in $(seq 1 50); do
	grep -q '^mxguard_answers_total{source="cache"} 1$' "$prom" 2>/dev/null &&
	    grep -q '^mxguard_answers_total{source="resolved"} 3$' "$prom" && break
	sleep 0.1
	mxg_tick
done
mxg_check "resolved answers: 3" grep -qx 'mxguard_answers_total{source="resolved"} 3' "$prom"
mxg_check "answers from cache: 1" grep -qx 'mxguard_answers_total{source="cache"} 1' "$prom"
mxg_check "records dropped: 1" grep -qx 'mxguard_records_total{action="dropped"} 1' "$prom"

# Text format 0.0.4: comments are HELP or TYPE; samples are a metric
# name, optional labels, a value; every sample's family has a TYPE first.
check_format() {
	awk '
	/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* / {
		if ($2 == "TYPE") typed[$3] = 1
		next
	}
	/^#/ { print "stray comment: " $0; bad = 1; next }
	/^$/ { next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?[0-9.eE+-]+$/) {
			print "bad line: " $0; bad = 1; next
		}
		name = $0; sub(/[{ ].*/, "", name)
		if (!(name in typed)) { print "no TYPE for " name; bad = 1 }
		if (seen[$1]++) { print "duplicate series " $1; bad = 1 }
	}
	END { exit bad }' "$1"
}
mxg_check "every line is well formed, every family typed, no duplicate series" check_format "$prom"
mxg_check "counters end in _total" \
    awk '$1 == "#" && $2 == "TYPE" && $4 == "counter" && $3 !~ /_total$/ { exit 1 }' "$prom"
mxg_check "no temporary file is left beside it" \
    [ "$(find "$MXG_DIR" -maxdepth 1 -name 'mxguard.prom?*' | wc -l)" = 0 ]
mxg_done
