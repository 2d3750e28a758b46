#!/usr/bin/env bash
# Keygate on this machine, in one command: Redis, a demo backend, the admin API, one gateway, the
# developer portal and a demo OpenID Connect provider for it, all on 127.0.0.1, in the foreground. Ctrl-C (or SIGTERM) stops exactly the processes this script started.
# Needs bash and a JDK 17+; builds the jars if they are missing. Works with the bash 3.2 of macOS.
# `deploy/local/run.sh --help` lists every variable it reads.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: deploy/local/run.sh [--help]

Starts Keygate locally, on 127.0.0.1, in the foreground: a Redis, a demo backend (WireMock), the admin
API, one gateway, the developer portal and a demo OpenID Connect provider (one demo user) to sign in to
it. Prints the admin token, the operator console's and the portal's addresses, the demo sign-in,
and three curl lines to try it. Ctrl-C or SIGTERM stops
everything it started. Needs bash and a JDK 17+ (nothing else: no Docker, no root).

Variables (all optional):
  REDIS_URL                    use this Redis (e.g. redis://127.0.0.1:6379) instead of starting one
  KEYGATE_EMBEDDED_REDIS       1: start the embedded Redis even if redis-server is on the PATH
                               (default 0: redis-server from the PATH if there is one)
  KEYGATE_UPSTREAM_URI         route the gateway to this backend instead of starting the demo backend
  KEYGATE_ADMIN_TOKEN          admin token for the admin API, 16+ characters (default: generated)
  KEYGATE_GATEWAY_PORT         gateway proxy port                 (default 8080)
  KEYGATE_GATEWAY_MANAGEMENT_PORT  gateway actuator port          (default 9090)
  KEYGATE_ADMIN_PORT           admin API port                     (default 8081)
  KEYGATE_ADMIN_MANAGEMENT_PORT    admin API actuator port        (default 9091)
  KEYGATE_REDIS_PORT           port of the Redis this script starts (default 6380)
  KEYGATE_DEMO_PORT            port of the demo backend           (default 8082)
  KEYGATE_PORTAL_PORT          developer portal port              (default 8083)
  KEYGATE_PORTAL_MANAGEMENT_PORT   developer portal actuator port (default 9093)
  KEYGATE_DEMO_IDP_PORT        port of the demo OpenID Connect provider (default 9000)
  KEYGATE_DEMO_PASSWORD        the demo user's password           (default demo-password)
  KEYGATE_START_TIMEOUT        seconds to wait for everything to be ready (default 180)
  KEYGATE_STOP_TIMEOUT         seconds to wait for each process to stop before SIGKILL (default 20)
  KEYGATE_RUN_DIR              state, downloads and logs          (default deploy/local/.run)
  KEYGATE_JAVA_OPTS            JVM options for the Java processes
                               (default "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1": quick
                               start-up on a laptop; set it empty before measuring anything)
  KEYGATE_MAVEN_ARGS           extra arguments for ./mvnw when building jars or fetching WireMock and
                               the embedded Redis (e.g. -o to stay offline)
  JAVA_HOME                    the JDK to use (default: java on the PATH)

Redis: REDIS_URL if set; else redis-server from the PATH; else the redis-server binary shipped inside
the Maven Central artifact com.github.codemonstur:embedded-redis:1.4.3 (Redis 6.2 for Linux x86_64,
arm64, i386 and macOS x86_64, arm64), fetched once with ./mvnw into the run directory.
The Redis this script starts keeps nothing on disk (no RDB, no AOF) and has Keygate's ACL users
(deploy/redis/users.acl, passwords made at start): the gateway may only read, the admin API writes.

The demo provider (deploy/local/demo-idp, Spring Authorization Server) keeps its users, sessions and
signing key in memory; never expose it. Point the portal at a real provider: docs/operations.md.

Logs: <run dir>/logs/{redis,demo-backend,admin-api,gateway,demo-idp,portal}.log
EOF
}

for arg in ${1+"$@"}; do
    case "$arg" in
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument '$arg' (see --help)" >&2
            exit 2
            ;;
    esac
done

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
RUN_DIR=${KEYGATE_RUN_DIR:-$SCRIPT_DIR/.run}
LIB_DIR=$RUN_DIR/lib
LOG_DIR=$RUN_DIR/logs

GATEWAY_PORT=${KEYGATE_GATEWAY_PORT:-8080}
GATEWAY_MANAGEMENT_PORT=${KEYGATE_GATEWAY_MANAGEMENT_PORT:-9090}
ADMIN_PORT=${KEYGATE_ADMIN_PORT:-8081}
ADMIN_MANAGEMENT_PORT=${KEYGATE_ADMIN_MANAGEMENT_PORT:-9091}
REDIS_PORT=${KEYGATE_REDIS_PORT:-6380}
DEMO_PORT=${KEYGATE_DEMO_PORT:-8082}
PORTAL_PORT=${KEYGATE_PORTAL_PORT:-8083}
PORTAL_MANAGEMENT_PORT=${KEYGATE_PORTAL_MANAGEMENT_PORT:-9093}
IDP_PORT=${KEYGATE_DEMO_IDP_PORT:-9000}
DEMO_USER=demo
DEMO_PASSWORD=${KEYGATE_DEMO_PASSWORD:-demo-password}
START_TIMEOUT=${KEYGATE_START_TIMEOUT:-180}
STOP_TIMEOUT=${KEYGATE_STOP_TIMEOUT:-20}
JAVA_OPTS=${KEYGATE_JAVA_OPTS--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}
MAVEN_ARGS=${KEYGATE_MAVEN_ARGS:-}
EMBEDDED_REDIS_COORDS=com.github.codemonstur:embedded-redis:1.4.3
WIREMOCK_COORDS=org.wiremock:wiremock-standalone:3.13.2
VERSION=0.1.0-SNAPSHOT
GATEWAY_JAR=$REPO_DIR/gateway/target/keygate-gateway-$VERSION-exec.jar
ADMIN_JAR=$REPO_DIR/admin-api/target/keygate-admin-api-$VERSION-exec.jar
PORTAL_JAR=$REPO_DIR/portal/target/keygate-portal-$VERSION-exec.jar
IDP_JAR=$REPO_DIR/deploy/local/demo-idp/target/keygate-demo-idp-$VERSION-exec.jar

fail() {
    echo "run.sh: $*" >&2
    exit 1
}

say() {
    echo "run.sh: $*"
}

# --- processes this script started: "name:pid" words, in start order ---------------------------------
STARTED=""
SLEEP_PID=""

is_running() {
    local pid=$1 state
    kill -0 "$pid" 2>/dev/null || return 1
    # A child that exited but was not reaped yet still answers kill -0: look at its state.
    if [ -r "/proc/$pid/stat" ]; then
        state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    else
        state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
    fi
    case "$state" in Z* | X* | "") return 1 ;; esac
    return 0
}

stop_pid() {
    local name=$1 pid=$2 waited=0
    is_running "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while is_running "$pid"; do
        if [ "$waited" -ge $((STOP_TIMEOUT * 10)) ]; then
            say "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$? entry name pid reversed=""
    trap - INT TERM EXIT
    if [ -n "$SLEEP_PID" ]; then
        kill -TERM "$SLEEP_PID" 2>/dev/null || true
        wait "$SLEEP_PID" 2>/dev/null || true
    fi
    [ -n "$STARTED" ] || exit "$status"
    say "stopping what this script started:$STARTED"
    for entry in $STARTED; do reversed="$entry $reversed"; done
    # The Java services first (they talk to the others), then the demo backend and Redis.
    for entry in $reversed; do
        name=${entry%%:*}
        pid=${entry##*:}
        case "$name" in gateway | admin-api | portal | demo-idp) kill -TERM "$pid" 2>/dev/null || true ;; esac
    done
    for entry in $reversed; do
        stop_pid "${entry%%:*}" "${entry##*:}"
    done
    rm -f "$RUN_DIR"/pids/*.pid
    say "stopped"
    exit "$status"
}
trap 'exit 130' INT
trap 'exit 143' TERM
trap cleanup EXIT

# start NAME COMMAND...: runs COMMAND in the background with its output in logs/NAME.log.
start() {
    local name=$1 pid
    shift
    "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    pid=$!
    STARTED="$STARTED $name:$pid"
    echo "$pid" >"$RUN_DIR/pids/$name.pid"
    say "started $name (pid $pid), log: $LOG_DIR/$name.log"
}

# --- probes, with bash's /dev/tcp only (no curl needed) ------------------------------------------------
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# http_status PORT PATH: prints the HTTP status code of GET PATH on 127.0.0.1:PORT, or nothing.
http_status() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1"
        printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
        IFS=' ' read -r -t 5 _ code _ <&3
        echo "$code"
    ) 2>/dev/null || true
}

redis_pong() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1"
        printf 'PING\r\n' >&3
        read -r -t 5 reply <&3
        case "$reply" in +PONG*) exit 0 ;; *) exit 1 ;; esac
    ) 2>/dev/null
}

# await NAME PID CHECK...: polls CHECK until it succeeds, the process dies, or START_TIMEOUT runs out.
DEADLINE=0
await() {
    local name=$1 pid=$2
    shift 2
    while ! "$@"; do
        if ! is_running "$pid"; then
            echo "run.sh: $name (pid $pid) exited during start-up; the end of $LOG_DIR/$name.log:" >&2
            tail -n 30 "$LOG_DIR/$name.log" >&2 || true
            exit 1
        fi
        if [ "$SECONDS" -ge "$DEADLINE" ]; then
            echo "run.sh: $name was not ready within ${START_TIMEOUT}s (KEYGATE_START_TIMEOUT); the end of $LOG_DIR/$name.log:" >&2
            tail -n 30 "$LOG_DIR/$name.log" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
}

http_ok() {
    [ "$(http_status "$1" "$2")" = "200" ]
}

# --- Java and the artifacts ----------------------------------------------------------------------------
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA=$JAVA_HOME/bin/java
elif command -v java >/dev/null 2>&1; then
    JAVA=$(command -v java)
else
    fail "no Java found: install a JDK 17+ or set JAVA_HOME"
fi
java_version=$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$java_version" ] || [ "$java_version" -lt 17 ] 2>/dev/null; then
    fail "Java 17 or newer is needed; $JAVA is version '${java_version:-unknown}' (set JAVA_HOME)"
fi

for port_var in GATEWAY_PORT GATEWAY_MANAGEMENT_PORT ADMIN_PORT ADMIN_MANAGEMENT_PORT REDIS_PORT DEMO_PORT \
    PORTAL_PORT PORTAL_MANAGEMENT_PORT IDP_PORT START_TIMEOUT STOP_TIMEOUT; do
    case "${!port_var}" in
        '' | *[!0-9]*) fail "KEYGATE_$port_var must be a number, not '${!port_var}'" ;;
    esac
done

case "$DEMO_PASSWORD" in
    '' | *[[:cntrl:]]*) fail "KEYGATE_DEMO_PASSWORD must be non-empty, without control characters" ;;
esac
if [ -n "${KEYGATE_DEMO_PASSWORD:-}" ]; then
    demo_password_shown="(the password in KEYGATE_DEMO_PASSWORD)"
else
    demo_password_shown=$DEMO_PASSWORD
fi

if [ -n "${KEYGATE_ADMIN_TOKEN:-}" ]; then
    ADMIN_TOKEN=$KEYGATE_ADMIN_TOKEN
    [ "${#ADMIN_TOKEN}" -ge 16 ] || fail "KEYGATE_ADMIN_TOKEN must have at least 16 characters"
    token_source="from KEYGATE_ADMIN_TOKEN"
else
    ADMIN_TOKEN=local-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    token_source="generated; set KEYGATE_ADMIN_TOKEN to choose it"
fi

# A run that was killed with SIGKILL could not stop its processes: name them.
for pid_file in "$RUN_DIR"/pids/*.pid; do
    [ -f "$pid_file" ] || continue
    old_pid=$(cat "$pid_file" 2>/dev/null || true)
    if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
        echo "run.sh: an earlier run may have left $(basename "$pid_file" .pid) running as pid $old_pid (kill $old_pid)" >&2
    fi
    rm -f "$pid_file"
done

# Refuse early, naming the port, if anything already listens on one we need.
check_port() {
    if port_in_use "$2"; then
        fail "port $2 ($1) is already in use on 127.0.0.1; stop what uses it or choose another port with $3 (see --help)"
    fi
}
check_port "gateway" "$GATEWAY_PORT" KEYGATE_GATEWAY_PORT
check_port "gateway management" "$GATEWAY_MANAGEMENT_PORT" KEYGATE_GATEWAY_MANAGEMENT_PORT
check_port "admin API" "$ADMIN_PORT" KEYGATE_ADMIN_PORT
check_port "admin API management" "$ADMIN_MANAGEMENT_PORT" KEYGATE_ADMIN_MANAGEMENT_PORT
check_port "developer portal" "$PORTAL_PORT" KEYGATE_PORTAL_PORT
check_port "developer portal management" "$PORTAL_MANAGEMENT_PORT" KEYGATE_PORTAL_MANAGEMENT_PORT
check_port "demo OpenID Connect provider" "$IDP_PORT" KEYGATE_DEMO_IDP_PORT
if [ -z "${REDIS_URL:-}" ]; then
    check_port "Redis; or use your own with REDIS_URL" "$REDIS_PORT" KEYGATE_REDIS_PORT
fi
if [ -z "${KEYGATE_UPSTREAM_URI:-}" ]; then
    check_port "demo backend; or use your own with KEYGATE_UPSTREAM_URI" "$DEMO_PORT" KEYGATE_DEMO_PORT
fi

mkdir -p "$LIB_DIR" "$LOG_DIR" "$RUN_DIR/pids" "$RUN_DIR/redis"

mvnw() {
    # shellcheck disable=SC2086 # MAVEN_ARGS is a list of words
    (cd "$REPO_DIR" && ./mvnw -q -B $MAVEN_ARGS "$@")
}

if [ ! -f "$GATEWAY_JAR" ] || [ ! -f "$ADMIN_JAR" ] || [ ! -f "$PORTAL_JAR" ] || [ ! -f "$IDP_JAR" ]; then
    say "building the jars (once; a few minutes): ./mvnw -q -B -DskipTests package -pl gateway,admin-api,portal,deploy/local/demo-idp -am"
    mvnw -DskipTests package -pl gateway,admin-api,portal,deploy/local/demo-idp -am || fail "the build failed (see above)"
fi

# fetch COORDS: copies a Maven Central artifact into LIB_DIR (once) and prints its path.
fetch() {
    local coords=$1 artifact version file
    artifact=$(echo "$coords" | cut -d: -f2)
    version=$(echo "$coords" | cut -d: -f3)
    file=$LIB_DIR/$artifact-$version.jar
    if [ ! -f "$file" ]; then
        say "fetching $coords into $LIB_DIR (once)" >&2
        mvnw -N dependency:copy -Dartifact="$coords" -DoutputDirectory="$LIB_DIR" >&2 ||
            fail "could not fetch $coords with ./mvnw (offline? see KEYGATE_MAVEN_ARGS)"
    fi
    echo "$file"
}

DEADLINE=$((SECONDS + START_TIMEOUT))

# --- Redis -----------------------------------------------------------------------------------------------
if [ -n "${REDIS_URL:-}" ]; then
    REDIS=$REDIS_URL
    redis_source="REDIS_URL (not started by this script)"
else
    if [ "${KEYGATE_EMBEDDED_REDIS:-0}" != "1" ] && command -v redis-server >/dev/null 2>&1; then
        redis_bin=$(command -v redis-server)
        redis_source="redis-server from the PATH ($redis_bin)"
    else
        case "$(uname -s)-$(uname -m)" in
            Linux-x86_64 | Linux-amd64) redis_name=redis-server-6.2.6-v5-linux-amd64 ;;
            Linux-aarch64 | Linux-arm64) redis_name=redis-server-6.2.7-linux-arm64 ;;
            Linux-i386 | Linux-i686) redis_name=redis-server-6.2.7-linux-386 ;;
            Darwin-x86_64) redis_name=redis-server-6.2.6-v5-darwin-amd64 ;;
            Darwin-arm64) redis_name=redis-server-6.2.6-v5-darwin-arm64 ;;
            *) fail "no embedded Redis for $(uname -s) $(uname -m): install redis-server or set REDIS_URL" ;;
        esac
        redis_bin=$LIB_DIR/$redis_name
        if [ ! -x "$redis_bin" ]; then
            redis_jar=$(fetch "$EMBEDDED_REDIS_COORDS")
            if [ -x "$(dirname "$JAVA")/jar" ]; then
                (cd "$LIB_DIR" && "$(dirname "$JAVA")/jar" xf "$redis_jar" "$redis_name")
            elif command -v unzip >/dev/null 2>&1; then
                unzip -q -o "$redis_jar" "$redis_name" -d "$LIB_DIR"
            else
                fail "cannot unpack $redis_jar: no 'jar' next to $JAVA and no unzip"
            fi
            chmod +x "$redis_bin"
        fi
        redis_source="embedded Redis from $EMBEDDED_REDIS_COORDS ($redis_bin)"
    fi
    # Keygate's Redis users (deploy/redis/users.acl), as in compose and Kubernetes: the gateway may only
    # read, the admin API writes, an unauthenticated client may only PING. The passwords are made here,
    # kept in the environment of the service that needs each, never printed or put on a command line.
    GATEWAY_REDIS_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    ADMIN_REDIS_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    KEYGATE_REDIS_SERVER=$redis_bin KEYGATE_GATEWAY_REDIS_PASSWORD=$GATEWAY_REDIS_PASSWORD \
        KEYGATE_ADMIN_REDIS_PASSWORD=$ADMIN_REDIS_PASSWORD \
        sh "$SCRIPT_DIR/../redis/render-acl.sh" "$SCRIPT_DIR/../redis/users.acl" "$RUN_DIR/redis/users.acl" ||
        fail "cannot render the Redis ACL file"
    start redis "$redis_bin" --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --save "" \
        --appendonly no --dir "$RUN_DIR/redis" --daemonize no --aclfile "$RUN_DIR/redis/users.acl"
    await redis "${STARTED##*:}" redis_pong "$REDIS_PORT"
    REDIS=redis://127.0.0.1:$REDIS_PORT
fi
say "Redis: $redis_source"

# --- demo backend ----------------------------------------------------------------------------------------
if [ -n "${KEYGATE_UPSTREAM_URI:-}" ]; then
    UPSTREAM=$KEYGATE_UPSTREAM_URI
    say "upstream: $UPSTREAM (KEYGATE_UPSTREAM_URI; no demo backend started)"
else
    wiremock_jar=$(fetch "$WIREMOCK_COORDS")
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of words
    start demo-backend "$JAVA" $JAVA_OPTS -jar "$wiremock_jar" --bind-address 127.0.0.1 --port "$DEMO_PORT" \
        --root-dir "$SCRIPT_DIR/wiremock" --disable-banner --no-request-journal
    demo_pid=${STARTED##*:}
    UPSTREAM=http://127.0.0.1:$DEMO_PORT
fi

# --- admin API and gateway (in parallel) -------------------------------------------------------------------
# Settings go in the environment, never on the command line, so `ps` shows no token or Redis password.
# Latency histograms (for the Grafana dashboard's quantiles), as in deploy/compose and deploy/k8s.
METRICS_JSON='{"management.metrics.distribution.percentiles-histogram.http.server.requests":true,"management.metrics.distribution.percentiles-histogram.spring.cloud.gateway.requests":true,"management.metrics.distribution.percentiles-histogram.keygate.store.load":true}'
# redis_settings USER PASSWORD: the Redis this script started, as that ACL user (host and port, not a
# URL: with a URL Spring Boot ignores the username and password properties); else REDIS_URL as given.
redis_settings() {
    if [ -n "${REDIS_URL:-}" ]; then
        export SPRING_DATA_REDIS_URL="$REDIS"
    else
        export SPRING_DATA_REDIS_HOST=127.0.0.1 SPRING_DATA_REDIS_PORT="$REDIS_PORT"
        export SPRING_DATA_REDIS_USERNAME="$1" SPRING_DATA_REDIS_PASSWORD="$2"
    fi
    unset GATEWAY_REDIS_PASSWORD ADMIN_REDIS_PASSWORD
}
# Each function runs in the background subshell that start() makes, and exec keeps its pid.
# launcher MODULE JAR: the module's launcher (MODULE/bin/keygate-MODULE: class data sharing, its
# archive made on the first run under MODULE/target/cds), with this script's Java and JVM options.
launcher() {
    # the launcher takes JAVA_HOME when it is set (then $JAVA is its java), else java on the PATH
    [ -n "${JAVA_HOME:-}" ] || PATH="$(dirname "$JAVA"):$PATH"
    export PATH JAVA_OPTS KEYGATE_JAR="$2"
    exec "$REPO_DIR/$1/bin/keygate-$1"
}
launch_admin_api() {
    export KEYGATE_ADMIN_TOKEN="$ADMIN_TOKEN" SPRING_APPLICATION_JSON="$METRICS_JSON"
    redis_settings keygate-admin "${ADMIN_REDIS_PASSWORD:-}"
    export SERVER_ADDRESS=127.0.0.1 SERVER_PORT="$ADMIN_PORT"
    export MANAGEMENT_SERVER_ADDRESS=127.0.0.1 MANAGEMENT_SERVER_PORT="$ADMIN_MANAGEMENT_PORT"
    launcher admin-api "$ADMIN_JAR"
}
launch_gateway() {
    unset KEYGATE_ADMIN_TOKEN
    export KEYGATE_GATEWAY_UPSTREAM_URI="$UPSTREAM" SPRING_APPLICATION_JSON="$METRICS_JSON"
    redis_settings keygate-gateway "${GATEWAY_REDIS_PASSWORD:-}"
    export SERVER_ADDRESS=127.0.0.1 SERVER_PORT="$GATEWAY_PORT"
    export MANAGEMENT_SERVER_ADDRESS=127.0.0.1 MANAGEMENT_SERVER_PORT="$GATEWAY_MANAGEMENT_PORT"
    launcher gateway "$GATEWAY_JAR"
}
# The portal signs in with the demo provider (a client secret made here, in both environments only) and
# writes keys through the admin API's service layer, so it connects to Redis as the admin API's user.
PORTAL_CLIENT_SECRET=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
PORTAL=http://127.0.0.1:$PORTAL_PORT
IDP=http://127.0.0.1:$IDP_PORT
# json_escape TEXT: TEXT as the inside of a JSON string (backslashes and quotes escaped).
json_escape() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}
launch_demo_idp() {
    unset KEYGATE_ADMIN_TOKEN ADMIN_REDIS_PASSWORD GATEWAY_REDIS_PASSWORD
    export SERVER_PORT="$IDP_PORT" KEYGATE_DEMO_IDP_CLIENT_SECRET="$PORTAL_CLIENT_SECRET"
    export KEYGATE_DEMO_IDP_REDIRECT_URIS="$PORTAL/login/oauth2/code/keygate"
    export KEYGATE_DEMO_IDP_POST_LOGOUT_REDIRECT_URIS="$PORTAL/"
    # the whole list in one source (a list is bound from one property source), password included
    export SPRING_APPLICATION_JSON="{\"keygate.demo-idp.users\":[{\"username\":\"$DEMO_USER\",\"password\":\"$(json_escape "$DEMO_PASSWORD")\",\"name\":\"Dana Demo\",\"email\":\"demo@example.com\",\"orgs\":[\"acme\",\"globex\"]}]}"
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of words
    exec "$JAVA" $JAVA_OPTS -jar "$IDP_JAR"
}
launch_portal() {
    unset KEYGATE_ADMIN_TOKEN
    export KEYGATE_PORTAL_OIDC_ISSUER="$IDP" KEYGATE_PORTAL_OIDC_CLIENT_ID=keygate-portal
    export KEYGATE_PORTAL_OIDC_CLIENT_SECRET="$PORTAL_CLIENT_SECRET" KEYGATE_PORTAL_GATEWAY_URL="$GATEWAY/hello"
    # the demo provider's access tokens name the client as their audience
    export KEYGATE_PORTAL_OIDC_AUDIENCE=keygate-portal
    # the permissions the demo offers (the demo backend answers every path)
    export SPRING_APPLICATION_JSON='{"keygate.portal.scopes":[{"name":"orders:read","description":"Read your orders"},{"name":"orders:write","description":"Place and change orders"}]}'
    redis_settings keygate-admin "${ADMIN_REDIS_PASSWORD:-}"
    export SERVER_ADDRESS=127.0.0.1 SERVER_PORT="$PORTAL_PORT"
    export MANAGEMENT_SERVER_ADDRESS=127.0.0.1 MANAGEMENT_SERVER_PORT="$PORTAL_MANAGEMENT_PORT"
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of words
    exec "$JAVA" $JAVA_OPTS -jar "$PORTAL_JAR"
}
ADMIN=http://127.0.0.1:$ADMIN_PORT
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
start admin-api launch_admin_api
admin_pid=${STARTED##*:}
start gateway launch_gateway
gateway_pid=${STARTED##*:}
start demo-idp launch_demo_idp
idp_pid=${STARTED##*:}
start portal launch_portal
portal_pid=${STARTED##*:}
unset PORTAL_CLIENT_SECRET

say "waiting for readiness (at most ${START_TIMEOUT}s in all)..."
if [ -n "${demo_pid:-}" ]; then
    await demo-backend "$demo_pid" http_ok "$DEMO_PORT" /__admin/health
fi
await admin-api "$admin_pid" http_ok "$ADMIN_MANAGEMENT_PORT" /actuator/health/readiness
await gateway "$gateway_pid" http_ok "$GATEWAY_MANAGEMENT_PORT" /actuator/health/readiness
await demo-idp "$idp_pid" http_ok "$IDP_PORT" /.well-known/openid-configuration
await portal "$portal_pid" http_ok "$PORTAL_MANAGEMENT_PORT" /actuator/health/readiness

# --- ready -------------------------------------------------------------------------------------------------
cat <<EOF

Keygate is ready (Ctrl-C stops everything).
  gateway    $GATEWAY         actuator http://127.0.0.1:$GATEWAY_MANAGEMENT_PORT/actuator
  admin API  $ADMIN         actuator http://127.0.0.1:$ADMIN_MANAGEMENT_PORT/actuator
  console    $ADMIN/console   (sign in with the admin token below)
  portal     $PORTAL         actuator http://127.0.0.1:$PORTAL_MANAGEMENT_PORT/actuator
  demo sign-in  $DEMO_USER / $demo_password_shown   (demo OpenID Connect provider $IDP)
  upstream   $UPSTREAM
  Redis      $redis_source
  logs       $LOG_DIR

Admin token ($token_source):
  $ADMIN_TOKEN

Try it (copy the three lines into another terminal):
KEY=\$(curl -sS -X POST $ADMIN/v1/keys -H 'Authorization: Bearer $ADMIN_TOKEN' -H 'Content-Type: application/json' -d '{"owner":"demo"}' | sed -E 's/.*"key":"([^"]+)".*/\1/'); echo "\$KEY"
curl -sS -i $GATEWAY/hello -H "Authorization: Bearer \$KEY"
curl -sS -i -X DELETE "$ADMIN/v1/keys/\$(echo "\$KEY" | cut -d_ -f2)" -H 'Authorization: Bearer $ADMIN_TOKEN'
(after the third line, the second one answers 401)

EOF

# --- foreground until a signal or until a process dies -----------------------------------------------------
while true; do
    for entry in $STARTED; do
        if ! is_running "${entry##*:}"; then
            echo "run.sh: ${entry%%:*} (pid ${entry##*:}) stopped unexpectedly; the end of $LOG_DIR/${entry%%:*}.log:" >&2
            tail -n 30 "$LOG_DIR/${entry%%:*}.log" >&2 || true
            exit 1
        fi
    done
    sleep 2 &
    SLEEP_PID=$!
    wait "$SLEEP_PID" || true
    SLEEP_PID=""
done
