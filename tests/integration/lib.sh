# lib.sh - the integration test harness, sourced by each tests/integration/t_*.sh.
#
# A suite starts NSD serving zone files from tests/zones/ on a loopback
# port and the _build Unbound with mxguard loaded on another (stub zones
# to NSD), asks real clients (dig, and the libunbound client mxg-query)
# and checks answers and the Unbound log.  Both servers are always
# stopped on exit, even when a check fails; the logs are printed when one
# did.  Ports are picked free at random, so two runs on one machine do not
# collide.
#
# A suite calls: mxg_zone NAME... ; mxg_conf <<EOF (mxguard.conf);
# mxg_start [extra unbound.conf lines]; then checks: mxg_expect,
# mxg_expect_rcode, mxg_expect_log, ...; finally mxg_done.  MXG_MODULES
# sets Unbound's module-config; mxg_instance starts more resolvers.
set -u

MXG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MXG_PREFIX=${MXG_PREFIX:-$MXG_TOP/_build}
MXG_SUITE=$(basename "$0" .sh)
MXG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mxg-$MXG_SUITE.XXXXXX")
MXG_PASSED=0
MXG_FAILED=0
MXG_PIDS=""
MXG_ZONES=""
MXG_UNBOUND_EXTRA=""
# The build under test: its module, tools and helper programs.
MXG_BUILDDIR=${MXG_BUILDDIR:-$MXG_PREFIX/obj}
MXG_MODULE=${MXG_MODULE:-$MXG_BUILDDIR/.libs/mxguard.so}
MXG_TOOLS=$MXG_BUILDDIR/tests/tools
MXG_MODULES=${MXG_MODULES:-dynlib validator iterator}
# The Unbound the checks talk to: its files in MXG_DIR are NAME.conf,
# NAME.log, NAME.pid and NAME.stderr (mxg_instance, mxg_use).
MXG_UB=unbound
MXG_INSTANCES=unbound
declare -A MXG_INST
MXG_LOG=$MXG_DIR/unbound.log
MXG_NSD_LOG=$MXG_DIR/nsd.log
export MXG_DIR

mxg_say() { printf '%s: %s\n' "$MXG_SUITE" "$*"; }

# A free loopback port (TCP and UDP), random so parallel runs do not meet.
mxg_free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! ss -Hltun 2>/dev/null | awk '{print $5}' | grep -q ":$p\$"; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port" >&2
	return 1
}

MXG_NSD_PORT=$(mxg_free_port)
MXG_PORT=$(mxg_free_port)
MXG_CONTROL_PORT=$(mxg_free_port)

# mxg_zone NAME...: serve tests/zones/NAME.zone from NSD (origin NAME.),
# or $MXG_DIR/zones/NAME.zone when the suite wrote one there.
mxg_zone() { MXG_ZONES="$MXG_ZONES $*"; }

# mxg_conf: mxguard.conf from stdin, into the Unbound directory where the
# module looks for it.
mxg_conf() { cat >"$MXG_DIR/mxguard.conf"; }

mxg_start_nsd() {
	local z conf=$MXG_DIR/nsd.conf
	cat >"$conf" <<NSD
server:
	ip-address: 127.0.0.1
	port: $MXG_NSD_PORT
	username: ""
	zonesdir: "$MXG_DIR/zones"
	pidfile: "$MXG_DIR/nsd.pid"
	logfile: "$MXG_NSD_LOG"
	xfrdfile: "$MXG_DIR/xfrd.state"
	zonelistfile: "$MXG_DIR/zone.list"
	database: ""
	server-count: 1
	verbosity: 1
	reuseport: no
remote-control:
	control-enable: no
NSD
	mkdir -p "$MXG_DIR/zones"
	for z in $MXG_ZONES; do
		# A zone a test wrote into zones/ itself is served as it is.
		[ -f "$MXG_DIR/zones/$z.zone" ] ||
		    cp "$MXG_TOP/tests/zones/$z.zone" "$MXG_DIR/zones/"
		printf 'zone:\n\tname: "%s."\n\tzonefile: "%s.zone"\n' "$z" "$z" >>"$conf"
	done
	nsd -d -c "$conf" >>"$MXG_NSD_LOG" 2>&1 &
	MXG_NSD_PID=$!
	MXG_PIDS="$MXG_PIDS $!"
}

mxg_unbound_conf() {
	local z
	cat <<UB
server:
	interface: 127.0.0.1
	port: $MXG_PORT
	username: ""
	chroot: ""
	directory: "$MXG_DIR"
	pidfile: "$MXG_DIR/$MXG_UB.pid"
	logfile: "$MXG_LOG"
	use-syslog: no
	verbosity: 1
	num-threads: 1
	so-reuseport: no
	do-not-query-localhost: no
	local-zone: "test." nodefault
	minimal-responses: no
	module-config: "$MXG_MODULES"
$MXG_UNBOUND_EXTRA
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $MXG_CONTROL_PORT
	control-use-cert: no
dynlib:
	dynlib-file: "$MXG_MODULE"
UB
	for z in $MXG_ZONES; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$z" "$MXG_NSD_PORT"
	done
}

mxg_control() { "$MXG_PREFIX/sbin/unbound-control" -c "$MXG_DIR/$MXG_UB.conf" "$@"; }

# mxg_start_unbound: start it; returns non-zero when it did not come up
# (the log says why: a bad mxguard.conf stops it at init).
mxg_start_unbound() {
	mxg_unbound_conf >"$MXG_DIR/$MXG_UB.conf"
	"$MXG_PREFIX/sbin/unbound" -d -c "$MXG_DIR/$MXG_UB.conf" >>"$MXG_DIR/$MXG_UB.stderr" 2>&1 &
	MXG_UNBOUND_PID=$!
	MXG_PIDS="$MXG_PIDS $!"
	mxg_inst_save
	local i
	for i in $(seq 1 100); do
		if mxg_control status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$MXG_UNBOUND_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# mxg_start [unbound.conf server: lines]: both servers.
mxg_start() {
	MXG_UNBOUND_EXTRA=${1:-}
	mxg_start_nsd
	if ! mxg_start_unbound; then
		mxg_fail "unbound started"
		mxg_done
	fi
}

# Several resolvers (after mxg_start): the current one's name, ports
# and pid are kept under its name, so that a suite can switch between
# them.
mxg_inst_save() {
	MXG_INST[$MXG_UB]="$MXG_PORT $MXG_CONTROL_PORT ${MXG_UNBOUND_PID:-0} $MXG_MODULES"
}

# mxg_use NAME: the checks talk to that Unbound from now on ("unbound"
# is the one mxg_start started).  Call mxg_log_mark after it.
mxg_use() {
	local v
	mxg_inst_save
	v=(${MXG_INST[$1]:?no Unbound named $1})
	MXG_UB=$1 MXG_LOG=$MXG_DIR/$1.log
	MXG_PORT=${v[0]} MXG_CONTROL_PORT=${v[1]} MXG_UNBOUND_PID=${v[2]}
	MXG_MODULES=${v[*]:3}
}

# mxg_instance NAME [extra unbound.conf lines]: start one more Unbound
# beside the first (same zones, same mxguard.conf; the extra lines of
# the one in use unless given), with the module-config in MXG_MODULES at
# the call, on ports of its own, and switch to it.  Returns non-zero
# when it did not come up.
mxg_instance() {
	mxg_inst_save
	MXG_UB=$1 MXG_LOG=$MXG_DIR/$1.log
	MXG_PORT=$(mxg_free_port) && MXG_CONTROL_PORT=$(mxg_free_port) || return 1
	[ $# -lt 2 ] || MXG_UNBOUND_EXTRA=$2
	MXG_INSTANCES="$MXG_INSTANCES $1"
	mxg_start_unbound
}

mxg_stop() {
	local p
	for p in $MXG_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $MXG_PIDS; do
		wait "$p" 2>/dev/null
	done
	MXG_PIDS=""
}

# The logs of every Unbound, NSD's, and MXG_MORE_LOGS (files a suite
# adds, e.g. another server's).
mxg_show_logs() {
	local f u
	for f in $(for u in $MXG_INSTANCES; do echo "$MXG_DIR/$u.log" "$MXG_DIR/$u.stderr"; done) \
	    "$MXG_NSD_LOG" ${MXG_MORE_LOGS:-}; do
		[ -s "$f" ] || continue
		echo "# ---- $(basename "$f") (last 60 lines) ----"
		tail -n 60 "$f" | sed 's/^/# /'
	done
}

# Only the suite's own shell cleans up.  A background job killed right
# after it was started can still be a copy of this shell with our traps
# (bash resets them in the child only after the fork): without this check
# that copy would stop the servers and remove the suite's directory.
MXG_SHELL=$BASHPID
mxg_cleanup() {
	[ "$BASHPID" = "$MXG_SHELL" ] || return 0
	mxg_stop
	if [ "$MXG_FAILED" -gt 0 ]; then
		mxg_show_logs
	fi
	if [ -z "${MXG_KEEP:-}" ]; then
		rm -rf "$MXG_DIR"
	fi
}
trap mxg_cleanup EXIT
trap 'exit 130' INT TERM

# Each check is a TAP line; what went wrong follows as TAP comments.
MXG_CHECKS=0
mxg_pass() {
	MXG_PASSED=$((MXG_PASSED + 1)) MXG_CHECKS=$((MXG_CHECKS + 1))
	printf 'ok %d - %s: %s\n' "$MXG_CHECKS" "$MXG_SUITE" "$1"
}
mxg_fail() {
	MXG_FAILED=$((MXG_FAILED + 1)) MXG_CHECKS=$((MXG_CHECKS + 1))
	printf 'not ok %d - %s: %s\n' "$MXG_CHECKS" "$MXG_SUITE" "$1"
	[ $# -lt 2 ] || printf '#   %s\n' "${@:2}"
}
# mxg_skip N WHY: N checks that cannot run here, counted as skipped.
mxg_skip() {
	local i
	for i in $(seq 1 "$1"); do
		MXG_CHECKS=$((MXG_CHECKS + 1))
		printf 'ok %d - %s # SKIP %s\n' "$MXG_CHECKS" "$MXG_SUITE" "$2"
	done
}

# dig against the resolver under test; prints the answer section without
# TTLs, one record a line, sorted (rrset-roundrobin rotates them).
mxg_dig() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +noall +answer \
	    +nottlid +noclass "$@" | tr -s ' \t' ' ' | sort
}

# mxg_rcode ARGS: the status word of the answer (NOERROR, SERVFAIL, ...).
mxg_rcode() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 "$@" |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# mxg_expect DESCRIPTION EXPECTED-ANSWER DIG-ARGS...
# MXG_EXPECT_GET names another getter than mxg_dig, for mxg_expect_twice.
mxg_expect() { mxg_expect_by "${MXG_EXPECT_GET:-mxg_dig}" "$@"; }

# mxg_expect_by FUNCTION DESCRIPTION EXPECTED DIG-ARGS...: what FUNCTION
# prints for DIG-ARGS (sorted lines) equals EXPECTED.
mxg_expect_by() {
	local get=$1 what=$2 want=$3 got
	shift 3
	got=$("$get" "$@")
	want=$(printf '%s\n' "$want" | sed '/^$/d' | sort)
	if [ "$got" = "$want" ]; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "wanted: $(echo "$want" | tr '\n' '|')" "got:    $(echo "$got" | tr '\n' '|')"
	fi
}

# mxg_expect_rcode DESCRIPTION RCODE DIG-ARGS...
mxg_expect_rcode() {
	local what=$1 want=$2 got
	shift 2
	got=$(mxg_rcode "$@")
	if [ "$got" = "$want" ]; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "wanted rcode $want, got '${got}'"
	fi
}

# mxg_log_mark: remember where the log ends, so that mxg_expect_log only
# looks at what was logged after it.
MXG_LOG_MARK=0
mxg_log_mark() { MXG_LOG_MARK=$({ wc -l <"$MXG_LOG"; } 2>/dev/null || echo 0); }
mxg_log_since() { tail -n +"$((MXG_LOG_MARK + 1))" "$MXG_LOG" 2>/dev/null; }

# mxg_expect_log DESCRIPTION EXTENDED-REGEX [COUNT]: the log since the
# mark has a line matching (exactly COUNT of them, when given).  Waits up
# to 5 s for it, since Unbound logs some things after it has answered.
mxg_expect_log() {
	local what=$1 re=$2 want=${3:-} n i
	for i in $(seq 1 50); do
		n=$(mxg_log_since | grep -cE -- "$re")
		if [ -z "$want" ] && [ "$n" -gt 0 ]; then
			break
		fi
		[ -n "$want" ] && [ "$n" -ge "$want" ] && break
		sleep 0.1
	done
	if { [ -z "$want" ] && [ "$n" -gt 0 ]; } || [ "$n" = "$want" ]; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "log lines matching /$re/: $n, wanted ${want:->0}"
	fi
}

# mxg_expect_no_log DESCRIPTION EXTENDED-REGEX: nothing matching since
# the mark (checked after the answers it would follow were received).
mxg_expect_no_log() { mxg_expect_log "$1" "$2" 0; }

# mxg_check DESCRIPTION COMMAND...: passes when the command succeeds.
mxg_check() {
	local what=$1
	shift
	if "$@" >"$MXG_DIR/check.out" 2>&1; then
		mxg_pass "$what"
	else
		mxg_fail "$what" "command failed: $*" "$(tail -n 5 "$MXG_DIR/check.out")"
	fi
}

# mxg_done: report and exit with the suite's status.
mxg_done() {
	echo "1..$MXG_CHECKS"
	[ "$MXG_FAILED" -eq 0 ]
	exit
}

# mxg_tick: one query through the module chain, not an MX one: a name
# never asked before, so that it is no cache hit.  mxguard's periodic
# report is made when Unbound runs the module, so a test that waits for
# the next report keeps some flowing.
mxg_tick() {
	local zones=($MXG_ZONES)
	dig @127.0.0.1 -p "$MXG_PORT" +time=2 +tries=1 \
	    "tick-$RANDOM$RANDOM.${zones[0]:-mx.test}" A >/dev/null 2>&1
}

# The resolver's count of answers served from its message cache.
mxg_cachehits() {
	mxg_control stats_noreset 2>/dev/null | sed -n 's/^total\.num\.cachehits=//p'
}

# mxg_expect_twice DESCRIPTION EXPECTED DIG-ARGS...: the first answer
# (resolved through the module) and the second, identical one, which must
# come from Unbound's message cache without reaching the module, both
# equal EXPECTED.  EXPECTED "SERVFAIL" (or another rcode word) checks the
# rcode instead of the answer section.  MXG_CACHEHITS names another
# counter of cached answers (a function), for a cache of another module.
mxg_expect_twice() {
	local what=$1 want=$2 before after hits=${MXG_CACHEHITS:-mxg_cachehits}
	shift 2
	case $want in
	SERVFAIL|NXDOMAIN|REFUSED)
		mxg_expect_rcode "$what (first answer)" "$want" "$@"
		before=$($hits)
		mxg_expect_rcode "$what (cached answer)" "$want" "$@" ;;
	*)
		mxg_expect "$what (first answer)" "$want" "$@"
		before=$($hits)
		mxg_expect "$what (cached answer)" "$want" "$@" ;;
	esac
	after=$($hits)
	if [ -n "$before" ] && [ "$after" = "$((before + 1))" ]; then
		mxg_pass "$what (second answer was a cache hit)"
	else
		mxg_fail "$what (second answer was a cache hit)" "cache hits before $before, after $after"
	fi
}

# mxg_section SECTION DIG-ARGS...: one section of the answer (answer,
# additional, authority), without TTLs, sorted.
mxg_section() {
	local section=$1
	shift
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +noall "+$section" \
	    +nottlid +noclass "$@" | tr -s ' \t' ' ' | sort
}

# mxg_additional DIG-ARGS...: the additional section, as mxg_section
# prints it, less the addresses of the name servers that the authority
# section names.  Those are Unbound's to add (releases differ: 1.22 adds
# them where 1.17 and 1.26 do not); what remains, the exchanges'
# addresses included, is compared whole.
mxg_additional() {
	dig @127.0.0.1 -p "$MXG_PORT" +time=5 +tries=1 +nottlid +noclass "$@" |
	    tr -s ' \t' ' ' | awk '
		/^;; [A-Z]+ SECTION:$/ { sec = $2; next }
		/^;/ || NF < 3 { next }
		sec == "AUTHORITY" && $2 == "NS" { ns[tolower($3)] = 1 }
		sec == "ADDITIONAL" { add[n++] = $0; owner[n - 1] = tolower($1); type[n - 1] = $2 }
		END {
			for (i = 0; i < n; i++)
				if (!((type[i] == "A" || type[i] == "AAAA") && owner[i] in ns))
					print add[i]
		}' | sort
}
