"""Cursor's usage events (Admin API `filtered-usage-events`): pages and single events, what Cursor
did not charge, Max Mode, and its model names."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

PRICED = enrichers()  # categoriser and price catalog, as `mmaudit ingest` has them

# the example event of Cursor's Admin API documentation: claude-4-opus in Max Mode
DOCS_EVENT = {"timestamp": "1750979225854", "model": "claude-4-opus", "kind": "Usage-based", "maxMode": True,
              "requestsCosts": 5, "isTokenBasedCall": True, "isFreeBugbot": False, "userEmail": "developer@company.com",
              "tokenUsage": {"inputTokens": 126, "outputTokens": 450, "cacheWriteTokens": 6112, "cacheReadTokens": 11964,
                             "totalCents": 20.18232}}
THINKING = {"timestamp": "1764196900000", "model": "claude-4.5-sonnet-thinking", "kind": "Included in Business",
            "maxMode": False, "isTokenBasedCall": True, "userEmail": "a@company.com",
            "tokenUsage": {"inputTokens": 3000, "outputTokens": 900, "cacheWriteTokens": 0, "cacheReadTokens": 12000,
                           "totalCents": 2.61}}
ERRORED = {"timestamp": "1764196950000", "model": "composer-2.5", "kind": "Errored, Not Charged", "maxMode": False,
           "isTokenBasedCall": True, "userEmail": "a@company.com",
           "tokenUsage": {"inputTokens": 500, "outputTokens": 0, "cacheWriteTokens": 0, "cacheReadTokens": 0, "totalCents": 0}}
AUTO = {"timestamp": "1764197000000", "model": "auto", "kind": "Included in Business", "maxMode": False,
        "isTokenBasedCall": False, "requestsCosts": 1, "userEmail": "b@company.com"}
PAGE = {"totalUsageEventsCount": 3, "usageEvents": [DOCS_EVENT, THINKING, ERRORED],
        "pagination": {"numPages": 1, "currentPage": 1, "pageSize": 100, "hasNextPage": False, "hasPreviousPage": False}}
M = Decimal(10**6)


def test_a_page_of_usage_events_is_one_call_per_event_priced_as_cursor_bills_it(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "cursor.jsonl", [PAGE]), enrichers=PRICED).files
    assert (file.log_format, file.loaded, file.quarantined) == ("cursor-usage", 3, 0)
    got = {r["model"]: r for r in db.calls()}
    opus = got["claude-4-opus"]
    # input excludes the cache: 126 + 6,112 written + 11,964 read
    assert (opus["provider"], opus["model_key"], opus["input_tokens"], opus["cache_write_tokens"],
            opus["cached_input_tokens"], opus["output_tokens"]) == ("cursor", "claude-opus-4-0", 18202, 6112, 11964, 450)
    list_price = (126 * Decimal(15) + 6112 * Decimal("18.75") + 11964 * Decimal("1.5") + 450 * Decimal(75)) / M
    assert opus["cost_usd"] == list_price  # $0.168186 at Anthropic's rates
    # Cursor charged 20.18232 cents: Max Mode is the API price plus 20%, which the logged cost keeps
    assert opus["logged_cost_usd"] == Decimal("0.2018232") == list_price * Decimal("1.2")
    assert opus["tags"] == {"user": "developer@company.com", "cursor_kind": "Usage-based", "max_mode": "true",
                            "requests_costs": "5"}
    sonnet = got["claude-4.5-sonnet"]  # a thinking variant, billed per token like the model
    assert (sonnet["model_key"], sonnet["tags"]["model_variant"]) == ("claude-sonnet-4-5", "thinking")
    assert sonnet["cost_usd"] == (3000 * Decimal(3) + 12000 * Decimal("0.3") + 900 * Decimal(15)) / M
    assert sonnet["logged_cost_usd"] == Decimal("0.0261") == sonnet["cost_usd"]
    errored = got["composer-2.5"]  # not charged: nothing to pay, its counts kept aside
    assert (errored["status"], errored["input_tokens"], errored["cost_usd"], errored["logged_cost_usd"]) == ("error", 0, 0, 0)
    assert errored["tags"]["uncharged_tokens"] == "500+0+0/0"


def test_single_events_per_line_and_a_second_export_of_the_same_events(db, tmp_path):
    first = db.ingest(write_jsonl(tmp_path / "events.jsonl", [DOCS_EVENT, AUTO]), enrichers=PRICED).files[0]
    assert (first.log_format, first.loaded) == ("cursor-usage", 2)
    again = db.ingest(write_jsonl(tmp_path / "page.jsonl", [PAGE]), enrichers=PRICED).files[0]  # overlaps the first export
    assert (again.loaded, again.duplicates) == (2, 1)
    auto = next(r for r in db.calls() if r["model"] == "auto")
    # a request-based event names no model and no tokens: unpriced, not $0
    assert (auto["input_tokens"], auto["model_key"], auto["cost_usd"]) == (None, None, None)
    assert len(db.calls()) == 4
