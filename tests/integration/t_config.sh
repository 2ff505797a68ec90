#!/usr/bin/env bash
# t_config - mxguard.conf against the real Unbound: a bad value stops it
# with the FILE:LINE message; MXGUARD_CONF, then mxguard.conf in
# Unbound's directory:, then built-in defaults; unbound-control reload
# applies an edited file (and a broken one stops Unbound); and
# mxguard-checkconf agrees with the module on every file of the corpus
# tests/conf/good and tests/conf/bad.
#
# Unbound is started several times here, so the suite uses the harness's
# mxg_start_nsd and mxg_start_unbound with the helpers below rather than
# mxg_start (which starts both once).
. "$(dirname "$0")/lib.sh"

CHECKCONF=$MXG_BUILDDIR/mxguard-checkconf
CORPUS=$MXG_TOP/tests/conf
DIRCONF=$MXG_DIR/mxguard.conf
: >>"$MXG_LOG"

# cfg_start [FILE]: start Unbound, with MXGUARD_CONF=FILE when given and
# without MXGUARD_CONF otherwise; the log mark is set just before, so the
# log checks see this start only.  Fails when Unbound did not come up.
cfg_start() {
	local rc
	mxg_log_mark
	if [ $# -gt 0 ]; then
		export MXGUARD_CONF=$1
	else
		unset MXGUARD_CONF
	fi
	mxg_start_unbound
	rc=$?
	unset MXGUARD_CONF
	return $rc
}

# cfg_exited: Unbound has exited (waiting up to 5 s for it to get there);
# sets CFG_STATUS to its exit status.
cfg_exited() {
	local i
	for i in $(seq 1 50); do
		kill -0 "$MXG_UNBOUND_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$MXG_UNBOUND_PID" 2>/dev/null && return 1
	wait "$MXG_UNBOUND_PID" 2>/dev/null
	CFG_STATUS=$?
	cfg_forget
	return 0
}

# cfg_forget: the harness need not stop this Unbound at exit any more.
cfg_forget() {
	local p keep=""
	for p in $MXG_PIDS; do
		[ "$p" = "$MXG_UNBOUND_PID" ] || keep="$keep $p"
	done
	MXG_PIDS=$keep
}

# cfg_stop: stop the running Unbound and wait until it is gone.
cfg_stop() {
	kill "$MXG_UNBOUND_PID" 2>/dev/null
	wait "$MXG_UNBOUND_PID" 2>/dev/null
	cfg_forget
}

# cfg_expect_stopped DESCRIPTION: Unbound is not serving: the process has
# exited with a failure status, and unbound-control cannot reach it.
cfg_expect_stopped() {
	local running=""
	CFG_STATUS=""
	cfg_exited || running=1
	if [ -n "$running" ]; then
		mxg_fail "$1 (the process exits)" "unbound is still running"
	elif [ "$CFG_STATUS" -eq 0 ]; then
		mxg_fail "$1 (the process exits)" "it exited with status 0"
	else
		mxg_pass "$1 (the process exits, status $CFG_STATUS)"
	fi
	if mxg_control status >/dev/null 2>&1; then
		mxg_fail "$1 (unbound-control fails)" "unbound-control status succeeded"
	else
		mxg_pass "$1 (unbound-control fails)"
	fi
	[ -z "$running" ] || cfg_stop
}

# cfg_errors: the messages of the error lines logged since the mark,
# without Unbound's "[time] unbound[pid:thread] error: " prefix.
cfg_errors() {
	mxg_log_since | sed -n 's/^\[[0-9]*\] unbound\[[0-9:]*\] error: //p'
}

# cfg_expect_error DESCRIPTION LINE: the log since the mark has an error
# line that is exactly LINE.
cfg_expect_error() {
	if cfg_errors | grep -qxF -- "$2"; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted: $2" "errors logged: $(cfg_errors | tr '\n' '|')"
	fi
}

# cfg_relative FILE: standard input with "DIR/" removed from every line,
# DIR being the directory of FILE: paths as the corpus writes them.
cfg_relative() {
	local dir line
	dir=$(dirname "$1")/
	while IFS= read -r line; do
		printf '%s\n' "${line//"$dir"/}"
	done
}

# cfg_module_errors FILE: the module's configuration errors since the
# mark, without "mxguard: ", paths relative to FILE's directory.
cfg_module_errors() {
	cfg_errors | sed -n 's/^mxguard: //p' |
	    grep -vxF 'configuration failed; not starting' | cfg_relative "$1"
}

# cfg_checkconf FILE: run mxguard-checkconf on FILE; its exit status goes
# to CFG_STATUS, its standard error, paths relative to FILE's directory,
# to CFG_ERRORS.
cfg_checkconf() {
	"$CHECKCONF" "$1" >/dev/null 2>"$MXG_DIR/checkconf.err"
	CFG_STATUS=$?
	CFG_ERRORS=$(cfg_relative "$1" <"$MXG_DIR/checkconf.err")
}

# cfg_re TEXT: TEXT as an extended regular expression matching itself.
cfg_re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }

# cfg_same DESCRIPTION WANTED GOT: two lists of lines are equal.
cfg_same() {
	if [ "$2" = "$3" ]; then
		mxg_pass "$1"
	else
		mxg_fail "$1" "wanted: $(printf '%s' "$2" | tr '\n' '|')" \
		    "got:    $(printf '%s' "$3" | tr '\n' '|')"
	fi
}

# ---- checkconf and the module agree on the corpus (no NSD needed) ----

for f in "$CORPUS"/good/*.conf; do
	name=good/$(basename "$f")
	cfg_checkconf "$f"
	if [ "$CFG_STATUS" -eq 0 ] && [ -z "$CFG_ERRORS" ]; then
		mxg_pass "checkconf accepts $name"
	else
		mxg_fail "checkconf accepts $name" "exit $CFG_STATUS: $(printf '%s' "$CFG_ERRORS" | tr '\n' '|')"
	fi
	if cfg_start "$f"; then
		mxg_pass "Unbound starts with MXGUARD_CONF=$name"
	else
		mxg_fail "Unbound starts with MXGUARD_CONF=$name" "errors logged: $(cfg_errors | tr '\n' '|')"
	fi
	mxg_expect_log "the module read $name" "mxguard: settings from $(cfg_re "$f")\$" 1
	# (while it runs: what the module may log when it stops, such as a
	# stats-file it cannot write, is no configuration error)
	cfg_same "the module logs no error for $name" "" "$(cfg_module_errors "$f")"
	cfg_stop
done

for f in "$CORPUS"/bad/*.conf; do
	name=bad/$(basename "$f")
	want=$(sed -n 's/^# expect: //p' "$f")
	cfg_checkconf "$f"
	if [ "$CFG_STATUS" -eq 1 ]; then
		mxg_pass "checkconf rejects $name (exit 1)"
	else
		mxg_fail "checkconf rejects $name (exit 1)" "exit $CFG_STATUS"
	fi
	cfg_same "checkconf reports exactly the expected errors of $name" "$want" "$CFG_ERRORS"
	if cfg_start "$f"; then
		mxg_fail "Unbound refuses to start with MXGUARD_CONF=$name" "it started"
		cfg_stop
	else
		cfg_expect_stopped "Unbound refuses to start with MXGUARD_CONF=$name"
	fi
	cfg_same "the module logs exactly the expected errors of $name" "$want" "$(cfg_module_errors "$f")"
done

# ---- where the file is, and what it changes (NSD serves mx.test) ----

mxg_zone mx.test
mxg_start_nsd

# cname.mx.test MX: 10 alias.cname (a CNAME), 20 good.cname.
both="
cname.mx.test. MX 10 alias.cname.mx.test.
cname.mx.test. MX 20 good.cname.mx.test."
stripped="
cname.mx.test. MX 20 good.cname.mx.test."

# A bad value stops Unbound at start, with the FILE:LINE message.
cat >"$DIRCONF" <<'CONF'
# mxguard.conf with a typo on line 4
mxguard:
	prefetch: wait
	cname-policy: drop
CONF
if cfg_start; then
	mxg_fail "a bad value in mxguard.conf stops Unbound at start" "it started"
	cfg_stop
else
	cfg_expect_stopped "a bad value in mxguard.conf stops Unbound at start"
fi
cfg_expect_error "the log names file, line and what is wrong" \
    "mxguard: $DIRCONF:4: cname-policy: invalid value 'drop' (expected off, log, strip, rewrite or servfail)"
cfg_expect_error "and says the module is not starting" "mxguard: configuration failed; not starting"

# Neither MXGUARD_CONF nor mxguard.conf: built-in defaults (cname strip).
rm -f "$DIRCONF"
if cfg_start; then
	mxg_pass "Unbound starts with no mxguard.conf"
else
	mxg_fail "Unbound starts with no mxguard.conf"
	mxg_done
fi
mxg_expect_log "no file: the log says built-in defaults, naming where it looked" \
    "mxguard: no configuration file \\(looked for $(cfg_re "$DIRCONF")\\): built-in defaults\$" 1
mxg_expect "the built-in cname-policy strip applies" "$stripped" cname.mx.test MX
cfg_stop

# mxguard.conf in Unbound's directory:, when MXGUARD_CONF is not set.
cat >"$DIRCONF" <<'CONF'
mxguard:
	cname-policy: log
CONF
if cfg_start; then
	mxg_pass "Unbound starts with mxguard.conf in its directory"
else
	mxg_fail "Unbound starts with mxguard.conf in its directory"
	mxg_done
fi
mxg_expect_log "the startup log names the directory's mxguard.conf" \
    "mxguard: settings from $(cfg_re "$DIRCONF")\$" 1
mxg_expect "its cname-policy log applies: the alias is kept" "$both" cname.mx.test MX
mxg_expect_log "and logged" \
    'answer cname\.mx\.test kept; pref 10 exchange alias\.cname\.mx\.test .*action log$' 1

# unbound-control reload after editing the file applies the new settings
# (reload also flushes the cache, so the answer is policed afresh).
cat >"$DIRCONF" <<'CONF'
mxguard:
	cname-policy: strip
CONF
mxg_check "checkconf accepts the edited file" "$CHECKCONF" "$DIRCONF"
mxg_log_mark
mxg_check "unbound-control reload succeeds" mxg_control reload
mxg_expect_log "reload reads the file again" "mxguard: settings from $(cfg_re "$DIRCONF")\$" 1
mxg_expect "the edited cname-policy strip applies after reload" "$stripped" cname.mx.test MX
mxg_expect_log "and the strip is logged" \
    'answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test .*action strip$' 1

# Reload with a file that is now broken: the module's init fails, and a
# module init failure during reload is fatal to Unbound: it stops.
# unbound-control reload itself reports success (Unbound 1.17 answers
# the command before it reloads), which is why mxguard-checkconf should
# be run first: it rejects the file.
cat >"$DIRCONF" <<'CONF'
mxguard:
	cname-policy: strip
	max-exchanges: 100
CONF
if "$CHECKCONF" "$DIRCONF" >/dev/null 2>&1; then
	mxg_fail "checkconf rejects the broken file before the reload"
else
	mxg_pass "checkconf rejects the broken file before the reload"
fi
mxg_log_mark
mxg_control reload >/dev/null 2>&1
cfg_expect_stopped "reload with a broken file stops Unbound"
cfg_expect_error "the log names file, line and what is wrong" \
    "mxguard: $DIRCONF:3: max-exchanges: 100 is out of range 1..64"

# MXGUARD_CONF wins over the directory's mxguard.conf.
cat >"$DIRCONF" <<'CONF'
mxguard:
	cname-policy: log
CONF
mkdir -p "$MXG_DIR/elsewhere"
cat >"$MXG_DIR/elsewhere/strict.conf" <<'CONF'
mxguard:
	cname-policy: servfail
CONF
if cfg_start "$MXG_DIR/elsewhere/strict.conf"; then
	mxg_pass "Unbound starts with MXGUARD_CONF pointing elsewhere"
else
	mxg_fail "Unbound starts with MXGUARD_CONF pointing elsewhere"
	mxg_done
fi
mxg_expect_log "the startup log names the MXGUARD_CONF file" \
    "mxguard: settings from $(cfg_re "$MXG_DIR/elsewhere/strict.conf")\$" 1
mxg_expect_no_log "and not the directory's mxguard.conf" "settings from $(cfg_re "$DIRCONF")"
mxg_expect_rcode "its cname-policy servfail applies" SERVFAIL cname.mx.test MX
cfg_stop

# A relative MXGUARD_CONF is taken from Unbound's directory:.
if cfg_start elsewhere/strict.conf; then
	mxg_pass "Unbound starts with a relative MXGUARD_CONF"
else
	mxg_fail "Unbound starts with a relative MXGUARD_CONF"
	mxg_done
fi
mxg_expect_log "the startup log names it as given" \
    "mxguard: settings from elsewhere/strict\\.conf\$" 1
mxg_expect_rcode "the file found from Unbound's directory applies" SERVFAIL cname.mx.test MX
cfg_stop

# An empty MXGUARD_CONF counts as not set.
if cfg_start ""; then
	mxg_pass "Unbound starts with an empty MXGUARD_CONF"
else
	mxg_fail "Unbound starts with an empty MXGUARD_CONF"
	mxg_done
fi
mxg_expect_log "the directory's mxguard.conf is read instead" \
    "mxguard: settings from $(cfg_re "$DIRCONF")\$" 1
mxg_expect "its cname-policy log applies" "$both" cname.mx.test MX
cfg_stop

# MXGUARD_CONF naming a file that does not exist is an error (the
# directory's mxguard.conf is not used instead).
if cfg_start "$MXG_DIR/elsewhere/missing.conf"; then
	mxg_fail "MXGUARD_CONF naming a missing file stops Unbound" "it started"
	cfg_stop
else
	cfg_expect_stopped "MXGUARD_CONF naming a missing file stops Unbound"
fi
cfg_expect_error "the log says the file cannot be opened" \
    "mxguard: $MXG_DIR/elsewhere/missing.conf:0: cannot open: No such file or directory"
mxg_done
