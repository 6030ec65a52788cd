"""Records other people's systems really wrote (../shared/corpus/real-logs, see its PROVENANCE.md)
load with their true totals, whether the format is detected or forced with --log-format.

The expected totals are computed HERE from each record's own provider fields with plain json
parsing, following each provider's documented token semantics (docs/calls.md: input includes
cache reads and writes, output includes reasoning), never from mmaudit's output.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.ingest import IngestOptions, ingest_paths

CORPUS = Path(os.environ.get("MMAUDIT_CORPUS") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
REAL = CORPUS / "real-logs"
FILES = sorted(REAL.glob("*/*.jsonl")) if REAL.is_dir() else []
runner = CliRunner()


@dataclass
class Call:
    ok: bool
    input: int = 0  # every billed input token: uncached + cache reads + cache writes
    cached: int = 0
    write: int = 0
    write_1h: int = 0
    output: int = 0  # reasoning included
    reasoning: int = 0
    model: str | None = None
    rate_limited: bool = False
    tier: str | None = None


def _n(value: Any) -> int:
    return int(value or 0)


# ----------------------------------------------------------------------- provider semantics


def anthropic_message(m: dict) -> Call:
    """Anthropic usage: input_tokens EXCLUDES cache reads and writes; output includes thinking."""
    u = m["usage"]
    read, write = _n(u.get("cache_read_input_tokens")), _n(u.get("cache_creation_input_tokens"))
    return Call(True, _n(u["input_tokens"]) + read + write, read, write,
                _n((u.get("cache_creation") or {}).get("ephemeral_1h_input_tokens")), _n(u["output_tokens"]),
                _n((u.get("output_tokens_details") or {}).get("thinking_tokens")), m.get("model"),
                tier="fast" if u.get("speed") == "fast" else u.get("service_tier"))  # fast mode: its own priced tier


def anthropic_error(error_type: str | None) -> Call:
    return Call(False, rate_limited=error_type == "rate_limit_error")


def openai_chat(body: dict) -> Call:
    """prompt_tokens includes cached (and cache_write) tokens; completion_tokens includes reasoning."""
    u = body["usage"]
    details = u.get("prompt_tokens_details") or {}
    return Call(True, _n(u["prompt_tokens"]), _n(details.get("cached_tokens")), _n(details.get("cache_write_tokens")),
                0, _n(u["completion_tokens"]), _n((u.get("completion_tokens_details") or {}).get("reasoning_tokens")),
                body["model"], tier=body.get("service_tier"))


def openai_error(error: dict, http: int | None = None) -> Call:
    return Call(False, rate_limited=http == 429 or "rate_limit" in str(error.get("code") or error.get("type") or ""))


def openai_response(r: dict) -> Call:
    """Responses API: input_tokens includes cached; output_tokens includes reasoning."""
    if r.get("status") == "failed":
        return Call(False, rate_limited="rate_limit" in str((r.get("error") or {}).get("code")))
    u = r["usage"]
    return Call(True, _n(u["input_tokens"]), _n(u["input_tokens_details"]["cached_tokens"]), 0, 0,
                _n(u["output_tokens"]), _n(u["output_tokens_details"]["reasoning_tokens"]), r["model"],
                tier=r.get("service_tier"))


def gemini(rec: dict) -> Call:
    """promptTokenCount includes cached content; toolUsePromptTokenCount and thoughtsTokenCount are
    outside promptTokenCount / candidatesTokenCount."""
    if "error" in rec:
        e = rec["error"]
        return Call(False, rate_limited=e.get("code") == 429 or e.get("status") == "RESOURCE_EXHAUSTED")
    u = rec["usageMetadata"]
    thoughts = _n(u.get("thoughtsTokenCount"))
    return Call(True, _n(u.get("promptTokenCount")) + _n(u.get("toolUsePromptTokenCount")),
                _n(u.get("cachedContentTokenCount")), 0, 0, _n(u.get("candidatesTokenCount")) + thoughts, thoughts,
                rec["modelVersion"], tier=u.get("serviceTier"))


def bedrock(rec: dict) -> Call:
    """Invocation log: inputTokenCount excludes the cache for Claude (reads/writes logged apart).
    A call a guardrail blocked before the model ran carries no counts: zero tokens, not ok."""
    if rec.get("errorCode"):
        return Call(False, rate_limited=rec["errorCode"] in ("ThrottlingException", "ServiceQuotaExceededException"))
    inp, out = rec.get("input", {}), rec.get("output", {})
    body = out.get("outputBodyJson") or {}
    if body.get("amazon-bedrock-guardrailAction") == "INTERVENED" and "inputTokenCount" not in inp:
        return Call(False)
    read, write = _n(inp.get("cacheReadInputTokenCount")), _n(inp.get("cacheWriteInputTokenCount"))
    one_hour = _n(((body.get("usage") or {}).get("cache_creation") or {}).get("ephemeral_1h_input_tokens"))
    return Call(True, _n(inp["inputTokenCount"]) + read + write, read, write, one_hour, _n(out["outputTokenCount"]),
                model=rec["modelId"])


def litellm(rec: dict) -> Call:
    """LiteLLM's prompt_tokens already include the cache; a LiteLLM cache hit made no call."""
    ok = rec.get("status") != "failure"
    return Call(ok, _n(rec["prompt_tokens"]), 0, 0, 0, _n(rec["completion_tokens"]), model=rec["model"])


def openai_batch(rec: dict) -> Call:
    resp = rec.get("response") or {}
    if rec.get("error") or _n(resp.get("status_code")) >= 400:
        return openai_error(rec.get("error") or {}, resp.get("status_code"))
    return openai_chat(resp["body"])


def _per_line(path: Path) -> list[Call]:
    family = path.parent.name
    calls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if family == "anthropic-messages":
            calls.append(anthropic_message(rec) if rec["type"] == "message" else anthropic_error(rec["error"]["type"]))
        elif family == "anthropic-batch":
            result = rec["result"]
            calls.append(anthropic_message(result["message"]) if result["type"] == "succeeded"
                         else anthropic_error((result.get("error") or {}).get("type")))
        elif family == "openai-chat":
            if "error" in rec:
                calls.append(openai_error(rec["error"], rec.get("status_code")))
            else:
                calls.append(openai_chat(rec.get("response", rec)))
        elif family == "openai-responses":
            body = rec.get("response", rec)
            calls.append(openai_error(rec["error"]) if body.get("object") != "response" else openai_response(body))
        elif family == "openrouter":
            calls.append(Call(False, rate_limited=rec["error"]["code"] == 429))
        else:
            calls.append({"gemini": gemini, "bedrock": bedrock, "litellm": litellm, "openai-batch": openai_batch}[family](rec))
    return calls


def claude_code(path: Path) -> list[Call]:
    """A streamed message is written on one line per content block with the same message id and
    request id and a running output count: the call is its final (greatest) usage."""
    final: dict[tuple, tuple[int, Call]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        message = rec.get("message")
        if not isinstance(message, dict) or "usage" not in message:
            continue  # user turns, progress, system, queue-operation, snapshots: not calls
        if rec.get("isApiErrorMessage") or message.get("model") == "<synthetic>":
            call = Call(False, rate_limited=rec.get("apiErrorStatus") == 429 or rec.get("error") == "rate_limit")
        else:
            call = anthropic_message(message)
        key = (message.get("id"), rec.get("requestId"))
        if key not in final or call.output > final[key][1].output:
            final[key] = (call.output, call)
    return [c for _, c in final.values()]


def expected(path: Path) -> dict[str, Any]:
    calls = claude_code(path) if path.parent.name == "claude-code" else _per_line(path)
    return {
        "calls": len(calls),
        "ok": sum(c.ok for c in calls),
        "input": sum(c.input for c in calls),
        "cached": sum(c.cached for c in calls),
        "write": sum(c.write for c in calls),
        "write_1h": sum(c.write_1h for c in calls),
        "output": sum(c.output for c in calls),
        "reasoning": sum(c.reasoning for c in calls),
        "models": sorted({c.model for c in calls if c.ok and c.model}),
        "rate_limited": sum(c.rate_limited for c in calls),
        "tiers": dict(Counter(c.tier for c in calls if c.tier)),
        "estimated": 0,
    }


# ----------------------------------------------------------------------- what mmaudit stored

STORED = """SELECT count(*), count(*) FILTER (WHERE status = 'ok'), coalesce(sum(input_tokens), 0),
    coalesce(sum(cached_input_tokens), 0), coalesce(sum(cache_write_tokens), 0), coalesce(sum(cache_write_1h_tokens), 0),
    coalesce(sum(output_tokens), 0), coalesce(sum(reasoning_tokens), 0),
    list_sort(list(DISTINCT model) FILTER (WHERE status = 'ok' AND model IS NOT NULL)),
    count(*) FILTER (WHERE error_type = 'rate_limit'), count(*) FILTER (WHERE tokens_estimated) FROM calls"""
TIERS = "SELECT service_tier, count(*) FROM calls WHERE service_tier IS NOT NULL GROUP BY ALL"


def stored(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(STORED).fetchall()[0]
        tiers = dict(con.execute(TIERS).fetchall())
    finally:
        con.close()
    keys = ("calls", "ok", "input", "cached", "write", "write_1h", "output", "reasoning", "models", "rate_limited")
    return {**dict(zip(keys, row[:10], strict=True)), "models": sorted(row[8] or []), "tiers": tiers,
            "estimated": row[10]}


@pytest.fixture(params=FILES or [None], ids=lambda p: f"{p.parent.name}/{p.name}" if p else "corpus-absent")
def corpus_file(request) -> Path:
    if request.param is None:
        pytest.skip(f"../shared/corpus not present (fresh clone): {REAL} has no real logs; set MMAUDIT_CORPUS to run")
    return request.param


def test_real_log_file_detected_gives_its_true_totals(corpus_file, tmp_path):
    """As a new user runs it: `mmaudit ingest FILE` through the CLI, format detected."""
    db = tmp_path / "real.duckdb"
    result = runner.invoke(app, ["ingest", str(corpus_file), "--db", str(db), "--format", "json", "--no-model"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["files"][0]
    assert (report["log_format"], report["quarantined"], report["conflicting_ids"]) == (corpus_file.parent.name, 0, 0)
    assert stored(db) == expected(corpus_file)


def test_real_log_file_forced_gives_its_true_totals(corpus_file, tmp_path):
    """With `--log-format` forced to the format the file is in (in process, without categorising
    and pricing, which do not touch the totals)."""
    db = tmp_path / "real.duckdb"
    con = store.connect(db)
    try:
        (report,) = ingest_paths(con, [str(corpus_file)], IngestOptions(log_format=corpus_file.parent.name)).files
    finally:
        con.close()
    assert (report.status, report.log_format, report.quarantined, report.conflicting_ids) == (
        "loaded", corpus_file.parent.name, 0, 0)
    assert stored(db) == expected(corpus_file)


def test_the_corpus_has_the_files_this_test_was_written_for():
    if not FILES:
        pytest.skip(f"../shared/corpus not present (fresh clone): {REAL} has no real logs; set MMAUDIT_CORPUS to run")
    assert len(FILES) == 15, [str(f) for f in FILES]
