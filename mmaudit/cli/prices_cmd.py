"""`mmaudit prices ...`: inspect, validate, import, update and re-apply price tables."""

from __future__ import annotations

import math

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from mmaudit import store
from mmaudit.cli.common import DbOption, FormatOption, OutOption, emit, stderr, UNCHANGED, user_errors
from mmaudit.config import validate
from mmaudit.errors import InputError
from mmaudit.pricing import (
    PriceCatalog,
    PriceTable,
    apply_prices,
    data_update,
    fixed_costs,
    genai_data,
    import_litellm,
    load_catalog,
    price_notes,
    reconcile,
    uncompared,
    unknown_models,
    unpriced_calls,
)
from mmaudit.pricing.litellm import split_report
from mmaudit.pricing.views import history as rate_history
from mmaudit.pricing.views import near_names, prices_at, select, sources
from mmaudit.render import Column, OutputFormat, Report, Table, format_value

app = typer.Typer(help="Price tables: list, show, validate, import, update, reconcile and reprice.", no_args_is_help=True)

PricesOption = Annotated[
    list[Path] | None, typer.Option("--prices", help="Extra price table(s) or directories (YAML); beat bundled ones.")
]
ProviderOption = Annotated[
    str | None, typer.Option("--provider", help="The provider the log names for the call (openai, aws-bedrock, groq...): "
                                               "resolve the id as ingest does for that provider's calls.")
]
RATE_COLUMNS = [
    Column("input", "Input $/1M", "exact"), Column("cached_input", "Cached $/1M", "exact"), Column("cache_write_5m", "Write 5m $/1M", "exact"),
    Column("cache_write_1h", "Write 1h $/1M", "exact"), Column("output", "Output $/1M", "exact"), Column("batch_input", "Batch in $/1M", "exact"),
    Column("batch_output", "Batch out $/1M", "exact"), Column("long_context", "Long context"),
]
REASONING_COLUMN = Column("reasoning", "Reasoning $/1M", "exact")
WEB_SEARCH_COLUMN = Column("web_search_per_1k", "Web search $/1k", "exact")
REQUEST_COLUMN = Column("request_per_1k", "Request $/1k", "exact")
SEARCHED_REQUEST_COLUMN = Column("searched_request_per_1k", "Searched request $/1k", "exact")
FILE_SEARCH_COLUMN = Column("file_search_per_1k", "File search $/1k", "exact")
PREVIEW_SEARCH_COLUMN = Column("web_search_preview_per_1k", "web_search_preview $/1k", "exact")  # OpenAI's preview tool, billed apart
SIZED_REQUEST_COLUMN = Column("request_per_1k_by_search_context", "Request by search context $/1k")  # text: "low 5, medium 8, high 12"
# audio and image parts, and the text part each one is charged as when a model has no price for it
MEDIA_COLUMNS = ((Column("input_audio", "Audio in $/1M", "exact"), "input"), (Column("cached_audio", "Cached audio $/1M", "exact"), "cached_input"),
                 (Column("output_audio", "Audio out $/1M", "exact"), "output"), (Column("input_image", "Image in $/1M", "exact"), "input"),
                 (Column("cached_image", "Cached image $/1M", "exact"), "cached_input"),
                 (Column("output_image", "Image out $/1M", "exact"), "output"))


def rate_columns(rows: list[dict[str, Any]]) -> list[Column]:
    """The rate columns, with reasoning beside output when some row bills reasoning at its own rate,
    each audio or image rate when some row bills it apart from text, and the web-search and
    per-request fees when some row has one."""
    columns = list(RATE_COLUMNS)
    if any(r.get("reasoning") is not None and r.get("reasoning") != r.get("output") for r in rows):
        at = next(i for i, c in enumerate(columns) if c.key == "output") + 1
        columns.insert(at, REASONING_COLUMN)
    for column, text in MEDIA_COLUMNS:
        if any(r.get(column.key) is not None and r.get(column.key) != r.get(text) for r in rows):
            columns.insert(next(i for i, c in enumerate(columns) if c.key == "batch_input"), column)
    for column in (WEB_SEARCH_COLUMN, PREVIEW_SEARCH_COLUMN, SEARCHED_REQUEST_COLUMN, FILE_SEARCH_COLUMN, REQUEST_COLUMN,
                   SIZED_REQUEST_COLUMN):
        if any(r.get(column.key) is not None for r in rows):
            columns.insert(next(i for i, c in enumerate(columns) if c.key == "long_context"), column)
    return columns


_RATE_KEYS = ("input", "output", "cached_input", "cache_write_5m", "cache_write_1h", "reasoning", "batch_input",
              "batch_output", "fixed_monthly_usd", "web_search_per_1k", "web_search_preview_per_1k", "searched_request_per_1k", "file_search_per_1k", "request_per_1k", "input_audio", "cached_audio", "output_audio", "input_image", "cached_image",
              "output_image")


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Rates as exact plain decimals for tables ($0.01875 must not print as 0.019)."""
    return {k: (format(v.normalize(), "f") if k in _RATE_KEYS and v is not None else v) for k, v in row.items()}


@app.command("list")
def list_prices(
    patterns: Annotated[list[str] | None, typer.Argument(
        help="Only models matching one of these (case-insensitive; 'claude-*4*' shell-style, 'sonnet' anywhere).",
        show_default=False, metavar="[PATTERN]...")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only this provider's prices (the Provider column).")] = None,
    prices: PricesOption = None,
    at: Annotated[str | None, typer.Option("--at", help="Prices in force on this date (YYYY-MM-DD); default: today.")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """List priced models with their standard-tier rates (USD per 1M tokens): every model, or
    those matching a PATTERN and --provider.

    Examples:

      mmaudit prices list sonnet haiku

      mmaudit prices list 'gpt-5*' --provider openai --at 2025-09-01 --format markdown
    """
    with user_errors(UNCHANGED):
        day = _parse_day(at)
        every = prices_at(load_catalog(prices), day)
        rows = select(every, patterns, provider)
    columns = [Column("model_key", "Model"), Column("provider", "Provider"), *rate_columns(rows),
               Column("fixed_monthly_usd", "Fixed $/month", "exact"), Column("from", "From"), Column("source", "Source")]
    notes = ["Source: genai-prices, mmaudit overrides or your tables (see `mmaudit prices sources`).",
             "Batch —: no batch price on record for that date; batch calls are unpriced, never charged full price.",
             "Self-hosted models (fixed_monthly_usd) cost 0 per call; see `prices show`."]
    if patterns or provider:
        asked = " or ".join(repr(p) for p in patterns or []) or "any name"
        notes.insert(0, f"{len(rows):,} of {len(every):,} priced models match {asked}"
                        f"{f' from {provider!r}' if provider else ''}.")
        near = near_names({r["model_key"] for r in every}, patterns) if not rows and patterns else []
        if near:
            notes.insert(1, f"Close names: {', '.join(near)}.")
    table = Table("Prices (USD per 1M tokens)", columns, [_shown(r) for r in rows], notes=notes)
    emit(Report([table], {"at": day, "models": rows}), fmt, out)


def _parse_day(text: str | None, option: str = "--at") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: expected a date YYYY-MM-DD, found {text!r}") from None


def _resolve(catalog: PriceCatalog, model: str, provider: str | None = None) -> str:
    key, _stage, _ft = catalog.resolver.resolve(provider, model)
    if key is None:
        hint = "" if provider else ", or name the provider the log gives it (--provider NAME)"
        near = near_names(catalog.model_keys(), [model])
        close = f" (closest priced: {', '.join(near)})" if near else ""
        raise InputError(f"no price for model {model!r}{f' from {provider!r}' if provider else ''}{close}: "
                         f"add an alias or a price table (see docs/pricing.md){hint}")
    return key


def _history_tables(catalog: PriceCatalog, model: str,
                    provider: str | None = None) -> tuple[str, list[dict[str, Any]], list[Table]]:
    key = _resolve(catalog, model, provider)
    rows = rate_history(catalog, key)
    columns = [Column("service_tier", "Tier"), Column("from", "From"), Column("to", "Until"),
               Column("time_of_day_utc", "Time (UTC)"), *rate_columns(rows), Column("source", "Source")]
    notes = ["From —: applies to every earlier call; Until —: still in force.",
             "Long context: every token of a request above the threshold is billed at that tier's rates."]
    notes += sorted({f"{r['table']}: {r['note']}" for r in rows if r.get("note")})
    return key, rows, [Table(f"{key}: dated rates (USD per 1M tokens)", columns, [_shown(r) for r in rows], notes=notes)]


@app.command("history")
def history_cmd(
    model: Annotated[str, typer.Argument(help="A model key, alias or logged id (e.g. a Bedrock ARN).")],
    provider: ProviderOption = None,
    prices: PricesOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show the dated rates a call on MODEL would get (every service tier and time-of-day window).

    Example:

      mmaudit prices history deepseek-chat
    """
    with user_errors(UNCHANGED):
        catalog = load_catalog(prices)
        key, rows, tables = _history_tables(catalog, model, provider)
    emit(Report(tables, {"model": model, "model_key": key, "history": rows}), fmt)


@app.command("show")
def show(
    model: Annotated[str, typer.Argument(help="A model key, alias or logged id (e.g. a Bedrock ARN).")],
    provider: ProviderOption = None,
    prices: PricesOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one model's price history and registry facts; the id is resolved like logged ids.

    Example:

      mmaudit prices show us.anthropic.claude-3-5-sonnet-20241022-v2:0

      mmaudit prices show computer-use-preview --provider openai
    """
    with user_errors(UNCHANGED):
        catalog = load_catalog(prices)
        key, rows, tables = _history_tables(catalog, model, provider)
    info = dict(catalog.models.get(key, {}))
    info["aliases"] = sorted(a for a, k in catalog.aliases.items() if k == key and a != key)
    info_rows = [{"field": k, "value": _text(v)} for k, v in info.items() if v not in (None, [], {}, "")]
    tables.append(Table(f"{key}: facts", [Column("field", "Field"), Column("value", "Value")], info_rows))
    emit(Report(tables, {"model": model, "model_key": key, "history": rows, "info": info}), fmt)


@app.command("sources")
def sources_cmd(prices: PricesOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Where prices come from (genai-prices data version, overrides, your tables) and how to update.

    Example:

      mmaudit prices sources
    """
    with user_errors(UNCHANGED):
        data = sources(load_catalog(prices))
    columns = [Column("layer", "Precedence", "int"), Column("source", "Source"), Column("version", "Version"),
               Column("models", "Models", "int"), Column("where", "Where"), Column("update", "How to update")]
    notes = ["A higher layer replaces a model's prices from its table's date on; earlier calls keep the lower layer's."]
    emit(Report([Table(f"Price sources (genai-prices {data['genai_prices_version']})", columns, data["layers"],
                       notes=notes)], data), fmt)


@app.command("update")
def update_cmd(
    url: Annotated[str | None, typer.Option("--url", help="Where to fetch from (https, http or file://); default: "
                                                           "the address the installed genai-prices' own updater uses.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the data from this file instead (no network).",
                                              dir_okay=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; keep the prices in use.")] = False,
    revert: Annotated[bool, typer.Option("--revert", help="Forget fetched data: back to the installed package's.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the download.", min=1)] = 30.0,
    limit: Annotated[int, typer.Option("--limit", help="Changed models listed in the table (all of them under json/csv).",
                                       min=0)] = 40,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fetch genai-prices' newest price data (opt-in network): models priced since the installed
    release, and price changes. It is kept only if the installed genai-prices reads all of it and
    it translates into rates; every later price load uses it, and reports name it, until --revert.
    Calls already stored keep their cost until `mmaudit prices reprice`.

    Examples:

      mmaudit prices update --dry-run
      mmaudit prices update && mmaudit prices reprice --db mmaudit.duckdb
      mmaudit prices update --file data.json      # downloaded elsewhere
      mmaudit prices update --revert
    """
    if revert and (url or file or dry_run):
        raise typer.BadParameter("--revert takes no --url, --file or --dry-run", param_hint="--revert")
    if url and file:
        raise typer.BadParameter("give --url or --file, not both", param_hint="--file")
    with user_errors():
        if revert:
            had = data_update.revert()
            label = genai_data.data_label()
            message = (f"Fetched price data forgotten: prices come from {label} again." if had
                       else f"No fetched price data was in use: prices come from {label}.")
            notes = ["Calls already stored keep their cost until `mmaudit prices reprice`."] if had else []
            emit(Report([Table("Price data", [Column("data", "In use")], [{"data": label}], notes=[message, *notes])],
                        {"reverted": had, "data": label}), fmt)
            return
        done = data_update.update(url=url, file=file, dry_run=dry_run, timeout=timeout)
    emit(_update_report(done, limit, fmt), fmt)


def _update_report(done: data_update.Update, limit: int, fmt: OutputFormat) -> Report:
    record, counts = done.record, done.summary()
    head = [{"field": "source", "value": record.url}, {"field": "fetched", "value": record.fetched_at},
            {"field": "sha256", "value": record.sha256},
            {"field": "providers / models", "value": f"{record.providers:,} / {record.models:,}"},
            {"field": "compared with", "value": done.previous},
            {"field": "changes", "value": ", ".join(f"{n:,} {k}" for k, n in counts.items())},
            {"field": "kept", "value": "yes: every price load now uses it" if done.kept else "no (--dry-run)"}]
    notes = []
    if done.kept:
        notes.append("Calls already stored keep their cost until `mmaudit prices reprice --db DB`; "
                     "`mmaudit prices update --revert` goes back to the installed package's data.")
    shown = done.changes if fmt in (OutputFormat.json, OutputFormat.csv) else done.changes[:limit]
    change_notes = ["added: newly priced; repriced: its current list price moved; removed: no longer priced "
                    "(calls of it become unknown); history: only dated, batch, tier or long-context rows moved."]
    if len(shown) < len(done.changes):
        left = len(done.changes) - len(shown)
        change_notes.append(f"{left:,} more changed model{'s' if left != 1 else ''} not listed: "
                            f"--limit {len(done.changes)}, or --format json for all of them.")
    columns = [Column("model_key", "Model"), Column("change", "Change"),
               Column("input_before", "Input $/1M before", "exact"), Column("input_after", "Input $/1M after", "exact"),
               Column("output_before", "Output $/1M before", "exact"),
               Column("output_after", "Output $/1M after", "exact")]
    tables = [Table("genai-prices data update", [Column("field", "Field"), Column("value", "Value")], head, notes=notes),
              Table("Changed models", columns, shown, notes=change_notes)]
    return Report(tables, done.as_dict())


def _text(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="Price table file(s) or directories to check.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Check price tables (fields, prices, aliases, clashes with the bundled tables); exit 2 if invalid.

    Example:

      mmaudit prices validate my-prices.yaml
    """
    with user_errors(UNCHANGED):
        catalog = load_catalog(files)
    rows = [{"path": t.path, "effective_from": t.table.effective_from, "models": len(t.table.models)}
            for t in catalog.tables if t.origin == "user"]
    columns = [Column("path", "File"), Column("effective_from", "Effective from"), Column("models", "Models", "int")]
    emit(Report([Table("Valid price tables", columns, rows)], {"valid": True, "tables": rows}), fmt)


@app.command("unknown")
def unknown(db: DbOption = None, prices: PricesOption = None, fmt: FormatOption = OutputFormat.table,
            out: OutOption = None) -> None:
    """Models in the store with no price (model_key NULL): their calls and tokens; and calls of
    known models with no rate for how they were billed (give the tables the store was priced with).

    Example:

      mmaudit prices unknown --db audit.duckdb --prices my-prices.yaml
    """
    with user_errors(UNCHANGED):
        con = store.connect(db, read_only=True)
        rows = unknown_models(con)
        unpriced, stale = _unpriced(con, list(prices or []))
        con.close()
    columns = [Column("model", "Model"), Column("calls", "Calls", "int"), Column("input_tokens", "Input tokens", "int"),
               Column("output_tokens", "Output tokens", "int"), Column("first_seen", "First seen"), Column("last_seen", "Last seen"),
               Column("reason", "Why no price")]
    notes = ["Their cost is unknown (NULL), not $0. A model launched since the installed genai-prices release may "
             "be in its newest data: `mmaudit prices update --dry-run` lists what it adds (opt-in network). Else add "
             "an alias, a table, or (a model you serve yourself) a self-hosted registry entry; then `mmaudit prices "
             "reprice` (docs/pricing.md)."] if rows else []
    tables = [Table("Models without a price", columns, rows, notes=notes)]
    if unpriced:
        tables.append(Table("Known models, calls without a rate", [
            Column("model", "Model"), Column("model_key", "Key"), Column("reason", "Why unpriced"),
            Column("calls", "Calls", "int"), Column("input_tokens", "Input tokens", "int")], unpriced,
            notes=["Cost NULL, not $0 and not another rate: add a table with that rate, then `prices reprice`."]))
    if stale:
        tables[-1].notes.append(
            f"{stale:,} call(s) stored without a cost have a rate in the tables given here: they were priced with "
            "other tables (run `mmaudit prices reprice` with these), or give the tables they were priced with.")
    emit(Report(tables, {"unknown_models": rows, "unpriced_calls": unpriced, "priced_since": stale}), fmt, out)


def _unpriced(con: Any, prices: list[Path]) -> tuple[list[dict[str, Any]], int]:
    """Unpriced calls of known models with the reason each has no rate in the tables given (the
    bundled ones and `prices`: the store may have been priced with the user's), and how many
    calls stored without a cost do have a rate in them."""
    from mmaudit.pricing import register_prices

    stored = con.execute("SELECT count(*) FROM calls WHERE model_key IS NOT NULL AND cost_usd IS NULL").fetchall()[0][0]
    if not stored:
        return [], 0
    register_prices(con, load_catalog(prices))
    rows = unpriced_calls(con)
    return rows, int(stored) - sum(int(r["calls"]) for r in rows)


@app.command("import-litellm")
def import_litellm_cmd(
    file: Annotated[Path, typer.Argument(help="LiteLLM model_prices_and_context_window.json")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the YAML table here (default: stdout).")] = None,
    effective_from: Annotated[str | None, typer.Option("--effective-from", help="Date the prices apply from (default: today); successive dated imports build a history.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every skipped entry and its reason.")] = False,
) -> None:
    """Convert LiteLLM's price map into a mmaudit price table (YAML); odd entries are skipped and reported.

    Example:

      mmaudit prices import-litellm model_prices_and_context_window.json --out pricing-litellm.yaml
    """
    with user_errors():
        doc, skipped = split_report(import_litellm(file, _parse_day(effective_from, "--effective-from")))
        validate(PriceTable, doc, str(file))
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    for entry in skipped if verbose else []:
        stderr.print(f"skipped {entry['model']}: {entry['reason']}")
    stderr.print(f"{len(doc['models'])} models imported; {doc['notes'].split('; ', 1)[1]}"
                 + ("" if verbose else " (--verbose lists each)"))
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    stderr.print(f"wrote {out}: {len(doc['models'])} models")


@app.command("reconcile")
def reconcile_cmd(
    tolerance: Annotated[float, typer.Option("--tolerance", help="Relative difference allowed per call.")] = 0.05,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when any call mismatches, or logs a cost but has "
                                                        "no calculated price.")] = False,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Compare the cost logs carry with the calculated cost, per model.

    Example:

      mmaudit prices reconcile --tolerance 0.02 --check
    """
    with user_errors(UNCHANGED):
        if not math.isfinite(tolerance) or tolerance < 0:  # (nan compared false with every difference)
            raise InputError(f"--tolerance: expected a number >= 0, found {tolerance}")
        con = store.connect(db, read_only=True)
        rows = reconcile(con, tolerance)
        unpriced = uncompared(con)
        con.close()
    columns = [Column("model", "Model"), Column("model_key", "Key"), Column("calls", "Calls", "int"),
               Column("logged_usd", "Logged (USD)", "usd"), Column("calculated_usd", "Calculated (USD)", "usd"),
               Column("diff_usd", "Diff (USD)", "usd"), Column("rel_diff", "Diff (%)", "share"),
               Column("mismatched_calls", "Mismatched", "int")]
    notes = [f"A call mismatches when |calculated - logged| > {tolerance:.1%} of logged."]
    if unpriced:
        calls, logged = sum(r["calls"] for r in unpriced), sum(r["logged_usd"] for r in unpriced)
        notes.append(f"{calls:,} call(s) log a cost ({format_value(logged, 'usd')}) but have no calculated price, so they "
                     f"are not compared: {', '.join(r['model'] for r in unpriced[:5])}"
                     f"{', ...' if len(unpriced) > 5 else ''} (see `mmaudit prices unknown`)")
    data = {"tolerance": tolerance, "models": rows, "unpriced_with_logged_cost": unpriced}
    emit(Report([Table("Logged vs calculated cost", columns, rows, notes=notes)], data), fmt, out)
    if check and (unpriced or any(r["mismatched_calls"] for r in rows)):
        raise typer.Exit(1)


@app.command("reprice")
def reprice(prices: PricesOption = None, db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Recompute model_key and cost_usd for every stored call (e.g. after adding a table).

    Example:

      mmaudit prices reprice --prices my-prices.yaml
    """
    with user_errors():
        catalog = load_catalog(prices)
        con = store.connect(db)
        con.execute("BEGIN TRANSACTION")
        try:
            counts = apply_prices(con, "calls", catalog)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        notes_counts = price_notes(con)
        fixed = fixed_costs(con)
        con.close()
    rows = [{"rows": counts["rows"], "priced": counts["priced"], "unknown": counts["unknown"],
             "unpriced": counts["unpriced"], **notes_counts}]
    columns = [Column("rows", "Calls", "int"), Column("priced", "Priced", "int"), Column("unknown", "Unknown model", "int"),
               Column("unpriced", "No rate", "int"),
               Column("before_table_start", "Before table start", "int"), Column("undated", "Undated", "int")]
    notes = []
    if counts["unknown"] or counts["unpriced"]:
        notes.append("Unknown models and calls without a rate have cost NULL: see `mmaudit prices unknown`.")
    notes.extend(f"{f['model_key']}: fixed cost ${f['fixed_usd']:,.2f} ({f['months']} months), not in per-call cost" for f in fixed)
    emit(Report([Table("Repriced", columns, rows, notes=notes)], {**counts, "notes": notes_counts, "fixed_costs": fixed}), fmt)
