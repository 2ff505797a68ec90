#!/usr/bin/env bash
# bench/attack.sh - an MX answer built to cost the resolver (issue 7's
# attack benchmark): what plain Unbound and Unbound + mxguard spend on it,
# side by side, from the same build and otherwise the same unbound.conf.
#
# NSD serves atk.test, whose wildcard MX has EXCHANGES exchanges with long
# names (about 250 octets each) under ex.test; ex.test is a stub zone
# whose only server is tests/tools/blackhole.c, which reads every query and
# answers none (Unbound times out, as with a dead server, rather than
# getting ICMP errors).  dnsperf asks MX for random names under atk.test,
# one instance over UDP and one over TCP (-T 1 each: 2 threads), for
# SECONDS, while tests/tools/steady-client.c sends ordinary queries (A and MX of
# ok.test, cached beforehand) at a steady rate and times them.  Unbound:
# num-threads 2.  mxguard.conf: max-exchanges 8, stats-max-memory 32m
# (stats-max-domains left at 10000: a domain keeping 16 exchanges of 250
# octets costs over 4 KiB, so the memory bound is the one reached, and a
# larger stats-max-domains would only grow the table's bucket array, which
# stats-max-memory does not count), log-rate 5, and lookups-per-thread 256 when the installed
# mxguard-checkconf accepts that option.
#
# Per system, sampled every second: Unbound's RSS (VmRSS), its
# requestlist (total.requestlist.current.all) and mxguard's own memory
# figure (mem.mod.dynlibmod); at the end: total.requestlist.max, upstream
# queries (NSD's num.queries + what reached the blackhole) per client MX
# query sent, the bytes of Unbound's log (verbosity 1, use-syslog no) and
# the ordinary queries' p50/p99.  Targets (full mode): RSS growth <=
# plain's + stats-max-memory + 16 MiB; upstream queries per MX query <=
# 2 x max-exchanges; ordinary p99 <= 1.1 x plain's; log bytes <= (log-rate
# x seconds up + 20 x log-rate) x 1 KiB + the startup lines; with
# lookups-per-thread, requestlist max <= plain's + lookups-per-thread.
#
#   bench/attack.sh [--smoke] [-e EXCHANGES] [-l SECONDS] [-u UDP-QPS]
#                   [-t TCP-QPS] [-r STEADY-QPS] [-o FILE]
#
# Default: 1024 exchanges, 60 s per system, 100 + 50 MX queries a second
# (UDP + TCP: at 300 + 100 the load side, NSD sending 21 KB answers over
# TCP and dnsperf on one shared CPU, fell behind even for plain Unbound),
# 100 ordinary queries a second; writes
# bench/results/attack.md.  --smoke: 64 exchanges, 5 s, no file, no
# targets.  Last line: "bench: N passed, N failed": a system's run passes
# when it went end to end with its figures read; in full mode each target
# is a check too, failed when missed.
. "$(dirname "$0")/lib.sh"
n_ex=1024 secs=60 udp_qps=100 tcp_qps=50 steady_qps=100 n_random=200000 drain_max=30 results=$top/bench/results/attack.md
bench_init attack "-e:n_ex:EXCHANGES -l:secs:SECONDS -u:udp_qps:UDP-QPS -t:tcp_qps:TCP-QPS -r:steady_qps:STEADY-QPS -o:results:FILE" \
    'n_ex=64 secs=5 udp_qps=100 tcp_qps=50 steady_qps=50 n_random=2000 drain_max=5 results=""' "$@"
bench_need nsd:nsd nsd-control:nsd dig:bind9-dnsutils dnsperf:dnsperf taskset:util-linux
bench_need_build sbin/unbound sbin/unbound-control lib/unbound/mxguard.so "$tools/blackhole" "$tools/steady-client"
bench_placement "Unbound (2 threads) on CPU 0; dnsperf, the steady client, NSD and the blackhole on CPU $(($(nproc) - 1)) (taskset)"

# The mxguard settings under test.
max_ex=8 stats_mem_mib=32 log_rate=5 lookups=256

# --- lookups-per-thread: only when this mxguard knows it ----------------
checkconf=$prefix/sbin/mxguard-checkconf
printf 'mxguard:\n\tlookups-per-thread: %s\n' "$lookups" >"$work/probe.conf"
if [ -x "$checkconf" ] && "$checkconf" "$work/probe.conf" >/dev/null 2>"$work/probe.err"; then
	has_budget=1
	say "mxguard-checkconf accepts lookups-per-thread: set to $lookups"
else
	has_budget=0
	say "lookups-per-thread not accepted by $checkconf ($(head -n 1 "$work/probe.err" 2>/dev/null)): not set"
fi

# --- zones and query files ----------------------------------------------
# Exchange i: "e<i>" then three long labels shared by all, in ex.test:
# about 250 octets, while a compressed MX record stays small enough for
# 1,024 of them to fit one TCP answer.
mkdir -p "$work/zones"
awk -v n="$n_ex" -v w="$work/zones" 'BEGIN {
	a = "a"; while (length(a) < 63) a = a "a"
	b = "b"; while (length(b) < 63) b = b "b"
	c = "c"; while (length(c) < 50) c = c "c"
	f = w "/atk.test.zone"
	print "$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 3600\n@ NS ns\nns A 127.0.0.1" >f
	for (i = 0; i < n; i++) printf "* MX 10 e%d.%s.%s.%s.ex.test.\n", i, a, b, c >f
	f = w "/ok.test.zone"
	print "$TTL 86400\n@ SOA ns hostmaster 1 3600 600 86400 86400\n@ NS ns\nns A 127.0.0.1" >f
	for (i = 0; i < 200; i++)
		printf "d%d A 192.0.2.%d\nd%d MX 10 mx%d\nmx%d A 198.51.100.%d\nmx%d AAAA 2001:db8::%x\n", i, i % 250 + 1, i, i, i, i % 250 + 1, i, i >f
}'
# The ordinary queries: A and MX of ok.test, 4 to 1; warmed once before
# the attack so that every one is a cache hit.
awk 'BEGIN { for (i = 0; i < 200; i++) { printf "d%d.ok.test A\n", i; if (i % 4 == 0) printf "d%d.ok.test MX\n", i } }' >"$work/ordinary"
awk '{ print; if ($2 == "MX") { sub(/^d/, "mx", $1); print $1, "A"; print $1, "AAAA" } }' "$work/ordinary" >"$work/warm"
# Random names, a different half for each dnsperf.
awk -v n="$n_random" -v w="$work" 'BEGIN {
	srand(1024)
	s = "abcdefghijklmnopqrstuvwxyz0123456789"
	for (i = 0; i < n; i++) {
		l = ""
		for (j = 0; j < 16; j++) l = l substr(s, int(rand() * 36) + 1, 1)
		printf "%s.atk.test MX\n", l >(w "/random." (i % 2 ? "tcp" : "udp"))
	}
}'

# --- NSD, with its statistics over a control socket ---------------------
nsd_port=$(free_port) bh_port=$(free_port)
nsd_ctl=1 nsd_start "$nsd_port" atk.test ok.test
nsd_queries() { nsd-control -c "$work/nsd.conf" stats_noreset 2>/dev/null | sed -n 's/^num.queries=//p'; }
[ -n "$(nsd_queries)" ] || bench_abort "NSD did not start, or gives no statistics: $(tail -n 3 "$work/nsd.log")"
ans_size=$(dig @127.0.0.1 -p "$nsd_port" +tcp +time=2 +tries=1 x.atk.test MX 2>/dev/null | sed -n 's/^;; MSG SIZE  rcvd: //p')
ans_count=$(dig @127.0.0.1 -p "$nsd_port" +tcp +time=2 +tries=1 +noall +answer x.atk.test MX 2>/dev/null | grep -c 'IN.MX')
say "NSD: the wildcard MX answer has $ans_count records, $ans_size octets over TCP"
bh_pid=$($cpu_load "$tools/blackhole" -l "$bh_port" -c "$work/blackhole.count" -t 3600 -b) || bench_abort "blackhole did not start"
pids="$pids $bh_pid"
# bh_count FIELD: one count of the blackhole's file.
bh_count() { tr ' ' '\n' <"$work/blackhole.count" | sed -n "s/^$1=//p"; }
bh_total() { echo $(($(bh_count udp) + $(bh_count tcp_queries))); }

# nsd_delta KEY DIR: an NSD counter's growth over the attack.
nsd_delta() { echo $(( $(sed -n "s/^$1=//p" "$2/nsd1.stats") - $(sed -n "s/^$1=//p" "$2/nsd0.stats") )); }

# --- one system ---------------------------------------------------------
# run SYSTEM: a fresh Unbound, warmed with the ordinary queries, then the
# attack beside them; appends one line to $work/raw, its samples to
# $work/SYSTEM.samples.
run() {
	local sys=$1 d=$work/$1 p t0 log0 nsd0 bh0 nsd1 bh1 \
	    sampler up mxq lat rss0 rss_peak rss_end hwm log1 up_s rl_cur_max rl_max mem_max \
	    mxg_budget="" i c0 c1 w0 w1 cpu cpu_q internal_max load0
	mkdir -p "$d"
	p=$(free_port)
	[ "$sys" = plain ] || {
		printf 'mxguard:\n\tmax-exchanges: %s\n\tstats-max-memory: %sm\n' "$max_ex" "$stats_mem_mib"
		printf '\tlog-rate: %s\n' "$log_rate"
		printf '\tstats-interval: 0\n\tstats-file: "%s"\n' "$d/stats.json"
		[ "$has_budget" -eq 1 ] && printf '\tlookups-per-thread: %s\n' "$lookups"
	} >"$d/mxguard.conf"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	system_start "$sys" "$d" "$p" "$nsd_port" "	num-threads: 2
	extended-statistics: yes
stub-zone:
	name: \"ex.test.\"
	stub-addr: 127.0.0.1@$bh_port" atk.test ok.test || { bench_fail; return; }
	t0=$(date +%s.%N)
	log0=$(fsize "$d/unbound.log")
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/warm" -n 1 -c 2 -q 20 -t 5 >"$d/warm.out" 2>&1
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/warm" -n 1 -c 2 -q 20 -t 5 >>"$d/warm.out" 2>&1
	sleep 1

	# The sampler: seconds since the attack began, RSS KiB, requestlist,
	# mxguard's memory figure, and the most internal queries (requestlist
	# entries no client asked for: the exchanges' lookups, the iterator's
	# own) one thread has.
	(
		start=$(date +%s)
		while :; do
			s=$(($(date +%s) - start))
			ub_control "$d" stats_noreset >"$d/sample.stats" 2>/dev/null
			echo "$s $(kib VmRSS "$ub_pid") $(ub_stat total.requestlist.current.all "$d/sample.stats") $(ub_stat mem.mod.dynlibmod "$d/sample.stats") $(awk -F= '
			    /^thread[0-9]*\.requestlist\.current\.all=/ { split($1, t, "."); all[t[1]] = $2 }
			    /^thread[0-9]*\.requestlist\.current\.user=/ { split($1, t, "."); user[t[1]] = $2 }
			    END { for (k in all) if (all[k] - user[k] > m) m = all[k] - user[k]; print m + 0 }' "$d/sample.stats")"
			sleep 1
		done
	) >"$d/samples" 2>/dev/null &
	sampler=$!
	rss0=$(kib VmRSS "$ub_pid")
	nsd0=$(nsd_queries) bh0=$(bh_total)
	c0=$(cpu_ns "$ub_pid") w0=$(date +%s.%N)
	nsd-control -c "$work/nsd.conf" stats_noreset >"$d/nsd0.stats" 2>&1
	$cpu_load dnsperf -s 127.0.0.1 -p "$p" -d "$work/random.udp" -c 4 -T 1 -q 500 -Q "$udp_qps" -l "$secs" -t 5 >"$d/udp.out" 2>&1 &
	local u_pid=$!
	$cpu_load dnsperf -m tcp -s 127.0.0.1 -p "$p" -d "$work/random.tcp" -c 4 -T 1 -q 500 -Q "$tcp_qps" -l "$secs" -t 5 >"$d/tcp.out" 2>&1 &
	local t_pid=$!
	lat=$($cpu_load "$tools/steady-client" -p "$p" -f "$work/ordinary" -r "$steady_qps" -l "$secs" -t 2000)
	wait "$u_pid" "$t_pid"
	c1=$(cpu_ns "$ub_pid") w1=$(date +%s.%N)
	# Queries and lookups still on their way (timeouts against the
	# blackhole): up to $drain_max s for the requestlist to empty before
	# counting.
	drain=">$drain_max"
	for i in $(seq 1 "$drain_max"); do
		sleep 1
		ub_control "$d" stats_noreset >"$d/drain.stats" 2>/dev/null
		[ "$(ub_stat total.requestlist.current.all "$d/drain.stats")" = 0 ] && { drain=$i; break; }
	done
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	nsd1=$(nsd_queries) bh1=$(bh_total)
	nsd-control -c "$work/nsd.conf" stats_noreset >"$d/nsd1.stats" 2>&1
	rss_end=$(kib VmRSS "$ub_pid") hwm=$(kib VmHWM "$ub_pid")
	up_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
	log1=$(fsize "$d/unbound.log")
	ub_control "$d" stats_noreset >"$d/stats" 2>&1
	unbound_stop "$ub_pid"
	sed "s/^/$sys /" "$d/samples" >>"$work/samples"

	mxq=$(( $(dnsperf_field "Queries sent" "$d/udp.out") + $(dnsperf_field "Queries sent" "$d/tcp.out") ))
	rss_peak=$(awk -v m="$rss0" '$2 > m { m = $2 } END { print m }' "$d/samples")
	rl_cur_max=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$d/samples")
	mem_max=$(awk '$4 > m { m = $4 } END { print m + 0 }' "$d/samples")
	internal_max=$(awk '$5 > m { m = $5 } END { print m + 0 }' "$d/samples")
	rl_max=$(ub_stat total.requestlist.max "$d/stats")
	if [ "$sys" != plain ] && [ -s "$d/stats.json" ]; then
		# The module's "other" counters (unchecked, log lines suppressed,
		# and whatever it counts of its lookup budget).
		mxg_budget=$(grep -o '"other": {[^}]*}' "$d/stats.json" | sed 's/"other": {//; s/}//; s/"//g; s/: */=/g; s/,//g')
	fi
	# Unbound's CPU over the attack, % of one CPU, and per MX query.
	cpu=$(ratio "$((c1 - c0))" "$(awk -v s="$w0" -v e="$w1" 'BEGIN { print e - s }')" %.0f 1e-7)
	cpu_q=$(ratio "$((c1 - c0))" "$mxq" %.0f 1e-3)
	case $lat in sent=*) ;; *) bench_fail "$sys: the steady client printed no figures"; return ;; esac
	if [ "$mxq" -le 0 ] || [ -z "$rl_max" ] || [ -z "$rss_end" ] || [ ! -s "$d/samples" ]; then
		bench_fail "$sys: no figures (MX queries sent $mxq, requestlist max '${rl_max}')"; return
	fi
	passed=$((passed + 1))
	echo "$sys mx_sent=$mxq udp_completed=$(dnsperf_field "Queries completed" "$d/udp.out") tcp_completed=$(dnsperf_field "Queries completed" "$d/tcp.out") nsd_queries=$((nsd1 - nsd0)) blackhole_queries=$((bh1 - bh0)) rss_start_kib=$rss0 rss_peak_kib=$rss_peak rss_end_kib=$rss_end hwm_kib=$hwm requestlist_current_max=$rl_cur_max requestlist_max=$rl_max internal_max_per_thread=$internal_max module_mem_max=$mem_max module_mem_end=$(ub_stat mem.mod.dynlibmod "$d/stats") log_startup=$log0 log_bytes=$log1 up_s=$up_s load_before=$load0 load_after=$(cut -d' ' -f1 /proc/loadavg) server_cpu=$cpu cpu_us_per_mx=$cpu_q drain_s=$drain requestlist_after=$(ub_stat total.requestlist.current.all "$d/stats") nsd_udp=$(nsd_delta num.udp "$d") nsd_tcp=$(nsd_delta num.tcp "$d") mx_avg_latency_s=$(dnsperf_field "Average Latency (s)" "$d/udp.out")/$(dnsperf_field "Average Latency (s)" "$d/tcp.out") $lat $mxg_budget" >>"$raw"
	say "$(tail -n 1 "$raw")"
}

started=$(date +%s)
run plain
run mxguard
elapsed=$(($(date +%s) - started))

# --- figures and targets ------------------------------------------------
v() { vals "$2" "$1"; }	# SYSTEM KEY: one figure of SYSTEM's raw line
verdicts=""
# target NAME MET DETAIL: a target's verdict; in full mode a check.
target() {
	local word=met
	[ "$2" -eq 1 ] || word=MISSED
	verdicts="$verdicts| $1 | $3 | $word |
"
	say "target $1: $word ($3)"
	[ "$smoke" -eq 1 ] && return
	if [ "$2" -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
if [ "$(grep -c . "$raw" 2>/dev/null)" -eq 2 ]; then
	g_plain=$(( $(v plain rss_peak_kib) - $(v plain rss_start_kib) ))
	g_mxg=$(( $(v mxguard rss_peak_kib) - $(v mxguard rss_start_kib) ))
	bound=$(( g_plain + (stats_mem_mib + 16) * 1024 ))
	target "RSS growth" $(( g_mxg <= bound ? 1 : 0 )) \
	    "$((g_mxg / 1024)) MiB <= plain's $((g_plain / 1024)) MiB + ${stats_mem_mib} MiB + 16 MiB = $((bound / 1024)) MiB"
	up=$(awk -v a="$(v mxguard nsd_queries)" -v b="$(v mxguard blackhole_queries)" -v q="$(v mxguard mx_sent)" 'BEGIN { printf "%.2f", (a + b) / q }')
	target "upstream queries per MX query" "$(awk -v u="$up" -v m="$max_ex" 'BEGIN { print (u <= 2 * m) ? 1 : 0 }')" \
	    "$up <= 2 x max-exchanges = $((2 * max_ex))"
	p99p=$(v plain p99_us) p99m=$(v mxguard p99_us)
	target "ordinary p99" "$(awk -v a="$p99m" -v b="$p99p" 'BEGIN { print (a <= 1.1 * b) ? 1 : 0 }')" \
	    "$(awk -v a="$p99m" -v b="$p99p" 'BEGIN { printf "%.2f ms <= 1.1 x plain %.2f ms = %.2f ms", a / 1e3, b / 1e3, 1.1 * b / 1e3 }')"
	budget=$(( (log_rate * $(v mxguard up_s) + 20 * log_rate) * 1024 + $(v mxguard log_startup) ))
	target "log bytes" $(( $(v mxguard log_bytes) <= budget ? 1 : 0 )) \
	    "$(v mxguard log_bytes) <= ($log_rate x $(v mxguard up_s) s + 20 x $log_rate) x 1024 + $(v mxguard log_startup) startup = $budget"
	if [ "$has_budget" -eq 1 ]; then
		rl_bound=$(( $(v plain internal_max_per_thread) + lookups ))
		target "outstanding lookups <= budget" $(( $(v mxguard internal_max_per_thread) <= rl_bound ? 1 : 0 )) \
		    "internal queries of one thread, most sampled: $(v mxguard internal_max_per_thread) <= plain's $(v plain internal_max_per_thread) + lookups-per-thread $lookups = $rl_bound"
	fi
fi

# --- report -------------------------------------------------------------
table() {
	local s
	hdr system "MX queries sent" "answered UDP + TCP" "MX latency avg s, UDP / TCP" "Unbound CPU %" "CPU µs per MX query" \
	    "upstream queries, NSD + blackhole" "upstream / MX query" "ordinary p50 ms" "ordinary p99 ms" "ordinary lost"
	for s in $(cut -d' ' -f1 "$raw"); do
		row "$s" "$(v "$s" mx_sent)" "$(v "$s" udp_completed) + $(v "$s" tcp_completed)" "$(v "$s" mx_avg_latency_s)" \
		    "$(v "$s" server_cpu)" "$(v "$s" cpu_us_per_mx)" "$(v "$s" nsd_queries) + $(v "$s" blackhole_queries)" \
		    "$(ratio "$(($(v "$s" nsd_queries) + $(v "$s" blackhole_queries)))" "$(v "$s" mx_sent)")" \
		    "$(ratio "$(v "$s" p50_us)" 1000)" "$(ratio "$(v "$s" p99_us)" 1000)" "$(v "$s" lost) of $(v "$s" sent)"
	done
	echo
	hdr system "RSS start MiB" "RSS peak MiB" "RSS growth MiB" "RSS at the end MiB" "mxguard memory figure, max MiB" \
	    "requestlist, max of samples" "requestlist.max (one thread)" "internal queries, one thread, max of samples" \
	    "requestlist empty after the attack, s" "log bytes (startup)"
	for s in $(cut -d' ' -f1 "$raw"); do
		row "$s" "$(ratio "$(v "$s" rss_start_kib)" 1024 %.1f)" "$(ratio "$(v "$s" rss_peak_kib)" 1024 %.1f)" \
		    "$(ratio "$(($(v "$s" rss_peak_kib) - $(v "$s" rss_start_kib)))" 1024 %.1f)" "$(ratio "$(v "$s" rss_end_kib)" 1024 %.1f)" \
		    "$([ "$s" = plain ] && echo - || ratio "$(v "$s" module_mem_max)" 1048576 %.1f)" "$(v "$s" requestlist_current_max)" \
		    "$(v "$s" requestlist_max)" "$(v "$s" internal_max_per_thread)" \
		    "$(v "$s" drain_s)$(case $(v "$s" drain_s) in '>'*) echo " ($(v "$s" requestlist_after) left)" ;; esac)" \
		    "$(v "$s" log_bytes) ($(v "$s" log_startup))"
	done
}
# RSS and requestlist every 10 s (and the last sample).
series() {
	echo "| s | plain RSS MiB | mxguard RSS MiB | plain requestlist | mxguard requestlist | mxguard memory MiB |"
	echo "|---|---|---|---|---|---|"
	awk -v step="$([ "$smoke" -eq 1 ] && echo 1 || echo 10)" '
	{ t = $2; if (t > last) last = t; rss[$1, t] = $3; rl[$1, t] = $4; mem[$1, t] = $5 }
	END {
		for (t = 0; t <= last; t++) {
			if (t % step && t != last) continue
			printf "| %d | %s | %s | %s | %s | %s |\n", t,
			    (("plain", t) in rss) ? sprintf("%.1f", rss["plain", t] / 1024) : "-",
			    (("mxguard", t) in rss) ? sprintf("%.1f", rss["mxguard", t] / 1024) : "-",
			    (("plain", t) in rl) ? rl["plain", t] : "-", (("mxguard", t) in rl) ? rl["mxguard", t] : "-",
			    (("mxguard", t) in mem) && mem["mxguard", t] != "" ? sprintf("%.1f", mem["mxguard", t] / 1048576) : "-"
		}
	}' "$work/samples"
}
section() {
	echo "## 7. An MX answer built to cost the resolver (bench/attack.sh)"
	echo
	echo "NSD serves a wildcard MX of $n_ex exchanges ($ans_count records, $ans_size"
	echo "octets over TCP), each name about 250 octets, under ex.test, a zone whose"
	echo "only server (tests/tools/blackhole.c) reads every query and answers none."
	echo "dnsperf asks MX for random names under the wildcard for $secs s, over UDP"
	echo "(-Q $udp_qps) and over TCP (-Q $tcp_qps) at once, one thread each, while"
	echo "tests/tools/steady-client.c sends $steady_qps ordinary queries a second (A and"
	echo "MX of ok.test, 4 to 1, cached beforehand) and times them (a query lost"
	echo "after 2 s counts as 2 s). Unbound: num-threads 2, verbosity 1, Unbound's"
	echo "default cache sizes; one fresh Unbound per system, plain first."
	echo "mxguard.conf: max-exchanges $max_ex, stats-max-memory ${stats_mem_mib}m,"
	echo "stats-max-domains 10000 (default; at over 4 KiB a domain the memory bound is reached first),"
	echo "log-rate $log_rate, prefetch wait (default)$([ "$has_budget" -eq 1 ] && echo ", lookups-per-thread $lookups")."
	[ "$has_budget" -eq 1 ] || echo "The lookup budget option (lookups-per-thread) is not present in this build: its mxguard-checkconf refuses it, so it was not set and its target is not checked."
	echo "RSS growth: peak VmRSS during the attack minus VmRSS when it began;"
	echo "upstream queries: NSD's num.queries plus what reached the blackhole"
	echo "(UDP datagrams and TCP messages), over the MX queries dnsperf sent;"
	echo "log bytes: size of Unbound's logfile $([ "$smoke" -eq 1 ] || echo "before shutdown")"
	echo "(startup: its size once Unbound was up). Wall time: ${elapsed} s."
	echo "The machine is shared: load average (1 min) before and after each system's run:"
	echo "$(awk '{ for (i = 2; i <= NF; i++) { if ($i ~ /^load_before=/) b = substr($i, 13); if ($i ~ /^load_after=/) a = substr($i, 12) } printf "%s%s %s -> %s", n++ ? ", " : "", $1, b, a } END { print "." }' "$raw")"
	echo
	table
	echo
	if [ -n "$verdicts" ]; then
		echo "| target | measured | verdict |"
		echo "|---|---|---|"
		printf '%s' "$verdicts"
		echo
	fi
	echo "Machine of this run (the sections above may come from another):"
	echo
	machine_lines | grep -v -e '^- PowerDNS' -e '^- load average'
	echo "- mxguard.so: sha256 $(sha256sum "$prefix/lib/unbound/mxguard.so" | cut -c1-12), installed $(date -u -r "$prefix/lib/unbound/mxguard.so" '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "RSS, requestlist (total.requestlist.current.all) and mxguard's memory"
	echo "figure (mem.mod.dynlibmod) during the attack:"
	echo
	series
	echo
}
cmd="bench/attack.sh -e $n_ex -l $secs -u $udp_qps -t $tcp_qps -r $steady_qps"
[ "$smoke" -eq 1 ] && cmd="bench/attack.sh --smoke"
bench_report "$cmd" section "$work/samples"
finish
