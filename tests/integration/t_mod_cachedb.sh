#!/usr/bin/env bash
# t_mod_cachedb - a fleet of resolvers sharing one Redis through Unbound's
# cachedb module, the order "dynlib validator cachedb iterator".  The
# first resolver fills Redis; a second one, its message cache cold and
# the authoritative server stopped, answers from Redis and still serves
# the policed answer, first answer and cache hits.  A third resolver
# without mxguard ("validator cachedb iterator") serves what cachedb
# stores: the upstream answer, unpoliced.  Redis runs here, on a free
# loopback port, with its own config in the suite's directory.
. "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || { mxg_fail "redis-server is installed"; mxg_done; }

MXG_MODULES="dynlib validator cachedb iterator"
mxg_zone mx.test
mxg_conf <<'CONF'
mxguard:
	cname-policy: strip
	prefetch: wait
CONF

REDIS_PORT=$(mxg_free_port)
cat >"$MXG_DIR/redis.conf" <<REDIS
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
dir $MXG_DIR
logfile $MXG_DIR/redis.log
save ""
appendonly no
REDIS
redis-server "$MXG_DIR/redis.conf" >/dev/null 2>&1 &
MXG_PIDS="$MXG_PIDS $!"
MXG_MORE_LOGS=$MXG_DIR/redis.log
redis() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
for i in $(seq 1 50); do
	[ "$(redis ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
if [ "$(redis ping 2>/dev/null)" = PONG ]; then
	mxg_pass "redis-server is up"
else
	mxg_fail "redis-server is up"
	mxg_done
fi

cachedb="cachedb:
	backend: \"redis\"
	redis-server-host: 127.0.0.1
	redis-server-port: $REDIS_PORT"
mxg_start "$cachedb"

policed="cname.mx.test. MX 20 good.cname.mx.test."
upstream="cname.mx.test. MX 10 alias.cname.mx.test.
cname.mx.test. MX 20 good.cname.mx.test."

mxg_log_mark
mxg_expect_twice "first resolver: an alias exchange is stripped" "$policed" cname.mx.test MX
mxg_expect_log "and the strip is logged" \
    'mxguard: answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action strip$' 1
mxg_expect_twice "first resolver: a clean answer is unchanged" "
good.mx.test. MX 10 mx1.good.mx.test.
good.mx.test. MX 10 mx2.good.mx.test.
good.mx.test. MX 20 backup.good.mx.test." good.mx.test MX
keys=$(redis dbsize 2>/dev/null)
if [ "${keys:-0}" -gt 0 ]; then
	mxg_pass "the answers are in Redis ($keys keys)"
else
	mxg_fail "the answers are in Redis" "redis dbsize: '$keys'"
fi

# From here on only Redis has the data.
kill "$MXG_NSD_PID" 2>/dev/null
wait "$MXG_NSD_PID" 2>/dev/null

if mxg_instance second; then
	mxg_pass "a second resolver with mxguard shares the Redis"
else
	mxg_fail "a second resolver with mxguard shares the Redis"
	mxg_done
fi
mxg_log_mark
mxg_expect_twice "second resolver, cold cache, answers from Redis: policed" "$policed" cname.mx.test MX
mxg_expect_log "and it polices and logs the answer itself" \
    'mxguard: answer cname\.mx\.test changed; pref 10 exchange alias\.cname\.mx\.test canonical real\.cname\.mx\.test fault alias action strip$' 1
mxg_expect "a CD=1 client of the second resolver gets it policed too" "$policed" +cd cname.mx.test MX

if MXG_MODULES="validator cachedb iterator" mxg_instance plain; then
	mxg_pass "a third resolver without mxguard shares the Redis"
else
	mxg_fail "a third resolver without mxguard shares the Redis"
	mxg_done
fi
mxg_expect_twice "the resolver without mxguard serves the upstream answer from Redis, unpoliced" \
    "$upstream" cname.mx.test MX
mxg_done
