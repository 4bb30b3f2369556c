#!/usr/bin/env python3
"""SIGTERM while N streams are open: does every stream end cleanly, and does the server exit 0?

Starts `jitserve serve --executor echo` (a modelled iteration time, so streams last), opens N
streaming chat requests, sends SIGTERM once every stream has its first token, and checks that each
stream ends with `data: [DONE]` (after its final frame or an error frame) or a clean close within
--shutdown-grace (plus a second of slack), that the process exits 0, and how long it took.

    python3 scripts/sigterm_streams.py --bin .build/debug/jitserve [--streams 64] [--grace 5]

Standard library only. Exits non-zero when a check fails.
"""
import argparse
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, process, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited early with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("server did not become healthy")


class Stream(threading.Thread):
    """One streaming chat request; records how it ended."""

    def __init__(self, port, max_tokens):
        super().__init__(daemon=True)
        self.port, self.max_tokens = port, max_tokens
        self.started = threading.Event()
        self.frames, self.done, self.error_frame, self.finish_reason = 0, False, False, None
        self.ending = None  # "done", "clean-close", or an exception's text
        self.ended_at = None

    def run(self):
        body = json.dumps({"messages": [{"role": "user", "content": "count " * 20}],
                           "max_tokens": self.max_tokens, "stream": True})
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            conn.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
            response = conn.getresponse()
            if response.status != 200:
                self.ending = f"status {response.status}"
                self.started.set()
                return
            while True:
                line = response.readline()
                if not line:
                    self.ending = "done" if self.done else "clean-close"
                    break
                line = line.strip()
                if not line.startswith(b"data: "):
                    continue
                payload = line[6:]
                if payload == b"[DONE]":
                    self.done = True
                    continue
                self.frames += 1
                self.started.set()
                event = json.loads(payload)
                if "error" in event:
                    self.error_frame = True
                for choice in event.get("choices", []):
                    if choice.get("finish_reason"):
                        self.finish_reason = choice["finish_reason"]
        except Exception as error:  # a reset or a half-written frame is a failure
            self.ending = f"{type(error).__name__}: {error}"
        finally:
            self.ended_at = time.time()
            self.started.set()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the jitserve binary")
    parser.add_argument("--streams", type=int, default=64)
    parser.add_argument("--grace", type=float, default=5.0, help="--shutdown-grace seconds")
    parser.add_argument("--iteration-ms", type=float, default=20.0)
    parser.add_argument("--max-tokens", type=int, default=2000, help="long enough to outlast the grace")
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [args.bin, "serve", "--executor", "echo", "--port", str(port), "--echo-iteration-ms", str(args.iteration_ms),
         "--max-num-seqs", str(max(args.streams, 1)), "--shutdown-grace", str(args.grace), "--max-model-len", "8192"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_healthy(port, server)
        streams = [Stream(port, args.max_tokens) for _ in range(args.streams)]
        for s in streams:
            s.start()
        for s in streams:
            s.started.wait(60)
        signalled_at = time.time()
        server.send_signal(signal.SIGTERM)
        code = server.wait(args.grace + 30)
        exited_at = time.time()
        for s in streams:
            s.join(10)
    finally:
        if server.poll() is None:
            server.kill()
    clean = [s for s in streams if s.ending in ("done", "clean-close")]
    late = [s for s in streams if s.ended_at is None or s.ended_at - signalled_at > args.grace + 1]
    finished = sum(1 for s in streams if s.finish_reason)
    print(f"streams: {len(streams)}; ended cleanly: {len(clean)}/{len(streams)} "
          f"([DONE]: {sum(s.done for s in streams)}, with a finish_reason: {finished}, error frames: "
          f"{sum(s.error_frame for s in streams)}); past the grace: {len(late)}")
    print(f"exit code: {code}; time from SIGTERM to exit: {exited_at - signalled_at:.2f} s (grace {args.grace:g} s)")
    for s in streams:
        if s not in clean:
            print(f"  stream ended badly: {s.ending}")
    if len(clean) != len(streams) or late or code != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
