#!/usr/bin/env bash
# Fuzzes one of jitserve's parsers of untrusted input with libFuzzer (Swift's -sanitize=fuzzer,
# address) for a bounded time.
#
#   scripts/fuzz.sh TARGET SECONDS        TARGET: request-json | slo-headers | chat-template | gguf | all
#
# The seed corpus is Fuzz/Corpus/<TARGET>/ (committed); inputs the fuzzer finds are kept in
# .build-fuzz/corpus/<TARGET>/ between runs. A crash, a hang (> 10 s per input), an allocation past
# 512 MiB or an address-sanitizer report stops the run: the input is saved to
# .build-fuzz/crashes/<TARGET>/ and the script exits non-zero. Turn each into a regression test.
set -euo pipefail
usage() { echo "usage: scripts/fuzz.sh request-json|slo-headers|chat-template|gguf|all SECONDS" >&2; exit 2; }
[ $# -eq 2 ] || usage
target=$1 seconds=$2
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] || { echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build-fuzz"

product() {
    case $1 in
        request-json) echo FuzzRequestJSON ;;
        slo-headers) echo FuzzSLOHeaders ;;
        chat-template) echo FuzzChatTemplate ;;
        gguf) echo FuzzGGUF ;;
        *) echo "fuzz.sh: unknown target '$1'" >&2; usage ;;
    esac
}

fuzz() {
    local name=$1 product
    product=$(product "$name")
    echo "== building $product (instrumented; the first build takes minutes)" >&2
    swift build --package-path "$root/Fuzz" --scratch-path "$scratch" --product "$product" \
        -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" >&2
    local bin="$scratch/debug/$product"
    local corpus="$scratch/corpus/$name" crashes="$scratch/crashes/$name"
    mkdir -p "$corpus" "$crashes"
    echo "== fuzzing $name for ${seconds}s" >&2
    # Swift's own backtracer would hold the process after a crash; libFuzzer reports it instead.
    local status=0
    SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=512 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "$root/Fuzz/Corpus/$name" > "$scratch/$name.log" 2>&1 || status=$?
    grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY)" "$scratch/$name.log" || true
    if [ "$status" -ne 0 ]; then
        echo "fuzz.sh: $name FAILED (exit $status); input saved under $crashes; log: $scratch/$name.log" >&2
        return "$status"
    fi
}

if [ "$target" = all ]; then
    for name in request-json slo-headers chat-template gguf; do fuzz "$name"; done
else
    fuzz "$target"
fi
