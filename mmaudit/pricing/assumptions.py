"""Calls whose price rests on an assumption rather than on what their log says, counted so that a
report can say so next to the cost it quotes ("measured beats assumed, and says which is which").

- `search_context_assumed`: answered calls on a model whose request fee depends on the search
  context size (Perplexity Sonar; `mmaudit/data/pricing/request_fees.yaml`) that did not log the
  size: they were charged genai-prices' fee, the highest one (up to $8 per 1,000 above a
  low-context call); not those before the model's legacy pricing ended (sonar and sonar-pro
  until 2025-04-18), which paid the legacy fee Perplexity billed such requests.
- `grounding_allowance_ignored`: priced Gemini calls that ran Google Search grounding: charged the
  fee with none of Google's account-wide free allowance deducted (1,500 grounded prompts a day on
  2.x, 5,000 a month on Gemini 3), which a log cannot show (`search_billing.yaml`).
- `provisioned_on_demand`: priced Vertex AI calls served from Provisioned Throughput
  (`tags['traffic_type']` PROVISIONED_THROUGHPUT): that capacity is bought up front by the GSU
  and week, so the call has no per-token price; it is charged the on-demand price of its tokens,
  what the same call costs without the commitment.

All three make the cost an upper bound for the calls they count.

- `host_assumed`: priced calls that name an open-weight model by its repository id
  (`deepseek-ai/DeepSeek-R1-0528`, `meta-llama/...`, `mistralai/...`, `Qwen/...`,
  `openai/gpt-oss-120b`) and no host: the maker's own API never answers with such an id, so a
  third-party host served them (Together, Fireworks, the Hugging Face router, NIM, a vLLM
  server...), at its own rates, which the log does not name. They are charged the maker's own rate
  (DeepSeek's, with its off-peak discount; genai-prices' `openai` rows for gpt-oss, which OpenAI's
  API does not serve), which that host may not charge: the cost is neither bound for these (a
  Nebius-served R1 call cost 9% more). OpenAI's org is a gateway's provider prefix too
  (OpenRouter's and LiteLLM's `openai/gpt-4o`): only its open-weight repositories count.

- `seller_assumed`: priced calls on a host that sells other makers' models at its own prices
  (Bedrock, Together, Fireworks, Groq, OpenRouter...; `apply.HOSTS_PRICED_APART`) whose model
  that host's price list in genai-prices lacks: they are charged another seller's rate (the
  maker's own API, most often; `tags['priced_as']` names it), which the host may not charge: the
  cost is neither bound for these (a Cohere Command R+ call on Bedrock at Cohere's own rates).

- `advisor_not_priced`: calls with a step on another model whose price is not known (an image
  generation tool's too, OpenAI's Responses API: `image_tool_*` tags)
  (`other_models_cost_usd` NULL: an unknown model, or calls stored before migration 0012 and not
  priced since). Such a step is an advisor the call consulted (Anthropic's advisor tool: the
  executor's request samples another, stronger model) or an attempt on a model that refused
  before the API fell back (server-side fallback), billed at that model's rates. Its tokens are in
  `tags` (`advisor_model`, `advisor_input_tokens`..., `fallback_from_model`...), not in the
  call's counts, and here not in its cost either: the cost is a lower bound for these calls. A
  priced step is in `cost_usd`. (The key keeps its first name: JSON keys are stable.)

- `container_not_priced`: answered OpenAI (or Azure) Responses calls that offered a hosted
  container, the code interpreter or the hosted shell (`tags['container_tool']`, the container
  in `tags['container_id']`). OpenAI bills the container apart from the tokens, by memory size
  and session ($0.03 per 20-minute session of 1 GB up to $1.92 of 64 GB; by the minute, five at
  least, since 2026-06-02), which no answer shows: how long the container lived, whether this
  call made it (an `auto` container is made even when the model runs no code) or reused one
  billed before. The cost is their tokens only: a lower bound for these calls.

- `guardrail_not_priced`: Bedrock calls whose invocation log shows guardrail policies evaluated
  (`tags['guardrail_units']`: the billed text units of its content, denied-topic, sensitive-
  information, contextual-grounding and automated-reasoning policies, on the request and the
  answer). AWS bills guardrails apart from the tokens, per 1,000 text units and policy; they are
  not priced here, so the cost of these calls is a lower bound, and a call the guardrail blocked
  shows $0 while its evaluation was billed.

- `cache_ttl_unknown`: priced calls read from Claude Code's telemetry events (`agent-telemetry`'s
  `claude_code.api_request`, formats/otel_logs.py) that wrote to the prompt cache. The event counts
  the writes (`cache_creation_tokens`) without saying whether they were 5-minute writes (1.25x the
  input rate) or 1-hour ones (2x); they are priced at the 5-minute rate, so the cost is a lower
  bound for these calls (current Claude Code writes 1-hour cache: a real 2.1.294 event's own
  `cost_usd` is the price with all its writes at the 1-hour rate, 57% above the 5-minute price).
  The event's `cost_usd`, the agent's own figure, is the logged cost.
"""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.pricing.apply import PRICED_AS
from mmaudit.pricing.rules import load_request_fees
from mmaudit.schema import OTHER_MODEL_STEPS
from mmaudit.store import has_column

ASSUMPTIONS = ("search_context_assumed", "grounding_allowance_ignored", "provisioned_on_demand", "advisor_not_priced",
               "host_assumed", "seller_assumed", "container_not_priced", "guardrail_not_priced", "cache_ttl_unknown")
# Hugging Face organisations whose repository ids name open-weight models (never a maker's own
# API's ids, nor a gateway's provider prefix: LiteLLM writes `deepseek/`, `mistral/`, `meta_llama/`)
REPOSITORY_ORGS = ("deepseek-ai", "meta-llama", "mistralai", "qwen", "zai-org", "thudm", "minimaxai", "ibm-granite",
                   "allenai", "tiiuae", "nousresearch")
# Repository ids of open-weight models whose maker's org is also a gateway's provider prefix
# (`openai/gpt-4o` on OpenRouter or LiteLLM is OpenAI's API model): Hugging Face's
# `openai/gpt-oss-20b` and `openai/gpt-oss-120b`, which OpenAI's API never serves (vLLM's `vllm
# serve openai/gpt-oss-120b` answers with that id)
REPOSITORY_IDS = ("openai/gpt-oss",)
# calls whose cache writes are counted with no 5-minute / 1-hour split: Claude Code's telemetry
# events (the `claude-code` app of `agent-telemetry`; its session files keep the split)
_CACHE_TTL_UNKNOWN = "(source_format = 'agent-telemetry' AND tags['app'] = 'claude-code')"
# the providers a call gets from its model's name alone: its maker (the log named no host)
_MAKERS = ("deepseek", "meta", "mistral", "alibaba", "moonshotai", "zai", "minimax", "openai", "unknown")


def assumptions_sql(searches: bool = True, step_costs: bool = True) -> str:
    """SELECT of each assumption's count over a `scoped` relation of calls; its one parameter is
    the list of model keys whose request fee depends on the search context size. `searches`:
    the calls have `web_searches` (a read-only database from before migration 0007 has not);
    `step_costs`: they have `other_models_cost_usd` (0012; before it, no such step was priced)."""
    grounded = ("count(*) FILTER (WHERE lower(provider) IN ('google', 'vertex') AND web_searches > 0 "
                "AND cost_usd IS NOT NULL)") if searches else "0"
    return f"""
SELECT count(*) FILTER (WHERE status = 'ok' AND list_contains(?::VARCHAR[], model_key)
                          AND tags['search_context_size'] IS NULL
                          AND NOT coalesce(ts < CAST(map_from_entries(?::STRUCT(k VARCHAR, v DATE)[])[model_key] AS TIMESTAMPTZ),
                                           false)) AS search_context_assumed,
       {grounded} AS grounding_allowance_ignored,
       count(*) FILTER (WHERE tags['traffic_type'] = 'PROVISIONED_THROUGHPUT' AND cost_usd IS NOT NULL)
           AS provisioned_on_demand,
       count(*) FILTER (WHERE ({_any_step()})
                        {"AND other_models_cost_usd IS NULL" if step_costs else ""}) AS advisor_not_priced,
       count(*) FILTER (WHERE cost_usd IS NOT NULL AND (lower(split_part(model, '/', 1)) IN ({_quoted(REPOSITORY_ORGS)})
                                                     OR {_any_prefix('lower(model)', REPOSITORY_IDS)})
                        AND lower(coalesce(provider, 'unknown')) IN ({_quoted(_MAKERS)})) AS host_assumed,
       count(*) FILTER (WHERE cost_usd IS NOT NULL AND tags['{PRICED_AS}'] IS NOT NULL) AS seller_assumed,
       count(*) FILTER (WHERE status = 'ok' AND tags['container_tool'] IS NOT NULL
                        AND lower(coalesce(provider, '')) IN ('openai', 'azure')) AS container_not_priced,
       count(*) FILTER (WHERE tags['guardrail_units'] IS NOT NULL) AS guardrail_not_priced,
       count(*) FILTER (WHERE cost_usd IS NOT NULL AND cache_write_tokens > 0 AND {_CACHE_TTL_UNKNOWN})
           AS cache_ttl_unknown
FROM scoped"""


def _any_step() -> str:
    return " OR ".join(f"tags['{x}_model'] IS NOT NULL" for x in OTHER_MODEL_STEPS)


def _any_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"starts_with({value}, '{p}')" for p in prefixes) + ")"


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def sized_fee_models() -> list[str]:
    return sorted(load_request_fees())


def legacy_fee_ends() -> list[dict[str, Any]]:
    """Each model with a legacy request fee and the day it ended: before it, a request that named
    no search context size paid that fee, which is no assumption."""
    return [{"k": k, "v": f.legacy.until} for k, f in sorted(load_request_fees().items()) if f.legacy is not None]


def count_assumptions(con: duckdb.DuckDBPyConnection, scope: Any) -> dict[str, int]:
    """Each assumption's count over the calls of a report `Scope`."""
    sql, params = scope.sql(assumptions_sql(scope.searches, has_column(con, "other_models_cost_usd")),
                            [sized_fee_models(), legacy_fee_ends()])
    row = con.execute(sql, params).fetchall()[0]
    return dict(zip(ASSUMPTIONS, (int(n) for n in row), strict=True))


def assumptions_note(counts: dict[str, int]) -> str | None:
    """One sentence naming the calls priced on an assumption, or None when there are none."""
    parts = []
    if counts.get("search_context_assumed"):
        parts.append(f"{counts['search_context_assumed']:,} Perplexity call(s) did not log their search context "
                     "size and were charged the highest request fee")
    if counts.get("grounding_allowance_ignored"):
        parts.append(f"{counts['grounding_allowance_ignored']:,} grounded Gemini call(s) were charged the search "
                     "fee with none of Google's free allowance deducted")
    if counts.get("provisioned_on_demand"):
        parts.append(f"{counts['provisioned_on_demand']:,} Vertex AI call(s) ran on prepaid Provisioned Throughput "
                     "and were charged the on-demand price of their tokens")
    notes = []
    if parts:
        notes.append("Priced on an assumption (the cost is an upper bound for these): " + "; ".join(parts) + ".")
    if counts.get("advisor_not_priced"):
        notes.append(f"{counts['advisor_not_priced']:,} call(s) ran a step on another model with no known price (an "
                     "advisor, an attempt that refused before a fallback, or an image tool): its tokens are billed at "
                     "that model's rates and are not in the cost (a lower bound for these; tags advisor_*, "
                     "fallback_from_* or image_tool_*).")
    if counts.get("host_assumed"):
        notes.append(f"{counts['host_assumed']:,} call(s) name an open-weight model by its repository id and no host: "
                     "a third-party host served them, and they were charged the model maker's own API rates, which "
                     "that host may not charge (neither bound).")
    if counts.get("seller_assumed"):
        notes.append(f"{counts['seller_assumed']:,} call(s) ran on a host with no list price of its own for their model "
                     "and were charged another seller's rate (tags['priced_as']), which that host may not charge "
                     "(neither bound).")
    if counts.get("container_not_priced"):
        notes.append(f"{counts['container_not_priced']:,} call(s) offered OpenAI's hosted containers (code interpreter, "
                     "hosted shell): the container sessions, billed apart by memory size and minute, are not in the "
                     "cost, as no log shows them (a lower bound for these; tags container_tool, container_id).")
    if counts.get("guardrail_not_priced"):
        notes.append(f"{counts['guardrail_not_priced']:,} Bedrock call(s) ran guardrail policies, which AWS bills apart "
                     "per text unit: not in the cost (a lower bound for these, blocked calls shown at $0 included; "
                     "tags guardrail_units).")
    if counts.get("cache_ttl_unknown"):
        notes.append(f"{counts['cache_ttl_unknown']:,} Claude Code telemetry call(s) wrote to the prompt cache without "
                     "saying whether for 5 minutes or 1 hour: the writes are priced at the 5-minute rate (a lower bound "
                     "for these; current Claude Code writes 1-hour cache, billed at 2x input, not 1.25x; the events' "
                     "own cost_usd is the logged cost).")
    return " ".join(notes) + " (docs/pricing.md)" if notes else None
