"""The ONE resolver from the model names a policy writes to the calls they cover.

simulate (tiers, routes, `when: {model: ...}`), `report --policy` and `audit --policy` all go
through here, so a name means the same calls everywhere:

- a name resolves to a price-table key as logged ids do (`mm_model_key`: case-insensitive,
  aliases, provider prefixes and Bedrock/Vertex ids such as `anthropic.claude-3-5-sonnet-20240620-v1:0`
  or `claude-3-5-sonnet@20240620`, dated snapshots that have no key of their own);
- a name covers a call when the call's logged model is that name (any case), when the call's
  model resolved to the same key, or when the name's key is undated and the call's key is a
  dated snapshot of it or the same model sold by another provider (`gpt-4o` covers
  `gpt-4o-2024-08-06`; `claude-3-5-sonnet` covers Bedrock's
  `aws/regional.anthropic.claude-3-5-sonnet-20240620-v1:0` and Vertex's `google/claude-3-5-sonnet`;
  `gpt-4o-2024-08-06` covers only itself).

A name that resolves to no price is an error in simulate (a call cannot be priced there, never
$0) with the closest known names as suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import duckdb

from mmaudit.errors import ConfigError

# A price key's decoration around the model itself: the seller prefix of a resold model
# (`aws/`, `google/`, `azure/`), Bedrock's inference-profile region and vendor
# (`regional.anthropic.`), Bedrock's `-v1:0` version, and a dated snapshot's suffix.
_SELLER = r"^([a-z0-9_-]+/)?((regional|global|us|eu|apac|jp|au|ca|us-gov)[.])?((anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer)[.])?"
_VERSION = r"(-v[0-9]+(:[0-9]+)?)$"
_DATED = r"(-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|@[0-9]{8}|-[0-9]{4})$"


def family_sql(key: str) -> str:
    """SQL: the undated family of a price key expression (`gpt-4o-2024-08-06` -> `gpt-4o`,
    `aws/regional.anthropic.claude-3-5-sonnet-20240620-v1:0` -> `claude-3-5-sonnet`)."""
    return (f"regexp_replace(regexp_replace(regexp_replace({key}, '{_SELLER}', ''), '{_VERSION}', ''), "
            f"'{_DATED}', '')")


def family(key: str) -> str:
    """The undated family of a price key, in Python (as `family_sql`)."""
    return re.sub(_DATED, "", re.sub(_VERSION, "", re.sub(_SELLER, "", key)))


def covers_sql(name_key: str, call_key: str) -> str:
    """SQL: does a policy model (its resolved key) cover a call (its key)? Exact key, or the
    call is a dated snapshot of an undated policy key."""
    return (f"({call_key} = {name_key} OR ({name_key} = {family_sql(name_key)} "
            f"AND {family_sql(call_key)} = {name_key}))")


def lookup(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, str | None]:
    """Each name's price key (None when it resolves to none). Needs pricing registered on `con`."""
    return {name: con.execute("SELECT mm_model_key(?)", [name]).fetchall()[0][0] for name in sorted(set(names))}


def suggestions(con: duckdb.DuckDBPyConnection, name: str, n: int = 3) -> list[str]:
    """The known model keys and aliases closest to `name`."""
    known = [r[0] for r in con.execute("SELECT alias FROM model_aliases UNION SELECT model_key FROM model_info").fetchall()]
    return difflib.get_close_matches(name.strip().lower(), known, n=n, cutoff=0.5)


def unknown_message(con: duckdb.DuckDBPyConnection, name: str, source: str) -> str:
    near = suggestions(con, name)
    hint = f"; did you mean {' or '.join(repr(s) for s in near)}?" if near else ""
    return f"{source}: model {name!r} has no price in the price tables{hint} (see `mmaudit prices list`)"


def resolve_models(con: duckdb.DuckDBPyConnection, names: Iterable[str], source: str) -> dict[str, str]:
    """Policy model names -> price keys; a name with no price is a config error, never $0."""
    found = lookup(con, names)
    missing = [name for name, key in found.items() if key is None]
    if missing:
        raise ConfigError("\n".join(unknown_message(con, name, source) for name in missing))
    return {name: key for name, key in found.items() if key is not None}


def resolve_offline(names: Iterable[str]) -> dict[str, str | None]:
    """`lookup` on a scratch in-memory connection with the bundled price tables (for commands
    such as `audit` that read no prices of their own)."""
    from mmaudit.pricing import load_catalog, register_prices

    con = duckdb.connect()
    try:
        register_prices(con, load_catalog())
        return lookup(con, names)
    finally:
        con.close()
