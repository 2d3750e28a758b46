#!/usr/bin/env python3
"""Where S3's CPU goes, next to S3pub's: a table from async-profiler's collapsed stacks.

Usage: profile.py <profile dir> <sampling interval in microseconds>

The directory holds, per round, <scenario>-r<round>.collapsed (async-profiler's `collapsed` output
with the `threads` option, so each stack starts with its thread's name) and <scenario>-r<round>.wrk
(wrk's output, for the request count), for the scenarios S3 and S3pub: the same JVM, requests with
a key to a protected route, and requests to a public route, where the filter only reads the route's
metadata. Every figure is CPU time per request: samples x interval / requests, summed over rounds.

A frame belongs to a row when it is on the stack (inclusive time), so sub-rows are part of the row
above them. The difference column is what S3 costs more than S3pub per request; the share column
is that difference over S3pub's event-loop time: how much slower the key check makes the gateway
where it does its work.
"""
import collections
import glob
import os
import re
import sys

# (label, match): a row counts the samples whose stack has a frame ending with `match`
# (or, for thread rows, whose thread name matches). Indented labels are parts of the row above.
ROWS = [
    ("all threads (CPU per request, as sampled)", None),
    ("event loops (reactor-http-*)", "thread:reactor-http-"),
    ("  Keygate's filter (`ApiKeyAuthenticationFilter.filter`)",
     "dev/keygate/gateway/authentication/ApiKeyAuthenticationFilter.filter"),
    ("    credential from the headers (`ApiKeyCredentialConverter.extract`)",
     "dev/keygate/gateway/authentication/ApiKeyCredentialConverter.extract"),
    ("    parse and checksum (`ApiKeyParser.parse`)", "dev/keygate/core/key/ApiKeyParser.parse"),
    ("    cache lookup (`KeyCache.lookupCached`)", "dev/keygate/gateway/cache/KeyCache.lookupCached"),
    ("    cache lookup, secret hash and match (`ApiKeyVerifier.verifyCached`)",
     "dev/keygate/gateway/authentication/ApiKeyVerifier.verifyCached"),
    ("    scopes, identity headers, next filter's call (`proceed`)",
     "dev/keygate/gateway/authentication/ApiKeyAuthenticationFilter.proceed"),
    ("  proxy's header filters (`HttpHeadersFilter.filterRequest`)",
     "org/springframework/cloud/gateway/filter/headers/HttpHeadersFilter.filterRequest"),
    ("  proxy's copy into the upstream request (`NettyRoutingFilter` → `HttpHeaders.forEach`)",
     "org/springframework/http/HttpHeaders.forEach@NettyRoutingFilter.filter"),
    ("Redis client threads (lettuce-*)", "thread:lettuce-"),
    ("GC threads", "thread:gc"),
    ("JIT compiler threads", "thread:jit"),
]
GC_THREADS = re.compile(r"^\[(GC Thread|G1 |VM Thread|Concurrent Mark|ZGC|Gang worker)")
JIT_THREADS = re.compile(r"^\[C[12] CompilerThre")


def requests_in(wrk_file):
    m = re.search(r"(\d+) requests in", open(wrk_file).read())
    return int(m.group(1)) if m else 0


def row_matches(match, thread, frames):
    if match is None:
        return True
    if match == "thread:gc":
        return bool(GC_THREADS.match(thread))
    if match == "thread:jit":
        return bool(JIT_THREADS.match(thread))
    if match.startswith("thread:"):
        return thread.startswith("[" + match[len("thread:"):])
    if "@" in match:  # frame@caller: the frame, called directly by a frame ending with caller
        frame, caller = match.split("@")
        return any(f.endswith(frame) and frames[i - 1].endswith(caller)
                   for i, f in enumerate(frames) if i > 0)
    return any(f.endswith(match) for f in frames)


def scenario(directory, name, interval_us):
    samples = collections.Counter()
    requests = 0
    for collapsed in sorted(glob.glob(os.path.join(directory, f"{name}-r*.collapsed"))):
        wrk = collapsed[: -len(".collapsed")] + ".wrk"
        if not os.path.exists(wrk):
            continue
        requests += requests_in(wrk)
        for line in open(collapsed):
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            frames = stack.split(";")
            thread, frames = frames[0], frames[1:]
            for label, match in ROWS:
                if row_matches(match, thread, frames):
                    samples[label] += int(count)
    if requests == 0:
        return None, 0
    return {label: samples[label] * interval_us / requests for label, _ in ROWS}, requests


def main():
    directory, interval_us = sys.argv[1], float(sys.argv[2])
    s3, s3_requests = scenario(directory, "S3", interval_us)
    pub, pub_requests = scenario(directory, "S3pub", interval_us)
    if s3 is None or pub is None:
        print("No profile: async-profiler did not run or wrote nothing (see bench/run.sh's log).")
        return
    loops = pub["event loops (reactor-http-*)"]
    print(f"async-profiler, CPU samples every {interval_us:g} µs, {s3_requests} S3 and {pub_requests}"
          " S3pub requests; µs of CPU per request (inclusive: a row contains the rows indented"
          " under it). These are separate rounds, run after the measured ones, and sampling adds"
          " its own cost: compare the rows with each other rather than with the table above.")
    print()
    print("| where | S3 | S3pub | S3 − S3pub | difference / S3pub's event loops |")
    print("|---|---:|---:|---:|---:|")
    for label, _ in ROWS:
        diff = s3[label] - pub[label]
        print(f"| {label} | {s3[label]:.2f} | {pub[label]:.2f} | {diff:+.2f} | {diff / loops:+.1%} |")
    print()
    filter_share = s3["  Keygate's filter (`ApiKeyAuthenticationFilter.filter`)"] / s3[
        "event loops (reactor-http-*)"]
    print(f"Keygate's filter is {filter_share:.1%} of S3's event-loop samples; S3's event loops"
          f" spend {s3['event loops (reactor-http-*)'] / loops - 1:+.1%} more per request than"
          " S3pub's.")


if __name__ == "__main__":
    main()
