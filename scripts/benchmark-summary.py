#!/usr/bin/env python3
"""Prints the Markdown tables of docs/performance.md from a benchmark result:
scripts/benchmark-summary.py benchmark/results/<timestamp>/result.json"""
import json
import sys


def f(value, digits=0):
    if value is None or value == "NaN" or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def pct(p, keys=("p50", "p99")):
    return " / ".join(f(p[k]) for k in keys)


def main(path):
    run = json.load(open(path))
    m = run["machine"]
    print(f"Run {run['startedAt']} → {run['finishedAt']}; {m['cores']} cores, {m['memoryMb']:,} MB, {m['jdk']}; "
          f"load average {m['loadAverageStart']} at start, {m['loadAverageEnd']} at end. Workload: {run['workload']}.")
    print()
    b = run.get("baselines") or {}
    if b.get("pgbench"):
        pg = b["pgbench"]
        print(f"- pgbench ({pg['script']}, {pg['clients']} clients, {pg['seconds']} s): "
              f"**{f(pg['tps'])} tps**, latency average {pg['latencyAverageMs']} ms")
    if b.get("kafka"):
        k = b["kafka"]
        print(f"- Kafka produce→consume round trip ({k['messages']} × {k['bytes']} B, one at a time, acks=all): "
              f"p50 **{f(k['roundTrip']['p50'], 1)} ms**, p99 {f(k['roundTrip']['p99'], 1)} ms")
    print()
    for system in run["systems"]:
        print(f"**{system['mode']} relay** — highest flat rate: {f(system['maxFlatWorkflowsPerSecond'])} workflows/s "
              f"({f(system['maxFlatTasksPerSecond'])} tasks/s)")
        print()
        print("| step | done wf/s | tasks/s | flat | HTTP p50/p99 | outbox→Kafka p50/p90/p99 | dispatch p50/p99 "
              "| release p50/p99 | end-to-end p50/p99 | cores sub/sched/work/kafka/pg/harness | PG commits/task "
              "| WAL B/task | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for s in system["steps"]:
            c = s["cores"]
            cores = "/".join(f(c.get(k), 2) for k in
                             ("submission-service", "scheduler-service", "worker-service", "kafka", "postgres", "harness"))
            flat = "yes" if s["flat"] else "no: " + s["flatReason"]
            print(f"| {s['name']} | {f(s['workflowsPerSecond'], 1)} | {f(s['tasksPerSecond'])} | {flat} "
                  f"| {pct(s['submissionHttp'])} | {pct(s['outboxToKafka'], ('p50', 'p90', 'p99'))} "
                  f"| {pct(s['dispatch'])} | {pct(s['release'])} | {pct(s['endToEnd'])} | {cores} "
                  f"| {f(s['postgresCommitsPerTask'], 2)} | {f(s['walBytesPerTask'])} | {f(s['loadAverage'], 1)} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
