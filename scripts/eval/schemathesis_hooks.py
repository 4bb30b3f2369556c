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


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if "model" in path_parameters:
        path_parameters["model"] = MODEL
    return path_parameters


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict):
        body["model"] = MODEL
        for key in ("max_tokens", "max_completion_tokens"):
            value = body.get(key)
            body[key] = min(value, MAX_TOKENS) if isinstance(value, int) and value > 0 else MAX_TOKENS
        if isinstance(body.get("n"), int) and body["n"] > 2:
            body["n"] = 2
    return body
