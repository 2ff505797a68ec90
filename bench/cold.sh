#!/usr/bin/env bash
# bench/cold.sh - cold resolution (issue 7, benchmark 2) and the PowerDNS
# Recursor anchor on the MTA delivery lookups (benchmark 4 on 3).
#
# NSD serves generated zones behind tests/tools/relay.c (every upstream query
# held DELAY ms, counted in its log): d<i>.dom.test MX -> mx1-<i> (and
# mx2-<i> for even i) in mail.test, each with A and AAAA.  Per run, a
# fresh resolver (cold cache), then:
#   1. MX only: dnsperf asks MX for N unique domains, at most W at a
#      time; the MX answer latency p50/p99 (dnsperf -v, per query) and
#      upstream queries per MX answer (relay log, once it stands still);
#   2. MTA: tests/tools/mta-client.c -m preferred (MX, then A and AAAA of the
#      preferred exchange; the mode this section's figures were taken
#      with) over N other domains: total time per delivery p50/p99, the
#      address lookups' p50/p99 (well under the relay delay: served
#      from cache), upstream queries per delivery.
# Systems: plain Unbound; Unbound + mxguard with prefetch wait,
# background, off; PowerDNS Recursor with addAllowedAdditionalQType(MX,
# {A, AAAA}) in ResolveImmediately and ResolveDeferred modes; each with
# qname minimisation at the default (yes) and, as "-noqmin", off.  The
# systems alternate within each round.
#
#   bench/cold.sh [--smoke] [-n DOMAINS] [-r ROUNDS] [-c WORKERS]
#                 [-d DELAY-MS] [-o FILE]
#
# Default: 150 domains per phase, 5 rounds, 4 at a time, 20 ms; writes
# bench/results/cold.md.  --smoke: 10 domains, 1 round, no file.  Last
# line: "bench: N passed, N failed" (a run passes when both phases ran
# end to end and produced their figures).
. "$(dirname "$0")/lib.sh"
n=150 rounds=5 workers=4 delay=20 results=$top/bench/results/cold.md
bench_init cold "$delivery_spec" 'n=10 rounds=1 workers=2 results=""' "$@"
bench_need nsd:nsd dig:bind9-dnsutils dnsperf:dnsperf pdns_recursor:pdns-recursor taskset:util-linux
bench_need_build
bench_placement

systems="plain wait background off pdns-immediate pdns-deferred"
systems="$systems $(printf '%s-noqmin ' $systems)"

# --- zones, NSD, relay: 2n domains, the first n for phase 1, the others for the MTA
delivery_setup $((2 * n)) 3600
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "d%d.dom.test MX\n", i }' >"$work/mx-queries"

run() {	# SYSTEM ROUND
	local sys=$1 r=$2 d=$work/$1-$2 p m0 m1 m2 lat line
	mkdir -p "$d"
	p=$(free_port)
	system_start "$sys" "$d" "$p" "$relay_port" "" dom.test mail.test || { bench_fail; return; }
	sleep 0.3
	m0=$(settle_lines "$work/relay.log")
	# 1. MX only, each domain once, at most $workers in flight.
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/mx-queries" -n 1 -c 1 -q "$workers" -t 5 -v >"$d/mx.out" 2>&1
	m1=$(settle_lines "$work/relay.log")
	# 2. MTA deliveries, on the other domains.
	line=$($cpu_load "$mta_client" -m preferred -p "$p" -z dom.test -n "$n" -f "$n" -c "$workers")
	m2=$(settle_lines "$work/relay.log")
	unbound_stop "$spid"
	# dnsperf -v: "> NOERROR d1.dom.test MX 0.041234" per answer.
	lat=$(awk '$1 == ">" && $2 == "NOERROR" && $4 == "MX" { print $5 * 1000 }' "$d/mx.out" | sort -g |
	    awk '{ a[++k] = $1 } END { if (k) printf "cold_answers=%d cold_p50_ms=%.3f cold_p99_ms=%.3f", k, a[int((k - 1) * 0.5) + 1], a[int((k - 1) * 0.99) + 1] }')
	case $lat in
	cold_answers=$n" "*) ;;
	*) bench_fail "$sys round $r: MX phase: ${lat:-no answers} (of $n)"; return ;;
	esac
	case $line in
	mode=preferred" deliveries="*" failed=0 "*) ;;
	*) bench_fail "$sys round $r: the MTA client failed: ${line:-no output}"; return ;;
	esac
	passed=$((passed + 1))
	echo "$sys $r $lat mx_upstream=$((m1 - m0)) $line mta_upstream=$((m2 - m1))" >>"$raw"
	say "$sys round $r: $lat upstream=$((m1 - m0)) | $line upstream=$((m2 - m1))"
}

started=$(date +%s)
for r in $(seq 1 "$rounds"); do
	for s in $systems; do run "$s" "$r"; done
done
elapsed=$(($(date +%s) - started))

# --- report ---------------------------------------------------------------
tables() {
	local s base
	echo "MX only ($n unique domains, at most $workers in flight; dnsperf -v latencies):"
	echo
	hdr system "MX p50 ms" "MX p99 ms" "upstream queries / MX answer" "p50 / plain" "p99 / plain"
	for s in $systems; do
		grep -q "^$s " "$raw" || continue
		base=plain; case $s in *-noqmin) base=plain-noqmin ;; esac
		row "$s" "$(cell %.2f cold_p50_ms "$s")" "$(cell %.2f cold_p99_ms "$s")" "$(cell %.2f "v(\"mx_upstream\") / $n" "$s")" \
		    "$(ratio "$(med cold_p50_ms "$s")" "$(med cold_p50_ms "$base")")" "$(ratio "$(med cold_p99_ms "$s")" "$(med cold_p99_ms "$base")")"
	done
	echo
	echo "MTA deliveries (tests/tools/mta-client.c -m preferred, $n other domains, $workers workers: MX, then A and AAAA of the preferred exchange):"
	echo
	hdr system "total p50 ms" "total p99 ms" "MX p50 ms" "A+AAAA p50 ms" "A+AAAA p99 ms" "upstream queries / delivery" \
	    "total p50 / plain" "total / MX-only (p50)"
	for s in $systems; do
		grep -q "^$s " "$raw" || continue
		base=plain; case $s in *-noqmin) base=plain-noqmin ;; esac
		row "$s" "$(cell %.2f total_p50_ms "$s")" "$(cell %.2f total_p99_ms "$s")" "$(cell %.2f mx_p50_ms "$s")" \
		    "$(cell %.2f addr_p50_ms "$s")" "$(cell %.2f addr_p99_ms "$s")" "$(cell %.2f "v(\"mta_upstream\") / $n" "$s")" \
		    "$(ratio "$(med total_p50_ms "$s")" "$(med total_p50_ms "$base")")" "$(ratio "$(med total_p50_ms "$s")" "$(med mx_p50_ms "$s")")"
	done
}

section() {
	echo "## 2. Cold resolution and 4. the PowerDNS Recursor anchor (bench/cold.sh)"
	echo
	echo "NSD behind tests/tools/relay.c ($delay ms per upstream query); every run a fresh"
	echo "resolver (cold cache). Half the domains have two exchanges, half one;"
	echo "exchanges in another zone, each with A and AAAA, none shared."
	echo "$rounds rounds, systems alternating in this order: $systems."
	echo "Unbound: one thread, stub-zones to the relay, defaults otherwise;"
	echo "mxguard: \`prefetch:\` as named, other settings at their defaults."
	echo "PowerDNS Recursor: threads=1, forward-zones to the relay, dnssec=off,"
	echo "\`addAllowedAdditionalQType(pdns.MX, {pdns.A, pdns.AAAA}, {mode=pdns.AdditionalMode.<mode>})\`."
	echo "-noqmin: qname minimisation off (Unbound \`qname-minimisation: no\`,"
	echo "PowerDNS \`qname-minimization=no\`). Median (min-max) over the rounds; the"
	echo "ratios are of medians, against plain (plain-noqmin for -noqmin rows)."
	echo "Wall time: ${elapsed} s."
	echo
	tables
	echo
}
bench_report "bench/cold.sh -n $n -r $rounds -c $workers -d $delay" section
finish
