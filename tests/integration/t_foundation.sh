#!/usr/bin/env bash
# t_foundation - the module loads, passes queries through unchanged,
# logs its version, and survives unbound-control reload.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_start

mxg_expect_log "logs its version and the Unbound it was built for at start" \
    'mxguard [0-9.]+ loaded \(built for Unbound [0-9.]+\)' 1
mxg_expect "an MX answer passes through" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 10 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." good.mx.test MX
mxg_expect "an A answer passes through" "
mx1.good.mx.test. A 192.0.2.11" mx1.good.mx.test A
mxg_expect "an AAAA answer passes through" "
mx1.good.mx.test. AAAA 2001:db8::11" mx1.good.mx.test AAAA
mxg_expect_rcode "NXDOMAIN passes through" NXDOMAIN nothere.mx.test A
mxg_expect "the same MX over TCP" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 10 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." +tcp good.mx.test MX

mxg_log_mark
mxg_check "unbound-control reload succeeds" mxg_control reload
mxg_expect_log "reload unloads the module" 'mxguard: unloaded' 1
mxg_expect_log "reload loads it again" 'mxguard [0-9.]+ loaded' 1
mxg_expect "answers after reload" "
seed1.mx.test. MX 10 mailhost1.seed1.mx.test.
seed1.mx.test. MX 20 mailhost2.seed1.mx.test." seed1.mx.test MX
mxg_done
