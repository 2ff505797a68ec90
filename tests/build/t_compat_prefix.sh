#!/usr/bin/env bash
# t_compat_prefix - scripts/compat against an Unbound tree that was
# configured and built for another prefix (by default the main build's
# tree, _build/src/unbound): Unbound must be installed in the compat
# prefix, where the suites look for it, and the tree must stay
# configured for its own prefix.  The compat prefix is kept in
# _build/compat-prefix, so a later run rebuilds nothing.
#
# Usage: tests/build/t_compat_prefix.sh [TREE]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tree=$(cd "${1:-$top/_build/src/unbound}" 2>/dev/null && pwd -P) ||
    { echo "t_compat_prefix: no tree ${1:-$top/_build/src/unbound} (run scripts/build)"; echo "t_compat_prefix: 0 passed, 1 failed"; exit 1; }
prefix=$top/_build/compat-prefix
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok t_compat_prefix: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL t_compat_prefix: $1"; }
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
tree_prefix() { sed -n 's/^prefix=//p' "$tree/Makefile"; }

own=$(tree_prefix)
check "the tree is configured for a prefix of its own (${own:-none})" \
    test -n "$own" -a "$own" != "$prefix"
out=$(UNBOUND_SRC=$tree PREFIX=$prefix bash "$top/scripts/compat" "$top/tests/integration/t_foundation.sh" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  /' | tail -n 30
check "scripts/compat passed against the tree" test "$rc" = 0
check "and ran the suite named" grep -qE '^# PASS: +[1-9]' <<<"$out"
check "Unbound is installed in the compat prefix" test -x "$prefix/sbin/unbound"
check "and so is mxguard" test -f "$prefix/lib/unbound/mxguard.so"
check "the installed Unbound is the tree's version" \
    test "$("$prefix/sbin/unbound" -V 2>/dev/null | sed -n 's/^Version //p')" = \
    "$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$tree/config.h")"
check "the tree is still configured for $own" test "$(tree_prefix)" = "$own"
echo "t_compat_prefix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
