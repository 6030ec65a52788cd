"""The shape of one rate row: which rates a call can be charged, and how rows are laid out.

Every source (genai-prices, our curated overrides, a user's YAML table, a LiteLLM import) is
turned into the same row: one model, one validity window (dates, and a time of day for providers
with off-peak prices), one service tier, and per-token rates for

    component  input, cached_input (cache reads), cache_write (5-minute writes),
               cache_write_1h (1-hour writes), output, reasoning (of output)
    tier       base, lc_ (input_tokens > lc_threshold), lc2_ (input_tokens > lc2_threshold)
    processing standard, b_ (batch)

and per modality (audio, image) input_<m> (of input), cached_<m> (of cached_input) and
output_<m> (of output), standard and batch, with no long-context tier: NULL unless the model has
that price, and a NULL one is charged as the text part it belongs to (genai-prices' rule), at that
part's tier. Citation tokens (of output) likewise, with one standard rate.

A rate that does not exist is NULL, and a NULL rate makes the cost NULL (unpriced), so a batch
call on a model whose provider has no batch price is never charged the full price silently.
Rates are USD per token as exact Decimals (per 1M price scaled by 1e-6, no rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mmaudit.schema import MODALITY_COLUMNS

# Token modalities billed apart from text where a model has their price (genai-prices
# input_<m>_mtok, cache_<m>_read_mtok, output_<m>_mtok): each has an input, cached and output part.
MODALITIES = tuple(MODALITY_COLUMNS)  # audio, image
MODALITY_PARTS = tuple(f"{side}_{m}" for m in MODALITIES for side in ("input", "cached", "output"))
COMPONENTS = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning")
TIERS = ("", "lc_", "lc2_")
PROCESSING = ("", "b_")
# Output parts only a few models price apart from output (NULL otherwise: charged as output, at
# its tier and processing): citation tokens (Perplexity sonar-deep-research, genai-prices
# output_citation_mtok).
OUTPUT_PARTS = ("citation",)
# Search context sizes a per-request fee can depend on (Perplexity Sonar's `search_context_size`).
SEARCH_CONTEXT_SIZES = ("low", "medium", "high")
# per-token rates, then the per-search fee of server-side web search (USD per search; NULL: none
# known), the fee per request that ran any search however many it ran (Google bills Gemini 2.x
# grounding per grounded prompt; NULL: searches are billed one by one) and the per-request fee
# some providers add to the tokens (Perplexity Sonar; NULL: none); the per-call fee of the file
# search tool (OpenAI Responses `file_search_call`; NULL: none known); and the per-search fee of a
# search run by OpenAI's `web_search_preview` tool where it differs from the model's (NULL: the
# model's web_search_rate), since OpenAI bills that tool at its own price on some models
RATE_NAMES = (tuple(f"{p}{t}{c}_rate" for p in PROCESSING for t in TIERS for c in COMPONENTS)
              + tuple(f"{p}{m}_rate" for p in PROCESSING for m in MODALITY_PARTS)
              + ("citation_rate", "web_search_rate", "searched_request_rate", "file_search_rate", "request_rate",
                 "web_search_preview_rate")
              # the per-request fee at a search context size, where it depends on it (NULL: request_rate)
              + tuple(f"request_{size}_rate" for size in SEARCH_CONTEXT_SIZES))
MAX_TIERS = 2


def per_token(per_million: Decimal | None) -> Decimal | None:
    """USD per 1M tokens -> USD per token, exactly (a decimal shift, no rounding)."""
    return None if per_million is None else Decimal(per_million).scaleb(-6)


@dataclass(frozen=True)
class Component:
    """One component's price per 1M tokens: a base and optional tiers (start, price).

    A tier applies to the WHOLE request when input_tokens > start (genai-prices' rule; a provider
    billing "at or above N" is written as start N - 1).
    """

    base: Decimal
    tiers: tuple[tuple[int, Decimal], ...] = ()

    def at(self, threshold: int | None) -> Decimal:
        """The price in the region input_tokens > threshold (None: below every tier)."""
        price = self.base
        for start, tier_price in self.tiers:
            if threshold is not None and start <= threshold:
                price = tier_price
        return price

    def scaled(self, factor: Decimal) -> Component:
        return Component(self.base * factor, tuple((s, p * factor) for s, p in self.tiers))


@dataclass(frozen=True)
class PriceSpec:
    """A model's prices at one moment, per component (USD per 1M tokens); None = not priced."""

    components: dict[str, Component]
    batch: dict[str, Component] | None = None  # None: no batch price known
    batch_source: str | None = None
    web_search_per_1k: Decimal | None = None  # USD per 1,000 server-side web searches
    request_per_1k: Decimal | None = None  # USD per 1,000 answered requests, on top of the tokens
    searched_request_per_1k: Decimal | None = None  # USD per 1,000 requests that searched (instead of per search)
    file_search_per_1k: Decimal | None = None  # USD per 1,000 file-search tool calls

    def thresholds(self) -> list[int]:
        starts = {s for c in self.components.values() for s, _ in c.tiers}
        if self.batch:
            starts |= {s for c in self.batch.values() for s, _ in c.tiers}
        return sorted(starts)


@dataclass
class RateRow:
    """One row of price_rates before it reaches DuckDB."""

    model_key: str
    provider: str
    source: str
    table_name: str
    table_path: str | None
    valid_from: object  # date
    valid_to: object | None
    rates: dict[str, Decimal | None]
    lc_threshold: int | None = None
    lc2_threshold: int | None = None
    tod_from: object | None = None  # datetime.time, UTC
    tod_to: object | None = None
    tod_days: list[int] | None = None  # ISO weekdays (1 = Monday) the segment applies on; None = every day
    service_tier: str = "standard"
    fixed_monthly_usd: Decimal | None = None
    batch_source: str | None = None
    note: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _filled(components: dict[str, Component]) -> dict[str, Component] | None:
    """Fill unpriced components the way genai-prices decomposes usage.

    Cache reads/writes without their own price are charged as input, 1-hour writes without
    their own price as (5-minute) writes, reasoning without its own price as output. (Audio and
    image parts without their own price stay unfilled: the cost formula charges them as their text
    part, at its long-context tier.)
    """
    if "input" not in components:
        return None
    filled = dict(components)
    filled.setdefault("output", Component(Decimal(0)))
    filled.setdefault("cached_input", filled["input"])
    filled.setdefault("cache_write", filled["input"])
    filled.setdefault("cache_write_1h", filled["cache_write"])
    filled.setdefault("reasoning", filled["output"])
    return filled


def spec_rates(spec: PriceSpec) -> tuple[dict[str, Decimal | None], int | None, int | None] | None:
    """Rate columns, lc_threshold and lc2_threshold of a spec; None when it has no input price."""
    standard = _filled(spec.components)
    if standard is None:
        return None
    thresholds = spec.thresholds()
    if len(thresholds) > MAX_TIERS:
        raise ValueError(f"more than {MAX_TIERS} long-context tiers: {thresholds}")
    batch = _filled(spec.batch) if spec.batch else None
    regions = [None, *thresholds]
    rates: dict[str, Decimal | None] = {}
    for prefix, comps in (("", standard), ("b_", batch)):
        for i, tier in enumerate(TIERS):
            for name in COMPONENTS:
                if comps is None or i >= len(regions):
                    rates[f"{prefix}{tier}{name}_rate"] = None
                else:
                    rates[f"{prefix}{tier}{name}_rate"] = per_token(comps[name].at(regions[i]))
        for name in MODALITY_PARTS:  # one price in every tier (genai-prices has no tiered audio or image price)
            rates[f"{prefix}{name}_rate"] = per_token(comps[name].base) if comps and name in comps else None
    for name in OUTPUT_PARTS:  # one standard price (no tier, no batch price on record for any model)
        rates[f"{name}_rate"] = per_token(standard[name].base) if name in standard else None
    rates["web_search_rate"] = None if spec.web_search_per_1k is None else Decimal(spec.web_search_per_1k).scaleb(-3)
    rates["request_rate"] = None if spec.request_per_1k is None else Decimal(spec.request_per_1k).scaleb(-3)
    rates["searched_request_rate"] = (None if spec.searched_request_per_1k is None
                                      else Decimal(spec.searched_request_per_1k).scaleb(-3))
    rates["file_search_rate"] = None if spec.file_search_per_1k is None else Decimal(spec.file_search_per_1k).scaleb(-3)
    rates["web_search_preview_rate"] = None  # set from the curated tool fees (pricing.rules) where it differs
    for size in SEARCH_CONTEXT_SIZES:
        rates[f"request_{size}_rate"] = None  # set from the curated fees (pricing.rules) where known
    lc = thresholds[0] if thresholds else None
    lc2 = thresholds[1] if len(thresholds) > 1 else None
    return rates, lc, lc2
