"""Sampled logs: stored records that stand for more (or fewer) real calls than one.

`sample_weight` (docs/calls.md) is how many real calls a record stands for. `simulate` scales
counts, tokens and costs by it; the usage views (`calls`, `report`, `audit`, `export`) count
records as logged. So that none of them reads as the full traffic without saying so, each says
it when a stored record has a weight other than 1.
"""

from __future__ import annotations

import duckdb

from mmaudit.store import has_column


def weighted_records(con: duckdb.DuckDBPyConnection) -> tuple[int, float]:
    """(stored records whose sample_weight is not 1, the real calls all stored records stand for)."""
    if not has_column(con, "sample_weight"):
        return 0, 0.0
    weighted, calls = con.execute(
        "SELECT count(*) FILTER (WHERE coalesce(sample_weight, 1) <> 1), coalesce(sum(coalesce(sample_weight, 1)), 0) "
        "FROM calls").fetchall()[0]
    return int(weighted), float(calls)


def sampling_note(con: duckdb.DuckDBPyConnection) -> str | None:
    """The note the usage views carry when the logs were sampled, else None."""
    weighted, calls = weighted_records(con)
    if not weighted:
        return None
    return (f"{weighted:,} stored record(s) carry a sample_weight other than 1 (all stored records stand for "
            f"{calls:,.0f} real calls): these figures count records as logged; `mmaudit simulate` scales "
            "calls, tokens and costs to the full traffic")
