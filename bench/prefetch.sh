#!/usr/bin/env bash
# bench/prefetch.sh - MTA delivery lookups (issue 5's benchmark): for N
# domains an MTA-like client (tests/tools/mta-client.c) asks MX and then the
# exchanges' addresses, against plain Unbound and Unbound + mxguard
# (prefetch: wait, prefetch: background).  The client runs in both its
# modes: postfix (A then AAAA of every exchange in preference order,
# backups included, as Postfix's smtp_addr_list() does) and preferred
# (A then AAAA of the preferred exchange only).  NSD serves generated
# zones behind tests/tools/relay.c, which adds a fixed delay to every upstream
# query and counts them.  Each run starts a fresh Unbound (cold cache,
# same domains); within a round each mode runs every system in turn
# (plain wait background ..., postfix then preferred).
#
# Per run: the client's time per delivery (MX + its address lookups)
# p50/p99, also for the deliveries with one and with two exchanges, MX
# alone p50, the share of address queries answered from Unbound's cache
# (its own counter total.num.cachehits over the client's count of
# address queries; every MX is a miss, so the hits are address queries)
# and upstream queries per delivery (relay log).
#
#   bench/prefetch.sh [--smoke] [-n DOMAINS] [-r ROUNDS] [-c WORKERS]
#                     [-d DELAY-MS] [-o RESULTS.md]
#
# Default: 600 domains, 5 rounds, 4 client workers, 20 ms; writes
# bench/RESULTS-prefetch.md (the hand-written reading at its end is kept
# from the previous file).  --smoke: 20 domains, 1 round, no results
# file, a few seconds; for scripts/check.  Either way the last line is
# "bench: N passed, N failed", a run passing when it went end to end and
# produced its figures (no timing thresholds).
#
# The three systems run twice: with Unbound's default qname-minimisation
# (yes) and, as "-noqmin", with qname-minimisation: no, which changes how
# many round trips an address lookup takes.
. "$(dirname "$0")/lib.sh"
n=600 rounds=5 workers=4 delay=20 results=$top/bench/RESULTS-prefetch.md
bench_init prefetch-bench "$delivery_spec" 'n=20 rounds=1 workers=2 results=""' "$@"
systems="plain wait background plain-noqmin wait-noqmin background-noqmin"
modes="postfix preferred"
bench_need nsd:nsd dig:bind9-dnsutils taskset:util-linux
bench_need_build
bench_placement "Unbound on CPU 0; NSD, the relay and the client on the last CPU (taskset), when there are two or more"
delivery_setup "$n" 1800

# --- one run: a fresh Unbound for SYSTEM, the client, the counters -------
run() {	# SYSTEM MODE ROUND
	local sys=$1 mode=$2 r=$3 dir=$work/$2-$1-$3 mark line up hits queries port=$(free_port)
	mkdir -p "$dir"
	system_start "$sys" "$dir" "$port" "$relay_port" "" dom.test mail.test || { bench_fail; return; }
	mark=$(wc -l <"$work/relay.log")
	line=$($cpu_load "$mta_client" -m "$mode" -p "$port" -z dom.test -n "$n" -c "$workers")
	# Background lookups may still be on their way: wait for the relay
	# log to stand still before counting.
	up=$(( $(settle_lines "$work/relay.log") - mark ))
	ub_control "$dir" stats_noreset >"$dir/stats" 2>&1
	unbound_stop "$ub_pid"
	hits=$(ub_stat total.num.cachehits "$dir/stats")
	queries=$(ub_stat total.num.queries "$dir/stats")
	case $line in
	mode=$mode" deliveries="*" failed=0 "*) ;;
	*) bench_fail "$sys $mode round $r: the client failed: ${line:-no output}"; return ;;
	esac
	[ -n "$hits" ] && [ -n "$queries" ] || { bench_fail "$sys $mode round $r: no statistics from unbound-control"; return; }
	passed=$((passed + 1))
	# sys round mode= figures... hits queries upstream
	echo "$sys $r $line hits=$hits queries=$queries upstream=$up" >>"$raw"
	say "$sys round $r: $line cachehits=$hits queries=$queries upstream=$up"
}

started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	for m in $modes; do
		for s in $systems; do run "$s" "$m" "$r"; done
	done
done
elapsed=$(($(date +%s) - started))

# --- summary: per mode and system, median and min-max over the rounds ----
# A raw line: system round mode= deliveries= failed= total_p50_ms=
# total_p99_ms= mx_p50_ms= mx_p99_ms= addr_p50_ms= addr_p99_ms=
# total1_p50_ms= total2_p50_ms= addr_queries= wall_s= hits= queries=
# upstream=, read by name.
summary() {	# MODE
	local s base m=mode=$1
	[ -s "$raw" ] || return
	hdr system "total p50 ms" "total p99 ms" "p50 ms, one exchange" "p50 ms, two exchanges" "MX alone p50 ms" \
	    "addresses p50 ms" "address answers from cache %" "upstream queries / delivery" "p50 vs plain" "p99 vs plain"
	for s in $systems; do
		grep -q "^$s .* $m " "$raw" || continue
		base=plain; case $s in *-noqmin) base=plain-noqmin ;; esac
		row "$s" "$(cell %.2f total_p50_ms "$s" "$m")" "$(cell %.2f total_p99_ms "$s" "$m")" \
		    "$(cell %.2f total1_p50_ms "$s" "$m")" "$(cell %.2f total2_p50_ms "$s" "$m")" \
		    "$(cell %.2f mx_p50_ms "$s" "$m")" "$(cell %.2f addr_p50_ms "$s" "$m")" \
		    "$(cell %.1f 'v("addr_queries") > 0 ? 100 * v("hits") / v("addr_queries") : 0' "$s" "$m")" \
		    "$(cell %.2f "v(\"upstream\") / $n" "$s" "$m")" \
		    "$(ratio "$(med total_p50_ms "$s" "$m")" "$(med total_p50_ms "$base" "$m")")" \
		    "$(ratio "$(med total_p99_ms "$s" "$m")" "$(med total_p99_ms "$base" "$m")")"
	done
}

# The hand-written reading at the end of the previous results file.
reading=""
[ -n "$results" ] && [ -s "$results" ] &&
	reading=$(sed -n '/^## Reading (added by hand/,$p' "$results")

if [ -n "$results" ] && [ "$failed" -eq 0 ]; then
	{
		echo "# Prefetch benchmark: MTA delivery lookups"
		echo
		echo "Written by \`bench/prefetch.sh\` (issue 5). For each of $n domains the"
		echo "client (tests/tools/mta-client.c, libc \`res_query\` as Postfix uses it, no"
		echo "cache of its own, $workers workers, one delivery at a time each) asks"
		echo "MX and then addresses, in one of two modes:"
		echo
		echo "- **postfix** (the client's default): A and then AAAA of every exchange"
		echo "  in preference order, the backups included, each query waiting for"
		echo "  the one before, all before the first connection. This is what"
		echo "  Postfix's smtp client does: smtp_domain_addr() sorts the MX set and"
		echo "  smtp_addr_list() calls smtp_addr_one() for each exchange, which asks"
		echo "  dns_lookup_v() for A and then AAAA (inet_protocols = all). Domains"
		echo "  with one exchange take MX + 2 lookups, with two MX + 4; 3 address"
		echo "  queries per delivery on average here."
		echo "- **preferred**: A and then AAAA of the preferred exchange only (an MTA"
		echo "  that looks a backup up only when the preferred one fails to answer;"
		echo "  the earlier model of this benchmark). MX + 2 lookups for every domain."
		echo
		echo "NSD serves the zones behind tests/tools/relay.c, which holds every upstream"
		echo "query $delay ms. Half the domains have two exchanges (MX 10 and 20),"
		echo "half one; exchanges live in another zone (no glue), none is shared."
		echo "Each run starts a fresh Unbound (cold cache, same domains); within"
		echo "each of $rounds rounds each mode ($modes) runs the systems in"
		echo "turn ($systems)."
		echo "Figures: median over the rounds, (min-max) in brackets; ratios are of"
		echo "the medians against plain Unbound (plain-noqmin for the -noqmin rows)."
		echo
		echo "- plain: \`module-config: \"validator iterator\"\`"
		echo "- wait, background: \`module-config: \"dynlib validator iterator\"\`,"
		echo "  mxguard.conf \`prefetch: wait\` / \`prefetch: background\`, other"
		echo "  settings at their defaults (max-exchanges 8, additional yes)"
		echo "- the same Unbound build, otherwise the same unbound.conf (Unbound's"
		echo "  defaults); the -noqmin systems add \`qname-minimisation: no\`"
		echo "- total: MX plus all the address lookups of one delivery; \"one"
		echo "  exchange\" / \"two exchanges\": the total p50 of the deliveries whose"
		echo "  MX set has one / two exchanges (half the domains each, so the p50"
		echo "  over all of them falls at the edge between the two groups)"
		echo "- address answers from cache: Unbound's \`total.num.cachehits\` over"
		echo "  the address queries the client sent (all MX queries are misses)"
		echo "- upstream queries: lines in the relay's query log, over $n deliveries"
		echo
		for m in $modes; do
			echo "## Summary: $m mode"
			echo
			summary "$m"
			echo
		done
		echo "## Machine and versions"
		echo
		machine_lines | grep -v -e '^- memory' -e '^- dnsperf' -e '^- PowerDNS' -e '^- load average' |
		    sed 's/(same build for every Unbound system)/(built by scripts\/build, --with-dynlibmodule)/'
		echo "- wall time of the benchmark: ${elapsed} s"
		echo
		echo "## Command"
		echo
		echo '```'
		echo "bench/prefetch.sh -n $n -r $rounds -c $workers -d $delay"
		echo '```'
		echo
		echo "## Raw figures, one line per run"
		echo
		echo '```'
		cat "$raw"
		echo '```'
		[ -z "$reading" ] || printf '\n%s\n' "$reading"
	} >"$results"
	say "wrote $results"
elif [ "$smoke" -eq 1 ]; then
	for m in $modes; do
		say "$m mode:"
		summary "$m"
	done
fi
finish
