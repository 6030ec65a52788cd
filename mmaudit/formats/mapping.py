"""User-declared log formats: a YAML mapping of canonical columns to JSON paths, turned into a
`LogFormat` (so it runs through the same set-based pipeline as the built-in adapters).

Safety: nothing the user writes is pasted into SQL as-is. Paths must match a strict identifier
regex per dotted segment and are emitted as double-quoted identifiers; constants must match a
strict literal regex and are emitted as escaped string literals (or validated numbers/booleans);
units and column names come from closed lists.

    name: inhouse-gateway
    detect: [req.id, usage.in]          # paths present in every record of this log
    input_includes_cache: false          # true when the input count already includes cache reads/writes
    columns:
      call_id: req.id
      ts: {path: req.at_ms, unit: epoch_ms}       # iso | epoch_s | epoch_ms | epoch_us
      provider: {const: openai}
      latency_ms: {path: timing.total_s, unit: s}  # ms | s
      logged_cost_usd: {path: billing.micro, unit: micro_usd}  # usd | micro_usd
    tags: {team: meta.team}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mmaudit.config import load_model
from mmaudit.errors import ConfigError
from mmaudit.formats.base import LogFormat

SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
CONST = re.compile(r"^[A-Za-z0-9_.:/@+ \-]{0,200}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
MAX_DEPTH = 8

TOKEN_COLUMNS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")
TEXT_COLUMNS = ("call_id", "provider", "model", "operation", "system_prompt", "user_prompt", "response_text")
UNITS: dict[str, tuple[str, ...]] = {
    "ts": ("iso", "epoch_s", "epoch_ms", "epoch_us"),
    "latency_ms": ("ms", "s"),
    "ttft_ms": ("ms", "s"),
    "logged_cost_usd": ("usd", "micro_usd"),
}
MappedColumn = Literal[
    "call_id", "ts", "provider", "model", "operation", "input_tokens", "cached_input_tokens", "cache_write_tokens",
    "output_tokens", "reasoning_tokens", "latency_ms", "ttft_ms", "status", "error_type", "http_status", "is_batch",
    "logged_cost_usd", "system_prompt", "user_prompt", "response_text",
]


def _check_path(path: str) -> str:
    segments = path.split(".")
    if len(segments) > MAX_DEPTH or not all(SEGMENT.match(s) for s in segments):
        raise ValueError(
            f"a dotted JSON path of up to {MAX_DEPTH} names (letters, digits, _ and -, not starting with a digit or -)"
        )
    return path


class Source(BaseModel):
    """Where one column comes from: a JSON path (with an optional unit) or a constant."""

    model_config = ConfigDict(extra="forbid")
    path: str | None = None
    const: bool | int | float | str | None = None
    unit: str | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return None if value is None else _check_path(value)

    @field_validator("const")
    @classmethod
    def _const(cls, value: Any) -> Any:
        if isinstance(value, str) and not CONST.match(value):
            raise ValueError("a plain constant (letters, digits, space and . : / @ + _ -, up to 200 characters)")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Source:
        if (self.path is None) == (self.const is None):
            raise ValueError("exactly one of `path` or `const`")
        return self


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME.pattern)
    description: str = "user mapping"
    detect: list[str] = Field(min_length=1)
    input_includes_cache: bool = True
    output_includes_reasoning: bool = True
    error_status_values: list[str] = ["error", "failed", "failure", "fail", "false"]
    columns: dict[MappedColumn, Source]  # a bare string is shorthand for {path: ...}
    tags: dict[str, str] = {}

    @field_validator("detect")
    @classmethod
    def _detect(cls, value: list[str]) -> list[str]:
        return [_check_path(p) for p in value]

    @field_validator("error_status_values")
    @classmethod
    def _values(cls, value: list[str]) -> list[str]:
        for v in value:
            if not CONST.match(v):
                raise ValueError("plain status words (letters, digits, _ . : / @ + -)")
        return [v.lower() for v in value]

    @field_validator("columns", mode="before")
    @classmethod
    def _columns(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({"path": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, path in value.items():
            if not SEGMENT.match(key):
                raise ValueError(f"tag name {key!r}: letters, digits, _ and -")
            _check_path(path)
        return value

    @model_validator(mode="after")
    def _units(self) -> Mapping:
        for column, source in self.columns.items():
            allowed = UNITS.get(column, ())
            if source.unit is not None and source.unit not in allowed:
                expected = ", ".join(allowed) if allowed else "no unit"
                raise ValueError(f"columns.{column}.unit: expected {expected}, found {source.unit!r}")
        return self


# --------------------------------------------------------------------------- SQL building


def sql_path(path: str) -> str:
    """`a.b-c` -> `r."a"."b-c"`: validated segments, quoted as identifiers."""
    return "r." + ".".join(f'"{_check_path(s)}"' for s in path.split("."))


def sql_const(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(int(value))
    text = str(value)
    if not CONST.match(text):
        raise ValueError(f"constant {text!r} is not allowed")
    return "'" + text.replace("'", "''") + "'"


def _value(column: str, source: Source) -> str:
    """The SQL for one column, with its unit conversion."""
    if source.const is not None:
        return sql_const(source.const)
    raw = sql_path(source.path or "")
    unit = source.unit
    if column == "ts":
        return {
            None: f"mm_ts({raw})", "iso": f"mm_ts({raw})", "epoch_s": f"to_timestamp(mm_num({raw}))",
            "epoch_ms": f"to_timestamp(mm_num({raw}) / 1e3)", "epoch_us": f"to_timestamp(mm_num({raw}) / 1e6)",
        }[unit]
    if column in ("latency_ms", "ttft_ms"):
        return f"mm_num({raw}) * 1000" if unit == "s" else f"mm_num({raw})"
    if column == "logged_cost_usd":
        scale = " / 1e6" if unit == "micro_usd" else ""
        return f"TRY_CAST(TRY_CAST({raw} AS DECIMAL(38, 12)){scale} AS DECIMAL(38, 12))"
    if column in TOKEN_COLUMNS or column == "http_status":
        return f"mm_int({raw})"
    if column == "is_batch":
        return f"coalesce(mm_bool({raw}), false)"
    return raw


def _structure(paths: list[str]) -> dict[str, Any]:
    """Nested from_json structure with a VARCHAR leaf per path (a path that is also a prefix of
    another path is refused: it cannot be both a value and an object)."""
    tree: dict[str, Any] = {}
    for path in sorted(set(paths), key=lambda p: p.count(".")):
        node = tree
        *parents, leaf = path.split(".")
        for seg in parents:
            child = node.setdefault(seg, {})
            if not isinstance(child, dict):
                raise ValueError(f"path {path!r} goes inside {seg!r}, which another path reads as a value")
            node = child
        if isinstance(node.get(leaf), dict):
            raise ValueError(f"path {path!r} is read as a value and as an object")
        node[leaf] = "VARCHAR"
    return tree


def build_format(mapping: Mapping) -> LogFormat:
    """The LogFormat a validated mapping declares."""
    sources: dict[str, Source] = dict(mapping.columns)
    cols = {c: _value(c, s) for c, s in sources.items() if c not in ("status", "error_type")}
    zero = "0"
    read = cols.get("cached_input_tokens", zero)
    write = cols.get("cache_write_tokens", zero)
    if "input_tokens" in cols and not mapping.input_includes_cache:
        cols["input_tokens"] = f"{cols['input_tokens']} + coalesce({read}, 0) + coalesce({write}, 0)"
    if "output_tokens" in cols and not mapping.output_includes_reasoning and "reasoning_tokens" in cols:
        cols["output_tokens"] = f"{cols['output_tokens']} + coalesce({cols['reasoning_tokens']}, 0)"
    for c in ("cached_input_tokens", "cache_write_tokens", "reasoning_tokens"):
        if c in cols:
            cols[c] = f"coalesce({cols[c]}, 0)"
    http = cols.get("http_status", "NULL")
    err = _value("error_type", sources["error_type"]) if "error_type" in sources else "NULL"
    values = ", ".join(sql_const(v) for v in mapping.error_status_values)
    status = f"lower({_value('status', sources['status'])}) IN ({values})" if "status" in sources else "false"
    failed = f"coalesce({status} OR coalesce({http}, 0) >= 400 OR {err} IS NOT NULL, false)"
    cols["status"] = f"CASE WHEN {failed} THEN 'error' ELSE 'ok' END"
    cols["error_type"] = f"CASE WHEN {failed} THEN coalesce(mm_error_type(({http})::INTEGER, {err}), 'unknown') END"
    cols["http_status"] = f"CASE WHEN {failed} THEN {http} ELSE coalesce({http}, 200) END"
    if "provider" not in cols:
        cols["provider"] = "mm_provider_from_model(model)"
    if mapping.tags:
        entries = ", ".join(f"{{'key': {sql_const(k)}, 'value': {sql_path(p)}}}" for k, p in mapping.tags.items())
        cols["tags"] = f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"
    paths = [s.path for s in sources.values() if s.path] + list(mapping.detect) + list(mapping.tags.values())
    prompt = " , ".join(cols[c] for c in ("system_prompt", "user_prompt") if c in cols)
    return LogFormat(
        name=mapping.name,
        description=mapping.description,
        structure=_structure(paths),
        detect="(" + " AND ".join(f"{sql_path(p)} IS NOT NULL" for p in mapping.detect) + ")",
        detect_hint="the paths " + ", ".join(f"`{p}`" for p in mapping.detect),
        columns=cols,
        numbers=tuple(".".join(f'"{s}"' for s in sources[c].path.split("."))  # type: ignore[union-attr]
                      for c in TOKEN_COLUMNS if c in sources and sources[c].path),
        times=tuple(".".join(f'"{s}"' for s in sources["ts"].path.split("."))  # type: ignore[union-attr]
                    for _ in [0] if "ts" in sources and sources["ts"].path and sources["ts"].unit in (None, "iso")),
        prompt_text=f"nullif(concat_ws(chr(10), {prompt}), '')" if prompt else "NULL",
        output_text=cols.get("response_text", "NULL"),
    )


def load_mapping(path: str | Path) -> LogFormat:
    """Read, validate and build a mapping file (ConfigError names file, key path, expected, found)."""
    mapping = load_model(Mapping, path)
    try:
        return build_format(mapping)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


BUNDLED = Path(__file__).parent / "mappings"
