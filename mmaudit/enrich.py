"""The steps ingest runs over each staged file before it is stored (categorise, then price).

Each enricher is `fn(con, table)` and works set-based on the staging table. Categorisation
runs first so that it still sees the prompt text when `--redact-text` later drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mmaudit.ingest import Enricher
from mmaudit.pricing import load_catalog, pricing_enricher


def enrichers(prices: Sequence[Path] | None = None, rules: Path | None = None, db: Path | None = None) -> list[Enricher]:
    """The enrichment steps for an ingest run, with the user's price tables and rules."""
    steps: list[Enricher] = []
    steps.append(pricing_enricher(load_catalog(list(prices or []))))
    return steps
