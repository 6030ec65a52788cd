"""The registry file format (pydantic; unknown fields are errors naming file, model and field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mmaudit.pricing.schema import DataClass, Latency, Score, Task

Tier = Literal["small", "general", "frontier", "reasoning", "embedding", "self-hosted"]


class RegistryModel(BaseModel):
    """One model's non-price facts. Every field is optional so a user file can set just one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = None  # the logged id this entry is about (default: the entry's name)
    tier: Tier | None = None
    mode: Literal["chat", "completion", "embedding", "reasoning"] | None = None
    tokenizer: str | None = None
    token_ratio: float | None = Field(default=None, gt=0, le=100)
    latency: Latency | None = None
    quality: dict[Task, Score] = {}
    data_classes: list[DataClass] = []
    context_window: int | None = Field(default=None, gt=0, le=100_000_000)
    fixed_monthly_usd: Decimal | None = Field(default=None, ge=0, le=1_000_000_000)  # self-hosted
    provider: str | None = None  # self-hosted entries: who runs it
    aliases: list[str] = []  # self-hosted entries: other logged ids
    prior_source: str | None = None  # where the priors come from
    notes: str | None = None


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: dict[str, RegistryModel] = Field(min_length=1)
