#!/usr/bin/env python3
"""Recompute a run's goodput from its per-request JSONL (`--requests-out FILE` of `jitserve
simulate`, `jitserve bench` or `jitserve bench live`), from the raw fields alone: token delivery
times, SLOs, finish reasons and each workflow's call count. The `slo_met`/`good_tokens` verdicts
jitserve wrote are not read, only compared.

    python3 scripts/goodput_from_requests.py requests.jsonl [--json]

Prints one line per run (a `bench` file holds many): token goodput (tok/s), request goodput
(SLOs met per second, a workflow counting once), SLO attainment, and whether the verdicts agree
with jitserve's own. Exits 1 if any disagree.
"""
import json
import sys
from collections import defaultdict

TOLERANCE = 1e-9  # as GoodputAccountant: float rounding must not make an on-time token late


def completed(r):
    return r["finish_reason"] in ("stop", "length")


def on_time(r, due):
    return completed(r) and r["finished_s"] is not None and r["finished_s"] <= due + TOLERANCE


def run_figures(rows):
    good_tokens = 0
    units = units_met = 0
    mismatches = 0
    workflows = defaultdict(list)
    for r in rows:
        slo = r["slo"]
        if r["kind"] == "compound":
            workflows[r["workflow_id"]].append(r)
            continue
        if r["kind"] == "latency":
            due = [r["arrival_s"] + slo["ttft_s"] + k * slo["tbt_s"] for k in range(len(r["token_times_s"]))]
            good = sum(1 for t, d in zip(r["token_times_s"], due) if t <= d + TOLERANCE)
            met = completed(r) and good == len(r["token_times_s"])
        else:  # deadline: all tokens or none
            met = on_time(r, r["arrival_s"] + slo["deadline_s"])
            good = len(r["token_times_s"]) if met else 0
        units += 1
        units_met += met
        good_tokens += good
        mismatches += (good != r["good_tokens"]) or (met != r["slo_met"])
    for calls in workflows.values():
        first = calls[0]
        due = first["slo"]["workflow_start_s"] + first["slo"]["deadline_s"]
        # Every call present (a stage never sent means the workflow missed) and each on time.
        met = len(calls) >= (first["workflow_calls"] or len(calls)) and all(on_time(c, due) for c in calls)
        units += 1
        units_met += met
        for c in calls:
            good = len(c["token_times_s"]) if met else 0
            good_tokens += good
            mismatches += (good != c["good_tokens"]) or (met != c["slo_met"])
    window = rows[0]["window_s"]
    return {
        "token_goodput": good_tokens / window,
        "request_goodput": units_met / window,
        "slo_attainment": units_met / units if units else 0.0,
        "good_tokens": good_tokens,
        "units": units,
        "units_met": units_met,
        "requests": len(rows),
        "verdict_mismatches": mismatches,
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    runs = defaultdict(list)
    with open(args[0]) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[json.dumps(r["run"], sort_keys=True)].append(r)
    results = [{"run": json.loads(key), **run_figures(rows)} for key, rows in runs.items()]
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            run = r["run"]
            print(f"{run['scheduler']} {run['workload']} rps={run['rps']} seed={run['seed']}: "
                  f"token goodput {r['token_goodput']:.3f} tok/s, request goodput {r['request_goodput']:.4f}/s, "
                  f"attainment {100 * r['slo_attainment']:.2f}% ({r['units_met']}/{r['units']}), "
                  f"{r['verdict_mismatches']} verdicts differ")
    sys.exit(1 if any(r["verdict_mismatches"] for r in results) else 0)


if __name__ == "__main__":
    main()
