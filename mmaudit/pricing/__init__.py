"""Pricing: genai-prices list prices, curated overrides and your tables; logged-model resolution
and exact cost in SQL.

See docs/pricing.md for the sources and their precedence, the table format, the resolution
order and the cost formula.
"""

from mmaudit.pricing.apply import (
    apply_prices,
    price_notes,
    priced_calls_sql,
    pricing_enricher,
    resolve,
    resolve_models,
    unpriced_calls,
)
from mmaudit.pricing.catalog import (
    BUNDLED_DIR,
    LoadedTable,
    PriceCatalog,
    PriceEntry,
    load_catalog,
    load_table,
)
from mmaudit.pricing.litellm import import_litellm
from mmaudit.pricing.queries import fixed_costs, reconcile, uncompared, unknown_models
from mmaudit.pricing.register import register_prices
from mmaudit.pricing.schema import DATA_CLASSES, TASKS, ModelPrice, PriceTable
from mmaudit.pricing.sql import cost_from_sums_sql, cost_sql, effective_cost_sql, rate_window_sql

__all__ = [
    "BUNDLED_DIR", "DATA_CLASSES", "TASKS", "LoadedTable", "ModelPrice", "PriceCatalog", "PriceEntry",
    "PriceTable", "apply_prices", "cost_from_sums_sql", "cost_sql", "effective_cost_sql", "fixed_costs",
    "import_litellm", "load_catalog", "load_table", "price_notes", "priced_calls_sql", "pricing_enricher",
    "rate_window_sql", "reconcile", "register_prices", "resolve", "resolve_models", "uncompared", "unknown_models",
    "unpriced_calls",
]
