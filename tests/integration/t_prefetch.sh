#!/usr/bin/env bash
# t_prefetch - the exchanges' addresses: fetched before the client asks
# (wait), after the answer (background), not at all (off); carried in the
# additional section when they live as long as the MX answer; bounded
# by max-exchanges.
#
# Unbound reaches NSD through bench/relay.c (no delay here), which logs
# every query it forwards: that log is the authoritative side's count.
# Its gate file holds address queries at the relay while it exists, which
# shows what an answer did or did not wait for without timing anything.
# One Unbound serves every part; each part writes mxguard.conf and
# reloads it (a reload also empties the caches).  The exchanges live in
# far.test, another zone than the MX owners, so NSD adds no address
# records of its own to the MX answers.  Unbound may add its name
# servers' addresses; the additional-section checks leave those out
# (mxg_additional) and compare everything else whole.
. "$(dirname "$0")/lib.sh"

PF_RELAY=$MXG_TOOLS/relay
PF_RELAY_PORT=$(mxg_free_port)
PF_QLOG=$MXG_DIR/relay.log
PF_GATE=$MXG_DIR/relay.gate
PF_QLOG_MARK=0


# NSD (again): after it was killed on purpose, or to add far.test.
pf_nsd_restart() {
	kill "$MXG_NSD_PID" 2>/dev/null
	wait "$MXG_NSD_PID" 2>/dev/null
	nsd -d -c "$MXG_DIR/nsd.conf" >>"$MXG_NSD_LOG" 2>&1 &
	MXG_NSD_PID=$!
	MXG_PIDS="$MXG_PIDS $!"
	local i
	for i in $(seq 1 50); do
		dig @127.0.0.1 -p "$MXG_NSD_PORT" +time=1 +tries=1 +short \
		    prefetch.test SOA >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

pf_nsd_stop() {
	kill "$MXG_NSD_PID" 2>/dev/null
	wait "$MXG_NSD_PID" 2>/dev/null
}

# NSD with prefetch.test and the same file as far.test; the relay in
# front of it; Unbound with its stub zones at the relay.
pf_start() {
	mxg_zone prefetch.test
	mxg_start_nsd
	cp "$MXG_TOP/tests/zones/prefetch.test.zone" "$MXG_DIR/zones/far.test.zone"
	printf 'zone:\n\tname: "far.test."\n\tzonefile: "far.test.zone"\n' >>"$MXG_DIR/nsd.conf"
	mxg_zone far.test
	pf_nsd_restart || { mxg_fail "nsd started"; mxg_done; }
	local pid
	pid=$("$PF_RELAY" -l "$PF_RELAY_PORT" -u "$MXG_NSD_PORT" -t 600 \
	    -q "$PF_QLOG" -g "$PF_GATE" -b) || { mxg_fail "relay started"; mxg_done; }
	MXG_PIDS="$MXG_PIDS $pid"
	# The stub zones come from MXG_NSD_PORT: point them at the relay.
	if ! MXG_NSD_PORT=$PF_RELAY_PORT mxg_start_unbound; then
		mxg_fail "unbound started"
		mxg_done
	fi
}

# pf_settings MXGUARD.CONF-LINES: new settings, empty caches.
pf_settings() {
	printf 'mxguard:\n%s\n' "$1" | mxg_conf
	mxg_check "reload with: $(echo $1)" mxg_control reload
}

pf_qlog_mark() { PF_QLOG_MARK=$(wc -l <"$PF_QLOG" 2>/dev/null || echo 0); }
# pf_upstream REGEX: how many queries the relay forwarded since the mark
# whose "NAME QTYPE" matches.
pf_upstream() {
	tail -n +"$((PF_QLOG_MARK + 1))" "$PF_QLOG" 2>/dev/null |
	    cut -d' ' -f2- | grep -cE -- "$1"
}

# pf_expect_answer DESCRIPTION EXPECTED NAME TYPE: NOERROR and exactly
# the expected answer section (empty for NODATA), from one query.
pf_expect_answer() {
	local what=$1 want=$2 out rcode got
	out=$(dig @127.0.0.1 -p "$MXG_PORT" +time=3 +tries=1 +nottlid +noclass "$3" "$4")
	rcode=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
	got=$(printf '%s\n' "$out" | sed -n '/ANSWER SECTION:/,/^$/p' |
	    sed '1d;/^$/d' | tr -s ' \t' ' ' | sort)
	want=$(printf '%s\n' "$want" | sed '/^$/d' | sort)
	if [ "$rcode" = NOERROR ] && [ "$got" = "$want" ]; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "wanted: NOERROR $(echo "$want" | tr '\n' '|')" \
		    "got:    ${rcode:-no answer} $(echo "$got" | tr '\n' '|')"
	fi
}

# pf_expect_cachehits DESCRIPTION BEFORE N: N more cache hits than BEFORE.
pf_expect_cachehits() {
	local after
	after=$(mxg_cachehits)
	if [ "$after" = "$(($2 + $3))" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "cache hits before $2, after ${after:-?}, wanted +$3"
	fi
}

# pf_expect_count DESCRIPTION N MIN MAX
pf_expect_count() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		mxg_pass "$1 ($2)"
	else
		mxg_fail "$1" "counted $2, wanted $3..$4"
	fi
}

# The six address answers of fam.prefetch.test's exchanges.
pf_fam_addresses() {
	pf_expect_answer "$1: dual-stack exchange, A" "dual.far.test. A 192.0.2.2" dual.far.test A
	pf_expect_answer "$1: dual-stack exchange, AAAA" "dual.far.test. AAAA 2001:db8::2" dual.far.test AAAA
	pf_expect_answer "$1: IPv4-only exchange, A" "v4.far.test. A 192.0.2.1" v4.far.test A
	pf_expect_answer "$1: IPv4-only exchange, AAAA (NODATA)" "" v4.far.test AAAA
	pf_expect_answer "$1: IPv6-only exchange, A (NODATA)" "" v6.far.test A
	pf_expect_answer "$1: IPv6-only exchange, AAAA" "v6.far.test. AAAA 2001:db8::6" v6.far.test AAAA
}

FAM_MX="
fam.prefetch.test. MX 10 dual.far.test.
fam.prefetch.test. MX 20 v4.far.test.
fam.prefetch.test. MX 30 v6.far.test."

pf_start

# --- wait: the addresses are in cache before the client asks ---------------
pf_settings "	prefetch: wait"
mxg_expect "prefetch wait: the MX answer" "$FAM_MX" fam.prefetch.test MX
pf_nsd_stop
before=$(mxg_cachehits)
pf_fam_addresses "prefetch wait, NSD stopped after the MX answer"
pf_expect_cachehits "prefetch wait: all six address answers were cache hits" "$before" 6
pf_nsd_restart || mxg_fail "nsd restarted"

# --- off: the same steps fail, so the check above can fail ------------------
pf_settings "	prefetch: off"
mxg_expect "prefetch off: the MX answer" "$FAM_MX" fam.prefetch.test MX
pf_nsd_stop
before=$(mxg_cachehits)
got=$(mxg_rcode +time=3 dual.far.test A)
if [ "$got" != NOERROR ]; then
	mxg_pass "prefetch off, NSD stopped: the exchange's A is not answered (${got:-no answer})"
else
	mxg_fail "prefetch off, NSD stopped: the exchange's A is not answered" "got NOERROR"
fi
pf_expect_cachehits "prefetch off: no address answer came from cache" "$before" 0
pf_nsd_restart || mxg_fail "nsd restarted"

# --- additional section (minimal-responses: no, set by the harness) ---------
pf_settings "	prefetch: wait
	additional: yes"
# The exchanges are shared between these MX sets: each first answer gets
# them fresh, since an address cached earlier has less TTL left than the
# new MX answer and stays out of it (see lifetimes below).
pf_fresh() { [ "$1" = "cached answer" ] || mxg_control flush_zone far.test >/dev/null; }
for pass in "first answer" "cached answer"; do
	pf_fresh "$pass"
	mxg_expect_by mxg_additional "additional: yes, IPv4-only exchange ($pass)" "
v4.far.test. A 192.0.2.1" fam4.prefetch.test MX
	pf_fresh "$pass"
	mxg_expect_by mxg_additional "additional: yes, IPv6-only exchange ($pass)" "
v6.far.test. AAAA 2001:db8::6" fam6.prefetch.test MX
	pf_fresh "$pass"
	mxg_expect_by mxg_additional "additional: yes, dual-stack exchange ($pass)" "
dual.far.test. A 192.0.2.2
dual.far.test. AAAA 2001:db8::2" famdual.prefetch.test MX
	pf_fresh "$pass"
	mxg_expect_by mxg_additional "additional: yes, all three exchanges ($pass)" "
dual.far.test. A 192.0.2.2
dual.far.test. AAAA 2001:db8::2
v4.far.test. A 192.0.2.1
v6.far.test. AAAA 2001:db8::6" fam.prefetch.test MX
done
mxg_expect "additional: yes leaves the answer section alone" "$FAM_MX" fam.prefetch.test MX

pf_settings "	prefetch: wait
	additional: no"
mxg_expect_by mxg_additional "additional: no: no address records (upstream sends none for another zone)" \
    "" fam.prefetch.test MX
mxg_expect_by mxg_additional "additional: no: nor on the cached answer" \
    "" fam.prefetch.test MX
before=$(mxg_cachehits)
pf_expect_answer "additional: no: the addresses are still prefetched" \
    "dual.far.test. A 192.0.2.2" dual.far.test A
pf_expect_cachehits "additional: no: and answered from cache" "$before" 1

# --- lifetimes: the MX answer is cached for its own TTL ----------------------
# Unbound drops a cached message as soon as any rrset in it expires, so an
# exchange address shorter-lived than the MX answer stays out of it: the
# busy MX answer is not resolved again each time its addresses expire.
WARM_MX="warm.prefetch.test. MX 10 warm.far.test."
for additional in yes no; do
	pf_settings "	prefetch: wait
	additional: $additional"
	mxg_expect "lifetimes, additional: $additional: the MX answer (TTL 3600)" \
	    "$WARM_MX" warm.prefetch.test MX
	mxg_expect_by mxg_additional "lifetimes, additional: $additional: no address of TTL 2 beside it" \
	    "" warm.prefetch.test MX
	before=$(mxg_cachehits)
	pf_expect_answer "lifetimes, additional: $additional: the A was prefetched" \
	    "warm.far.test. A 192.0.2.3" warm.far.test A
	pf_expect_cachehits "lifetimes, additional: $additional: and answered from cache" "$before" 1
	sleep 3
	pf_qlog_mark
	before=$(mxg_cachehits)
	mxg_expect "lifetimes, additional: $additional: the MX answer after the addresses expired" \
	    "$WARM_MX" warm.prefetch.test MX
	pf_expect_cachehits "lifetimes, additional: $additional: still a cache hit" "$before" 1
	pf_expect_count "lifetimes, additional: $additional: no query upstream for it" \
	    "$(pf_upstream '^warm\.')" 0 0
	before=$(mxg_cachehits)
	pf_expect_answer "lifetimes, additional: $additional: the expired A still resolves" \
	    "warm.far.test. A 192.0.2.3" warm.far.test A
	pf_expect_cachehits "lifetimes, additional: $additional: but not from cache" "$before" 0
done

# --- amplification: 100 exchanges, at most 2 x max-exchanges lookups --------
pf_amplification() {
	local n
	pf_settings "	prefetch: $1
	max-exchanges: $2"
	pf_qlog_mark
	n=$(mxg_dig +tcp amp.prefetch.test MX | grep -c ' MX ')
	pf_expect_count "prefetch $1, max-exchanges $2: the MX answer keeps all 100 records" "$n" 100 100
	[ "$1" = wait ] || sleep 1	# let the detached lookups reach the relay
	n=$(pf_upstream '^ex[0-9]+\.far\.test\. (1|28)$')
	pf_expect_count "prefetch $1, max-exchanges $2: exchange address queries upstream, 1..$(($2 * 2))" \
	    "$n" 1 $(($2 * 2))
	n=$(tail -n +"$((PF_QLOG_MARK + 1))" "$PF_QLOG" | cut -d' ' -f2- |
	    grep -E '^ex[0-9]+\.far\.test\. ' | sort | uniq -d | wc -l)
	pf_expect_count "prefetch $1, max-exchanges $2: no address query asked twice" "$n" 0 0
}
pf_amplification wait 8
pf_amplification wait 3
pf_amplification background 8
pf_amplification wait 64

# --- background: the MX answer does not wait for the addresses -------------
LATE_MX="
late.prefetch.test. MX 10 late1.far.test.
late.prefetch.test. MX 20 late2.far.test."
# pf_cached NAME TYPE: the message cache holds an answer for it.
pf_cached() {
	mxg_control dump_cache 2>/dev/null | grep -q "^msg $1\. IN $2 "
}

pf_settings "	prefetch: background"
pf_qlog_mark
touch "$PF_GATE"
mxg_expect "background: the MX answer comes while every address query is held upstream" \
    "$LATE_MX" late.prefetch.test MX
if ! pf_cached late1.far.test A && ! pf_cached late2.far.test AAAA; then
	mxg_pass "background: when it comes, the addresses are not in cache yet"
else
	mxg_fail "background: when it comes, the addresses are not in cache yet"
fi
rm -f "$PF_GATE"
for i in $(seq 1 100); do
	pf_cached late1.far.test A && pf_cached late1.far.test AAAA &&
	    pf_cached late2.far.test A && pf_cached late2.far.test AAAA && break
	sleep 0.1
done
before=$(mxg_cachehits)
pf_expect_answer "background, later: late1 A" "late1.far.test. A 192.0.2.4" late1.far.test A
pf_expect_answer "background, later: late1 AAAA (NODATA)" "" late1.far.test AAAA
pf_expect_answer "background, later: late2 A" "late2.far.test. A 192.0.2.5" late2.far.test A
pf_expect_answer "background, later: late2 AAAA" "late2.far.test. AAAA 2001:db8::5" late2.far.test AAAA
pf_expect_cachehits "background: the four address answers were cache hits" "$before" 4

# The same probe in wait mode: the addresses are there with the answer.
pf_settings "	prefetch: wait"
mxg_expect "wait: the MX answer" "$LATE_MX" late.prefetch.test MX
if pf_cached late1.far.test A && pf_cached late2.far.test AAAA; then
	mxg_pass "wait: when it comes, the addresses are in cache already"
else
	mxg_fail "wait: when it comes, the addresses are in cache already"
fi
mxg_done
