#!/usr/bin/env bash
# t_alias_owner - an MX answer reached through a CNAME at the name the
# client asked is exempt, and counted, by that name (qname), on the
# resolved path and on the cache-hit path alike.
. "$(dirname "$0")/lib.sh"

mxg_zone owner.test
mxg_conf <<CONF
mxguard:
	cname-policy: strip
	exempt-domain: exempt.owner.test
	stats-interval: 1
	stats-file: "$MXG_DIR/stats.json"
	stats-format: json
CONF
mxg_start

mxg_log_mark
mxg_expect_twice "asked through an exempt alias, the same MX set is kept" "
via.exempt.owner.test. CNAME mail.owner.test.
mail.owner.test. MX 10 alias.mail.owner.test.
mail.owner.test. MX 20 good.mail.owner.test." via.exempt.owner.test MX
mxg_expect_log "logged as exempt under the name asked" \
    'answer via\.exempt\.owner\.test kept \(exempt\); pref 10 exchange alias\.mail\.owner\.test' 1

mxg_expect_twice "an exempt owner asked through an alias outside is policed" "
into.owner.test. CNAME mx.exempt.owner.test.
mx.exempt.owner.test. MX 20 good.mail.owner.test." into.owner.test MX

# Asked after the aliases: with the owner's policed answer cached, Unbound
# would build an alias's answer from it (see exempt-domain in the manual).
mxg_expect_twice "asked directly, the owner's alias exchange is stripped" "
mail.owner.test. MX 20 good.mail.owner.test." mail.owner.test MX

# stats_domain NAME: "resolved cache" of NAME in the stats file.
stats_domain() {
	jq -r --arg d "$1" '.top_domains[] | select(.domain == $d) |
	    "\(.answers.resolved) \(.answers.cache)"' "$MXG_DIR/stats.json" 2>/dev/null
}
for i in $(seq 1 50); do
	[ "$(stats_domain mail.owner.test)" = "1 1" ] && break
	sleep 0.1
	mxg_tick
done
mxg_check "the exempt alias counts one answer resolved and one from cache" \
    [ "$(stats_domain via.exempt.owner.test)" = "1 1" ]
mxg_check "so does the alias outside" [ "$(stats_domain into.owner.test)" = "1 1" ]
mxg_check "and the owner asked directly, its own two only" \
    [ "$(stats_domain mail.owner.test)" = "1 1" ]
mxg_check "the alias targets are not counted under their own names" \
    [ -z "$(stats_domain mx.exempt.owner.test)" ]
mxg_done
