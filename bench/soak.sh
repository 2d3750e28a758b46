#!/usr/bin/env bash
# Keygate fault soak: one gateway on a private redis-server under constant traffic, a rotation a
# second and random faults (pub/sub killed, Redis frozen, Redis restarted); see
# gateway/src/test/java/dev/keygate/gateway/faults/SoakTests.java. Not part of ./mvnw verify
# (JUnit tag "soak", run by the Maven profile -Psoak). It asserts correctness (no revoked secret
# accepted past max-staleness, no 5xx outside a fault) and prints its figures (requests, rotations,
# heap after GC), which depend on the machine and are not asserted.
#
#   bench/soak.sh                 # 60 s, the default (fixed) seed
#   bench/soak.sh PT10M           # ten minutes
#   bench/soak.sh PT60S 12345     # another fault sequence
#
# The figures are in gateway/target/surefire-reports/dev.keygate.gateway.faults.SoakTests-output.txt
# (and printed at the end). SOAK_MAVEN_ARGS adds Maven arguments (e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION=${1:-PT60S}
SEED=${2:-}
# shellcheck disable=SC2206 # word splitting wanted: several arguments
ARGS=(${SOAK_MAVEN_ARGS:-} -B -Psoak -pl core,test-support,gateway -am verify -Dsurefire.failIfNoSpecifiedTests=false
  -Dtest=SoakTests "-Dkeygate.soak.duration=$DURATION")
if [[ -n $SEED ]]; then
  ARGS+=("-Dkeygate.soak.seed=$SEED")
fi
status=0
(cd "$ROOT" && ./mvnw "${ARGS[@]}") || status=$?
OUTPUT="$ROOT/gateway/target/surefire-reports/dev.keygate.gateway.faults.SoakTests-output.txt"
if [[ -f $OUTPUT ]]; then
  grep '^\[fault/soak\]' "$OUTPUT" || true
fi
exit "$status"
