"""Loading the registry and registering it as the model_info / model_quality TEMP tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mmaudit.config import load_model
from mmaudit.pricing.bundled import load_bundled
from mmaudit.pricing.rates import Component, PriceSpec, RateRow, spec_rates
from mmaudit.registry.schema import RegistryFile, RegistryModel

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "registry" / "models.yaml"
_FIELDS = ("tier", "mode", "tokenizer", "token_ratio", "latency", "quality", "data_classes", "context_window",
           "fixed_monthly_usd", "provider", "aliases", "prior_source", "notes")
_FROM_PRICE_TABLE = ("mode", "tokenizer", "token_ratio", "latency", "quality", "data_classes", "context_window")


@dataclass(frozen=True)
class RegistryEntry:
    name: str
    model: RegistryModel
    origin: str  # bundled | user
    path: str

    @property
    def ref(self) -> str:
        return self.model.model or self.name


@dataclass
class Registry:
    entries: list[RegistryEntry]

    def self_hosted(self) -> list[RegistryEntry]:
        return [e for e in self.entries if e.model.fixed_monthly_usd is not None]

    def rate_rows(self, exclude: set[str]) -> list[RateRow]:
        """Self-hosted models cost 0 per call; their fixed monthly cost is reported apart."""
        rows = []
        zero = Component(Decimal(0))
        for entry in self.self_hosted():
            if entry.name in exclude:
                continue
            rates = spec_rates(PriceSpec({"input": zero, "output": zero}, {"input": zero, "output": zero}, "self-hosted"))
            assert rates is not None
            rows.append(RateRow(model_key=entry.name, provider=entry.model.provider or "self-hosted", source="registry",
                                table_name="registry", table_path=entry.path, valid_from=date(1970, 1, 1), valid_to=None,
                                rates=rates[0], fixed_monthly_usd=entry.model.fixed_monthly_usd, batch_source="self-hosted",
                                note="self-hosted: 0 per call, fixed monthly cost reported apart"))
        return rows

    def aliases(self) -> dict[str, str]:
        return {a.strip().lower(): e.name for e in self.self_hosted() for a in [e.name, *e.model.aliases]}


def _bundled() -> RegistryFile:
    """The bundled registry, parsed once per content (pure-Python YAML is slow: cached as JSON)."""
    return load_bundled(RegistryFile, BUNDLED)


def load_registry(files: list[Path], *, include_bundled: bool = True, price_tables: list[Any] | None = None) -> Registry:
    """Bundled registry (unless excluded), then price-table metadata, then user registry files."""
    entries: list[RegistryEntry] = []
    if include_bundled:
        entries.extend(RegistryEntry(n, m, "bundled", str(BUNDLED)) for n, m in _bundled().registry.items())
    for loaded in price_tables or []:
        for key, price in loaded.table.models.items():
            fields = {f: getattr(price, f) for f in _FROM_PRICE_TABLE if getattr(price, f) not in (None, [], {})}
            if fields:
                entries.append(RegistryEntry(key, RegistryModel(model=key, **fields), loaded.origin, loaded.path))
    for path in files:
        entries.extend(RegistryEntry(n, m, "user", str(path)) for n, m in load_model(RegistryFile, path).registry.items())
    return Registry(entries)


def merged_by_key(catalog: Any, resolve: Any) -> dict[str, dict[str, Any]]:
    """Registry fields per model_key: later entries (user) override earlier ones field by field."""
    out: dict[str, dict[str, Any]] = {}
    for entry in catalog.registry.entries:
        key = catalog.registry_keys[entry.name] if entry.name in catalog.registry_keys else resolve(entry.ref)
        if key is None:
            continue
        slot = out.setdefault(key, {"registry_names": []})
        slot["registry_names"].append(entry.name)
        for name in _FIELDS:
            value = getattr(entry.model, name)
            if value not in (None, [], {}):
                slot[name] = value
                slot[f"{name}_origin"] = entry.origin
    return out


def register_registry(con: duckdb.DuckDBPyConnection, catalog: Any) -> None:
    """TEMP tables model_info (every priced key; registry fields where known) and model_quality.

    The tables are built once per catalog and kept on it (a catalog is not changed once built, and
    ingest registers it on every connection it opens); `con` must hold that catalog's pricing
    macros, which resolve the registry's model refs."""
    tables = catalog._registry_arrow
    if tables is None:
        tables = catalog._registry_arrow = _registry_tables(con, catalog)
    info_table, quality_table = tables  # noqa: F841 - read by the queries below
    con.execute("CREATE OR REPLACE TEMP TABLE model_info AS SELECT * FROM info_table")
    con.execute("CREATE OR REPLACE TEMP TABLE model_quality AS SELECT * FROM quality_table")


def _registry_tables(con: duckdb.DuckDBPyConnection, catalog: Any) -> tuple[pa.Table, pa.Table]:
    """The model_info and model_quality rows of `catalog` as Arrow tables."""
    def resolve(ref: str) -> str | None:
        return con.execute("SELECT mm_model_key(?)", [ref]).fetchall()[0][0]

    merged = merged_by_key(catalog, resolve)
    keys = sorted(set(catalog.models) | set(merged))
    ft_keys = {r.model_key for r in catalog.ft_rows}
    fixed = {r.model_key: r.fixed_monthly_usd for r in catalog.rows if r.valid_to is None and r.fixed_monthly_usd is not None}
    cols: dict[str, list[Any]] = {c: [] for c in (
        "model_key", "provider", "mode", "tokenizer", "token_ratio", "ttft_ms", "output_tokens_per_s",
        "context_window", "data_classes", "fixed_monthly_usd", "has_fine_tune", "tier", "in_registry", "registry_origin")}
    quality: dict[str, list[Any]] = {"model_key": [], "task": [], "score": []}
    for key in keys:
        info, reg = catalog.models.get(key, {}), merged.get(key, {})
        latency = reg.get("latency")
        values = {
            "model_key": key, "provider": reg.get("provider") or info.get("provider"), "mode": reg.get("mode"),
            "tokenizer": reg.get("tokenizer"), "token_ratio": reg.get("token_ratio"),
            "ttft_ms": latency.ttft_ms if latency else None,
            "output_tokens_per_s": latency.output_tokens_per_s if latency else None,
            "context_window": reg.get("context_window") or info.get("context_window"),
            "data_classes": list(reg.get("data_classes") or []), "fixed_monthly_usd": fixed.get(key, reg.get("fixed_monthly_usd")),
            "has_fine_tune": key in ft_keys, "tier": reg.get("tier"), "in_registry": bool(reg),
            "registry_origin": reg.get("quality_origin") or reg.get("tier_origin"),
        }
        for name, value in values.items():
            cols[name].append(value)
        for task, score in (reg.get("quality") or {}).items():
            quality["model_key"].append(key)
            quality["task"].append(task)
            quality["score"].append(float(score))
    info_table = pa.table(cols, schema=pa.schema([
        ("model_key", pa.string()), ("provider", pa.string()), ("mode", pa.string()), ("tokenizer", pa.string()),
        ("token_ratio", pa.float64()), ("ttft_ms", pa.float64()), ("output_tokens_per_s", pa.float64()),
        ("context_window", pa.int64()), ("data_classes", pa.list_(pa.string())),
        ("fixed_monthly_usd", pa.decimal128(38, 12)), ("has_fine_tune", pa.bool_()), ("tier", pa.string()),
        ("in_registry", pa.bool_()), ("registry_origin", pa.string())]))
    quality_table = pa.table(quality, schema=pa.schema([
        ("model_key", pa.string()), ("task", pa.string()), ("score", pa.float64())]))
    return info_table, quality_table
