#!/usr/bin/env bash
# bench/prefetch.sh - MTA delivery lookups (issue 5's benchmark): for N
# domains an MTA-like client asks MX, then A and then AAAA of the
# preferred exchange, against plain Unbound and Unbound + mxguard
# (prefetch: wait, prefetch: background).  NSD serves generated zones
# behind bench/relay.c, which adds a fixed delay to every upstream query
# and counts them.  Each run starts a fresh Unbound (cold cache, same
# domains); the systems alternate (plain wait background, plain wait
# background, ...) over the rounds.
#
# Per run: the client's time per delivery (MX + A + AAAA) p50/p99, MX
# alone p50, the share of address queries answered from Unbound's cache
# (its own counter: total.num.cachehits; every MX is a miss, so the hits
# are address queries) and upstream queries per delivery (relay log).
#
#   bench/prefetch.sh [--smoke] [-n DOMAINS] [-r ROUNDS] [-c WORKERS]
#                     [-d DELAY-MS] [-o RESULTS.md]
#
# Default: 600 domains, 5 rounds, 4 client workers, 20 ms; writes
# bench/RESULTS-prefetch.md.  --smoke: 20 domains, 1 round, no results
# file, a few seconds; for scripts/check.  Either way the last line is
# "bench: N passed, N failed", a run passing when it went end to end and
# produced its figures (no timing thresholds).
#
# The three systems run twice: with Unbound's default qname-minimisation
# (yes) and, as "-noqmin", with qname-minimisation: no, which changes how
# many round trips an address lookup takes.
. "$(dirname "$0")/lib.sh"
bench_init prefetch-bench
smoke=0 n=600 rounds=5 workers=4 delay=20 results=$top/bench/RESULTS-prefetch.md
delivery_options prefetch.sh 20 "$@"
systems="plain wait background plain-noqmin wait-noqmin background-noqmin"

# --- what it needs --------------------------------------------------------
bench_need nsd:nsd dig:bind9-dnsutils cc:gcc taskset:util-linux
bench_need_build

# Unbound on CPU 0, the client, relay and NSD on the last CPU.
bench_placement
placement="Unbound on CPU 0; NSD, the relay and the client on the last CPU (taskset), when there are two or more"

delivery_setup "$n" 1800
port=$(free_port) control_port=$(free_port)

# --- one run: a fresh Unbound for SYSTEM, the client, the counters -------
system_conf() {	# SYSTEM DIR
	local modules="dynlib validator iterator" qmin="	# qname-minimisation: yes (default)"
	case $1 in plain*) modules="validator iterator" ;; esac
	case $1 in *-noqmin) qmin="	qname-minimisation: no" ;; esac
	unbound_conf "$modules" "$2" "$port" "$control_port" "$relay_port" "$qmin" dom.test mail.test
}

run() {	# SYSTEM ROUND
	local sys=$1 mode=${1%-noqmin} dir=$work/$1-$2 mark line up hits queries
	mkdir -p "$dir"
	system_conf "$sys" "$dir" >"$dir/unbound.conf"
	[ "$mode" = plain ] || printf 'mxguard:\n\tprefetch: %s\n' "$mode" >"$dir/mxguard.conf"
	unbound_start "$dir" || { failed=$((failed + 1)); return; }
	mark=$(wc -l <"$work/relay.log")
	line=$($cpu_load "$mta_client" -m preferred -p "$port" -z dom.test -n "$n" -c "$workers")
	# Background lookups may still be on their way: wait for the relay
	# log to stand still before counting.
	up=$(( $(settle_lines "$work/relay.log") - mark ))
	ub_control "$dir" stats_noreset >"$dir/stats" 2>&1
	unbound_stop "$ub_pid"
	hits=$(ub_stat total.num.cachehits "$dir/stats")
	queries=$(ub_stat total.num.queries "$dir/stats")
	case $line in
	mode=preferred" deliveries="*" failed=0 "*) ;;
	*) say "$sys round $2: the client failed: ${line:-no output}"
	   failed=$((failed + 1)); return ;;
	esac
	if [ -z "$hits" ] || [ -z "$queries" ]; then
		say "$sys round $2: no statistics from unbound-control"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + 1))
	# sys round figures... hits queries upstream
	echo "$sys $2 $line hits=$hits queries=$queries upstream=$up" >>"$work/raw"
	say "$sys round $2: $line cachehits=$hits queries=$queries upstream=$up"
}

started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	for s in $systems; do
		run "$s" "$r"
	done
done
elapsed=$(($(date +%s) - started))

# --- summary: per system, median and min-max over the rounds --------------
# Fields of a raw line: system round mode= deliveries= failed=
# total_p50_ms= total_p99_ms= mx_p50_ms= mx_p99_ms= addr_p50_ms=
# addr_p99_ms= total1_p50_ms= total2_p50_ms= addr_queries= wall_s= hits=
# queries= upstream=
summary() {
	[ -s "$work/raw" ] || return
	awk -v n="$n" '
	function val(s) { sub(/^[a-z0-9_]*=/, "", s); return s + 0 }
	function med(a, k,   i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function cell(s, f, fmt,   k, i, a) {
		k = cnt[s]
		for (i = 1; i <= k; i++) a[i] = v[s, f, i]
		m = med(a, k)
		return sprintf(fmt " (" fmt "-" fmt ")", m, a[1], a[k])
	}
	{
		s = $1; k = ++cnt[s]
		v[s, "p50", k] = val($6); v[s, "p99", k] = val($7)
		v[s, "mx50", k] = val($8); v[s, "addr50", k] = val($10)
		v[s, "share", k] = 100 * val($16) / (2 * n)
		v[s, "up", k] = val($18) / n
		if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
	}
	END {
		print "| system | total p50 ms | total p99 ms | MX alone p50 ms | A+AAAA p50 ms | address answers from cache % | upstream queries / delivery | p50 vs plain | p99 vs plain |"
		print "|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= ns; i++) {
			s = order[i]
			c1 = cell(s, "p50", "%.2f"); p50[s] = m
			c2 = cell(s, "p99", "%.2f"); p99[s] = m
			c3 = cell(s, "mx50", "%.2f"); c4 = cell(s, "addr50", "%.2f")
			c5 = cell(s, "share", "%.1f"); c6 = cell(s, "up", "%.2f")
			base = s ~ /-noqmin$/ ? "plain-noqmin" : "plain"
			printf "| %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f |\n", s, c1, c2, c3, c4, c5, c6,
			    p50[s] / p50[base], p99[s] / p99[base]
		}
	}' "$work/raw"
}

if [ -n "$results" ] && [ "$failed" -eq 0 ]; then
	{
		echo "# Prefetch benchmark: MTA delivery lookups"
		echo
		echo "Written by \`bench/prefetch.sh\` (issue 5). For each of $n domains the"
		echo "client (bench/mta-client.c, libc \`res_query\` as Postfix uses it, no"
		echo "cache of its own, $workers workers) asks MX, then A and then AAAA of the"
		echo "preferred exchange. NSD serves the zones behind bench/relay.c, which"
		echo "holds every upstream query $delay ms. Half the domains have two"
		echo "exchanges, half one; exchanges live in another zone (no glue), none is"
		echo "shared. Each run starts a fresh Unbound (cold cache, same domains);"
		echo "systems alternate ($systems) over $rounds rounds."
		echo "Figures: median over the rounds, (min-max) in brackets; ratios are of"
		echo "the medians against plain Unbound (plain-noqmin for the -noqmin rows)."
		echo
		echo "- plain: \`module-config: \"validator iterator\"\`"
		echo "- wait, background: \`module-config: \"dynlib validator iterator\"\`,"
		echo "  mxguard.conf \`prefetch: wait\` / \`prefetch: background\`, other"
		echo "  settings at their defaults (max-exchanges 8, additional yes)"
		echo "- the same Unbound build, otherwise the same unbound.conf (Unbound's"
		echo "  defaults); the -noqmin systems add \`qname-minimisation: no\`"
		echo "- address answers from cache: Unbound's \`total.num.cachehits\` over"
		echo "  the 2 x $n address queries (all MX queries are misses)"
		echo "- upstream queries: lines in the relay's query log, over $n deliveries"
		echo
		echo "## Summary"
		echo
		summary
		echo
		echo "## Machine and versions"
		echo
		echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $ncpu CPUs"
		echo "- kernel: $(uname -sr)"
		echo "- placement: $placement"
		echo "- Unbound: $("$prefix/sbin/unbound" -V | head -n 1) (built by scripts/build, --with-dynlibmodule)"
		echo "- mxguard: git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
		echo "- NSD: $(nsd -v 2>&1 | head -n 1)"
		echo "- compiler: $(cc --version | head -n 1)"
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
		cat "$work/raw"
		echo '```'
	} >"$results"
	say "wrote $results"
elif [ "$smoke" -eq 1 ]; then
	summary
fi
finish
