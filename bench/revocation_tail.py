#!/usr/bin/env python3
"""The revocation benchmark's slow trials next to the JVMs' pauses.

Usage: revocation_tail.py <run dir> [threshold ms, default 10]

Reads <run dir>/revocation-normal.csv (one row per trial and gateway: the removal's wall-clock
start, the time until that gateway's first refusal, and that refused probe's own round trip) and
the safepoint logs bench/run.sh has the JVMs write (-Xlog:safepoint with wall-clock time):
safepoints-k.log (gateway 1), safepoints-k4.log (gateway 2), safepoints-revocation-client.log
(the probing client). For every observation slower than the threshold from the admin call's
return, prints the JVM pauses (safepoints of 1 ms or more) of that gateway and of the client that
overlap the trial, from the removal's start to the refusal.

A large round trip of the refused probe means the request itself waited (in the gateway, the
client or the kernel); a small one means the gateway kept answering 200 until late, that is, it
learnt of the removal late.
"""
import csv
import datetime
import os
import re
import sys

LINE = re.compile(r"^\[([^\]]+)\].*Safepoint \"([^\"]+)\".*Total: (\d+) ns")
MIN_PAUSE_US = 1000


def pauses(path):
    """(start µs, end µs, name) of every safepoint of MIN_PAUSE_US or more in a -Xlog file."""
    found = []
    if not os.path.exists(path):
        return None
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        total_us = int(m.group(3)) // 1000
        if total_us < MIN_PAUSE_US:
            continue
        # the line is written when the safepoint ends; time decorator: 2026-12-01T02:47:11.100+0000
        end = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z")
        end_us = int(end.timestamp() * 1_000_000)
        found.append((end_us - total_us, end_us, m.group(2)))
    return found


def overlapping(found, start_us, end_us):
    return [p for p in found or [] if p[0] < end_us and p[1] > start_us]


def describe(found):
    return ", ".join(f"{name} {(e - s) / 1000:.1f} ms" for s, e, name in found) or "none"


def main():
    run = sys.argv[1]
    threshold_us = float(sys.argv[2]) * 1000 if len(sys.argv) > 2 else 10_000
    path = os.path.join(run, "revocation-normal.csv")
    if not os.path.exists(path):
        print("No revocation-normal.csv: the revocation benchmark did not run or wrote nothing.")
        return
    rows = list(csv.DictReader(open(path)))
    if not rows or "start_epoch_us" not in rows[0]:
        print("The CSV has no wall-clock start column (written by an older RevocationBenchmark).")
        return
    gateway_logs = [pauses(os.path.join(run, "safepoints-k.log")),
                    pauses(os.path.join(run, "safepoints-k4.log"))]
    client_log = pauses(os.path.join(run, "safepoints-revocation-client.log"))
    def pauses_during(r):
        """The gateway's and the client's pauses from the removal's start to the refusal."""
        g = int(r["gateway"])
        start = int(r["start_epoch_us"])
        end = start + int(r["from_start_us"])
        in_gateway = overlapping(gateway_logs[g] if g < len(gateway_logs) else None, start, end)
        return in_gateway, overlapping(client_log, start, end)

    slow = [r for r in rows if int(r["from_return_us"]) > threshold_us]
    print(f"{len(slow)} of {len(rows)} observations (trial × gateway) slower than"
          f" {threshold_us / 1000:g} ms from the admin call's return; JVM pauses are safepoints of"
          f" {MIN_PAUSE_US / 1000:g} ms or more overlapping the trial (removal start → refusal).")
    if not slow:
        return
    print()
    print("| trial | gateway | from return ms | refused probe's round trip ms | gateway JVM pauses |"
          " client JVM pauses |")
    print("|---:|---:|---:|---:|---|---|")
    explained = 0
    for r in sorted(slow, key=lambda r: -int(r["from_return_us"])):
        in_gateway, in_client = pauses_during(r)
        if in_gateway or in_client:
            explained += 1
        print(f"| {r['trial']} | {int(r['gateway']) + 1} | {int(r['from_return_us']) / 1000:.2f} |"
              f" {int(r['refused_probe_round_trip_us']) / 1000:.2f} | {describe(in_gateway)} |"
              f" {describe(in_client)} |")
    print()
    logs = "" if all(l is not None for l in gateway_logs + [client_log]) else \
        " (some safepoint logs are missing)"
    fast = [r for r in rows if int(r["from_return_us"]) <= threshold_us]
    fast_paused = sum(1 for r in fast if any(pauses_during(r)))
    print(f"{explained} of {len(slow)} slow observations overlap a JVM pause of"
          f" {MIN_PAUSE_US / 1000:g} ms or more{logs}; of the others, {fast_paused} of"
          f" {len(fast)} do.")


if __name__ == "__main__":
    main()
