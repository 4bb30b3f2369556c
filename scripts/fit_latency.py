#!/usr/bin/env python3
"""Fit jitserve's GPU iteration-time model to public profiling data and write it as Swift.

Usage (from the repository root, with the shared data checked out beside it):

    python3 scripts/fit_latency.py --data ../shared/data

Writes Sources/JITServeSimulation/Latency/LatencyTables+Generated.swift and
Sources/JITServeSimulation/Latency/README.md (each through a temporary file and a rename), and
prints the held-out errors. Needs numpy only. Deterministic (fixed hold-out seed).

The model (per iteration, microseconds), mirrored exactly by LatencyModel.swift:

    dense(T)                 linear layers + norms/elementwise of every layer + embedding, T = tokens
  + lmHead(S)                logits for the S sequences that sample a token
  + 2 * layers * allReduce(T)  (tensor parallelism > 1 only)
  + layers * attention(batch)  base + sum of per-prefill-chunk terms + one decode term
  + sampler(S)               s0 + s1 * S
  + swap bytes / host-link bandwidth

Each table is fitted on 80% of its profile rows and scored on the other 20% (MAPE); the shipped
tables are then refitted on all rows.
"""

import argparse
import csv
import json
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_latency_output import write_readme, write_swift  # noqa: E402  (the writers, beside this file)

SEED = 20240607
HOLDOUT = 0.2

FINE_STEP, FINE_MAX = 8, 512
COARSE_STEP, COARSE_MAX = 64, 8192
LMHEAD_MAX = 1024  # sequences per iteration covered by the lm-head table

# Nominal figures used where a term is derived rather than measured (each is named in the README).
GPU_MEMORY_MIB = {"a100": 81920, "h100": 81559}  # nvidia-smi total for A100-SXM4-80GB / H100-SXM5-80GB

MODELS = {
    # name: layers, hidden, intermediate, q heads, kv heads, head dim, vocab, params, max length
    "llama-3.1-8b": dict(layers=32, hidden=4096, ffn=14336, qHeads=32, kvHeads=8, headDim=128,
                         vocab=128256, params=8_030_261_248, maxLen=131072),
    "llama-3-70b": dict(layers=80, hidden=8192, ffn=28672, qHeads=64, kvHeads=8, headDim=128,
                        vocab=128256, params=70_553_706_496, maxLen=8192),
}


def die(msg):
    print(f"fit_latency.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


# Columns each kind of profile file must have (by file name), checked before any row is used.
REQUIRED_COLUMNS = {
    "mlp.csv": ["num_tokens", "num_tensor_parallel_workers"]
    + [f"time_stats.{o}.median" for ops in ("attn_pre_proj attn_post_proj mlp_up_proj mlp_act mlp_down_proj "
                                          "input_layernorm post_attention_layernorm attn_rope add emb",)
       for o in ops.split()],
    "layers.csv": ["layer_name", "input", "latency(ns)"],
    "all_reduce.csv": ["size", "num_workers", "devices_per_node", "time_stats.all_reduce.median"],
    "dense.csv": ["layer", "tokens", "time_us"],
    "per_sequence.csv": ["layer", "sequences", "time_us"],
    "perf_model.csv": ["model", "hardware", "prompt_size", "batch_size", "token_size", "prompt_time",
                       "token_time", "tensor_parallel"],
}
REQUIRED_ATTENTION = {
    "perf": ["prefill_chunk", "kv_prefill", "n_decode", "kv_decode", "time_us"],
    "v0": ["is_prefill", "kv_cache_size", "prefill_chunk_size", "batch_size",
           "time_stats.attn_prefill.median", "time_stats.attn_decode.median"],
}


def read_csv(path):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            rows = list(reader)
    except OSError as e:
        die(f"cannot read {path}: {e}")
    name = os.path.basename(path)
    required = REQUIRED_COLUMNS.get(name) or (
        REQUIRED_ATTENTION["v0" if "/v0/" in path else "perf"] if name == "attention.csv" else [])
    for column in required:
        if column not in header:
            die(f"{path}:1: missing column '{column}'")
    if not rows:
        die(f"{path}: no data rows")
    for line, row in enumerate(rows, start=2):
        if any(row.get(c) in (None, "") for c in required if not c.startswith("time_stats.attn_")):
            die(f"{path}:{line}: empty value in a required column")
    return rows


def mape(pred, meas):
    pred, meas = np.asarray(pred, float), np.asarray(meas, float)
    return float(np.mean(np.abs(pred - meas) / meas) * 100)


def split(keys, rng):
    """Deterministic 80/20 split of distinct keys."""
    keys = sorted(set(keys))
    idx = rng.permutation(len(keys))
    n_out = max(1, int(round(len(keys) * HOLDOUT)))
    out = {keys[i] for i in idx[:n_out]}
    return [k for k in keys if k not in out], sorted(out)


# ----------------------------------------------------------------------------------------------
# Token-indexed tables: value at 0, then every FINE_STEP to FINE_MAX, then every COARSE_STEP to
# COARSE_MAX, then a straight line (tailSlope per token). Lookup is O(1).

def grid(max_x=COARSE_MAX):
    fine = list(range(0, FINE_MAX + 1, FINE_STEP))
    coarse = list(range(FINE_MAX + COARSE_STEP, max_x + 1, COARSE_STEP))
    return fine, coarse


def build_table(xs, ys, max_x=COARSE_MAX):
    """Interpolate measured (x, y) onto the grid; extrapolate past the data linearly with the slope
    of its top quarter; force the table non-decreasing (more tokens never take less time)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    top = xs >= xs[0] + 0.75 * (xs[-1] - xs[0])
    slope = float(np.polyfit(xs[top], ys[top], 1)[0]) if top.sum() >= 2 else 0.0
    slope = max(slope, 0.0)
    fine, coarse = grid(max_x)
    nodes = np.array(fine + coarse, float)
    vals = np.interp(np.maximum(nodes, xs[0]), xs, ys)
    beyond = nodes > xs[-1]
    vals[beyond] = ys[-1] + slope * (nodes[beyond] - xs[-1])
    vals = np.maximum.accumulate(vals)
    return dict(fine=vals[: len(fine)].tolist(), coarse=vals[len(fine):].tolist(), tailSlope=slope,
                maxX=max_x)


def lookup(table, x):
    """Mirror of TokenTable.value(at:) in Swift."""
    fine, coarse = table["fine"], table["coarse"]
    if x <= FINE_MAX:
        i = int(x // FINE_STEP)
        if i >= len(fine) - 1:
            return fine[-1]
        f = (x - i * FINE_STEP) / FINE_STEP
        return fine[i] + (fine[i + 1] - fine[i]) * f
    last = table["maxX"]
    if x >= last:
        return coarse[-1] + table["tailSlope"] * (x - last)
    j = (x - FINE_MAX) / COARSE_STEP  # 0 ..< len(coarse)
    i = int(j)
    lo = fine[-1] if i == 0 else coarse[i - 1]
    return lo + (coarse[i] - lo) * (j - i)


def fit_table_with_holdout(series, rng, max_x=COARSE_MAX):
    """series: {x: [y, ...]} (medians of repeated rows). Returns (table on all rows, held-out MAPE)."""
    xs = sorted(series)
    train, test = split(xs, rng)
    med = {x: float(np.median(series[x])) for x in xs}
    t_train = build_table(train, [med[x] for x in train], max_x)
    err = mape([lookup(t_train, x) for x in test], [med[x] for x in test])
    return build_table(xs, [med[x] for x in xs], max_x), err, len(xs)


# ----------------------------------------------------------------------------------------------
# Dense-op profiles

VIDUR_GROUPS = {
    "attentionProjections": ["attn_pre_proj", "attn_post_proj"],
    "mlp": ["mlp_up_proj", "mlp_act", "mlp_down_proj"],
    "normsAndElementwise": ["input_layernorm", "post_attention_layernorm", "attn_rope", "add"],
    "embedding": ["emb"],
}
LLMSS_GROUPS = {
    "attentionProjections": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "mlp": ["gate_proj", "up_proj", "act_fn", "down_proj"],
    "normsAndElementwise": ["input_layernorm", "post_layernorm", "rope"],
    "embedding": ["embedding", "final_layernorm"],
}


def vidur_series(path, tp):
    """{group: {tokens: [µs...]}} from a vidur mlp.csv (times in ms)."""
    out = {g: {} for g in VIDUR_GROUPS}
    for r in read_csv(path):
        if int(r["num_tensor_parallel_workers"]) != tp:
            continue
        n = int(r["num_tokens"])
        for g, ops in VIDUR_GROUPS.items():
            out[g].setdefault(n, []).append(1000 * sum(float(r[f"time_stats.{o}.median"]) for o in ops))
    if not out["mlp"]:
        die(f"{path}: no rows with num_tensor_parallel_workers={tp}")
    return out


def llmss_layers(path):
    """{layer_name: {tokens: µs}} from an LLMServingSim v0 layers.csv (latency in ns)."""
    out = {}
    for r in read_csv(path):
        out.setdefault(r["layer_name"], {})[int(r["input"])] = float(r["latency(ns)"]) / 1000
    return out


def llmss_series(path):
    layers = llmss_layers(path)
    out = {}
    for g, ops in LLMSS_GROUPS.items():
        toks = sorted(set.intersection(*(set(layers[o]) for o in ops)))
        out[g] = {n: [sum(layers[o][n] for o in ops)] for n in toks}
    return out, layers


def fit_dense(series, rng):
    tables, errs, counts = {}, {}, {}
    for g in VIDUR_GROUPS:
        tables[g], errs[g], counts[g] = fit_table_with_holdout(series[g], rng)
    return tables, errs, counts


# ----------------------------------------------------------------------------------------------
# Attention: one joint linear model over LLMServingSim's RTX PRO 6000 mixed prefill+decode profile
# of Llama-3.1-8B (per layer, µs):
#   t = base + Σ_prefill (p_kv·kv + p_c·c + p_ckv·c·kv + p_cc·c²) + d_n·n + d_K·K + d_sqrtK·√K
# where c/kv are a prefill chunk and its prior context, n the decode count, K their total KV.

def attention_features(c, kvp, n, kvd):
    has_p = (c > 0).astype(float)
    K = n * kvd
    return np.stack([np.ones_like(c), has_p * kvp, c, c * kvp, c * c, n, K, np.sqrt(K)], 1)


def nonneg_relative_lstsq(X, t):
    """Least squares on relative error with non-negative coefficients (active-set elimination,
    numpy only): a negative coefficient would break monotonicity, so its feature is dropped."""
    w = 1 / t
    active = list(range(X.shape[1]))
    while True:
        co, *_ = np.linalg.lstsq(X[:, active] * w[:, None], t * w, rcond=None)
        if (co >= 0).all():
            full = np.zeros(X.shape[1])
            full[active] = co
            return full
        active.pop(int(np.argmin(co)))


def fit_attention(path, rng):
    """Prefill terms are fitted on the prefill-only rows, decode terms on the decode-only rows (80%
    of each; the other 20% scores them). The mixed prefill+decode rows are never fitted: they test
    the additive composition (one shared base + prefill part + decode part)."""
    rows = read_csv(path)
    a = np.array([[float(r[k]) for k in ("prefill_chunk", "kv_prefill", "n_decode", "kv_decode", "time_us")]
                  for r in rows])
    c, kvp, n, kvd, t = a.T
    X = attention_features(c, kvp, n, kvd)
    pre, dec, mix = (n == 0) & (c > 0), (c == 0) & (n > 0), (n > 0) & (c > 0)
    pcols, dcols = [0, 1, 2, 3, 4], [0, 5, 6, 7]
    errs, co = {}, np.zeros(X.shape[1])
    co_train = np.zeros(X.shape[1])
    for name, mask, cols in (("prefill-only", pre, pcols), ("decode-only", dec, dcols)):
        idx = np.flatnonzero(mask)
        perm = rng.permutation(len(idx))
        test = idx[perm[: int(round(len(idx) * HOLDOUT))]]
        train = np.setdiff1d(idx, test)
        ctr = nonneg_relative_lstsq(X[train][:, cols], t[train])
        errs[name] = mape(X[test][:, cols] @ ctr, t[test])
        call = nonneg_relative_lstsq(X[idx][:, cols], t[idx])
        for i, j in enumerate(cols[1:], 1):
            co[j], co_train[j] = call[i], ctr[i]
        co[0] = max(co[0], call[0])  # one kernel launch floor: the larger of the two intercepts
        co_train[0] = max(co_train[0], ctr[0])
    errs["mixed, plain sum of the two parts (never fitted)"] = mape(X[mix] @ co, t[mix])
    # In one fused varlen kernel the decodes cost more than alone (plain sum under-predicts mixed
    # rows by ~23% at the median): fit one non-negative factor on the decode part, 80/20 on mixed rows.
    idx = np.flatnonzero(mix)
    perm = rng.permutation(len(idx))
    test, train = idx[perm[: int(round(len(idx) * HOLDOUT))]], idx[perm[int(round(len(idx) * HOLDOUT)):]]
    decode_part = X[:, dcols[1:]] @ co[dcols[1:]]
    gamma = lambda rows: max(0.0, float(np.linalg.lstsq((decode_part[rows] / t[rows])[:, None],
                                                         (t[rows] - X[rows] @ co) / t[rows], rcond=None)[0][0]))
    g_train = gamma(train)
    errs["mixed, with the fitted decode penalty"] = mape(X[test] @ co + g_train * decode_part[test], t[test])
    counts = {"prefill-only": int(pre.sum()), "decode-only": int(dec.sum()), "mixed": int(mix.sum())}
    return np.append(co, gamma(idx)), errs, counts


# ----------------------------------------------------------------------------------------------

def allreduce_table(path, workers, hidden, rng):
    rows = [r for r in read_csv(path)
            if int(r["num_workers"]) == workers and int(r["devices_per_node"]) == workers]
    if not rows:
        die(f"{path}: no all_reduce rows for {workers} workers on one node")
    size = np.array([float(r["size"]) for r in rows])
    us = np.array([1000 * float(r["time_stats.all_reduce.median"]) for r in rows])
    order = np.argsort(size)
    size, us = size[order], us[order]
    train, test = split(range(len(size)), rng)
    train, test = np.array(train), np.array(test)

    def predict(sz_train, us_train, sz):
        return np.exp(np.interp(np.log(sz), np.log(sz_train), np.log(us_train)))

    err = mape(predict(size[train], us[train], size[test]), us[test])
    # Re-express over tokens: one all-reduce moves tokens × hidden × 2 bytes (bf16).
    tok = size / (hidden * 2)
    series = {}
    for x, y in zip(tok, us):
        series.setdefault(float(x), []).append(y)
    xs = sorted(series)
    xs_arr = np.array(xs)
    ys_arr = np.array([np.median(series[x]) for x in xs])
    fine, coarse = grid()
    nodes = np.array(fine + coarse, float)
    vals = np.exp(np.interp(np.log(np.maximum(nodes, xs_arr[0])), np.log(xs_arr), np.log(ys_arr)))
    vals = np.maximum.accumulate(vals)
    top = xs_arr >= 0.75 * xs_arr[-1]
    slope = max(float(np.polyfit(xs_arr[top], ys_arr[top], 1)[0]), 0.0)
    tbl = dict(fine=vals[: len(fine)].tolist(), coarse=vals[len(fine):].tolist(), tailSlope=slope,
               maxX=COARSE_MAX)
    return tbl, err, len(size)


def sampler_fit(path):
    rows = [r for r in read_csv(path) if r["layer"] == "sampler"]
    s = np.array([float(r["sequences"]) for r in rows])
    t = np.array([float(r["time_us"]) for r in rows])
    co = np.polyfit(s, t, 1)
    return float(co[1]), max(float(co[0]), 0.0), mape(np.polyval(co, s), t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data", help="the shared data directory")
    ap.add_argument("--out", default="Sources/JITServeSimulation/Latency", help="output directory")
    args = ap.parse_args()
    D = args.data
    if not os.path.isdir(D):
        die(f"--data {D}: not a directory")
    rng = np.random.default_rng(SEED)
    report = {"dense": {}, "checks": {}}

    vid = lambda gpu, m: f"{D}/vidur/profiling/compute/{gpu}/meta-llama/{m}/mlp.csv"
    llm = lambda m, tp: f"{D}/llmservingsim/v0/perf_models/H100/meta-llama/{m}/tp{tp}/layers.csv"
    rtx = f"{D}/llmservingsim/perf/RTXPRO6000/meta-llama/Llama-3.1-8B/bf16/tp1"

    # --- dense tables -------------------------------------------------------------------------
    dense_src = {
        ("llama-3.1-8b", "a100"): ("vidur", vid("a100", "Meta-Llama-3-8B"), 1),
        ("llama-3-70b", "a100"): ("vidur", vid("a100", "Meta-Llama-3-70B"), 4),
        ("llama-3.1-8b", "h100"): ("llmss", llm("Llama-3.1-8B", 1), 1),
        # Llama-2-70B has Llama-3-70B's layer shapes (8192 hidden, 28672 FFN, 64 q / 8 kv heads);
        # only the vocabulary differs, and the lm-head term below uses Llama-3's.
        ("llama-3-70b", "h100"): ("vidur", vid("h100", "Llama-2-70b-hf"), 4),
    }
    dense, llmss_cache = {}, {}
    for key, (kind, path, tp) in dense_src.items():
        if kind == "vidur":
            series = vidur_series(path, tp)
        else:
            series, llmss_cache[key] = llmss_series(path)
        tables, errs, counts = fit_dense(series, rng)
        dense[key] = dict(tables=tables, source=path.replace(D + "/", ""), tp=tp, series=series)
        report["dense"]["/".join(key)] = {g: (errs[g], counts[g]) for g in errs}

    # Cross-source check: vidur Llama-2-70B H100 TP4 vs LLMServingSim Llama-3.1-70B H100 TP4 dense ops.
    ls70, _ = llmss_series(llm("Llama-3.1-70B", 4))
    v70 = dense[("llama-3-70b", "h100")]["tables"]
    xs = [x for x in sorted(ls70["mlp"]) if x in (1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)]
    per_layer_ls = [sum(ls70[g][x][0] for g in ("attentionProjections", "mlp", "normsAndElementwise")) for x in xs]
    per_layer_v = [sum(lookup(v70[g], x) for g in ("attentionProjections", "mlp", "normsAndElementwise")) for x in xs]
    report["checks"]["dense 70B TP4 H100: vidur(Llama-2-70B) vs LLMServingSim(Llama-3.1-70B), MAPE %"] = \
        mape(per_layer_v, per_layer_ls)

    # --- measured hardware ratios (same Llama-3.1-8B gate+up GEMM on each GPU) ----------------
    rtx_dense = {}
    for r in read_csv(f"{rtx}/dense.csv"):
        rtx_dense.setdefault(r["layer"], {})[int(r["tokens"])] = float(r["time_us"])
    h8 = llmss_cache[("llama-3.1-8b", "h100")]
    a8 = dense[("llama-3.1-8b", "a100")]["series"]

    def a100_up(n):
        rows = [float(r["time_stats.mlp_up_proj.median"]) * 1000 for r in read_csv(vid("a100", "Meta-Llama-3-8B"))
                if int(r["num_tokens"]) == n and r["num_tensor_parallel_workers"] == "1"]
        return float(np.median(rows))

    small = [1, 2, 4, 8, 16]
    large = [1024, 2048]
    bw = {"rtx": np.mean([rtx_dense["gate_up_proj"][n] for n in small]),
          "h100": np.mean([h8["gate_proj"][n] + h8["up_proj"][n] for n in small]),
          "a100": np.mean([a100_up(n) for n in small])}
    fl = {"rtx": np.mean([rtx_dense["gate_up_proj"][n] for n in large]),
          "h100": np.mean([h8["gate_proj"][n] + h8["up_proj"][n] for n in large]),
          "a100": np.mean([a100_up(n) for n in large])}
    # Time ratio target/RTX: < 1 means the target GPU is faster.
    ratio = {g: dict(bandwidth=float(bw[g] / bw["rtx"]), compute=float(fl[g] / fl["rtx"])) for g in ("a100", "h100")}
    report["ratios"] = ratio

    # --- attention -----------------------------------------------------------------------------
    att_co, att_err, att_counts = fit_attention(f"{rtx}/attention.csv", rng)
    report["attention"] = (att_err, att_counts, att_co.tolist())

    # --- sampler (per-iteration overhead) -------------------------------------------------------
    s0, s1, s_err = sampler_fit(f"{rtx}/per_sequence.csv")
    report["sampler"] = (s0, s1, s_err)

    # --- lm head ----------------------------------------------------------------------------------
    lm = {}
    for key, mdl in (("llama-3.1-8b", "Llama-3.1-8B"), ("llama-3-70b", "Llama-3.1-70B")):
        tp = 1 if key == "llama-3.1-8b" else 4
        layers = llmss_cache.get((key, "h100")) or llmss_layers(llm(mdl, tp))
        series = {x: [y] for x, y in layers["lm_head"].items() if x <= 2048}
        tbl, err, cnt = fit_table_with_holdout(series, rng, max_x=2048)
        lm[(key, "h100")] = tbl
        report["dense"][f"{key}/h100"]["lmHead"] = (err, cnt)
    # A100: no lm-head profile. Derive it from the same GPU's fused gate+up GEMM (same K = hidden),
    # scaled by output width: vocab/TP over 2·ffn/TP.
    for key in ("llama-3.1-8b", "llama-3-70b"):
        m = MODELS[key]
        width = m["vocab"] / (2 * m["ffn"])
        path = dense_src[(key, "a100")][1]
        tp = dense_src[(key, "a100")][2]
        series = {}
        for r in read_csv(path):
            if int(r["num_tensor_parallel_workers"]) == tp and int(r["num_tokens"]) <= 2048:
                series.setdefault(int(r["num_tokens"]), []).append(1000 * float(r["time_stats.mlp_up_proj.median"]) * width)
        lm[(key, "a100")] = build_table(sorted(series), [float(np.median(series[x])) for x in sorted(series)], 2048)
    # Check the derivation where both exist (H100): LLMServingSim gate+up × width vs its lm_head.
    for key, mdl, tp in (("llama-3.1-8b", "Llama-3.1-8B", 1), ("llama-3-70b", "Llama-3.1-70B", 4)):
        L = llmss_layers(llm(mdl, tp))
        m = MODELS[key]
        width = m["vocab"] / (2 * m["ffn"])
        xs = [x for x in sorted(L["lm_head"]) if x in (1, 8, 32, 64, 128, 256, 512, 1024, 2048)]
        report["checks"][f"lm-head derivation on H100 {key} TP{tp}: width-scaled gate+up vs measured lm_head, MAPE %"] = \
            mape([(L["gate_proj"][x] + L["up_proj"][x]) * width for x in xs], [L["lm_head"][x] for x in xs])

    # --- all-reduce -------------------------------------------------------------------------------
    ar = {}
    for gpu in ("a100", "h100"):
        tbl, err, cnt = allreduce_table(f"{D}/vidur/profiling/network/{gpu}_dgx/all_reduce.csv", 4,
                                        MODELS["llama-3-70b"]["hidden"], rng)
        ar[gpu] = tbl
        report["dense"][f"llama-3-70b/{gpu}"]["allReduce"] = (err, cnt)

    # --- assemble profiles -------------------------------------------------------------------------
    profiles = {}
    for (key, gpu), d in dense.items():
        m = MODELS[key]
        tp = d["tp"]
        heads_q = m["qHeads"] / tp / 32  # relative to the profiled 8B (32 q heads, TP1)
        kv_scale = m["kvHeads"] / tp / 8  # KV bytes per token per GPU relative to the profiled 8B
        r = ratio[gpu]
        base = att_co[0]
        att = dict(
            base=base,
            prefillContext=att_co[1] * heads_q * r["compute"],
            prefillTokens=att_co[2] * heads_q * r["compute"],
            prefillProduct=att_co[3] * heads_q * r["compute"],
            prefillSquare=att_co[4] * heads_q * r["compute"],
            decodeSequences=att_co[5] * r["bandwidth"],
            decodeContext=att_co[6] * kv_scale * r["bandwidth"],
            decodeContextSqrt=att_co[7] * math.sqrt(kv_scale) * r["bandwidth"],
            mixedDecodePenalty=att_co[8],
        )
        profiles[(key, gpu)] = dict(
            model=key, gpu=gpu, tp=tp, dense=d["tables"], denseSource=d["source"], lmHead=lm[(key, gpu)],
            allReduce=ar[gpu] if tp > 1 else None, attention=att, samplerBase=s0, samplerPerSequence=s1,
        )

    # Cross-source check: derived H100 70B-TP4 attention vs LLMServingSim's measured H100 rows.
    att_rows = read_csv(f"{D}/llmservingsim/v0/perf_models/H100/meta-llama/Llama-3.1-70B/tp4/attention.csv")
    a = profiles[("llama-3-70b", "h100")]["attention"]
    pp, pm, dp, dm, dps, dms = [], [], [], [], [], []
    for r0 in att_rows:
        kv = float(r0["kv_cache_size"])
        if r0["is_prefill"] == "True":
            c = float(r0["prefill_chunk_size"])
            pp.append(attention_us(a, [(c, kv)], 0, 0.0))
            pm.append(1000 * float(r0["time_stats.attn_prefill.median"]))
        else:
            b = float(r0["batch_size"])
            v = attention_us(a, [], b, b * kv)
            meas = 1000 * float(r0["time_stats.attn_decode.median"])
            dp.append(v); dm.append(meas)
            if 2 <= b <= 32:
                dps.append(v); dms.append(meas)
    report["checks"]["attention H100 70B TP4, derived vs LLMServingSim measured prefill rows, MAPE %"] = mape(pp, pm)
    report["checks"]["attention H100 70B TP4, derived vs LLMServingSim measured decode rows (all), MAPE %"] = mape(dp, dm)
    report["checks"]["attention H100 70B TP4, derived vs LLMServingSim measured decode rows (batch 2-32), MAPE %"] = mape(dps, dms)

    # --- whole-iteration validation against splitwise_sim (Llama2-70B, TP4) ------------------------
    report["splitwise"] = {}
    sw = read_csv(f"{D}/splitwise_sim/perf_model.csv")
    for gpu, hw in (("a100", "a100-80gb"), ("h100", "h100-80gb")):
        P = profiles[("llama-3-70b", gpu)]
        groups = {}
        for r0 in sw:
            if r0["model"] != "llama2-70b" or r0["hardware"] != hw or r0["tensor_parallel"] != "4":
                continue
            k = (int(r0["prompt_size"]), int(r0["batch_size"]), int(r0["token_size"]))
            groups.setdefault(k, []).append((float(r0["prompt_time"]), float(r0["token_time"])))
        pe, pm_, te, tm = [], [], [], []
        for (p, b, tok), v in sorted(groups.items()):
            prompt_ms = float(np.median([x[0] for x in v]))
            token_ms = float(np.median([x[1] for x in v]))
            pe.append(iteration_us(P, [(p, 0, True)] * b) / 1000)
            pm_.append(prompt_ms)
            te.append(iteration_us(P, [(1, p + tok // 2, True)] * b) / 1000)
            tm.append(token_ms)
        report["splitwise"][gpu] = dict(prompt=mape(pe, pm_), token=mape(te, tm), n=len(groups),
                                        tokenBias=float(np.median(np.array(te) / np.array(tm))),
                                        promptBias=float(np.median(np.array(pe) / np.array(pm_))))

    # --- published anchors ----------------------------------------------------------------------------
    report["anchors"] = {
        "h100 8B batch 1 decode, ctx ~600": iteration_us(profiles[("llama-3.1-8b", "h100")], [(1, 600, True)]) / 1000,
        "a100 8B batch 1 decode, ctx 1088": iteration_us(profiles[("llama-3.1-8b", "a100")], [(1, 1088, True)]) / 1000,
        "a100 8B batch 32 decode, ctx 1088": iteration_us(profiles[("llama-3.1-8b", "a100")], [(1, 1088, True)] * 32) / 1000,
        "a100 8B batch 8 / batch 1": iteration_us(profiles[("llama-3.1-8b", "a100")], [(1, 1088, True)] * 8)
        / iteration_us(profiles[("llama-3.1-8b", "a100")], [(1, 1088, True)]),
        "h100 8B batch 4 / batch 1": iteration_us(profiles[("llama-3.1-8b", "h100")], [(1, 600, True)] * 4)
        / iteration_us(profiles[("llama-3.1-8b", "h100")], [(1, 600, True)]),
    }

    write_swift(args.out, profiles)
    write_readme(args.out, report, profiles, MODELS, GPU_MEMORY_MIB)
    print(json.dumps(report, indent=1, default=float))


def attention_us(a, prefills, n_decode, decode_kv_total):
    """Per-layer attention time; mirrors LatencyModel.attentionTime."""
    t = a["base"]
    for c, kv in prefills:
        t += a["prefillContext"] * kv + a["prefillTokens"] * c + a["prefillProduct"] * c * kv + a["prefillSquare"] * c * c
    if n_decode > 0:
        d = a["decodeSequences"] * n_decode + a["decodeContext"] * decode_kv_total + \
            a["decodeContextSqrt"] * math.sqrt(decode_kv_total)
        t += d * (1 + a["mixedDecodePenalty"]) if prefills else d
    return t


def iteration_us(P, seqs):
    """seqs: [(tokenCount, computedTokenCount, samplesToken)]; mirrors LatencyModel.iterationTime."""
    m = MODELS[P["model"]]
    T = sum(s[0] for s in seqs)
    S = sum(1 for s in seqs if s[2])
    dense = P["dense"]
    t = sum(lookup(dense[g], T) * m["layers"] for g in ("attentionProjections", "mlp", "normsAndElementwise"))
    t += lookup(dense["embedding"], T)
    if S:
        t += lookup(P["lmHead"], S) + P["samplerBase"] + P["samplerPerSequence"] * S
    if P["allReduce"] is not None:
        t += 2 * m["layers"] * lookup(P["allReduce"], T)
    prefills = [(c, kv) for c, kv, _ in seqs if not (c == 1 and kv > 0)]
    dec = [kv for c, kv, _ in seqs if c == 1 and kv > 0]
    t += m["layers"] * attention_us(P["attention"], prefills, len(dec), float(sum(dec)))
    return t


if __name__ == "__main__":
    main()
