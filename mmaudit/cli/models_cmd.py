"""`mmaudit models`: the model registry with today's prices, latency and quality."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, OutOption, emit, UNCHANGED, user_errors
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.pricing.views import LATENCY_MIN_CALLS, measured_latency, models_view
from mmaudit.render import Column, OutputFormat, Report, Table


def models(
    prices: Annotated[list[Path] | None, typer.Option("--prices", help="Your price tables or registry files (YAML).")] = None,
    db: DbOption = None,
    all_models: Annotated[bool, typer.Option("--all", help="Every priced model, not only the registry's.")] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """List the model registry: tier, today's price, latency (measured from your logs when there are
    enough calls, else the prior), quality priors and approved data classes.

    Example:

      mmaudit models --db audit.duckdb --format markdown
    """
    with user_errors(UNCHANGED):
        catalog = load_catalog(list(prices or []))
        path = store.resolve_db_path(db)
        con = store.connect(db, read_only=True) if path.exists() else duckdb.connect()
        try:
            register_prices(con, catalog)
            has_calls = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'calls'").fetchall()[0][0]
            measured = measured_latency(con) if has_calls else {}
            rows = models_view(con, catalog, measured, include_all=all_models)
        finally:
            con.close()
    columns = [
        Column("model_key", "Model"), Column("tier", "Tier"), Column("provider", "Provider"),
        Column("input", "Input $/1M", "exact"), Column("output", "Output $/1M", "exact"),
        Column("fixed_monthly_usd", "Fixed (USD/month)", "usd"), Column("ttft_ms", "TTFT", "ms"),
        Column("output_tokens_per_s", "Tok/s", "float"), Column("latency_basis", "Latency from"),
        Column("quality_shown", "Quality (default task)"), Column("data_classes", "Data classes"),
    ]
    shown = [{**r, "data_classes": ", ".join(r["data_classes"]),
              "quality_shown": None if r["quality_default"] is None else f"{r['quality_default']:.3f} (prior)"}
             for r in rows]
    notes = [(f"Latency is measured from your successful calls when a model has at least {LATENCY_MIN_CALLS}; "
              "otherwise it is the registry prior (marked prior)."),
             ("Quality, token ratio and data classes are registry priors, not measurements: override them with a "
              "registry file (`registry:` at the top level) passed with --prices.")]
    emit(Report([Table("Model registry", columns, shown, notes=notes)], {"models": rows}), fmt, out)
