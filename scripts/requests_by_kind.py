#!/usr/bin/env python3
"""Per-kind breakdown of one or more `--requests-out` JSONL files (`simulate`, `bench`, `bench
live`), side by side: for latency, deadline and compound (workflow) requests, how many there were,
how many met their SLO, the good tokens they delivered, unfinished/refused counts and TTFT
percentiles — to see *where* one policy's goodput differs from another's.

    python3 scripts/requests_by_kind.py A.jsonl [B.jsonl ...] [--json]

Verdicts are recomputed from the raw token times by goodput_from_requests.py's rules (a workflow
counts once, as one unit, under `compound`). TTFT is the first token's time after arrival; a
request with no token has none.
"""
import importlib.util
import json
import os
import sys
from collections import defaultdict

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("scorer", os.path.join(_here, "goodput_from_requests.py"))
scorer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scorer)


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def breakdown(rows):
    """Per kind: units, units met, good tokens, tokens delivered, unfinished, refused, TTFTs."""
    kinds = defaultdict(lambda: {"units": 0, "met": 0, "good_tokens": 0, "delivered_tokens": 0,
                                 "calls": 0, "unfinished": 0, "refused": 0, "ttft": []})
    workflows = defaultdict(list)
    for r in rows:
        k = kinds[r["kind"]]
        k["calls"] += 1
        k["delivered_tokens"] += len(r["token_times_s"])
        if r["finish_reason"] is None or r["finish_reason"] == "cancelled":
            k["unfinished"] += 1
        if r["finish_reason"] in ("rejected", "shed"):
            k["refused"] += 1
        if r["token_times_s"]:
            k["ttft"].append(r["token_times_s"][0] - r["arrival_s"])
        if r["kind"] == "compound":
            workflows[r["workflow_id"]].append(r)
            continue
        slo = r["slo"]
        if r["kind"] == "latency":
            due = [r["arrival_s"] + slo["ttft_s"] + i * slo["tbt_s"] for i in range(len(r["token_times_s"]))]
            good = sum(1 for t, d in zip(r["token_times_s"], due) if t <= d + scorer.TOLERANCE)
            met = scorer.completed(r) and good == len(r["token_times_s"])
        else:
            met = scorer.on_time(r, r["arrival_s"] + slo["deadline_s"])
            good = len(r["token_times_s"]) if met else 0
        k["units"] += 1
        k["met"] += met
        k["good_tokens"] += good
    for calls in workflows.values():
        k = kinds["compound"]
        first = calls[0]
        due = first["slo"]["workflow_start_s"] + first["slo"]["deadline_s"]
        met = len(calls) >= (first["workflow_calls"] or len(calls)) and all(scorer.on_time(c, due) for c in calls)
        k["units"] += 1
        k["met"] += met
        k["good_tokens"] += sum(len(c["token_times_s"]) for c in calls) if met else 0
    window = rows[0]["window_s"] if rows else 1
    out = {}
    for kind, k in sorted(kinds.items()):
        out[kind] = {
            "units": k["units"], "met": k["met"],
            "attainment": k["met"] / k["units"] if k["units"] else 0.0,
            "token_goodput": k["good_tokens"] / window,
            "delivered_tokens": k["delivered_tokens"], "calls": k["calls"],
            "unfinished": k["unfinished"], "refused": k["refused"],
            "ttft_p50_s": percentile(k["ttft"], 0.5), "ttft_p99_s": percentile(k["ttft"], 0.99),
        }
    return out


def label(path):
    """The file's name with its folder (runs of several policies often share the file name)."""
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return f"{parent}/{os.path.basename(path)}"


def fmt(x):
    return "-" if x is None else f"{x:.2f}"


def main():
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not paths:
        sys.exit(__doc__)
    results = {}
    for path in paths:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        results[path] = breakdown(rows)
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
        return
    print("| file | kind | units | met | attainment | goodput tok/s | delivered tok | unfinished | refused | TTFT p50 s | TTFT p99 s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path, kinds in results.items():
        for kind, k in kinds.items():
            print(f"| {label(path)} | {kind} | {k['units']} | {k['met']} | {100 * k['attainment']:.1f} % "
                  f"| {k['token_goodput']:.2f} | {k['delivered_tokens']} | {k['unfinished']} | {k['refused']} "
                  f"| {fmt(k['ttft_p50_s'])} | {fmt(k['ttft_p99_s'])} |")


if __name__ == "__main__":
    main()
