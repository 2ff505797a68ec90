#!/usr/bin/env bash
# t_faults - the MX answer survives whatever the exchanges' servers do:
# SERVFAIL, REFUSED, garbage, always truncating (UDP and TCP), down (a
# closed port), slow (a relay holding every query longer than Unbound
# waits); an exchange in a CNAME loop or at the head of 10 CNAMEs; 100
# records; a 64 KiB answer (1300 MX records) over TCP.  Each MX answer is served (an
# exchange whose lookup failed is unchecked: fail open) or changed as the
# policy says, never lost, and Unbound stays up; the stats file counts
# every answer, the changes and the unchecked exchanges.  The broken
# zones' own MX queries get SERVFAIL from Unbound.
#
# Down and slow exchange servers are asked twice: with prefetch:
# background (phase 2), and with prefetch: wait, the default (phase 3).
# Unbound takes minutes to give up on a dead or too slow server and
# (Debian's 1.17.1, discard-timeout 1900 ms) drops replies older than
# 1.9 s, so a wait without a bound would lose the MX answer; phase 3
# checks that it is served at mxguard's deadline (module/deadline.c).
# FT_SLOW_PREFETCH=wait runs phase 2 with wait as well.  Phases 4 and 5
# check that what policy decides during such a wait reaches the clients:
# a SERVFAIL, an alias stripped.
#
# The queries of a phase are asked at once, in the background, so that
# the suite waits for Unbound once, not once per case.
. "$(dirname "$0")/lib.sh"

FT_BIN=$MXG_TOOLS/fault-server
FT_RELAY=$MXG_TOOLS/relay

mxg_zone faults.test slow.test
mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
	stats-format: json
CONF
mxg_start_nsd

FT_DOWN=$(mxg_free_port)	# nothing listens there
FT_DEAD=$(mxg_free_port)	# nor there
FT_RELAY_PORT=$(mxg_free_port)
declare -A FT_PORT
for m in servfail refused garbage truncate; do
	FT_PORT[$m]=$(mxg_free_port)
done
pid=$("$FT_BIN" -t 300 "${FT_PORT[servfail]}:servfail" "${FT_PORT[refused]}:refused" \
    "${FT_PORT[garbage]}:garbage" "${FT_PORT[truncate]}:truncate") ||
    { mxg_fail "fault server started"; mxg_done; }
MXG_PIDS="$MXG_PIDS $pid"
# 30 s: longer than Unbound waits for any one reply (its retries back
# off from 376 ms) and far longer than a client waits.
pid=$("$FT_RELAY" -l "$FT_RELAY_PORT" -u "$MXG_NSD_PORT" -d 30000 -t 300 -b) ||
    { mxg_fail "relay started"; mxg_done; }
MXG_PIDS="$MXG_PIDS $pid"

# slow.test is served by NSD, but Unbound reaches it through the relay;
# the other broken zones have no data anywhere.
stubs="	qname-minimisation: no"
stubs="$stubs
stub-zone:
	name: \"down.test.\"
	stub-addr: 127.0.0.1@$FT_DOWN
stub-zone:
	name: \"dead.test.\"
	stub-addr: 127.0.0.1@$FT_DEAD
stub-zone:
	name: \"slow.test.\"
	stub-addr: 127.0.0.1@$FT_RELAY_PORT"
for m in servfail refused garbage truncate; do
	stubs="$stubs
stub-zone:
	name: \"$m.test.\"
	stub-addr: 127.0.0.1@${FT_PORT[$m]}"
done
MXG_ZONES="faults.test"		# the stub for slow.test is the relay
MXG_UNBOUND_EXTRA=$stubs
if ! mxg_start_unbound; then
	mxg_fail "unbound started"
	mxg_done
fi

# ft_ask NAME [DIG-ARGS]: one query in the background; its whole dig
# output in $MXG_DIR/ans.NAME.  dig waits 20 s and does not retry, so an
# answer that never comes shows as "no answer".
ft_ask() {
	local name=$1
	shift
	dig @127.0.0.1 -p "$MXG_PORT" +time=20 +tries=1 +nottlid +noclass "$@" \
	    "$name" MX >"$MXG_DIR/ans.$name" 2>&1 &
	FT_ASKED="$FT_ASKED $!"
}
ft_rcode() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$MXG_DIR/ans.$1"; }
ft_answer() {
	sed -n '/ANSWER SECTION:/,/^$/p' "$MXG_DIR/ans.$1" | sed '1d;/^$/d' |
	    tr -s ' \t' ' ' | sort
}

# ft_expect_served DESCRIPTION NAME EXPECTED: NOERROR, exactly EXPECTED.
ft_expect_served() {
	local got want rcode
	rcode=$(ft_rcode "$2")
	got=$(ft_answer "$2")
	want=$(printf '%s\n' "$3" | sed '/^$/d' | sort)
	if [ "$rcode" = NOERROR ] && [ "$got" = "$want" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted: NOERROR $(echo "$want" | tr '\n' '|')" \
		    "got:    ${rcode:-no answer} $(echo "$got" | tr '\n' '|' | cut -c1-300)"
	fi
}

# ft_down_and_slow BEFORE AFTER: ask the cases whose exchange is on a
# down and on a slow server at once; each MX answer must be served
# unchanged.  BEFORE and AFTER frame the checks' descriptions.
ft_down_and_slow() {
	local b
	for b in down slow; do
		ft_ask "$b.faults.test."
	done
	ft_wait
	for b in down slow; do
		ft_expect_served "${1}exchange on a $b server: $2" \
		    "$b.faults.test." "$b.faults.test. MX 10 mx.$b.test.
$b.faults.test. MX 20 backup.faults.test."
	done
}

# ft_expect_rcode DESCRIPTION NAME RCODE
ft_expect_rcode() {
	local rcode
	rcode=$(ft_rcode "$2")
	if [ "$rcode" = "$3" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted rcode $3, got '${rcode:-no answer}'"
	fi
}

# ft_expect_count DESCRIPTION NAME N: NOERROR with N MX records.
ft_expect_count() {
	local rcode n
	rcode=$(ft_rcode "$2")
	n=$(ft_answer "$2" | grep -c ' MX ')
	if [ "$rcode" = NOERROR ] && [ "$n" = "$3" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted NOERROR with $3 MX records, got ${rcode:-no answer} with $n"
	fi
}

# ft_wait: wait for the queries asked with ft_ask.
FT_ASKED=""
ft_wait() {
	local p
	for p in $FT_ASKED; do
		wait "$p"
	done
	FT_ASKED=""
}

# Phase 1, default settings (prefetch: wait): the fast failures.
fast="servfail refused garbage truncate"
for b in $fast; do
	ft_ask "$b.faults.test."
	ft_ask "$b.test."
done
ft_ask loop.faults.test.
ft_ask deep.faults.test.
ft_ask hundred.faults.test. +tcp
ft_ask huge.faults.test. +tcp
ft_wait

for b in $fast; do
	ft_expect_served "exchange on a $b server: the MX answer is served unchanged (unchecked, fail open)" \
	    "$b.faults.test." "$b.faults.test. MX 10 mx.$b.test.
$b.faults.test. MX 20 backup.faults.test."
	ft_expect_rcode "the $b server's own MX: SERVFAIL from Unbound" "$b.test." SERVFAIL
done

# A CNAME loop: the exchange's lookup fails (SERVFAIL), so it is
# unchecked and kept (fail open).  10 CNAMEs: Unbound follows the chain,
# the exchange is an alias, the default cname-policy strip drops it.
ft_expect_served "exchange in a CNAME loop: its lookup fails, the answer is served unchanged" \
    loop.faults.test. "loop.faults.test. MX 10 a.loop.faults.test.
loop.faults.test. MX 20 backup.faults.test."
ft_expect_served "exchange at the head of 10 CNAMEs: stripped as an alias, the backup served" \
    deep.faults.test. "deep.faults.test. MX 20 backup.faults.test."
ft_expect_count "100 MX records, over TCP, all served" hundred.faults.test. 100
ft_expect_count "1300 MX records (a 64 KiB answer upstream), over TCP, all served" huge.faults.test. 1300
size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' "$MXG_DIR/ans.huge.faults.test.")
mxg_check "the 1300-record answer to the client is over 60 KiB (${size:-?} octets)" [ "${size:-0}" -gt 61440 ]

# Phase 2: exchanges on a down and on a slow server.
printf 'mxguard:\n\tprefetch: %s\n\tstats-interval: 1\n\tstats-file: "%s"\n' \
    "${FT_SLOW_PREFETCH:-background}" "$MXG_DIR/stats2.json" | mxg_conf
mxg_check "reload with prefetch: ${FT_SLOW_PREFETCH:-background}" mxg_control reload
ft_down_and_slow "" "the MX answer is served unchanged (unchecked, fail open)"

mxg_check "Unbound is still up" mxg_control status

# The stats files (the first one's final report was written at the
# reload): every MX answer served above counted, none lost; one answer
# changed (the chain stripped); the exchanges whose lookups failed
# counted as unchecked.
stats_json() { jq -r "$1" "$MXG_DIR/${2:-stats.json}" 2>/dev/null; }
mxg_check "phase 1: the stats file counts the 8 MX answers served" [ "$(stats_json .answers.resolved)" = 8 ]
mxg_check "phase 1: one answer changed (the chain stripped), one alias fault" \
    [ "$(stats_json '[.actions.changed, .faults.alias] | join(" ")')" = "1 1" ]
unchecked=$(stats_json .other.unchecked)
# 4 broken servers + the loop, and the exchanges of hundred and huge past
# max-exchanges (8) are not looked up.
mxg_check "phase 1: the exchanges on broken servers and in the loop are counted unchecked (${unchecked:-?})" \
    [ "${unchecked:-0}" -ge 5 ]
for i in $(seq 1 50); do
	[ "$(stats_json .answers.resolved stats2.json)" = 2 ] && break
	sleep 0.1
	mxg_tick
done
mxg_check "phase 2: the stats file counts the 2 MX answers served" [ "$(stats_json .answers.resolved stats2.json)" = 2 ]
# background: nothing is known yet when the first answer is decided, so
# both exchanges of each answer are unchecked.
mxg_check "phase 2: the 4 exchanges of those answers are unchecked" \
    [ "$(stats_json .other.unchecked stats2.json)" = 4 ]

# Phase 3: the same with prefetch: wait, the default.  The exchanges'
# lookups outlast Unbound's discard-timeout (clients waiting longer get no
# reply at all), so mxguard answers them from the cache at its deadline,
# with the answer policed as far as it is known (the exchanges fail open).
printf 'mxguard:\n\tprefetch: wait\n' | mxg_conf
mxg_check "reload with prefetch: wait" mxg_control reload
ft_down_and_slow "prefetch wait, " "the MX answer is served at the deadline"
mxg_check "Unbound is still up after the deadlines" mxg_control status

# Phases 4 and 5: what policy decides while an exchange's lookup hangs
# (mx.dead.test, a server of its own, so that nothing asked before has
# a bearing) reaches the clients: a SERVFAIL by cname-policy (Unbound
# 1.26 does not serve a cached SERVFAIL at the deadline), and with the
# default strip, the alias stripped.  Each alias is a fast lookup, learned
# during the wait; sfcached's was in the cache before the MX query.
printf 'mxguard:\n\tprefetch: wait\n\tcname-policy: servfail\n' | mxg_conf
mxg_check "reload with cname-policy: servfail" mxg_control reload
mxg_check "the alias of sfcached is in the cache" \
    dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 alias.sfcached.faults.test. A
ft_ask sfwait.faults.test.
ft_ask sfcached.faults.test.
ft_wait
ft_expect_rcode "cname-policy servfail, other exchange down, alias learned during the wait: SERVFAIL" \
    sfwait.faults.test. SERVFAIL
ft_expect_rcode "cname-policy servfail, other exchange down, alias in the cache: SERVFAIL" \
    sfcached.faults.test. SERVFAIL

printf 'mxguard:\n\tprefetch: wait\n' | mxg_conf
mxg_check "reload with the default cname-policy (strip)" mxg_control reload
ft_ask stripwait.faults.test.
ft_wait
ft_expect_served "cname-policy strip, other exchange down, alias learned during the wait: stripped" \
    stripwait.faults.test. "stripwait.faults.test. MX 20 mx.dead.test."
mxg_check "Unbound is still up after phases 4 and 5" mxg_control status

mxg_done
