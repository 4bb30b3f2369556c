#!/usr/bin/env bash
# Conformance and evaluation figures for `jitserve serve` on the real CPU model:
#
#   1. schemathesis (positive mode) against OpenAI's own API description, on the operations a
#      serving system implements (listModels, retrieveModel, createChatCompletion,
#      createCompletion); prints the failures left.
#   2. lm-evaluation-harness (`local-completions`, log-likelihood scoring through completions'
#      `echo` + `logprobs`) on a handmade 50-question multiple-choice task kept in scripts/eval/,
#      with a tokenizer directory built from the GGUF (no hub); prints the accuracy.
#
# Usage: scripts/eval_openai.sh [schemathesis|lm-eval|all]   (default all)
# Env:   JITSERVE_BIN (a built binary; else builds with swift), OPENAPI (default ../shared/clients/openapi.yaml),
#        ST_MAX_EXAMPLES (default 30 per operation), EVAL_OUT (default .build/eval),
#        ST_SKIP_KNOWN=1 (leave out the requests jitserve refuses on purpose, see
#        scripts/eval/schemathesis_hooks.py, so schemathesis goes on to find anything else)
# Makes .venv-eval (lm-eval[api], transformers, tokenizers, gguf, schemathesis, openai) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-all}"
OPENAPI="${OPENAPI:-../shared/clients/openapi.yaml}"
OUT="${EVAL_OUT:-.build/eval}"
MODEL=smollm2-135m
mkdir -p "$OUT"

if [[ -n "${JITSERVE_BIN:-}" ]]; then
    BIN="$JITSERVE_BIN"
else
    swift build --product jitserve >&2
    BIN="$(swift build --show-bin-path)/jitserve"
fi
if ! .venv-eval/bin/python -c "import lm_eval, schemathesis, transformers, gguf, openai" 2>/dev/null; then
    python3 -m venv .venv-eval
    .venv-eval/bin/pip install --quiet "lm-eval[api]==0.4.13" transformers "tokenizers==0.23.3" "gguf==0.19.0" \
        "schemathesis==4.32.5" openai
fi
PY=.venv-eval/bin/python
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The model (pulled on first use) and a tokenizer directory built from its GGUF vocabulary.
GGUF="${JITSERVE_HOME:-$HOME/.cache/jitserve}/models/$MODEL.gguf"
[[ -f "$GGUF" ]] || "$BIN" model pull "$MODEL" >&2
"$PY" scripts/tokenizer_reference.py --save-dir "$OUT/tokenizer" "$GGUF" >&2

# A relaxed default SLO: conformance, not latency, is measured here.
"$BIN" serve --executor cpu --model "$MODEL" --host 127.0.0.1 --port "$PORT" \
    --default-slo latency:ttft_ms=600000,tbt_ms=60000 > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    kill -0 "$SERVER" 2>/dev/null || { echo "server exited:"; cat "$OUT/server.log"; exit 1; }
    "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=2)" 2>/dev/null && break
    sleep 0.5
done

status=0
if [[ "$WHAT" == all || "$WHAT" == schemathesis ]]; then
    [[ -f "$OPENAPI" ]] || { echo "no OpenAI API description at $OPENAPI (see ../shared/clients/README.md)"; exit 1; }
    echo "== schemathesis (positive mode, OpenAI's spec) ==" >&2
    PYTHONPATH=scripts/eval SCHEMATHESIS_HOOKS=schemathesis_hooks JITSERVE_MODEL="$MODEL" \
        .venv-eval/bin/schemathesis run "$OPENAPI" --url "http://127.0.0.1:$PORT/v1" \
        --include-operation-id listModels --include-operation-id retrieveModel \
        --include-operation-id createChatCompletion --include-operation-id createCompletion \
        --mode positive --phases examples,coverage,fuzzing --checks all --exclude-checks ignored_auth \
        --max-examples "${ST_MAX_EXAMPLES:-30}" --continue-on-failure --seed 1 --request-timeout 120 --no-color \
        --report junit --report-dir "$OUT/schemathesis" 2>&1 | tee "$OUT/schemathesis.txt" || status=$?
fi
if [[ "$WHAT" == all || "$WHAT" == lm-eval ]]; then
    echo "== lm-evaluation-harness: jitserve_mc50 through local-completions ==" >&2
    TOKENIZER="$(cd "$OUT/tokenizer" && pwd)"
    RESULTS="$(mkdir -p "$OUT/lm-eval" && cd "$OUT/lm-eval" && pwd)"
    (cd scripts/eval && HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ../../.venv-eval/bin/lm_eval \
        --model local-completions \
        --model_args "model=$MODEL,base_url=http://127.0.0.1:$PORT/v1/completions,tokenizer=$TOKENIZER,tokenizer_backend=huggingface,tokenized_requests=True,num_concurrent=2,max_retries=1" \
        --tasks jitserve_mc50 --include_path . --batch_size 1 --output_path "$RESULTS") 2>&1 \
        | tee "$OUT/lm-eval.txt" || status=$?
fi
exit $status
