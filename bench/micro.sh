#!/usr/bin/env bash
# Keygate micro benchmarks: JMH on the hot path (ns/op and, with -prof gc, bytes allocated per op)
# and the heap per cached key with 1 million cached keys.
#
#   bench/micro.sh                  # everything (about 6 minutes)
#   bench/micro.sh HotPath          # a JMH benchmark regex only (skips the heap measurement)
#
# Builds the bench module if needed (./mvnw -Pbench -pl bench -am package -DskipTests). Output in
# bench/target/micro-<timestamp>/ (jmh.txt, heap.txt).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
if [[ ! -f $BENCH/target/classpath.txt ]]; then
  (cd "$ROOT" && ./mvnw -q -B -Pbench -pl bench -am package -DskipTests)
fi
CP="$BENCH/target/classes:$(cat "$BENCH/target/classpath.txt")"
OUT=${BENCH_OUT:-"$BENCH/target/micro-$(date -u +%Y%m%dT%H%M%SZ)"}
mkdir -p "$OUT"
PATTERN=${1:-'HotPathBenchmark|FilterBreakdownBenchmark|HashingAlternativesBenchmark'}
# JMH forks its own JVMs and ends them; timeout bounds the whole run.
timeout 900 java -cp "$CP" org.openjdk.jmh.Main -prof gc -rf text -rff "$OUT/jmh.txt" "$PATTERN" \
  >"$OUT/jmh.log" 2>&1 || { tail -30 "$OUT/jmh.log" >&2; exit 1; }
# Summary: JMH's mean and error, plus the fastest measured iteration (the least disturbed by other
# processes on a shared machine) and the allocation per operation.
python3 - "$OUT/jmh.log" <<'PY' | tee "$OUT/jmh-summary.txt"
import re, sys
bench, rows = None, {}
for line in open(sys.argv[1]):
    m = re.match(r"# Benchmark: \S+\.(\w+\.\w+)$", line.strip())
    if m:
        bench = m.group(1); rows[bench] = {"iters": []}; measuring = False; continue
    if line.startswith("Iteration") and bench:
        m = re.search(r"Iteration\s+\d+:\s+([\d.]+) ns/op", line)
        if m: rows[bench]["iters"].append(float(m.group(1)))
    m = re.match(r"\s+([\d.]+) ±\(99\.9%\) ([\d.]+) ns/op \[Average\]", line)
    if m and bench: rows[bench]["mean"], rows[bench]["err"] = float(m.group(1)), float(m.group(2))
    m = re.match(r"\s+([\d.]+) ±\(99\.9%\) [\d.]+ B/op \[Average\]", line)
    if m and bench: rows[bench]["alloc"] = float(m.group(1))
print("| benchmark | mean ns/op | ± (99.9%) | fastest iteration ns/op | allocated B/op |")
print("|---|---:|---:|---:|---:|")
for name, r in rows.items():
    if "mean" not in r: continue
    print("| %s | %.0f | %.0f | %.0f | %.0f |" % (name, r["mean"], r["err"], min(r["iters"]) if r["iters"] else float("nan"), r.get("alloc", float("nan"))))
PY
if [[ $# -eq 0 ]]; then
  # Serial GC: System.gc() is then one full compacting collection, so heap-used figures are exact.
  timeout 300 java -XX:+UseSerialGC -Xms4g -Xmx4g -Djol.magicFieldOffset=true -cp "$CP" \
    dev.keygate.bench.HeapPerKey 1000000 2>"$OUT/heap.log" | tee "$OUT/heap.txt"
fi
echo "results in $OUT"
