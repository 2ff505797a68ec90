# bench/lib.sh - shared by the benchmarks in bench/ (sourced, not a
# benchmark: bench/run skips it).  What it gives:
#   bench_init NAME "$@"-less: sets top, prefix, say(), pass/fail counts,
#       finish(), a work directory removed on exit and a pid list of the
#       servers started, all stopped on exit, whatever the exit
#   bench_need CMD:PACKAGE...: apt-get install what is missing
#   bench_placement: cpu_server / cpu_load (taskset prefixes), placement
#   free_port, median helpers (bench_summary), machine_lines
#   nsd_start DIR PORT ZONE...: NSD serving DIR/zones/ZONE.zone
#   unbound_conf / unbound_start / unbound_stop / ub_stat
#   pdns_start: PowerDNS Recursor with forward-zones
#   delivery_options / delivery_setup: the options, zones, NSD and relay
#       of the two delivery benchmarks, cold.sh and prefetch.sh
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${MXG_PREFIX:-$top/_build}
passed=0 failed=0
pids=""
bench_name=bench

say() { printf '%s: %s\n' "$bench_name" "$*"; }
finish() {
	echo "bench: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

bench_init() {	# NAME
	bench_name=$1
	work=$(mktemp -d "${TMPDIR:-/tmp}/mxg-bench-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		# pdns_recursor and Unbound stop within a second or two;
		# anything still there after that is killed.
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
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

bench_need() {	# CMD:PACKAGE ...
	local pair missing=""
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null || missing="$missing ${pair#*:}"
	done
	[ -z "$missing" ] && return 0
	say "installing$missing"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } >/dev/null 2>&1 ||
	    { say "could not install$missing"; failed=$((failed + 1)); finish; }
	# Debian starts the packaged service where it can; this benchmark
	# runs its own instances only.
	return 0
}

bench_need_build() {
	local f
	for f in sbin/unbound sbin/unbound-control lib/unbound/mxguard.so; do
		[ -e "$prefix/$f" ] || { say "$prefix/$f missing: run scripts/build"; failed=$((failed + 1)); finish; }
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
}

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Hltun 2>/dev/null | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}

# nsd_start PORT ZONE...: NSD on the load CPU serving $work/zones/ZONE.zone.
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
	control-enable: no
NSD
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

# unbound_conf MODULES DIR PORT CONTROL-PORT STUB-PORT "EXTRA" ZONE...
unbound_conf() {
	local modules=$1 dir=$2 port=$3 cport=$4 sport=$5 extra=$6 z
	shift 6
	cat <<UB
server:
	interface: 127.0.0.1
	port: $port
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
$extra
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $cport
	control-use-cert: no
dynlib:
	dynlib-file: "$prefix/lib/unbound/mxguard.so"
UB
	for z in "$@"; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$z" "$sport"
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

# ub_stat NAME FILE: one counter of an unbound-control stats dump.
ub_stat() { sed -n "s/^$1=//p" "$2"; }

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
	cat >"$dir/recursor.conf" <<PDNS
config-dir=$dir
socket-dir=$dir
local-address=127.0.0.1
local-port=$port
query-local-address=127.0.0.1
dont-query=
forward-zones=$fz
lua-config-file=$dir/recursor.lua
threads=1
pdns-distributes-queries=no
reuseport=no
dnssec=off
qname-minimization=$qmin
daemon=no
disable-syslog=yes
loglevel=4
quiet=yes
security-poll-suffix=
PDNS
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

# bench_cell: read "value..." lines on stdin; print "median (min-max)".
# FORMAT is a printf format for one number.
bench_cell() {
	sort -g | awk -v f="$1" '{ a[++k] = $1 }
	END {
		if (!k) { print "-"; exit }
		m = k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		printf f " (" f "-" f ")\n", m, a[1], a[k]
	}'
}
bench_median() {
	sort -g | awk '{ a[++k] = $1 }
	END { if (!k) { print 0; exit } print (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2) }'
}

# bench_section COMMAND [RAW-FILE...]: finish $work/section.md (the
# command that made it, the raw figures of $work/raw and the files
# named) and write it to $results, or print it when there is none.
bench_section() {
	local f
	{
		echo "Command: \`$1\`"
		echo
		echo "<details><summary>raw figures</summary>"
		echo
		echo '```'
		cat "$work/raw"
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

# ---- the delivery benchmarks: cold.sh and prefetch.sh -------------------

# delivery_options SCRIPT SMOKE-DOMAINS ARG...: parse their shared
# options into n, rounds, workers, delay, results and smoke (the caller
# sets the defaults first).
delivery_options() {
	local script=$1 smoke_n=$2
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--smoke) smoke=1 n=$smoke_n rounds=1 workers=2 results="" ;;
		-n) n=$2; shift ;;
		-r) rounds=$2; shift ;;
		-c) workers=$2; shift ;;
		-d) delay=$2; shift ;;
		-o) results=$2; shift ;;
		*) echo "usage: bench/$script [--smoke] [-n DOMAINS] [-r ROUNDS] [-c WORKERS] [-d DELAY-MS] [-o FILE]" >&2
		   exit 2 ;;
		esac
		shift
	done
}

# delivery_setup DOMAINS RELAY-LIFETIME-S: build this tree's
# bench/relay.c and bench/mta-client.c into the work directory (the
# prefix is only read: a worktree run with another tree's MXG_PREFIX
# uses its own client); write the zones: d<i>.dom.test MX 10 mx1-<i>
# (and 20 mx2-<i> for even i) in mail.test, every exchange with an A
# and an AAAA record, none shared; serve them with NSD behind the relay,
# which holds every query $delay ms and logs it to $work/relay.log.
# Sets relay, mta_client (the binaries), nsd_port and relay_port.
delivery_setup() {
	local relay_pid
	relay=$work/bin/relay mta_client=$work/bin/mta-client
	mkdir -p "$work/bin"
	cc -O2 -Wall -o "$relay" "$top/bench/relay.c" -lpthread &&
	cc -O2 -Wall -o "$mta_client" "$top/bench/mta-client.c" -lresolv -lpthread ||
	    { say "building the relay and the client failed"; failed=$((failed + 1)); finish; }
	mkdir -p "$work/zones"
	awk -v n="$1" -v w="$work/zones" 'BEGIN {
		for (z = 0; z < 2; z++) {
			f = w "/" (z ? "mail" : "dom") ".test.zone"
			print "$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1" >f
		}
		for (i = 0; i < n; i++) {
			printf "d%d MX 10 mx1-%d.mail.test.\n", i, i >w "/dom.test.zone"
			printf "mx1-%d A 10.%d.%d.1\nmx1-%d AAAA 2001:db8:%x::1\n", i, int(i / 256) % 256, i % 256, i, i >w "/mail.test.zone"
			if (i % 2) continue
			printf "d%d MX 20 mx2-%d.mail.test.\n", i, i >w "/dom.test.zone"
			printf "mx2-%d A 10.%d.%d.2\nmx2-%d AAAA 2001:db8:%x::2\n", i, int(i / 256) % 256, i % 256, i, i >w "/mail.test.zone"
		}
	}'
	nsd_port=$(free_port) relay_port=$(free_port)
	nsd_start "$nsd_port" dom.test mail.test || { failed=$((failed + 1)); finish; }
	relay_pid=$($cpu_load "$relay" -l "$relay_port" -u "$nsd_port" \
	    -d "$delay" -t "$2" -q "$work/relay.log" -b) ||
	    { say "relay did not start"; failed=$((failed + 1)); finish; }
	pids="$pids $relay_pid"
	touch "$work/relay.log"
}
