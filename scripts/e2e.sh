#!/usr/bin/env bash
# End-to-end test of `jitserve serve` with the official openai SDK (scripts/e2e_openai.py).
#
#   scripts/e2e.sh          echo executor: every endpoint, bad input, 8 concurrent streams, a cut
#                           stream, overload (429) and graceful shutdown (a second, slow server)
#   scripts/e2e.sh --cpu    the same client checks against --executor cpu with smollm2-135m
#
# Builds jitserve (scratch path $JITSERVE_SCRATCH, default .build; or uses $JITSERVE_BIN), makes a venv with `openai`
# in .venv-e2e when missing, starts the servers on 127.0.0.1 at free ports, and exits non-zero
# on any failure. Server logs go to $E2E_LOG_DIR (default a temp directory), printed on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=echo
if [[ "${1:-}" == "--cpu" ]]; then MODE=cpu; fi
SCRATCH="${JITSERVE_SCRATCH:-.build}"
LOGS="${E2E_LOG_DIR:-$(mktemp -d)}"
KEY="e2e-key-$$"
MAX_BODY=65536

if [[ -n "${JITSERVE_BIN:-}" ]]; then
    BIN="$JITSERVE_BIN"  # a binary built already
else
    swift build --scratch-path "$SCRATCH" --product jitserve
    BIN="$(swift build --scratch-path "$SCRATCH" --show-bin-path)/jitserve"
fi

if [[ ! -x .venv-e2e/bin/python ]] || ! .venv-e2e/bin/python -c "import openai" 2>/dev/null; then
    python3 -m venv .venv-e2e
    .venv-e2e/bin/pip install --quiet openai
fi
PY=.venv-e2e/bin/python

# Ports for every server at once (scripts/free_ports.py says why).
free_ports() { "$PY" scripts/free_ports.py "$1"; }

PIDS=()
cleanup() {  # whatever is still running (e.g. after a failure) is stopped, then killed
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_healthy() {  # port pid log
    for _ in $(seq 1 600); do
        if ! kill -0 "$2" 2>/dev/null; then echo "server exited early:"; cat "$3"; return 1; fi
        if "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/health', timeout=2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "server on port $1 never became healthy:"; cat "$3"; return 1
}

wait_exit() {  # pid seconds → exit status of the server
    for _ in $(seq 1 $(( $2 * 10 ))); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"; return $?
        fi
        sleep 0.1
    done
    echo "server $1 did not exit within $2 s"; return 1
}

read -r MAIN_PORT SLOW_PORT <<< "$(free_ports 2)"
if [[ "$MODE" == cpu ]]; then
    # A relaxed default SLO: on a busy 2-core machine one CPU iteration can exceed 800 ms, and
    # admission control would rightly shed requests whose TTFT is shorter than that.
    "$BIN" serve --executor cpu --model smollm2-135m --host 127.0.0.1 --port "$MAIN_PORT" --api-key "$KEY" \
        --default-slo latency:ttft_ms=60000,tbt_ms=5000 --admission basic \
        --max-body-bytes "$MAX_BODY" > "$LOGS/main.log" 2>&1 &
else
    "$BIN" serve --executor echo --host 127.0.0.1 --port "$MAIN_PORT" --api-key "$KEY" --admission basic \
        --max-body-bytes "$MAX_BODY" --echo-stop-after 100 > "$LOGS/main.log" 2>&1 &
fi
MAIN_PID=$!
PIDS+=("$MAIN_PID")
ARGS=(--base-url "http://127.0.0.1:$MAIN_PORT/v1" --api-key "$KEY" --max-body-bytes "$MAX_BODY")

if [[ "$MODE" == echo ]]; then
    "$BIN" serve --executor echo --host 127.0.0.1 --port "$SLOW_PORT" --api-key "$KEY" --echo-iteration-ms 20 --scheduler vllm \
        --max-num-seqs 1 --admission basic --max-waiting 1 --shutdown-grace 1 > "$LOGS/slow.log" 2>&1 &
    SLOW_PID=$!
    PIDS+=("$SLOW_PID")
    wait_healthy "$SLOW_PORT" "$SLOW_PID" "$LOGS/slow.log"
    ARGS+=(--slow-url "http://127.0.0.1:$SLOW_PORT/v1" --slow-pid "$SLOW_PID")
else
    ARGS+=(--cpu)
fi
wait_healthy "$MAIN_PORT" "$MAIN_PID" "$LOGS/main.log"

status=0
"$PY" scripts/e2e_openai.py "${ARGS[@]}" || status=$?

if [[ "$MODE" == echo && $status == 0 ]]; then
    # The test sent SIGTERM: the slow server must drain and exit cleanly.
    wait_exit "$SLOW_PID" 15 || { echo "slow server did not shut down cleanly"; cat "$LOGS/slow.log"; status=1; }
fi
kill -TERM "$MAIN_PID"
wait_exit "$MAIN_PID" 30 || { echo "server did not shut down cleanly on SIGTERM"; status=1; }
if [[ $status != 0 ]]; then
    echo "--- main server log ($LOGS/main.log) ---"; tail -50 "$LOGS/main.log"
    [[ -f "$LOGS/slow.log" ]] && { echo "--- slow server log ---"; tail -50 "$LOGS/slow.log"; }
    echo "e2e ($MODE): FAILED"
    exit 1
fi
echo "e2e ($MODE): passed"
