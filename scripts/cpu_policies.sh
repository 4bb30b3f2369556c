#!/usr/bin/env bash
# The real model, policy against policy: for each policy, `jitserve serve --executor cpu
# --scheduler P` on a free loopback port, then `jitserve bench live` replaying the same workload
# (same seed, scaled lengths) against it, back to back so that every policy meets similar load.
# Each run keeps its --requests-out JSONL, its --json summary and the server log; the table at the
# end gives token goodput, attainment and p99 TTFT per policy (from bench live's own figures),
# per-kind attainment (scripts/requests_by_kind.py) and jitserve ÷ the best baseline.
#
#   scripts/cpu_policies.sh [--bin PATH] [--policies "jitserve sjf sarathi vllm"] [--rps 0.5]
#                           [--duration 180] [--drain 90] [--scale-lengths 0.05] [--seed 1]
#                           [--workload paper-mix] [--out DIR] [-- SERVE_ARGS...]
#
# Arguments after `--` go to every `serve` (e.g. --max-num-batched-tokens 256). The 1-minute load
# average before and after each run is printed: on a shared machine, compare runs only under
# similar load. Exits 2 on a usage error or when a server does not come up.
set -euo pipefail

script=scripts/cpu_policies.sh
root=$(cd "$(dirname "$0")/.." && pwd)
bin=""
policies="jitserve sjf sarathi vllm"
rps=0.5
duration=180
drain=90
scale=0.05
seed=1
workload=paper-mix
out=""
serve_args=()

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --policies) policies=$2; shift 2 ;;
        --rps) rps=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --drain) drain=$2; shift 2 ;;
        --scale-lengths) scale=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --workload) workload=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --) shift; serve_args=("$@"); break ;;
        -h|--help) usage 0 ;;
        *) echo "$script: unknown option '$1'" >&2; usage ;;
    esac
done

# shellcheck source=scripts/loopback_server.sh
source "$root/scripts/loopback_server.sh"
find_jitserve "$script" "$root"
[ -n "$out" ] || out=$(mktemp -d /tmp/jitserve-cpu-policies.XXXXXX)
mkdir -p "$out"
server_pid=""
poller_pid=""
cleanup() {
    [ -z "$poller_pid" ] || { kill "$poller_pid" 2>/dev/null || true; wait "$poller_pid" 2>/dev/null || true; }
    [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
}
# poll_metrics URL — one tab-separated line a second: seconds, iteration_seconds, running,
# waiting, late_requests, min_laxity_seconds.
poll_metrics() {
    local start=$SECONDS
    printf 'elapsed_s\titeration_s\trunning\twaiting\tlate\tmin_laxity_s\n'
    while true; do
        curl -sf "$1/metrics" 2>/dev/null | awk -v t=$((SECONDS - start)) '
            /^jitserve:iteration_seconds/ {it=$NF} /^vllm:num_requests_running/ {r=$NF}
            /^vllm:num_requests_waiting/ {w=$NF} /^jitserve:late_requests/ {l=$NF}
            /^jitserve:min_laxity_seconds/ {m=$NF}
            END {printf "%s\t%s\t%s\t%s\t%s\t%s\n", t, it, r, w, l, m}'
        sleep 1
    done
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "$script: $workload at $rps req/s, ${duration} s + ${drain} s drain, lengths ×$scale, seed $seed → $out" >&2
for policy in $policies; do
    dir="$out/$policy"
    mkdir -p "$dir"
    start_loopback_server "$script" "$bin" "$dir/server.log" --executor cpu --scheduler "$policy" "${serve_args[@]}"
    # The model loads after the port opens: /health answers 200 once it is in.
    for _ in $(seq 1 600); do
        curl -sf "$url/health" > /dev/null 2>&1 && break
        kill -0 "$server_pid" 2>/dev/null || { echo "$script: the server exited:" >&2; cat "$dir/server.log" >&2; exit 2; }
        sleep 0.5
    done
    curl -sf "$url/health" > /dev/null || { echo "$script: the model did not load within 300 s" >&2; exit 2; }
    echo "$script: $policy: load before $(load)" >&2
    # What the policy is told, once a second: the engine's running iteration time, the queue,
    # and how many held requests it judges late (metrics.tsv, for the diagnosis).
    poll_metrics "$url" > "$dir/metrics.tsv" &
    poller_pid=$!
    "$bin" bench live --url "$url" --workload "$workload" --rps "$rps" --duration "$duration" --drain "$drain" \
        --seed "$seed" --scale-lengths "$scale" --quiet --requests-out "$dir/requests.jsonl" \
        --json "$dir/summary.json" > "$dir/table.txt" 2> "$dir/bench.err"
    echo "$script: $policy: load after $(load)" >&2
    echo "$(load)" > "$dir/load.txt"
    kill "$poller_pid" 2>/dev/null || true
    wait "$poller_pid" 2>/dev/null || true
    poller_pid=""
    cleanup
    server_pid=""
done

python3 - "$out" $policies <<'PY'
import json, sys
out, policies = sys.argv[1], sys.argv[2:]
rows = {}
for p in policies:
    with open(f"{out}/{p}/summary.json") as f:
        s = json.load(f)
    rows[p] = s
print("| policy | token goodput tok/s | attainment | p99 TTFT (admitted latency) s | load after |")
print("|---|---|---|---|---|")
for p, s in rows.items():
    ttft = s.get("admitted_latency_ttft_s", {}).get("p99")
    with open(f"{out}/{p}/load.txt") as f:
        load = f.read().strip()
    print(f"| {p} | {s['token_goodput']:.2f} | {100 * s['slo_attainment']:.1f} % | "
          f"{'-' if ttft is None else f'{ttft:.2f}'} | {load} |")
baselines = [p for p in rows if p != "jitserve"]
if "jitserve" in rows and baselines:
    best = max(baselines, key=lambda p: rows[p]["token_goodput"])
    ratio = rows["jitserve"]["token_goodput"] / rows[best]["token_goodput"] if rows[best]["token_goodput"] else float("inf")
    print(f"jitserve ÷ best baseline ({best}): {ratio:.2f}×")
PY
python3 "$root/scripts/requests_by_kind.py" $(for p in $policies; do echo "$out/$p/requests.jsonl"; done)
