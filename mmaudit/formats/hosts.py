"""The provider an API host belongs to, from genai-prices' `api_pattern`s.

A model id does not say who served it: `meta-llama/Llama-3.3-70B-Instruct-Turbo` is sold by
Together, DeepInfra, Fireworks... each at its own price, and an OpenAI SDK pointed at another
host still reports `gen_ai.system = "openai"`. The address the call went to does say, and logs
often keep it: a captured HTTP exchange's `request.url`, an OpenTelemetry span's
`server.address`, LiteLLM's `api_base`. genai-prices lists each provider's API address as a
regular expression (`https://api\\.together\\.xyz`), matched from the start of the URL in its
order, first match wins (its `find_provider`); `mm_provider_from_url(u)` does the same in SQL and
answers in mmaudit's provider names (`mm_provider_name`), NULL for an address no provider claims
(a company gateway, a local proxy). One departure: Vertex AI's hosts (`*aiplatform.googleapis.com`)
are `vertex`, where genai-prices has one `google` for every googleapis.com host, because Vertex
prices some models apart (mmaudit/pricing/resolve.py).

The patterns come from the installed genai-prices, kept on disk per its version (importing its
data module costs ~0.1 s; a warm process reads a small JSON file instead).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import duckdb

# ours, ahead of genai-prices' single `google` pattern (regional hosts are `us-central1-aiplatform...`)
_VERTEX = ("vertex_ai", r"https?://([a-z0-9-]+-)?aiplatform\.googleapis\.com")


@lru_cache(maxsize=1)
def host_patterns() -> tuple[tuple[str, str], ...]:
    """(provider label, regex) in genai-prices' order, Vertex AI's first."""
    from mmaudit.pricing.genai import cache_dir, genai_version

    path = Path(cache_dir()) / f"genai-hosts-{genai_version()}.json"
    try:
        return tuple((str(p), str(r)) for p, r in json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    patterns = (_VERTEX, *_library_patterns())
    _save(path, patterns)
    return patterns


def _library_patterns() -> list[tuple[str, str]]:
    from genai_prices.data_snapshot import get_snapshot

    # `openai-decisions` and the like repeat an address another provider already claims first
    return [(p.id, p.api_pattern) for p in get_snapshot().providers if p.api_pattern]


def _save(path: Path, patterns: tuple[tuple[str, str], ...]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(patterns), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def macro_sql() -> list[str]:
    """`mm_provider_from_url(u)`: the provider whose address `u` is (a bare host is read as
    https://host), in mmaudit's names; NULL when none claims it. One scan with every pattern at
    once turns unclaimed addresses away; a claimed one then finds its provider in order."""
    patterns = host_patterns()
    anchored = [(label, "^(?:" + pattern + ")") for label, pattern in patterns]
    every = "^(?:" + "|".join(f"(?:{pattern})" for _, pattern in patterns) + ")"
    arms = " ".join(f"WHEN regexp_matches(mm_url(u), {_literal(regex)}) THEN {_literal(label)}" for label, regex in anchored)
    return [
        "CREATE OR REPLACE TEMP MACRO mm_url(u) AS (CASE WHEN contains(u, '://') THEN u ELSE 'https://' || trim(u) END)",
        f"CREATE OR REPLACE TEMP MACRO mm_provider_from_url(u) AS ("
        f"CASE WHEN u IS NULL OR NOT regexp_matches(mm_url(u), {_literal(every)}) THEN NULL "
        f"ELSE mm_provider_name(CASE {arms} END, NULL) END)",
    ]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create `mm_provider_from_url` on this connection (after `macros.install`: it answers
    through `mm_provider_name`)."""
    for sql in macro_sql():
        con.execute(sql)
