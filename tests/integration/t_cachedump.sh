#!/usr/bin/env bash
# t_cachedump - unbound-control dump_cache and load_cache with policed
# answers in the cache.  The dump has no place for the flag that keeps
# mxguard's copy of a changed MX rrset apart from the upstream one, so
# load_cache reads the copy back as a plain rrset: it must never take the
# upstream rrset's place, and the policed answer, which refers to the
# flagged copy, is not restored but resolved and policed again.
. "$(dirname "$0")/lib.sh"

mxg_zone mx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
CONF
mxg_start

STRIPPED="cname.mx.test. MX 20 good.cname.mx.test."
UPSTREAM="cname.mx.test. MX 10 alias.cname.mx.test.
cname.mx.test. MX 20 good.cname.mx.test."
mxg_expect_twice "an alias exchange is stripped" "$STRIPPED" cname.mx.test MX
mxg_check "dump_cache" sh -c "'$MXG_PREFIX/sbin/unbound-control' -c '$MXG_DIR/unbound.conf' dump_cache >'$MXG_DIR/dump'"

# The MX rrsets of cname.mx.test in a dump: one line per rrset, its
# records joined by "|", sorted.
cd_mx_rrsets() {
	awk '/^;rrset/ { n = $3 + $4; rr = ""; next }
	     n > 0 { n--; if ($1 == "cname.mx.test." && $4 == "MX") rr = rr "|" $5 " " $6;
	             if (n == 0 && rr != "") print substr(rr, 2) }' "$1" | sort
}
mxg_check "the dump holds the upstream MX rrset and mxguard's copy" test "$(cd_mx_rrsets "$MXG_DIR/dump")" = \
    "10 alias.cname.mx.test.|20 good.cname.mx.test.
20 good.cname.mx.test."

# Put mxguard's copy last among the rrsets, where it would overwrite the
# upstream rrset if it could.
awk '/^;rrset/ { blk = $0 "\n"; n = $3 + $4; single = $3 == 1; next }
     n > 0 { blk = blk $0 "\n"; n--
             if (single && $1 == "cname.mx.test." && $4 == "MX") copy = 1
             if (n == 0) { if (copy) late = blk; else printf "%s", blk; copy = 0 }
             next }
     /^END_RRSET_CACHE/ { printf "%s", late }
     { print }' "$MXG_DIR/dump" >"$MXG_DIR/dump.reordered"
mxg_check "the reordered dump has the copy last" \
    sh -c "grep -B2 '^END_RRSET_CACHE' '$MXG_DIR/dump.reordered' | grep -q '^cname\\.mx\\.test\\..*MX.20 good'"

mxg_check "flush the zone" mxg_control flush_zone mx.test
mxg_check "load_cache" sh -c "'$MXG_PREFIX/sbin/unbound-control' -c '$MXG_DIR/unbound.conf' load_cache <'$MXG_DIR/dump.reordered'"
mxg_check "dump_cache after the load" sh -c "'$MXG_PREFIX/sbin/unbound-control' -c '$MXG_DIR/unbound.conf' dump_cache >'$MXG_DIR/dump2'"
mxg_check "the resolver's MX rrset is still the upstream one" test "$(cd_mx_rrsets "$MXG_DIR/dump2")" = \
    "10 alias.cname.mx.test.|20 good.cname.mx.test."
mxg_expect_twice "after the load the answer is policed again" "$STRIPPED" cname.mx.test MX
mxg_expect "and its A record still resolves" "good.cname.mx.test. A 192.0.2.72" good.cname.mx.test A
mxg_done
