"""Bundled YAML (overrides, rules, registry) parsed once per content and cached as JSON.

Pure-Python YAML parsing of ~20 small files took a quarter of a second on every load; the
validated pydantic model is cached next to the genai-prices translation, keyed by the file's
bytes, so an edited file is re-read and re-validated.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from mmaudit.config import load_model
from mmaudit.pricing.genai import cache_dir

M = TypeVar("M", bound=BaseModel)


def load_bundled(model: type[M], path: Path) -> M:
    raw = Path(path).read_bytes()
    cached = cache_dir() / f"bundled-{model.__name__}-{hashlib.sha256(raw).hexdigest()[:16]}.json"
    try:
        return model.model_validate_json(cached.read_bytes())
    except (OSError, ValueError):
        pass
    parsed = load_model(model, path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(parsed.model_dump_json(by_alias=True), encoding="utf-8")
    except OSError:
        pass
    return parsed
