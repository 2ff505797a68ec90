#!/usr/bin/env bash
# t_policy_log - every policy log: nothing changes, every fault is
# logged; policy off: not even logged.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: log
	address-literal-policy: log
	dangling-policy: log
	null-mx-policy: off
CONF
mxg_start

mxg_log_mark
mxg_expect_twice "an alias exchange is kept" "
cname.mx.test. MX 10 alias.cname.mx.test.
cname.mx.test. MX 20 good.cname.mx.test." cname.mx.test MX
mxg_expect_log "and logged" 'answer cname\.mx\.test kept; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action log$' 1
mxg_expect_twice "an all-alias set is kept" "
allalias.mx.test. MX 10 a1.allalias.mx.test.
allalias.mx.test. MX 20 a2.allalias.mx.test." allalias.mx.test MX
mxg_log_mark
mxg_expect_twice "null MX misuse with policy off: kept" "
nullmix.mx.test. MX 0 .
nullmix.mx.test. MX 10 mx.nullmix.mx.test." nullmix.mx.test MX
mxg_expect_no_log "and not logged" 'answer nullmix'
mxg_done
