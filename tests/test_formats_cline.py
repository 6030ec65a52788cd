"""Cline / Roo Code / Kilo Code task histories (`tasks/<id>/ui_messages.json`), read column by column.

The Opus 4.5 request is a real Cline message (its `request` text trimmed): a task committed to
GitHub (CoreGems/Cline-Xray `ui_messages.json`); the `apiProtocol: "openai"` one is a real message of
a Roo Code fork (IBM Bob) quoted in a public repository. The shapes of the rest (placeholders,
failures, cancels, Roo's Anthropic-protocol counts before and after Roo 3.29.5) are the writers'
own (cline `src/core/task/index.ts`, `utils.ts`; Roo `Task.ts`), written here. Before, such
files had no format ("cannot tell the log format")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from mmaudit.enrich import enrichers

OPUS = {"providerId": "anthropic", "modelId": "claude-opus-4-5-20251101", "mode": "act"}


def _say(ts, say, text, model_info=OPUS, **extra):
    message = {"ts": ts, "type": "say", "say": say, "text": text, **extra}
    return {**message, "modelInfo": model_info} if model_info else message


def _request(ts, info, model_info=OPUS):
    return _say(ts, "api_req_started", json.dumps(info), model_info)


def _task(tmp_path, task_id, messages, metadata=None):
    folder = tmp_path / "tasks" / task_id
    folder.mkdir(parents=True)
    (folder / "ui_messages.json").write_text(json.dumps(messages), encoding="utf-8")  # as Cline writes it: one line
    if metadata is not None:
        (folder / "task_metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return folder


CLINE_TASK = [
    _say(1770482470358, "task", "in my jiras->list UI in jira details section header add open button", conversationHistoryIndex=-1),
    # real: tokensIn is the uncached remainder, the cache beside it
    _request(1770483279915, {"request": "[replace_in_file for 'JiraDetailsPanel.svelte'] Result: ...", "tokensIn": 10,
                             "tokensOut": 522, "cacheWrites": 3786, "cacheReads": 72608, "cost": 0.07306649999999999}),
    _say(1770483482628, "reasoning", "Now I need to update the capabilities file", partial=False),
    _say(1770483483095, "text", "Let me also update the capabilities file to match the new command name:", partial=False),
    # a request the user stopped mid-stream: still billed for what it produced
    _request(1770483516239, {"request": "...", "tokensIn": 10, "tokensOut": 40, "cacheWrites": 0, "cacheReads": 76394,
                             "cost": 0.039247, "cancelReason": "user_cancelled"}),
    # failed on its first chunk after Cline's automatic retry: ClineError.serialize() as streamingFailedMessage
    _request(1770483520000, {"request": "...", "streamingFailedMessage": json.dumps({
        "message": "429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"}}", "status": 429,
        "request_id": "req_011CXt", "code": None})}),
    {"ts": 1770483520500, "type": "ask", "ask": "api_req_failed", "text": "429 rate_limit_error"},
    # the placeholder Cline writes before the request is sent, never filled in
    _request(1770483540000, {"request": "<task>...</task>\n\nLoading..."}),
    {"ts": 1770484758475, "type": "ask", "ask": "resume_task", "conversationHistoryIndex": 47},
]
METADATA = {"files_in_context": [{"path": "src-tauri/capabilities/default.json", "record_state": "active",
                                  "record_source": "cline_edited", "cline_read_date": 1770483487245,
                                  "cline_edit_date": 1770483487245}],
            "model_usage": [{"ts": 1770482470400, "model_id": "claude-opus-4-5-20251101",
                             "model_provider_id": "anthropic", "mode": "act"}]}


# api_conversation_history.json, as Cline writes it beside ui_messages.json: the messages sent
HISTORY = [{"role": "user", "content": [{"type": "text", "text": "<task>\nin my jiras->list UI ... add open button\n</task>"}]},
           {"role": "assistant", "content": [{"type": "text", "text": "I'll add the button."},
                                             {"type": "tool_use", "id": "toolu_01", "name": "replace_in_file",
                                              "input": {"path": "JiraDetailsPanel.svelte"}}]}]


def test_a_cline_task_loads_one_call_per_request_with_its_cache_added_back(db, tmp_path):
    folder = _task(tmp_path, "1770482470358", CLINE_TASK, METADATA)
    (folder / "api_conversation_history.json").write_text(json.dumps(HISTORY), encoding="utf-8")
    result = db.ingest(tmp_path / "tasks", enrichers=enrichers())  # the whole folder, as a user points at it
    assert sorted((f.path.rsplit("/", 1)[-1], f.log_format, f.loaded, f.skipped, f.quarantined) for f in result.files) == [
        ("api_conversation_history.json", "cline", 0, 2, 0), ("task_metadata.json", "cline", 0, 1, 0),
        ("ui_messages.json", "cline", 3, 6, 0)]
    real, cancelled, failed = db.calls()
    assert (real["call_id"], real["ts"], real["provider"], real["model"], real["model_key"]) == (
        "cline:1770483279915", datetime(2026, 2, 7, 16, 54, 39, 915000, tzinfo=UTC), "anthropic",
        "claude-opus-4-5-20251101", "claude-opus-4-5")
    assert (real["input_tokens"], real["cached_input_tokens"], real["cache_write_tokens"], real["output_tokens"]) == (
        76404, 72608, 3786, 522)
    # Opus 4.5: 10 x $5 + 72,608 x $0.50 + 3,786 x $6.25 + 522 x $25 per 1M = Cline's own figure
    assert (real["cost_usd"], real["logged_cost_usd"], real["status"]) == (Decimal("0.0730665"), Decimal("0.0730665"), "ok")
    assert real["tags"] == {"app": "cline", "cline_provider": "anthropic", "mode": "act", "input_basis": "uncached"}
    assert (cancelled["status"], cancelled["input_tokens"], cancelled["output_tokens"], cancelled["tags"]["cancel_reason"]) == (
        "ok", 76404, 40, "user_cancelled")
    # 10 x $5 + 76,394 x $0.50 + 40 x $25 per 1M
    assert (cancelled["cost_usd"], cancelled["logged_cost_usd"]) == (Decimal("0.039247"), Decimal("0.039247"))
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"], failed["model"]) == (
        "error", "rate_limit", 429, 0, "claude-opus-4-5-20251101")
    assert failed["logged_cost_usd"] is None


ROO_TASK = [
    {"ts": 1777689175089, "type": "say", "say": "text", "text": "generate a new bloom filter algo in js", "images": []},
    # real (IBM Bob, a Roo Code fork): an OpenAI-protocol request's tokensIn is the provider's total
    {"ts": 1777689175125, "type": "say", "say": "api_req_started", "text": json.dumps(
        {"apiProtocol": "openai", "tokensIn": 2855, "tokensOut": 2264, "cacheWrites": 2853, "cacheReads": 0,
         "cost": 0.012797}, separators=(",", ":"))},
    # Roo before 3.29.5 (2025-11-01): an Anthropic-protocol tokensIn is the uncached remainder
    _request(1757000000000, {"apiProtocol": "anthropic", "tokensIn": 3, "tokensOut": 150, "cacheWrites": 1200,
                             "cacheReads": 20000, "cost": 0.01275}, None),
    # from then on, the total (cache included)
    _request(1764000000000, {"apiProtocol": "anthropic", "tokensIn": 21203, "tokensOut": 150, "cacheWrites": 1200,
                             "cacheReads": 20000, "cost": 0.01275}, None),
    # a remainder below the cache it sits beside, whatever the date (an install not yet upgraded)
    _request(1764000600000, {"apiProtocol": "anthropic", "tokensIn": 3, "tokensOut": 150, "cacheWrites": 1200,
                             "cacheReads": 20000, "cost": 0.01275}, None),
    # Roo's placeholder
    _request(1764000700000, {"apiProtocol": "anthropic"}, None),
]


def test_roo_and_kilo_requests_name_no_model_so_they_keep_their_logged_cost_unpriced(db, tmp_path):
    folder = _task(tmp_path, "fcd83991-e09a-4e8e-bcc5-78a3a73eb183", ROO_TASK)
    (file,) = db.ingest(folder, enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.skipped) == ("cline", 4, 2)
    before, after, upgraded_late, bob = sorted(db.calls(), key=lambda c: c["ts"])
    assert (bob["input_tokens"], bob["cached_input_tokens"], bob["cache_write_tokens"], bob["output_tokens"]) == (
        2855, 0, 2853, 2264)
    assert (bob["tags"]["api_protocol"], bob["tags"]["input_basis"]) == ("openai", "total")
    for call in (before, after, upgraded_late):
        assert (call["input_tokens"], call["cached_input_tokens"], call["cache_write_tokens"]) == (21203, 20000, 1200)
    assert [c["tags"]["input_basis"] for c in (before, after, upgraded_late)] == ["uncached", "total", "uncached"]
    # no model: counted with the cost the log states, unpriced (never $0)
    assert {(c["model"], c["provider"], c["cost_usd"]) for c in (before, after, upgraded_late, bob)} == {(None, None, None)}
    assert (bob["logged_cost_usd"], before["logged_cost_usd"]) == (Decimal("0.012797"), Decimal("0.01275"))


def test_handlers_that_log_the_prompt_total_and_deepseek_misses(db, tmp_path):
    xai = {"providerId": "xai", "modelId": "grok-code-fast-1", "mode": "act"}
    deepseek = {"providerId": "deepseek", "modelId": "deepseek-chat", "mode": "plan"}
    compatible = {"providerId": "openai", "modelId": "qwen3-coder-30b", "mode": "act"}
    folder = _task(tmp_path, "1765000000000", [
        # Cline's xai handler logs prompt_tokens (cache included) and no cost of its own: Cline's fallback,
        # calculateApiCostAnthropic, charged the cached tokens twice (12,000 x $0.20 + 9,000 x $0.02 + 300 x $1.50)
        _request(1765000000000, {"tokensIn": 12000, "tokensOut": 300, "cacheWrites": 0, "cacheReads": 9000,
                                 "cost": 0.00303}, xai),
        # Cline's deepseek handler: tokensIn = prompt - hits - misses (0), the misses logged as cacheWrites
        _request(1765000100000, {"tokensIn": 0, "tokensOut": 500, "cacheWrites": 1500, "cacheReads": 6000,
                                 "cost": 0.000825}, deepseek),
        # Cline's OpenAI-compatible provider (any base URL): the model names the vendor
        _request(1765000200000, {"tokensIn": 800, "tokensOut": 20, "cacheWrites": 0, "cacheReads": 0, "cost": 0}, compatible),
        # the same provider with a cache: older Cline logged the total, newer the remainder; read as the
        # total, and said to be assumed
        _request(1765000300000, {"tokensIn": 5000, "tokensOut": 20, "cacheWrites": 0, "cacheReads": 3000, "cost": 0},
                 compatible),
    ])
    (file,) = db.ingest(folder / "ui_messages.json", enrichers=enrichers()).files
    assert (file.log_format, file.loaded) == ("cline", 4)
    grok, ds, qwen, cached = db.calls()
    assert (grok["provider"], grok["input_tokens"], grok["cached_input_tokens"], grok["tags"]["input_basis"]) == (
        "xai", 12000, 9000, "total")
    # grok-code-fast-1: 3,000 x $0.20 + 9,000 x $0.02 + 300 x $1.50 per 1M; the log's own figure stays beside it
    assert (grok["cost_usd"], grok["logged_cost_usd"]) == (Decimal("0.00123"), Decimal("0.00303"))
    assert (ds["provider"], ds["input_tokens"], ds["cached_input_tokens"], ds["cache_write_tokens"]) == (
        "deepseek", 7500, 6000, 0)
    assert (ds["tags"]["cache_misses"], ds["tags"]["mode"]) == ("1500", "plan")
    assert (qwen["provider"], qwen["model"], qwen["input_tokens"], qwen["tags"]["cline_provider"]) == (
        "alibaba", "qwen3-coder-30b", 800, "openai")
    assert qwen["tags"]["input_basis"] == "total"
    assert (cached["input_tokens"], cached["cached_input_tokens"], cached["tags"]["input_basis"]) == (
        5000, 3000, "total, assumed")


def test_bad_counts_and_times_are_quarantined_and_an_old_style_failure_is_read(db, tmp_path):
    folder = _task(tmp_path, "1740000000000", [
        _request(1740000000000, {"request": "...", "tokensIn": "lots", "tokensOut": 10, "cost": 0.1}),
        {**_request(1740000100000, {"request": "...", "tokensIn": 5, "tokensOut": 10}), "ts": "yesterday"},
        # older Cline: formatErrorWithStatusCode's "status - message", and a streaming failure
        _request(1740000200000, {"request": "...", "tokensIn": 2000, "tokensOut": 35, "cacheWrites": 0, "cacheReads": 0,
                                 "cost": 0.006525, "cancelReason": "streaming_failed",
                                 "streamingFailedMessage": "529 - Overloaded"}),
        # a request text that is not JSON names no usage: not a call
        _say(1740000300000, "api_req_started", "{not json"),
    ])
    (file,) = db.ingest(folder / "ui_messages.json", enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined, file.skipped) == ("cline", 1, 2, 1)
    assert [q["reason"] for q in db.quarantine()] == [
        "info.tokensIn is lots, not a token count",
        "ts is yesterday, not a timestamp (ISO 8601 or epoch s/ms, years 1970-2199)"]
    (failed,) = db.calls()
    assert (failed["status"], failed["error_type"], failed["http_status"], failed["input_tokens"], failed["output_tokens"]) == (
        "error", "server", 529, 2000, 35)
    assert (failed["logged_cost_usd"], failed["tags"]["cancel_reason"]) == (Decimal("0.006525"), "streaming_failed")
