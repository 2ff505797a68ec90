#!/usr/bin/env bash
# t_lifetimes - a decision lives no longer than its evidence: a strip,
# rewrite or policy SERVFAIL is cached no longer than the alias or the
# negative answer it was made on (and a SERVFAIL no longer than
# servfail-ttl), so a zone that is fixed is served fixed soon after,
# without a flush.  The answer cached while the exchanges' lookups run
# is removed when the query ends before they do.
. "$(dirname "$0")/lib.sh"

mxg_zone ttl.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	dangling-policy: strip
	address-literal-policy: servfail
	servfail-ttl: 2
CONF
LT_DOWN=$(mxg_free_port)	# nothing listens there
mxg_start "	qname-minimisation: no
stub-zone:
	name: \"down.test.\"
	stub-addr: 127.0.0.1@$LT_DOWN"

# lt_ttl NAME TYPE: the TTL of the first answer record.
lt_ttl() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +noall +answer "$1" "$2" |
	    awk 'NR == 1 { print $2 }'
}

# lt_expect_ttl_at_most DESCRIPTION MAX NAME TYPE
lt_expect_ttl_at_most() {
	local ttl
	ttl=$(lt_ttl "$3" "$4")
	if [ -n "$ttl" ] && [ "$ttl" -le "$2" ]; then
		mxg_pass "$1 ($ttl)"
	else
		mxg_fail "$1" "TTL '${ttl}', wanted at most $2"
	fi
}

# lt_fix SED-EXPRESSION: edit the zone as NSD serves it and reload it.
lt_fix() {
	local zone=$MXG_DIR/zones/ttl.test.zone i
	sed -i -e "$1" -e 's/^\(@.*SOA.*hostmaster \)1 /\12 /' "$zone"
	touch -d "@$(($(date +%s) + 10))" "$zone"
	kill -HUP "$MXG_NSD_PID"
	for i in $(seq 1 50); do
		dig @127.0.0.1 -p "$MXG_NSD_PORT" +short ttl.test SOA |
		    grep -q ' 2 3600 ' && return 0
		sleep 0.1
	done
	mxg_fail "NSD reloaded the fixed zone"
}

# The strip and the negative answer: cached for the 4 s of their evidence.
mxg_expect_twice "an alias exchange is stripped" "aliased.ttl.test. MX 20 mx.ttl.test." \
    aliased.ttl.test MX
lt_expect_ttl_at_most "the strip is cached no longer than the alias's CNAME" 4 aliased.ttl.test MX
mxg_expect_twice "a dangling exchange is stripped" "dangling.ttl.test. MX 20 mx.ttl.test." \
    dangling.ttl.test MX
lt_expect_ttl_at_most "that strip is cached no longer than the negative answer" 4 \
    dangling.ttl.test MX
mxg_expect_twice "an address literal is SERVFAIL" SERVFAIL literal.ttl.test MX

# The zone is fixed: the alias becomes an address, the dangling name is
# added, the literal replaced; each answer comes back whole.
lt_fix 's/^alias\t4\tCNAME\tmx$/alias\t4\tA\t192.0.2.2/
s/^literal\t\tMX\t10 192.0.2.9.$/literal\t\tMX\t10 mx/
$a gone\t\tA\t192.0.2.3'
sleep 5
mxg_expect "the fixed alias is served after its evidence expired" "
aliased.ttl.test. MX 10 alias.ttl.test.
aliased.ttl.test. MX 20 mx.ttl.test." aliased.ttl.test MX
mxg_expect "the fixed dangling name too" "
dangling.ttl.test. MX 10 gone.ttl.test.
dangling.ttl.test. MX 20 mx.ttl.test." dangling.ttl.test MX
mxg_expect "the fixed literal after servfail-ttl" "literal.ttl.test. MX 10 mx.ttl.test." \
    literal.ttl.test MX

# Rewrite: the rewritten record carries the TTL of the alias chain.
printf 'mxguard:\n\tcname-policy: rewrite\n' | mxg_conf
lt_fix 's/^alias\t4\tA\t192.0.2.2$/alias\t4\tCNAME\tmx/'
mxg_check "reload with cname-policy: rewrite" mxg_control reload
mxg_expect "the alias is rewritten" "
aliased.ttl.test. MX 10 mx.ttl.test.
aliased.ttl.test. MX 20 mx.ttl.test." aliased.ttl.test MX
lt_expect_ttl_at_most "the rewritten record carries the alias's TTL" 4 aliased.ttl.test MX

# While the exchanges' lookups run, the cache holds an interim answer;
# a query that ends before they do takes it with it.
lt_cached() { mxg_control dump_cache 2>/dev/null | grep -c '^msg waits\.ttl\.test\. IN MX '; }
mxg_expect "an exchange with dead name servers: the answer at the deadline" "
waits.ttl.test. MX 10 mx.down.test.
waits.ttl.test. MX 20 mx.ttl.test." waits.ttl.test MX
mxg_check "the interim answer is in the cache" test "$(lt_cached)" = 1
mxg_check "flush_requestlist" mxg_control flush_requestlist
mxg_check "the query ended: its interim answer is gone" test "$(lt_cached)" = 0
mxg_done
