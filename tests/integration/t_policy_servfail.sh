#!/usr/bin/env bash
# t_policy_servfail - every policy servfail: any offending record makes
# the answer SERVFAIL (never empty); clean answers and a lone null MX pass.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: servfail
	address-literal-policy: servfail
	dangling-policy: servfail
	null-mx-policy: servfail
CONF
mxg_start

mxg_log_mark
mxg_expect_twice "an alias exchange: SERVFAIL" SERVFAIL cname.mx.test MX
mxg_expect_log "the SERVFAIL is logged" \
    'answer cname\.mx\.test servfail; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action servfail' 1
mxg_expect_twice "an address literal: SERVFAIL" SERVFAIL literal.mx.test MX
mxg_expect_twice "a dangling exchange: SERVFAIL" SERVFAIL danglingnx.mx.test MX
mxg_expect_twice "null MX misuse: SERVFAIL" SERVFAIL nullmix.mx.test MX
mxg_expect_twice "null MX with a preference: SERVFAIL" SERVFAIL nullpref.mx.test MX
mxg_expect_twice "a lone null MX is fine" "
nullmx.mx.test. MX 0 ." nullmx.mx.test MX
mxg_expect_twice "a clean answer is fine" "
seed1.mx.test. MX 10 mailhost1.seed1.mx.test.
seed1.mx.test. MX 20 mailhost2.seed1.mx.test." seed1.mx.test MX
mxg_done
