"""`policy validate --db`: a schema-valid policy checked against the price tables and the data.

The schema (mmaudit.policy) already refuses task/complexity/status values outside their closed
sets. Here, with a database:
- every model the policy names must resolve to a priced model (errors, with the closest names);
- warnings for what would silently do nothing: a route whose `when` matches no stored call, a
  `when` provider/model/operation value no stored call has (with the closest stored value), a
  tag never seen, an outage outside the stored period or for a provider no call or policy model
  has.
All of it is one SQL pass over `calls` (plus one for tag names when a route names a tag), with
bound parameters. `simulate` warns from its own replay (`replay_warnings`): routes that take no
call of the period and outages outside it, without a second scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from mmaudit import store
from mmaudit.errors import ConfigError
from mmaudit.formats import macros
from mmaudit.modelref import lookup, unknown_message
from mmaudit.policy import Policy, load_policy
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.store import fetch_dicts
from mmaudit.vocabulary import did_you_mean


@dataclass
class PolicyCheck:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_policies(paths: list[Path], db: Path | None,
                      prices: list[Path]) -> list[tuple[Path, Policy | None, PolicyCheck]]:
    """Load each policy and check it against the price tables (bundled plus `prices`) and, given
    a database, its stored calls. A file that fails its schema is returned with no policy and its
    error, so every file of `policy validate a.yaml b.yaml` is reported, not only the first bad one."""
    loaded = [(path, *_load(path)) for path in paths]
    con = store.connect(db, read_only=True) if db is not None else duckdb.connect()
    try:
        if db is not None:
            macros.install(con)
        register_prices(con, load_catalog(prices))
        return [(path, pol, check_policy(con, pol, str(path), with_data=db is not None) if pol else check)
                for path, pol, check in loaded]
    finally:
        con.close()


def _load(path: Path) -> tuple[Policy | None, PolicyCheck]:
    try:
        return load_policy(path), PolicyCheck()
    except ConfigError as exc:
        return None, PolicyCheck(errors=[str(exc)])


def check_policy(con: duckdb.DuckDBPyConnection, policy: Policy, source: str, with_data: bool = True,
                 period: str = "true") -> PolicyCheck:
    """Errors (unpriced models) and, `with_data` (a `calls` table on `con`), warnings (values
    that match no data). Needs pricing registered on `con`."""
    result = PolicyCheck()
    keys = lookup(con, policy.models())
    result.errors += [unknown_message(con, name, source) for name, key in keys.items() if key is None]
    if not with_data:
        return result
    facts = _scan(con, policy, period)
    result.warnings += _route_warnings(policy, source, facts)
    result.warnings += _value_warnings(policy, source, facts)
    result.warnings += _outage_warnings(con, policy, source, facts)
    return result


def replay_warnings(con: duckdb.DuckDBPyConnection, policy: Policy, source: str) -> list[str]:
    """A replay's warnings, from its own classes (`_sim_final`): each route no replayed call took
    (first match wins, so a route shadowed by earlier ones counts too) and each outage outside
    the replayed days or for an unknown provider. No second scan of the calls."""
    taken = {int(r[0]): r[1] for r in con.execute("SELECT route_idx, sum(n) FROM _sim_final GROUP BY 1").fetchall()}
    warnings = [f"{source}: routes.{i}: `when` {route.when} takes no call of the period"
                for i, route in enumerate(policy.routes[:-1]) if not taken.get(i)]
    if policy.failover.outages:
        first, last = con.execute("SELECT make_date(1970, 1, 1) + min(day), make_date(1970, 1, 1) + max(day) + 1 "
                                  "FROM _sim_final").fetchall()[0]
        providers = [r[0] for r in con.execute("SELECT DISTINCT lower(provider) FROM calls WHERE provider IS NOT NULL "
                                               "UNION SELECT DISTINCT lower(provider) FROM model_info").fetchall() if r[0]]
        facts = {"first": first, "last": last, "providers": providers}
        warnings += _outage_warnings(con, policy, source, facts)
    return warnings


def _scan(con: duckdb.DuckDBPyConnection, policy: Policy, period: str) -> dict[str, Any]:
    """One pass over the calls of the period: how many each route's `when` matches, which tags a
    route names are present, the providers and operations seen, and the first and last call."""
    from mmaudit.simulate.tables import when_condition  # here: mmaudit.simulate's engine imports this module

    when_keys = lookup(con, {v for r in policy.routes for v in (r.when or {}).get("model", [])})
    parts, params = [], []
    for i, route in enumerate(policy.routes[:-1]):
        cond, cond_params = when_condition(route.when or {}, when_keys)
        parts.append(f"count(*) FILTER (WHERE {cond}) AS route{i}")
        params += cond_params
    tags = sorted({k[len("tags."):] for r in policy.routes for k in (r.when or {}) if k.startswith("tags.")})
    for j, tag in enumerate(tags):
        parts.append(f"count(*) FILTER (WHERE c.tags[?] IS NOT NULL) AS tag{j}")
        params.append(tag)
    parts += ["list(DISTINCT lower(c.provider)) FILTER (WHERE c.provider IS NOT NULL) AS providers",
              "list(DISTINCT c.operation) FILTER (WHERE c.operation IS NOT NULL) AS operations",
              "min(c.ts) AS first", "max(c.ts) AS last"]
    row = fetch_dicts(con, f"SELECT {', '.join(parts)} FROM calls c WHERE {period}", params)[0]
    row["tags"] = {tag: row[f"tag{j}"] for j, tag in enumerate(tags)}
    missing = any(not row["tags"][t] for t in tags)  # the tag names seen only matter for a suggestion
    row["all_tags"] = [] if not missing else [r[0] for r in con.execute(
        f"SELECT DISTINCT k FROM (SELECT unnest(map_keys(c.tags)) AS k FROM calls c WHERE {period})").fetchall()]
    return row


def _epoch(value: Any) -> float:
    """Seconds since 1970 of a stored timestamp or a date (UTC midnight)."""
    if isinstance(value, datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
    return datetime.combine(value, datetime.min.time(), tzinfo=UTC).timestamp()


def _route_warnings(policy: Policy, source: str, facts: dict[str, Any]) -> list[str]:
    return [f"{source}: routes.{i}: `when` {route.when} matches no stored call"
            for i, route in enumerate(policy.routes[:-1]) if facts[f"route{i}"] == 0]


def _value_warnings(policy: Policy, source: str, facts: dict[str, Any]) -> list[str]:
    warnings = []
    stored = {"provider": facts["providers"] or [], "operation": facts["operations"] or []}
    for i, route in enumerate(policy.routes[:-1]):
        for key, values in (route.when or {}).items():
            if key.startswith("tags."):
                name = key[len("tags."):]
                if not facts["tags"][name]:
                    known = sorted(facts["all_tags"])
                    hint = did_you_mean(name, known) if known else " (no call has tags)"
                    warnings.append(f"{source}: routes.{i}.when: tag {name!r} is never seen in the stored calls{hint}")
                continue
            known = stored.get(key)
            if known is None:
                continue
            for value in values:
                if value.lower() not in {k.lower() for k in known}:
                    hint = did_you_mean(value, sorted(known)) if known else ""
                    warnings.append(f"{source}: routes.{i}.when.{key}: {value!r} is never seen in the stored calls{hint}")
    return warnings


def _outage_warnings(con: duckdb.DuckDBPyConnection, policy: Policy, source: str, facts: dict[str, Any]) -> list[str]:
    if not policy.failover.outages:
        return []
    first, last = facts["first"], facts["last"]
    providers = set(facts["providers"] or [])
    providers |= {r[0] for r in con.execute("SELECT DISTINCT lower(provider) FROM model_info WHERE provider IS NOT NULL").fetchall()}
    warnings = []
    for i, outage in enumerate(policy.failover.outages):
        if first is None or outage.end.timestamp() <= _epoch(first) or outage.start.timestamp() > _epoch(last):
            period = f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC" if first is not None else "no dated calls"
            warnings.append(f"{source}: failover.outages.{i}: {outage.start.isoformat()} + {outage.hours:g}h is outside "
                            f"the period of the calls ({period}): it affects no call")
        if outage.provider.lower() not in providers:
            warnings.append(f"{source}: failover.outages.{i}: provider {outage.provider!r} is neither in the calls nor a "
                            f"priced model's provider{did_you_mean(outage.provider, sorted(providers))}")
    return warnings
