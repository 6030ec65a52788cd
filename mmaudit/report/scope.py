"""The rows a report looks at: the `scoped` CTE (period filter, UTC time, tier) and `--by` dimensions.

Every section builds its SQL on `Scope.sql(...)`, so the period and tier rules live in one place.
User text (tag names, policy model names) only ever travels as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from mmaudit.errors import InputError
from mmaudit.modelref import covers_sql
from mmaudit.report.tiers import tier_cte
from mmaudit.store import fetch_dicts

# name -> SQL over the `scoped` CTE. The only expressions a `--by` value can select.
DIMENSIONS: dict[str, str] = {
    "provider": "coalesce(provider, '(none)')",
    "model": "coalesce(model, '(none)')",
    "model_key": "coalesce(model_key, '(unpriced)')",
    "operation": "coalesce(operation, '(none)')",
    "task": "coalesce(task, 'uncategorised')",
    "complexity": "coalesce(complexity, 'uncategorised')",
    "tier": "tier",
    "status": "status",
}
EVERY_UNITS = ("day", "week", "month")
TAG_PREFIX = "tag:"


@dataclass(frozen=True)
class Dimension:
    """One grouping column: its output key, header, SQL and bound parameters."""

    key: str
    header: str
    sql: str
    params: tuple[Any, ...] = ()


def parse_dimensions(text: str | None) -> list[Dimension]:
    """`model,provider,tag:team` -> Dimensions; anything not in DIMENSIONS (or tag:NAME) is refused."""
    dims: list[Dimension] = []
    for raw in (text or "").split(","):
        name = raw.strip()
        if not name:
            continue
        if name.startswith(TAG_PREFIX):
            tag = name[len(TAG_PREFIX):].strip()
            if not tag or len(tag) > 200:
                raise InputError(f"--by {name!r}: expected tag:NAME with a tag name")
            dims.append(Dimension(f"tag:{tag}", tag, "coalesce(tags[?], '(none)')", (tag,)))
        elif name in DIMENSIONS:
            dims.append(Dimension(name, name.replace("_", " ").capitalize(), DIMENSIONS[name]))
        else:
            choices = ", ".join([*DIMENSIONS, "tag:NAME"])
            raise InputError(f"--by {name!r}: unknown dimension (choose from {choices})")
    if len({d.key for d in dims}) != len(dims):
        raise InputError(f"--by {text!r}: a dimension is repeated")
    return dims


def bucket_dimension(every: str) -> Dimension:
    """The `--every` time bucket as a dimension (unit checked against a fixed list)."""
    if every not in EVERY_UNITS:
        raise InputError(f"--every {every!r}: choose from {', '.join(EVERY_UNITS)}")
    return Dimension(every, every.capitalize(), f"CAST(date_trunc('{every}', ts_utc) AS DATE)")


@dataclass(frozen=True)
class Scope:
    """Calls with `start <= ts < end` (a None bound is open) plus `ts_utc` and `tier` columns."""

    start: datetime | None = None
    end: datetime | None = None
    tiers: dict[str, str] | None = None
    tier_keys: tuple[str | None, ...] | None = None  # each policy name's price key (tiers.policy_keys)
    searches: bool = True  # calls has web_searches (a read-only pre-0007 database has not)

    def cte(self) -> tuple[str, list[Any]]:
        tier_sql, params = tier_cte(self.tiers, self.tier_keys, self.searches)
        policy = self.tiers is not None
        fallback = "'unassigned'" if policy else "'unpriced'"
        # A policy's names match calls through mmaudit.modelref (as simulate does): the logged model
        # (any case), then the resolved key, then a dated snapshot of an undated key.
        by_key = f"""LEFT JOIN (SELECT k.model_key, arg_min(t.tier, t.pos) AS tier
                       FROM (SELECT DISTINCT model_key FROM calls WHERE model_key IS NOT NULL) k, tier_map t
                       WHERE t.tier_key IS NOT NULL AND {covers_sql('t.tier_key', 'k.model_key')}
                       GROUP BY k.model_key) t2 ON t2.model_key = c.model_key""" if policy else ""
        tier = f"coalesce(t1.tier, t2.tier, {fallback})" if policy else f"coalesce(t1.tier, {fallback})"
        where, where_params = self._where()
        sql = f"""WITH {tier_sql},
scoped AS (
    SELECT c.*, c.ts AT TIME ZONE 'UTC' AS ts_utc, {tier} AS tier
    FROM calls c
    LEFT JOIN {"(SELECT lower(tier_model) AS tier_model, arg_min(tier, pos) AS tier FROM tier_map GROUP BY 1)"
               if policy else "tier_map"} t1 ON t1.tier_model = {"lower(c.model)" if policy else "c.model"}
    {by_key}
    {where}
)"""
        return sql, [*params, *where_params]

    def _where(self) -> tuple[str, list[Any]]:
        conds, params = [], []
        if self.start is not None:
            conds.append("c.ts >= ?")
            params.append(self.start)
        if self.end is not None:
            conds.append("c.ts < ?")
            params.append(self.end)
        return ("WHERE " + " AND ".join(conds) if conds else ""), params

    def sql(self, body: str, params: list[Any] | tuple[Any, ...] = ()) -> tuple[str, list[Any]]:
        """`WITH tier_map, scoped <body>`: body's `?` come after the scope's own parameters."""
        cte, cte_params = self.cte()
        return f"{cte}\n{body}", [*cte_params, *params]


def select_dims(dims: list[Dimension]) -> tuple[str, list[Any]]:
    """`expr AS dim0, ...` for a SELECT list, with the dimensions' parameters in order.

    Columns are aliased by position, never by the user's tag name; `name_dims` renames them.
    """
    parts = [f"{d.sql} AS dim{i}, " for i, d in enumerate(dims)]
    params = [p for d in dims for p in d.params]
    return "".join(parts), params


def name_dims(rows: list[dict[str, Any]], dims: list[Dimension]) -> list[dict[str, Any]]:
    """Replace the positional `dimN` keys by each dimension's key, keeping column order."""
    names = {f"dim{i}": d.key for i, d in enumerate(dims)}
    return [{names.get(k, k): v for k, v in row.items()} for row in rows]


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Run one query and return its rows as dicts keyed by column name."""
    return fetch_dicts(con, sql, params)
