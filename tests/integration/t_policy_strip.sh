#!/usr/bin/env bash
# t_policy_strip - the default policies (cname strip, the others log):
# every fault kind, first answer and cached answer, and the log line.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test exempt.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	address-literal-policy: log
	dangling-policy: log
	null-mx-policy: log
	exempt-domain: exempt.test
	prefetch: wait
CONF
mxg_start

mxg_log_mark
mxg_expect_twice "an alias exchange is stripped (RFC 2181 10.3)" "
cname.mx.test. MX 20 good.cname.mx.test." cname.mx.test MX
mxg_expect_log "the strip is logged once, naming exchange, fault, canonical name" \
    'mxguard: answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action strip$' 1

mxg_log_mark
mxg_expect_twice "an alias through two CNAMEs, alone: SERVFAIL, not empty" SERVFAIL chain.mx.test MX
mxg_expect_log "the chain's canonical name is its end" \
    'answer chain\.mx\.test servfail \(no record would be left\); pref 10 exchange alias\.chain\.mx\.test canonical real\.chain\.mx\.test fault alias' 1

mxg_expect_twice "an exchange under a DNAME is an alias too" SERVFAIL dname.mx.test MX
mxg_expect_twice "every exchange an alias: SERVFAIL" SERVFAIL allalias.mx.test MX

mxg_log_mark
mxg_expect_twice "an address literal is logged, kept" "
literal.mx.test. MX 10 192.0.2.1.
literal.mx.test. MX 20 mx.literal.mx.test." literal.mx.test MX
mxg_expect_log "the literal is logged" \
    'answer literal\.mx\.test kept; pref 10 exchange 192\.0\.2\.1 fault address-literal action log' 1

mxg_log_mark
mxg_expect_twice "a dangling exchange (NXDOMAIN) is logged, kept" "
danglingnx.mx.test. MX 10 nothere.danglingnx.mx.test.
danglingnx.mx.test. MX 20 mx.danglingnx.mx.test." danglingnx.mx.test MX
mxg_expect_log "NXDOMAIN exchange logged as dangling" \
    'answer danglingnx\.mx\.test kept; pref 10 exchange nothere\.danglingnx\.mx\.test fault dangling action log' 1
mxg_expect_twice "a dangling exchange (NODATA) is logged, kept" "
danglingnd.mx.test. MX 10 txtonly.danglingnd.mx.test.
danglingnd.mx.test. MX 20 mx.danglingnd.mx.test." danglingnd.mx.test MX

mxg_log_mark
mxg_expect_twice "a null MX alone is left alone (RFC 7505)" "
nullmx.mx.test. MX 0 ." nullmx.mx.test MX
mxg_expect_no_log "a null MX alone logs no fault" 'answer nullmx\.mx\.test '
mxg_expect_twice "a null MX beside another record is logged, kept" "
nullmix.mx.test. MX 0 .
nullmix.mx.test. MX 10 mx.nullmix.mx.test." nullmix.mx.test MX
mxg_expect_log "null MX misuse logged" 'answer nullmix\.mx\.test kept; pref 0 exchange \. fault null-mx-misuse action log' 1

mxg_expect_twice "a mix: only the alias goes" "
mixed.mx.test. MX 10 mx1.mixed.mx.test.
mixed.mx.test. MX 20 192.0.2.2.
mixed.mx.test. MX 30 nothere.mixed.mx.test." mixed.mx.test MX

mxg_log_mark
mxg_expect_twice "an exempt domain is never changed" "
exempt.test. MX 10 alias.exempt.test.
exempt.test. MX 20 mx.exempt.test." exempt.test MX
mxg_expect_log "but checked and logged" 'answer exempt\.test kept \(exempt\); pref 10 exchange alias\.exempt\.test canonical mx\.exempt\.test fault alias action exempt' 1
mxg_expect_twice "nor its subdomains" "
sub.exempt.test. MX 10 alias.exempt.test." sub.exempt.test MX

mxg_expect_twice "a clean answer is unchanged" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 10 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." good.mx.test MX
mxg_expect "CD=1 clients get the same policed answer" "
cname.mx.test. MX 20 good.cname.mx.test." +cd cname.mx.test MX
mxg_expect "and so do TCP clients" "
cname.mx.test. MX 20 good.cname.mx.test." +tcp cname.mx.test MX
mxg_expect "the alias's own records still resolve for those who ask" "
alias.cname.mx.test. CNAME real.cname.mx.test.
real.cname.mx.test. A 192.0.2.71" alias.cname.mx.test A
mxg_done
