#!/usr/bin/env bash
# t_bounds - the exchange lookups are bounded across answers: a thread
# has at most lookups-per-thread of them out (the rest of an answer's
# exchanges are judged on the cache, fail open, and counted); the budget
# comes back as lookups return, attached or detached; and an MX query
# whose clients were answered at the deadline ends with the first lookup
# back after it, instead of waiting on for servers that never answer.
. "$(dirname "$0")/lib.sh"

BD_FAULT=$MXG_TOOLS/fault-server
BD_RELAY=$MXG_TOOLS/relay
BD_GATE=$MXG_DIR/gate

bd_conf() {	# extra mxguard.conf lines
	mxg_conf <<CONF
mxguard:
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
$1
CONF
}
bd_conf "	lookups-per-thread: 2"

mxg_zone bounds.test gate.test
mxg_start_nsd
BD_SILENT=$(mxg_free_port)
BD_RELAY_PORT=$(mxg_free_port)
pid=$("$BD_FAULT" -t 300 "$BD_SILENT:silent") ||
    { mxg_fail "fault server started"; mxg_done; }
MXG_PIDS="$MXG_PIDS $pid"
pid=$("$BD_RELAY" -l "$BD_RELAY_PORT" -u "$MXG_NSD_PORT" -g "$BD_GATE" -t 300 -b) ||
    { mxg_fail "relay started"; mxg_done; }
MXG_PIDS="$MXG_PIDS $pid"
MXG_ZONES="bounds.test"		# gate.test is reached through the relay
MXG_UNBOUND_EXTRA="	qname-minimisation: no
stub-zone:
	name: \"gate.test.\"
	stub-addr: 127.0.0.1@$BD_RELAY_PORT
stub-zone:
	name: \"silent.test.\"
	stub-addr: 127.0.0.1@$BD_SILENT"
mxg_start_unbound || { mxg_fail "unbound started"; mxg_done; }

# bd_counts: "prefetches over-budget" from the stats file, once the
# report after the last query is written (it counts ANSWERS answers).
bd_counts() {	# ANSWERS
	local i
	for i in $(seq 1 50); do
		[ "$(jq -r '.answers.resolved' "$MXG_DIR/stats.json" 2>/dev/null)" = "$1" ] && break
		sleep 0.1
		mxg_tick
	done
	jq -r '"\(.other.prefetches) \(.other.lookups_over_budget)"' "$MXG_DIR/stats.json" 2>/dev/null
}
bd_expect_counts() {	# DESCRIPTION ANSWERS "PREFETCHES OVER"
	local got
	got=$(bd_counts "$2")
	if [ "$got" = "$3" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted prefetches, over budget: $3" "got: ${got:-no stats file}"
	fi
}
bd_served() {	# NAME: all four exchanges answered
	[ "$(mxg_dig "$1" MX | grep -c ' MX ')" = 4 ]
}

# Four exchanges want 8 lookups; the budget lets 2 go.
mxg_check "budget 2: four1's four exchanges served" bd_served four1.bounds.test
bd_expect_counts "budget 2: 2 lookups sent, 6 counted over budget" 1 "2 6"
# The two came back to the query that asked: the budget is free again.
mxg_check "budget 2: four2's four exchanges served" bd_served four2.bounds.test
bd_expect_counts "budget 2: lookups that came back free the budget" 2 "4 12"

# Detached lookups (prefetch: background) nobody waits for: they leave
# the budget once Unbound has ended them (a full ledger is swept once a
# second).
bd_conf "	lookups-per-thread: 2
	prefetch: background"
mxg_check "reload with prefetch: background" mxg_control reload
mxg_check "background, budget 2: four3 served" bd_served four3.bounds.test
bd_expect_counts "background, budget 2: 2 lookups sent, 6 over budget" 1 "2 6"
sleep 1.5
mxg_check "background, budget 2: four4 served" bd_served four4.bounds.test
bd_expect_counts "background, budget 2: ended detached lookups free the budget" 2 "4 12"

bd_conf "	lookups-per-thread: 0"
mxg_check "reload with lookups-per-thread: 0" mxg_control reload
mxg_check "budget 0: four5 served, its exchanges unchecked" bd_served four5.bounds.test
bd_expect_counts "budget 0: no lookup sent, 8 over budget" 1 "0 8"

# The deadline.  linger's exchanges: mx.gate.test, whose lookups the
# relay holds while the gate file exists, and mx.silent.test, whose
# server never answers.  The clients get the answer at the deadline;
# once the gate opens and a lookup comes back, the MX query must end,
# while the silent server's lookups are still out.
bd_conf ""
mxg_check "reload with the defaults" mxg_control reload
bd_listed() { mxg_control dump_requestlist 2>/dev/null | grep -c "$1"; }
touch "$BD_GATE"
start=$(date +%s%N)
answer=$(mxg_dig linger.bounds.test MX | grep -c ' MX ')
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$answer" = 2 ]; then
	mxg_pass "lookups held: the MX answer is served at the deadline (${ms} ms)"
else
	mxg_fail "lookups held: the MX answer is served at the deadline" "got $answer records after ${ms} ms"
fi
mxg_check "while they are held, the MX query waits for its lookups" \
    [ "$(bd_listed 'linger.bounds.test')" -ge 1 ]
rm -f "$BD_GATE"
ended=0
for i in $(seq 1 200); do
	if [ "$(bd_listed 'linger.bounds.test')" = 0 ]; then
		ended=1
		break
	fi
	sleep 0.1
done
silent=$(bd_listed 'mx.silent.test')
if [ "$ended" = 1 ] && [ "$silent" -ge 1 ]; then
	mxg_pass "the gate open: the MX query ended, the silent server's lookups still out ($silent)"
else
	mxg_fail "the gate open: the MX query ended, the silent server's lookups still out" \
	    "MX query ended: $ended, silent lookups listed: $silent" \
	    "$(mxg_control dump_requestlist 2>&1 | head -n 8)"
fi

# Answers that wait are bounded by the budget too: with 3 lookups and
# one exchange an answer (2 lookups), one answer may wait.  While linger
# waits for its held lookups, second, whose exchange's lookups the gate
# holds as well, does not: its lookup goes in the background, and its
# answer comes at once instead of at the deadline.
bd_conf "	lookups-per-thread: 3
	max-exchanges: 1"
mxg_check "reload with lookups-per-thread: 3, max-exchanges: 1" mxg_control reload
touch "$BD_GATE"
dig @127.0.0.1 -p "$MXG_PORT" +time=10 +tries=1 linger.bounds.test MX >/dev/null 2>&1 &
waiter=$!
for i in $(seq 1 50); do
	[ "$(bd_listed 'linger.bounds.test')" -ge 1 ] && break
	sleep 0.1
done
mxg_check "one answer waits for its held lookups" [ "$(bd_listed 'linger.bounds.test')" -ge 1 ]
start=$(date +%s%N)
answer=$(mxg_dig second.bounds.test MX)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$answer" = "second.bounds.test. MX 10 other.gate.test." ] && [ "$ms" -lt 1000 ]; then
	mxg_pass "a second answer does not wait: served in $ms ms"
else
	mxg_fail "a second answer does not wait" "got '$answer' after $ms ms (the deadline is 1.5 s)"
fi
rm -f "$BD_GATE"
wait "$waiter"

# verbosity 4 shows what mxguard did with a query, as Unbound's own
# modules do.
mxg_check "verbosity 4" mxg_control verbosity 4
mxg_log_mark
mxg_check "trace's answer served" [ -n "$(mxg_dig trace.bounds.test MX)" ]
mxg_expect_log "the trace names the query" "mxguard: policing trace\\.bounds\\.test\\. MX IN"
mxg_expect_log "the trace says what it looks up and how" \
    "mxguard: 1 records, 1 exchanges, 1 to look up, prefetch wait"
mxg_expect_log "the trace says the decision" \
    "mxguard: kept: 1 records, 0 faulty, 0 dropped, 0 rewritten, 0 unchecked"
mxg_check "Unbound is still up" mxg_control status

mxg_done
