#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets (scripts/fuzz.sh) into Fuzz/Corpus/.

Standard library only; deterministic. Seeds are small on purpose: libFuzzer mutates whole inputs,
so a 400 KB model would be fuzzed a hundred times slower than the 1 KB GGUFs written here.
    python3 scripts/make_fuzz_corpus.py
"""
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "Corpus"


def write(target, name, data):
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def request_json():
    bodies = {
        "chat.json": {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                                 {"role": "user", "content": "Hi \u00e9\ud83d\ude00"}],
                      "max_tokens": 16, "temperature": 0.7, "top_p": 0.9, "stream": True,
                      "stream_options": {"include_usage": True}, "stop": ["\n\n", "END"]},
        "chat-slo.json": {"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}],
                          "slo": {"kind": "compound", "workflow_id": "w1", "stage": 2, "deadline_ms": 9000,
                                  "final": True},
                          "max_completion_tokens": 8, "logprobs": True, "top_logprobs": 3, "n": 2, "seed": 7},
        "completion.json": {"prompt": "Once upon", "max_tokens": 4, "echo": True, "logprobs": 2,
                            "slo": {"kind": "deadline", "deadline_ms": 8000}, "ignore_eos": True},
        "completion-ids.json": {"prompt": [1, 2, 3, 65535], "max_tokens": 1,
                                "slo": {"kind": "latency", "ttft_ms": 800, "tbt_ms": 80}},
    }
    for name, body in bodies.items():
        write("request-json", name, json.dumps(body))
    write("request-json", "escapes.json", r'{"prompt":"a\u0000\"\\\/\b\f\n\r\t\ud800","n":1e400,"x":[[[[]]]],"y":-0.0e-5}')


def slo_headers():
    write("slo-headers", "latency.txt", "x-slo-ttft-ms: 800\nx-slo-tpot-ms: 80\n")
    write("slo-headers", "deadline.txt", "x-slo-deadline-ms: 8000\n")
    write("slo-headers", "workflow.txt", "x-slo-deadline-ms: 9000\nx-workflow-id: w-42\nx-workflow-stage: 3\nx-workflow-final: true\n")
    write("slo-headers", "default.txt", "latency:ttft_ms=800,tbt_ms=80")


def chat_templates():
    for path in (ROOT / "Tests" / "JITServeCPUTests" / "Fixtures" / "templates").glob("*.jinja"):
        write("chat-template", path.name, path.read_bytes())


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf(metadata, tensors):
    """A GGUF v3 file: `metadata` as (key, type, packed value), `tensors` as (name, dims, f32 values)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, value in metadata:
        out += gguf_string(key) + struct.pack("<I", kind) + value
    offset, blobs = 0, []
    for name, dims, values in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", 0, offset)  # type 0 = F32
        blob = struct.pack(f"<{len(values)}f", *values)
        blob += b"\0" * (-len(blob) % 32)
        blobs.append(blob)
        offset += len(blob)
    out += b"\0" * (-len(out) % 32)
    return out + b"".join(blobs)


def gguf_files():
    template = (ROOT / "Tests" / "JITServeCPUTests" / "Fixtures" / "templates" / "smollm2.jinja").read_text()
    tokens = ["<s>", "</s>", "a", "b", "ab"]
    token_array = struct.pack("<IQ", 8, len(tokens)) + b"".join(gguf_string(t) for t in tokens)
    metadata = [
        ("general.architecture", 8, gguf_string("llama")),
        ("general.alignment", 4, struct.pack("<I", 32)),
        ("llama.block_count", 4, struct.pack("<I", 1)),
        ("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
        ("tokenizer.ggml.tokens", 9, token_array),
        ("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 5) + struct.pack("<5f", 0, 0, -1, -2, -3)),
        ("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 0)),
        ("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 1)),
        ("tokenizer.chat_template", 8, gguf_string(template)),
        ("general.flag", 7, struct.pack("<?", True)),
        ("general.big", 10, struct.pack("<Q", 2**40)),
    ]
    tensors = [("token_embd.weight", [4, 5], [i / 10 for i in range(20)]), ("output_norm.weight", [4], [1.0] * 4)]
    write("gguf", "small.gguf", gguf(metadata, tensors))
    write("gguf", "no-tensors.gguf", gguf(metadata[:3], []))


if __name__ == "__main__":
    request_json()
    slo_headers()
    chat_templates()
    gguf_files()
    print(f"seed corpus written to {CORPUS.relative_to(ROOT)}")
