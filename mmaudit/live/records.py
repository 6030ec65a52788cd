"""What a live run stores, and what a re-run reads back to resume.

Three tables (migration 0005): `eval_runs` (one row per invocation), `live_requests` (every
request sent, with its priced cost and the answer) and `evals` (one row per prompt x candidate x
grader). Each row is written as soon as its request finishes, in its own statement, so Ctrl-C
keeps everything that finished. Nothing here ever sees an API key: errors arrive scrubbed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from mmaudit.live.sending import Outcome

_REQUEST_COLUMNS = (
    "run_id",
    "item",
    "model",
    "role",
    "candidate",
    "status",
    "error",
    "attempts",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "bound_usd",
    "latency_ms",
    "ttft_ms",
    "response_text",
)
EVAL_COLUMNS = (
    "model",
    "score",
    "success",
    "call_id",
    "prompt_hash",
    "task",
    "complexity",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "ttft_ms",
    "sample",
    "grader",
    "eval_set",
    "run_id",
)


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class RunRow:
    run_id: str
    kind: str
    sample_file: str | None
    models: list[str]
    judge: str | None
    grader: str | None
    gateway: str
    max_tokens: int
    max_usd: Decimal | None
    projected_usd: Decimal
    worst_case_usd: Decimal


def start_run(con: duckdb.DuckDBPyConnection, run: RunRow) -> None:
    con.execute(
        "INSERT INTO eval_runs (run_id, kind, sample_file, models, judge, grader, gateway, max_tokens, max_usd,"
        " projected_usd, worst_case_usd, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
        [
            run.run_id,
            run.kind,
            run.sample_file,
            run.models,
            run.judge,
            run.grader,
            run.gateway,
            run.max_tokens,
            run.max_usd,
            run.projected_usd,
            run.worst_case_usd,
        ],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str) -> None:
    con.execute(
        "UPDATE eval_runs SET status = ?, finished_at = current_timestamp WHERE run_id = ?", [status, run_id]
    )


def record_request(con: duckdb.DuckDBPyConnection, run_id: str, outcome: Outcome) -> None:
    req, reply = outcome.request, outcome.reply
    values = [
        run_id,
        req.item,
        req.model,
        req.role,
        req.candidate,
        outcome.status,
        outcome.error,
        outcome.attempts,
        reply.input_tokens if reply else None,
        reply.output_tokens if reply else None,
        outcome.cost,
        outcome.bound,
        reply.latency_ms if reply else None,
        reply.ttft_ms if reply else None,
        reply.text if reply else None,
    ]
    con.execute(
        f"INSERT INTO live_requests ({', '.join(_REQUEST_COLUMNS)}) VALUES"
        f" ({', '.join('?' for _ in _REQUEST_COLUMNS)})",
        values,
    )


def record_eval(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    con.execute(
        f"INSERT INTO evals ({', '.join(EVAL_COLUMNS)}) VALUES ({', '.join('?' for _ in EVAL_COLUMNS)})",
        [row.get(c) for c in EVAL_COLUMNS],
    )


def graded(con: duckdb.DuckDBPyConnection, grader: str) -> set[tuple[str, str]]:
    """(item, model) pairs already in `evals` under this grader: a re-run skips them."""
    rows = con.execute(
        "SELECT DISTINCT call_id, prompt_hash, model FROM evals WHERE grader = ?", [grader]
    ).fetchall()
    done = set()
    for call_id, prompt_hash, model in rows:
        for key in (call_id, prompt_hash):
            if key:
                done.add((key, model))
    return done


def finished_requests(
    con: duckdb.DuckDBPyConnection, roles: tuple[str, ...], items: list[str]
) -> dict[tuple, dict[str, Any]]:
    """Requests that ended for good (ok or failed), latest first wins, keyed by (item, role, model,
    candidate): a resumed run reuses a candidate's paid answer instead of asking again."""
    cur = con.execute(
        "SELECT item, role, model, candidate, status, error, input_tokens, output_tokens,"
        " cost_usd - coalesce(bound_usd, 0) AS cost_usd, latency_ms, ttft_ms, response_text FROM live_requests"
        " WHERE status IN ('ok', 'failed') AND list_contains(?, role) AND list_contains(?, item)"
        " ORDER BY finished_at",
        [list(roles), items],
    )
    names = [d[0] for d in cur.description]
    return {(r[0], r[1], r[2], r[3]): dict(zip(names, r)) for r in cur.fetchall()}


def spend(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """This run's requests and priced spend by role and model (the judge's apart)."""
    cur = con.execute(
        "SELECT role, model, count(*) AS requests, count(*) FILTER (WHERE status = 'ok') AS ok,"
        " coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,"
        " CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 12)) AS cost_usd,"
        " CAST(coalesce(sum(bound_usd), 0) AS DECIMAL(38, 12)) AS bound_usd"
        " FROM live_requests WHERE run_id = ? GROUP BY ALL ORDER BY role, model",
        [run_id],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
