"""`mmaudit export --to focus DIR`: actual cost as a FOCUS 1.2 Cost and Usage dataset.

FOCUS is the FinOps Foundation's common format for cost and usage data (LiteLLM emits it too),
so FinOps tools can put LLM spend next to cloud bills. One row per UTC day x provider x model x
tags (the call's whole tag map), costs summed in DECIMAL by DuckDB (from the logs' tokens at
list prices: Billed = Effective = List = Contracted cost). A call resold by a gateway
(`tags['gateway']`: OpenRouter) is invoiced, provided and billed by the gateway; its publisher is
the provider that ran the model. InvoiceId names a provisional per-seller, per-month estimate (`openai-2025-06-mmaudit-estimate`), not the provider's invoice; vendor figures (calls,
tokens, model) are `x_` columns as the spec asks. Calls without a price are left out and
counted (`unpriced_calls`): a FOCUS row must carry a cost, and an unknown cost is never $0.
Validated in the tests with the FinOps Foundation's `focus-validator`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mmaudit.export import check_target, owner_only_target, sql_string
from mmaudit.usage import TOKENLESS_ERROR

FOCUS_FILE = "focus-1.2-cost-and-usage.parquet"

# One FOCUS row per group. Timestamps are UTC midnights (ISO 8601 with Z in CSV/Parquet readers).
_FOCUS_SQL = """
WITH priced AS (
    SELECT date_trunc('day', ts AT TIME ZONE 'UTC') AS day,
           lower(coalesce(provider, 'unknown')) AS provider,
           -- who sold the call: a gateway that resold it (OpenRouter) invoices it, not the model's maker
           lower(coalesce(tags['gateway'], provider, 'unknown')) AS seller,
           coalesce(model, '(none logged)') AS model,
           coalesce(model_key, model, '(none logged)') AS sku,
           CASE WHEN tags IS NULL OR cardinality(tags) = 0 THEN NULL ELSE to_json(tags)::VARCHAR END AS tags_json,
           count(*) AS calls, coalesce(sum(input_tokens), 0) AS input_tokens,
           coalesce(sum(output_tokens), 0) AS output_tokens, sum(cost_usd) AS cost
    FROM calls WHERE cost_usd IS NOT NULL AND ts IS NOT NULL
    GROUP BY ALL)
SELECT
    CAST(cost AS DECIMAL(38, 12)) AS BilledCost,
    CAST(cost AS DECIMAL(38, 12)) AS EffectiveCost,
    CAST(cost AS DECIMAL(38, 12)) AS ListCost,
    CAST(cost AS DECIMAL(38, 12)) AS ContractedCost,
    'USD' AS BillingCurrency,
    seller || '-' || strftime(day, '%Y-%m') || '-mmaudit-estimate' AS InvoiceId,
    seller AS BillingAccountId,
    seller AS BillingAccountName,
    (date_trunc('month', day) AT TIME ZONE 'UTC') AS BillingPeriodStart,
    ((date_trunc('month', day) + INTERVAL 1 MONTH) AT TIME ZONE 'UTC') AS BillingPeriodEnd,
    (day AT TIME ZONE 'UTC') AS ChargePeriodStart,
    ((day + INTERVAL 1 DAY) AT TIME ZONE 'UTC') AS ChargePeriodEnd,
    'Usage' AS ChargeCategory,
    CAST(NULL AS VARCHAR) AS ChargeClass,
    'Usage-Based' AS ChargeFrequency,
    model || ' API calls (' || calls || ')' AS ChargeDescription,
    'Standard' AS PricingCategory,
    CAST(input_tokens + output_tokens AS DECIMAL(38, 0)) AS PricingQuantity,
    'Tokens' AS PricingUnit,
    CAST(input_tokens + output_tokens AS DECIMAL(38, 0)) AS ConsumedQuantity,
    'Tokens' AS ConsumedUnit,
    seller AS ProviderName,
    provider AS PublisherName,
    seller AS InvoiceIssuerName,
    'AI and Machine Learning' AS ServiceCategory,
    'Generative AI' AS ServiceSubcategory,
    seller || ' API' AS ServiceName,
    sku AS SkuId,
    sku AS SkuPriceId,
    tags_json AS Tags,
    model AS x_Model,
    calls AS x_Calls,
    CAST(input_tokens AS BIGINT) AS x_InputTokens,
    CAST(output_tokens AS BIGINT) AS x_OutputTokens
FROM priced
ORDER BY ChargePeriodStart, ProviderName, x_Model, Tags"""


@dataclass(frozen=True)
class FocusExport:
    path: Path
    rows: int
    calls: int
    unpriced_calls: int
    undated_calls: int
    tokenless_errors: int = 0  # failed calls that used no tokens: nothing to bill, not exported


def export_focus(con: duckdb.DuckDBPyConnection, directory: Path, overwrite: bool = False) -> FocusExport:
    """COPY the FOCUS rows to `directory/FOCUS_FILE` (one Parquet file) and count what was left out."""
    check_target(directory, overwrite)
    path = directory / FOCUS_FILE
    with owner_only_target(directory):
        con.execute(f"COPY ({_FOCUS_SQL}) TO {sql_string(str(path))} (FORMAT parquet)")
    rows, calls = con.execute(
        f"SELECT count(*), coalesce(sum(x_Calls), 0) FROM read_parquet({sql_string(str(path))})").fetchall()[0]
    # (an error that used no tokens has no cost to export and no price to lack: `mmaudit calls` does not
    # count it as unpriced either; it is counted apart)
    unpriced, undated, free = con.execute(
        f"SELECT count(*) FILTER (WHERE cost_usd IS NULL AND NOT {TOKENLESS_ERROR}), "
        f"count(*) FILTER (WHERE ts IS NULL AND cost_usd IS NOT NULL), "
        f"count(*) FILTER (WHERE cost_usd IS NULL AND {TOKENLESS_ERROR}) FROM calls").fetchall()[0]
    return FocusExport(path, int(rows), int(calls), int(unpriced), int(undated), int(free))
