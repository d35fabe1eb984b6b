#!/usr/bin/env python3
"""Summarises the CPU samples (jdk.ExecutionSample) of a Flight Recording, as the benchmark writes
them with jfr=true: share of samples by thread (numbers folded), by top frame, and by the first
frame of each stack that belongs to a given package prefix (where our code spends it).
scripts/jfr-summary.py FILE.jfr [prefix ...]   (default prefixes: dev.tributary io.debezium)"""
import collections
import json
import re
import subprocess
import sys

JFR = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr"


def frame_name(frame):
    method = frame.get("method", {})
    cls = method.get("type", {}).get("name", "?")
    return f"{cls}.{method.get('name', '?')}"


def main(path, prefixes):
    out = subprocess.run([JFR, "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    threads = collections.Counter()
    tops = collections.Counter()
    ours = collections.Counter()
    for event in events:
        values = event["values"]
        thread = (values.get("sampledThread") or {}).get("javaName") or "?"
        threads[re.sub(r"\d+", "N", thread)] += 1
        frames = (values.get("stackTrace") or {}).get("frames") or []
        if frames:
            tops[frame_name(frames[0])] += 1
        hit = next((frame_name(f) for f in frames if frame_name(f).startswith(tuple(prefixes))), None)
        ours[hit or "(no frame of " + "/".join(prefixes) + ")"] += 1
    total = max(1, len(events))
    print(f"{path}: {len(events)} CPU samples")
    for title, counter in (("threads", threads), ("top frames", tops), ("first frame of " + ", ".join(prefixes), ours)):
        print(f"  by {title}:")
        for name, count in counter.most_common(12):
            print(f"    {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or ["dev.tributary", "io.debezium"])
