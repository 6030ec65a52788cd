"""`mmaudit categorize label`: an LLM labels sampled prompts with the task taxonomy, for training.

Up to N distinct logged prompts (one call per prompt_hash, text kept, never a redacted call) are
sent to the labelling model with the taxonomy and its definitions (from the rules in force) in
the system prompt; the answer is a JSON object {"task", "complexity"} checked against the
taxonomy. The labels are written in `categorize train`'s input format (categorise/dataset.py),
with the current categoriser's answer beside each for the person who reviews them, and agreement
between the two is reported. Labels already paid for (live_requests, role 'label') are reused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mmaudit.categorise.rules import Rules
from mmaudit.errors import InputError
from mmaudit.live import records
from mmaudit.live.budget import Budget, Pricer, input_bound
from mmaudit.live.client import Client, Gateway
from mmaudit.live.engine import Engine, EngineResult, Sender
from mmaudit.live.grading import json_object
from mmaudit.live.sending import Request, RetryPolicy
from mmaudit.tokens import count_tokens

LABEL_MAX_TOKENS = 100
LABEL_EXPECTED_TOKENS = 20  # {"task": ..., "complexity": ...}: what the projection assumes
MAX_PROMPT_CHARS = 6000  # a long prompt is cut: its start says what the job is
COMPLEXITY = {
    "simple": "one step, a short or formulaic answer (a label, a field, a one-line reply)",
    "moderate": "a few steps or a page of output (a summary, an email, a short function)",
    "complex": "multi-step reasoning, long or structured output, or expert judgement",
}

_LABEL_SAMPLE_SQL = """
WITH redacted AS (SELECT DISTINCT prompt_hash FROM calls WHERE text_redacted IS NOT false AND prompt_hash IS NOT NULL),
eligible AS (
    SELECT c.*, row_number() OVER (PARTITION BY coalesce(c.prompt_hash, c.call_id) ORDER BY c.call_hash, c.call_id) AS k
    FROM calls c
    WHERE c.text_redacted = false AND c.user_prompt IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM redacted r WHERE r.prompt_hash = c.prompt_hash))
SELECT coalesce(call_id, prompt_hash) AS item, call_id, prompt_hash, system_prompt, user_prompt, operation, n_tools,
       has_image, response_format, input_tokens, output_tokens, task, complexity
FROM eligible WHERE k = 1 ORDER BY call_hash, call_id LIMIT ?"""


@dataclass
class LabelPlan:
    model: tuple[str, str]  # (name, key)
    prompts: list[dict[str, Any]]  # sampled calls (see _LABEL_SAMPLE_SQL)
    cached: dict[str, str]  # item -> the labeller's earlier answer text
    requests: int
    projected_usd: Decimal
    worst_case_usd: Decimal
    system: str


def system_prompt(rules: Rules) -> str:
    tasks = "\n".join(f"- {name}: {rule.description or name}" for name, rule in rules.tasks.items())
    levels = "\n".join(f"- {name}: {text}" for name, text in COMPLEXITY.items())
    return (
        "You label requests sent to an LLM API with a task taxonomy. Read the request and decide which "
        f"task it asks for and how complex it is.\n\nTasks:\n{tasks}\n\nComplexity:\n{levels}\n\n"
        'Reply with JSON only: {"task": "<one task name>", "complexity": "simple" | "moderate" | "complex"}.'
    )


def _messages(system: str, prompt: dict[str, Any]) -> list[dict[str, str]]:
    parts = [f"[system prompt]\n{prompt['system_prompt']}"] if prompt.get("system_prompt") else []
    parts.append(f"[user message]\n{prompt['user_prompt']}")
    text = "\n\n".join(parts)
    if len(text) > MAX_PROMPT_CHARS:
        text = text[:MAX_PROMPT_CHARS] + "\n[... cut]"
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def parse_label(text: str | None, rules: Rules) -> tuple[str, str] | None:
    """(task, complexity) from the labeller's answer, or None when it is not in the taxonomy."""
    obj = json_object(text or "")
    if not obj:
        return None
    task, complexity = (
        str(obj.get("task", "")).strip().lower(),
        str(obj.get("complexity", "")).strip().lower(),
    )
    task = task if task in rules.tasks else rules.task_aliases.get(task, "")
    return (task, complexity) if task in rules.tasks and complexity in COMPLEXITY else None


def plan_labels(
    con: duckdb.DuckDBPyConnection, pricer: Pricer, rules: Rules, model: str, n: int
) -> LabelPlan:
    if n < 1:
        raise InputError(f"--sample must be at least 1 (found {n})")
    key = pricer.resolve(model)
    cur = con.execute(_LABEL_SAMPLE_SQL, [n])
    names = [d[0] for d in cur.description]
    prompts = [dict(zip(names, r)) for r in cur.fetchall()]
    if not prompts:
        raise InputError(
            "no logged prompts with their text to label (calls ingested with --redact-text are never sent)"
        )
    done = records.finished_requests(con, ("label",), [p["item"] for p in prompts])
    cached = {
        item: r["response_text"] for (item, _, m, _), r in done.items() if m == key and r["status"] == "ok"
    }
    system = system_prompt(rules)
    todo = [p for p in prompts if p["item"] not in cached]
    messages = [_messages(system, p) for p in todo]
    counts = count_tokens(["\n".join(m["content"] for m in msgs) for msgs in messages]) if todo else []
    projected = pricer.total([(key, c, LABEL_EXPECTED_TOKENS) for c in counts])
    worst = pricer.total([(key, input_bound(m), LABEL_MAX_TOKENS) for m in messages])
    return LabelPlan((model, key), prompts, cached, len(todo), projected, worst, system)


def execute_labels(
    con: duckdb.DuckDBPyConnection,
    plan: LabelPlan,
    pricer: Pricer,
    max_usd: Decimal | None,
    options: dict[str, Any],
    on_progress: Callable[[Budget], None] | None = None,
) -> tuple[str | None, EngineResult, Budget]:
    """Send the labelling requests `plan` still needs; every answer is stored as it arrives."""
    gateway = Gateway.from_env()
    budget = Budget(max_usd)
    if not plan.requests:
        return None, EngineResult("complete"), budget
    run_id = records.new_run_id()
    records.start_run(
        con,
        records.RunRow(
            run_id,
            "label",
            None,
            [plan.model[1]],
            None,
            "label",
            gateway.describe(),
            LABEL_MAX_TOKENS,
            max_usd,
            plan.projected_usd,
            plan.worst_case_usd,
        ),
    )

    def unit(prompt: dict[str, Any]) -> Callable[[Sender], None]:
        def work(sender: Sender) -> None:
            outcome = sender.send(
                Request(
                    prompt["item"],
                    plan.model[1],
                    plan.model[0],
                    "label",
                    _messages(plan.system, prompt),
                    LABEL_MAX_TOKENS,
                )
            )
            if outcome.status == "ok":
                plan.cached[prompt["item"]] = outcome.reply.text

        return work

    gave_up = 0

    def record(kind: str, payload: Any) -> None:
        nonlocal gave_up
        records.record_request(con, run_id, payload)
        gave_up += payload.status == "gave_up"
        if on_progress is not None:
            on_progress(budget)

    engine = Engine(
        Client(gateway, options["timeout_s"]),
        pricer,
        budget,
        RetryPolicy(options["retries"]),
        options["concurrency"],
    )
    result = EngineResult("interrupted")
    try:
        result = engine.run([unit(p) for p in plan.prompts if p["item"] not in plan.cached], record)
        if result.status == "complete" and gave_up:
            result = EngineResult("incomplete", f"{gave_up} requests gave up after their retries")
    finally:
        records.finish_run(con, run_id, result.status)
    return run_id, result, budget


def write_labels(plan: LabelPlan, rules: Rules, out: Path) -> tuple[int, int, list[dict[str, Any]]]:
    """Write every readable label in `categorize train`'s format; returns (written, unreadable, lines)."""
    lines, unreadable = [], 0
    for prompt in plan.prompts:
        if prompt["item"] not in plan.cached:
            continue
        label = parse_label(plan.cached[prompt["item"]], rules)
        if label is None:
            unreadable += 1
            continue
        line = {
            "system": prompt["system_prompt"],
            "user": prompt["user_prompt"],
            "task": label[0],
            "complexity": label[1],
            "operation": prompt["operation"],
            "n_tools": prompt["n_tools"],
            "has_image": prompt["has_image"],
            "response_format": prompt["response_format"],
            "input_tokens": prompt["input_tokens"],
            "output_tokens": prompt["output_tokens"],
            "call_id": prompt["call_id"],
            "prompt_hash": prompt["prompt_hash"],
            "labelled_by": plan.model[1],
            "categoriser_task": prompt["task"],
            "categoriser_complexity": prompt["complexity"],
        }
        lines.append({k: v for k, v in line.items() if v is not None})
    try:
        with open(out, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    except OSError as exc:
        raise InputError(f"{out}: cannot write: {exc}") from None
    return len(lines), unreadable, lines


def agreement(lines: list[dict[str, Any]]) -> tuple[float | None, float | None, list[dict[str, Any]]]:
    """Share of labels the current categoriser agrees with, overall and per labelled task."""
    if not lines:
        return None, None, []
    task_ok = [line["task"] == line.get("categoriser_task") for line in lines]
    cx_ok = [line["complexity"] == line.get("categoriser_complexity") for line in lines]
    per: dict[str, list[bool]] = {}
    for line, ok in zip(lines, task_ok):
        per.setdefault(line["task"], []).append(ok)
    per_task = [
        {"task": t, "labels": len(v), "agree": sum(v), "agreement": sum(v) / len(v)}
        for t, v in sorted(per.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return sum(task_ok) / len(lines), sum(cx_ok) / len(lines), per_task
