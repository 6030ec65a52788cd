"""Running categorisation over a table of calls: the rules, the optional model, complexity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from mmaudit.categorise.plan import Plan, build_plan
from mmaudit.categorise.rules import Rules

if TYPE_CHECKING:
    from mmaudit.categorise.model import TrainedModel


def apply_categories(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rules: Rules,
    model: TrainedModel | None = None,
    plan: Plan | None = None,
) -> None:
    """Set task, complexity, category_confidence and category_source on every row of `table`.

    Set-based (see `plan.py`): text cues are evaluated once per distinct text into temp tables, one
    query per row computes the task and the complexity score, then one UPDATE writes them. With a
    model, the rules' answer is written first and batched predictions overwrite rule/default answers
    where the model is confident enough; a model with a complexity head (format 3) also writes the
    complexity of those rows, an older one is followed by a second UPDATE that sets the complexity
    from the rules (its bias follows the final task). Only the calls feature columns are read, so ingest can call this on a staging table
    before --redact-text drops the text. `plan` is `build_plan(table, rules)`, for a caller that
    categorises the same table many times (ingest, once per chunk) and builds it once.
    """
    plan = plan or build_plan(table, rules)
    try:
        for sql, params in plan.prepare:
            con.execute(sql, params)
        if model is None:
            con.execute(*plan.update_all)
        else:
            # format 3 text reads the rules' task AND complexity; older formats only the task
            con.execute(*(plan.update_all if model.text_version >= 3 else plan.update_task))
            model.apply(con, table, min_confidence=rules.model.min_confidence)
            if model.complexity is None:  # no complexity head: the rules' level, biased by the final task
                con.execute(*plan.update_complexity)
    finally:
        for sql in plan.cleanup:
            con.execute(sql)
