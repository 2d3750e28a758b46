#!/usr/bin/env python3
"""Prints the Markdown report of one bench/run.sh run. Re-run on an output directory with:
    python3 bench/report.py $(cat bench/target/run-<timestamp>/report-args)
"""
import csv, statistics as st, sys, math
results, revocation, mode, rounds, duration, conns, keys, unknown, s4cache, ttl, pin = sys.argv[1:12]
duration, ttl = float(duration), float(ttl)
rows = list(csv.DictReader(open(results), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["scenario"], []).append(r)
def med(s, f): return st.median(float(r[f]) for r in by[s])
def per_round(s): return {r["round"]: float(r["rps"]) for r in by[s]}
names = {"S1": "nginx reverse proxy (keepalive)", "S2": "Spring Cloud Gateway, Keygate off",
         "S3": "Keygate, cache hit, %s keys" % keys,
         "S3pub": "S3's JVM, public route (no key check)",
         "S3rl": "S3's JVM, route with a per-key rate limit (exact: one script in Redis per request)",
         "S3ls": "S3rl's route on a JVM in local-then-sync mode",
         "S3k": "S3 on S3ls's JVM (no limit on the route)", "S3rh": "S3rl with 100 hot keys", "S3lh": "S3ls with 100 hot keys", "S3nio": "S3 with -Dreactor.netty.native=false",
         "S3nu": "S3 on a JVM with usage recording and the node registry off",
         "S3al": "S3 on a JVM with the access log written (console, to a file)",
         "S3nt": "S3 on a JVM with tracing off",
         "S4": "Keygate, cache %s < %s keys" % (s4cache, keys),
         "S5a": "malformed keys (bad checksum)", "S5b": "%s unknown well-formed ids" % unknown}
print("## Macro benchmark (%s run: %s rounds x %ss, %s connections, wrk 1 thread, pinning %s)\n"
      % (mode, rounds, int(duration), conns, "on" if pin == "1" else "off"))
def cpu(s):
    v = [float(r["cpu_us_per_req"]) for r in by[s] if r.get("cpu_us_per_req") not in (None, "")]
    return st.median(v) if v else float("nan")
print("| scenario | what | req/s (median) | req/s per round | p50 ms | p99 ms | CPU µs/req (median) | unexpected status | Redis cmds/req | HGETALL/req |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
for s in ["S1", "S2", "S3", "S3nu", "S3al", "S3nt", "S3pub", "S3rl", "S3k", "S3ls", "S3rh", "S3lh", "S3nio", "S4", "S5a", "S5b"]:
    if s not in by: continue
    reqs = sum(int(r["requests"]) for r in by[s])
    non2xx = sum(int(r["non2xx"]) for r in by[s])
    errors = sum(int(r["errors"]) for r in by[s])
    unexpected = (reqs - non2xx if s.startswith("S5") else non2xx) + errors
    req_path = sum(int(r["redis_all"]) - int(r["redis_get"]) for r in by[s])
    hget = sum(int(r["redis_hgetall"]) for r in by[s])
    print("| %s | %s | %.0f | %s | %.2f | %.2f | %.1f | %d | %.4f | %.4f |" % (
        s, names[s], med(s, "rps"), " ".join("%.0f" % float(r["rps"]) for r in by[s]),
        med(s, "p50"), med(s, "p99"), cpu(s), unexpected, req_path / max(reqs, 1), hget / max(reqs, 1)))
print()
def ratio(a, b):
    if a not in by or b not in by: return None
    pa, pb = per_round(a), per_round(b)
    paired = [pa[k] / pb[k] for k in pa if k in pb and pb[k] > 0]
    return st.median(paired), min(paired), max(paired)
print("| ratio | median of per-round ratios | min | max | target |")
print("|---|---:|---:|---:|---|")
for a, b, target in [("S2", "S1", ""), ("S3", "S2", ">= 0.95"), ("S3", "S3pub", ">= 0.95 (same JVM)"),
                     ("S3rl", "S3", ">= 0.85 (same JVM)"), ("S3ls", "S3", ">= 0.95"), ("S3ls", "S3k", ">= 0.95 (same JVM)"), ("S3lh", "S3k", ">= 0.95 (same JVM)"),
                     ("S3rh", "S3", ">= 0.85 (same JVM)"), ("S3lh", "S3", ">= 0.95"), ("S4", "S3", ""),
                     ("S5a", "S3", ""), ("S5b", "S3", ""), ("S3", "S3nio", "native (epoll) / NIO"),
                     ("S3", "S3nu", "usage recording + node registry on / off"), ("S3nu", "S2", ""),
                     ("S3al", "S3", "access log on / off"), ("S3", "S3nt", "tracing on / off")]:
    r = ratio(a, b)
    if r:
        verdict = ""
        if target.startswith(">="):
            verdict = " (met)" if r[0] >= float(target[3:].split()[0]) else " (MISSED)"
        print("| %s/%s | %.3f | %.3f | %.3f | %s%s |" % (a, b, r[0], r[1], r[2], target, verdict))
print()
for base in ("S2", "S3pub"):
    if base in by and "S3" in by and not math.isnan(cpu(base)) and not math.isnan(cpu("S3")):
        pairs = [(float(a["cpu_us_per_req"]), float(b["cpu_us_per_req"])) for a in by[base] for b in by["S3"]
                 if a["round"] == b["round"]]
        bound = st.median(x / y for x, y in pairs)
        print("- CPU per request (the process under test's user + system time over the requests it served,"
              " pinned to one CPU, JIT compiler threads left out): %s %.1f µs, S3 %.1f µs (medians); %s/S3 per"
              " round %s, median %.3f: the throughput ratio S3/%s that Keygate's own CPU cost allows -> %s" % (
              base, cpu(base), cpu("S3"), base, " ".join("%.3f" % (a / b) for a, b in pairs), bound, base,
              "met" if bound >= 0.95 else "MISSED"))
for limited in ("S3rl", "S3ls", "S3rh", "S3lh"):
    if limited in by and "S3" in by:
        pairs = [(float(a["cpu_us_per_req"]), float(b["cpu_us_per_req"])) for a in by["S3"] for b in by[limited]
                 if a["round"] == b["round"]]
        if pairs:
            print("- %s CPU per request %.1f µs against S3's %.1f µs (medians); S3/%s per round %s, median %.3f" % (
                limited, cpu(limited), cpu("S3"), limited, " ".join("%.3f" % (a / b) for a, b in pairs),
                st.median(a / b for a, b in pairs)))
if "S5a" in by:
    hget = sum(int(r["redis_hgetall"]) for r in by["S5a"])
    allreq = sum(int(r["redis_all"]) - int(r["redis_get"]) for r in by["S5a"])
    # since the node registry and usage recording, every gateway also writes in the background
    # (node reports every 3.3 s, usage flushes every 30 s): Redis' counters in a scenario's window
    # include them, so the target is judged on what a malformed key could cost, a record lookup
    print("- S5a: %d HGETALL in all rounds (target: zero) -> %s; %d Redis commands of any kind in the"
          " windows, the gateways' background node reports and usage flushes included"
          % (hget, "met" if hget == 0 else "MISSED", allreq))
if "S5b" in by:
    bound = int(unknown) * (math.floor(duration / ttl) + 1)
    worst = max(int(r["redis_hgetall"]) for r in by["S5b"])
    print("- S5b: at most %d HGETALL in one %ds round for %s distinct unknown ids; bound one per id per %ds"
          " window = %d -> %s" % (worst, duration, unknown, ttl, bound, "met" if worst <= bound else "MISSED"))
print("- Redis cmds/req counts every command in the window except INFO and GET, from every process: the gateways' background node reports and usage flushes (a flush of 10,000 keys is about 50,000 commands inside 20 scripts) land in whichever window they fall in (GET is only the"
      " gateways' 1 s epoch poll, never on the request path).")
print("\n## Revocation\n")
print("```")
verdicts = []
import re
for line in open(revocation):
    if line.startswith("REVOCATION") or line.startswith("revocation"):
        print(line.rstrip())
    m = re.match(r"REVOCATION mode=(\S+) trials=(\d+) failures=(\d+).*?from-return p50=([-\d.]+)ms p99=([-\d.]+)ms max=([-\d.]+)ms", line)
    if m:
        mode_, trials, failures, p50, p99, mx = m.groups()
        if mode_ == "normal":
            verdicts.append("- revocation, pub/sub working: p99 %s ms from the admin call's return, across both gateways"
                            " (%s trials, %s failed); target <= 10 ms -> %s" % (p99, trials, failures,
                            "met" if float(p99) <= 10 and failures == "0" else "MISSED"))
        else:
            verdicts.append("- revocation, %s: max %s ms (p99 %s ms) from the return, %s trials, %s failed; target <= poll"
                            " interval + 50 ms = 1050 ms -> %s" % (mode_, mx, p99, trials, failures,
                            "met" if float(mx) <= 1050 and failures == "0" else "MISSED"))
print("```")
print()
print("\n".join(verdicts))