#!/usr/bin/env bash
# Redis writes per request of the cache-hit path with usage recording on: a private redis-server,
# 10,000 keys (KeyMinter: 1,000 owners, 10 keys each), one runnable gateway with its defaults
# (usage flush every 30 s, node heartbeat every 3.3 s), and wrk picking a key at random for every
# request. Redis' own INFO commandstats is read before and after the measured window (after a
# warm-up that caches every key), so every command the gateway sent is counted: the measured
# window holds USAGE_WINDOW seconds (default 95: three flushes at least). Prints requests, the
# commands by name, and writes per request: the gateway writes only through scripts (usage flushes,
# node reports), so each script call is one write; the commands the scripts call are shown apart.
#
#   bench/usage-writes.sh
#   USAGE_KEYS=100000 USAGE_WINDOW=65 bench/usage-writes.sh
#
# Needs redis-server, wrk and a JDK; loopback only; stops everything it started.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
KEYS=${USAGE_KEYS:-10000}
WINDOW=${USAGE_WINDOW:-95}
BASE=${USAGE_PORT_BASE:-27200}
P_REDIS=$BASE P_GW=$((BASE + 1)) P_UP=$((BASE + 2))
OUT=${USAGE_OUT:-$(mktemp -d /tmp/keygate-usage-writes.XXXXXX)}
GATEWAY_JAR="$ROOT/gateway/target/keygate-gateway-0.1.0-SNAPSHOT-exec.jar"
PIDS=()
# in reverse order: the services stop (and leave the node registry) before Redis does
cleanup() { for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; sleep 0.2; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[usage-writes] $*" >&2; }
if [[ ! -f $GATEWAY_JAR || ! -f $BENCH/target/classpath.txt ]]; then
  (cd "$ROOT" && ./mvnw -q -B -Pbench -pl gateway,bench -am package -DskipTests)
fi
BENCH_CP="$BENCH/target/classes:$(cat "$BENCH/target/classpath.txt")"
( sleep $((WINDOW + 400)); echo "bench/usage-writes.sh: time limit reached" >&2; kill -TERM $$ ) &
PIDS+=($!)

redis-server --port "$P_REDIS" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning \
  >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$P_REDIS" ping >/dev/null 2>&1 && break; sleep 0.1; done
# the upstream: the gateway's own management port (liveness, 200)
java -Xmx512m -jar "$GATEWAY_JAR" --server.port="$P_GW" --management.server.port="$P_UP" \
  --spring.data.redis.url="redis://127.0.0.1:$P_REDIS" \
  --spring.cloud.gateway.server.webflux.routes[0].id=stub \
  --spring.cloud.gateway.server.webflux.routes[0].uri=http://127.0.0.1:$P_UP \
  --spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/** \
  --spring.cloud.gateway.server.webflux.routes[0].filters[0]=SetPath=/actuator/health/liveness \
  --keygate.gateway.cache.max-age=1h --logging.level.root=WARN >"$OUT/gateway.log" 2>&1 &
PIDS+=($!)
timeout 150 java -cp "$BENCH_CP" dev.keygate.bench.KeyMinter 127.0.0.1 "$P_REDIS" "$KEYS" 0 "$OUT/keys" \
  >"$OUT/minter.log" 2>&1
for _ in $(seq 240); do
  curl -sf -o /dev/null "http://127.0.0.1:$P_UP/actuator/health/readiness" && break
  sleep 0.5
done
log "warm-up: the keys in order (every key cached), 60 s"
wrk -t1 -c16 -d60s -s "$BENCH/wrk-keys.lua" "http://127.0.0.1:$P_GW/" -- "$OUT/keys/valid.txt" sequential /x \
  >"$OUT/warmup.txt" 2>&1
stats() { redis-cli -p "$P_REDIS" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\).*/\1 \2/p' | sort; }
stats >"$OUT/before.txt"
log "measuring for ${WINDOW}s"
wrk -t1 -c16 -d"${WINDOW}s" -s "$BENCH/wrk-keys.lua" "http://127.0.0.1:$P_GW/" -- "$OUT/keys/valid.txt" random /x \
  >"$OUT/wrk.txt" 2>&1
stats >"$OUT/after.txt"
python3 - "$OUT" "$WINDOW" "$KEYS" <<'PY'
import re, sys
out, window, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    return {k: int(v) for k, v in (line.split() for line in open(f"{out}/{name}") if line.strip())}
before, after = load("before.txt"), load("after.txt")
delta = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
text = open(f"{out}/wrk.txt").read()
requests = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
# the gateway writes only through scripts (usage flush, node reports): a script call is one write
# sent to Redis; INFO commandstats also counts the commands a script calls, shown apart
scripts = delta.get("evalsha", 0) + delta.get("eval", 0)
inner = {"set", "hset", "hdel", "incrby", "zadd", "zrem", "publish", "pexpire", "expire", "del"}
inside = sum(v for k, v in delta.items() if k in inner)
print(f"USAGE-WRITES keys={keys} window={window}s requests={requests} non2xx={non2xx.group(1) if non2xx else 0}"
      f" writes(script calls)={scripts} writes-per-request={scripts / requests:.6f}"
      f" | write commands inside them={inside} ({inside / requests:.6f} per request)"
      f" | all commands={sum(delta.values())}")
print("  by command: " + ", ".join(f"{k}={v}" for k, v in sorted(delta.items())))
PY
log "output in $OUT"
