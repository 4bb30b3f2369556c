#!/usr/bin/env bash
# Loopback test of `jitserve route` (scripts/route_e2e.py): three `jitserve serve --executor sim`
# replicas behind one `jitserve route` serving both the reverse proxy and the ext_proc endpoint
# picker; the openai SDK through the proxy, an Envoy stand-in built from PyPI's xds-protos +
# grpcio against the picker, and one replica killed under load.
#
# Builds jitserve (scratch path $JITSERVE_SCRATCH, default .build; or uses $JITSERVE_BIN), makes a
# venv in .venv-route when missing, starts everything on 127.0.0.1 at free ports, and exits
# non-zero on any failure. Logs go to $ROUTE_LOG_DIR (default a temp directory), printed on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH="${JITSERVE_SCRATCH:-.build}"
LOGS="${ROUTE_LOG_DIR:-$(mktemp -d)}"

if [[ -n "${JITSERVE_BIN:-}" ]]; then
    BIN="$JITSERVE_BIN"
else
    swift build --scratch-path "$SCRATCH" --product jitserve
    BIN="$(swift build --scratch-path "$SCRATCH" --show-bin-path)/jitserve"
fi

if [[ ! -x .venv-route/bin/python ]] || ! .venv-route/bin/python -c "import openai, grpc, envoy.service.ext_proc.v3, grpc_health.v1" 2>/dev/null; then
    python3 -m venv .venv-route
    .venv-route/bin/pip install --quiet openai "grpcio>=1.60" "xds-protos>=1.60" "grpcio-health-checking>=1.60"
fi
PY=.venv-route/bin/python

# Ports for every server at once (scripts/free_ports.py says why).
free_ports() { "$PY" scripts/free_ports.py "$1"; }

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_http() {  # url pid log
    for _ in $(seq 1 600); do
        if ! kill -0 "$2" 2>/dev/null; then echo "process exited early:"; cat "$3"; return 1; fi
        if "$PY" -c "import urllib.request; urllib.request.urlopen('$1', timeout=2)" 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "$1 never answered:"; cat "$3"; return 1
}

# Three replicas, the proxy and the ext_proc picker.
read -r -a PORTS <<< "$(free_ports 5)"
REPLICAS=()
REPLICA_PIDS=()
for i in 0 1 2; do
    PORT=${PORTS[$i]}
    "$BIN" serve --executor sim --scheduler jitserve --host 127.0.0.1 --port "$PORT" \
        --default-slo latency:ttft_ms=2000,tbt_ms=250 > "$LOGS/replica$i.log" 2>&1 &
    PIDS+=("$!")
    REPLICA_PIDS+=("$!")
    REPLICAS+=("127.0.0.1:$PORT")
done
for i in 0 1 2; do wait_http "http://${REPLICAS[$i]}/health" "${REPLICA_PIDS[$i]}" "$LOGS/replica$i.log"; done

PROXY_PORT=${PORTS[3]}
GRPC_PORT=${PORTS[4]}
BACKENDS=()
for r in "${REPLICAS[@]}"; do BACKENDS+=(--backend "http://$r"); done
"$BIN" route --listen "127.0.0.1:$PROXY_PORT" --ext-proc "$GRPC_PORT" "${BACKENDS[@]}" --router jitserve \
    --default-slo latency:ttft_ms=2000,tbt_ms=250 > "$LOGS/route.log" 2>&1 &
ROUTE_PID=$!
PIDS+=("$ROUTE_PID")
wait_http "http://127.0.0.1:$PROXY_PORT/health" "$ROUTE_PID" "$LOGS/route.log"
# Every replica scraped ready before the checks start.
for _ in $(seq 1 100); do
    READY=$("$PY" -c "import urllib.request; t=urllib.request.urlopen('http://127.0.0.1:$PROXY_PORT/metrics').read().decode(); print(sum(1 for l in t.splitlines() if l.startswith('jitserve_route_endpoint_ready') and l.endswith(' 1')))")
    [[ "$READY" == 3 ]] && break
    sleep 0.1
done

IFS=,
if ! "$PY" scripts/route_e2e.py --proxy "$PROXY_PORT" --ext-proc "$GRPC_PORT" \
    --replicas "${REPLICAS[*]}" --pids "${REPLICA_PIDS[*]}"; then
    unset IFS
    echo "--- route log"; cat "$LOGS/route.log"
    for i in 0 1 2; do echo "--- replica $i log"; tail -n 30 "$LOGS/replica$i.log"; done
    exit 1
fi
unset IFS
kill -TERM "$ROUTE_PID"
for _ in $(seq 1 50); do kill -0 "$ROUTE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ROUTE_PID" 2>/dev/null; then echo "route did not exit on SIGTERM"; exit 1; fi
tail -n 3 "$LOGS/route.log"
