#!/usr/bin/env bash
# Overload check: finds the rate a loopback `jitserve serve` sustains, then offers FACTOR times
# that rate for MINUTES with `jitserve bench live`, and says whether the server held up: no crash,
# no 5xx, the excess shed with 429 + Retry-After, and the goodput of admitted work near what it
# gives at capacity.
#
#   scripts/overload.sh [--executor sim|echo] [--workload azure-conv] [--arrivals poisson|trace] [--minutes 5] [--factor 10]
#                       [--capacity RPS] [--rates "2 4 6 8 10 12"] [--probe-seconds 60] [--baseline-minutes M]
#                       [--serve-args "..."] [--bin PATH] [--out DIR]
#
# The workload defaults to azure-conv (streamed chat requests with TTFT/TBT SLOs, the Azure 2023
# conversation trace): every request stands alone, so shedding one costs only that one (paper-mix
# workflows outlast a few-minute window). Every run's arrivals are a constant-rate Poisson process, each
# a request drawn from the whole trace (--arrivals poisson), so that the probes, the run at capacity
# and the overload all serve one mix at a steady rate; --arrivals trace replays the trace's timestamps
# rescaled to each rate (its bursts, and at each rate another stretch of the trace). Capacity: the sweep runs each rate for --probe-seconds on
# one server; a rate is sustained while its SLO attainment stays within 90 % of the attainment at the
# sweep's lowest rate (so a mix with requests no server can serve in time can still be measured). The
# capacity is the highest sustained rate before the first one that is not. --capacity skips the sweep.
# Then the capacity rate runs for --baseline-minutes (default: --minutes) and FACTOR × capacity for
# --minutes, each with a 30 s drain, and the two token goodputs are compared (the same window
# length, so the drain counts alike in both).
# The server runs with `--admission predictive --max-waiting 1024` (shedding on the predicted queueing delay as well,
# the mode for a server that expects to be overrun); --serve-args "--admission basic" measures the
# default rule instead. Everything runs on 127.0.0.1; figures and per-request logs go to --out (default
# .build-overload/EXECUTOR). Exit status: 0 when every goal holds, 1 when one does not, 2 on
# misuse or when the server would not start.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/loopback_server.sh
. "$root/scripts/loopback_server.sh"
executor=sim workload=azure-conv arrivals=poisson minutes=5 factor=10 capacity="" rates="" probe=60 baseline="" serve_args="" bin="" out=""
usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --executor) executor=$2; shift 2 ;;
        --workload) workload=$2; shift 2 ;;
        --arrivals) arrivals=$2; shift 2 ;;
        --minutes) minutes=$2; shift 2 ;;
        --factor) factor=$2; shift 2 ;;
        --capacity) capacity=$2; shift 2 ;;
        --rates) rates=$2; shift 2 ;;
        --probe-seconds) probe=$2; shift 2 ;;
        --baseline-minutes) baseline=$2; shift 2 ;;
        --serve-args) serve_args=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage ;;
        *) echo "overload.sh: unknown option '$1'" >&2; usage ;;
    esac
done
case $executor in
    sim) rates=${rates:-"2 4 6 8 10 12"} ;;
    echo) rates=${rates:-"0.5 1 1.5 2 3 4"}; serve_args=${serve_args:-$ECHO_SERVE_ARGS} ;;
    *) echo "overload.sh: --executor must be sim or echo, got '$executor'" >&2; exit 2 ;;
esac
case $arrivals in
    poisson|trace) ;;
    *) echo "overload.sh: --arrivals must be poisson or trace, got '$arrivals'" >&2; exit 2 ;;
esac
baseline=${baseline:-$minutes}
for v in "$minutes" "$factor" "$probe" "$baseline" ${capacity:+"$capacity"} $rates; do
    python3 -c "import sys; v=float(sys.argv[1]); sys.exit(0 if v > 0 and v < 1e6 else 1)" "$v" 2>/dev/null \
        || { echo "overload.sh: '$v' is not a positive number" >&2; exit 2; }
done
find_jitserve overload.sh "$root"
out=${out:-"$root/.build-overload/$executor"}
mkdir -p "$out"

server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
trap stop_server EXIT

# Starts `serve` on a free loopback port; sets $url.
start_server() {
    # shellcheck disable=SC2086
    start_loopback_server overload.sh "$bin" "$out/server.log" --executor "$executor" --shutdown-grace 2 --admission predictive --max-waiting 1024 $serve_args
    echo "== $executor server at $url ($bin serve --executor $executor $serve_args)" >&2
}

# One bench live run: NAME RPS SECONDS → $out/NAME.json and $out/NAME.requests.jsonl.
bench() {
    local name=$1 rps=$2 seconds=$3
    echo "== $name: $rps rps for ${seconds}s" >&2
    "$bin" bench live --url "$url" --workload "$workload" --rps "$rps" --arrivals "$arrivals" --duration "$seconds" --drain 30 --label "$executor" \
        --json "$out/$name.json" --requests-out "$out/$name.requests.jsonl" > "$out/$name.txt"
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "overload.sh: the server died during $name (see $out/server.log)" >&2
        return 1
    fi
}

# A field of a bench live JSON: FILE EXPRESSION (python over `s`).
field() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

start_server
if [ -z "$capacity" ]; then
    reference="" previous=""
    for rate in $rates; do
        bench "probe-$rate" "$rate" "$probe"
        attainment=$(field "$out/probe-$rate.json" "s['slo_attainment']")
        goodput=$(field "$out/probe-$rate.json" "s['token_goodput']")
        shed=$(field "$out/probe-$rate.json" "s.get('shed') or 0")
        echo "   $rate rps: token goodput $goodput tok/s, SLO attainment $attainment, shed $shed" >&2
        reference=${reference:-$attainment}
        if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 * float(sys.argv[2]) else 1)" "$attainment" "$reference"; then
            previous=$rate
        else
            break
        fi
    done
    [ -n "$previous" ] || { echo "overload.sh: not even $reference rps was sustained; pass lower --rates" >&2; exit 1; }
    capacity=$previous
    echo "$reference" > "$out/reference_attainment.txt"
fi
overload=$(python3 -c "import sys; print(round(float(sys.argv[1]) * float(sys.argv[2]), 3))" "$capacity" "$factor")
echo "$capacity" > "$out/capacity_rps.txt"
echo "== capacity of the $executor executor: $capacity rps; overload at ${factor}x = $overload rps" >&2
bench capacity "$capacity" "$(python3 -c "print(round(float('$baseline') * 60))")"
bench overload "$overload" "$(python3 -c "print(round(float('$minutes') * 60))")" || true
alive=yes
kill -0 "$server_pid" 2>/dev/null || alive=no
health=$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || echo none)

python3 - "$out" "$executor" "$capacity" "$overload" "$alive" "$health" <<'EOF'
import json, sys
out, executor, capacity, overload, alive, health = sys.argv[1:7]
base = json.load(open(f"{out}/capacity.json"))
over = json.load(open(f"{out}/overload.json"))
ratio = over["token_goodput"] / base["token_goodput"] if base["token_goodput"] > 0 else 0.0
shed = over.get("shed") or 0
try:
    reference = float(open(f"{out}/reference_attainment.txt").read())
except OSError:
    reference = None
goals = {
    "server alive, /health 200": alive == "yes" and health == "200",
    "no 5xx": over["server_errors"] == 0,
    "excess shed (429)": shed > 0,
    "every 429 carries Retry-After": over["shed_without_retry_after"] == 0,
    "admitted goodput >= 0.9 x capacity goodput": ratio >= 0.9,
}
print(f"overload ({executor} executor, {over['workload']}): capacity {capacity} rps -> {base['token_goodput']:.1f} tok/s goodput "
      f"(attainment {base['slo_attainment']:.3f}); {overload} rps for {over['duration_s']:.0f} s:")
# A 429 error frame inside an admitted stream: predictive admission shedding, late, a stream
# that could no longer meet its SLO (its 200 had gone out). Counted apart from other errors.
shed_late = over["errors_by_class"].get("429", 0) - shed
print(f"  sent {over['sent']} · admitted {over['admitted']} · shed {shed} · 5xx {over['server_errors']} · "
      f"shed after admission {shed_late} · "
      f"other errors {sum(over['errors_by_class'].values()) - shed - shed_late - over['server_errors']}")
print(f"  admitted token goodput {over['token_goodput']:.1f} tok/s = {ratio:.3f} x goodput at capacity")
print(f"  p99 TTFT of admitted latency requests {over['admitted_latency_ttft_s']['p99']:.3f} s "
      f"(at capacity {base['admitted_latency_ttft_s']['p99']:.3f} s); "
      f"{over['admitted_latency_without_first_token']} admitted latency requests got no first token")
if reference is not None:
    # The probes are short; the capacity run is as long as the overload: say if it held up.
    print(f"  capacity run over the whole window: attainment {base['slo_attainment']:.3f} "
          f"({'within' if base['slo_attainment'] >= 0.9 * reference else 'NOT within'} 90 % of the lowest rate's {reference:.3f})")
for goal, ok in goals.items():
    print(f"  {'ok  ' if ok else 'FAIL'} {goal}")
json.dump({"executor": executor, "capacity_rps": float(capacity), "overload_rps": float(overload),
           "capacity_goodput": base["token_goodput"], "overload_goodput": over["token_goodput"],
           "goodput_ratio": ratio, "sent": over["sent"], "admitted": over["admitted"], "shed": shed, "shed_after_admission": shed_late,
           "server_errors": over["server_errors"], "admitted_latency_ttft_p99_s": over["admitted_latency_ttft_s"]["p99"],
           "admitted_latency_without_first_token": over["admitted_latency_without_first_token"],
           "goals": goals}, open(f"{out}/verdict.json", "w"), indent=2)
sys.exit(0 if all(goals.values()) else 1)
EOF
