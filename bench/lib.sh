# bench/lib.sh - shared by the benchmarks in bench/ (sourced, not a
# benchmark: bench/run skips it).  Every benchmark takes --smoke (tiny
# sizes, seconds, no results file: for scripts/check) and -o FILE (where
# its Markdown section goes), and its last line is "bench: N passed, N
# failed".  What it gives:
#   bench_init NAME SPEC SMOKE-SETTINGS "$@": parses the options (SPEC:
#       -x:VAR:METAVAR words, or --flag:ASSIGNMENT), sets top, prefix,
#       builddir (MXG_BUILDDIR, default PREFIX/obj: the helper programs
#       under tests/tools/, engine-bench), say(), pass/fail counts,
#       finish(), a work directory removed on exit and a pid list of the
#       servers started, all stopped on exit, whatever the exit
#   bench_need CMD:PACKAGE...: fails the benchmark if one is missing
#       (scripts/deps installs them); bench_need_build [FILE...]
#   bench_placement: cpu_server / cpu_load (taskset prefixes), placement
#   free_port, machine_lines, bench_section, and for the tables: hdr,
#   row, vals, cell, med, ratio (median (min-max) over the runs)
#   nsd_start / ub_conf / unbound_start / system_start / pdns_start
#   delivery_setup: the zones, NSD and relay of cold, prefetch and check
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${MXG_PREFIX:-$top/_build}
builddir=${MXG_BUILDDIR:-$prefix/obj}
tools=$builddir/tests/tools
passed=0 failed=0 smoke=0
pids=""
bench_name=bench

say() { printf '%s: %s\n' "$bench_name" "$*"; }
finish() {
	echo "bench: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# bench_fail [MESSAGE]: one failure; bench_abort [MESSAGE]: and stop.
bench_fail() { [ -z "$*" ] || say "$*"; failed=$((failed + 1)); }
bench_abort() { bench_fail "$@"; finish; }

bench_init() {	# NAME SPEC SMOKE-SETTINGS ARG...
	local spec=$2 smokeset=$3 o f v m hit usage=""
	bench_name=$1
	shift 3
	for o in $spec; do IFS=: read -r f v m <<<"$o"; usage="$usage [$f${m:+ $m}]"; done
	while [ $# -gt 0 ]; do
		hit=0
		[ "$1" = --smoke ] && { smoke=1 hit=1; eval "$smokeset"; }
		for o in $spec; do
			IFS=: read -r f v m <<<"$o"
			[ "$1" = "$f" ] || continue
			hit=1
			if [ -n "$m" ]; then printf -v "$v" %s "${2:-}"; shift; else eval "$v"; fi
		done
		[ "$hit" = 1 ] || { echo "usage: bench/$(basename "$0") [--smoke]$usage" >&2; exit 2; }
		shift
	done
	work=$(mktemp -d "${TMPDIR:-/tmp}/mxg-bench-$bench_name.XXXXXX")
	raw=$work/raw
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		# pdns_recursor and Unbound stop within a second or two;
		# anything still there after that is killed.
		for _ in $(seq 1 20); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${MXG_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# bench_forget PID: a server stopped on purpose leaves the list.
bench_forget() { pids=$(printf '%s\n' $pids | grep -vx "$1" | tr '\n' ' '); }

bench_need() { "$top/scripts/deps" --need "$@" || bench_abort "run scripts/deps"; }

# bench_need_build [FILE...]: FILEs (under the prefix, or absolute; by
# default Unbound, unbound-control and mxguard.so) are there.
bench_need_build() {
	local f
	[ $# -gt 0 ] || set -- sbin/unbound sbin/unbound-control lib/unbound/mxguard.so
	for f in "$@"; do
		case $f in /*) ;; *) f=$prefix/$f ;; esac
		[ -e "$f" ] || bench_abort "$f missing: run scripts/build"
	done
}

# Servers on CPU 0, load generator (and NSD, relay) on the last CPU.
bench_placement() {
	ncpu=$(nproc)
	if [ "$ncpu" -ge 2 ]; then
		cpu_server="taskset -c 0" cpu_load="taskset -c $((ncpu - 1))"
		placement="resolver (Unbound or PowerDNS Recursor) on CPU 0; load generator, NSD and relay on CPU $((ncpu - 1)) (taskset)"
	else
		cpu_server="" cpu_load="" placement="one CPU: no placement"
	fi
	[ -z "${1:-}" ] || [ "$ncpu" -lt 2 ] || placement=$1
}

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Hltun 2>/dev/null | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}

# Figures of a process and of files.
# cpu_ns PID: nanoseconds on a CPU, all the process's threads (schedstat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'; }
kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$2/status"; }	# FIELD PID
fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
dnsperf_field() { sed -n "s/^ *$1: *\([0-9.]*\).*/\1/p" "$2" | head -n 1; }	# NAME FILE
ub_stat() { sed -n "s/^$1=//p" "$2"; }	# NAME FILE: one counter of a stats dump

# nsd_start PORT ZONE...: NSD on the load CPU serving $work/zones/ZONE.zone;
# with nsd_ctl=1, statistics over a control socket.
nsd_start() {
	local port=$1 z conf=$work/nsd.conf
	shift
	cat >"$conf" <<NSD
server:
	ip-address: 127.0.0.1
	port: $port
	username: ""
	zonesdir: "$work/zones"
	pidfile: "$work/nsd.pid"
	logfile: "$work/nsd.log"
	xfrdfile: "$work/xfrd.state"
	zonelistfile: "$work/zone.list"
	database: ""
	server-count: 1
	verbosity: 1
	reuseport: no
	refuse-any: yes
	# NSD's response rate limiting would answer a benchmark's load
	# with truncated or dropped answers: off.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
NSD
	if [ "${nsd_ctl:-0}" = 1 ]; then
		printf '\tcontrol-enable: yes\n\tcontrol-interface: "%s"\n' "$work/nsd.ctl" >>"$conf"
	else
		printf '\tcontrol-enable: no\n' >>"$conf"
	fi
	for z in "$@"; do
		printf 'zone:\n\tname: "%s."\n\tzonefile: "%s.zone"\n' "$z" "$z" >>"$conf"
	done
	$cpu_load nsd -d -c "$conf" >>"$work/nsd.log" 2>&1 &
	pids="$pids $!"
	for _ in $(seq 1 100); do
		dig @127.0.0.1 -p "$port" +time=1 +tries=1 +short "$1" SOA 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	say "NSD did not answer"
	return 1
}

# ub_conf SYSTEM DIR PORT STUB-PORT "EXTRA" ZONE...: DIR/unbound.conf,
# plain Unbound for SYSTEM plain*, Unbound + mxguard otherwise; the
# server clause gets EXTRA; stub-zones ZONE to 127.0.0.1@STUB-PORT.
ub_conf() {
	local modules="dynlib validator iterator" dir=$2 sport=$4 z
	case $1 in plain*) modules="validator iterator" ;; esac
	cat >"$dir/unbound.conf" <<UB
server:
	interface: 127.0.0.1
	port: $3
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	logfile: "$dir/unbound.log"
	use-syslog: no
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	do-not-query-localhost: no
	local-zone: "test." nodefault
	module-config: "$modules"
$5
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $(free_port)
	control-use-cert: no
dynlib:
	dynlib-file: "$prefix/lib/unbound/mxguard.so"
UB
	shift 5
	for z in "$@"; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$z" "$sport" >>"$dir/unbound.conf"
	done
}

ub_control() { "$prefix/sbin/unbound-control" -c "$1/unbound.conf" "${@:2}"; }

# unbound_start DIR [WRAPPER...]: Unbound on the server CPU with
# DIR/unbound.conf; sets ub_pid.  Fails when it does not come up.
unbound_start() {
	local dir=$1
	shift
	$cpu_server "$@" "$prefix/sbin/unbound" -d -c "$dir/unbound.conf" >"$dir/stderr" 2>&1 &
	ub_pid=$!
	pids="$pids $ub_pid"
	for _ in $(seq 1 300); do
		ub_control "$dir" status >/dev/null 2>&1 && return 0
		kill -0 "$ub_pid" 2>/dev/null || break
		sleep 0.1
	done
	say "Unbound did not start ($dir)"
	return 1
}

unbound_stop() {	# PID
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	bench_forget "$1"
}

# pdns_start DIR PORT MODE QMIN FORWARD-PORT ZONE...: PowerDNS Recursor,
# one thread, on the server CPU, forward-zones to 127.0.0.1@FORWARD-PORT
# (the root too, so nothing ever leaves the loopback; outgoing queries
# are also bound to 127.0.0.1).  MODE: none, ResolveImmediately,
# ResolveDeferred, CacheOnly.  Sets pdns_pid.
pdns_start() {
	local dir=$1 port=$2 mode=$3 qmin=$4 fport=$5 z fz=""
	shift 5
	for z in "$@" .; do fz="$fz${fz:+,}$z=127.0.0.1:$fport"; done
	if [ "$mode" = none ]; then
		echo "-- no additional processing" >"$dir/recursor.lua"
	else
		echo "addAllowedAdditionalQType(pdns.MX, {pdns.A, pdns.AAAA}, {mode=pdns.AdditionalMode.$mode})" >"$dir/recursor.lua"
	fi
	printf '%s\n' config-dir="$dir" socket-dir="$dir" local-address=127.0.0.1 local-port="$port" \
	    query-local-address=127.0.0.1 dont-query= forward-zones="$fz" lua-config-file="$dir/recursor.lua" \
	    threads=1 pdns-distributes-queries=no reuseport=no dnssec=off qname-minimization="$qmin" \
	    daemon=no disable-syslog=yes loglevel=4 quiet=yes security-poll-suffix= >"$dir/recursor.conf"
	$cpu_server pdns_recursor --config-dir="$dir" >"$dir/stderr" 2>&1 &
	pdns_pid=$!
	pids="$pids $pdns_pid"
	for _ in $(seq 1 100); do
		dig @127.0.0.1 -p "$port" +time=1 +tries=1 version.bind CH TXT >/dev/null 2>&1 && return 0
		kill -0 "$pdns_pid" 2>/dev/null || break
		sleep 0.1
	done
	say "pdns_recursor did not start ($dir)"
	return 1
}

# system_start SYSTEM DIR PORT UPSTREAM-PORT "EXTRA" ZONE...: a fresh
# resolver; sets spid.  SYSTEM: plain (Unbound), mxguard (Unbound +
# mxguard, DIR/mxguard.conf as the caller left it), wait, background,
# off (the prefetch setting), pdns-immediate, pdns-deferred (PowerDNS
# Recursor, addAllowedAdditionalQType in that mode); a -noqmin suffix:
# qname minimisation off.
system_start() {
	local sys=$1 d=$2 p=$3 up=$4 extra=$5 mode=${1%-noqmin} qmin=yes
	shift 5
	case $sys in *-noqmin) qmin=no extra="$extra${extra:+
}	qname-minimisation: no" ;; esac
	case $mode in wait|background|off) printf 'mxguard:\n\tprefetch: %s\n' "$mode" >"$d/mxguard.conf" ;; esac
	case $mode in
	pdns-immediate) pdns_start "$d" "$p" ResolveImmediately "$qmin" "$up" "$@" && spid=$pdns_pid ;;
	pdns-deferred) pdns_start "$d" "$p" ResolveDeferred "$qmin" "$up" "$@" && spid=$pdns_pid ;;
	*) ub_conf "$sys" "$d" "$p" "$up" "$extra" "$@" && unbound_start "$d" && spid=$ub_pid ;;
	esac
}

# Wait until FILE stops growing (background lookups still on their way);
# prints its line count.
settle_lines() {
	local last=-1 cur
	for _ in $(seq 1 50); do
		cur=$(wc -l <"$1")
		[ "$cur" = "$last" ] && break
		last=$cur
		sleep 0.2
	done
	echo "$cur"
}

# machine_lines: Markdown bullet lines describing the machine and versions.
machine_lines() {
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs"
	echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- kernel: $(uname -sr)"
	echo "- placement: $placement"
	echo "- Unbound: $("$prefix/sbin/unbound" -V | head -n 1) (same build for every Unbound system)"
	echo "- mxguard: git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- NSD: $(nsd -v 2>&1 | head -n 1)"
	command -v dnsperf >/dev/null && echo "- dnsperf: $(dnsperf -h 2>&1 | sed -n 's/^Version *//p' | head -n 1)$(dpkg-query -W -f=' (Debian ${Version})' dnsperf 2>/dev/null)"
	command -v pdns_recursor >/dev/null && echo "- PowerDNS Recursor: $(dpkg-query -W -f='${Version}' pdns-recursor 2>/dev/null)"
	echo "- compiler: $(cc --version | head -n 1)"
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# ---- tables: figures of the runs, one line each in $raw -----------------
# A raw line is words, most of them KEY=VALUE.  vals EXPR WORD...: for
# every raw line that has each WORD as one of its words, EXPR, an awk
# expression where v("KEY") is that line's KEY figure; EXPR a bare KEY
# is v("KEY"), lines without it skipped.  cell FORMAT EXPR WORD...:
# "median (min-max)" of those, FORMAT a printf format for one number;
# med EXPR WORD...: their median; sum EXPR WORD...: their sum.
vals() {
	local e=$1 need=1
	shift
	case $e in *[!A-Za-z0-9_]*) ;; *) need="v(\"$e\") != \"\"" e="v(\"$e\")" ;; esac
	awk -v want="$*" 'function v(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
	BEGIN { nw = split(want, w, " ") }
	{ for (i = 1; i <= nw; i++) { for (j = 1; j <= NF; j++) if ($j == w[i]) break; if (j > NF) next } }
	'"$need"' { print ('"$e"') }' "$raw"
}
cell() { local f=$1; shift; vals "$@" | sort -g | awk -v f="$f" '{ a[++k] = $1 }
	END {
		if (!k) { print "-"; exit }
		m = k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		printf f " (" f "-" f ")\n", m, a[1], a[k]
	}'; }
med() { vals "$@" | sort -g | awk '{ a[++k] = $1 }
	END { if (!k) { print 0; exit } print (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2) }'; }
sum() { vals "$@" | awk '{ t += $1 } END { print t + 0 }'; }
# ratio A B [FORMAT [SCALE]]: A x SCALE / B (0 when B is not above 0).
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" -v s="${4:-1}" 'BEGIN { printf f, (b > 0 ? a * s / b : 0) }'; }
# row CELL...: one Markdown table row; hdr COLUMN...: the header and rule.
row() { printf '| %s ' "$@"; echo '|'; }
hdr() { row "$@"; printf '|---%.0s' "$@"; echo '|'; }

# bench_report COMMAND FUNCTION [RAW-FILE...]: when there are figures,
# the section FUNCTION prints, finished by bench_section.
bench_report() {
	local c=$1 f=$2
	shift 2
	[ -s "$raw" ] || return 0
	"$f" >"$work/section.md"
	bench_section "$c" "$@"
}

# bench_section COMMAND [RAW-FILE...]: finish $work/section.md (the
# command that made it, the raw figures of $raw and the files named) and
# write it to $results, or print it when there is none.
bench_section() {
	local f
	{
		echo "Command: \`$1\`"
		echo
		echo "<details><summary>raw figures</summary>"
		echo
		echo '```'
		cat "$raw"
		shift
		for f in "$@"; do [ -s "$f" ] && cat "$f"; done
		echo '```'
		echo
		echo "</details>"
	} >>"$work/section.md"
	if [ -n "$results" ]; then
		mkdir -p "$(dirname "$results")"
		cp "$work/section.md" "$results"
		say "wrote $results"
	else
		cat "$work/section.md"
	fi
}

# ---- the delivery benchmarks: cold.sh, prefetch.sh, check.sh -------------
delivery_spec="-n:n:DOMAINS -r:rounds:ROUNDS -c:workers:WORKERS -d:delay:DELAY-MS -o:results:FILE"

# delivery_setup DOMAINS RELAY-LIFETIME-S [BOTH]: write the zones:
# d<i>.dom.test MX 10 mx1-<i> (and 20 mx2-<i> for even i, or for every
# i with BOTH=1) in mail.test, every exchange with an A and an AAAA
# record, none shared; serve them with NSD behind the relay, which holds
# every query $delay ms and logs it to $work/relay.log.  Sets relay,
# mta_client (the binaries), nsd_port and relay_port.
delivery_setup() {
	local relay_pid
	relay=$tools/relay mta_client=$tools/mta-client
	bench_need_build "$relay" "$mta_client"
	mkdir -p "$work/zones"
	awk -v n="$1" -v both="${3:-0}" -v w="$work/zones" 'BEGIN {
		for (z = 0; z < 2; z++) {
			f = w "/" (z ? "mail" : "dom") ".test.zone"
			print "$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1" >f
		}
		for (i = 0; i < n; i++)
			for (k = 1; k <= 2; k++) {
				if (k == 2 && i % 2 && !both) continue
				printf "d%d MX %d mx%d-%d.mail.test.\n", i, 10 * k, k, i >w "/dom.test.zone"
				printf "mx%d-%d A 10.%d.%d.%d\nmx%d-%d AAAA 2001:db8:%x::%d\n", k, i, int(i / 256) % 256, i % 256, k, k, i, i, k >w "/mail.test.zone"
			}
	}'
	nsd_port=$(free_port) relay_port=$(free_port)
	nsd_start "$nsd_port" dom.test mail.test || bench_abort
	relay_pid=$($cpu_load "$relay" -l "$relay_port" -u "$nsd_port" \
	    -d "$delay" -t "$2" -q "$work/relay.log" -b) || bench_abort "relay did not start"
	pids="$pids $relay_pid"
	touch "$work/relay.log"
}
