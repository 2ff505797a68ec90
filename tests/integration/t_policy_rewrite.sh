#!/usr/bin/env bash
# t_policy_rewrite - cname-policy: rewrite replaces an alias exchange by
# its canonical name, keeping the preference.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: rewrite
CONF
mxg_start

mxg_log_mark
mxg_expect_twice "an alias becomes its canonical name" "
cname.mx.test. MX 10 real.cname.mx.test.
cname.mx.test. MX 20 good.cname.mx.test." cname.mx.test MX
mxg_expect_log "the rewrite is logged" \
    'answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action rewrite$' 1
mxg_expect_twice "a two-CNAME chain becomes its end" "
chain.mx.test. MX 10 real.chain.mx.test." chain.mx.test MX
mxg_expect_twice "a DNAME-synthesized alias becomes its target" "
dname.mx.test. MX 10 mail.new.dname.mx.test." dname.mx.test MX
mxg_expect_twice "two aliases of one name at two preferences: both rewritten" "
allalias.mx.test. MX 10 real.allalias.mx.test.
allalias.mx.test. MX 20 real.allalias.mx.test." allalias.mx.test MX
mxg_expect_twice "the mix: alias of an existing exchange is dropped, not doubled" "
mixed.mx.test. MX 10 mx1.mixed.mx.test.
mixed.mx.test. MX 20 192.0.2.2.
mixed.mx.test. MX 30 nothere.mixed.mx.test." mixed.mx.test MX
mxg_done
