#!/usr/bin/env bash
# Keygate macro benchmark: one machine, loopback only, bounded in time.
#
#   bench/run.sh           # default run (under 15 minutes once built)
#   bench/run.sh --quick   # smoke run (under 3 minutes once built)
#   bench/soak.sh          # the fault soak (Maven profile -Psoak; 60 s by default), separately
#
# Starts, each on its own port, a dedicated redis-server, nginx as the backend stub (S0) and as a
# keepalive reverse proxy (S1), the runnable gateway with Keygate disabled (S2), Keygate with a
# large cache (S3, and S3pub: the same JVM on a public route; with BENCH_NIO=1 S3 again on another
# JVM with -Dreactor.netty.native=false), Keygate with a cache smaller than the key set (S4, S5a,
# S5b), then the admin API for the revocation benchmark.
# Measures every scenario with wrk at a fixed connection count after a warm-up, in interleaved
# rounds, and prints the medians, the ratios and the Redis commands per request.
# Then (default run; BENCH_PROFILE=1 in --quick) profiles S3 and S3pub with async-profiler (from
# Maven Central, attached to the running S3 JVM) and prints where S3's extra CPU goes.
#
# Pinning (default on, BENCH_PIN=0 turns it off): the process under test (nginx proxy or gateway
# JVMs) on CPU 0; wrk, the backend stub and Redis on CPU 1.
#
# Usage limits: S3rl is S3's JVM on a route with a per-key rate limit no request reaches (every
# request runs the limit script in Redis: the exact mode's cost); S3ls the same route on a JVM of
# its own in local-then-sync mode (BENCH_LIMITS_LOCAL=0 leaves that JVM out). S3rh and S3lh: the same
# two with 100 hot keys instead of 10,000 (each key then sends about a hundred times as often,
# which is what local-then-sync is for). S3k: S3 on the local-then-sync JVM (an unlimited route),
# the same-JVM baseline of S3ls and S3lh.
#
# Usage recording and the node registry (issue 18): BENCH_USAGE_AB=1 adds S3nu, S3 on a JVM of its
# own with keygate.gateway.usage.enabled=false and keygate.gateway.node.enabled=false, measured
# right after S3 in every round: S3/S3nu is what recording usage and reporting the node cost.
#
# Observability (issue 17): BENCH_OBS_AB=1 adds S3al, S3 on a JVM of its own with the access log
# written (keygate.access at INFO; every other gateway runs with logging.level.root=WARN, which
# turns the access log off), and S3nt, S3 on a JVM with tracing off (management.tracing.enabled=
# false is gone in Boot 4: the OpenTelemetry tracing auto-configuration is excluded; every other
# JVM traces, unexported, with Boot's 0.1 sampling). S3al/S3 is what the access
# log costs, S3/S3nt what tracing costs.
#
# Environment overrides: BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS,
# BENCH_KEYS, BENCH_UNKNOWN, BENCH_S4_CACHE, BENCH_REVOCATIONS, BENCH_PORT_BASE, BENCH_PIN,
# BENCH_JAVA_OPTS, BENCH_NIO (1: also S3 on NIO), BENCH_LIMITS_LOCAL (0/1), BENCH_PROFILE (0/1),
# BENCH_USAGE_AB (0/1), BENCH_OBS_AB (0/1),
# BENCH_OUT (the output directory).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
MODE=default
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $MODE == quick ]]; then
  ROUNDS=${BENCH_ROUNDS:-3}; DURATION=${BENCH_DURATION:-2}; WARMUP=${BENCH_WARMUP:-8}
  # smoke figures only: fewer revocation trials than the default run's 200
  REVOCATIONS=${BENCH_REVOCATIONS:-40}; REVOCATIONS_KILLED=${BENCH_REVOCATIONS_KILLED:-5}
  REVOCATIONS_LOST=${BENCH_REVOCATIONS_LOST:-0}
  export REVOCATION_ADMIN_WARMUP=${REVOCATION_ADMIN_WARMUP:-50}
  TIME_LIMIT=178
  NIO=0 # the native/NIO comparison needs one more JVM (BENCH_NIO=1 in the default run)
  PROFILE=${BENCH_PROFILE:-0}
  LIMITS_LOCAL=${BENCH_LIMITS_LOCAL:-0}
else
  # a minute of warm-up per JVM: the stack keeps speeding up for about 40 s of load
  ROUNDS=${BENCH_ROUNDS:-3}; DURATION=${BENCH_DURATION:-7}; WARMUP=${BENCH_WARMUP:-60}
  REVOCATIONS=${BENCH_REVOCATIONS:-200}; REVOCATIONS_KILLED=${BENCH_REVOCATIONS_KILLED:-60}
  REVOCATIONS_LOST=${BENCH_REVOCATIONS_LOST:-15}
  export REVOCATION_ADMIN_WARMUP=${REVOCATION_ADMIN_WARMUP:-300}
  # one more JVM for S3ls (local-then-sync limits) and its minute of warm-up
  TIME_LIMIT=900
  # native (epoll) vs NIO was measured in earlier runs (docs/benchmarks.md: epoll never slower);
  # BENCH_NIO=1 measures it again, with one more JVM to warm up (over 10 minutes with WARMUP=60)
  NIO=${BENCH_NIO:-0}
  PROFILE=${BENCH_PROFILE:-1}
  LIMITS_LOCAL=${BENCH_LIMITS_LOCAL:-1}
fi
USAGE_AB=${BENCH_USAGE_AB:-0}
OBS_AB=${BENCH_OBS_AB:-0}
PROFILE_ROUNDS=2
PROFILE_INTERVAL_US=500
CONNECTIONS=${BENCH_CONNECTIONS:-64}
KEYS=${BENCH_KEYS:-10000}
UNKNOWN=${BENCH_UNKNOWN:-1000}
S4_CACHE=${BENCH_S4_CACHE:-1000}
PIN=${BENCH_PIN:-1}
BASE=${BENCH_PORT_BASE:-18000}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
NEGATIVE_TTL=10 # seconds, the gateway's default keygate.gateway.cache.negative-ttl

P_REDIS=$((BASE + 379)); P_S0=$((BASE + 0)); P_S1=$((BASE + 1))
P_S2=$((BASE + 2)); P_K=$((BASE + 3)); P_K4=$((BASE + 4)); P_KNIO=$((BASE + 5)); P_KLS=$((BASE + 6)); P_KNU=$((BASE + 7)); P_KAL=$((BASE + 8)); P_KNT=$((BASE + 9))
P_ADMIN=$((BASE + 81))

GATEWAY_JAR="$ROOT/gateway/target/keygate-gateway-0.1.0-SNAPSHOT-exec.jar"
ADMIN_JAR="$ROOT/admin-api/target/keygate-admin-api-0.1.0-SNAPSHOT-exec.jar"
OUT=${BENCH_OUT:-"$BENCH/target/run-$(date -u +%Y%m%dT%H%M%SZ)"}
mkdir -p "$OUT"
START_TIME=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log() { printf '[%4ds] %s\n' $((SECONDS - START_TIME)) "$*" >&2; }

# The report (also written when the time limit stops the run early, from what was measured).
make_report() {
  [[ -s ${RESULTS:-/nonexistent} ]] || return 0
  {
    echo "# bench/run.sh $MODE, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/Mem:/{print $2}') GB;"\
      "$(java -version 2>&1 | head -1); $("$NGINX" -v 2>&1); $(redis-server --version | cut -d' ' -f1-3);"\
      "load average (1, 5, 15 min) at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
  } >"$OUT/report.md"
  echo "$RESULTS ${REVOCATION_LOG:-/dev/null} $MODE $ROUNDS $DURATION $CONNECTIONS $KEYS $UNKNOWN $S4_CACHE $NEGATIVE_TTL $PIN" >"$OUT/report-args"
  # shellcheck disable=SC2046
  python3 "$BENCH/report.py" $(cat "$OUT/report-args") >>"$OUT/report.md"
  if [[ -s $OUT/revocation-normal.csv ]]; then
    { echo; echo "## Revocation: the slow trials and the JVMs' pauses"; echo
      python3 "$BENCH/revocation_tail.py" "$OUT"; } >>"$OUT/report.md"
  fi
  if [[ -d $OUT/profile ]]; then
    { echo; echo "## Profile: where S3's CPU goes, next to S3pub's"; echo
      python3 "$BENCH/profile.py" "$OUT/profile" "$PROFILE_INTERVAL_US"; } >>"$OUT/report.md"
  fi
}

# ---------------------------------------------------------------- processes and cleanup
PIDS=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n ${WATCHDOG:-} ]] && pkill -P "$WATCHDOG" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
# (ignoring further signals while the report is written: a second one interrupted it once)
trap 'trap "" INT TERM; make_report 2>/dev/null && cat "$OUT/report.md" >&2; exit 130' INT TERM

pin() { # pin <cpu> <pid>: all threads of pid
  [[ $PIN == 1 ]] && taskset -a -cp "$1" "$2" >/dev/null 2>&1 || true
}
# Prefixes that run a command on one CPU. Used directly (not through a function) so that a
# background job's $! is the process itself: taskset execs it.
if [[ $PIN == 1 ]]; then CPU0=(taskset -c 0); CPU1=(taskset -c 1); else CPU0=(); CPU1=(); fi

# ---------------------------------------------------------------- prerequisites
need_packages=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_packages+=(nginx)
command -v wrk >/dev/null || need_packages+=(wrk)
command -v redis-server >/dev/null || need_packages+=(redis-server)
command -v python3 >/dev/null || need_packages+=(python3)
command -v curl >/dev/null || need_packages+=(curl)
if ((${#need_packages[@]})); then
  log "installing ${need_packages[*]} from Debian's packages"
  if [[ $(id -u) == 0 ]]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# Build when a jar is missing or older than any source or POM it is made from, so a stale jar is
# never measured.
stale() {
  local jar
  for jar in "$GATEWAY_JAR" "$ADMIN_JAR" "$BENCH/target/classpath.txt"; do
    [[ -f $jar ]] || return 0
    [[ -n $(find "$ROOT/core/src" "$ROOT/test-support/src" "$ROOT/gateway/src" "$ROOT/admin-api/src" "$ROOT/bench/src" \
      "$ROOT"/pom.xml "$ROOT"/*/pom.xml -newer "$jar" -type f -print -quit) ]] && return 0
  done
  return 1
}
if stale; then
  log "building (gateway, admin API, bench tools)"
  (cd "$ROOT" && ./mvnw -q -B -Pbench -pl gateway,admin-api,bench -am package -DskipTests)
fi
# Run from copies: other builds may replace the jars in target/ while the benchmark runs.
mkdir -p "$OUT/jars"
cp "$GATEWAY_JAR" "$ADMIN_JAR" "$OUT/jars/"
GATEWAY_JAR="$OUT/jars/$(basename "$GATEWAY_JAR")"
ADMIN_JAR="$OUT/jars/$(basename "$ADMIN_JAR")"
# Hard bound on the whole run: a watchdog that ends this script (and so, via the trap, everything).
( sleep "$TIME_LIMIT"; echo "bench/run.sh: time limit of ${TIME_LIMIT}s reached, stopping" >&2
  kill -TERM $$; pkill -TERM -P $$ -x timeout; pkill -TERM -P $$ -x wrk ) &
WATCHDOG=$!
PIDS+=("$WATCHDOG")
BENCH_CP="$BENCH/target/classes:$(cat "$BENCH/target/classpath.txt")"
for port in $P_REDIS $P_S0 $P_S1 $P_S2 $P_K $P_K4 $P_KNIO $P_KLS $P_KNU $P_KAL $P_KNT $P_ADMIN \
  $((P_S2 + 1000)) $((P_K + 1000)) $((P_K4 + 1000)) $((P_KNIO + 1000)) $((P_KLS + 1000)) $((P_KNU + 1000)) $((P_KAL + 1000)) $((P_KNT + 1000)) $((P_ADMIN + 1000)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; set BENCH_PORT_BASE" >&2; exit 1
  fi
done

# ---------------------------------------------------------------- start everything
redis_cli() { redis-cli -p "$P_REDIS" "$@"; }
log "redis-server on $P_REDIS, output in $OUT"
"${CPU1[@]}" redis-server --port "$P_REDIS" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --loglevel warning >"$OUT/redis.log" 2>&1 &
PIDS+=($!)

write_nginx() { # write_nginx <name> <server block>
  mkdir -p "$OUT/nginx-$1"
  cat >"$OUT/nginx-$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $OUT/nginx-$1/nginx.pid;
error_log $OUT/nginx-$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path $OUT/nginx-$1/body;
  proxy_temp_path $OUT/nginx-$1/proxy;
  fastcgi_temp_path $OUT/nginx-$1/fastcgi;
  uwsgi_temp_path $OUT/nginx-$1/uwsgi;
  scgi_temp_path $OUT/nginx-$1/scgi;
  $2
}
EOF
}
write_nginx s0 "server { listen 127.0.0.1:$P_S0; location / { default_type text/plain; return 200 'hello from the stub\n'; } }"
write_nginx s1 "upstream backend { server 127.0.0.1:$P_S0; keepalive 128; keepalive_requests 10000000; }
  server { listen 127.0.0.1:$P_S1; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
PORT_PID=() # by port, sparse: the process under test's pid
"${CPU1[@]}" "$NGINX" -p "$OUT/nginx-s0" -c "$OUT/nginx-s0/nginx.conf" 2>>"$OUT/nginx-s0/error.log" &
PIDS+=($!)
"${CPU0[@]}" "$NGINX" -p "$OUT/nginx-s1" -c "$OUT/nginx-s1/nginx.conf" 2>>"$OUT/nginx-s1/error.log" &
PORT_PID[$P_S1]=$!
PIDS+=($!)

wait_http() { # wait_http <url> <seconds>: until anything answers
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null -m 2 "$1"; do
    ((SECONDS < deadline)) || { echo "nothing answers at $1 after $2 s" >&2; return 1; }
    sleep 0.5
  done
}
for _ in $(seq 50); do redis_cli ping >/dev/null 2>&1 && break; sleep 0.1; done


log "minting $KEYS keys (+ $UNKNOWN unknown, $KEYS bad-checksum) through RedisKeyStore.create"
timeout 150 java -cp "$BENCH_CP" dev.keygate.bench.KeyMinter 127.0.0.1 "$P_REDIS" "$KEYS" "$UNKNOWN" "$OUT/keys" \
  >"$OUT/minter.log" 2>&1 || { cat "$OUT/minter.log" >&2; echo "KeyMinter failed or timed out" >&2; exit 1; }

declare -A GW_PID
# The one route, to the stub. Given as a plain Spring Cloud Gateway route rather than with
# keygate.gateway.upstream-uri, because the runnable app does not start with that property and
# keygate.gateway.enabled=false (S2): UpstreamRouteConfiguration then needs KeygateGatewayProperties,
# which only the disabled auto-configuration registers. Same route for every gateway.
# A second route, /public/**, marked public (keygate.public=true): on a Keygate JVM its requests
# skip the key check (the filter only reads the route's metadata), which gives S3pub, the same JVM
# with Keygate's work left out, as the baseline for S3 (see S3pub below).
# A third, /limited/**, has a per-key rate limit (keygate.rate-limit) far above what any key sends
# there: every request runs the limit script and none is refused (S3rl, S3ls).
R=--spring.cloud.gateway.server.webflux.routes
ROUTE=("$R[0].id=public" "$R[0].uri=http://127.0.0.1:$P_S0" "$R[0].predicates[0]=Path=/public/**"
  "$R[0].metadata.keygate.public=true"
  "$R[1].id=limited" "$R[1].uri=http://127.0.0.1:$P_S0" "$R[1].predicates[0]=Path=/limited/**"
  "$R[1].metadata.keygate.rate-limit.requests=1000000" "$R[1].metadata.keygate.rate-limit.per=1s"
  "$R[2].id=stub" "$R[2].uri=http://127.0.0.1:$P_S0" "$R[2].predicates[0]=Path=/**")
start_gateway() { # start_gateway <name> <port> <extra jvm opts> <extra args...>
  local name=$1 port=$2 jvm=$3
  shift 3
  # safepoint log (wall-clock time): bench/revocation_tail.py lines slow revocations up with pauses
  # shellcheck disable=SC2086
  java $JAVA_OPTS $jvm -Xlog:safepoint=info:file="$OUT/safepoints-$name.log":time -jar "$GATEWAY_JAR" \
    --server.port="$port" --management.server.port=$((port + 1000)) \
    --spring.data.redis.url="redis://127.0.0.1:$P_REDIS" "${ROUTE[@]}" \
    --management.endpoint.health.validate-group-membership=false \
    --logging.level.root=WARN "$@" >"$OUT/gateway-$name.log" 2>&1 &
  GW_PID[$name]=$!
  PORT_PID[$port]=$!
  PIDS+=($!)
}
# S5a and S5b run on the S4 JVM (its small cache does not matter to them: malformed keys never
# reach the cache, unknown ids have their own 10,000-entry space), so that the S2, S3 and S3nio JVMs
# each serve only their own scenario and get the same amount of JIT warm-up: floods of fast 401s on
# the S3 JVM would warm it far more than S2's JVM and skew S3/S2.
log "starting the gateways (S2 baseline, Keygate, Keygate small cache$([[ $NIO == 1 ]] && echo '; Keygate with -Dreactor.netty.native=false'))"
start_gateway s2 "$P_S2" "" --keygate.gateway.enabled=false
# The failed-authentication throttle stays on (same code path as in production) with a limit no
# benchmark reaches: every request comes from 127.0.0.1, so the default (30 failures a minute)
# would answer the S5 floods, and everything after them, 429 before parsing.
NO_LIMIT=--keygate.gateway.throttle.max-failures-per-minute=2000000000
# S3 measures cache hits: its keys are loaded during its warm-up, all within seconds, so with the
# default max-age (5 min, spread over its last 30 s) a long run (BENCH_WARMUP=60) would see them
# all reloaded during its last rounds. In service that is one Redis read per key per max-age.
LONG_AGE=--keygate.gateway.cache.max-age=1h
start_gateway k "$P_K" "" "$NO_LIMIT" "$LONG_AGE"
start_gateway k4 "$P_K4" "" "$NO_LIMIT" --keygate.gateway.cache.maximum-size="$S4_CACHE"
GATEWAY_PORTS=("$P_S2" "$P_K" "$P_K4")
if [[ $LIMITS_LOCAL == 1 ]]; then
  start_gateway kls "$P_KLS" "" "$NO_LIMIT" "$LONG_AGE" --keygate.gateway.limits.mode=local-then-sync
  GATEWAY_PORTS+=("$P_KLS")
fi
if [[ $USAGE_AB == 1 ]]; then
  start_gateway knu "$P_KNU" "" "$NO_LIMIT" "$LONG_AGE" --keygate.gateway.usage.enabled=false \
    --keygate.gateway.node.enabled=false
  GATEWAY_PORTS+=("$P_KNU")
fi
if [[ $OBS_AB == 1 ]]; then
  # the access log on the console, as the runnable gateway writes it by default (the console is
  # redirected to $OUT/gateway-kal.log)
  start_gateway kal "$P_KAL" "" "$NO_LIMIT" "$LONG_AGE" --logging.level.keygate.access=INFO
  # no tracer at all (Boot 4 has no management.tracing.enabled; export.enabled=false only stops
  # the export, spans are still made)
  start_gateway knt "$P_KNT" "" "$NO_LIMIT" "$LONG_AGE" \
    --spring.autoconfigure.exclude=org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration
  GATEWAY_PORTS+=("$P_KAL" "$P_KNT")
fi
if [[ $NIO == 1 ]]; then
  start_gateway knio "$P_KNIO" "-Dreactor.netty.native=false" "$NO_LIMIT" "$LONG_AGE"
  GATEWAY_PORTS+=("$P_KNIO")
fi
# The admin API (for the revocation benchmark) starts now too; it stays idle until then.
ADMIN_TOKEN="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
KEYGATE_ADMIN_TOKEN="$ADMIN_TOKEN" java -Xmx256m -jar "$ADMIN_JAR" \
  --server.port="$P_ADMIN" --management.server.port=$((P_ADMIN + 1000)) \
  --spring.data.redis.url="redis://127.0.0.1:$P_REDIS" --logging.level.root=WARN \
  >"$OUT/admin-api.log" 2>&1 &
ADMIN_PID=$!
PIDS+=($!)
for port in $P_S0 $P_S1 "${GATEWAY_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/" 240; done
sample_key=$(head -1 "$OUT/keys/valid.txt")
for port in "${GATEWAY_PORTS[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $sample_key" "http://127.0.0.1:$port/orders/42")
  [[ $code == 200 ]] || { echo "gateway on $port answered $code to a valid key" >&2; exit 1; }
done
log "all up after $((SECONDS - START_TIME)) s"

# ---------------------------------------------------------------- measuring
commandstats() { redis_cli info commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\).*/\1 \2/p'; }
RESULTS="$OUT/results.tsv"
printf 'round\tscenario\trps\tp50\tp99\trequests\tnon2xx\terrors\tredis_all\tredis_hgetall\tredis_get\tcpu_us_per_req\tcpu_us_per_req_with_jit\n' >"$RESULTS"

run_wrk() { # run_wrk <port> <seconds> <keys file> <output> [warmup]
  local prefix=("${CPU1[@]}") order=random
  # warm-up: unpinned, and walking the keys in order so that every key gets cached
  [[ ${5:-} == warmup ]] && prefix=() && order=sequential
  "${prefix[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2s" --latency --timeout 5s -s "$BENCH/wrk-keys.lua" \
    "http://127.0.0.1:$1/" -- "$3" "$order" "${WRK_PATH:-/orders/42}" >"$4" 2>&1 || true
}

# CPU time (user + system, clock ticks) used so far by the process under test, all its threads
# (and nginx's workers), as two numbers: everything, and everything but the JIT compiler threads.
# Compilation is a warm-up cost that can come back at any time (a deoptimization, a late C2
# compile) and doubled a JVM's CPU per request in some rounds; the request work, GC included, is
# the second number.
cpu_ticks() { # cpu_ticks <pid>
  local total=0 jit=0 p t f comm
  for p in "$1" $(pgrep -P "$1" 2>/dev/null); do
    for t in /proc/"$p"/task/*; do
      read -r comm <"$t/comm" 2>/dev/null || continue
      read -r -a f < <(sed 's/^.*) //' "$t/stat" 2>/dev/null) || continue
      # after "pid (comm) ", utime and stime are the 12th and 13th fields
      total=$((total + f[11] + f[12]))
      [[ $comm == C[12]\ CompilerThre* ]] && jit=$((jit + f[11] + f[12]))
    done
  done
  echo "$total $((total - jit))"
}

measure() { # measure <round> <scenario> <port> <keys file>
  local round=$1 scenario=$2 port=$3 keys=$4 file="$OUT/wrk/$2-r$1.txt" pid cpu_before cpu_after
  mkdir -p "$OUT/wrk"
  pid=${PORT_PID[$port]}
  commandstats >"$file.redis-before"
  cpu_before=$(cpu_ticks "$pid")
  run_wrk "$port" "$DURATION" "$keys" "$file"
  cpu_after=$(cpu_ticks "$pid")
  commandstats >"$file.redis-after"
  python3 - "$round" "$scenario" "$file" "$cpu_before" "$cpu_after" "$(getconf CLK_TCK)" >>"$RESULTS" <<'PY'
import re, sys
round_, scenario, path, before_cpu, after_cpu, hz = sys.argv[1:7]
(total0, work0), (total1, work1) = (map(int, v.split()) for v in (before_cpu, after_cpu))
text = open(path).read()
def num(pattern, default=0.0):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m: return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
def stats(p):
    d = {}
    for line in open(p):
        k, v = line.split(); d[k] = int(v)
    return d
before, after = stats(path + ".redis-before"), stats(path + ".redis-after")
delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
everything = sum(v for k, v in delta.items() if k not in ("info",))
requests = int(num(r"(\d+) requests in"))
non2xx = int(num(r"Non-2xx or 3xx responses: (\d+)"))
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
def per_request(ticks): return "%.1f" % (ticks * 1e6 / int(hz) / max(requests, 1))
print("\t".join(map(str, [round_, scenario, num(r"Requests/sec:\s+([\d.]+)"), ms("50"), ms("99"),
      requests, non2xx, errors, everything, delta.get("hgetall", 0), delta.get("get", 0),
      per_request(work1 - work0), per_request(total1 - total0)])))
PY
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  round %s %-5s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms  non-2xx %s  HGETALL %s  CPU %s us/req (%s with JIT)\n", $1, $2, $3, $4, $5, $7, $10, $12, $13}' >&2
}

VALID="$OUT/keys/valid.txt"; BAD="$OUT/keys/bad-checksum.txt"; UNK="$OUT/keys/unknown.txt"
HOT="$OUT/keys/hot.txt"; head -100 "$VALID" >"$HOT"
log "warm-up: ${WARMUP}s per JVM (S2, S3, S4, S3-nio), a quarter of it for S1 and S3pub, a sixth for S5a and S5b"
run_wrk "$P_S1" $((WARMUP / 4 + 1)) "$VALID" "$OUT/warmup-s1.txt"
for port in "${GATEWAY_PORTS[@]}"; do run_wrk "$port" "$WARMUP" "$VALID" "$OUT/warmup-$port.txt" warmup; done
WRK_PATH=/public/x run_wrk "$P_K" $((WARMUP / 4 + 1)) "$VALID" "$OUT/warmup-s3pub.txt" warmup
WRK_PATH=/limited/x run_wrk "$P_K" $((WARMUP / 4 + 1)) "$VALID" "$OUT/warmup-s3rl.txt" warmup
[[ $LIMITS_LOCAL == 1 ]] && WRK_PATH=/limited/x run_wrk "$P_KLS" $((WARMUP / 4 + 1)) "$VALID" "$OUT/warmup-s3ls.txt" warmup
run_wrk "$P_K4" $((WARMUP / 6 + 1)) "$BAD" "$OUT/warmup-s5a.txt" warmup
run_wrk "$P_K4" $((WARMUP / 6 + 1)) "$UNK" "$OUT/warmup-s5b.txt" warmup
grep -H 'Requests/sec' "$OUT"/warmup-*.txt | sed "s|$OUT/||" >&2 || true

# Warm-up runs unpinned (the JIT compiles faster with both CPUs); measurements run pinned.
for name in "${!GW_PID[@]}"; do pin 0 "${GW_PID[$name]}"; done
log "measuring: $ROUNDS rounds x ${DURATION}s per scenario, $CONNECTIONS connections, interleaved"
for round in $(seq "$ROUNDS"); do
  measure "$round" S1 "$P_S1" "$VALID"
  measure "$round" S2 "$P_S2" "$VALID"
  measure "$round" S3 "$P_K" "$VALID"
  [[ $USAGE_AB == 1 ]] && measure "$round" S3nu "$P_KNU" "$VALID"
  [[ $OBS_AB == 1 ]] && measure "$round" S3al "$P_KAL" "$VALID"
  [[ $OBS_AB == 1 ]] && measure "$round" S3nt "$P_KNT" "$VALID"
  WRK_PATH=/public/x measure "$round" S3pub "$P_K" "$VALID"
  WRK_PATH=/limited/x measure "$round" S3rl "$P_K" "$VALID"
  [[ $LIMITS_LOCAL == 1 ]] && measure "$round" S3k "$P_KLS" "$VALID"
  [[ $LIMITS_LOCAL == 1 ]] && WRK_PATH=/limited/x measure "$round" S3ls "$P_KLS" "$VALID"
  WRK_PATH=/limited/x measure "$round" S3rh "$P_K" "$HOT"
  [[ $LIMITS_LOCAL == 1 ]] && WRK_PATH=/limited/x measure "$round" S3lh "$P_KLS" "$HOT"
  [[ $NIO == 1 ]] && measure "$round" S3nio "$P_KNIO" "$VALID"
  measure "$round" S4 "$P_K4" "$VALID"
  measure "$round" S5a "$P_K4" "$BAD"
  measure "$round" S5b "$P_K4" "$UNK"
done

# ---------------------------------------------------------------- profile
# S3 and S3pub again, each round with async-profiler attached to the S3 JVM for the wrk run only
# (CPU samples of every thread, collapsed stacks), then bench/profile.py's table: which frames
# S3's extra CPU per request is spent in. After the measured rounds, so that it cannot disturb them.
profile_setup() {
  local jar arch
  case $(uname -m) in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) return 1 ;; esac
  command -v jcmd >/dev/null || return 1
  jar=$(tr ':' '\n' <"$BENCH/target/classpath.txt" | grep '/async-profiler-[^/]*\.jar$' | head -1)
  [[ -n $jar ]] || return 1
  mkdir -p "$OUT/profile"
  python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$jar" "$arch/libasyncProfiler.so" "$OUT/profile/libasyncProfiler.so"
}
profile_round() { # profile_round <round> <scenario> <path>
  local pid=${PORT_PID[$P_K]} file="$OUT/profile/$2-r$1.collapsed" lib="$OUT/profile/libasyncProfiler.so"
  # jcmd splits its arguments at '=' unless the agent's options are quoted inside the argument
  jcmd "$pid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=${PROFILE_INTERVAL_US}us,threads,file=$file\"" \
    >>"$OUT/profile/jcmd.log" 2>&1 || return 1
  WRK_PATH=$3 run_wrk "$P_K" "$DURATION" "$VALID" "$OUT/profile/$2-r$1.wrk"
  jcmd "$pid" JVMTI.agent_load "$lib" "\"stop,file=$file,collapsed\"" >>"$OUT/profile/jcmd.log" 2>&1
}
if [[ $PROFILE == 1 ]]; then
  if profile_setup; then
    log "profile: S3, S3pub and S3rl, $PROFILE_ROUNDS rounds x ${DURATION}s each, async-profiler attached to the S3 JVM"
    for round in $(seq "$PROFILE_ROUNDS"); do
      profile_round "$round" S3 /orders/42 && profile_round "$round" S3pub /public/x &&
        profile_round "$round" S3rl /limited/x ||
        log "async-profiler did not start (see $OUT/profile/jcmd.log)"
    done
  else
    log "profile skipped: needs jcmd, python3 and async-profiler for Linux x64 or arm64"
  fi
fi

# ---------------------------------------------------------------- revocation
log "revocation: admin API on $P_ADMIN, gateways on $P_K and $P_K4 (unpinned: each may use both CPUs, as in service)"
# Pinning served the throughput comparison; here two gateways, the admin API and the probes share
# the machine, and two gateways squeezed onto CPU 0 would measure their queueing, not Keygate.
[[ $PIN == 1 ]] && for name in "${!GW_PID[@]}"; do pin 0-1 "${GW_PID[$name]}"; done
ADMIN_URL="http://127.0.0.1:$P_ADMIN"
if ! wait_http "$ADMIN_URL/v1/keys/none" 60 2>/dev/null || ! kill -0 "$ADMIN_PID" 2>/dev/null; then
  log "the admin API did not start (see $OUT/admin-api.log): removing through RedisKeyStore instead"
  ADMIN_URL=-
fi
REVOCATION_LOG="$OUT/revocation.txt"
: >"$REVOCATION_LOG"
REVOCATION_CSV="$OUT/revocation-normal.csv" timeout 150 java -Xlog:safepoint=info:file="$OUT/safepoints-revocation-client.log":time -cp "$BENCH_CP" dev.keygate.bench.RevocationBenchmark \
  normal "$REVOCATIONS" "127.0.0.1:$P_REDIS" "$ADMIN_URL" "$ADMIN_TOKEN" \
  "http://127.0.0.1:$P_K" "http://127.0.0.1:$P_K4" 2>&1 | tee -a "$REVOCATION_LOG" >&2 || true
if ((REVOCATIONS_KILLED > 0)); then
  REVOCATION_CSV="$OUT/revocation-kill-pubsub.csv" timeout 240 java -cp "$BENCH_CP" dev.keygate.bench.RevocationBenchmark \
    kill-pubsub "$REVOCATIONS_KILLED" "127.0.0.1:$P_REDIS" "$ADMIN_URL" "$ADMIN_TOKEN" \
    "http://127.0.0.1:$P_K" "http://127.0.0.1:$P_K4" 2>&1 | tee -a "$REVOCATION_LOG" >&2 || true
fi
if ((REVOCATIONS_LOST > 0)); then
  REVOCATION_CSV="$OUT/revocation-lost-message.csv" timeout 90 java -cp "$BENCH_CP" dev.keygate.bench.RevocationBenchmark \
    lost-message "$REVOCATIONS_LOST" "127.0.0.1:$P_REDIS" - - \
    "http://127.0.0.1:$P_K" "http://127.0.0.1:$P_K4" 2>&1 | tee -a "$REVOCATION_LOG" >&2 || true
fi

# ---------------------------------------------------------------- report
make_report
cat "$OUT/report.md"
log "done in $((SECONDS - START_TIME)) s; raw figures in $OUT"
