#!/usr/bin/env bash
# Soak check: a loopback `jitserve serve` under steady load (80 % of its capacity by default) for
# MINUTES, sampled once a minute — resident memory, open file descriptors, the engine's and the
# server's workflow maps, requests held — then a table, the growth from minute 1 to the last, and
# the requests still held once the load has drained (stuck ones: held by the server once every client has gone).
#
#   scripts/soak.sh MINUTES [--rps RPS] [--arrivals poisson|trace] [--workload azure-conv] [--executor sim|echo]
#                   [--serve-args "..."] [--bin PATH] [--out DIR]
#
# Without --rps it runs at 80 % of the capacity scripts/overload.sh found for the executor
# (.build-overload/EXECUTOR/capacity_rps.txt). Load comes from `jitserve bench live` (azure-conv: streamed
# chat by default), by default at one constant Poisson rate (--arrivals poisson: requests drawn from the
# whole trace), so that a rate below capacity stays below it for the whole run; --arrivals trace
# replays the trace's own timestamps rescaled to the mean rate, bursts and all. Figures
# go to --out (default .build-soak/EXECUTOR): samples.tsv, the run's bench.json and server.log.
# Exit status: 0 when resident memory grew < 5 % from minute 1 to the last and no request is
# stuck, 1 otherwise, 2 on misuse.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/loopback_server.sh
. "$root/scripts/loopback_server.sh"
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
minutes=$1; shift
[[ $minutes =~ ^[0-9]+$ ]] && [ "$minutes" -ge 2 ] || { echo "soak.sh: MINUTES must be an integer ≥ 2, got '$minutes'" >&2; exit 2; }
executor=sim workload=azure-conv arrivals=poisson rps="" serve_args="" bin="" out=""
while [ $# -gt 0 ]; do
    case $1 in
        --rps) rps=$2; shift 2 ;;
        --workload) workload=$2; shift 2 ;;
        --arrivals) arrivals=$2; shift 2 ;;
        --executor) executor=$2; shift 2 ;;
        --serve-args) serve_args=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage ;;
        *) echo "soak.sh: unknown option '$1'" >&2; usage ;;
    esac
done
case $executor in
    sim) ;;
    echo) serve_args=${serve_args:-$ECHO_SERVE_ARGS} ;;
    *) echo "soak.sh: --executor must be sim or echo, got '$executor'" >&2; exit 2 ;;
esac
case $arrivals in
    poisson|trace) ;;
    *) echo "soak.sh: --arrivals must be poisson or trace, got '$arrivals'" >&2; exit 2 ;;
esac
if [ -z "$rps" ]; then
    capacity_file="$root/.build-overload/$executor/capacity_rps.txt"
    [ -f "$capacity_file" ] || { echo "soak.sh: no --rps and no $capacity_file (run scripts/overload.sh --executor $executor first)" >&2; exit 2; }
    rps=$(python3 -c "import sys; print(round(0.8 * float(open(sys.argv[1]).read()), 3))" "$capacity_file")
fi
python3 -c "import sys; sys.exit(0 if 0 < float(sys.argv[1]) < 1e6 else 1)" "$rps" 2>/dev/null \
    || { echo "soak.sh: --rps must be a positive number, got '$rps'" >&2; exit 2; }
find_jitserve soak.sh "$root"
out=${out:-"$root/.build-soak/$executor"}
mkdir -p "$out"

server_pid="" bench_pid=""
cleanup() {
    if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then kill -TERM "$bench_pid" 2>/dev/null || true; fi
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# shellcheck disable=SC2086
start_loopback_server soak.sh "$bin" "$out/server.log" --executor "$executor" $serve_args
echo "== soak: $executor server at $url, $rps rps ($arrivals arrivals) for $minutes min (pid $server_pid)" >&2

# One sample: LABEL → a line of samples.tsv (RSS from /proc and from /metrics, fds, map sizes,
# requests held).
sample() {
    local rss_kb fds metrics
    rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
    fds=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    metrics=$(curl -s --max-time 10 "$url/metrics" || true)
    printf '%s\n' "$metrics" | python3 -c '
import sys
label, rss_kb, fds = sys.argv[1:4]
maps, held, metric_rss = {}, 0.0, 0.0
for line in sys.stdin:
    if line.startswith("jitserve:workflow_map_entries{"):
        name = line.split("map=\"", 1)[1].split("\"", 1)[0]
        maps[name] = float(line.rsplit(" ", 1)[1])
    elif line.startswith(("vllm:num_requests_running{", "vllm:num_requests_waiting{")):
        held += float(line.rsplit(" ", 1)[1])
    elif line.startswith("process_resident_memory_bytes"):
        metric_rss = float(line.rsplit(" ", 1)[1])
print("\t".join([label, f"{int(rss_kb) / 1024:.1f}", f"{metric_rss / 2**20:.1f}", fds,
                 *(f"{maps.get(m, 0):.0f}" for m in ("calls", "estimates", "service_tokens", "names")), f"{held:.0f}"]))
' "$1" "$rss_kb" "$fds"
}

printf "minute\trss_mib\tmetrics_rss_mib\tfds\twf_calls\twf_estimates\twf_service_tokens\twf_names\theld\n" > "$out/samples.tsv"
start=$(date +%s)
"$bin" bench live --url "$url" --workload "$workload" --rps "$rps" --arrivals "$arrivals" --duration $((minutes * 60)) --drain 60 --label "$executor-soak" --quiet \
    --json "$out/bench.json" > "$out/bench.txt" 2> "$out/bench.err" &
bench_pid=$!
for m in $(seq 1 "$minutes"); do
    while [ $(( $(date +%s) - start )) -lt $((m * 60)) ]; do sleep 1; done
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "soak.sh: the server died at minute $m (see $out/server.log)" >&2; exit 1; fi
    sample "$m" | tee -a "$out/samples.tsv" >&2
done
bench_status=0
wait "$bench_pid" || bench_status=$?
bench_pid=""
[ "$bench_status" -eq 0 ] || { echo "soak.sh: bench live failed ($bench_status): $(tail -3 "$out/bench.err")" >&2; exit 1; }
# The load is over and the drain has passed: whatever the server still holds is stuck.
sleep 5
sample drained | tee -a "$out/samples.tsv" >&2

python3 - "$out" "$minutes" "$rps" "$arrivals" <<'EOF'
import json, sys
out, minutes, rps, arrivals = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [line.rstrip("\n").split("\t") for line in open(f"{out}/samples.tsv")]
head, rows = rows[0], rows[1:]
print("  ".join(f"{h:>17}" for h in head))
for r in rows:
    print("  ".join(f"{v:>17}" for v in r))
first, last, drained = rows[0], rows[minutes - 1], rows[-1]
growth = float(last[1]) / float(first[1]) - 1
bench = json.load(open(f"{out}/bench.json"))
stuck_server = int(drained[8])
stuck_client = bench["unfinished"]
print(f"soak: {rps} rps ({arrivals} arrivals) for {minutes} min · {bench['sent']} calls sent, {bench['admitted']} admitted, "
      f"{bench.get('shed') or 0} shed, {bench['server_errors']} 5xx · token goodput {bench['token_goodput']:.1f} tok/s")
print(f"  RSS minute 1 {float(first[1]):.1f} MiB → minute {minutes} {float(last[1]):.1f} MiB: {100 * growth:+.2f} % (goal < 5 %)")
if minutes >= 10:
    # The load ramps up over the first minutes (concurrent streams, buffers): growth past warm-up.
    warm = rows[4]
    print(f"  RSS minute 5 {float(warm[1]):.1f} MiB → minute {minutes}: {100 * (float(last[1]) / float(warm[1]) - 1):+.2f} %")
    # Resident memory follows the requests in flight (and, with malloc trimming, falls back after
    # a burst): the least-squares trend past warm-up tells a leak from that swing.
    xs = list(range(5, minutes + 1))
    ys = [float(rows[m - 1][1]) for m in xs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    print(f"  RSS trend, minutes 5–{minutes}: {60 * slope:+.2f} MiB per hour ({100 * 60 * slope / my:+.2f} % of the mean per hour); "
          f"range {min(ys):.1f}–{max(ys):.1f} MiB")
peak = max(float(r[1]) for r in rows[:minutes])
print(f"  RSS peak {peak:.1f} MiB · requests held at the last minute {last[8]}")
print(f"  open fds minute 1 {first[3]} → minute {minutes} {last[3]} → drained {drained[3]}")
print(f"  workflow maps after drain (calls/estimates/service_tokens/names): {'/'.join(drained[4:8])}")
print(f"  stuck: {stuck_server} requests held by the server once every client had gone (goal 0); "
      f"{stuck_client} calls the client cancelled at its drain limit")
ok = growth < 0.05 and stuck_server == 0
print("  ok" if ok else "  FAIL")
sys.exit(0 if ok else 1)
EOF
