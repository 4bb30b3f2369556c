#!/usr/bin/env python3
"""Tiny random-weight GGUFs of the Llama family's members, and an independent numpy reference of
their forward pass, for Tests/JITServeCPUTests/Fixtures/.

No weights of Llama 3.x, Qwen 2.5 or Mistral can be fetched here, so each architecture is checked
on a model of its exact shape in miniature (2 blocks, width 128, 4 query / 2 KV heads of 32),
written by the PyPI `gguf` package with Q8_0 matrices and F32 norms and biases:

  llama3   `llama` architecture, RoPE base 500000 scaled by a `rope_freqs.weight` tensor computed
           with Llama 3.1's "llama3" rule (as the GGUF converter writes it), byte-level BPE with
           the `llama-bpe` pre-tokenizer, <|eot_id|> as end of turn, Llama 3.2's chat template;
  qwen2    `qwen2` architecture: NeoX RoPE (halves), Q/K/V biases, base 1e6, tied embeddings,
           byte-level BPE with the `qwen2` pre-tokenizer, Qwen 2.5's chat template;
  mistral  `llama` architecture with `llama.attention.sliding_window` = 8 (prompts are longer),
           a SentencePiece BPE vocabulary with byte fallback (`llama` tokenizer model), Mistral
           v0.3's chat template.

Tokenizers are trained on a small inline corpus (HF `tokenizers` for byte-level BPE, the
`sentencepiece` library for SentencePiece). For each model and conversation, the reference
renders the prompt with jinja2 (Hugging Face's settings), tokenizes it with that library
(specials split off; for SentencePiece each text fragment gets its own ▁ prefix, as llama.cpp
does), and greedy-decodes with a plain fp32 numpy forward over the GGUF's own dequantised
tensors (float64 RoPE angles, one token at a time, contiguous KV cache). A seed is accepted only
when every greedy step beats the runner-up by at least 1e-3, so float rounding cannot flip a token.

Rebuild (from the repository root; seeds are fixed, output is deterministic):
  python3 -m venv .venv-ref && .venv-ref/bin/pip install gguf==0.19.0 numpy tokenizers==0.23.3 jinja2==3.1.6 sentencepiece
  .venv-ref/bin/python scripts/make_model_fixtures.py
"""
import io
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType
from gguf.quants import dequantize, quantize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chat_template_reference import environment  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "Tests/JITServeCPUTests/Fixtures"
CORPUS = """The capital of France is Paris. The capital of Italy is Rome, and Madrid is the capital of Spain.
Hello there! How are you today? I am fine, thank you. What is 2+2? It is 4, and 12 + 30 = 42.
def add(x, y):\n    return x + y  # add two numbers\n\nprint(add(1, 2))
Write a haiku about the sea: waves fold into foam, the tide keeps its slow promise, gulls argue with wind.
She's here, they're there, we've gone, I'm done, you'll see, he'd know. DON'T SHOUT! It's 1999, 2024-11-30.
Réponds en français: le café est très bon. Straße, naïve, résumé. 日本語のテキスト。 Emoji 🙂 🚀.
You are a helpful assistant. Answer briefly and truthfully. Explain what a CPU cache is in one sentence.
A list: first, second, third; numbers 3.14159 and 1,000,000. Tabs\tand\nnewlines\n\nand   spaces.
""" * 3
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")
CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "Answer briefly."},
     {"role": "user", "content": "Hello there!"},
     {"role": "assistant", "content": "Hi. How can I help?"},
     {"role": "user", "content": "Write a haiku about the sea, 2024."}],
]
VARIABLES = {"date_string": "26 Jul 2024"}
GREEDY_TOKENS = 16
SHAPE = dict(layers=2, width=128, heads=4, kv_heads=2, hidden=256, context=256)


# ---------------------------------------------------------------- tokenizers

def byte_level_bpe(pattern, specials, vocab_size=420):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator([CORPUS], trainer)
    tokenizer.add_special_tokens(specials)
    model = json.loads(tokenizer.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    vocabulary = sorted(tokenizer.get_vocab(with_added_tokens=True).items(), key=lambda kv: kv[1])
    assert [i for _, i in vocabulary] == list(range(len(vocabulary)))
    tokens = [t for t, _ in vocabulary]
    types = [3 if t in specials else 1 for t in tokens]

    def encode(text):
        return tokenizer.encode(text, add_special_tokens=False).ids
    return dict(tokens=tokens, types=types, merges=merges, encode=encode)


def sentencepiece_bpe(controls, vocab_size=640):
    import sentencepiece as spm
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS.splitlines()), model_writer=buffer, vocab_size=vocab_size,
        model_type="bpe", byte_fallback=True, character_coverage=1.0, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=True, control_symbols=controls,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2, num_threads=1)
    sp = spm.SentencePieceProcessor(model_proto=buffer.getvalue())
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        types.append(2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 6 if sp.is_byte(i) else 1)
    specials = {t: i for i, (t, k) in enumerate(zip(tokens, types)) if k == 3}

    def encode(text):
        # Specials split off; every text fragment gets its own ▁ prefix (llama.cpp's rule).
        ids, rest = [], text
        while rest:
            hits = [(rest.find(s), s) for s in specials if rest.find(s) >= 0]
            if not hits:
                ids += sp.encode(rest)
                break
            at, special = min(hits, key=lambda h: (h[0], -len(h[1])))
            if at > 0:
                ids += sp.encode(rest[:at])
            ids.append(specials[special])
            rest = rest[at + len(special):]
        return ids
    return dict(tokens=tokens, types=types, scores=scores, encode=encode)


# ---------------------------------------------------------------- weights

def llama3_frequency_factors(base, dimension, factor=8.0, low=1.0, high=4.0, original=8192):
    """Llama 3.1's RoPE scaling as per-frequency divisors (what convert_hf_to_gguf writes)."""
    low_wavelength, high_wavelength = original / low, original / high
    factors = []
    for i in range(0, dimension, 2):
        frequency = 1.0 / base ** (i / dimension)
        wavelength = 2 * math.pi / frequency
        if wavelength < high_wavelength:
            factors.append(1.0)
        elif wavelength > low_wavelength:
            factors.append(factor)
        else:
            smooth = (original / wavelength - low) / (high - low)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(factors, dtype=np.float32)


def write_model(path, family, spec, tokenizer, template, seed):
    rng = np.random.default_rng(seed)
    layers, width, heads, kv_heads, hidden, context = (SHAPE[k] for k in
                                                       ("layers", "width", "heads", "kv_heads", "hidden", "context"))
    head_dim = width // heads
    vocab = len(tokenizer["tokens"])
    arch = spec["arch"]
    writer = GGUFWriter(str(path), arch)
    writer.add_name(f"jitserve tiny random {family}")
    writer.add_block_count(layers)
    writer.add_context_length(context)
    writer.add_embedding_length(width)
    writer.add_feed_forward_length(hidden)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_freq_base(spec["rope_base"])
    writer.add_rope_dimension_count(head_dim)
    if spec.get("window"):
        writer.add_sliding_window(spec["window"])
    writer.add_tokenizer_model(spec["tokenizer_model"])
    if spec.get("pre"):
        writer.add_tokenizer_pre(spec["pre"])
    writer.add_token_list(tokenizer["tokens"])
    writer.add_token_types(tokenizer["types"])
    if "merges" in tokenizer:
        writer.add_token_merges(tokenizer["merges"])
    if "scores" in tokenizer:
        writer.add_token_scores(tokenizer["scores"])
    index = {t: i for i, t in enumerate(tokenizer["tokens"])}
    if spec.get("bos"):
        writer.add_bos_token_id(index[spec["bos"]])
    writer.add_eos_token_id(index[spec["eos"]])
    if spec.get("eot"):
        writer.add_eot_token_id(index[spec["eot"]])
    writer.add_add_bos_token(spec["add_bos"])
    writer.add_chat_template(template)

    def matrix(name, rows, columns, scale):
        values = (rng.standard_normal((rows, columns)) * scale).astype(np.float32)
        writer.add_tensor(name, quantize(values, GGMLQuantizationType.Q8_0), raw_dtype=GGMLQuantizationType.Q8_0)

    def vector(name, count, mean, scale):
        writer.add_tensor(name, (mean + rng.standard_normal(count) * scale).astype(np.float32))

    matrix("token_embd.weight", vocab, width, 1.0)
    for layer in range(layers):
        p = f"blk.{layer}."
        vector(p + "attn_norm.weight", width, 1.0, 0.1)
        matrix(p + "attn_q.weight", width, width, 0.15)
        matrix(p + "attn_k.weight", kv_heads * head_dim, width, 0.15)
        matrix(p + "attn_v.weight", kv_heads * head_dim, width, 0.15)
        if spec.get("bias"):
            vector(p + "attn_q.bias", width, 0.0, 0.5)
            vector(p + "attn_k.bias", kv_heads * head_dim, 0.0, 0.5)
            vector(p + "attn_v.bias", kv_heads * head_dim, 0.0, 0.5)
        matrix(p + "attn_output.weight", width, width, 0.1)
        vector(p + "ffn_norm.weight", width, 1.0, 0.1)
        matrix(p + "ffn_gate.weight", hidden, width, 0.1)
        matrix(p + "ffn_up.weight", hidden, width, 0.1)
        matrix(p + "ffn_down.weight", width, hidden, 0.1)
    vector("output_norm.weight", width, 1.0, 0.1)
    if not spec.get("tied"):
        matrix("output.weight", vocab, width, 0.5)
    if spec.get("rope_freqs"):
        writer.add_tensor("rope_freqs.weight", llama3_frequency_factors(spec["rope_base"], head_dim))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# ---------------------------------------------------------------- reference forward

class Reference:
    """fp32 numpy forward of ggml's Llama-family graph, one token at a time."""

    def __init__(self, path):
        r = GGUFReader(str(path))
        arch = r.fields["general.architecture"].contents()

        def field(key, default=None):
            return r.fields[key].contents() if key in r.fields else default
        self.layers = int(field(f"{arch}.block_count"))
        self.width = int(field(f"{arch}.embedding_length"))
        self.heads = int(field(f"{arch}.attention.head_count"))
        self.kv_heads = int(field(f"{arch}.attention.head_count_kv"))
        self.head_dim = self.width // self.heads
        self.eps = float(field(f"{arch}.attention.layer_norm_rms_epsilon"))
        self.base = float(field(f"{arch}.rope.freq_base"))
        self.window = field(f"{arch}.attention.sliding_window")
        self.neox = arch == "qwen2"
        self.t = {}
        for tensor in r.tensors:
            shape = tuple(int(d) for d in reversed(tensor.shape))
            self.t[tensor.name] = dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(shape)
        self.output = self.t.get("output.weight", self.t["token_embd.weight"])
        self.factors = self.t.get("rope_freqs.weight")

    def rmsnorm(self, x, w):
        return x / np.sqrt(np.mean(x.astype(np.float64) ** 2) + self.eps).astype(np.float32) * w

    def rope(self, x, pos):
        d = self.head_dim
        i = np.arange(d // 2, dtype=np.float64)
        theta = pos * self.base ** (-2.0 * i / d)
        if self.factors is not None:
            theta = theta / self.factors.astype(np.float64)
        cos, sin = np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)
        x = x.reshape(-1, d)
        if self.neox:  # pairs (i, i + d/2)
            a, b = x[:, : d // 2], x[:, d // 2:]
            return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
        x = x.reshape(-1, d // 2, 2)  # adjacent pairs
        a, b = x[..., 0], x[..., 1]
        return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(-1, d)

    def step(self, token, pos, cache):
        hd = self.head_dim
        x = self.t["token_embd.weight"][token].copy()
        group = self.heads // self.kv_heads
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.rmsnorm(x, self.t[p + "attn_norm.weight"])
            q, k, v = (self.t[p + f"attn_{n}.weight"] @ h for n in "qkv")
            if p + "attn_q.bias" in self.t:
                q, k, v = (a + self.t[p + f"attn_{n}.bias"] for a, n in zip((q, k, v), "qkv"))
            q, k = self.rope(q, pos), self.rope(k, pos)
            cache[l][0].append(k)
            cache[l][1].append(v.reshape(-1, hd))
            first = max(0, pos + 1 - self.window) if self.window else 0
            keys = np.stack(cache[l][0][first:])
            values = np.stack(cache[l][1][first:])
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
        return self.output @ self.rmsnorm(x, self.t["output_norm.weight"])


def greedy(model, prompt):
    cache = [([], []) for _ in range(model.layers)]
    logits = None
    for pos, token in enumerate(prompt):
        logits = model.step(token, pos, cache)
    first = logits.copy()
    tokens, margins, pos = [], [], len(prompt)
    for _ in range(GREEDY_TOKENS):
        order = np.argsort(-logits)
        tokens.append(int(order[0]))
        margins.append(float(logits[order[0]] - logits[order[1]]))
        logits = model.step(tokens[-1], pos, cache)
        pos += 1
    return tokens, margins, first


FAMILIES = {
    "llama3": dict(arch="llama", rope_base=500000.0, rope_freqs=True, tokenizer_model="gpt2", pre="llama-bpe",
                   pattern=LLAMA3_PATTERN, template="llama3.2.jinja", add_bos=True,
                   specials=["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                             "<|eot_id|>"],
                   bos="<|begin_of_text|>", eos="<|end_of_text|>", eot="<|eot_id|>"),
    "qwen2": dict(arch="qwen2", rope_base=1000000.0, bias=True, tied=True, tokenizer_model="gpt2", pre="qwen2",
                  pattern=QWEN2_PATTERN, template="qwen2.5.jinja", add_bos=False,
                  specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"], eos="<|im_end|>"),
    "mistral": dict(arch="llama", rope_base=1000000.0, window=8, tokenizer_model="llama",
                    template="mistral-v0.3.jinja", add_bos=True, controls=["[INST]", "[/INST]"],
                    bos="<s>", eos="</s>"),
}


def main():
    env = environment()
    for family, spec in FAMILIES.items():
        if spec["tokenizer_model"] == "gpt2":
            tokenizer = byte_level_bpe(spec["pattern"], spec["specials"])
        else:
            tokenizer = sentencepiece_bpe(spec["controls"])
        template = (FIXTURES / "templates" / spec["template"]).read_text()
        bos, eos = spec.get("bos", ""), spec["eos"]
        path = FIXTURES / f"tiny-{family}.gguf"
        for seed in range(1, 50):
            write_model(path, family, spec, tokenizer, template, seed)
            model = Reference(path)
            cases = []
            for messages in CONVERSATIONS:
                text = env.from_string(template).render(
                    messages=messages, add_generation_prompt=True, bos_token=bos, eos_token=eos, **VARIABLES)
                ids = tokenizer["encode"](text)
                if spec["add_bos"] and ids[:1] != [tokenizer["tokens"].index(bos)]:
                    ids = [tokenizer["tokens"].index(bos)] + ids
                tokens, margins, first = greedy(model, ids)
                top = np.argsort(-first)[:8]
                cases.append({"messages": messages, "prompt": text, "promptTokens": ids, "greedyTokens": tokens,
                              "minimumMargin": min(margins),
                              "topLogits": [{"token": int(t), "logit": float(first[t])} for t in top]})
            if min(c["minimumMargin"] for c in cases) >= 1e-3:
                break
            print(f"{family}: seed {seed} has a greedy step closer than 1e-3, trying the next", file=sys.stderr)
        fixture = {"family": family, "model": path.name, "seed": seed, "variables": VARIABLES,
                   "generator": "scripts/make_model_fixtures.py (numpy fp32 over gguf's dequantisation)",
                   "cases": cases}
        (FIXTURES / f"tiny-{family}.json").write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n")
        print(f"{family}: seed {seed}, {os.path.getsize(path)} bytes, vocabulary {len(tokenizer['tokens'])}, "
              f"prompts {[len(c['promptTokens']) for c in cases]} tokens, "
              f"smallest margin {min(c['minimumMargin'] for c in cases):.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
