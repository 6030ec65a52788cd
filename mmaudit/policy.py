"""Routing policies: the YAML schema, its validation, and a starter policy.

A policy says where each call would go: tiers of models (the first model primary, the rest its
fallback chain, or the lowest measured latency first), routes matched first-to-last on call
attributes (or a task -> model map), what to do when the categoriser is unsure, an optional
cascade, failover under outages, logged errors and a circuit breaker (with a declared
degradation), A/B splits and an exact-repeat response cache. `mmaudit.simulate` turns a
validated `Policy` into SQL; `mmaudit.policy_check` checks one against prices and data;
`mmaudit.policy_starter` writes a starter policy.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mmaudit.config import load_model
from mmaudit.vocabulary import check_closed

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}$")
ATTRIBUTES = ("task", "complexity", "model", "provider", "operation", "status")
TAG_PREFIX = "tags."
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(value: str) -> float:
    """`30s`, `5m`, `1h`, `2d` -> seconds (validated: positive, at most a year)."""
    match = _DURATION.match(value)
    if not match or float(match.group(1)) <= 0 or float(match.group(1)) * _UNITS[match.group(2)] > 366 * 86400:
        raise ValueError("a duration like 30s, 15m, 1h or 2d (at most a year)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"{what} {value!r} must be letters, digits and _.:/@- (at most 128)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    models: Annotated[list[str], Field(min_length=1, max_length=20)]
    max_latency_ms: Annotated[float, Field(gt=0, le=3_600_000)] | None = None
    min_quality: Annotated[float, Field(ge=0, le=1)] | None = None
    pick: Literal["first", "lowest_latency"] = "first"
    latency_window: str = "1h"

    @field_validator("latency_window")
    @classmethod
    def _window(cls, value: str) -> str:
        _seconds(value)
        return value

    @property
    def latency_window_s(self) -> float:
        """`pick: lowest_latency` compares the models' measured latency over the previous window."""
        return _seconds(self.latency_window)

    @field_validator("models")
    @classmethod
    def _models(cls, models: list[str]) -> list[str]:
        for m in models:
            _check_name(m, "model")
        if len(set(models)) != len(models):
            raise ValueError("a model is listed twice: a fallback chain cannot revisit a model")
        return models


class Route(_Strict):
    """`when` matches every listed attribute (values are alternatives); exactly one target."""

    when: dict[str, Annotated[list[str], Field(min_length=1, max_length=1000)]] | None = None
    tier: str | None = None
    model: str | None = None
    default: str | None = None  # a tier name, `keep`, or a model name (when no tier has that name)

    @field_validator("when")
    @classmethod
    def _keys(cls, when: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for key, values in (when or {}).items():
            if key.startswith(TAG_PREFIX):
                _check_name(key[len(TAG_PREFIX):], "tag name")
            elif key not in ATTRIBUTES:
                raise ValueError(f"cannot match on {key!r}: use one of {', '.join(ATTRIBUTES)} or tags.NAME")
            for v in values:
                if not isinstance(v, str) or len(v) > 500:
                    raise ValueError(f"{key}: match values must be strings of at most 500 characters")
                problem = check_closed(key, v)
                if problem:
                    raise ValueError(f"{key}: {problem}")
        return when

    @model_validator(mode="after")
    def _one_target(self) -> Route:
        if self.default is not None:
            if self.when or self.tier or self.model:
                raise ValueError("a `default` route takes no `when`, `tier` or `model`")
            return self
        if not self.when:
            raise ValueError("a route needs `when` (or is a `default` route)")
        if (self.tier is None) == (self.model is None):
            raise ValueError("a route sends calls to exactly one of `tier` or `model`")
        if self.model is not None:
            _check_name(self.model, "model")
        return self

    @property
    def is_compliance(self) -> bool:
        """Routes on a data class are compliance rules: a fallback never breaks them."""
        return bool(self.when) and any(k == "tags.data_class" for k in self.when or {})


class Uncertain(_Strict):
    below_confidence: Annotated[float, Field(ge=0, le=1)]
    action: Literal["up_one_tier"] = "up_one_tier"


class Cascade(_Strict):
    from_: str = Field(alias="from")
    to: str
    escalate_rate: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    from_quality: bool = False

    @model_validator(mode="after")
    def _one_rate(self) -> Cascade:
        if (self.escalate_rate is None) == (not self.from_quality):
            raise ValueError("give `escalate_rate` (with a `default`) or `from_quality: true`, not both")
        if self.escalate_rate is not None and "default" not in self.escalate_rate:
            raise ValueError("escalate_rate needs a `default` rate")
        for task in self.escalate_rate or {}:
            _check_name(task, "escalate_rate task")
            problem = check_closed("task", task) if task != "default" else None
            if problem:
                raise ValueError(f"escalate_rate: {problem}")
        return self


class Outage(_Strict):
    provider: str
    start: datetime
    hours: Annotated[float, Field(gt=0, le=24 * 366)]

    @field_validator("start")
    @classmethod
    def _aware(cls, start: datetime) -> datetime:
        if start.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2025-06-10T00:00:00Z")
        return start

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


class CircuitBreaker(_Strict):
    """Opens for a provider when its logged error rate over `window` reaches `error_rate` (with
    at least `min_calls` calls in the window); stays open `cooldown`, then lets one probe through."""

    error_rate: Annotated[float, Field(gt=0, le=1)]
    window: str = "5m"
    min_calls: Annotated[int, Field(ge=1, le=1_000_000)] = 10
    cooldown: str = "15m"

    @field_validator("window", "cooldown")
    @classmethod
    def _duration(cls, value: str) -> str:
        _seconds(value)
        return value

    @property
    def window_s(self) -> float:
        return _seconds(self.window)

    @property
    def cooldown_s(self) -> float:
        return _seconds(self.cooldown)


class Failover(_Strict):
    use_logged_errors: bool = False
    outages: Annotated[list[Outage], Field(max_length=1000)] = []
    circuit_breaker: CircuitBreaker | None = None
    degrade_to: str | None = None  # when the chain runs out: a (smaller) model, or `cached`

    @field_validator("degrade_to")
    @classmethod
    def _degrade(cls, value: str | None) -> str | None:
        return value if value is None or value == "cached" else _check_name(value, "degrade_to model")


class ABSplit(_Strict):
    tier: str
    model: str
    share: Annotated[float, Field(gt=0, le=1)]


class Cache(_Strict):
    exact_repeat_within: str

    @field_validator("exact_repeat_within")
    @classmethod
    def _duration(cls, value: str) -> str:
        _seconds(value)
        return value

    @property
    def seconds(self) -> float:
        return _seconds(self.exact_repeat_within)


class Policy(_Strict):
    version: Literal[1]
    name: str
    description: str | None = None
    tiers: Annotated[dict[str, Tier], Field(max_length=50)] = {}
    routes: Annotated[list[Route], Field(min_length=1, max_length=500)]
    uncertain: Uncertain | None = None
    cascade: Cascade | None = None
    failover: Failover = Failover()
    ab: Annotated[list[ABSplit], Field(max_length=50)] = []
    cache: Cache | None = None

    @model_validator(mode="before")
    @classmethod
    def _task_models(cls, data: object) -> object:
        """`task_models: {classification: gpt-4o-mini, ..., default: keep}` (a task -> model map,
        the shape teams keep in code) is shorthand for one model route per task."""
        if not isinstance(data, dict) or "task_models" not in data:
            return data
        mapping = data["task_models"]
        if not isinstance(mapping, dict):
            raise ValueError("task_models: expected a mapping of task -> model (and `default: keep` or a model)")
        if "routes" in data:
            raise ValueError("give `task_models` or `routes`, not both")
        rest = {k: v for k, v in data.items() if k != "task_models"}
        routes = [{"when": {"task": [str(task)]}, "model": model} for task, model in mapping.items() if task != "default"]
        rest["routes"] = [*routes, {"default": mapping.get("default", "keep")}]
        return rest

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        return _check_name(name, "policy name")

    @field_validator("tiers")
    @classmethod
    def _tier_names(cls, tiers: dict[str, Tier]) -> dict[str, Tier]:
        for name in tiers:
            _check_name(name, "tier name")
            if name == "keep":
                raise ValueError("`keep` is reserved (default: keep leaves calls on their logged model)")
        return tiers

    @model_validator(mode="after")
    def _references(self) -> Policy:
        tiers = set(self.tiers)
        defaults = [i for i, r in enumerate(self.routes) if r.default is not None]
        if defaults != [len(self.routes) - 1]:
            raise ValueError("routes: the last route, and only the last, must be `default: TIER` or `default: keep`")
        for i, route in enumerate(self.routes):
            if route.tier is not None and route.tier not in tiers:
                raise ValueError(f"routes.{i}: unknown tier {route.tier!r} (tiers: {', '.join(self.tiers) or 'none'})")
            if route.default is not None and route.default != "keep" and route.default not in tiers:
                _check_name(route.default, f"routes.{i}.default (not a tier, so a model)")
        if self.cascade:
            for field_name, tier in (("from", self.cascade.from_), ("to", self.cascade.to)):
                if tier not in tiers:
                    raise ValueError(f"cascade.{field_name}: unknown tier {tier!r}")
            if self.cascade.from_ == self.cascade.to:
                raise ValueError("cascade: `from` and `to` must be different tiers")
        for i, split in enumerate(self.ab):
            if split.tier not in tiers:
                raise ValueError(f"ab.{i}: unknown tier {split.tier!r}")
            _check_name(split.model, "model")
        for tier in tiers:
            if sum(s.share for s in self.ab if s.tier == tier) > 1:
                raise ValueError(f"ab: shares for tier {tier!r} add up to more than 1")
        return self

    def tier_order(self) -> list[str]:
        """Tiers in the order written: `up_one_tier` moves a call to the next one."""
        return list(self.tiers)

    def default_model(self) -> str | None:
        """The model of a `default: MODEL` route (a default that names no tier)."""
        last = self.routes[-1].default
        return last if last is not None and last != "keep" and last not in self.tiers else None

    def models(self) -> set[str]:
        names = {m for t in self.tiers.values() for m in t.models}
        names |= {r.model for r in self.routes if r.model}
        names |= {s.model for s in self.ab}
        if self.default_model():
            names.add(self.default_model())  # type: ignore[arg-type]
        if self.failover.degrade_to and self.failover.degrade_to != "cached":
            names.add(self.failover.degrade_to)
        return names


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (errors name the file, key path, expected and found)."""
    return load_model(Policy, path)
