"""The steps ingest runs over each staged file before it is stored (categorise, then price).

Each enricher is `fn(con, table)` and works set-based on the staging table. Categorisation
runs first so that it still sees the prompt text when `--redact-text` later drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from mmaudit.categorise import Rules, apply_categories, load_rules
from mmaudit.categorise.plan import Plan, build_plan
from mmaudit.ingest import Enricher
from mmaudit.pricing import load_catalog, pricing_enricher
from mmaudit.store import resolve_db_path

if TYPE_CHECKING:
    from mmaudit.categorise import TrainedModel


def _model_for(db: Path | None) -> TrainedModel | None:
    """A model trained for this database (beside it) if there is one, else the bundled one."""
    from mmaudit.categorise.model import model_path_for

    model_file = model_path_for(resolve_db_path(db))
    if model_file.exists():
        from mmaudit.categorise import load_model

        return load_model(model_file)
    from mmaudit.categorise import default_model

    return default_model()


def categorise_enricher(rules_path: Path | None, db: Path | None, use_model: bool = True) -> Enricher:
    """Rules (defaults + the user's file) plus, unless `use_model` is off, a trained model
    (`_model_for`). Both run once per distinct prompt: on the loaded 2-core benchmark machine the
    model costs ~0.1 ms per distinct prompt (exact fast TF-IDF, `categorise/features.py`), the
    rules' text cues a little more."""
    rules = load_rules(rules_path)  # validated now: a bad rules file fails before any file is read
    models: list[TrainedModel | None] = []  # loaded at the first chunk: a run with nothing new never loads it

    def enrich(con: duckdb.DuckDBPyConnection, table: str) -> None:
        if not models:
            models.append(_model_for(db) if use_model else None)
        apply_categories(con, table, rules, models[0], _plan(table, rules))

    return enrich


# plans built by this process, by (rules object, staging table): ingest categorises each chunk of
# a file, and load_rules returns the same object for the bundled rules, so the SQL (~30 ms of
# Python) is built once per process; the Rules is held with its plan, so its id is not reused
_PLANS: dict[tuple[int, str], tuple[Rules, Plan]] = {}
_KEEP_PLANS = 8


def _plan(table: str, rules: Rules) -> Plan:
    found = _PLANS.get((id(rules), table))
    if found is None:
        found = _PLANS[(id(rules), table)] = (rules, build_plan(table, rules))
        while len(_PLANS) > _KEEP_PLANS:
            del _PLANS[next(iter(_PLANS))]
    return found[1]


def enrichers(prices: Sequence[Path] | None = None, rules: Path | None = None, db: Path | None = None,
              use_model: bool = True) -> list[Enricher]:
    """The enrichment steps for an ingest run, with the user's price tables and rules."""
    return [categorise_enricher(rules, db, use_model), pricing_enricher(load_catalog(list(prices or [])))]
