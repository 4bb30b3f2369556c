#!/usr/bin/env python3
"""llama.cpp (via llama-cpp-python) measured the way `jitserve bench cpu` measures jitserve.

Same GGUF, same thread count, greedy decoding of seeded random token IDs:
  * decode tokens/s for 1, 4 and 16 concurrent streams (one llama_batch per step holding one
    token of every stream, 32-token prompts, 64 timed steps after a warm-up step),
  * prefill tokens/s for one 512-token prompt (median of 3),
  * aggregate decode tokens/s of 16 streams with 1024 tokens of context,
  * resident memory (VmRSS) after load and with 16 streams of 1k context.

Setup (builds llama.cpp from source, ~10 min):
    python3 -m venv .venv-llamacpp && .venv-llamacpp/bin/pip install llama-cpp-python numpy
Usage:
    .venv-llamacpp/bin/python scripts/bench_llamacpp.py MODEL.gguf --threads 2 [--json OUT]
"""
import argparse
import ctypes
import json
import os
import sys
import tempfile
import time

import numpy as np
import llama_cpp


def resident_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Bench:
    def __init__(self, path, threads, streams, context):
        llama_cpp.llama_backend_init()
        mparams = llama_cpp.llama_model_default_params()
        self.model = llama_cpp.llama_model_load_from_file(path.encode(), mparams)
        if not self.model:
            sys.exit(f"error: llama.cpp cannot load {path}")
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = streams * context
        cparams.n_batch = 512
        cparams.n_ubatch = 512
        cparams.n_seq_max = streams
        cparams.n_threads = threads
        cparams.n_threads_batch = threads
        self.ctx = llama_cpp.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            sys.exit("error: llama.cpp cannot create a context")
        vocab = llama_cpp.llama_model_get_vocab(self.model)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
        self.batch = llama_cpp.llama_batch_init(512, 0, streams)

    def clear(self):
        if hasattr(llama_cpp, "llama_get_memory"):
            llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.ctx), True)
        else:
            llama_cpp.llama_kv_self_clear(self.ctx)

    def decode(self, entries):
        """entries: (token, position, sequence, wants_logits); returns seconds."""
        b = self.batch
        b.n_tokens = len(entries)
        for i, (token, pos, seq, logits) in enumerate(entries):
            b.token[i] = token
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = 1 if logits else 0
        start = time.perf_counter()
        rc = llama_cpp.llama_decode(self.ctx, b)
        elapsed = time.perf_counter() - start
        if rc != 0:
            sys.exit(f"error: llama_decode returned {rc}")
        return elapsed

    def argmax(self, index):
        pointer = llama_cpp.llama_get_logits_ith(self.ctx, index)
        return int(np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).argmax())

    def prompt(self, rng, length):
        return [int(t) for t in rng.integers(100, self.n_vocab, size=length)]

    def decode_throughput(self, streams, prompt_length, steps, rng):
        self.clear()
        last = []
        for s in range(streams):
            tokens = self.prompt(rng, prompt_length)
            for start in range(0, prompt_length, 512):
                chunk = tokens[start:start + 512]
                end = start + len(chunk)
                self.decode([(t, start + i, s, start + i == prompt_length - 1) for i, t in enumerate(chunk)])
            last.append(self.argmax(len(chunk) - 1))
        positions = [prompt_length] * streams
        seconds = 0.0
        for step in range(steps + 1):
            elapsed = self.decode([(last[s], positions[s], s, True) for s in range(streams)])
            # Greedy sampling is part of a decode step, as in jitserve's executor.
            start = time.perf_counter()
            last = [self.argmax(s) for s in range(streams)]
            elapsed += time.perf_counter() - start
            positions = [p + 1 for p in positions]
            if step > 0:  # the first step is a warm-up
                seconds += elapsed
        return streams * steps / seconds

    def prefill_throughput(self, length, repeats, rng):
        times = []
        for _ in range(repeats):
            self.clear()
            tokens = self.prompt(rng, length)
            times.append(self.decode([(t, i, 0, i == length - 1) for i, t in enumerate(tokens)]))
        times.sort()
        return length / times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--decode-steps", type=int, default=64)
    ap.add_argument("--json")
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    start = time.perf_counter()
    bench = Bench(args.model, args.threads, streams=16, context=1152)
    load = time.perf_counter() - start
    rss_load = resident_mib()
    decode = {}
    for streams in (1, 4, 16):
        print(f"  decode, {streams} stream(s)…", file=sys.stderr)
        decode[str(streams)] = bench.decode_throughput(streams, 32, args.decode_steps, rng)
    print("  prefill, 512 tokens…", file=sys.stderr)
    prefill = bench.prefill_throughput(512, 3, rng)
    print("  16 streams of 1024 tokens of context…", file=sys.stderr)
    long_decode = bench.decode_throughput(16, 1024, args.decode_steps, rng)
    rss_long = resident_mib()

    result = {
        "threads": args.threads, "loadSeconds": load, "residentMiBAfterLoad": rss_load,
        "decodeTokensPerSecond": decode, "prefillTokensPerSecond": prefill,
        "residentMiBWithLongContexts": rss_long, "longContextDecodeTokensPerSecond": long_decode,
        "llamaCppPython": llama_cpp.__version__,
    }
    print(f"llama.cpp (llama-cpp-python {llama_cpp.__version__}), {args.threads} threads")
    print(f"  load                     {load:8.2f} s")
    for streams, rate in decode.items():
        print(f"  decode {int(streams):2d} stream(s)      {rate:8.1f} tokens/s (aggregate)")
    print(f"  prefill 512 tokens       {prefill:8.1f} tokens/s")
    print(f"  decode 16 x 1024 context {long_decode:8.1f} tokens/s (aggregate)")
    print(f"  resident after load      {rss_load:8.1f} MiB")
    print(f"  resident, 16 x 1024 ctx  {rss_long:8.1f} MiB")
    if args.json:
        directory = os.path.dirname(os.path.abspath(args.json))
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as f:
            json.dump(result, f, indent=1, sort_keys=True)
        os.replace(f.name, args.json)


if __name__ == "__main__":
    main()
