#!/usr/bin/env bash
# t_bigmx - 200 MX records: too large for UDP (TC), whole over TCP; with
# aliases among them the stripped answer over TCP is right; and
# max-exchanges bounds the exchange lookups: the module logs how many it
# left unchecked, and Unbound's own log of the queries it sends upstream
# (verbosity 3: "sending query:") names every name it asked for.
. "$(dirname "$0")/lib.sh"

mxg_zone big.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	prefetch: wait
	max-exchanges: 8
CONF
# No QNAME minimisation: each lookup is then one upstream query for the
# full name and type, as it is logged.
mxg_start "	qname-minimisation: no"

# The 200 records of a domain of big.test, one a line as mxg_dig prints
# them, skipping the preferences given: records DOMAIN PREFIX [SKIP...]
records() {
	local domain=$1 prefix=$2 i
	shift 2
	for i in $(seq 1 200); do
		case " $* " in *" $i "*) continue ;; esac
		printf '%s.big.test. MX %d %s%03d.%s.big.test.\n' "$domain" "$i" "$prefix" "$i" "$domain"
	done
}

# The header flags of a UDP answer, dig not retrying over TCP on TC.
udp_flags() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +ignore +bufsize=1232 "$@" |
	    sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'
}

# The upstream queries Unbound logged since the mark, for A or AAAA
# records of names under DOMAIN: "NAME TYPE", one a line, sorted, each
# once (the iterator asks for the AAAA of a CNAME's target more than once
# when several aliases point to it).
sent_address_queries() {
	mxg_log_since | sed -n "s/.*sending query: \([^ ]*\.$1\.big\.test\.\) \(A\|AAAA\) IN\$/\1 \2/p" | sort -u
}

mxg_check "the test zone has 200 MX records for many.big.test" \
    test "$(grep -c '^many[[:space:]]*MX' "$MXG_TOP/tests/zones/big.test.zone")" = 200

mxg_expect_twice "200 MX records come whole over TCP" "$(records many mx)" +tcp many.big.test MX
flags=$(udp_flags many.big.test MX)
if [[ " $flags " == *" tc "* ]]; then
	mxg_pass "the same answer over UDP is truncated (TC)"
else
	mxg_fail "the same answer over UDP is truncated (TC)" "flags: $flags"
fi

mxg_check "unbound-control verbosity 3 (logs each upstream query)" mxg_control verbosity 3
mxg_log_mark
mxg_expect_twice "with aliases among 200 records, over TCP: the looked-up aliases are stripped, the rest kept" \
    "$(records aliased h 1 3 5)" +tcp aliased.big.test MX
mxg_expect_log "the strip is logged once, naming the three aliases and the 192 exchanges left unchecked" \
    'answer aliased\.big\.test changed; pref 1 exchange h001\.aliased\.big\.test canonical h002\.aliased\.big\.test fault alias action strip; pref 3 exchange h003\.aliased\.big\.test .*action strip; pref 5 exchange h005\.aliased\.big\.test .*action strip; unchecked 192$' 1
mxg_expect_no_log "the alias beyond max-exchanges (pref 200) was not looked up, so not named" \
    'mxguard: answer aliased\.big\.test .*h200'
want=$(for i in 1 2 3 4 5 6 7 8; do
	printf 'h%03d.aliased.big.test. A\nh%03d.aliased.big.test. AAAA\n' "$i" "$i"
done | sort)
got=$(sent_address_queries aliased)
if [ "$got" = "$want" ]; then
	mxg_pass "max-exchanges 8: A and AAAA of the 8 lowest-preference exchanges and nothing else under the domain were asked upstream"
else
	mxg_fail "max-exchanges 8: A and AAAA of the 8 lowest-preference exchanges and nothing else under the domain were asked upstream" \
	    "asked $(echo "$got" | wc -l) distinct: $(echo "$got" | tr '\n' '|')"
fi
flags=$(udp_flags aliased.big.test MX)
if [[ " $flags " == *" tc "* ]]; then
	mxg_pass "the stripped answer (197 records) over UDP is truncated (TC)"
else
	mxg_fail "the stripped answer (197 records) over UDP is truncated (TC)" "flags: $flags"
fi
mxg_expect "over TCP it is the same stripped answer" "$(records aliased h 1 3 5)" +tcp aliased.big.test MX
mxg_done
