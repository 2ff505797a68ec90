#!/usr/bin/env bash
# t_dnssec - mxguard in front of the validator: an unchanged secure MX
# answer keeps its AD bit and RRSIGs; a changed one loses both (first and
# cached answer), and a client validating for itself finds it bogus, while
# an exempt domain's answer stays secure; a bogus one stays SERVFAIL for
# CD=0 clients, and CD=1 clients get it policed.  The zone signed.test is signed here, at test
# time, with fresh keys; its KSK's DS is the trust anchor.
. "$(dirname "$0")/lib.sh"

mxg_zone signed.test insecure.signed.test provider.test chase.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	exempt-domain: exempt.signed.test
	prefetch: wait
CONF

# Keys and the signed zone, in the suite's temporary directory.
keys=$MXG_DIR/keys
mkdir -p "$keys"
ksk=$(cd "$keys" && ldns-keygen -a ECDSAP256SHA256 -k signed.test) &&
    zsk=$(cd "$keys" && ldns-keygen -a ECDSAP256SHA256 signed.test) &&
    ldns-signzone -o signed.test. -f "$keys/signed.test.zone.signed" \
        "$MXG_TOP/tests/zones/signed.test.zone" "$keys/$ksk" "$keys/$zsk" ||
    { mxg_fail "the zone is signed"; mxg_done; }

# Break the MX rrset's signature of bogus.signed.test: change one
# character of the signature's base64 (the last field).
# The same for the CNAME of alias.forged.signed.test.
awk -v OFS='\t' '($1 == "bogus.signed.test." && $4 == "RRSIG" && $5 == "MX") ||
    ($1 == "alias.forged.signed.test." && $4 == "RRSIG" && $5 == "CNAME") {
	s = $NF; c = substr(s, 20, 1)
	$NF = substr(s, 1, 19) (c == "A" ? "B" : "A") substr(s, 21)
} { print }' "$keys/signed.test.zone.signed" >"$keys/signed.test.zone.broken"

# val-log-level 2: the validator logs why an answer is bogus.
mxg_start "	trust-anchor-file: \"$keys/$ksk.ds\"
	val-log-level: 2"

# The harness gave NSD the unsigned source; put the signed zone in its
# place (newer mtime) and have NSD reread it, before anything asks.
cp "$keys/signed.test.zone.broken" "$MXG_DIR/zones/signed.test.zone"
touch -d "@$(($(date +%s) + 10))" "$MXG_DIR/zones/signed.test.zone"
kill -HUP "$MXG_NSD_PID"
nsd_dnskeys() {
	dig @127.0.0.1 -p "$MXG_NSD_PORT" +time=2 +tries=1 +short +norec \
	    signed.test DNSKEY | grep -c '^25[67] 3 13 '
}
for i in $(seq 1 50); do
	[ "$(nsd_dnskeys)" = 2 ] && break
	sleep 0.1
done
if [ "$(nsd_dnskeys)" = 2 ]; then
	mxg_pass "NSD serves the signed zone (KSK and ZSK)"
else
	mxg_fail "NSD serves the signed zone (KSK and ZSK)"
	mxg_done
fi
# Nothing asked before the swap, but leave no unsigned data behind.
mxg_control flush_zone signed.test >/dev/null 2>&1

# What a DNSSEC-aware client sees: the rcode, whether the AD bit is set,
# and the answer section with each RRSIG shortened to the type it covers
# (signatures change at every signing), sorted.
dnssec_view() {
	local out
	out=$(dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +dnssec "$@")
	printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/status \1/p'
	if printf '%s\n' "$out" | grep -qE '^;; flags:[a-z ]* ad[ ;]'; then
		echo "ad yes"
	else
		echo "ad no"
	fi
	printf '%s\n' "$out" | sed -e '1,/^;; ANSWER SECTION:/d' -e '/^$/,$d' |
	    awk '$4 == "RRSIG" { print $1, "RRSIG", $5; next }
	         { $2 = ""; $3 = ""; print }' | tr -s ' ' | sort
}

# expect_dnssec DESCRIPTION EXPECTED DIG-ARGS...
expect_dnssec() {
	local what=$1 want=$2 got
	shift 2
	got=$(dnssec_view "$@")
	want=$(printf '%s\n' "$want" | sed '/^$/d')
	if [ "$got" = "$want" ]; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "wanted: $(echo "$want" | tr '\n' '|')" "got:    $(echo "$got" | tr '\n' '|')"
	fi
}

# expect_dnssec_twice: the first answer and the second, identical one,
# which must be a hit in Unbound's message cache.
expect_dnssec_twice() {
	local what=$1 want=$2 before after
	shift 2
	expect_dnssec "$what (first answer)" "$want" "$@"
	before=$(mxg_cachehits)
	expect_dnssec "$what (cached answer)" "$want" "$@"
	after=$(mxg_cachehits)
	if [ "$after" = "$((before + 1))" ]; then
		mxg_pass "$what (second answer was a cache hit)"
	else
		mxg_fail "$what (second answer was a cache hit)" "cache hits before $before, after $after"
	fi
}

expect_dnssec_twice "an unchanged signed MX answer keeps the AD bit and its RRSIG" "
status NOERROR
ad yes
good.signed.test. MX 10 mx1.good.signed.test.
good.signed.test. MX 20 mx2.good.signed.test.
good.signed.test. RRSIG MX" good.signed.test MX

mxg_log_mark
expect_dnssec_twice "a changed signed MX answer has no AD bit and no RRSIG over the changed MX rrset" "
status NOERROR
ad no
cname.signed.test. MX 20 good.cname.signed.test." cname.signed.test MX
mxg_expect_log "the strip in the signed zone is logged" \
    'answer cname\.signed\.test changed; pref 10 exchange alias\.cname\.signed\.test canonical real\.cname\.signed\.test fault alias action strip$' 1
expect_dnssec "the alias's own records stay secure" "
status NOERROR
ad yes
alias.cname.signed.test. CNAME real.cname.signed.test.
alias.cname.signed.test. RRSIG CNAME
real.cname.signed.test. A 192.0.2.221
real.cname.signed.test. RRSIG A" alias.cname.signed.test A
expect_dnssec "a CD=1 client gets the same changed answer, without the RRSIG" "
status NOERROR
ad no
cname.signed.test. MX 20 good.cname.signed.test." +cd cname.signed.test MX

# A client that validates for itself: libunbound (unbound-host) with the
# same trust anchor, forwarding to the resolver under test.
cat >"$MXG_DIR/client.conf" <<CLIENT
server:
	do-not-query-localhost: no
	local-zone: "test." nodefault
	trust-anchor-file: "$keys/$ksk.ds"
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$MXG_PORT
CLIENT
validating_client() {
	"$MXG_PREFIX/sbin/unbound-host" -C "$MXG_DIR/client.conf" -v -t MX "$1" 2>&1
}
out=$(validating_client good.signed.test)
if printf '%s\n' "$out" | grep -q 'mail is handled by 10 mx1.good.signed.test. (secure)'; then
	mxg_pass "a validating client finds the unchanged answer secure"
else
	mxg_fail "a validating client finds the unchanged answer secure" "$out"
fi
out=$(validating_client cname.signed.test)
if printf '%s\n' "$out" | grep -q '(BOGUS'; then
	mxg_pass "a validating client finds the changed answer bogus"
else
	mxg_fail "a validating client finds the changed answer bogus" "$out"
fi

mxg_log_mark
expect_dnssec_twice "an alias exchange in an exempt domain: unchanged, AD bit and RRSIG kept" "
status NOERROR
ad yes
exempt.signed.test. MX 10 alias.exempt.signed.test.
exempt.signed.test. MX 20 mx.exempt.signed.test.
exempt.signed.test. RRSIG MX" exempt.signed.test MX
mxg_expect_log "the exempt alias is logged" \
    'answer exempt\.signed\.test kept \(exempt\); pref 10 exchange alias\.exempt\.signed\.test canonical mx\.exempt\.signed\.test fault alias action exempt' 1
out=$(validating_client exempt.signed.test)
if printf '%s\n' "$out" | grep -q 'mail is handled by 10 alias.exempt.signed.test. (secure)'; then
	mxg_pass "a validating client finds the exempt answer secure"
else
	mxg_fail "a validating client finds the exempt answer secure" "$out"
fi

mxg_log_mark
expect_dnssec_twice "a bogus MX answer stays SERVFAIL for a CD=0 client" "
status SERVFAIL
ad no" bogus.signed.test MX
mxg_expect_log "the validator logged it bogus" 'validation failure <bogus\.signed\.test\. MX IN>'
# The names in a bogus answer are unauthenticated, and the client gets
# SERVFAIL: no lookup is sent for them on a CD=0 client's account.
# (mx.bogus's A comes in the MX answer's additional section already.)
bogus_lookups() {
	mxg_control dump_cache | grep -cE '^(msg )?alias\.bogus\.signed\.test\.|^msg mx\.bogus\.signed\.test\. IN (A|AAAA) '
}
mxg_check "no exchange of the bogus answer was looked up" test "$(bogus_lookups)" = 0
# Unbound hands bogus data to clients that set CD, as they validate for
# themselves, from the cache too.  Asked first by such a client, the
# exchanges are looked up and the answer policed, still without the AD
# bit.
mxg_control flush_zone bogus.signed.test >/dev/null
mxg_log_mark
expect_dnssec "a CD=1 client gets the bogus answer policed, without the alias" "
status NOERROR
ad no
bogus.signed.test. MX 20 mx.bogus.signed.test." +cd bogus.signed.test MX
mxg_expect_log "mxguard policed it all the same" \
    'mxguard: answer bogus\.signed\.test changed; pref 10 exchange alias\.bogus\.signed\.test .*action strip' 1
expect_dnssec_twice "and CD=0 clients still get SERVFAIL after that" "
status SERVFAIL
ad no" bogus.signed.test MX

# --- a signed domain, its exchanges at providers that do not sign -----------
# Only secure rrsets may go into a secure answer: Unbound serves a secure
# message from its cache only while every rrset in it is secure.
HOSTED="status NOERROR
ad yes
hosted.signed.test. MX 10 mx.insecure.signed.test.
hosted.signed.test. MX 20 mx.provider.test.
hosted.signed.test. RRSIG MX"
# The exchanges' addresses in the additional section (Unbound may add
# its name servers' there too).
hosted_addresses() {
	mxg_section additional +dnssec "$@" | grep -E '^mx\.(insecure\.signed|provider)\.test\. '
}
expect_hosted() {
	expect_dnssec_twice "$1: secure, a cache hit" "$HOSTED" hosted.signed.test MX
	mxg_expect_by hosted_addresses "$1: no unsigned address beside the AD bit" "" \
	    hosted.signed.test MX
}
expect_hosted "signed MX, unsigned exchanges"
before=$(mxg_cachehits)
expect_dnssec "the insecure exchange was resolved and validated insecure" "
status NOERROR
ad no
mx.insecure.signed.test. A 192.0.2.201" mx.insecure.signed.test A
expect_dnssec "the exchange under no trust anchor was resolved" "
status NOERROR
ad no
mx.provider.test. A 192.0.2.251" mx.provider.test A
after=$(mxg_cachehits)
if [ "$after" = "$((before + 2))" ]; then
	mxg_pass "both were prefetched: cache hits"
else
	mxg_fail "both were prefetched: cache hits" "cache hits before $before, after $after"
fi
mxg_log_mark
expect_dnssec_twice "an alias in the unsigned zone is still checked and stripped" "
status NOERROR
ad no
hostedalias.signed.test. MX 20 mx.provider.test." hostedalias.signed.test MX
mxg_expect_log "the strip of the unsigned alias is logged" \
    'answer hostedalias\.signed\.test changed; pref 10 exchange alias\.insecure\.signed\.test .*action strip$' 1
# minimal-responses changes what is sent, not what is cached.
mxg_control set_option minimal-responses: yes >/dev/null
mxg_control flush_zone signed.test >/dev/null
expect_hosted "the same with minimal-responses: yes"
mxg_control set_option minimal-responses: no >/dev/null

# --- an exchange judged only on validated answers -----------------------------
# A client query that leads through a CNAME of another zone to the forged
# alias leaves the target's answer in the cache as Unbound got it, before
# validation (the validator judges the chain as a whole): no evidence for
# the exchange, which only a validated lookup may judge (bogus: unchecked).
mxg_expect_rcode "a client query through the forged alias is bogus" SERVFAIL via.chase.test A
mxg_log_mark
mxg_expect "an exchange whose alias is forged is not stripped on unvalidated data" "
forged.signed.test. MX 10 alias.forged.signed.test.
forged.signed.test. MX 20 mx.forged.signed.test." forged.signed.test MX
mxg_expect_no_log "nor logged as an alias" 'answer forged\.signed\.test '
mxg_done
