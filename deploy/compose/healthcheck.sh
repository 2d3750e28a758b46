#!/usr/bin/env bash
# healthcheck.sh PORT [PATH]: exit 0 when GET PATH on 127.0.0.1:PORT answers 200. Only bash (/dev/tcp),
# so the runtime image needs no curl or wget. Used by compose's healthcheck.
set -u
port=${1:?port}
path=${2:-/actuator/health/readiness}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 5 _ code _ <&3 || exit 1
[ "$code" = "200" ]
