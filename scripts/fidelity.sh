#!/usr/bin/env bash
# Served against simulated: the same workload through `jitserve serve --executor sim` + `jitserve
# bench live`, and through `jitserve simulate`, same seed and engine settings, for every policy ×
# rate. Both sides write --requests-out JSONL; both are scored by scripts/goodput_from_requests.py
# from the raw token times (the same accounting), and the table gives the % difference.
#
#   scripts/fidelity.sh [--bin PATH] [--policies "jitserve sjf vllm"] [--rates "0.5 2"]
#                       [--duration 300] [--drain 60] [--seed 1] [--workload paper-mix]
#                       [--parallel 1] [--out DIR] [--goal 10]
#
# --parallel N runs N served cells at once (each its own server on a free loopback port); the
# simulated side runs after each cell. Exits 1 when a cell is off by more than --goal percent,
# 2 on a usage error or when a server does not start. Progress on stderr.
set -euo pipefail

script=scripts/fidelity.sh
root=$(cd "$(dirname "$0")/.." && pwd)
bin=""
policies="jitserve sjf vllm"
rates="0.5 2"
duration=300
drain=60
seed=1
workload=paper-mix
parallel=1
out=""
goal=10

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --policies) policies=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --drain) drain=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --workload) workload=$2; shift 2 ;;
        --parallel) parallel=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --goal) goal=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) echo "$script: unknown option '$1'" >&2; usage ;;
    esac
done
[[ $parallel =~ ^[1-9][0-9]*$ ]] || { echo "$script: --parallel must be a positive integer, got '$parallel'" >&2; exit 2; }

# shellcheck source=scripts/loopback_server.sh
source "$root/scripts/loopback_server.sh"
find_jitserve "$script" "$root"
[ -n "$out" ] || out=$(mktemp -d /tmp/jitserve-fidelity.XXXXXX)
mkdir -p "$out"
echo "$script: $workload, ${duration} s window + ${drain} s drain, seed $seed → $out" >&2

# cell POLICY RATE — the served run, then the simulated one, each writing its JSONL.
cell() {
    local policy=$1 rate=$2 dir="$out/$1-rps$2"
    mkdir -p "$dir"
    local server_pid url
    start_loopback_server "$script" "$bin" "$dir/server.log" --executor sim --scheduler "$policy"
    echo "$script: $policy rps $rate: serving at $url (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    local rc=0
    "$bin" bench live --url "$url" --workload "$workload" --rps "$rate" --duration "$duration" \
        --drain "$drain" --seed "$seed" --quiet --requests-out "$dir/served.jsonl" \
        > "$dir/served.txt" 2> "$dir/bench.err" || rc=$?
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    if [ $rc -ne 0 ]; then
        echo "$script: bench live failed for $policy rps $rate (exit $rc):" >&2
        cat "$dir/bench.err" >&2
        return 1
    fi
    "$bin" simulate --workload "$workload" --rps "$rate" --duration "$duration" --drain "$drain" \
        --seed "$seed" --scheduler "$policy" --quiet --requests-out "$dir/simulated.jsonl" \
        > "$dir/simulated.txt" 2> "$dir/simulate.err"
    echo "$script: $policy rps $rate done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
}

pids=()
failed=0
for rate in $rates; do
    for policy in $policies; do
        cell "$policy" "$rate" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$parallel" ]; then
            wait "${pids[0]}" || failed=1
            pids=("${pids[@]:1}")
        fi
    done
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ $failed -eq 0 ] || { echo "$script: a cell failed; see $out" >&2; exit 2; }

python3 - "$out" "$goal" "$root/scripts/goodput_from_requests.py" $policies -- $rates <<'PY'
import importlib.util, json, sys
out, goal, scorer = sys.argv[1], float(sys.argv[2]), sys.argv[3]
split = sys.argv.index("--")
policies, rates = sys.argv[4:split], sys.argv[split + 1:]
spec = importlib.util.spec_from_file_location("scorer", scorer)
score = importlib.util.module_from_spec(spec); spec.loader.exec_module(score)

def figures(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return score.run_figures(rows)

def diff(served, simulated):
    return 100.0 * (served - simulated) / simulated if simulated else 0.0

print("| policy | rps | served tok/s (attainment) | simulated tok/s (attainment) | goodput diff | attainment diff |")
print("|---|---|---|---|---|---|")
worst = (0.0, "")
for rate in rates:
    for policy in policies:
        d = f"{out}/{policy}-rps{rate}"
        a, b = figures(f"{d}/served.jsonl"), figures(f"{d}/simulated.jsonl")
        dg = diff(a["token_goodput"], b["token_goodput"])
        da = diff(a["slo_attainment"], b["slo_attainment"])
        for value in (dg, da):
            if abs(value) > abs(worst[0]):
                worst = (value, f"{policy} rps {rate}")
        print(f"| {policy} | {rate} | {a['token_goodput']:.1f} ({100 * a['slo_attainment']:.1f} %) "
              f"| {b['token_goodput']:.1f} ({100 * b['slo_attainment']:.1f} %) | {dg:+.1f} % | {da:+.1f} % |")
print(f"worst cell: {worst[1] or '-'} {worst[0]:+.1f} % (goal within {goal:g} %)")
sys.exit(1 if abs(worst[0]) > goal else 0)
PY
