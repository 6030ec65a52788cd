"""Detection leaves out the formats a sample cannot be (ingest/detection.py `_candidates`): a
format is not planned when no sampled line has a top-level key its `detect` reads. These tests
hold the two facts that make that safe, and check it on every record at hand."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from mmaudit import store
from mmaudit.formats import FORMATS, hosts, macros
from mmaudit.ingest import detection

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MMAUDIT_CORPUS") or ROOT.parent / "shared" / "corpus")


@pytest.fixture
def con(tmp_path: Path):
    con = store.connect(tmp_path / "d.duckdb")
    macros.install(con)
    hosts.install(con)
    yield con
    con.close()


def _files_at_hand() -> list[Path]:
    """The bundled sample logs, and the corpus's real logs when it is there."""
    files = sorted(ROOT.glob("sample_logs/*.jsonl*"))
    if (CORPUS / "real-logs").is_dir():
        files += sorted((CORPUS / "real-logs").glob("*/*.jsonl"))
    return files


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [line for line in (raw.strip() for raw in fh) if line.startswith("{")]


def test_every_format_reads_its_record_through_top_level_keys_and_never_claims_an_empty_one(con) -> None:
    for fmt in FORMATS:
        assert fmt.detect_keys(), f"{fmt.name}: detect reads the record other than through r.<key>"
    claimed = con.execute(" UNION ALL ".join(
        f"SELECT '{fmt.name}' FROM (SELECT from_json('{{}}', $s{k}) AS r) WHERE coalesce({fmt.detect}, false)"
        for k, fmt in enumerate(FORMATS)), {f"s{k}": fmt.structure_json() for k, fmt in enumerate(FORMATS)}).fetchall()
    assert claimed == []


def test_detect_keys_are_none_when_the_record_is_read_whole() -> None:
    from mmaudit.formats.base import _detect_keys

    assert _detect_keys('r.usage.prompt_tokens IS NOT NULL AND r."context.span_id" IS NULL') == {"usage", "context.span_id"}
    assert _detect_keys("r.modelId IS NOT NULL") == {"modelid"}
    for whole in ("r IS NOT NULL", "to_json(r) LIKE '%x%'", "r['usage'] IS NOT NULL", "line LIKE '%usage%'",
                  "list_count(list_filter(r.items, lambda r: r.x = 1)) > 0"):
        assert _detect_keys(whole) is None, whole


def test_a_line_with_none_of_a_formats_keys_leaves_it_out_and_any_other_keeps_all(con) -> None:
    def candidates(*lines: str) -> set[str]:
        con.register("_sample", pa.table({"f": [0] * len(lines), "line": list(lines)}))
        try:
            return {FORMATS[k].name for k in detection._candidates(con)}
        finally:
            con.unregister("_sample")

    chat = candidates('{"id": "c1", "object": "chat.completion", "model": "gpt-4o", "choices": [], "usage": {}}')
    assert "openai-chat" in chat and "bedrock" not in chat and "otel-genai" not in chat
    assert "bedrock" in candidates('{"ModelId": "x"}')  # keys compared without case
    assert candidates("{}") == set()
    everything = {fmt.name for fmt in FORMATS}
    assert candidates("[1, 2]") == everything  # not an object: nothing is left out
    assert candidates('{"x": 1}', '"text"') == everything


def test_no_record_at_hand_is_recognised_by_a_format_detection_left_out(con) -> None:
    files = _files_at_hand()
    lines = [line for path in files for line in _lines(path)]
    lines += [json.dumps(r) for r in (
        {"type": "message", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 3, "output_tokens": 1}},
        {"resourceSpans": []}, {"custom_id": "a", "result": {"type": "succeeded"}},
        {"Error": {"Code": "ThrottlingException"}}, {"event": "$ai_generation", "properties": {}})]
    con.register("_sample", pa.table({"f": list(range(len(lines))), "line": lines}))
    try:
        hits = detection._hits(con, list(range(len(FORMATS))))
    finally:
        con.unregister("_sample")
    assert len({f for _, f, _ in hits}) > 0.9 * len(lines)  # nearly every line is some format's record
    kept: dict[frozenset[str], set[int]] = {}
    for f, line in enumerate(lines):
        keys = frozenset(json.loads(line))
        if keys not in kept:
            con.register("_sample", pa.table({"f": [0], "line": [line]}))
            kept[keys] = set(detection._candidates(con))
            con.unregister("_sample")
    missed = [(FORMATS[k].name, lines[f][:120]) for k, f, _ in hits if k not in kept[frozenset(json.loads(lines[f]))]]
    assert missed == []
    assert any(len(c) < len(FORMATS) // 2 for c in kept.values())  # and it does leave formats out


def test_detection_parses_only_the_paths_detect_reads() -> None:
    from mmaudit.formats.base import _detect_structure

    structure = json.dumps({"usage": {"prompt_tokens": "VARCHAR", "details": {"cached": "VARCHAR"}},
                            "choices": "JSON", "modelId": "VARCHAR", "context.span_id": "VARCHAR"})
    cut = json.loads(_detect_structure('r.usage.details IS NOT NULL AND r.MODELID = \'x\'', structure))
    assert cut == {"usage": {"details": {"cached": "VARCHAR"}}, "modelId": "VARCHAR"}
    # a path that ends at an object keeps it whole, also when a longer path goes through it
    cut = json.loads(_detect_structure('r.usage IS NULL OR r.usage.prompt_tokens = 1 OR r."context.span_id" = 1', structure))
    assert cut == {"usage": {"prompt_tokens": "VARCHAR", "details": {"cached": "VARCHAR"}}, "context.span_id": "VARCHAR"}
    assert _detect_structure("to_json(r) LIKE '%x%'", structure) == structure  # read whole: all of it


def _mangled(line: str) -> list[str]:
    """The record with each top-level and second-level value replaced by values of other types."""
    record = json.loads(line)
    out = []
    for key, value in record.items():
        for other in ("x", 7, [], {}, None, [{"a": 1}]):
            out.append(json.dumps({**record, key: other}))
        if isinstance(value, dict):
            for sub in value:
                for other in ("x", 7, [], {}, None):
                    out.append(json.dumps({**record, key: {**value, sub: other}}))
    return out


def test_every_format_recognises_the_same_lines_with_the_cut_structure(con) -> None:
    files = _files_at_hand()
    lines = [line for path in files for line in _lines(path)]
    lines += [m for path in files for line in _lines(path)[:2] for m in _mangled(line)]
    con.register("_sample", pa.table({"f": list(range(len(lines))), "line": lines}))
    try:
        for fmt in FORMATS:
            seen = [{f for (f,) in con.execute(
                f"SELECT f FROM (SELECT f, from_json(line, $s) AS r FROM _sample) WHERE coalesce({fmt.detect}, false)",
                {"s": structure}).fetchall()} for structure in (fmt.structure_json(), fmt.detect_structure_json())]
            assert seen[0] == seen[1], fmt.name
    finally:
        con.unregister("_sample")
    # and the cut is worth making: less than half of the structures' text is left to plan
    assert sum(len(f.detect_structure_json()) for f in FORMATS) < 0.5 * sum(len(f.structure_json()) for f in FORMATS)
