"""`mmaudit evals import FILE`: an outcome matrix (one row per item x model [x sample]) into `evals`.

Set-based: DuckDB reads the file (read_json / read_csv / read_parquet), one projection parses
every column, and the checks are queries over the staged rows:

    rejected      no model, no score, a score that is not a number, or no item (call_id,
                  prompt_hash, prompt or messages): quarantined with file, line and reason
    judge failed  a score outside the declared scale (MT Bench writes -1 when the judge's
                  output could not be parsed): stored with score NULL, counted, never read as 0
    duplicate     the same item, model, sample and grader with the same score (in the file or
                  already stored): loaded once, counted
    conflict      the same item, model, sample and grader with different scores: none of them
                  loaded, every one quarantined (scores are never averaged into agreement)

The whole file loads in one transaction: an error leaves the table as it was; a re-run of the
same file loads nothing new.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.errors import InputError
from mmaudit.evals.spec import HEADER_KEY, EvalSpec, merge, read_sidecar, sidecar_path
from mmaudit.store import fetch_dicts

READERS = {".jsonl": "json", ".json": "json", ".ndjson": "json", ".csv": "csv", ".parquet": "parquet"}
TEXT_COLUMNS = ("call_id", "prompt_hash", "model", "grader", "eval_set", "task", "complexity", "run_id")
NUMBER_COLUMNS = ("score", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "ttft_ms", "sample")


def key_sql(alias: str = "") -> str:
    """What makes two rows the same observation: item, model, sample, grader — as `simulate`
    reads them (quality.build_items): the item is the call_id, else the prompt_hash (a row that
    also gives the prompt text is the same item), the model its price key when it has one
    (`openai/gpt-4o` and `gpt-4o` are one model). Keyed on the spellings, two such rows with
    different scores escaped the conflict check and were averaged."""
    a = f"{alias}." if alias else ""
    return (f"coalesce({a}call_id, 'h:' || {a}prompt_hash, '') || chr(1) || coalesce({a}model_key, {a}model) "
            f"|| chr(1) || {a}sample || chr(1) || coalesce({a}grader, '')")


KEY = key_sql()


@dataclass
class ImportResult:
    file: str
    run_id: str
    eval_set: str
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    judge_failures: int = 0
    unknown_models: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    items: int = 0
    items_matching_calls: int = 0
    mixed_grader_cells: int = 0
    scale: dict[str, float] = field(default_factory=dict)
    success_threshold: float = 0.0
    problems: list[dict[str, Any]] = field(default_factory=list)  # first rejected/conflicting lines


def _reader_sql(path: Path) -> str:
    kind = READERS.get("".join(path.suffixes[-1:]).lower())
    if kind is None:
        raise InputError(f"{path}: expected a .jsonl, .json, .csv or .parquet file")
    if kind == "json":
        return "read_json(?, format='newline_delimited', sample_size=-1)"
    if kind == "csv":
        return "read_csv(?, all_varchar=true, header=true)"
    return "read_parquet(?)"


def _text(col: str, types: dict[str, str]) -> str:
    """A column as text whatever type the reader guessed (NULL when the column is absent)."""
    if col not in types:
        return "NULL::VARCHAR"
    ident = '"' + col.replace('"', '""') + '"'
    if types[col] == "JSON":
        return f"CASE WHEN json_type(r.{ident}) = 'VARCHAR' THEN json_extract_string(r.{ident}, '$') ELSE CAST(r.{ident} AS VARCHAR) END"
    if types[col].endswith("[]") or types[col].startswith("STRUCT") or types[col].startswith("MAP"):
        return f"CAST(to_json(r.{ident}) AS VARCHAR)"
    return f"nullif(trim(CAST(r.{ident} AS VARCHAR)), '')"


def _number(expr: str) -> str:
    """true/false -> 1/0 (correct/incorrect), else the number, NULL when it is not one."""
    return (f"CASE lower({expr}) WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 "
            f"ELSE CASE WHEN isfinite(TRY_CAST({expr} AS DOUBLE)) THEN TRY_CAST({expr} AS DOUBLE) END END")


def _header(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> dict[str, Any] | None:
    """The JSONL header line `{"mmaudit_evals": {...}}`, when the file has one."""
    if HEADER_KEY not in types:
        return None
    rows = con.execute(f"SELECT CAST(to_json({HEADER_KEY}) AS VARCHAR) FROM _ev_raw WHERE {HEADER_KEY} IS NOT NULL LIMIT 1").fetchall()
    if not rows:
        return None
    value = json.loads(rows[0][0])
    if not isinstance(value, dict):
        raise InputError(f"the {HEADER_KEY} header must be an object (scale, success_threshold, eval_set, grader)")
    return value


def import_file(con: duckdb.DuckDBPyConnection, path: Path, overrides: dict[str, Any] | None = None,
                spec_path: Path | None = None, keep_text: bool = False) -> ImportResult:
    """Load one outcome file into `evals`. Needs the price tables registered (mm_model_key)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_raw AS SELECT row_number() OVER () AS _line, * FROM {_reader_sql(path)} r",
                    [str(path)])
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot read it ({str(exc).splitlines()[0]})") from None
    types = {r[0]: r[1] for r in con.execute("DESCRIBE _ev_raw").fetchall()}
    _check_long_format(path, types)
    sidecar = spec_path or sidecar_path(path)
    if spec_path is not None and not spec_path.exists():
        raise InputError(f"--spec {spec_path}: no such file")
    side, header = read_sidecar(sidecar), _header(con, types)
    # the error names where the values came from (it named a sidecar file that did not exist)
    layers = [str(sidecar) if side else "", f"{path} (its header line)" if header else "",
              "the command-line options" if any(v is not None for v in (overrides or {}).values()) else ""]
    spec = merge(side, header, overrides, source=" + ".join(filter(None, layers)) or str(path))
    result = ImportResult(file=str(path), run_id=f"import-{uuid.uuid4().hex[:12]}",
                          eval_set=spec.eval_set or path.name, scale={"min": spec.scale.min, "max": spec.scale.max},
                          success_threshold=spec.threshold)
    _stage(con, path, types, spec, result, keep_text)
    con.execute("BEGIN TRANSACTION")
    try:
        _check_and_load(con, path, result)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    _describe(con, result)
    con.execute("DROP TABLE IF EXISTS _ev_raw")
    con.execute("DROP TABLE IF EXISTS _ev_stage")
    return result


def _check_long_format(path: Path, types: dict[str, str]) -> None:
    """A file with no `model` or no `score` column at all is not a matrix of outcomes in the long
    format: one input error naming what it holds (a wide matrix, one column per model, gave one
    "no model" rejection per row)."""
    missing = [c for c in ("model", "score") if c not in types]
    if not missing:
        return
    found = [c for c in types if c != "_line"]
    shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
    raise InputError(f"{path}: no {' or '.join(missing)} column; expected one row per item and model (model, score, and "
                     f"call_id, prompt_hash, prompt or messages), found columns {shown}. A wide matrix (a column "
                     "per model) needs reshaping to long rows first (docs/evals.md)")


def _stage(con: duckdb.DuckDBPyConnection, path: Path, types: dict[str, str], spec: EvalSpec,
           result: ImportResult, keep_text: bool) -> None:
    """_ev_stage: every data row parsed, with the reason it cannot load (NULL when it can)."""
    t = {c: _text(c, types) for c in (*TEXT_COLUMNS, *NUMBER_COLUMNS, "success", "prompt", "prompt_text", "messages")}
    prompt = f"coalesce({t['prompt']}, {t['prompt_text']})"
    hashed = (f"coalesce({t['prompt_hash']}, mm_prompt_hash(NULL, {prompt}), "
              f"mm_prompt_hash(NULL, mm_all_text({t['messages']})))")
    text = f"coalesce({prompt}, mm_all_text({t['messages']}))" if keep_text else "NULL::VARCHAR"
    header = f"r.{HEADER_KEY} IS NOT NULL AND {t['model']} IS NULL" if HEADER_KEY in types else "false"
    lo, hi = spec.scale.min, spec.scale.max
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_stage AS
        WITH p AS (
            SELECT r._line AS source_line, {t['call_id']} AS call_id, {hashed} AS prompt_hash, {text} AS prompt_text,
                   {t['model']} AS model, {t['score']} AS score_text, {_number(t['score'])} AS raw_score,
                   {_number(t['success'])} AS success_num, {t['success']} AS success_text,
                   coalesce(TRY_CAST({_number(t['sample'])} AS INTEGER), 0) AS sample,
                   coalesce({t['grader']}, ?) AS grader, coalesce({t['eval_set']}, ?) AS eval_set,
                   {t['task']} AS task, {t['complexity']} AS complexity,
                   TRY_CAST({_number(t['input_tokens'])} AS BIGINT) AS input_tokens,
                   TRY_CAST({_number(t['output_tokens'])} AS BIGINT) AS output_tokens,
                   TRY_CAST({t['cost_usd']} AS DECIMAL(38, 12)) AS cost_usd,
                   {_number(t['latency_ms'])} AS latency_ms, {_number(t['ttft_ms'])} AS ttft_ms
            FROM _ev_raw r WHERE NOT ({header}))
        SELECT p.*, mm_model_key(p.model) AS model_key,
               p.raw_score IS NOT NULL AND (p.raw_score < {lo!r} OR p.raw_score > {hi!r}) AS judge_failed,
               CASE WHEN p.model IS NULL THEN 'no model'
                    WHEN p.score_text IS NULL THEN 'no score'
                    WHEN p.raw_score IS NULL THEN 'score ' || p.score_text || ' is not a number'
                    WHEN p.call_id IS NULL AND p.prompt_hash IS NULL
                         THEN 'no item: give call_id, prompt_hash, prompt or messages'
                    WHEN p.success_text IS NOT NULL AND p.success_num IS NULL
                         THEN 'success ' || p.success_text || ' is not true/false'
               END AS reason
        FROM p""", [spec.grader, result.eval_set])
    result.rows = int(con.execute("SELECT count(*) FROM _ev_stage").fetchall()[0][0])
    result.judge_failures = int(con.execute("SELECT count(*) FROM _ev_stage WHERE judge_failed AND reason IS NULL").fetchall()[0][0])
    con.execute("""ALTER TABLE _ev_stage ADD COLUMN score DOUBLE""")
    con.execute(f"""UPDATE _ev_stage SET score = CASE WHEN NOT judge_failed THEN (raw_score - {lo!r}) / {hi - lo!r} END""")
    con.execute("""ALTER TABLE _ev_stage ADD COLUMN success BOOLEAN""")
    con.execute(f"""UPDATE _ev_stage SET success = CASE WHEN judge_failed THEN NULL WHEN success_num IS NOT NULL
                    THEN success_num >= 0.5 ELSE raw_score >= {spec.threshold!r} END""")
    con.execute(f"ALTER TABLE _ev_stage ADD COLUMN scale_min DOUBLE DEFAULT {lo!r}")
    con.execute(f"ALTER TABLE _ev_stage ADD COLUMN scale_max DOUBLE DEFAULT {hi!r}")


def _check_and_load(con: duckdb.DuckDBPyConnection, path: Path, result: ImportResult) -> None:
    """Quarantine bad rows and conflicts, skip duplicates, insert the rest (inside the transaction)."""
    # conflicts: one key, several scores, in the file or against what is stored
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_keys AS
        SELECT {KEY} AS k, count(*) AS n, count(DISTINCT coalesce(raw_score, 'nan'::DOUBLE)) AS scores,
               min(source_line) AS first_line
        FROM _ev_stage WHERE reason IS NULL GROUP BY k""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ev_stored AS
        SELECT DISTINCT {KEY} AS k, coalesce(raw_score, 'nan'::DOUBLE) AS raw FROM evals""")
    con.execute(f"""UPDATE _ev_stage s SET reason = 'conflicting duplicate: the same item, model, sample and grader has '
                    || CASE WHEN k.scores > 1 THEN k.scores || ' different scores in this file'
                            ELSE 'another score already stored' END || ' (not averaged)'
        FROM _ev_keys k
        WHERE s.reason IS NULL AND k.k = {key_sql('s')}
          AND (k.scores > 1 OR EXISTS (SELECT 1 FROM _ev_stored st WHERE st.k = k.k
                                       AND st.raw <> coalesce(s.raw_score, 'nan'::DOUBLE)))""")
    result.conflicts = int(con.execute("SELECT count(*) FROM _ev_stage WHERE reason LIKE 'conflicting%'").fetchall()[0][0])
    result.rejected = int(con.execute("SELECT count(*) FROM _ev_stage WHERE reason IS NOT NULL").fetchall()[0][0]) - result.conflicts
    result.problems = [
        {"line": int(r[0]), "reason": r[1]} for r in con.execute(
            "SELECT source_line, reason FROM _ev_stage WHERE reason IS NOT NULL ORDER BY source_line LIMIT 10").fetchall()]
    con.execute("""INSERT INTO quarantine (source_file, source_line, source_format, reason, raw, raw_hash)
        SELECT ?, s.source_line, 'evals', s.reason, NULL, NULL FROM _ev_stage s WHERE s.reason IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.source_file = ? AND q.source_format = 'evals'
                          AND q.source_line = s.source_line AND q.reason = s.reason)""", [str(path), str(path)])
    cols = ("eval_set, call_id, prompt_hash, prompt_text, model, model_key, sample, grader, score, raw_score, success, "
            "judge_failed, scale_min, scale_max, task, complexity, input_tokens, output_tokens, cost_usd, latency_ms, "
            "ttft_ms, source_line")
    ok = con.execute("""SELECT count(*) FROM _ev_stage WHERE reason IS NULL""").fetchall()[0][0]
    con.execute(f"""INSERT INTO evals ({cols}, run_id, source_file)
        SELECT {cols}, ?, ? FROM (
            SELECT *, row_number() OVER (PARTITION BY {KEY} ORDER BY source_line) AS dup
            FROM _ev_stage WHERE reason IS NULL) s
        WHERE dup = 1 AND NOT EXISTS (SELECT 1 FROM _ev_stored st WHERE st.k = {key_sql('s')})""",
                [result.run_id, str(path)])
    result.loaded = int(con.execute("SELECT count(*) FROM evals WHERE run_id = ?", [result.run_id]).fetchall()[0][0])
    result.duplicates = int(ok) - result.loaded
    con.execute("DROP TABLE _ev_keys")
    con.execute("DROP TABLE _ev_stored")


def _describe(con: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
    """What the loaded file holds: models, unknown models, items, how many match logged calls,
    and cells (item x model) that mix graders."""
    run = [result.file]
    sets = [r[0] for r in con.execute(
        "SELECT DISTINCT eval_set FROM evals WHERE source_file = ? ORDER BY 1", run).fetchall()]
    result.eval_set = ", ".join(sets) or result.eval_set
    result.models = [r[0] for r in con.execute(
        "SELECT DISTINCT model FROM evals WHERE source_file = ? ORDER BY model", run).fetchall()]
    result.unknown_models = [r[0] for r in con.execute(
        "SELECT DISTINCT model FROM evals WHERE source_file = ? AND model_key IS NULL ORDER BY model", run).fetchall()]
    s = fetch_dicts(con, """
        WITH i AS (SELECT DISTINCT call_id, CASE WHEN call_id IS NULL THEN prompt_hash END AS prompt_hash
                   FROM evals WHERE source_file = ?)
        SELECT count(*) AS items,
               count(*) FILTER (WHERE (i.call_id IS NOT NULL AND i.call_id IN (SELECT call_id FROM calls))
                                   OR (i.prompt_hash IS NOT NULL AND i.prompt_hash IN
                                       (SELECT prompt_hash FROM calls WHERE prompt_hash IS NOT NULL))) AS matching
        FROM i""", run)[0]
    result.items, result.items_matching_calls = int(s["items"]), int(s["matching"])
    result.mixed_grader_cells = mixed_grader_cells(con)


def mixed_grader_cells(con: duckdb.DuckDBPyConnection) -> int:
    """Item x model cells scored by more than one grader (their scores get averaged together)."""
    return int(con.execute("""SELECT count(*) FROM (
        SELECT call_id, prompt_hash, model_key FROM evals WHERE NOT judge_failed
        GROUP BY ALL HAVING count(DISTINCT coalesce(grader, '')) > 1)""").fetchall()[0][0])
