"""Converting LiteLLM's `model_prices_and_context_window.json` into a price-table document.

LiteLLM prices are USD per token as JSON floats; we go through `repr` -> Decimal -> x 1e6 so
2.5e-06 becomes exactly 2.5 per 1M tokens, then round to 6 places (the table's precision).
Imported: input, output, cache reads, 5-minute and 1-hour cache writes, reasoning, audio and
image tokens (input, cache reads, output), every
`*_above_<N>k_tokens` tier (at most two per model; xAI's thresholds are at-or-above, as
LiteLLM bills them), per-component batch rates and off-peak hours (`off_peak_pricing`). Never aborts on an odd entry: it is
skipped, counted and reported with its reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mmaudit.config import describe_validation_error
from mmaudit.errors import ConfigError, InputError
from mmaudit.pricing.schema import ModelPrice

_MODES = {"chat", "completion", "embedding", "responses", None}
_KEY_OK = re.compile(r"^[a-z0-9@][a-z0-9._:/@+-]*$")
_KEY_CHARS = re.compile(r"[^a-z0-9._:/@+-]+")
_TIER = re.compile(r"^input_cost_per_token_above_(\d+)(k?)_tokens$")
_INCLUSIVE = {"xai"}  # LiteLLM bills these providers' tiers at >= threshold


class Skip(Exception):
    """An entry we do not import, with the reason reported to the user."""


def _per_million(spec: dict[str, Any], field: str) -> Decimal | None:
    value = spec.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Skip(f"{field} is not a number")
    try:
        amount = (Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))).scaleb(6)
    except InvalidOperation:
        raise Skip(f"{field} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise Skip(f"{field} is negative or not finite")
    return amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).normalize()


def _number(value: Decimal) -> int | float:
    """YAML-friendly number: ints stay ints, others as float text pydantic reads back exactly."""
    return int(value) if value == value.to_integral_value() else float(value)


def _key(name: str) -> str:
    low = name.strip().lower()
    if _KEY_OK.match(low) and len(low) <= 200:
        return low
    return (_KEY_CHARS.sub("-", low).strip("-._:/") or "model")[:200]


def _parts(spec: dict[str, Any], suffix: str = "") -> dict[str, Decimal]:
    fields = {"input": "input_cost_per_token", "output": "output_cost_per_token",
              "cached_input": "cache_read_input_token_cost", "cache_write": "cache_creation_input_token_cost",
              "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
              "input_audio": "input_cost_per_audio_token", "cached_audio": "cache_read_input_audio_token_cost",
              "output_audio": "output_cost_per_audio_token", "input_image": "input_cost_per_image_token",
              "cached_image": "cache_read_input_image_token_cost", "output_image": "output_cost_per_image_token"}
    out = {}
    for ours, theirs in fields.items():
        value = _per_million(spec, theirs + suffix)
        if value is not None:
            out[ours] = value
    return out


def _tiers(spec: dict[str, Any], provider: str) -> list[dict[str, Any]]:
    tiers = []
    for field in spec:
        match = _TIER.match(field)
        if not match:
            continue
        label = match.group(1) + match.group(2)
        threshold = int(match.group(1)) * (1000 if match.group(2) else 1)
        rates = {"input": _per_million(spec, field)}
        for ours, theirs in (("output", "output_cost_per_token"), ("cached_input", "cache_read_input_token_cost"),
                             ("cache_write", "cache_creation_input_token_cost")):
            value = _per_million(spec, f"{theirs}_above_{label}_tokens")
            if value is not None:
                rates[ours] = value
        one_hour = _per_million(spec, f"cache_creation_input_token_cost_above_1hr_above_{label}_tokens")
        if one_hour is not None:
            rates["cache_write_1h"] = one_hour
        tier = {"threshold": threshold, **{k: _number(v) for k, v in rates.items() if v is not None}}
        if provider in _INCLUSIVE:
            tier["boundary"] = "at_or_above"
        tiers.append(tier)
    if len(tiers) > 2:
        raise Skip(f"{len(tiers)} long-context tiers (at most 2 supported)")
    return sorted(tiers, key=lambda t: t["threshold"])


def _off_peak(spec: dict[str, Any], base: dict[str, Decimal]) -> dict[str, Any] | None:
    """LiteLLM's `off_peak_pricing` (rates and UTC windows by weekday) as our `off_peak` block."""
    raw = spec.get("off_peak_pricing")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("windows"), list):
        raise Skip("off_peak_pricing is not an object with windows")
    rates = {**{k: v for k, v in base.items() if k in ("cached_input", "cache_write")}, **_parts(raw)}  # as LiteLLM: keys not given keep the base rate
    if "input" not in rates or "output" not in rates:
        raise Skip("off_peak_pricing lacks input or output price")
    windows = []
    for window in raw["windows"]:
        hours = window.get("hours_utc") if isinstance(window, dict) else None
        days = window.get("weekdays", list(range(1, 8))) if isinstance(window, dict) else None
        for span in [hours] if isinstance(hours, str) else hours or []:
            match = re.fullmatch(r"(\d\d:\d\d)-(\d\d:\d\d)", str(span))
            if not match or not isinstance(days, list):
                raise Skip(f"off_peak_pricing window {span!r} not understood")
            start, end = match.groups()
            windows.append({"days": days, "from": start, "to": "24:00" if end == "00:00" else end})
    if not windows:
        raise Skip("off_peak_pricing has no windows")
    return {**{k: _number(v) for k, v in rates.items() if k in ("input", "output", "cached_input", "cache_write")},
            "windows": windows}


def _convert(name: str, spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise Skip("entry is not an object")
    mode = spec.get("mode")
    if mode not in _MODES:
        raise Skip(f"mode {mode!r} is not token-priced text")
    provider = str(spec.get("litellm_provider") or "unknown")
    base = _parts(spec)
    if "input" not in base:
        raise Skip("no input_cost_per_token")
    base.setdefault("output", Decimal(0))
    model: dict[str, Any] = {"provider": provider, **{k: _number(v) for k, v in base.items()}}
    reasoning = _per_million(spec, "output_cost_per_reasoning_token")
    if reasoning is not None:
        model["reasoning"] = _number(reasoning)
    tiers = _tiers(spec, provider)
    for tier in tiers:  # a tier lacking a part keeps the part's base rate when the base has one
        for part in ("output", "cached_input", "cache_write", "cache_write_1h"):
            if part in model:
                tier.setdefault(part, model[part] if part != "output" else model["output"])
    if tiers:
        model["long_context"] = tiers[0]
    if len(tiers) > 1:
        model["long_context_2"] = tiers[1]
    batch = _parts(spec, "_batches")
    if "input" in batch and "output" in batch:
        model["batch"] = {k: _number(v) for k, v in batch.items()}
    off_peak = _off_peak(spec, base)
    if off_peak is not None:
        model["off_peak"] = off_peak
    window = spec.get("max_input_tokens")
    if isinstance(window, int) and not isinstance(window, bool) and 0 < window <= 100_000_000:
        model["context_window"] = window
    if mode == "embedding":
        model["mode"] = "embedding"
    try:
        ModelPrice.model_validate(model)
    except ValidationError as exc:
        raise Skip("invalid: " + describe_validation_error(name, exc).split("\n")[0]) from None
    return model


def _read(json_path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{json_path}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{json_path}: not a LiteLLM price map: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{json_path}: (top level): expected an object of models, found {type(data).__name__}")
    return data


def import_litellm(json_path: Path, effective_from: date | None = None) -> dict[str, Any]:
    """A price-table document (dict ready for YAML) from a LiteLLM price map.

    Keys are LiteLLM names lowercased (made key-safe when needed; the original kept as an
    alias). Two names that collapse to one key get a numeric suffix. The document's `skipped`
    summary is removed by `split_report` before validation; use that to report skips.
    """
    models: dict[str, Any] = {}
    skipped: list[dict[str, str]] = []
    for name, spec in sorted(_read(json_path).items()):
        if name == "sample_spec":
            continue
        try:
            converted = _convert(name, spec)
        except Skip as why:
            skipped.append({"model": name, "reason": str(why)})
            continue
        key, n = _key(name), 2
        while key in models:
            key, n = f"{_key(name)}-{n}", n + 1
        if key != name.strip().lower():
            converted["aliases"] = [name]
        models[key] = converted
    reasons = Counter(re.sub(r"'[^']*'", "'...'", s["reason"]) if s["reason"].startswith("mode") else s["reason"]
                      for s in skipped)
    return {
        "effective_from": (effective_from or date.today()).isoformat(),
        "source": f"LiteLLM model_prices_and_context_window.json ({Path(json_path).name}), imported {date.today().isoformat()}",
        "currency": "USD",
        "notes": f"{len(models)} models imported; {len(skipped)} entries skipped: "
                 + "; ".join(f"{n} {r}" for r, n in reasons.most_common()),
        "models": models,
        "_skipped": skipped,
    }


def split_report(doc: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(the table document, the skipped entries with their reasons)."""
    table = {k: v for k, v in doc.items() if k != "_skipped"}
    return table, list(doc.get("_skipped", []))
