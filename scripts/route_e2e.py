#!/usr/bin/env python3
"""Loopback test of `jitserve route` in front of three `jitserve serve --executor sim` replicas.

Started by scripts/route_e2e.sh, which passes the ports. Checks, each failing the run:

1. The reverse proxy, through the official openai SDK: chat and completions, streamed and not;
   every answer names a real replica in x-gateway-destination-endpoint-served; bad input gets the
   replica parser's 400 with OpenAI's error JSON; a client that hangs up mid-stream frees its
   request on the replica.
2. The ext_proc endpoint picker, with a client built from PyPI's xds-protos + grpcio playing
   Envoy: gRPC health (liveness, readiness, an unknown service); a buffered POST gets the
   destination header and the same list in dynamic metadata envoy.lb, naming live replicas, and
   the replica it names answers the request; the subset hint is honoured (503 when none of it is
   ready); a bad body gets an immediate 400; a GET with no body is routed on its headers.
3. Failover: a closed-loop load of streamed requests through the proxy while one replica is
   killed (SIGKILL). Requests sent after the kill: 0 errors. Streams in flight on the killed
   replica: each ends with an error frame, and the proxy counts them. Token goodput (tokens on
   time for their TTFT/TBT) per second recovers to 90 % of its pre-kill level within 10 s.

Prints `N passed, M failed` and the failover figures; exits non-zero on any failure.
"""
import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request

import grpc
import openai
from envoy.config.core.v3 import base_pb2
from envoy.service.ext_proc.v3 import external_processor_pb2 as ext_proc
from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as ext_proc_grpc
from google.protobuf import struct_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

RESULTS = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    else:
        RESULTS["failed"] += 1
        print(f"FAIL {name} {detail}")


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def held_requests(port):
    m = metrics(port)
    return sum(v for k, v in m.items() if k.startswith("vllm:num_requests_running") or k.startswith("vllm:num_requests_waiting"))


# ---------------------------------------------------------------- reverse proxy


def proxy_checks(args, replicas):
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{args.proxy}/v1", api_key="unused", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Say something."}], max_tokens=8)
    served = raw.headers.get("x-gateway-destination-endpoint-served")
    completion = raw.parse()
    check("proxy: chat answer", completion.choices[0].message.content is not None and completion.usage.completion_tokens == 8,
          repr(completion))
    check("proxy: names the replica that served", served in replicas, f"{served} not in {replicas}")

    raw = client.chat.completions.with_raw_response.create(
        model="llama-3.1-8b", messages=[{"role": "user", "content": "Stream, please."}], max_tokens=16, stream=True,
        extra_headers={"x-slo-ttft-ms": "2000", "x-slo-tpot-ms": "200"})
    chunks = [c for c in raw.parse() if c.choices and c.choices[0].delta.content]
    check("proxy: SSE stream through", len(chunks) == 16, f"{len(chunks)} content chunks")
    check("proxy: stream served by a replica", raw.headers.get("x-gateway-destination-endpoint-served") in replicas)

    text = client.completions.create(model="llama-3.1-8b", prompt="Once upon a time", max_tokens=5)
    check("proxy: completions", text.usage.completion_tokens == 5, repr(text.usage))

    try:
        client.chat.completions.create(model="llama-3.1-8b", messages=[], max_tokens=4)
        check("proxy: empty messages refused", False, "no error")
    except openai.BadRequestError as error:
        body = error.response.json()
        check("proxy: empty messages refused with OpenAI's error JSON",
              error.status_code == 400 and body["error"]["param"] == "messages", json.dumps(body))

    try:
        client.chat.completions.create(model="llama-3.1-8b", messages=[{"role": "user", "content": "x"}], max_tokens=4,
                                       extra_headers={"x-slo-ttft-ms": "soon"})
        check("proxy: bad SLO header refused", False, "no error")
    except openai.BadRequestError as error:
        check("proxy: bad SLO header refused naming it", error.response.json()["error"]["param"] == "x-slo-ttft-ms")

    models = client.models.list()
    check("proxy: GET /v1/models forwarded", any(m.id for m in models.data))

    # A client that hangs up mid-stream: the replica must let the request go (no request held).
    # (The standard library's client: openai's own HTTP stack has changed package names.)
    body = {"model": "llama-3.1-8b", "messages": [{"role": "user", "content": "long"}], "max_tokens": 4000, "stream": True,
            "slo": {"kind": "deadline", "deadline_ms": 600000}}
    connection = http.client.HTTPConnection("127.0.0.1", args.proxy, timeout=30)
    connection.request("POST", "/v1/chat/completions", body=json.dumps(body), headers={"content-type": "application/json"})
    sock = connection.sock  # getresponse hands it to the response when the server says Connection: close
    response = connection.getresponse()
    served = response.getheader("x-gateway-destination-endpoint-served")
    lines = 0
    while lines < 3:
        line = response.readline()
        if not line:
            break
        if line.startswith(b"data:"):
            lines += 1
    # Hang up: close the socket itself (the response object would drain the body first).
    sock.shutdown(socket.SHUT_RDWR)
    response.close()
    connection.close()
    port = int(served.rsplit(":", 1)[1])
    deadline = time.time() + 5
    held = held_requests(port)
    while held > 0 and time.time() < deadline:
        time.sleep(0.1)
        held = held_requests(port)
    check("proxy: a client hanging up frees its request on the replica", held == 0, f"{served} still holds {held}")


# ---------------------------------------------------------------- ext_proc


def header(key, value):
    return base_pb2.HeaderValue(key=key, raw_value=value.encode())


def envoy_exchange(stub, path, method="POST", headers=(), body=None, subset=None, served=None):
    """Plays Envoy for one request; returns every ProcessingResponse received."""
    all_headers = [header(":method", method), header(":path", path), header("content-type", "application/json")]
    all_headers += [header(k, v) for k, v in headers]
    first = ext_proc.ProcessingRequest(request_headers=ext_proc.HttpHeaders(
        headers=base_pb2.HeaderMap(headers=all_headers), end_of_stream=body is None))
    if subset is not None:
        hint = struct_pb2.Struct()
        hint.update({"x-gateway-destination-endpoint-subset": subset})
        first.metadata_context.filter_metadata["envoy.lb.subset_hint"].CopyFrom(hint)
    messages = [first]
    if body is not None:
        messages.append(ext_proc.ProcessingRequest(request_body=ext_proc.HttpBody(body=body, end_of_stream=True)))
    if served is not None:
        response_headers = ext_proc.ProcessingRequest(response_headers=ext_proc.HttpHeaders(
            headers=base_pb2.HeaderMap(headers=[header(":status", "200")]), end_of_stream=True))
        meta = struct_pb2.Struct()
        meta.update({"x-gateway-destination-endpoint-served": served})
        response_headers.metadata_context.filter_metadata["envoy.lb"].CopyFrom(meta)
        messages.append(response_headers)
    return list(stub.Process(iter(messages), timeout=10))


def destination(responses):
    """(header list, metadata list, immediate status) of the picker's answer."""
    for r in responses:
        if r.HasField("immediate_response"):
            return None, None, r.immediate_response.status.code, r.immediate_response.body.decode()
        common = None
        if r.HasField("request_body") and r.request_body.HasField("response"):
            common = r.request_body.response
        if r.HasField("request_headers") and r.request_headers.HasField("response"):
            common = r.request_headers.response
        if common is None:
            continue
        for option in common.header_mutation.set_headers:
            if option.header.key == "x-gateway-destination-endpoint":
                value = option.header.raw_value.decode() or option.header.value
                meta = r.dynamic_metadata.fields["envoy.lb"].struct_value.fields["x-gateway-destination-endpoint"].string_value
                return value.split(","), meta.split(","), None, None
    return None, None, None, None


def ext_proc_checks(args, replicas):
    channel = grpc.insecure_channel(f"127.0.0.1:{args.ext_proc}")
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("liveness", "readiness", "envoy.service.ext_proc.v3.ExternalProcessor"):
        status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        check(f"ext_proc: health {service!r} serving", status == health_pb2.HealthCheckResponse.SERVING, str(status))
    try:
        health.Check(health_pb2.HealthCheckRequest(service="no-such-service"), timeout=5)
        check("ext_proc: unknown health service refused", False)
    except grpc.RpcError as error:
        check("ext_proc: unknown health service is NOT_FOUND", error.code() == grpc.StatusCode.NOT_FOUND, str(error.code()))
    watch = health.Watch(health_pb2.HealthCheckRequest(service="readiness"), timeout=5)
    first = next(watch)
    watch.cancel()
    check("ext_proc: health Watch streams the readiness status", first.status == health_pb2.HealthCheckResponse.SERVING, str(first))
    nope = channel.unary_unary("/envoy.service.ext_proc.v3.ExternalProcessor/Nope",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        nope(b"", timeout=5)
        check("ext_proc: an unknown method is refused", False)
    except grpc.RpcError as error:
        check("ext_proc: an unknown method is UNIMPLEMENTED", error.code() == grpc.StatusCode.UNIMPLEMENTED, str(error.code()))

    stub = ext_proc_grpc.ExternalProcessorStub(channel)
    body = json.dumps({"model": "llama-3.1-8b", "messages": [{"role": "user", "content": "Route me."}], "max_tokens": 6}).encode()
    responses = envoy_exchange(stub, "/v1/chat/completions", headers=[("x-slo-ttft-ms", "1500")], body=body)
    endpoints, meta, status, _ = destination(responses)
    check("ext_proc: headers answered with continue, body with the pick",
          len(responses) == 2 and responses[0].HasField("request_headers") and endpoints is not None, str(responses))
    check("ext_proc: destination names live replicas, header and metadata alike",
          endpoints is not None and endpoints == meta and all(e in replicas for e in endpoints) and len(set(endpoints)) == len(endpoints),
          f"{endpoints} / {meta}")
    if endpoints:
        # Envoy sends the request where the picker said; that replica must serve it.
        request = urllib.request.Request(f"http://{endpoints[0]}/v1/chat/completions", data=body,
                                         headers={"content-type": "application/json"})
        answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
        check("ext_proc: the picked replica serves the request", answer["usage"]["completion_tokens"] == 6)
        responses = envoy_exchange(stub, "/v1/chat/completions", body=body, served=endpoints[0])
        check("ext_proc: response phase let through", any(r.HasField("response_headers") for r in responses))

    for target in replicas:
        endpoints, _, _, _ = destination(envoy_exchange(stub, "/v1/chat/completions", body=body, subset=[target]))
        check(f"ext_proc: subset hint [{target}] honoured", endpoints == [target], str(endpoints))
    _, _, status, text = destination(envoy_exchange(stub, "/v1/chat/completions", body=body, subset=["10.255.255.1:9"]))
    check("ext_proc: subset of no ready endpoint gets 503", status == 503, f"{status} {text}")

    _, _, status, text = destination(envoy_exchange(stub, "/v1/chat/completions", body=b'{"messages": 3}'))
    check("ext_proc: bad body gets an immediate 400 with OpenAI's error JSON",
          status == 400 and json.loads(text)["error"]["param"] == "messages", f"{status} {text}")

    endpoints, _, _, _ = destination(envoy_exchange(stub, "/v1/models", method="GET"))
    check("ext_proc: a GET without body is routed on its headers", endpoints is not None and endpoints[0] in replicas, str(endpoints))
    channel.close()


# ---------------------------------------------------------------- failover


class Record:
    def __init__(self, sent):
        self.sent = sent
        self.served = None
        self.token_times = []
        self.error = None  # "frame" (error event mid-stream) or "status:N"/exception text


def worker(args, stop, records, lock):
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{args.proxy}/v1", api_key="unused", max_retries=0, timeout=60)
    while not stop.is_set():
        record = Record(time.time())
        try:
            raw = client.chat.completions.with_raw_response.create(
                model="llama-3.1-8b", messages=[{"role": "user", "content": "Keep talking."}],
                max_tokens=args.tokens, stream=True,
                extra_headers={"x-slo-ttft-ms": str(args.ttft_ms), "x-slo-tpot-ms": str(args.tbt_ms)})
            record.served = raw.headers.get("x-gateway-destination-endpoint-served")
            stream = raw.parse()
        except Exception as error:  # noqa: BLE001 - every failure is a failed request
            record.error = f"{type(error).__name__}: {error}"
        else:
            try:
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        record.token_times.append(time.time())
            except openai.APIError:
                # The SDK raises on an error event in the stream: the proxy's error frame.
                record.error = "frame"
            except Exception as error:  # noqa: BLE001
                record.error = f"{type(error).__name__} mid-stream: {error}"
        with lock:
            records.append(record)


def good_tokens_per_second(records, args, start, end):
    """Tokens on time for their TTFT/TBT (DESIGN §1: token k by arrival + TTFT + k*TBT), by second."""
    bins = [0] * int(end - start + 1)
    for r in records:
        for k, t in enumerate(r.token_times):
            if t <= r.sent + (args.ttft_ms + k * args.tbt_ms) / 1000 and start <= t < end:
                bins[int(t - start)] += 1
    return bins


def failover_checks(args, replicas):
    stop = threading.Event()
    lock = threading.Lock()
    records = []
    threads = [threading.Thread(target=worker, args=(args, stop, records, lock), daemon=True) for _ in range(args.concurrency)]
    start = time.time()
    for t in threads:
        t.start()
    time.sleep(args.kill_after)
    victim_endpoint = replicas[args.kill_index]
    killed_at = time.time()
    os.kill(args.pids[args.kill_index], signal.SIGKILL)
    time.sleep(args.run_after)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    end = time.time()

    after = [r for r in records if r.sent >= killed_at]
    after_errors = [r for r in after if r.error]
    check("failover: requests sent after the kill: 0 errors", after and not after_errors,
          f"{len(after_errors)} of {len(after)}: {[r.error for r in after_errors[:3]]}")
    # In flight on the victim when it died: sent before, and failed (a stream that still ended
    # normally had every token out before the kill took effect).
    cut = [r for r in records if r.served == victim_endpoint and r.sent < killed_at and r.error]
    framed = [r for r in cut if r.error == "frame"]
    check("failover: streams in flight on the killed replica end with an error frame", cut and len(framed) == len(cut),
          f"{len(framed)} framed of {len(cut)} cut: {[r.error for r in cut[:3]]}")
    broken = metrics(args.proxy).get("jitserve_route_broken_responses_total", -1)
    check("failover: the proxy counted the cut streams", broken == len(cut), f"proxy {broken}, client {len(cut)}")
    before_errors = [r for r in records if r.sent < killed_at and r.error and r not in cut]
    check("failover: no other request failed", not before_errors, str([r.error for r in before_errors[:3]]))

    bins = good_tokens_per_second(records, args, start, end)
    kill_bin = int(killed_at - start)
    baseline_bins = bins[2:kill_bin]  # after a two-second warm-up
    baseline = sum(baseline_bins) / max(1, len(baseline_bins))
    recovered_at = None
    for i in range(kill_bin, len(bins) - 2):
        if (bins[i] + bins[i + 1]) / 2 >= 0.9 * baseline:
            recovered_at = i
            break
    recovery = (recovered_at + 1 - (killed_at - start)) if recovered_at is not None else float("inf")
    print(f"failover figures: requests {len(records)} ({len(after)} sent after the kill, {len(after_errors)} failed); "
          f"streams cut on the killed replica {len(cut)} ({len(framed)} with an error frame; proxy counted {broken:.0f}); "
          f"good tokens/s before {baseline:.0f}, per second after the kill {bins[kill_bin:kill_bin + 12]}; "
          f"recovered to 90 % within {max(0.0, recovery):.1f} s")
    check("failover: goodput recovers within 10 s", recovery <= 10, f"{recovery:.1f} s; bins {bins}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proxy", type=int, required=True)
    parser.add_argument("--ext-proc", type=int, required=True)
    parser.add_argument("--replicas", required=True, help="ip:port,ip:port,ip:port")
    parser.add_argument("--pids", required=True, help="the replicas' process IDs, in the same order")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--ttft-ms", type=int, default=2000)
    parser.add_argument("--tbt-ms", type=int, default=250)
    parser.add_argument("--kill-after", type=float, default=8)
    parser.add_argument("--run-after", type=float, default=14)
    parser.add_argument("--kill-index", type=int, default=0)
    args = parser.parse_args()
    args.pids = [int(p) for p in args.pids.split(",")]
    replicas = args.replicas.split(",")

    proxy_checks(args, replicas)
    ext_proc_checks(args, replicas)
    failover_checks(args, replicas)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
