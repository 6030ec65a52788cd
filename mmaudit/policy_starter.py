"""`mmaudit policy init`: a commented starter policy built from the models the logs use."""

from __future__ import annotations

import re

_STARTER = """\
# Starter routing policy written by `mmaudit policy init` from the models in your database.
# Validate with `mmaudit policy validate FILE`; try it with `mmaudit simulate --policy FILE`.
version: 1
name: starter
tiers:                     # the first model of a tier is primary, the rest its fallback chain
  fast:    {{models: [{fast}], max_latency_ms: 1500, min_quality: 0.85}}
  general: {{models: [{general}], min_quality: 0.92}}
  deep:    {{models: [{deep}], min_quality: 0.95}}
routes:                    # first match wins
  - when: {{task: [classification, extraction, qa, translation], complexity: [simple]}}
    tier: fast
  - when: {{complexity: [complex]}}
    tier: deep
  - when: {{operation: [embedding]}}
    model: {embedding}
  - default: general       # `default: keep` leaves other calls on their logged model
uncertain: {{below_confidence: 0.6, action: up_one_tier}}   # unsure calls go one tier up
failover:
  use_logged_errors: true  # a logged 429/5xx on the target's provider tries the next model
"""
_DEFAULTS = {"fast": ["gpt-4o-mini", "claude-3-5-haiku"], "general": ["gpt-4o", "claude-3-5-sonnet"],
             "deep": ["o3", "deepseek-r1"], "embedding": ["text-embedding-3-small"]}


def starter_policy(con) -> str:  # type: ignore[no-untyped-def]
    """A commented policy whose tiers hold the models the logs use, by price level.

    Blended price per 1M tokens (3 parts input to 1 part output) below $1 is `fast`; reasoning
    models (o-series, R1) are `deep`; the rest `general`. Empty tiers get common defaults.
    Needs pricing registered on `con`.
    """
    rows = con.execute(
        """SELECT c.model_key, c.operation = 'embedding' AS embedding,
                  (3 * r.input_rate + r.output_rate) / 4 * 1000000 AS blended, count(*) AS calls
           FROM calls c JOIN price_rates r ON r.model_key = c.model_key AND r.is_latest
           GROUP BY ALL ORDER BY calls DESC"""
    ).fetchall()
    tiers: dict[str, list[str]] = {"fast": [], "general": [], "deep": [], "embedding": []}
    for key, embedding, blended, _calls in rows:
        if embedding:
            tier = "embedding"
        elif re.match(r"^(o[0-9]|deepseek-r1|deepseek-reasoner)", key):
            tier = "deep"
        else:
            tier = "fast" if blended is not None and blended < 1 else "general"
        if key not in tiers[tier]:
            tiers[tier].append(key)
    chosen = {t: (models or _DEFAULTS[t])[:3] for t, models in tiers.items()}
    return _STARTER.format(fast=", ".join(chosen["fast"]), general=", ".join(chosen["general"]),
                           deep=", ".join(chosen["deep"]), embedding=chosen["embedding"][0])
