#!/usr/bin/env python3
"""Summarises `jfr print --json` output: where CPU samples and allocations go.

    jfr-hotspots.py SAMPLES.json ALLOCATIONS.json GC.json [--title T] [--load LOADGEN.txt] > profile.md

SAMPLES.json is `jfr print --json --events jdk.ExecutionSample`, ALLOCATIONS.json the same for
jdk.ObjectAllocationSample, GC.json for jdk.GarbageCollection. Prints markdown: samples by thread,
the hottest methods by self time (top frame) and by total time (anywhere on the stack), the
hottest Meridian and Netty frames, allocation by class and by allocating frame (sampled weight in
bytes), and GC pauses. Standard library only.
"""
import argparse
import collections
import json


def events(path):
    with open(path) as f:
        return json.load(f)["recording"]["events"]


def frame_name(frame):
    method = frame.get("method") or {}
    owner = (method.get("type") or {}).get("name", "?")
    return f"{owner}.{method.get('name', '?')}".replace("/", ".")


def frames(event):
    trace = event["values"].get("stackTrace") or {}
    return trace.get("frames") or []


def table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def ours(name):
    return name.startswith("dev.meridian.")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("samples")
    parser.add_argument("allocations")
    parser.add_argument("gc")
    parser.add_argument("--title", default="JFR profile")
    parser.add_argument("--load")
    parser.add_argument("--native", help="`jfr print --json --events jdk.NativeMethodSample` output")
    parser.add_argument("--threads", default="meridian-io",
                        help="allocation tables count only threads whose name starts with this ('' for all)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    print(f"# {args.title}\n")
    if args.load:
        print("Load generator's summary:\n\n```\n" + open(args.load).read().strip() + "\n```\n")

    samples = events(args.samples)
    total = len(samples)
    print(f"## CPU samples ({total} jdk.ExecutionSample events)\n")
    if args.native:
        native = events(args.native)
        print(f"JFR samples threads running Java code (jdk.ExecutionSample) apart from threads in native code "
              f"(jdk.NativeMethodSample: {len(native)} samples, mostly epoll_wait and socket reads/writes); "
              f"the tables below are about the Java part.\n")
    threads = collections.Counter()
    self_time = collections.Counter()
    total_time = collections.Counter()
    meridian_total = collections.Counter()
    meridian_self_or_first = collections.Counter()
    for event in samples:
        thread = (event["values"].get("sampledThread") or {}).get("javaName") or "?"
        threads[thread.rstrip("0123456789-")] += 1
        stack = frames(event)
        if not stack:
            continue
        names = [frame_name(f) for f in stack]
        self_time[names[0]] += 1
        for name in set(names):
            total_time[name] += 1
        for name in set(n for n in names if ours(n)):
            meridian_total[name] += 1
        first_ours = next((n for n in names if ours(n)), None)
        if first_ours:
            meridian_self_or_first[first_ours] += 1

    def pct(count, whole=total):
        return f"{100.0 * count / max(1, whole):.1f} %"

    print(table([(t, c, pct(c)) for t, c in threads.most_common(10)], ["thread (pool)", "samples", "share"]))
    print("\n### Hottest methods, self (top of stack)\n")
    print(table([(f"`{n}`", c, pct(c)) for n, c in self_time.most_common(args.top)], ["method", "samples", "share"]))
    print("\n### Hottest methods, total (anywhere on the stack)\n")
    print(table([(f"`{n}`", c, pct(c)) for n, c in total_time.most_common(args.top)], ["method", "samples", "share"]))
    print("\n### Meridian's own code, total\n")
    print(table([(f"`{n}`", c, pct(c)) for n, c in meridian_total.most_common(args.top)], ["method", "samples", "share"]))
    print("\n### Samples by the innermost Meridian frame (the Meridian code that led to the work)\n")
    print(table([(f"`{n}`", c, pct(c)) for n, c in meridian_self_or_first.most_common(args.top)], ["method", "samples", "share"]))

    all_allocations = events(args.allocations)
    by_thread = collections.Counter()
    for event in all_allocations:
        thread = (event["values"].get("eventThread") or {}).get("javaName") or "?"
        by_thread[thread.rstrip("0123456789-")] += int(event["values"].get("weight") or 0)
    allocations = [e for e in all_allocations
                   if ((e["values"].get("eventThread") or {}).get("javaName") or "").startswith(args.threads)]
    by_class = collections.Counter()
    by_site = collections.Counter()
    by_our_site = collections.Counter()
    weight_total = 0
    for event in allocations:
        weight = int(event["values"].get("weight") or 0)
        weight_total += weight
        klass = (event["values"].get("objectClass") or {}).get("name", "?")
        by_class[klass] += weight
        stack = frames(event)
        if stack:
            names = [frame_name(f) for f in stack]
            by_site[names[0]] += weight
            first_ours = next((n for n in names if ours(n)), None)
            if first_ours:
                by_our_site[f"{first_ours} → {klass}"] += weight
    mib = lambda w: f"{w / 1048576:.1f} MiB"
    print(f"\n## Allocations ({len(allocations)} jdk.ObjectAllocationSample events on threads "
          f"'{args.threads}*', {weight_total / 1048576:.0f} MiB sampled weight)\n")
    print("Sampled weight by thread (a thread that allocates rarely gets few samples of large weight):\n")
    print(table([(t, mib(w)) for t, w in by_thread.most_common(8)], ["thread (pool)", "weight"]))
    print(table([(f"`{k}`", mib(w), pct(w, weight_total)) for k, w in by_class.most_common(args.top)],
                ["class", "weight", "share"]))
    print("\n### Allocating frames (top of stack)\n")
    print(table([(f"`{k}`", mib(w), pct(w, weight_total)) for k, w in by_site.most_common(args.top)],
                ["frame", "weight", "share"]))
    print("\n### Innermost Meridian frame → class\n")
    print(table([(f"`{k}`", mib(w), pct(w, weight_total)) for k, w in by_our_site.most_common(args.top)],
                ["site", "weight", "share"]))

    gcs = events(args.gc)
    pauses = []
    for event in gcs:
        values = event["values"]
        duration = values.get("duration") or values.get("sumOfPauses") or "PT0S"
        pauses.append((values.get("name", "?"), parse_duration(values.get("sumOfPauses") or duration)))
    if pauses:
        names = collections.Counter(n for n, _ in pauses)
        total_pause = sum(p for _, p in pauses)
        longest = max(p for _, p in pauses)
        print(f"\n## GC\n\n{len(pauses)} collections ({', '.join(f'{n} {c}' for n, c in names.items())}), "
              f"pauses {total_pause * 1000:.1f} ms in total, longest {longest * 1000:.2f} ms.\n")


def parse_duration(text):
    """ISO-8601 durations as JFR prints them (PT0.001234S, PT1M2.5S) to seconds."""
    if not isinstance(text, str) or not text.startswith("PT"):
        return 0.0
    body, seconds, number = text[2:], 0.0, ""
    for ch in body:
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            value = float(number or 0)
            seconds += value * {"H": 3600, "M": 60, "S": 1}.get(ch, 0)
            number = ""
    return seconds


if __name__ == "__main__":
    main()
