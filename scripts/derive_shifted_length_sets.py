#!/usr/bin/env python3
"""Build the shifted evaluation sets for `jitserve predictor eval --online` from ../shared/data.

Usage (from the repository root, with the shared data checked out beside it):

    python3 scripts/derive_shifted_length_sets.py [--data ../shared/data] [--out .build/shifted-lengths]

Standard library only; deterministic (same input -> byte-identical output). Nothing it writes
is committed: the sets are for checking that online calibration holds when the served model's
answers differ from the ones the shipped forest learnt (ShareGPT, GPT-3.5).

Sets with prompt text keep the held-out ShareGPT prompts (fnv1a64(conv_id) % 10 == 0, never
trained on), in file order, and change only the answer length:
  sharegpt-x2.jsonl            every length x2                                   (longer)
  sharegpt-x0.5.jsonl          every length x0.5                                 (shorter)
  sharegpt-mixed.jsonl         prompts asking for code x2.5, all others x0.6     (both at once)
  sharegpt-azure-conv.jsonl    lengths mapped rank for rank onto the Azure 2023 conv trace's
                               output lengths (a different service's length distribution)
  sharegpt-drift.jsonl         the held-out rows as they are, then again x2      (a change mid-stream)
  sharegpt-vicuna.jsonl        length x (Vicuna-7B length / Alpaca reference length) of a
                               Sequence-Scheduling row of similar reference-length rank: how much
                               longer, and how noisily, another model answers the same prompt
  sharegpt-alpaca.jsonl        the inverse ratio (shorter, as noisy)
Sets without prompt text (the token-count forest and per-application lengths), in trace order:
  azure-conv.jsonl, azure-code.jsonl   first 3,000 requests of the Azure LLM inference trace 2023
  arxiv.jsonl                          first 3,000 rows of vidur's arXiv-summarization lengths
  sarathi-sharegpt.jsonl               first 3,000 rows of Sarathi's ShareGPT lengths (Llama-2 tokens)

Licences (../shared/data/README.md): Azure 2023 CC-BY-4.0, vidur MIT, Sarathi Apache-2.0,
ShareGPT as the shipped forest. The two Sequence-Scheduling sets (vicuna, alpaca) come from a
repository without a licence: use them locally only, never commit or ship them.
"""

import argparse
import csv
import json
import os
import random
import re

ROWS = 3000


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)  # nothing half-written on failure


def text_row(row, length):
    return {"id": row["conv_id"], "prompt": row["prompt"], "prompt_tokens": row["prompt_tokens_llama3"],
            "output_tokens": max(1, int(round(length)))}


CODE = re.compile(r"```|\b(code|function|python|javascript|sql|script|program|class|implement)\b", re.I)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--out", default=".build/shifted-lengths")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.data, "sharegpt/sharegpt_first_turn.jsonl"), encoding="utf-8") as f:
        sharegpt = [json.loads(line) for line in f if line.strip()]
    held = [r for r in sharegpt if fnv1a64(r["conv_id"]) % 10 == 0]
    lengths = [r["response_tokens_llama3"] for r in held]
    # Rank of each held-out length among them (ties by file order), as a fraction in [0, 1).
    order = sorted(range(len(held)), key=lambda k: (lengths[k], k))
    rank = [0.0] * len(held)
    for position, k in enumerate(order):
        rank[k] = position / len(held)

    def out(name):
        return os.path.join(args.out, name)

    write(out("sharegpt-x2.jsonl"), [text_row(r, 2 * r["response_tokens_llama3"]) for r in held])
    write(out("sharegpt-x0.5.jsonl"), [text_row(r, 0.5 * r["response_tokens_llama3"]) for r in held])
    write(out("sharegpt-mixed.jsonl"), [
        text_row(r, r["response_tokens_llama3"] * (2.5 if CODE.search(r["prompt"]) else 0.6)) for r in held])
    write(out("sharegpt-drift.jsonl"), [text_row(r, r["response_tokens_llama3"]) for r in held]
          + [text_row(r, 2 * r["response_tokens_llama3"]) for r in held])

    with open(os.path.join(args.data, "azure2023/AzureLLMInferenceTrace_conv.csv"), newline="") as f:
        conv = [(int(r["ContextTokens"]), int(r["GeneratedTokens"])) for r in csv.DictReader(f)]
    conv_lengths = sorted(o for _, o in conv if o >= 1)
    write(out("sharegpt-azure-conv.jsonl"), [
        text_row(r, conv_lengths[int(rank[k] * len(conv_lengths))]) for k, r in enumerate(held)])

    seqsched = os.path.join(args.data, "seqsched/alpaca-val-10k-length.json")
    if os.path.exists(seqsched):
        with open(seqsched) as f:
            pairs = sorted((max(1, r["L_gt"]), max(1, r["L_t0.7"])) for r in json.load(f))
        rng = random.Random(13)

        def ratio(k, inverse):
            centre = int(rank[k] * len(pairs))
            reference, vicuna = pairs[min(len(pairs) - 1, max(0, centre + rng.randrange(-100, 101)))]
            return reference / vicuna if inverse else vicuna / reference

        write(out("sharegpt-vicuna.jsonl"), [text_row(r, r["response_tokens_llama3"] * ratio(k, False)) for k, r in enumerate(held)])
        write(out("sharegpt-alpaca.jsonl"), [text_row(r, r["response_tokens_llama3"] * ratio(k, True)) for k, r in enumerate(held)])

    def lengths_only(name, pairs):
        write(out(name), [{"prompt_tokens": p, "output_tokens": o} for p, o in pairs if p >= 1 and o >= 1][:ROWS])

    lengths_only("azure-conv.jsonl", conv)
    with open(os.path.join(args.data, "azure2023/AzureLLMInferenceTrace_code.csv"), newline="") as f:
        lengths_only("azure-code.jsonl", [(int(r["ContextTokens"]), int(r["GeneratedTokens"])) for r in csv.DictReader(f)])
    with open(os.path.join(args.data, "vidur/processed_traces/arxiv_summarization_stats_llama2_tokenizer_filtered_v2.csv"), newline="") as f:
        lengths_only("arxiv.jsonl", [(int(r["num_prefill_tokens"]), int(r["num_decode_tokens"])) for r in csv.DictReader(f)])
    with open(os.path.join(args.data, "sarathi/sharegpt_8k_filtered_stats_llama2_tokenizer.csv"), newline="") as f:
        lengths_only("sarathi-sharegpt.jsonl", [(int(r["num_prefill_tokens"]), int(r["num_decode_tokens"])) for r in csv.DictReader(f)])
    print(f"wrote {len(os.listdir(args.out))} sets to {args.out}")


if __name__ == "__main__":
    main()
