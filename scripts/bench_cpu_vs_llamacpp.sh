#!/usr/bin/env bash
# Runs `jitserve bench cpu` (once per KV cache / activation type pair) and scripts/bench_llamacpp.py on the same
# GGUF with the same thread count, one after the other, and prints every table and the ratios
# jitserve / llama.cpp against the goals of issue 15, with the load average at start and end
# (the machine may be shared: compare runs made at a similar load).
#
# Usage: scripts/bench_cpu_vs_llamacpp.sh [THREADS]   (default: all cores)
#        DECODE_STEPS=N (default 32), CONFIGS="fp32/fp32 fp16/fp32 fp16/q8" (jitserve's KV/activation
#        types to run, in order; fp16/q8 is llama.cpp's own numerics: fp16 KV, Q8 activations),
#        JITSERVE=path/to/jitserve, MODEL=path/to/model.gguf
# Needs: a release build of jitserve (swift build -c release --product jitserve) and the
# llama-cpp-python venv (see scripts/bench_llamacpp.py).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
jitserve="${JITSERVE:-.build/release/jitserve}"
python="${LLAMACPP_PYTHON:-.venv-llamacpp/bin/python}"
configs="${CONFIGS:-fp32/fp32 fp16/fp32 fp16/q8}"
[ -x "$jitserve" ] || { echo "error: $jitserve not found; build it with: swift build -c release --product jitserve" >&2; exit 1; }
[ -x "$python" ] || { echo "error: $python not found; see scripts/bench_llamacpp.py for the venv setup" >&2; exit 1; }

model="$("$jitserve" model list 2>/dev/null | awk '/smollm2-135m/ {print $NF; exit}')"
model="${MODEL:-${model:-${JITSERVE_HOME:-$HOME/.cache/jitserve}/models/smollm2-135m.gguf}}"
[ -f "$model" ] || { echo "error: model $model not found; run: $jitserve model pull smollm2-135m" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
steps="${DECODE_STEPS:-32}"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for config in $configs; do
    kv="${config%/*}" activations="${config#*/}"
    "$jitserve" bench cpu --model "$model" --threads "$threads" --decode-steps "$steps" \
        --kv-cache-dtype "$kv" --activation-dtype "$activations" --json "$work/jitserve-$kv-$activations.json"
    echo
done
"$python" scripts/bench_llamacpp.py "$model" --threads "$threads" --decode-steps "$steps" --json "$work/llamacpp.json"
echo
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
# In the order run, not the glob's.
results=()
for config in $configs; do results+=("$work/jitserve-${config%/*}-${config#*/}.json"); done
"$python" - "$work/llamacpp.json" "${results[@]}" <<PY
import json, os, sys
theirs = json.load(open(sys.argv[1]))
print("load average (1/5/15 min): at start $load_start, at end $load_end")
for path in sys.argv[2:]:
    ours = json.load(open(path))
    kv, activations = os.path.basename(path)[len("jitserve-"):-len(".json")].split("-")
    print(f"jitserve (KV {kv}, activations {activations}) / llama.cpp (KV fp16, activations q8), {ours['threads']} threads")
    for streams in ("1", "4", "16"):
        a, b = ours["decodeTokensPerSecond"][streams], theirs["decodeTokensPerSecond"][streams]
        print(f"  decode {int(streams):2d} stream(s)              {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)")
    best = max(theirs["decodeTokensPerSecond"].values())
    a = ours["decodeTokensPerSecond"]["16"]
    print(f"  16 streams vs llama.cpp's best  {a / best:6.2f}x   ({a:.1f} vs {best:.1f} tokens/s)   goal >= 1.5x")
    a, b = ours["decodeTokensPerSecond"]["1"], theirs["decodeTokensPerSecond"]["1"]
    print(f"  one stream                      {a / b:6.2f}x                               goal >= 0.9x")
    a, b = ours["prefillTokensPerSecond"], theirs["prefillTokensPerSecond"]
    print(f"  prefill 512 tokens              {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)   goal >= 1.5x")
    a, b = ours["longContextDecodeTokensPerSecond"], theirs["longContextDecodeTokensPerSecond"]
    print(f"  decode 16 x 1024 context        {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)    goal >= 1.2x")
    for key, label, goal in (("residentMiBAfterLoad", "resident after load", ""),
                             ("residentMiBWithLongContexts", "resident, 16 x 1024 ctx", "   goal <= llama.cpp's")):
        print(f"  {label:<31} {ours[key]:7.1f} vs {theirs[key]:7.1f} MiB{goal}")
PY
