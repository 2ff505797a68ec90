#!/usr/bin/env bash
# t_modules - mxguard behind the other modules people run in front of it,
# one Unbound per module order, all on the same zones:
#   "respip dynlib validator iterator", with a response-ip rule that
#       redirects a kept exchange's address;
#   "dns64 dynlib validator iterator", with an exchange that has only an
#       A record;
#   "subnetcache dynlib validator iterator" (Unbound configured with
#       --enable-subnet), its authoritative server behind ecs-relay, which
#       answers EDNS Client Subnet queries with a scope, so that Unbound
#       keeps those answers in subnetcache's own cache and answers later
#       queries of the same subnet from there, without reaching mxguard.
# In each, the MX answers are policed, first answer and cached answers,
# and the other module still does its work.  cachedb: t_mod_cachedb.
. "$(dirname "$0")/lib.sh"

# rp.test's exchanges are in another zone, so the authoritative server
# gives no addresses with its MX answer: those in Unbound's answer are
# the ones mxguard adds.
mkdir -p "$MXG_DIR/zones"
cat >"$MXG_DIR/zones/rp.test.zone" <<'ZONE'
$ORIGIN rp.test.
$TTL 300
@	SOA	ns hostmaster 1 3600 600 86400 60
@	NS	ns
ns	A	127.0.0.1
@	MX	10 mail.rpx.test.
ZONE
cat >"$MXG_DIR/zones/rpx.test.zone" <<'ZONE'
$ORIGIN rpx.test.
$TTL 300
@	SOA	ns hostmaster 1 3600 600 86400 60
@	NS	ns
ns	A	127.0.0.1
mail	A	192.0.2.201
ZONE
mxg_zone mx.test rp.test rpx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	prefetch: wait
CONF

policed="cname.mx.test. MX 20 good.cname.mx.test."
strip_log='mxguard: answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action strip$'

# policed ORDER: the checks every order passes, on the Unbound in use.
policed() {
	mxg_log_mark
	mxg_expect_twice "$1: an alias exchange is stripped" "$policed" cname.mx.test MX
	mxg_expect_log "$1: the strip is logged, once" "$strip_log" 1
	mxg_expect_twice "$1: a clean answer is unchanged" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 10 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." good.mx.test MX
	mxg_expect "$1: CD=1 clients get the policed answer" "$policed" +cd cname.mx.test MX
}

# respip.  good.cname.mx.test, the exchange kept in cname.mx.test, has
# the address 192.0.2.72; mail.rpx.test 192.0.2.201.
MXG_MODULES="respip dynlib validator iterator"
respip='	response-ip: 192.0.2.72/32 redirect
	response-ip-data: 192.0.2.72/32 "A 198.51.100.72"
	response-ip: 192.0.2.201/32 always_nxdomain'
mxg_start "$respip"
policed respip
mxg_expect_twice "respip: the kept exchange's address is still redirected" "
good.cname.mx.test. A 198.51.100.72" good.cname.mx.test A
mxg_expect_rcode "respip: an exchange's address under always_nxdomain: NXDOMAIN" NXDOMAIN \
    mail.rpx.test A
# respip acts on answers to A and AAAA questions only, never on an MX
# answer's additional section: where it may rewrite addresses, mxguard
# adds none, so that no client is handed an address the rules would
# have changed (README, "Loading mxguard into your Unbound").
mxg_control flush_zone rpx.test >/dev/null
mxg_expect "respip: the MX answer is unchanged" "rp.test. MX 10 mail.rpx.test." rp.test MX
got=$(mxg_additional rp.test MX)
if [ -z "$got" ]; then
	mxg_pass "respip: mxguard adds no address that respip could have rewritten"
else
	mxg_fail "respip: mxguard adds no address that respip could have rewritten" "additional: '$got'"
fi
printf 'mxguard:\n\tcname-policy: strip\n\tadditional: no\n' >"$MXG_DIR/no-additional.conf"
if MXGUARD_CONF=$MXG_DIR/no-additional.conf mxg_instance respip-noadd "$respip"; then
	got=$(mxg_additional rp.test MX)
	if [ -z "$got" ]; then
		mxg_pass "respip, additional: no: the MX answer carries no address"
	else
		mxg_fail "respip, additional: no: the MX answer carries no address" "additional: '$got'"
	fi
else
	mxg_fail "respip, additional: no: unbound started"
fi

# dns64.
if MXG_MODULES="dns64 dynlib validator iterator" mxg_instance dns64 \
    '	dns64-prefix: 64:ff9b::/96'; then
	policed dns64
	mxg_expect_twice "dns64: an exchange with only an A record: its MX answer is clean" "
v4only.mx.test. MX 10 mx.v4only.mx.test." v4only.mx.test MX
	mxg_expect_twice "dns64: its AAAA is synthesized from the A record" "
mx.v4only.mx.test. AAAA 64:ff9b::c000:233" mx.v4only.mx.test AAAA
	mxg_expect "dns64: an exchange with an AAAA of its own keeps it" "
mx.dual.mx.test. AAAA 2001:db8::61" mx.dual.mx.test AAAA
	# mxguard's own lookups start at the top of the chain, so dns64
	# answers them too: the MX answer carries the synthesized AAAA.
	got=$(mxg_additional v4only.mx.test MX | tr '\n' '|')
	if [ "$got" = "mx.v4only.mx.test. A 192.0.2.51|mx.v4only.mx.test. AAAA 64:ff9b::c000:233|" ]; then
		mxg_pass "dns64: the MX answer carries the exchange's A and synthesized AAAA"
	else
		mxg_fail "dns64: the MX answer carries the exchange's A and synthesized AAAA" "additional: '$got'"
	fi
else
	mxg_fail "dns64: unbound started"
fi

# subnetcache, behind the relay.
relay=$MXG_TOOLS/ecs-relay
RELAY_PORT=$(mxg_free_port)
if pid=$("$relay" -t 600 "$RELAY_PORT" "$MXG_NSD_PORT"); then
	MXG_PIDS="$MXG_PIDS $pid"
	mxg_pass "subnetcache: the ECS relay is up"
else
	mxg_fail "subnetcache: the ECS relay is up"
	mxg_done
fi
# This Unbound's stub zones point at the relay, and it sends ECS there;
# without ECS from the client, its own address (127.0.0.0/24) is the
# subnet sent.  Extended statistics count the answers from subnetcache's
# cache.
MXG_NSD_PORT=$RELAY_PORT
if ! MXG_MODULES="subnetcache dynlib validator iterator" mxg_instance subnet \
    '	send-client-subnet: 127.0.0.1
	max-client-subnet-ipv4: 24
	extended-statistics: yes'; then
	mxg_fail "subnetcache: unbound started"
	mxg_done
fi

# Answers from subnetcache's cache, for mxg_expect_twice.
subnet_hits() { mxg_control stats_noreset 2>/dev/null | sed -n 's/^num\.query\.subnet_cache=//p'; }
subnet_twice() { MXG_CACHEHITS=subnet_hits mxg_expect_twice "$@"; }

# The client's subnet, as Unbound echoes it: ADDRESS/SOURCE/SCOPE.
client_subnet() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 "$@" |
	    sed -n 's/.*CLIENT-SUBNET: \([^ ]*\).*/\1/p'
}

mxg_log_mark
subnet_twice "subnetcache, no ECS from the client: an alias exchange is stripped" \
    "$policed" cname.mx.test MX
mxg_expect_log "subnetcache: the strip is logged once: the cached answer did not reach mxguard" \
    "$strip_log" 1
subnet_twice "subnetcache, ECS 198.51.100.0/24: an alias exchange is stripped" "$policed" \
    +subnet=198.51.100.0/24 cname.mx.test MX
got=$(client_subnet +subnet=198.51.100.0/24 cname.mx.test MX)
if [ "$got" = 198.51.100.0/24/24 ]; then
	mxg_pass "subnetcache: the answer is specific to the client's subnet (scope /24)"
else
	mxg_fail "subnetcache: the answer is specific to the client's subnet (scope /24)" \
	    "CLIENT-SUBNET: '$got'"
fi
subnet_twice "subnetcache, ECS 203.0.113.0/24, another subnet: stripped too" "$policed" \
    +subnet=203.0.113.0/24 cname.mx.test MX
subnet_twice "subnetcache, ECS: a mix loses only its alias" "
mixed.mx.test. MX 10 mx1.mixed.mx.test.
mixed.mx.test. MX 20 192.0.2.2.
mixed.mx.test. MX 30 nothere.mixed.mx.test." +subnet=198.51.100.0/24 mixed.mx.test MX
mxg_expect_rcode "subnetcache, ECS: an alias alone is SERVFAIL (first answer)" SERVFAIL \
    +subnet=198.51.100.0/24 allalias.mx.test MX
mxg_expect_rcode "subnetcache, ECS: an alias alone is SERVFAIL (again)" SERVFAIL \
    +subnet=198.51.100.0/24 allalias.mx.test MX
mxg_expect "subnetcache, ECS source 0 (no subnet wanted): stripped" "$policed" \
    +subnet=0.0.0.0/0 cname.mx.test MX
mxg_expect "subnetcache, ECS source 0: and again" "$policed" +subnet=0.0.0.0/0 cname.mx.test MX
mxg_done
