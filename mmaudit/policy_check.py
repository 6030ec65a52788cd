"""`policy validate --db`: a schema-valid policy checked against the price tables and the data.

The schema (mmaudit.policy) already refuses task/complexity/status values outside their closed
sets. Here, with a database:
- every model the policy names must resolve to a priced model (errors, with the closest names);
- warnings for what would silently do nothing: a route whose `when` matches no stored call, a
  `when` provider/model/operation value no stored call has (with the closest stored value), a
  tag never seen, an outage outside the stored period or for a provider no call or policy model
  has.
All counts are one SQL pass per route over `calls`, with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mmaudit import store
from mmaudit.formats import macros
from mmaudit.modelref import lookup, unknown_message
from mmaudit.policy import Policy, load_policy
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.simulate.tables import when_condition
from mmaudit.vocabulary import did_you_mean


@dataclass
class PolicyCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_policies(paths: list[Path], db: Path | None, prices: list[Path]) -> list[tuple[Path, Policy, PolicyCheck]]:
    """Load each policy (schema errors raise ConfigError) and check it against the price tables
    (bundled plus `prices`) and, given a database, its stored calls."""
    policies = [(path, load_policy(path)) for path in paths]
    con = store.connect(db, read_only=True) if db is not None else duckdb.connect()
    try:
        if db is not None:
            macros.install(con)
        register_prices(con, load_catalog(prices))
        return [(path, pol, check_policy(con, pol, str(path), with_data=db is not None)) for path, pol in policies]
    finally:
        con.close()


def check_policy(con: duckdb.DuckDBPyConnection, policy: Policy, source: str, with_data: bool = True) -> PolicyCheck:
    """Errors (unpriced models) and, `with_data` (a `calls` table on `con`), warnings (values
    that match no data). Needs pricing registered on `con`."""
    result = PolicyCheck()
    keys = lookup(con, policy.models())
    result.errors += [unknown_message(con, name, source) for name, key in keys.items() if key is None]
    if not with_data:
        return result
    when_keys = lookup(con, {v for r in policy.routes for v in (r.when or {}).get("model", [])})
    result.warnings += _route_warnings(con, policy, source, when_keys)
    result.warnings += _value_warnings(con, policy, source)
    result.warnings += _outage_warnings(con, policy, source)
    return result


def _route_warnings(con: duckdb.DuckDBPyConnection, policy: Policy, source: str,
                    when_keys: dict[str, str | None]) -> list[str]:
    warnings = []
    for i, route in enumerate(policy.routes[:-1]):
        cond, params = when_condition(route.when or {}, when_keys)
        n = con.execute(f"SELECT count(*) FROM calls c WHERE {cond}", params).fetchall()[0][0]
        if n == 0:
            warnings.append(f"{source}: routes.{i}: `when` {route.when} matches no stored call")
    return warnings


def _stored(con: duckdb.DuckDBPyConnection, expr: str) -> list[str]:
    """Distinct non-null values of a column expression over `calls` (our own expressions)."""
    rows = con.execute(f"SELECT DISTINCT v FROM (SELECT {expr} AS v FROM calls c) WHERE v IS NOT NULL").fetchall()
    return [r[0] for r in rows]


def _value_warnings(con: duckdb.DuckDBPyConnection, policy: Policy, source: str) -> list[str]:
    warnings = []
    columns = {"provider": "lower(c.provider)", "operation": "c.operation"}
    stored: dict[str, list[str]] = {}
    tags = set(_stored(con, "unnest(map_keys(c.tags))"))
    for i, route in enumerate(policy.routes[:-1]):
        for key, values in (route.when or {}).items():
            if key.startswith("tags."):
                name = key[len("tags."):]
                if name not in tags:
                    hint = did_you_mean(name, sorted(tags)) if tags else " (no call has tags)"
                    warnings.append(f"{source}: routes.{i}.when: tag {name!r} is never seen in the stored calls{hint}")
                continue
            if key not in columns:
                continue
            known = stored.setdefault(key, _stored(con, columns[key]))
            for value in values:
                if value.lower() not in {k.lower() for k in known}:
                    hint = did_you_mean(value, sorted(known)) if known else ""
                    warnings.append(f"{source}: routes.{i}.when.{key}: {value!r} is never seen in the stored calls{hint}")
    return warnings


def _outage_warnings(con: duckdb.DuckDBPyConnection, policy: Policy, source: str) -> list[str]:
    if not policy.failover.outages:
        return []
    first, last = con.execute("SELECT min(ts), max(ts) FROM calls").fetchall()[0]
    providers = set(_stored(con, "lower(c.provider)"))
    providers |= {r[0] for r in con.execute("SELECT DISTINCT lower(provider) FROM model_info WHERE provider IS NOT NULL").fetchall()}
    warnings = []
    for i, outage in enumerate(policy.failover.outages):
        if first is None or outage.end <= first or outage.start > last:
            period = f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC" if first is not None else "no dated calls"
            warnings.append(f"{source}: failover.outages.{i}: {outage.start.isoformat()} + {outage.hours:g}h is outside "
                            f"the stored period ({period}): it affects no call")
        if outage.provider.lower() not in providers:
            warnings.append(f"{source}: failover.outages.{i}: provider {outage.provider!r} is neither in the calls nor a "
                            f"priced model's provider{did_you_mean(outage.provider, sorted(providers))}")
    return warnings
