#!/usr/bin/env bash
# Runs `jitserve bench cpu` and scripts/bench_llamacpp.py on the same GGUF with the same thread
# count, one after the other, and prints both tables and the ratios jitserve / llama.cpp.
#
# Usage: scripts/bench_cpu_vs_llamacpp.sh [THREADS]   (default: all cores)
#        DECODE_STEPS=N (default 32), JITSERVE=path/to/jitserve, MODEL=path/to/model.gguf
# Needs: a release build of jitserve (swift build -c release --product jitserve) and the
# llama-cpp-python venv (see scripts/bench_llamacpp.py).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
jitserve="${JITSERVE:-.build/release/jitserve}"
python="${LLAMACPP_PYTHON:-.venv-llamacpp/bin/python}"
[ -x "$jitserve" ] || { echo "error: $jitserve not found; build it with: swift build -c release --product jitserve" >&2; exit 1; }
[ -x "$python" ] || { echo "error: $python not found; see scripts/bench_llamacpp.py for the venv setup" >&2; exit 1; }

model="$("$jitserve" model list 2>/dev/null | awk '/smollm2-135m/ {print $NF; exit}')"
model="${MODEL:-${model:-${JITSERVE_HOME:-$HOME/.cache/jitserve}/models/smollm2-135m.gguf}}"
[ -f "$model" ] || { echo "error: model $model not found; run: $jitserve model pull smollm2-135m" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
steps="${DECODE_STEPS:-32}"
"$jitserve" bench cpu --model "$model" --threads "$threads" --decode-steps "$steps" --json "$work/jitserve.json"
echo
"$python" scripts/bench_llamacpp.py "$model" --threads "$threads" --decode-steps "$steps" --json "$work/llamacpp.json"
echo
"$python" - "$work/jitserve.json" "$work/llamacpp.json" <<'PY'
import json, sys
ours, theirs = (json.load(open(p)) for p in sys.argv[1:3])
print("jitserve / llama.cpp")
for streams in ("1", "4", "16"):
    a, b = ours["decodeTokensPerSecond"][streams], theirs["decodeTokensPerSecond"][streams]
    print(f"  decode {int(streams):2d} stream(s)      {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)")
best = max(theirs["decodeTokensPerSecond"].values())
a = ours["decodeTokensPerSecond"]["16"]
print(f"  16 streams vs llama.cpp's best  {a / best:6.2f}x   ({a:.1f} vs {best:.1f} tokens/s)  goal >= 1.5x")
a, b = ours["decodeTokensPerSecond"]["1"], theirs["decodeTokensPerSecond"]["1"]
print(f"  one stream                      {a / b:6.2f}x   goal >= 0.8x")
a, b = ours["prefillTokensPerSecond"], theirs["prefillTokensPerSecond"]
print(f"  prefill 512 tokens              {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)")
a, b = ours["longContextDecodeTokensPerSecond"], theirs["longContextDecodeTokensPerSecond"]
print(f"  decode 16 x 1024 context        {a / b:6.2f}x   ({a:.1f} vs {b:.1f} tokens/s)")
for key, label in (("residentMiBAfterLoad", "resident after load"), ("residentMiBWithLongContexts", "resident, 16 x 1024 ctx")):
    print(f"  {label:<31} {ours[key]:7.1f} vs {theirs[key]:7.1f} MiB")
PY
