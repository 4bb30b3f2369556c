#!/usr/bin/env python3
"""Rebuild the workload data shipped in Sources/JITServeSimulation/Resources.

Usage (from the repository root, with the shared data checked out beside it):

    python3 scripts/derive_workload_data.py [--data ../shared/data] [--out Sources/JITServeSimulation/Resources]

Standard library only; deterministic (same input -> byte-identical output).

What it writes, and from what (see Resources/README.md for licences and citations):
  azure2023/AzureLLMInferenceTrace_{conv,code}.csv   copied whole (CC-BY-4.0)
  tot_game24/tot_game24_calls_summary_api.csv        the ToT summary plus n_value_api_calls (MIT)
  parrot_metagpt/metagpt_calls_summary.csv           copied whole (MIT)
  sharegpt/sharegpt_first_turn_heldout.jsonl         held-out rows of sharegpt_first_turn.jsonl
  sharegpt/sharegpt_turn_lengths_heldout.csv         held-out rows of sharegpt_turn_lengths.csv

"Held out" means fnv1a64(conv_id) % 10 == 0 (FNV-1a, 64-bit, over the UTF-8 bytes of conv_id).
The output-length predictor trains on the other rows, so a simulation that replays these prompts
never evaluates the predictor on its own training data.
"""

import argparse
import csv
import io
import json
import os
import shutil
import tempfile

MAX_PROMPT_ROWS = 2000
MAX_PROMPT_CHARS = 2000


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def is_held_out(conv_id: str) -> bool:
    return fnv1a64(conv_id) % 10 == 0


def write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def copy_whole(src: str, dst: str) -> None:
    with open(src, "rb") as f:
        write_atomically(dst, f.read())


def derive_first_turn(src: str, dst: str) -> int:
    """Held-out first turns with text: prompt (first MAX_PROMPT_CHARS characters), token counts.

    prompt_tokens counts the *whole* prompt (Llama-3 tokenizer) even when the text is cut: the
    simulator prefills the real length; the cut only bounds the repository's size. Rows with a
    zero-token prompt or response (7 of 11,135 in the source) are dropped: a request must
    generate at least one token. Rows keep the source order; the first MAX_PROMPT_ROWS are kept.
    """
    out = io.StringIO()
    kept = 0
    with open(src, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if not is_held_out(row["conv_id"]):
                continue
            prompt_tokens = int(row["prompt_tokens_llama3"])
            output_tokens = int(row["response_tokens_llama3"])
            if prompt_tokens <= 0 or output_tokens <= 0:
                continue
            record = {
                "conv_id": row["conv_id"],
                "prompt": row["prompt"][:MAX_PROMPT_CHARS],
                "prompt_tokens": prompt_tokens,
                "output_tokens": output_tokens,
            }
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            kept += 1
            if kept == MAX_PROMPT_ROWS:
                break
    write_atomically(dst, out.getvalue().encode("utf-8"))
    return kept


def derive_turn_lengths(src: str, dst: str) -> int:
    """Held-out rows of the ShareGPT turn-length table, columns unchanged, zero lengths dropped."""
    out = io.StringIO()
    kept = 0
    with open(src, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        out.write(",".join(header) + "\n")
        conv = header.index("conv_id")
        prompt = header.index("prompt_tokens_llama3")
        response = header.index("response_tokens_llama3")
        for row in reader:
            if not is_held_out(row[conv]):
                continue
            if int(row[prompt]) <= 0 or int(row[response]) <= 0:
                continue
            out.write(",".join(row) + "\n")
            kept += 1
    write_atomically(dst, out.getvalue().encode("utf-8"))
    return kept


def value_cache_key(x: str, y: str):
    """The prompt ToT's game-24 task would send to value candidate `y` (what its cache is keyed
    by): the remaining numbers, or the input and answer line on the last step."""
    last_line = y.strip().split("\n")[-1]
    if "left: " not in last_line:
        return ("last", x, last_line)
    return ("numbers", last_line.split("left: ")[-1].split(")")[0])


def derive_tot(summary: str, log: str, dst: str) -> None:
    """Adds `n_value_api_calls` to the ToT summary: the value calls the run really sent.

    `n_value_calls` is |new_ys|, but ToT's BFS skips a candidate already seen in the same step
    (it scores it 0) and answers repeated value prompts from `task.value_cache`, which lives on
    the task object and so spans all 100 tasks of the run, in order. Replaying that over the
    logged `new_ys` gives the calls that reached the API. Per-task token totals then fit
    prompt = a*propose + b*value and completion = c*propose + d*value by least squares; the
    fitted weights (printed here) are the ones TreeOfThoughtsTrace splits each total by.
    """
    with open(log, encoding="utf-8") as f:
        tasks = json.load(f)
    cache = set()
    api_calls = {}
    for task in tasks:
        for step in task["steps"]:
            seen = set()
            count = 0
            for y in step["new_ys"]:
                if y in seen:
                    continue
                seen.add(y)
                key = value_cache_key(step["x"], y)
                if key in cache:
                    continue
                cache.add(key)
                count += 1
            api_calls[(task["idx"], step["step"])] = count
    out = io.StringIO()
    per_task = {}
    with open(summary, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames + ["n_value_api_calls"]
        out.write(",".join(fields) + "\n")
        for row in reader:
            n = api_calls[(int(row["task_idx"]), int(row["step"]))]
            row["n_value_api_calls"] = str(n)
            out.write(",".join(row[k] for k in fields) + "\n")
            t = per_task.setdefault(row["task_idx"], [0, 0, int(row["task_prompt_tokens"]),
                                                      int(row["task_completion_tokens"])])
            t[0] += int(row["n_propose_calls"])
            t[1] += n
    write_atomically(dst, out.getvalue().encode("utf-8"))
    rows = list(per_task.values())
    for column, name in ((2, "prompt"), (3, "completion")):
        # Normal equations of y = a*p + b*v (no intercept), solved in closed form.
        spp = sum(r[0] * r[0] for r in rows)
        spv = sum(r[0] * r[1] for r in rows)
        svv = sum(r[1] * r[1] for r in rows)
        spy = sum(r[0] * r[column] for r in rows)
        svy = sum(r[1] * r[column] for r in rows)
        det = spp * svv - spv * spv
        a = (spy * svv - svy * spv) / det
        b = (svy * spp - spy * spv) / det
        mean = sum(r[column] for r in rows) / len(rows)
        residual = sum((r[column] - a * r[0] - b * r[1]) ** 2 for r in rows)
        total = sum((r[column] - mean) ** 2 for r in rows)
        print(f"ToT {name} tokens per call: propose {a:.1f}, value {b:.1f} (R^2 {1 - residual / total:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--out", default="Sources/JITServeSimulation/Resources")
    args = parser.parse_args()
    d, o = args.data, args.out

    for name in ("AzureLLMInferenceTrace_conv.csv", "AzureLLMInferenceTrace_code.csv"):
        copy_whole(os.path.join(d, "azure2023", name), os.path.join(o, "azure2023", name))
    derive_tot(os.path.join(d, "tot_game24", "tot_game24_calls_summary.csv"),
               os.path.join(d, "tot_game24", "gpt-4_0.7_propose1_value3_greedy5_start900_end1000.json"),
               os.path.join(o, "tot_game24", "tot_game24_calls_summary_api.csv"))
    copy_whole(os.path.join(d, "parrot_metagpt", "metagpt_calls_summary.csv"),
               os.path.join(o, "parrot_metagpt", "metagpt_calls_summary.csv"))
    n1 = derive_first_turn(os.path.join(d, "sharegpt", "sharegpt_first_turn.jsonl"),
                           os.path.join(o, "sharegpt", "sharegpt_first_turn_heldout.jsonl"))
    n2 = derive_turn_lengths(os.path.join(d, "sharegpt", "sharegpt_turn_lengths.csv"),
                             os.path.join(o, "sharegpt", "sharegpt_turn_lengths_heldout.csv"))
    print(f"first turns (held out, with text): {n1} rows; turn lengths (held out): {n2} rows")


if __name__ == "__main__":
    main()
