#!/usr/bin/env bash
# testdata.sh - Unbound's own replay scenarios (the testdata/*.rpl named)
# through testbound, as shipped and with dynlib before validator (before
# iterator without one) and mxguard loaded with its defaults; TAP, one
# line a scenario (scripts/harden's replay step).  A scenario that passes
# as shipped must pass with mxguard, or be explained: stopped by a script
# mismatch (not a crash) and passing with prefetch: off, i.e. the exchange
# prefetch asked upstream what the scenario does not script.
#
# Environment: MXG_UNBOUND_SRC (the tree with testbound), MXG_MODULE,
# REPLAY_WORK (where the logs stay).
set -u
usrc=${MXG_UNBOUND_SRC:?} tb=$MXG_UNBOUND_SRC/testbound module=${MXG_MODULE:?}
dir=${REPLAY_WORK:?}
rm -rf "$dir" && mkdir -p "$dir"
printf 'mxguard:\n\tprefetch: off\n' >"$dir/prefetch-off.conf"
echo "1..$#"
n=0 p_ship=0 p_mod=0 explained="" differ=""
for s in "$@"; do
	name=$(basename "$s" .rpl) n=$((n + 1))
	awk -v mod="$module" 'BEGIN { c = 1 }
		c && /^[[:space:]]*module-config:/ {
			seen = 1
			if (!sub(/validator/, "dynlib validator")) sub(/iterator/, "dynlib iterator")
		}
		c && /^CONFIG_END/ {
			if (!seen) print "server:\n\tmodule-config: \"dynlib validator iterator\""
			print "dynlib:\n\tdynlib-file: \"" mod "\""
			c = 0
		}
		{ print }' "$s" >"$dir/$name.rpl"
	ship=FAIL mod=FAIL
	(cd "$usrc" && "$tb" -p "$s") >"$dir/$name.shipped.out" 2>&1 && ship=ok p_ship=$((p_ship + 1))
	(cd "$usrc" && MXGUARD_CONF='' "$tb" -p "$dir/$name.rpl") >"$dir/$name.mxguard.out" 2>&1 &&
	    mod=ok p_mod=$((p_mod + 1))
	if [ "$ship" = "$mod" ]; then
		echo "ok $n - $name: as shipped $ship, with mxguard $mod"
		continue
	fi
	why=$(sed -n 's/.*fatal error: testbound: //p' "$dir/$name.mxguard.out" | head -n 1)
	case $ship:$why in
	"ok:query answer not matched"|"ok:there are still messages pending"*)
		if (cd "$usrc" && MXGUARD_CONF=$dir/prefetch-off.conf "$tb" -p "$dir/$name.rpl") \
		    >"$dir/$name.prefetch-off.out" 2>&1; then
			explained="$explained $name"
			echo "ok $n - $name: differs, explained: the exchange prefetch sends sub-queries the scenario does not script ($why); passes with prefetch: off"
			continue
		fi ;;
	esac
	differ="$differ $name"
	echo "not ok $n - $name: as shipped $ship, with mxguard $mod (logs: $dir/$name.*.out)"
done
echo "# summary: $n scenarios; as shipped $p_ship passed, $((n - p_ship)) failed; with mxguard $p_mod passed, $((n - p_mod)) failed"
echo "# summary: differing, explained by the exchange prefetch:${explained:- none}; unexplained:${differ:- none}"
[ -z "$differ" ]
