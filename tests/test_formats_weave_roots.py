"""W&B Weave exports of trace ROOTS only: a root's `summary.usage` is the rollup of its children's
(the client's `finish_call`: `sum_dict_leaves` of the children's summaries, `requests` summed per
model), and the Traces view's export and `get_calls(filter={"trace_roots_only": True})` (the
server's `parent_id IS NULL`) leave the children out. Such a rollup stands for its requests.

The usage values are real OpenAI and Anthropic answers recorded in wandb/weave's integration tests:
`weave/integrations/openai/openai_test.py` (cassettes `chatcmpl-9dw1rJh78vq1kz9bifDpBiI29gfoa`,
gpt-4o-2024-05-13, 11 prompt / 28 completion, and `chatcmpl-9cD1mZotVpefUM57I2GYwtpsNhiDX`, 99 / 18)
and `weave/integrations/anthropic/anthropic_test.py::test_anthropic` (claude-3-haiku-20240307,
10 in / 19 out). The envelopes (ids, project, op refs, times) follow `CallSchema`
(weave/trace_server/trace_server_interface.py); the two-root file is the bug report's repro
(/tmp/hunt5/rest.md, finding 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mmaudit.enrich import enrichers
from tests.conftest import Loaded, write_jsonl

GPT = "gpt-4o-2024-05-13"
HAIKU = "claude-3-haiku-20240307"
FIRST = {"requests": 1, "completion_tokens": 28, "prompt_tokens": 11, "total_tokens": 39}
SECOND = {"requests": 1, "completion_tokens": 18, "prompt_tokens": 99, "total_tokens": 117}
# sum_dict_leaves of FIRST's twin and SECOND
BOTH = {"requests": 2, "completion_tokens": 46, "prompt_tokens": 110, "total_tokens": 156}


def _call(call_id, trace, parent, op, started, ended, usage, **extra):
    return {"id": call_id, "project_id": "acme/support-bot", "op_name": f"weave:///acme/support-bot/op/{op}:AbCdEf123",
            "display_name": None, "trace_id": trace, "parent_id": parent, "started_at": started, "ended_at": ended,
            "exception": None, "attributes": {"weave": {"client_version": "0.50.0", "source": "python-sdk"}},
            "inputs": extra.pop("inputs", {"question": "Name a cricket player"}), "output": extra.pop("output", "ok"),
            "summary": {"usage": usage, "weave": {"status": "success", "trace_name": op}}, "wb_user_id": "VXNlcjox",
            "wb_run_id": None, **extra}


T1, T2, T3 = ("0191a000-0000-7000-8000-0000000000a1", "0191a000-0000-7000-8000-0000000000a2",
              "0191a000-0000-7000-8000-0000000000a3")
ROOT1 = _call("0191a000-0000-7000-8000-000000000001", T1, None, "answer_question",
              "2024-06-24T10:00:00.000000Z", "2024-06-24T10:00:02.100000Z", {GPT: FIRST},
              inputs={"question": "How are you?"}, output="I'm just a computer program...")
ROOT2 = _call("0191a000-0000-7000-8000-000000000002", T2, None, "answer_question",
              "2024-06-24T10:05:00.000000Z", "2024-06-24T10:05:04.000000Z", {GPT: BOTH},
              output="Sachin Tendulkar")
# the leaves under the roots, as a full export (no trace_roots_only) holds them
LEAF1 = _call("0191a000-0000-7000-8000-000000000011", T1, ROOT1["id"], "openai.chat.completions.create",
              "2024-06-24T10:00:00.100000Z", "2024-06-24T10:00:02.000000Z", {GPT: FIRST})
LEAF2A = _call("0191a000-0000-7000-8000-000000000021", T2, ROOT2["id"], "openai.chat.completions.create",
               "2024-06-24T10:05:00.100000Z", "2024-06-24T10:05:02.000000Z", {GPT: FIRST})
LEAF2B = _call("0191a000-0000-7000-8000-000000000022", T2, ROOT2["id"], "openai.chat.completions.create",
               "2024-06-24T10:05:02.100000Z", "2024-06-24T10:05:03.900000Z", {GPT: SECOND})
# a root that called two models once each
ROOT3 = _call("0191a000-0000-7000-8000-000000000003", T3, None, "compare_models",
              "2024-06-24T10:10:00.000000Z", "2024-06-24T10:10:03.000000Z",
              {GPT: FIRST, HAIKU: {"requests": 1, "input_tokens": 10, "output_tokens": 19}})

# gpt-4o-2024-05-13: $5 in, $15 out per 1M
COST1 = Decimal("0.000475")  # 11 x 5 + 28 x 15
COST2 = Decimal("0.00124")  # 110 x 5 + 46 x 15 (the two requests: 0.000475 + 0.000765)


def _by_id(db):
    return {c["call_id"]: c for c in db.calls()}


def test_a_roots_only_export_loads_the_rollup_of_a_trace_that_made_two_requests(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "roots.jsonl", [ROOT1, ROOT2]), enrichers=enrichers()).files
    # before: 1 loaded, 1 skipped as "not calls", 28% of the spend
    assert (file.log_format, file.loaded, file.skipped, file.quarantined) == ("weave", 2, 0, 0)
    calls = _by_id(db)
    one, two = calls[ROOT1["id"]], calls[ROOT2["id"]]
    assert (one["model"], one["input_tokens"], one["output_tokens"], one["cost_usd"]) == (GPT, 11, 28, COST1)
    assert "rollup" not in one["tags"] and "requests" not in one["tags"]
    assert (two["model"], two["input_tokens"], two["output_tokens"], two["cost_usd"]) == (GPT, 110, 46, COST2)
    # the row stands for two requests, and says so; the op's wall time is no request's latency
    assert (two["tags"]["rollup"], two["tags"]["requests"], two["tags"]["op"]) == ("true", "2", "answer_question")
    assert (two["status"], two["latency_ms"]) == ("ok", None)
    assert sum(c["cost_usd"] for c in calls.values()) == Decimal("0.001715")


def test_a_root_that_called_two_models_loads_one_row_per_model(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "roots.jsonl", [ROOT3]), enrichers=enrichers()).files
    assert (file.loaded, file.skipped) == (2, 0)
    calls = _by_id(db)
    assert set(calls) == {f"{ROOT3['id']}:{GPT}", f"{ROOT3['id']}:{HAIKU}"}
    gpt, haiku = calls[f"{ROOT3['id']}:{GPT}"], calls[f"{ROOT3['id']}:{HAIKU}"]
    assert (gpt["input_tokens"], gpt["output_tokens"], gpt["cost_usd"]) == (11, 28, COST1)
    # claude-3-haiku: 10 x $0.25 + 19 x $1.25 per 1M
    assert (haiku["provider"], haiku["input_tokens"], haiku["output_tokens"], haiku["cost_usd"]) == (
        "anthropic", 10, 19, Decimal("0.00002625"))
    assert {(c["tags"]["rollup"], c["tags"]["requests"], c["tags"]["trace_id"]) for c in calls.values()} == {
        ("true", "1", T3)}


def test_a_full_export_counts_the_leaves_and_not_the_rollup(db, tmp_path):
    path = write_jsonl(tmp_path / "calls.jsonl", [ROOT1, LEAF1, ROOT2, LEAF2A, LEAF2B])
    (file,) = db.ingest(path, enrichers=enrichers()).files
    # skipped: ROOT1, its leaf's wrapper (nested), and ROOT2, the rollup of its two leaves: 3 requests, once each
    assert (file.loaded, file.skipped) == (3, 2)
    calls = _by_id(db)
    assert set(calls) == {LEAF1["id"], LEAF2A["id"], LEAF2B["id"]}
    # 0.000475 + 0.000475 + (99 x 5 + 18 x 15 per 1M = 0.000765): the same $0.001715 as the roots
    assert sum(c["cost_usd"] for c in calls.values()) == Decimal("0.001715")


def test_pages_of_a_full_export_split_between_a_rollup_and_its_children_count_each_request_once(db, tmp_path):
    # `/calls/query` pages saved one per file (staged together in one batch): the rollup's leaves
    # are on the next page; its own page holds trees (ROOT1 and its leaf), so it is not loaded
    first = write_jsonl(tmp_path / "page1.json", [{"calls": [ROOT1, LEAF1, ROOT2]}])
    second = write_jsonl(tmp_path / "page2.json", [{"calls": [LEAF2A, LEAF2B]}])
    # a roots-only export of another trace beside them, in the same batch, is read on its own
    roots = write_jsonl(tmp_path / "roots.jsonl", [ROOT3])
    files = db.ingest(first, second, roots, enrichers=enrichers()).files
    assert [(f.loaded, f.skipped) for f in files] == [(1, 0), (2, 0), (2, 0)]
    calls = _by_id(db)
    assert set(calls) == {LEAF1["id"], LEAF2A["id"], LEAF2B["id"], f"{ROOT3['id']}:{GPT}", f"{ROOT3['id']}:{HAIKU}"}
    assert sum(c["cost_usd"] for c in calls.values()) == Decimal("0.001715") + COST1 + Decimal("0.00002625")


@pytest.mark.parametrize("chunk_lines", [2, 3, 4])
def test_a_rollup_cut_from_its_children_by_a_chunk_boundary_is_not_counted_twice(tmp_path, monkeypatch, chunk_lines):
    from mmaudit.ingest import IngestOptions, ingest_paths, reading

    path = write_jsonl(tmp_path / "calls.jsonl", [ROOT1, LEAF1, ROOT2, LEAF2A, LEAF2B])
    monkeypatch.setattr(reading, "CHUNK_LINES", chunk_lines)
    monkeypatch.setattr(reading, "_BATCH_ROWS", 1)
    loaded = Loaded(tmp_path / "chunks.duckdb")
    try:
        (file,) = ingest_paths(loaded.con, [str(path)], IngestOptions(enrichers=enrichers())).files
        ids = {c["call_id"] for c in loaded.calls()}
    finally:
        loaded.con.close()
    assert file.loaded == 3
    assert ids == {LEAF1["id"], LEAF2A["id"], LEAF2B["id"]}
