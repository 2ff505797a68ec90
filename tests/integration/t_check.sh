#!/usr/bin/env bash
# t_check - mxguard-check against NSD: the verdict and exit status of
# each case of mx.test, JSON lines read with jq, a domain file with bad
# lines, an empty one, a bad mxguard.conf, a server that never answers
# (timeouts, the other domains go on), a signed zone (secure, bogus), a
# generated zone of 1,000 domains, and the comparison: the module in
# Unbound, under the same mxguard.conf, logs for each domain exactly the
# decision and distribution lines the checker prints.
. "$(dirname "$0")/lib.sh"

CHECK=$MXG_BUILDDIR/mxguard-check
[ -x "$CHECK" ] || { mxg_fail "mxguard-check is built in $MXG_BUILDDIR"; mxg_done; }

mxg_zone mx.test exempt.test signed.test gen.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	address-literal-policy: log
	dangling-policy: log
	null-mx-policy: log
	exempt-domain: exempt.test
	prefetch: wait
	log-rate: 1000
CONF

# The signed zone, signed here with fresh keys; its KSK's DS is the
# trust anchor.  bogus.signed.test's MX signature is broken on purpose.
keys=$MXG_DIR/keys
mkdir -p "$keys" "$MXG_DIR/zones"
ksk=$(cd "$keys" && ldns-keygen -a ECDSAP256SHA256 -k signed.test) &&
    zsk=$(cd "$keys" && ldns-keygen -a ECDSAP256SHA256 signed.test) &&
    ldns-signzone -o signed.test. -f "$keys/signed.zone" \
        "$MXG_TOP/tests/zones/signed.test.zone" "$keys/$ksk" "$keys/$zsk" ||
    { mxg_fail "the zone is signed"; mxg_done; }
awk -v OFS='\t' '$1 == "bogus.signed.test." && $4 == "RRSIG" && $5 == "MX" {
	s = $NF; c = substr(s, 20, 1)
	$NF = substr(s, 1, 19) (c == "A" ? "B" : "A") substr(s, 21)
} { print }' "$keys/signed.zone" >"$MXG_DIR/zones/signed.test.zone"

# 1,000 domains: d<i> with two exchanges; every tenth has an alias as
# its first exchange, every hundredth (offset 5) a dangling one.
awk -v f="$MXG_DIR/zones/gen.test.zone" 'BEGIN {
	print "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1" >f
	for (i = 0; i < 1000; i++) {
		if (i % 10 == 0) first = "alias-" i
		else if (i % 100 == 5) first = "gone-" i
		else first = "mx1-" i
		printf "d%d MX 10 %s\nd%d MX 20 mx2-%d\n", i, first, i, i >f
		# AAAA too: NSD rate-limits NODATA answers per zone.
		printf "mx1-%d A 10.0.%d.%d\nmx2-%d A 10.1.%d.%d\n", i, i / 256, i % 256, i, i / 256, i % 256 >f
		printf "mx1-%d AAAA 2001:db8::1:%x\nmx2-%d AAAA 2001:db8::2:%x\n", i, i, i, i >f
		if (i % 10 == 0) printf "alias-%d CNAME mx1-%d\n", i, i >f
	}
}'

mxg_start "	trust-anchor-file: \"$keys/$ksk.ds\""

stubs=()
for z in $MXG_ZONES; do stubs+=(--stub "$z=127.0.0.1@$MXG_NSD_PORT"); done
conf=$MXG_DIR/mxguard.conf
# chk ARGS...: the checker on NSD with the suite's configuration; its
# stdout in chk.out, stderr in chk.err, exit status in CHK_RC.
chk() {
	"$CHECK" --no-dnssec -c "$conf" "${stubs[@]}" "$@" >"$MXG_DIR/chk.out" 2>"$MXG_DIR/chk.err"
	CHK_RC=$?
}

# expect_domain DOMAIN EXIT FIRST-LINE-REGEX: one domain's verdict.
expect_domain() {
	local first
	chk -q "$1"
	first=$(head -n 1 "$MXG_DIR/chk.out")
	if [ "$CHK_RC" = "$2" ] && printf '%s\n' "$first" | grep -qE -- "$3"; then
		mxg_pass "$1: exit $2, $3"
	else
		mxg_fail "$1: exit $2, $3" "exit $CHK_RC" "$(cat "$MXG_DIR/chk.out" "$MXG_DIR/chk.err")"
	fi
}

expect_domain good.mx.test 0 '^good\.mx\.test: kept; dnssec unchecked; class load_balanced,with_backup$'
expect_domain cname.mx.test 2 '^cname\.mx\.test: changed; dnssec unchecked; fault alias'
expect_domain chain.mx.test 2 '^chain\.mx\.test: servfail; .*fault alias'
expect_domain dname.mx.test 2 '^dname\.mx\.test: servfail; .*fault alias'
expect_domain literal.mx.test 1 '^literal\.mx\.test: kept; .*fault address-literal'
expect_domain danglingnx.mx.test 1 '^danglingnx\.mx\.test: kept; .*fault dangling'
expect_domain danglingnd.mx.test 1 '^danglingnd\.mx\.test: kept; .*fault dangling'
expect_domain nullmx.mx.test 0 '^nullmx\.mx\.test: kept; dnssec unchecked; class null_mx$'
expect_domain nullmix.mx.test 1 '^nullmix\.mx\.test: kept; .*fault null-mx-misuse'
expect_domain exempt.test 1 '^exempt\.test: kept \(exempt\); .*fault alias'
expect_domain nothere.mx.test 3 '^nothere\.mx\.test: nxdomain'
expect_domain ns.mx.test 0 '^ns\.mx\.test: no MX records'

chk -q cname.mx.test
if grep -qx '  record pref 10 exchange alias.cname.mx.test fault alias canonical real.cname.mx.test action strip' "$MXG_DIR/chk.out"; then
	mxg_pass "a faulty record: exchange, preference, fault, canonical name, action"
else
	mxg_fail "a faulty record: exchange, preference, fault, canonical name, action" "$(cat "$MXG_DIR/chk.out")"
fi

# Several domains: the worst status wins, output in input order.
chk -q good.mx.test literal.mx.test cname.mx.test
mxg_check "good, logged, changed: exit 2" test "$CHK_RC" = 2
chk -q -p 3 good.mx.test nothere.mx.test cname.mx.test
mxg_check "with an NXDOMAIN among them: exit 3" test "$CHK_RC" = 3
mxg_check "results come in input order" test "$(grep -v '^ ' "$MXG_DIR/chk.out" | cut -d: -f1 | tr '\n' ' ')" = "good.mx.test nothere.mx.test cname.mx.test "

# --- JSON lines --------------------------------------------------------
cases="good cname chain dname allalias literal danglingnx danglingnd nullmx nullmix nullpref mixed"
chk -q --json -p 4 $(for c in $cases; do echo "$c.mx.test"; done) exempt.test
mxg_check "--json: one object a line, each with every field" jq -es '
	length == 13 and all(.[]; has("domain") and has("status") and has("dnssec")
	    and has("action") and has("faults") and has("faults_last")
	    and has("faulty_records") and has("records") and has("classes")
	    and has("distribution") and has("exit"))' "$MXG_DIR/chk.out"
mxg_check "--json: the alias stripped, with its canonical name" jq -es '
	.[] | select(.domain == "cname.mx.test") | .action == "changed"
	    and .faulty_records[0].exchange == "alias.cname.mx.test"
	    and .faulty_records[0].canonical == "real.cname.mx.test"
	    and .faulty_records[0].action == "strip" and .records.dropped == 1' "$MXG_DIR/chk.out"
mxg_check "--json: the stats file's distribution object" jq -es '
	.[] | select(.domain == "good.mx.test") | .distribution |
	    .state == "mx" and .usable == 2 and .tiers == 2
	    and ([.exchanges[] | .share_ppm] == [500000, 500000, 0])
	    and .exchanges[0].addresses == 2 and .exchanges[2].flags == ["backup"]' "$MXG_DIR/chk.out"
mxg_check "--json: a null MX has state null_mx" jq -es '
	.[] | select(.domain == "nullmx.mx.test") | .distribution.state == "null_mx"
	    and (.classes | index("null_mx") != null)' "$MXG_DIR/chk.out"

# --- domain files --------------------------------------------------------
printf '# customers\n\ngood.mx.test\n  cname.mx.test   # customer 7\nbad..name.test\ntwo words.test\n\t\n' >"$MXG_DIR/list"
chk -q -f "$MXG_DIR/list"
mxg_check "-f: bad lines make exit 4" test "$CHK_RC" = 4
mxg_check "-f: the good lines are still checked" test "$(grep -c '^[a-z]' "$MXG_DIR/chk.out")" = 2
mxg_check "-f: the bad lines are named with their line numbers" \
    grep -q "list:5: invalid domain name.*bad..name.test" "$MXG_DIR/chk.err"
mxg_check "-f: more than one word on a line is named" \
    grep -q "list:6: more than one word" "$MXG_DIR/chk.err"
printf 'good.mx.test\nnullmx.mx.test\n' | { "$CHECK" --no-dnssec -c "$conf" "${stubs[@]}" -f - >"$MXG_DIR/stdin.out" 2>&1; echo $? >"$MXG_DIR/stdin.rc"; }
mxg_check "-f -: domains from stdin, with a summary" grep -q '^summary: 2 domains' "$MXG_DIR/stdin.out"
mxg_check "-f -: clean domains exit 0" test "$(cat "$MXG_DIR/stdin.rc")" = 0
printf '# nothing here\n\n' >"$MXG_DIR/empty"
chk -f "$MXG_DIR/empty"
mxg_check "an empty file: exit 4 and a message" \
    sh -c '[ "$1" = 4 ] && grep -q "no domain to check" "$2"' - "$CHK_RC" "$MXG_DIR/chk.err"
chk -q 'bad name' -- -x.test
mxg_check "invalid operands: exit 4" test "$CHK_RC" = 4

# --- the configuration: the module's parser, the module's errors -------
printf 'mxguard:\n\tcname-policy: sometimes\n' >"$MXG_DIR/bad.conf"
"$CHECK" -c "$MXG_DIR/bad.conf" good.mx.test >/dev/null 2>"$MXG_DIR/bad.err"
rc=$?
"$MXG_BUILDDIR/mxguard-checkconf" "$MXG_DIR/bad.conf" >/dev/null 2>"$MXG_DIR/bad.checkconf"
mxg_check "a bad mxguard.conf: exit 4" test "$rc" = 4
mxg_check "with the errors mxguard-checkconf reports" \
    sh -c 'head -n 1 "$1" | cmp -s - "$2"' - "$MXG_DIR/bad.err" "$MXG_DIR/bad.checkconf"

# --- a server that never answers --------------------------------------
silent=$(mxg_free_port)
pid=$("$MXG_TOOLS/fault-server" -t 120 "$silent:silent") || { mxg_fail "fault server started"; mxg_done; }
MXG_PIDS="$MXG_PIDS $pid"
start=$(date +%s)
chk --timeout 2 -q --stub "silent.test=127.0.0.1@$silent" a.silent.test good.mx.test b.silent.test
took=$(( $(date +%s) - start ))
mxg_check "a silent server: each of its domains times out" \
    test "$(grep -c ': timeout (no answer within 2 s)$' "$MXG_DIR/chk.out")" = 2
mxg_check "the other domains go on" grep -q '^good\.mx\.test: kept' "$MXG_DIR/chk.out"
mxg_check "timeouts exit 3" test "$CHK_RC" = 3
mxg_check "domains wait in parallel, not one after the other ($took s)" test "$took" -le 4

# --- DNSSEC -----------------------------------------------------------
"$CHECK" -q -c "$conf" --trust-anchor "$keys/$ksk.ds" "${stubs[@]}" good.signed.test >"$MXG_DIR/sec.out" 2>&1
rc=$?
mxg_check "a signed zone's MX set is secure" sh -c '[ "$1" = 0 ] && grep -q "^good.signed.test: kept; dnssec secure" "$2"' - "$rc" "$MXG_DIR/sec.out"
"$CHECK" -q --json -c "$conf" --trust-anchor "$keys/$ksk.ds" "${stubs[@]}" bogus.signed.test good.mx.test >"$MXG_DIR/bogus.out" 2>&1
rc=$?
mxg_check "a broken signature: bogus, exit 3" sh -c '[ "$1" = 3 ] && jq -es ".[0].status == \"bogus\" and .[0].dnssec == \"bogus\" and .[1].dnssec == \"insecure\"" "$2"' - "$rc" "$MXG_DIR/bogus.out"

# --- 1,000 domains -----------------------------------------------------
seq 0 999 | sed 's/^/d/; s/$/.gen.test/' >"$MXG_DIR/gen.list"
start=$(date +%s)
chk --json -p 50 -f "$MXG_DIR/gen.list"
took=$(( $(date +%s) - start ))
mxg_check "1,000 domains: 1,000 JSON lines" test "$(wc -l <"$MXG_DIR/chk.out")" = 1000
mxg_check "1,000 domains: 100 aliases stripped, 10 dangling logged" jq -es '
	([.[] | select(.action == "changed" and .faults.alias == 1)] | length) == 100 and
	([.[] | select(.action == "kept" and .faults.dangling == 1)] | length) == 10 and
	([.[] | select(.status != "ok")] | length) == 0' "$MXG_DIR/chk.out"
mxg_check "1,000 domains: exit 2, summary on stderr ($took s)" \
    sh -c '[ "$1" = 2 ] && grep -q "^summary: 1000 domains" "$2"' - "$CHK_RC" "$MXG_DIR/chk.err"

# --- the module and the checker agree ------------------------------------
# Each domain asked once through Unbound with the module: its log lines
# for the decision and the distribution, against the checker's.
domains="$(for c in $cases seed1 seed2 v4only v6only dual; do echo "$c.mx.test"; done) exempt.test sub.exempt.test $(seq 0 19 | sed 's/^/d/; s/$/.gen.test/')"
mxg_log_mark
for d in $domains; do mxg_dig "$d" MX >/dev/null; done
mxg_expect_log "the module has logged the last domain" 'mxguard: distribution d19\.gen\.test: '
# A decision line names the faulty records in the order of the rrset,
# which the resolver and libunbound may hold differently: its "; pref"
# parts are compared as a set.
records_sorted() {
	awk -F '; ' '/^mxguard: answer / && NF > 2 {
		line = $1; n = 0
		for (i = 2; i <= NF; i++) part[++n] = $i
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (part[j] < part[i]) { t = part[i]; part[i] = part[j]; part[j] = t }
		for (i = 1; i <= n; i++) line = line "; " part[i]
		print line; next
	} { print }' | sort
}
mxg_log_since | sed -n 's/^.*\] info: \(mxguard: \(answer\|distribution\) .*\)$/\1/p' |
    records_sorted >"$MXG_DIR/module.lines"
chk -q -p 8 $domains
grep '^  mxguard: ' "$MXG_DIR/chk.out" | sed 's/^  //' | records_sorted >"$MXG_DIR/checker.lines"
if [ -s "$MXG_DIR/module.lines" ] && cmp -s "$MXG_DIR/module.lines" "$MXG_DIR/checker.lines"; then
	mxg_pass "the checker prints exactly the module's decision and distribution lines ($(wc -l <"$MXG_DIR/module.lines") lines)"
else
	mxg_fail "the checker prints exactly the module's decision and distribution lines" \
	    "$(diff "$MXG_DIR/module.lines" "$MXG_DIR/checker.lines" | head -n 20)"
fi
mxg_done
