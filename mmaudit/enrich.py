"""The steps ingest runs over each staged file before it is stored (categorise, price).

Each enricher is `fn(con, table)` and works set-based on the staging table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mmaudit.ingest import Enricher


def enrichers(prices: Sequence[Path] | None = None, rules: Path | None = None, db: Path | None = None) -> list[Enricher]:
    """The enrichment steps for an ingest run, with the user's price tables and rules."""
    steps: list[Enricher] = []
    return steps
