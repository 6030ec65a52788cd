"""A local OpenAI-compatible gateway for the live-run tests: http.server on 127.0.0.1, random port.

Answers /v1/chat/completions (streamed or not) with usage. Behaviour per model is scripted: a
queue of actions popped one per request (("status", 429), ("sleep", 2.0), "garbage",
("echo_auth", 400), "not_a_stream": a 200 whose body is no stream at all, "drop": the first
chunk of the answer, then the connection closes; "no_usage": a stream without its usage chunk),
then normal answers. Judge and labelling requests (recognised by their
system prompt) are answered by `judge` / `labeller` callables. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def words(text: str) -> int:
    return len(text.split())


class MockGateway:
    def __init__(self) -> None:
        self.script: dict[str, list[Any]] = defaultdict(list)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.answer: Callable[[str, list[dict]], str] = lambda model, msgs: (
            f"answer from {model}: the result is 42"
        )
        self.judge: Callable[[str], str] = lambda prompt: '{"winner": "A", "reason": "first is better"}'
        self.labeller: Callable[[str], str] = lambda prompt: (
            '{"task": "classification", "complexity": "simple"}'
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> MockGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Recorded requests, optionally only 'candidate', 'judge' or 'label' ones."""
        with self.lock:
            return [r for r in self.requests if kind is None or r["kind"] == kind]

    # -- request handling -------------------------------------------------------------------
    def _kind(self, messages: list[dict]) -> str:
        system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
        if "impartial judge" in system or "grade the answer" in system:
            return "judge"
        if "task taxonomy" in system:
            return "label"
        return "candidate"

    def _content(self, kind: str, model: str, messages: list[dict]) -> str:
        prompt = "\n".join(str(m.get("content")) for m in messages)
        if kind == "judge":
            return self.judge(prompt)
        if kind == "label":
            return self.labeller(prompt)
        return self.answer(model, messages)

    def _handler(self):  # type: ignore[no-untyped-def]
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def _answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                model, messages = body.get("model", ""), body.get("messages", [])
                kind = gateway._kind(messages)
                with gateway.lock:
                    action = gateway.script[model].pop(0) if gateway.script[model] else None
                    gateway.requests.append(
                        {
                            "model": model,
                            "kind": kind,
                            "messages": messages,
                            "action": action,
                            "max_tokens": body.get("max_tokens") or body.get("max_completion_tokens"),
                            "authorization": self.headers.get("Authorization"),
                        }
                    )
                if isinstance(action, tuple) and action[0] == "status":
                    self._json(action[1], {"error": {"message": f"mock status {action[1]}", "type": "mock"}})
                    return
                if isinstance(action, tuple) and action[0] == "echo_auth":
                    self._json(
                        action[1], {"error": {"message": f"bad key {self.headers.get('Authorization')}"}}
                    )
                    return
                if isinstance(action, tuple) and action[0] == "sleep":
                    time.sleep(action[1])
                if action == "not_a_stream":  # a broken proxy's page, served as a success
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"this is not json")
                    self.wfile.flush()
                    return
                text = (
                    "I cannot decide, both are fine."
                    if action == "garbage"
                    else gateway._content(kind, model, messages)
                )
                usage = {
                    "prompt_tokens": sum(words(str(m.get("content"))) for m in messages) + 3,
                    "completion_tokens": words(text),
                }
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                self._drop = action == "drop"
                if body.get("stream"):
                    self._stream(
                        model,
                        text,
                        usage if (body.get("stream_options") or {}).get("include_usage") and action != "no_usage" else None,
                    )
                else:
                    self._json(
                        200,
                        {
                            "id": "mock-1",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": model,
                            "usage": usage,
                            "choices": [
                                {
                                    "index": 0,
                                    "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text},
                                }
                            ],
                        },
                    )

            def _stream(self, model: str, text: str, usage: dict | None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                base = {
                    "id": "mock-1",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": model,
                }
                pieces = [w + " " for w in text.split(" ")]
                for i, piece in enumerate(pieces):
                    chunk = {
                        **base,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"content": piece} if i else {"role": "assistant", "content": piece},
                                "finish_reason": None,
                            }
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    if self._drop:  # the connection is lost after the first tokens went out
                        self.wfile.flush()
                        self.close_connection = True
                        return
                end = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\n".encode())
                if usage is not None:
                    self.wfile.write(
                        f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
                    )
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
