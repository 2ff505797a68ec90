#!/usr/bin/env bash
# t_demo - the README's first command: scripts/demo serves its demo zones
# with mxguard loaded, and answers the queries it suggests.
. "$(dirname "$0")/lib.sh"

PORT=$MXG_PORT "$MXG_TOP/scripts/demo" >"$MXG_LOG" 2>&1 &
MXG_PIDS="$MXG_PIDS $!"
for i in $(seq 1 100); do
	[ -n "$(mxg_rcode lb.demo.test MX)" ] && break
	sleep 0.2
done

mxg_expect "load balancing: two equal exchanges and a backup" "
lb.demo.test. MX 10 mx1.lb.demo.test.
lb.demo.test. MX 10 mx2.lb.demo.test.
lb.demo.test. MX 20 backup.lb.demo.test." lb.demo.test MX
mxg_expect "the MX that points to an alias is stripped" "
alias.demo.test. MX 20 backup.alias.demo.test." alias.demo.test MX
mxg_expect "the null MX is left alone" "
nomail.demo.test. MX 0 ." nomail.demo.test MX
mxg_expect "the address literal is kept (logged)" "
literal.demo.test. MX 10 192.0.2.20.
literal.demo.test. MX 20 mx.literal.demo.test." literal.demo.test MX
mxg_expect "an exchange's address" "
mx1.lb.demo.test. A 192.0.2.1" mx1.lb.demo.test A
mxg_expect_log "the strip is in the log" 'mxguard: answer alias\.demo\.test changed; .* action strip' 1
mxg_done
