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

    # (`openai-decisions` repeats `openai`'s address: as in genai-prices, the first match wins)
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


def _schemeless(pattern: str) -> str:
    """The pattern anchored at the start of the value, its scheme optional: a span's
    `server.address` is a bare host (`api.groq.com`)."""
    for scheme in ("https://", "https?://", "(https?://)?"):
        if pattern.startswith(scheme):
            pattern = pattern[len(scheme):]
            break
    return "^(?:[a-z][a-z0-9+.-]*://)?(?:" + pattern + ")"


def macro_sql(names: dict[str, str]) -> str:
    """`mm_provider_from_url(u)`: the provider whose address `u` is (with or without its scheme),
    in mmaudit's names (`names`: label -> name); NULL when none claims it. One CASE of anchored
    patterns with literal answers: a macro is planned with every query that uses it, and each
    nested macro call would be copied into every arm."""
    arms = " ".join(f"WHEN regexp_matches(u, {_literal(_schemeless(pattern))}) THEN {_literal(names[label])}"
                    for label, pattern in host_patterns())
    return f"CREATE OR REPLACE TEMP MACRO mm_provider_from_url(u) AS (CASE WHEN u IS NULL THEN NULL {arms} END)"


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create `mm_provider_from_url` on this connection (after `macros.install`: its answers are
    `mm_provider_name`'s for genai-prices' provider ids, asked once here)."""
    labels = [label for label, _ in host_patterns()]
    names = dict(con.execute("SELECT label, mm_provider_name(label, NULL) FROM unnest(?::VARCHAR[]) t(label)",
                             [labels]).fetchall())
    con.execute(macro_sql(names))
