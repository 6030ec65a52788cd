"""Curated pricing rules that are not prices: provider batch discounts and id corrections.

`mmaudit/data/pricing/batch_rules.yaml`: which providers discount batch calls, by how much and
since when, each with the provider page that says so. A batch call is priced from genai-prices'
batch variant where it has one, else from these rules, else it is unpriced (never full price).

`mmaudit/data/pricing/aliases.yaml`: logged ids that genai-prices (or our suffix stripping)
sends to the wrong model, e.g. `mistral-large-latest` (Large 3 since December 2025).

`mmaudit/data/pricing/request_fees.yaml`: per-request fees by search context size (Perplexity
Sonar), where genai-prices lists only the highest.

`mmaudit/data/pricing/search_billing.yaml`: models whose web-search fee is charged once per
request that searched (Gemini 2.x grounding: per grounded prompt), not per search.

`mmaudit/data/pricing/tool_fees.yaml`: per-call fees of server-side tools that genai-prices lists no
price for (xAI's web and X searches, $5 per 1,000 calls since its Agent Tools API; gpt-5-search-api's
searches), or prices apart by tool (OpenAI's `web_search_preview`, $25 per 1,000 on the gpt-4o and
gpt-4.1 families where genai-prices lists the GA tool's $10).

`mmaudit/data/pricing/geo_rates.yaml`: token prices for inference pinned to a geography
(Anthropic `inference_geo: us`, 1.1x on Opus 4.6 and later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mmaudit.pricing.bundled import load_bundled

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "pricing"

# provider names as they appear in tables and logs -> genai-prices provider ids
PROVIDER_IDS = {
    "openai": "openai", "azure": "azure", "azure_openai": "azure", "azure_ai": "azure",
    "anthropic": "anthropic", "bedrock": "aws", "aws": "aws", "amazon": "aws", "aws_bedrock": "aws",
    "bedrock_converse": "aws", "vertex": "google", "vertex_ai": "google", "vertex_ai_beta": "google",
    "google": "google", "gemini": "google", "google_ai_studio": "google", "deepseek": "deepseek",
    "mistral": "mistral", "xai": "x-ai", "x-ai": "x-ai", "grok": "x-ai", "openrouter": "openrouter",
    "groq": "groq", "together": "together", "together_ai": "together", "fireworks": "fireworks",
    "fireworks_ai": "fireworks", "cohere": "cohere", "cohere_chat": "cohere", "perplexity": "perplexity",
    "meta": "meta", "meta_llama": "meta", "cerebras": "cerebras", "moonshot": "moonshotai",
    "cursor": "cursor",
}


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from exc
    return value


ModelPattern = Annotated[str, Field(min_length=1), AfterValidator(_regex)]  # a regular expression over model keys


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BatchRule(_Strict):
    provider: str = Field(min_length=1)  # genai-prices provider id
    discount: Decimal = Field(gt=0, lt=1)
    from_: date = Field(alias="from")
    reason: str = Field(min_length=1)
    source_url: str = Field(min_length=8)


class BatchRuleFile(_Strict):
    rules: list[BatchRule]


class CuratedAlias(_Strict):
    alias: str = Field(min_length=1)
    model_key: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    source_url: str = Field(min_length=8)


class CuratedAliasFile(_Strict):
    aliases: list[CuratedAlias]


class LegacyRequestFee(_Strict):
    """The fee (USD per 1,000 requests) a model's requests that named no search context size paid
    until `until`, when that size was opt-in (Perplexity's legacy pricing)."""

    until: date
    per_1k: Decimal = Field(ge=0, le=1000)
    source_url: str = Field(min_length=8)


class RequestFee(_Strict):
    """A model's per-request fee (USD per 1,000 requests) at each search context size."""

    model_key: str = Field(min_length=1)
    low: Decimal = Field(ge=0, le=1000)
    medium: Decimal = Field(ge=0, le=1000)
    high: Decimal = Field(ge=0, le=1000)
    source_url: str = Field(min_length=8)
    legacy: LegacyRequestFee | None = None


class RequestFeeFile(_Strict):
    fees: list[RequestFee]


class _ModelRule(_Strict):
    """A rule for one provider's models named by a regular expression over model keys."""

    provider: str = Field(min_length=1)  # genai-prices provider id
    models: ModelPattern
    source_url: str = Field(min_length=8)

    def applies(self, provider: str, model_key: str) -> bool:
        return provider == self.provider and re.search(self.models, model_key) is not None


class SearchBilling(_ModelRule):
    """Models whose search fee is per request that searched, not per search."""


class SearchBillingFile(_Strict):
    per_searched_request: list[SearchBilling]


class GeoRate(_ModelRule):
    """Token rates of models when inference is pinned to a geography: `factor` times each tier's rates."""

    inference_geo: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    factor: Decimal = Field(gt=0, le=10)


class GeoRateFile(_Strict):
    geographies: list[GeoRate]


class ToolFee(_ModelRule):
    """A fee per server-side web search, in force from `valid_from`, on models whose rows have none.

    `tool`: the fee of the searches one tool runs, where a provider bills that tool apart from its
    others (OpenAI's `web_search_preview`, read from tags['web_search_tool']; genai-prices lists
    one fee per model, the GA tool's); unset, the fee of every web search of the model.
    """

    valid_from: date
    web_search_per_1k: Decimal = Field(ge=0, le=1000)
    tool: Literal["web_search_preview"] | None = None

    @property
    def rate_name(self) -> str:
        """The rate column the fee goes to."""
        return "web_search_preview_rate" if self.tool == "web_search_preview" else "web_search_rate"


class ToolFeeFile(_Strict):
    tool_fees: list[ToolFee]


def load_tool_fees(path: Path | None = None) -> list[ToolFee]:
    return load_bundled(ToolFeeFile, path or DATA_DIR / "tool_fees.yaml").tool_fees


def load_geo_rates(path: Path | None = None) -> list[GeoRate]:
    return load_bundled(GeoRateFile, path or DATA_DIR / "geo_rates.yaml").geographies


def load_search_billing(path: Path | None = None) -> list[SearchBilling]:
    return load_bundled(SearchBillingFile, path or DATA_DIR / "search_billing.yaml").per_searched_request


def load_request_fees(path: Path | None = None) -> dict[str, RequestFee]:
    """model key -> its fees by search context size."""
    path = path or DATA_DIR / "request_fees.yaml"
    return {fee.model_key: fee for fee in load_bundled(RequestFeeFile, path).fees}


@dataclass(frozen=True)
class BatchRules:
    rules: list[BatchRule]
    path: str

    def by_genai_provider(self) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {}
        for rule in self.rules:
            out.setdefault(rule.provider, []).append(
                {"from": rule.from_, "discount": str(rule.discount), "reason": f"{rule.reason} ({rule.source_url})"})
        return out

    def factor(self, provider: str, day: date) -> tuple[Decimal, str] | None:
        """(1 - discount, reason) of the provider's rule in force on `day`, if any."""
        pid = PROVIDER_IDS.get(provider.lower(), provider.lower())
        active = [r for r in self.rules if r.provider == pid and r.from_ <= day]
        if not active:
            return None
        rule = max(active, key=lambda r: r.from_)
        return Decimal(1) - rule.discount, f"{rule.reason} ({rule.source_url})"


@dataclass(frozen=True)
class CuratedAliases:
    aliases: list[CuratedAlias]
    path: str


def load_batch_rules(path: Path | None = None) -> BatchRules:
    path = path or DATA_DIR / "batch_rules.yaml"
    return BatchRules(load_bundled(BatchRuleFile, path).rules, str(path))


def load_curated_aliases(path: Path | None = None) -> CuratedAliases:
    path = path or DATA_DIR / "aliases.yaml"
    return CuratedAliases(load_bundled(CuratedAliasFile, path).aliases, str(path))
