"""Gemini API embeddings (`:batchEmbedContents`, `:embedContent`) captured whole: the answer is the
vectors alone, no counts, so the call's input is counted from the request's text.

Record: simonw/llm-gemini, tests/cassettes/test_gemini/test_embedding[gemini-embedding-2].yaml
@ 02238840dd24d978ee29daf5ea0d85afaedea812 (pytest-recording of a live call; the request as
recorded, the answer's 3,072 values trimmed to three). Before, such a file had no format (every
call was dropped); a line of it in a Gemini log was quarantined.
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-2:batchEmbedContents"
_ASK = {"requests": [{"model": "models/gemini-embedding-2", "content": {"parts": [{"text": "Some text goes here"}]}}]}
_ANSWER = {"embeddings": [{"values": [-0.0070451563, 0.0068474184, 0.0116296]}]}


def _pair(url: str | None, ask: dict, answer: dict) -> dict:
    request = {"method": "POST", "body": ask, **({"url": url} if url else {})}
    return {"request": request, "response": {"status": 200, "body": answer}}


def test_a_captured_batch_embedding_is_an_embedding_call_counted_from_its_text(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "embed.jsonl", [_pair(_URL, _ASK, _ANSWER)]),
                          enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined, file.estimated) == ("gemini", 1, 0, 1)
    (call,) = db.calls()
    # "Some text goes here": 4 tokens counted offline, at gemini-embedding-2's $0.20 per 1M input
    assert (call["provider"], call["model"], call["operation"], call["status"]) == (
        "google", "gemini-embedding-2", "embedding", "ok")
    assert (call["input_tokens"], call["output_tokens"], call["tokens_estimated"], call["cost_usd"]) == (
        4, 0, True, Decimal("0.0000008"))


def test_the_request_names_the_model_when_no_address_does(db, tmp_path):
    single = {"model": "models/gemini-embedding-2", "content": {"parts": [{"text": "Some text goes here"}]}}
    lines = [_pair(None, _ASK, _ANSWER), _pair(None, single, {"embedding": {"values": [0.1, 0.2]}})]
    (file,) = db.ingest(write_jsonl(tmp_path / "embed.jsonl", lines)).files
    assert (file.log_format, file.loaded) == ("gemini", 2)
    assert {(c["model"], c["operation"], c["input_tokens"]) for c in db.calls()} == {("gemini-embedding-2", "embedding", 4)}


def test_a_logged_prompt_count_is_kept(db, tmp_path):
    # an answer with `usageMetadata.promptTokenCount` (the shape of Mireuz13/explorarte-organization's
    # Gemini embedding adapter test): the count is measured, never estimated
    answer = {**_ANSWER, "usageMetadata": {"promptTokenCount": 7}}
    (file,) = db.ingest(write_jsonl(tmp_path / "embed.jsonl", [_pair(_URL, _ASK, answer)]),
                          enrichers=enrichers()).files
    assert (file.loaded, file.estimated) == (1, 0)
    (call,) = db.calls()
    assert (call["operation"], call["input_tokens"], call["output_tokens"], call["cost_usd"]) == (
        "embedding", 7, 0, Decimal("0.0000014"))
