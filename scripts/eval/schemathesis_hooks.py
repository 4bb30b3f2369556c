"""Schemathesis hooks for checking `jitserve serve` against OpenAI's own API description.

Loaded by scripts/eval_openai.sh (SCHEMATHESIS_HOOKS=schemathesis_hooks). They keep fuzzed
requests cheap on a CPU model and aimed at what a serving system implements:
- every body names the served model (JITSERVE_MODEL), and asks for at most 4 tokens and 2 choices;
- `retrieveModel` asks for the served model (the spec documents no 404 for other names);
- the spec puts the chunk schema under `text/event-stream` for streamed calls; that schema is
  relaxed here (scripts/e2e_openai.py checks streamed chunks with the openai SDK instead).
"""
import os

import schemathesis

MODEL = os.environ.get("JITSERVE_MODEL", "smollm2-135m")
MAX_TOKENS = 4


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for methods in raw_schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {}) if isinstance(response, dict) else {}
                if "text/event-stream" in content:
                    content["text/event-stream"]["schema"] = {}


def cheap(body):
    if isinstance(body, dict):
        body["model"] = MODEL
        for key in ("max_tokens", "max_completion_tokens"):
            value = body.get(key)
            body[key] = min(value, MAX_TOKENS) if isinstance(value, int) and value > 0 else MAX_TOKENS
        # JSON Schema's integers include 36.0, which Python reads as a float.
        if isinstance(body.get("n"), (int, float)) and body["n"] > 2:
            body["n"] = 2
    return body


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if path_parameters and "model" in path_parameters:
        path_parameters["model"] = MODEL
    return path_parameters


@schemathesis.hook
def map_body(context, body):
    return cheap(body)


@schemathesis.hook
def before_call(context, case, kwargs):
    # Every phase (the coverage phase builds its cases without the map_* hooks).
    if case.path_parameters and "model" in case.path_parameters:
        case.path_parameters["model"] = MODEL
    case.body = cheap(case.body)


def has_known_gap(body):
    """Requests jitserve refuses on purpose (each a 400 naming the field): content parts other
    than text (a text-only model), the deprecated `function` role, a null completions prompt, and
    a completions `suffix` (fill-in-the-middle, which vLLM refuses too), and `stream_options`
    without `stream: true` (OpenAI's documentation and vLLM refuse it), chat `top_logprobs` without
    `logprobs: true` (OpenAI's documentation requires it; the schema cannot say so)."""
    if not isinstance(body, dict):
        return False
    if "prompt" in body and body["prompt"] is None:
        return True
    if isinstance(body.get("suffix"), str) and body["suffix"]:
        return True
    if body.get("stream_options") is not None and body.get("stream") is not True:
        return True
    top = body.get("top_logprobs")
    if "messages" in body and isinstance(top, (int, float)) and top > 0 and body.get("logprobs") is not True:
        return True
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "function":
            return True
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") != "text" for p in content):
            return True
    return False


if os.environ.get("ST_SKIP_KNOWN") == "1":
    @schemathesis.hook
    def filter_body(context, body):
        return not has_known_gap(body)
