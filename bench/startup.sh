#!/usr/bin/env bash
# Start-up time of the gateway and the admin API: from process start to readiness UP, before and
# after the launchers' class data sharing, median of N starts each. Loopback only, bounded.
#
#   bench/startup.sh                 # 5 starts of each service in each configuration
#   BENCH_STARTS=3 bench/startup.sh
#
# Configurations, measured in interleaved rounds (one start of each per round, so machine noise
# falls on all of them alike), each service alone with a dedicated redis-server up:
#   jar        java -jar MODULE/target/keygate-MODULE-*-exec.jar   (before: what we shipped)
#   launcher   MODULE/bin/keygate-MODULE with class data sharing   (after; its archive is made
#              once, before the first round, and not counted)
#   alt        the launcher again on another JDK, when BENCH_ALT_JAVA_HOME is set (e.g. a Java 25,
#              where the launcher uses the AOT cache of JEP 483/514 instead of a CDS archive)
# "Ready" is the first 200 of GET /actuator/health/readiness on the management port (polled
# every 20 ms with curl): the moment Kubernetes' readiness probe would let traffic in.
# Needs the built jars (./mvnw -B -q -DskipTests package -pl gateway,admin-api -am), redis-server
# and curl. Environment: BENCH_STARTS (5), BENCH_PORT_BASE (18400), BENCH_TIMEOUT (60 s per start),
# BENCH_ALT_JAVA_HOME, BENCH_OUT (a temporary directory).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STARTS=${BENCH_STARTS:-5}
BASE=${BENCH_PORT_BASE:-18400}
TIMEOUT=${BENCH_TIMEOUT:-60}
OUT=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/keygate-startup.XXXXXX")}
mkdir -p "$OUT"
REDIS_PORT=$BASE
APP_PORT=$((BASE + 1))
MANAGEMENT_PORT=$((BASE + 2))

command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
for module in gateway admin-api; do
    ls "$ROOT/$module"/target/keygate-"$module"-*-exec.jar >/dev/null 2>&1 ||
        { echo "no $module jar: ./mvnw -B -q -DskipTests package -pl gateway,admin-api -am" >&2; exit 1; }
done

PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.05
done

# Each service's settings (the same for every configuration): Redis, ports, loopback, a token.
export SPRING_DATA_REDIS_HOST=127.0.0.1 SPRING_DATA_REDIS_PORT=$REDIS_PORT
export SERVER_ADDRESS=127.0.0.1 SERVER_PORT=$APP_PORT
export MANAGEMENT_SERVER_ADDRESS=127.0.0.1 MANAGEMENT_SERVER_PORT=$MANAGEMENT_PORT
export KEYGATE_GATEWAY_UPSTREAM_URI=http://127.0.0.1:9
export KEYGATE_ADMIN_TOKEN="bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
# each configuration its own archive directory, so nothing carries over from earlier runs
CDS_ROOT=$OUT/cds

# command CONFIG MODULE: the command line of one start
command_of() {
    local config=$1 module=$2 jar
    jar=$(ls "$ROOT/$module"/target/keygate-"$module"-*-exec.jar)
    case $config in
        jar) echo "${JAVA_HOME:+$JAVA_HOME/bin/}java -jar $jar" ;;
        launcher) echo "env KEYGATE_CDS_DIR=$CDS_ROOT/$module $ROOT/$module/bin/keygate-$module" ;;
        alt) echo "env JAVA_HOME=$BENCH_ALT_JAVA_HOME KEYGATE_CDS_DIR=$CDS_ROOT/$module-alt $ROOT/$module/bin/keygate-$module" ;;
    esac
}

# start CONFIG MODULE: prints the milliseconds from process start to readiness UP
start() {
    local config=$1 module=$2 log t0 t1 pid deadline
    log=$OUT/$module-$config.log
    t0=$(date +%s%N)
    # shellcheck disable=SC2046 # the command is a list of words
    $(command_of "$config" "$module") >"$log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    deadline=$(( $(date +%s) + TIMEOUT ))
    until curl -sf -o /dev/null "http://127.0.0.1:$MANAGEMENT_PORT/actuator/health/readiness"; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            echo "$module ($config) did not get ready; see $log" >&2
            exit 1
        fi
        sleep 0.02
    done
    t1=$(date +%s%N)
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo $(( (t1 - t0) / 1000000 ))
}

CONFIGS=(jar launcher)
[ -n "${BENCH_ALT_JAVA_HOME:-}" ] && CONFIGS+=(alt)
echo "Start-up to readiness UP, $STARTS starts per configuration, $(nproc) CPUs, $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -n 1)"
[ -n "${BENCH_ALT_JAVA_HOME:-}" ] && echo "alt: $("$BENCH_ALT_JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
echo "output: $OUT"

# the archives, made once (the first use of each launcher), not counted
for module in gateway admin-api; do
    for config in "${CONFIGS[@]}"; do
        [ "$config" = jar ] && continue
        # shellcheck disable=SC2046
        env KEYGATE_CDS=train $(command_of "$config" "$module") >"$OUT/$module-$config-train.log" 2>&1 ||
            { echo "training $module ($config) failed: $OUT/$module-$config-train.log" >&2; exit 1; }
    done
done

declare -A TIMES
for round in $(seq "$STARTS"); do
    line="round $round:"
    for module in gateway admin-api; do
        for config in "${CONFIGS[@]}"; do
            ms=$(start "$config" "$module")
            TIMES[$module-$config]="${TIMES[$module-$config]:-} $ms"
            line="$line $module/$config ${ms} ms"
        done
    done
    echo "$line"
done

median() {
    tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
echo
printf '%-10s %-10s %10s %10s %8s   %s\n' service config median_ms spread_ms vs_jar starts
for module in gateway admin-api; do
    base=$(echo "${TIMES[$module-jar]}" | median)
    for config in "${CONFIGS[@]}"; do
        values=${TIMES[$module-$config]}
        m=$(echo "$values" | median)
        lo=$(echo "$values" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -n 1)
        hi=$(echo "$values" | tr ' ' '\n' | sed '/^$/d' | sort -n | tail -n 1)
        printf '%-10s %-10s %10s %10s %8s  %s\n' "$module" "$config" "$m" "$lo-$hi" \
            "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" "$values"
    done
done
