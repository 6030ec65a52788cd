"""Converting LiteLLM's `model_prices_and_context_window.json` into a price-table document.

LiteLLM prices are USD per token as JSON floats; we go through `repr` -> Decimal -> x 1e6 so
2.5e-06 becomes exactly 2.5 per 1M tokens, then round to 6 places (the table's precision).
Only token-priced text models (mode chat/completion/embedding) are converted; image, audio and
per-call entries are skipped and counted.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from mmaudit.errors import ConfigError, InputError

_MODES = {"chat", "completion", "embedding", "responses"}
_KEY_CHARS = re.compile(r"[^a-z0-9._-]+")


def _per_million(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = (Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))).scaleb(6)
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).normalize()


def _number(value: Decimal) -> int | float | str:
    """YAML-friendly number: ints stay ints, others as float text pydantic reads back exactly."""
    return int(value) if value == value.to_integral_value() else float(value)


def _key(name: str) -> str:
    key = _KEY_CHARS.sub("-", name.lower()).strip("-._")
    return key or "model"


def _long_context(spec: dict[str, Any]) -> dict[str, Any] | None:
    lc_in = _per_million(spec.get("input_cost_per_token_above_200k_tokens"))
    lc_out = _per_million(spec.get("output_cost_per_token_above_200k_tokens"))
    if lc_in is None or lc_out is None:
        return None
    lc: dict[str, Any] = {"threshold": 200000, "input": _number(lc_in), "output": _number(lc_out)}
    for ours, theirs in (("cached_input", "cache_read_input_token_cost_above_200k_tokens"),
                         ("cache_write", "cache_creation_input_token_cost_above_200k_tokens")):
        value = _per_million(spec.get(theirs))
        if value is not None:
            lc[ours] = _number(value)
    return lc


def _batch_discount(spec: dict[str, Any], inp: Decimal) -> float | None:
    batch = _per_million(spec.get("input_cost_per_token_batches"))
    if batch is None or inp == 0 or batch > inp:
        return None
    return float((Decimal(1) - batch / inp).quantize(Decimal("0.0001")))


def _convert(name: str, spec: dict[str, Any]) -> dict[str, Any] | None:
    if spec.get("mode", "chat") not in _MODES:
        return None
    inp = _per_million(spec.get("input_cost_per_token"))
    out = _per_million(spec.get("output_cost_per_token", 0))
    if inp is None or out is None:
        return None
    model: dict[str, Any] = {"provider": str(spec.get("litellm_provider") or "unknown"),
                             "aliases": [name], "input": _number(inp), "output": _number(out)}
    for ours, theirs in (("cached_input", "cache_read_input_token_cost"),
                         ("cache_write", "cache_creation_input_token_cost")):
        value = _per_million(spec.get(theirs))
        if value is not None:
            model[ours] = _number(value)
    optional = {"batch_discount": _batch_discount(spec, inp), "long_context": _long_context(spec),
                "context_window": spec.get("max_input_tokens") if isinstance(spec.get("max_input_tokens"), int) else None,
                "mode": "embedding" if spec.get("mode") == "embedding" else None}
    model.update({k: v for k, v in optional.items() if v is not None})
    lc = model.get("long_context")
    for part in ("cached_input", "cache_write"):
        if lc and part in model:
            lc.setdefault(part, lc["input"])  # LiteLLM lacks the tier: charge the long input rate
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

    Keys are LiteLLM names made key-safe; each keeps its original name as an alias. Two names
    that collapse to one key get a numeric suffix. Validate the result with PriceTable.
    """
    models: dict[str, Any] = {}
    skipped = 0
    for name, spec in sorted(_read(json_path).items()):
        converted = _convert(name, spec) if isinstance(spec, dict) and name != "sample_spec" else None
        if converted is None:
            skipped += 1
            continue
        key, n = _key(name), 2
        while key in models:
            key, n = f"{_key(name)}-{n}", n + 1
        if converted["aliases"] == [key]:
            del converted["aliases"]
        models[key] = converted
    return {
        "effective_from": (effective_from or date.today()).isoformat(),
        "source": f"LiteLLM model_prices_and_context_window.json ({Path(json_path).name}), imported {date.today().isoformat()}",
        "currency": "USD",
        "notes": f"{len(models)} models imported; {skipped} entries skipped (not token-priced text models)",
        "models": models,
    }
