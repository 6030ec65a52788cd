"""What a replay must keep apart, found from the policy's tables and the stored calls: A/B slice
bounds, escalation rates, the input size above which long-context rates may apply, outage
windows, and which optional columns (weights, modalities, citations, other models' steps,
off-peak stretches, search-context fees) the calls of the period actually carry. Each one the
calls do not need costs the replay nothing."""

from __future__ import annotations

from typing import Any

import duckdb

from mmaudit.policy import Policy
from mmaudit.schema import MODALITY_COLUMNS, carried_sql
from mmaudit.simulate.decide import Cuts, SimulationOptions, down_segments_sql, period_sql
from mmaudit.simulate.timeline import latency_bucket_us
from mmaudit.store import has_column


def find_cuts(con: duckdb.DuckDBPyConnection, policy: Policy, keys: dict[str, str], options: SimulationOptions) -> Cuts:
    """Every value a call's fractions and input tokens are compared with under this policy."""
    ab = [r[0] for r in con.execute("SELECT lo FROM _sim_ab UNION SELECT hi FROM _sim_ab").fetchall()]
    if policy.cascade and policy.cascade.from_quality:
        marks = ", ".join("?" for _ in keys)
        escalation = [r[0] for r in con.execute(
            f"SELECT DISTINCT 1 - coalesce(score, 1) FROM _sim_quality WHERE model_key IN ({marks})",
            list(keys.values())).fetchall()]
    else:
        escalation = [r[0] for r in con.execute("SELECT DISTINCT rate FROM _sim_esc").fetchall()]
    lc_min, widest = con.execute(
        "SELECT (SELECT min(lc_threshold) FROM price_rates), max(token_ratio) / min(token_ratio) FROM _sim_models"
    ).fetchall()[0]
    long_input = int(lc_min / widest) if lc_min is not None else None
    lo, hi = con.execute("SELECT min(start_ts), max(end_ts) FROM _sim_outages").fetchall()[0]
    if lo is not None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _sim_down_seg AS {down_segments_sql()}")
    return Cuts(ab=ab, escalation=escalation, long_input=long_input, outages=(lo, hi) if lo is not None else None,
                latency_bucket_us=latency_bucket_us(policy), has_weight=_weighted(con, options),
                has_cw1h=has_column(con, "cache_write_1h_tokens"), has_web_searches=has_column(con, "web_searches"),
                has_file_searches=has_column(con, "file_searches"),
                modalities=_modalities(con, options), has_citations=_has_citations(con, options),
                has_other_models=_has_other_models(con, options),
                tod_cuts=_tod_cuts(con, keys, options), sized_fees=_sized_fees(con, keys, options))


def _modalities(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> tuple[str, ...]:
    """The modalities (audio, image) some call of the period carries tokens of: the others cost
    a replay nothing (no columns read, no parts priced)."""
    present = [m for m, cols in MODALITY_COLUMNS.items() if has_column(con, cols[0])]
    if not present:
        return ()
    found = con.execute(f"SELECT {carried_sql(present)} FROM calls c WHERE {period_sql(options)}").fetchall()[0]
    return tuple(m for m, has in zip(present, found, strict=True) if has)


def _used(con: duckdb.DuckDBPyConnection, candidates: list[str], keys: dict[str, str], options: SimulationOptions) -> set[str]:
    """Of `candidates` (model keys), those a replay can price calls on: the policy's models, else
    the ones calls of the period were logged on."""
    used = set(keys.values()) & set(candidates)
    if used or not candidates:
        return used
    marks = ", ".join("?" for _ in candidates)
    return {r[0] for r in con.execute(f"SELECT DISTINCT c.model_key FROM calls c WHERE c.model_key IN ({marks}) "
                                      f"AND {period_sql(options)}", candidates).fetchall()}


def _sized_fees(con: duckdb.DuckDBPyConnection, keys: dict[str, str], options: SimulationOptions) -> bool:
    """Whether a model the replay can use bills per request by search context size."""
    sized = [r[0] for r in con.execute("SELECT DISTINCT model_key FROM price_rates_all WHERE request_low_rate IS NOT NULL"
                                       ).fetchall()]
    return bool(_used(con, sized, keys, options))


def _tod_cuts(con: duckdb.DuckDBPyConnection, keys: dict[str, str],
              options: SimulationOptions) -> tuple[tuple[float, float], ...]:
    """The stretches of the day where the price of a model the replay can use (the policy's, or one
    a call of the period was logged on) changes, as (start, representative) UTC seconds; stretches
    with the same prices on every such model share the first one's start (DeepSeek's off-peak
    16:30-00:30 is one class, not two). None: one price all day."""
    rows = con.execute("""SELECT * EXCLUDE (table_name, table_path, source, note, is_earliest, is_latest)
                          FROM price_rates_all WHERE tod_from IS NOT NULL OR tod_to IS NOT NULL""").fetchall()
    names = [d[0] for d in con.description]
    col = {n: i for i, n in enumerate(names)}
    used = _used(con, sorted({r[col["model_key"]] for r in rows}), keys, options)
    rows = [r for r in rows if r[col["model_key"]] in used]
    if not rows:
        return ()

    def second(t: Any) -> float:
        return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6

    starts = sorted({0.0} | {second(t) for r in rows for t in (r[col["tod_from"]], r[col["tod_to"]]) if t is not None})
    price = [i for n, i in col.items() if n not in ("tod_from", "tod_to")]  # what a row charges, and when

    def prices_at(s: float) -> frozenset[tuple]:
        lo, hi = col["tod_from"], col["tod_to"]
        return frozenset(tuple(tuple(r[i]) if isinstance(r[i], list) else r[i] for i in price) for r in rows
                         if (r[lo] is None or second(r[lo]) <= s) and (r[hi] is None or s < second(r[hi])))

    first: dict[frozenset[tuple], float] = {}
    return tuple((s, first.setdefault(prices_at(s), s)) for s in starts)


def _has_citations(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> bool:
    """Whether some call of the period carries citation tokens (else the replay reads none)."""
    if not has_column(con, "citation_tokens"):
        return False
    return bool(con.execute(f"SELECT count(*) FROM calls c WHERE c.citation_tokens > 0 AND {period_sql(options)}"
                            ).fetchall()[0][0])


def _has_other_models(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> bool:
    """Whether some call of the period paid for steps on other models (else the replay reads no such cost)."""
    if not has_column(con, "other_models_cost_usd"):
        return False
    return bool(con.execute(f"SELECT count(*) FROM calls c WHERE c.other_models_cost_usd > 0 AND {period_sql(options)}"
                            ).fetchall()[0][0])


def _weighted(con: duckdb.DuckDBPyConnection, options: SimulationOptions) -> bool:
    """Whether some call of the period stands for more (or fewer) than one call."""
    if not has_column(con, "sample_weight"):
        return False
    return bool(con.execute(f"SELECT count(*) FROM calls c WHERE coalesce(c.sample_weight, 1) <> 1 AND {period_sql(options)}"
                            ).fetchall()[0][0])
