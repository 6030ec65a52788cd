"""Money for a live run: model names resolved and tokens priced by mmaudit's own price tables,
and a budget that reserves each request's worst case before it is sent.

Pricing goes through the one cost formula (`pricing.sql.cost_sql`) on a private in-memory DuckDB
connection holding the registered catalog; the gateway's own cost figure is never used. The
worst case of a request is its input at an upper bound of tokens and its output at `max_tokens`
(the request caps it). The input bound assumes a tokenizer emits at most one token per UTF-8
byte, plus a few tokens of chat framing per message: true of byte-level BPE (OpenAI, Anthropic,
Llama) and of SentencePiece with byte fallback (Gemini). A reply whose reported input is above
the bound is counted (`bound_broken`) so a user can see it.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pandas as pd

from mmaudit.errors import InputError
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.pricing.catalog import PriceCatalog
from mmaudit.pricing.sql import cost_sql, rate_window_sql

FRAMING_TOKENS_PER_MESSAGE = 8
FRAMING_TOKENS = 16


def input_bound(messages: list[dict[str, str]]) -> int:
    """Most tokens `messages` can be billed as (one per UTF-8 byte, plus chat framing)."""
    size = sum(len((m.get("content") or "").encode("utf-8")) for m in messages)
    return size + FRAMING_TOKENS_PER_MESSAGE * len(messages) + FRAMING_TOKENS


class Pricer:
    """Model-name resolution and request pricing against one loaded price catalog."""

    def __init__(self, catalog: PriceCatalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self._con = duckdb.connect()
        self._lock = threading.Lock()
        register_prices(self._con, self.catalog)
        cost = cost_sql("r", "t.i", "0", "0", "t.o", "false")
        self._cost_sql = (
            f"SELECT {cost} FROM price_rates r, (SELECT ?::BIGINT AS i, ?::BIGINT AS o) t"
            f" WHERE r.model_key = ? AND {rate_window_sql('r', 'now()')}"
        )

    def resolve(self, name: str) -> str:
        """The price-table model key of a bare or provider-prefixed name; unknown is an error."""
        with self._lock:
            key = self._con.execute("SELECT mm_model_key(?)", [name]).fetchall()[0][0]
        if key is None:
            known = sorted(set(self.catalog.aliases) | set(self.catalog.model_keys()))
            close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.5)
            hint = f" (closest: {close[0]})" if close else ""
            raise InputError(
                f"model {name!r} has no price in mmaudit's tables{hint}; a live run prices every"
                " request before sending it (add a table with --prices)"
            )
        return key

    def cost(self, model_key: str, input_tokens: int, output_tokens: int) -> Decimal:
        """USD for these tokens on `model_key` at today's rates (exact DECIMAL)."""
        with self._lock:
            row = self._con.execute(self._cost_sql, [input_tokens, output_tokens, model_key]).fetchall()
        if not row or row[0][0] is None:
            raise InputError(f"model {model_key!r} has no rate in force today")
        return Decimal(row[0][0])

    def total(self, rows: list[tuple[str, int, int]]) -> Decimal:
        """Sum of the costs of many (model key, input tokens, output tokens): one query, not one each."""
        if not rows:
            return Decimal(0)
        frame = pd.DataFrame(rows, columns=["model_key", "i", "o"]).astype({"i": "int64", "o": "int64"})
        cost = cost_sql("r", "t.i", "0", "0", "t.o", "false")
        with self._lock:
            self._con.register("_live_tokens", frame)
            try:
                value, priced = self._con.execute(
                    f"SELECT CAST(coalesce(sum({cost}), 0) AS DECIMAL(38, 12)), count(r.model_key) FROM _live_tokens t"
                    f" LEFT JOIN price_rates r ON r.model_key = t.model_key AND {rate_window_sql('r', 'now()')}"
                ).fetchall()[0]
            finally:
                self._con.unregister("_live_tokens")
        if priced != len(rows):
            raise InputError("a model of this run has no rate in force today")
        return Decimal(value)

    def close(self) -> None:
        self._con.close()


class BudgetExhausted(Exception):
    """The next request's worst case does not fit in what is left of the budget."""


@dataclass
class Budget:
    """`limit` USD (None: no limit) for everything a run sends; thread-safe.

    `reserve` books a request's worst case before it is sent and fails when spent + reserved +
    worst case would pass the limit; `settle` replaces the reservation by the priced cost.
    """

    limit: Decimal | None
    spent: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    by_role: dict[str, Decimal] = field(default_factory=dict)
    bound_broken: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reserve(self, worst: Decimal) -> Decimal:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + worst > self.limit:
                raise BudgetExhausted(
                    f"the next request could cost up to ${worst:.6f}; ${self.left():.6f} of the"
                    f" ${self.limit} budget is left"
                )
            self.reserved += worst
            return worst

    def settle(self, reservation: Decimal, actual: Decimal, role: str) -> None:
        with self._lock:
            self.reserved -= reservation
            self.spent += actual
            self.by_role[role] = self.by_role.get(role, Decimal(0)) + actual
            if actual > reservation:
                self.bound_broken += 1

    def release(self, reservation: Decimal) -> None:
        with self._lock:
            self.reserved -= reservation

    def left(self) -> Decimal:
        return (self.limit - self.spent - self.reserved) if self.limit is not None else Decimal("Infinity")
