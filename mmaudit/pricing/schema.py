"""The price-table file format, as pydantic models.

Every model forbids unknown fields so a typo (`cache_read:` for `cached_input:`) is an error
naming the file, model and field instead of a price silently left out. Prices are USD per one
million tokens, kept as `Decimal` end to end: a float would round $0.075 before it reaches SQL.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

TASKS = (
    "classification", "extraction", "summarization", "translation", "qa", "chat",
    "writing", "code", "reasoning", "embedding", "vision", "other",
)
DATA_CLASSES = ("public", "internal", "confidential", "restricted")
MAX_RATE_PLACES = 6  # per 1M tokens; /1e6 per token must fit DECIMAL(38,12) exactly
MAX_RATE = Decimal(1_000_000)  # USD per 1M tokens: far above any real price, and fits DECIMAL(38,12)
MAX_TOKENS = 100_000_000  # a context window or threshold above this is a typo (and overflows SQL ints)

ModelKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9@][a-z0-9._:/@+-]*$", max_length=200)]
Task = Literal[
    "default", "classification", "extraction", "summarization", "translation", "qa", "chat",
    "writing", "code", "reasoning", "embedding", "vision", "other",
]
DataClass = Literal["public", "internal", "confidential", "restricted"]
Score = Annotated[float, Field(ge=0, le=1)]


def _check_places(value: Decimal | None) -> Decimal | None:
    """Refuse prices finer than 1e-6 USD per 1M tokens: they would round once per token."""
    if value is None:
        return None
    if value < 0:
        raise ValueError("must be >= 0 (USD per 1M tokens)")
    if value > MAX_RATE:
        raise ValueError(f"must be at most {MAX_RATE:,} (USD per 1M tokens)")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_RATE_PLACES:
        raise ValueError(f"at most {MAX_RATE_PLACES} decimal places (USD per 1M tokens)")
    return value


Price = Annotated[Decimal, AfterValidator(_check_places)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LongContext(_Strict):
    """Rates for the WHOLE request once input_tokens passes `threshold` (Anthropic, Gemini, OpenAI).

    `boundary: above` (default) = input_tokens > threshold; `at_or_above` = input_tokens >= threshold.
    """

    threshold: int = Field(gt=0, le=MAX_TOKENS)
    boundary: Literal["above", "at_or_above"] = "above"
    input: Price
    output: Price
    cached_input: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None
    reasoning: Price | None = None

    def start(self) -> int:
        """The tier start in genai-prices' convention (applies when input_tokens > start)."""
        return self.threshold - 1 if self.boundary == "at_or_above" else self.threshold


class Batch(_Strict):
    """Per-component batch rates (USD per 1M tokens); components left out are charged as input/output."""

    input: Price
    output: Price
    cached_input: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None
    reasoning: Price | None = None
    input_audio: Price | None = None
    cached_audio: Price | None = None
    output_audio: Price | None = None
    input_image: Price | None = None
    cached_image: Price | None = None
    output_image: Price | None = None



class FineTuned(_Strict):
    """Rates for fine-tunes of this base model (`ft:<base>:org::id`)."""

    input: Price
    output: Price
    cached_input: Price | None = None



def _clock(value: str) -> time:
    """'HH:MM' (UTC); '24:00' is the end of the day."""
    return time(0) if value == "24:00" else time.fromisoformat(value)


class OffPeakWindow(_Strict):
    """A daily UTC window of off-peak prices on some weekdays (1 = Monday ... 7 = Sunday)."""

    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[1, 2, 3, 4, 5, 6, 7], min_length=1)
    start: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = Field(alias="from")
    end: Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")] = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> OffPeakWindow:
        if self.end != "24:00" and _clock(self.end) <= _clock(self.start):
            raise ValueError("to must be after from (split a window that crosses midnight in two)")
        return self


class OffPeak(_Strict):
    """Prices in force inside `windows` (UTC); the model's main prices apply outside them."""

    input: Price
    output: Price
    cached_input: Price | None = None
    cache_write: Price | None = None
    windows: list[OffPeakWindow] = Field(min_length=1)


class Latency(_Strict):
    ttft_ms: float = Field(ge=0, le=3_600_000)
    output_tokens_per_s: float = Field(gt=0, le=10_000_000)


class ModelPrice(_Strict):
    """One model in one price table."""

    provider: str = Field(min_length=1, max_length=100)
    aliases: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = []
    input: Price | None = None
    output: Price | None = None
    cached_input: Price | None = None
    cache_write: Price | None = None
    cache_write_1h: Price | None = None  # 1-hour cache writes; omitted = cache_write price
    reasoning: Price | None = None  # reasoning tokens (of output); omitted = output price
    input_audio: Price | None = None  # audio input tokens (of input); omitted = input price
    cached_audio: Price | None = None  # audio cache reads (of cached input); omitted = cached_input price
    output_audio: Price | None = None  # audio output tokens (of output); omitted = output price
    input_image: Price | None = None  # image input tokens (of input); omitted = input price
    cached_image: Price | None = None  # image cache reads (of cached input); omitted = cached_input price
    output_image: Price | None = None  # generated image tokens (of output); omitted = output price
    citation: Price | None = None  # citation tokens (of output; Perplexity); omitted = output price
    web_search_per_1k: Decimal | None = Field(default=None, ge=0, le=1_000_000)  # USD per 1,000 server-side searches
    request_per_1k: Decimal | None = Field(default=None, ge=0, le=1_000_000)  # USD per 1,000 answered requests
    # USD per 1,000 requests that ran any web search, however many searches (Gemini 2.x grounding:
    # per grounded prompt); given, it replaces web_search_per_1k for the calls that searched
    searched_request_per_1k: Decimal | None = Field(default=None, ge=0, le=1_000_000)
    file_search_per_1k: Decimal | None = Field(default=None, ge=0, le=1_000_000)  # USD per 1,000 file-search tool calls
    batch_discount: Decimal | None = Field(default=None, ge=0, lt=1)
    batch: Batch | None = None
    long_context: LongContext | None = None
    long_context_2: LongContext | None = None  # a second, higher tier (e.g. Qwen: 32K and 128K)
    fine_tuned: FineTuned | None = None
    off_peak: OffPeak | None = None  # time-of-day prices (DeepSeek)
    fixed_monthly_usd: Decimal | None = Field(default=None, ge=0, le=1_000_000_000)
    context_window: int | None = Field(default=None, gt=0, le=MAX_TOKENS)
    latency: Latency | None = None
    quality: dict[Task, Score] = {}
    data_classes: list[DataClass] = []
    tokenizer: str | None = None
    token_ratio: float | None = Field(default=None, gt=0, le=100)
    mode: Literal["chat", "completion", "embedding", "reasoning"] | None = None
    notes: str | None = None
    source_url: str | None = None  # curated overrides: the provider page that states the rule


    @model_validator(mode="after")
    def _priced(self) -> ModelPrice:
        """A model needs per-token prices or a fixed monthly cost: never an implicit $0."""
        if self.fixed_monthly_usd is None and (self.input is None or self.output is None):
            raise ValueError("input and output prices are required (or fixed_monthly_usd for self-hosted)")
        if self.fixed_monthly_usd is not None and (self.input or self.output):
            raise ValueError("a fixed_monthly_usd model must not also have per-token prices")
        self._check_long_context()
        return self

    def tiers(self) -> list[LongContext]:
        return sorted((t for t in (self.long_context, self.long_context_2) if t is not None), key=LongContext.start)

    def _check_long_context(self) -> None:
        tiers = self.tiers()
        if len(tiers) > 2 or len({t.start() for t in tiers}) != len(tiers):
            raise ValueError("long_context: at most 2 tiers, with different thresholds")
        if self.batch is not None and self.batch_discount is not None:
            raise ValueError("give batch (per-component rates) or batch_discount, not both")
        for lc in tiers:
            if self.cached_input is not None and lc.cached_input is None:
                raise ValueError("long_context.cached_input is required when cached_input is set")
            if self.cache_write is not None and lc.cache_write is None:
                raise ValueError("long_context.cache_write is required when cache_write is set")


class PriceTable(_Strict):
    """One price-table file: a full or partial snapshot effective from a date."""

    effective_from: date
    effective_to: date | None = None  # optional end: after it, lower layers' prices apply again
    source: str = Field(min_length=1)
    currency: Literal["USD"]
    notes: str | None = None
    models: dict[ModelKey, ModelPrice] = Field(min_length=1)

    @field_validator("effective_to")
    @classmethod
    def _ends_after_it_starts(cls, end: date | None, info: ValidationInfo) -> date | None:
        # an end on or before the start is a table in force on no day: its models lost their price
        start = info.data.get("effective_from")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"must be after effective_from ({start})")
        return end
