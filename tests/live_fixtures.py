"""Shared pieces of the live-run tests: logged calls to sample from, the mock gateway fixture."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from live_mock import MockGateway
from typer.testing import CliRunner

from mmaudit.cli import app

KEY = "sk-live-test-NEVERSTORE-4f3e2d1c0b9a8877"
runner = CliRunner()

PROMPTS = [
    ("Reply POSITIVE or NEGATIVE.", "the update broke my widgets", "NEGATIVE"),
    (None, "Classify this ticket as billing, bug or other: 'I was charged twice'", "billing"),
    (
        None,
        "Write a python function that reverses a linked list and explain it step by step.",
        "def rev(h): ...",
    ),
    (
        None,
        "Summarize in two sentences: The council met on Tuesday to discuss the new park budget.",
        "The council met.",
    ),
    ("You translate to French.", "Good morning, how are you?", "Bonjour, comment allez-vous ?"),
]
SECRET_PROMPTS = [(None, "Confidential: merger terms for ACME acquisition, summarise risks", "risk summary")]


def chat_record(i: int, system: str | None, user: str, answer: str, model: str = "gpt-4o-mini") -> dict:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}
    ]
    return {
        "timestamp": f"2025-04-01T00:{i:02d}:00.000Z",
        "request": {"model": model, "messages": messages},
        "latency_ms": 400,
        "status_code": 200,
        "response": {
            "id": f"chatcmpl-{i:06d}",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
        },
    }


def write_log(path: Path, prompts: list, start: int) -> Path:
    path.write_text("\n".join(json.dumps(chat_record(start + i, *p)) for i, p in enumerate(prompts)) + "\n")
    return path


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


@pytest.fixture(scope="session")
def logged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingested once per test session: 5 calls whose text was kept, 1 ingested with --redact-text."""
    tmp = tmp_path_factory.mktemp("live-logged")
    db = tmp / "audit.duckdb"
    clear = write_log(tmp / "clear.jsonl", PROMPTS, 0)
    secret = write_log(tmp / "secret.jsonl", SECRET_PROMPTS, 50)
    assert invoke("ingest", str(clear), "--db", str(db)).exit_code == 0
    assert invoke("ingest", str(secret), "--db", str(db), "--redact-text").exit_code == 0
    return db


@pytest.fixture
def logged(logged_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template database for one test."""
    db = tmp_path / "audit.duckdb"
    shutil.copyfile(logged_template, db)
    return db


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The mock gateway, configured the way a user would; any connection elsewhere fails the test."""
    elsewhere: list[object] = []
    real_connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            elsewhere.append(address)
            raise OSError(f"test guard: no network beyond the mock gateway ({address})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    gw = MockGateway().start()
    monkeypatch.setenv("OPENAI_BASE_URL", gw.url)
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)

    def judge(prompt: str) -> str:
        """Ranks candidate answers ('answer from ...') over logged ones over 'bad', whatever the order."""
        a, b = prompt.split("[Answer A]")[1].split("[Answer B]")

        def rank(text: str) -> int:
            return 2 if "answer from" in text else 0 if text.strip() == "bad" else 1

        return '{"winner": "%s"}' % ("A" if rank(a) > rank(b) else "B" if rank(b) > rank(a) else "tie")

    gw.judge = judge
    yield gw
    gw.stop()
    assert elsewhere == [], f"a live run tried to reach {elsewhere}"
