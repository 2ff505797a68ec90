#!/usr/bin/env bash
# t_local_rpz - exchanges this resolver answers for itself: local-data
# (a split-horizon relay public DNS does not know) and an RPZ QNAME
# trigger (a blocked name with public addresses).  The exchanges' own
# lookups never see either, so such an exchange is left unchecked: kept,
# no addresses added, counted; the first and the cached answer agree.
. "$(dirname "$0")/lib.sh"

mxg_zone localdata.test example
mkdir -p "$MXG_DIR"
cat >"$MXG_DIR/rpz.zone" <<'RPZ'
$ORIGIN rpz.local.
$TTL 300
@		SOA	ns.rpz.local. hostmaster.rpz.local. 1 3600 600 86400 60
@		NS	ns.rpz.local.
blocked.example	CNAME	.
RPZ
mxg_conf <<CONF
mxguard:
	cname-policy: strip
	dangling-policy: strip
	additional: yes
	prefetch: wait
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
	stats-format: json
CONF
mxg_start "	module-config: \"respip dynlib validator iterator\"
	local-zone: \"nowhere.example.\" static
	local-data: \"nowhere.example. A 10.9.9.9\"
rpz:
	name: \"rpz.local.\"
	zonefile: \"$MXG_DIR/rpz.zone\""

mxg_expect "local-data answers the relay's name for clients" \
    "nowhere.example. A 10.9.9.9" nowhere.example A
mxg_expect_rcode "the RPZ blocks the other name for clients" NXDOMAIN blocked.example A

# lr_expect_unchecked DESCRIPTION OWNER EXCHANGE: the first and the
# cached answer keep the exchange, and the additional section holds the
# other exchange's address only: no public address, no local one.
# (Unbound 1.22 adds the name server's address too: that is not ours.)
lr_sections() { mxg_dig "$@" | grep -v '^ns\.localdata\.test\. '; }
lr_expect_unchecked() {
	MXG_EXPECT_GET=lr_sections mxg_expect_twice "$1" "
$2. MX 10 $3.
$2. MX 20 mx.localdata.test.
mx.localdata.test. A 192.0.2.171" +additional "$2" MX
}
lr_expect_unchecked "an exchange only local-data knows is not stripped as dangling" \
    split.localdata.test nowhere.example
# Public DNS has an address for this one, which the RPZ withholds from
# clients: it must not reach them through the additional section.
lr_expect_unchecked "an RPZ-blocked exchange is kept, its public address left out" \
    blocked.localdata.test blocked.example

for i in $(seq 1 50); do
	[ "$(jq -r .other.unchecked "$MXG_DIR/stats.json" 2>/dev/null)" = 2 ] && break
	sleep 0.1
	mxg_tick
done
mxg_check "both exchanges are counted as unchecked" \
    [ "$(jq -r .other.unchecked "$MXG_DIR/stats.json")" = 2 ]
mxg_done
