#!/usr/bin/env bash
# Propagation receipts with two gateways: a private redis-server, the admin API and two runnable
# gateways (unpinned), then RevocationBenchmark in normal mode through the admin API. Every other
# removal asks ?wait=false, so waiting and non-waiting removals are interleaved in one run; the
# RECEIPTS line prints both call times, the difference of their percentiles (the receipt's extra
# wait), the Keygate-Propagation-Waited-Ms header's percentiles, and how many probes sent after a
# confirmed answer were still accepted (must be 0: the run fails otherwise). Also printed: Redis
# commands per gateway request while the probes run (INFO commandstats before and after), so the
# heartbeats and usage flushes show as what they cost per request.
#
#   bench/receipts.sh            # 200 removals
#   RECEIPTS_TRIALS=1000 bench/receipts.sh
#
# Needs redis-server and a JDK; builds the jars and the bench tools when missing. Loopback only;
# every process is stopped at the end (and after RECEIPTS_TIME_LIMIT seconds, default 600, at most).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
TRIALS=${RECEIPTS_TRIALS:-200}
TIME_LIMIT=${RECEIPTS_TIME_LIMIT:-600}
BASE=${RECEIPTS_PORT_BASE:-27100}
P_REDIS=$BASE P_ADMIN=$((BASE + 1)) P_G1=$((BASE + 2)) P_G2=$((BASE + 3))
OUT=${RECEIPTS_OUT:-$(mktemp -d /tmp/keygate-receipts.XXXXXX)}
GATEWAY_JAR="$ROOT/gateway/target/keygate-gateway-0.1.0-SNAPSHOT-exec.jar"
ADMIN_JAR="$ROOT/admin-api/target/keygate-admin-api-0.1.0-SNAPSHOT-exec.jar"
PIDS=()
# in reverse order: the services stop (and leave the node registry) before Redis does
cleanup() { for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; sleep 0.2; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[receipts] $*" >&2; }

if [[ ! -f $GATEWAY_JAR || ! -f $ADMIN_JAR || ! -f $BENCH/target/classpath.txt ]]; then
  log "building (gateway, admin API, bench tools)"
  (cd "$ROOT" && ./mvnw -q -B -Pbench -pl gateway,admin-api,bench -am package -DskipTests)
fi
BENCH_CP="$BENCH/target/classes:$(cat "$BENCH/target/classpath.txt")"
( sleep "$TIME_LIMIT"; echo "bench/receipts.sh: time limit of ${TIME_LIMIT}s reached" >&2; kill -TERM $$ ) &
PIDS+=($!)

redis-server --port "$P_REDIS" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning \
  >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$P_REDIS" ping >/dev/null 2>&1 && break; sleep 0.1; done
# the upstream: the admin API's liveness probe (200), so no other server is needed
ROUTE=(--spring.cloud.gateway.server.webflux.routes[0].id=stub
  --spring.cloud.gateway.server.webflux.routes[0].uri=http://127.0.0.1:$((P_ADMIN + 1000))
  --spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**
  --spring.cloud.gateway.server.webflux.routes[0].filters[0]=SetPath=/actuator/health/liveness)
for gateway in "g1 $P_G1" "g2 $P_G2"; do
  set -- $gateway
  java -Xmx256m -jar "$GATEWAY_JAR" --server.port="$2" --management.server.port=$(($2 + 1000)) \
    --spring.data.redis.url="redis://127.0.0.1:$P_REDIS" "${ROUTE[@]}" \
    --keygate.gateway.node-id="receipts-$1" --keygate.gateway.cache.max-age=1h \
    --keygate.gateway.throttle.max-failures-per-minute=2000000000 \
    --logging.level.root=WARN >"$OUT/gateway-$1.log" 2>&1 &
  PIDS+=($!)
done
ADMIN_TOKEN="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
KEYGATE_ADMIN_TOKEN="$ADMIN_TOKEN" java -Xmx256m -jar "$ADMIN_JAR" --server.port="$P_ADMIN" \
  --management.server.port=$((P_ADMIN + 1000)) --spring.data.redis.url="redis://127.0.0.1:$P_REDIS" \
  --logging.level.root=WARN >"$OUT/admin-api.log" 2>&1 &
PIDS+=($!)
for port in $((P_ADMIN + 1000)) $((P_G1 + 1000)) $((P_G2 + 1000)); do
  for _ in $(seq 240); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/actuator/health/readiness" && break
    sleep 0.5
  done
done
log "gateways registered: $(curl -s -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$P_ADMIN/v1/gateways")"
commands() { redis-cli -p "$P_REDIS" info commandstats | awk -F'[:=,]' '/^cmdstat_/ {n += $3} END {print n}'; }
before=$(commands)
timeout 300 java -cp "$BENCH_CP" dev.keygate.bench.RevocationBenchmark normal "$TRIALS" \
  "127.0.0.1:$P_REDIS" "http://127.0.0.1:$P_ADMIN" "$ADMIN_TOKEN" \
  "http://127.0.0.1:$P_G1" "http://127.0.0.1:$P_G2" 2>&1 | tee "$OUT/revocation.txt"
after=$(commands)
log "Redis commands during the run: $((after - before)) (every command: the admin API's, the probes' key lookups, heartbeats, reports)"
log "output in $OUT"
