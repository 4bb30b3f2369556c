# Sourced by scripts/overload.sh and scripts/soak.sh: finds the jitserve binary, starts
# `jitserve serve` on a free loopback port and waits until it listens.

# The echo executor costs nothing unless told: model an iteration and a small batch, so that its
# capacity is a rate this machine's client can offer ten times over.
ECHO_SERVE_ARGS="--echo-iteration-ms 25 --max-num-seqs 16"

# find_jitserve SCRIPT ROOT — keeps $bin if set, else the release build, else the debug build;
# exits 2, naming SCRIPT, when there is none.
find_jitserve() {
    local script=$1 root=$2
    if [ -z "$bin" ]; then
        bin="$root/.build/release/jitserve"
        [ -x "$bin" ] || bin="$root/.build/debug/jitserve"
    fi
    [ -x "$bin" ] || { echo "$script: no jitserve binary at $bin (swift build --product jitserve, or --bin)" >&2; exit 2; }
}


# start_loopback_server SCRIPT BIN LOG ARGS... — runs `BIN serve --host 127.0.0.1 --port 0 ARGS...`
# with its output in LOG; sets server_pid and url. Exits 2, naming SCRIPT, when the server dies at
# start or does not listen within 20 s.
start_loopback_server() {
    local script=$1 bin=$2 log=$3
    shift 3
    "$bin" serve --host 127.0.0.1 --port 0 "$@" > "$log" 2>&1 &
    server_pid=$!
    local port=""
    for _ in $(seq 1 200); do
        port=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$log" | head -1)
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || { echo "$script: the server exited at start:" >&2; cat "$log" >&2; exit 2; }
        sleep 0.1
    done
    [ -n "$port" ] || { echo "$script: the server did not listen within 20 s" >&2; exit 2; }
    url="http://127.0.0.1:$port"
}
