"""The steps ingest runs over each staged file before it is stored (categorise, then price).

Each enricher is `fn(con, table)` and works set-based on the staging table. Categorisation
runs first so that it still sees the prompt text when `--redact-text` later drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from mmaudit.categorise import apply_categories, load_rules
from mmaudit.ingest import Enricher
from mmaudit.pricing import load_catalog, pricing_enricher
from mmaudit.store import resolve_db_path


def categorise_enricher(rules_path: Path | None, db: Path | None) -> Enricher:
    """Rules (defaults + the user's file), plus a model trained for this database if there is one,
    else the model bundled with the package when scikit-learn is installed (`default_model()`)."""
    rules = load_rules(rules_path)
    from mmaudit.categorise.model import model_path_for

    model_file = model_path_for(resolve_db_path(db))
    model = None
    if model_file.exists():
        from mmaudit.categorise import load_model

        model = load_model(model_file)
    else:
        from mmaudit.categorise import default_model

        model = default_model()

    def enrich(con: duckdb.DuckDBPyConnection, table: str) -> None:
        apply_categories(con, table, rules, model)

    return enrich


def enrichers(prices: Sequence[Path] | None = None, rules: Path | None = None, db: Path | None = None) -> list[Enricher]:
    """The enrichment steps for an ingest run, with the user's price tables and rules."""
    return [categorise_enricher(rules, db), pricing_enricher(load_catalog(list(prices or [])))]
