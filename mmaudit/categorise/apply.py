"""Running categorisation over a table of calls: the rules UPDATE, the optional model, complexity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from mmaudit.categorise.rules import Rules
from mmaudit.categorise.sql import complexity_update_sql, task_update_sql

if TYPE_CHECKING:
    from mmaudit.categorise.model import TrainedModel


def apply_categories(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rules: Rules,
    model: "TrainedModel | None" = None,
) -> None:
    """Set task, complexity, category_confidence and category_source on every row of `table`.

    Set-based: one UPDATE for the task (by the rules), then, with a model, batched predictions
    overwrite rule/default answers where the model is confident enough, then one UPDATE for the
    complexity (it depends on the final task). Only the calls feature columns are read, so ingest
    can call this on a staging table before --redact-text drops the text.
    """
    sql, params = task_update_sql(table, rules)
    con.execute(sql, params)
    if model is not None:
        model.apply(con, table, min_confidence=rules.model.min_confidence)
    sql, params = complexity_update_sql(table, rules)
    con.execute(sql, params)
