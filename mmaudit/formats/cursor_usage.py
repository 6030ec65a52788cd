"""Cursor's usage events: what each request an editor, agent or Bugbot made cost a team.

Cursor keeps no per-request log on the developer's machine; its Admin API does
(`POST https://api.cursor.com/teams/filtered-usage-events`, documented at
cursor.com/docs/account/teams/admin-api). A response is `{usageEvents: [...], pagination,
totalUsageEventsCount}`; connectors (Airbyte, CloudQuery, DX) and scripts also write the events one
per line. Both are read: a page holds many calls (`explode`), a line one.

An event: `timestamp` (epoch milliseconds, as a string), `model`, `kind` (the billing category:
"Usage-based", "Included in Business", "User API Key", "Errored, Not Charged", ...), `maxMode`,
`isTokenBasedCall`, `requestsCosts` (legacy request units), `userEmail`, and `tokenUsage:
{inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens, totalCents}`, with `chargedCents`
and `cursorTokenFeeCents` on newer ones. `inputTokens` excludes the cache: input is inputTokens +
cacheWriteTokens + cacheReadTokens (genai-prices' extractor for these events, api flavor
`usage-event`, reads them so). The logged cost is `chargedCents` (model cost plus Cursor's token
fee), else `tokenUsage.totalCents`, in dollars.

Events carry no id: a call's id is the md5 of the event's own text, so the same event in two
overlapping exports is one call. A kind "..., Not Charged" (errored or aborted requests) cost the
team nothing: its token columns are 0 and its logged cost 0, its counts kept in
`tags['uncharged_tokens']` ("input+cache writes+cache reads/output"); an errored one is a failed
call. Cursor names models its own way: a `-thinking` suffix (`claude-4.5-sonnet-thinking`, billed
per token like the model) goes to `tags['model_variant']` and the model keeps the rest
(`claude-4.5-sonnet`, which resolves to Anthropic's claude-sonnet-4-5). `auto` and `default`
name no model: such calls are unpriced, their logged cost kept.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, page_or_line, tag, tags_map

_UNITS = {"inputTokens": "VARCHAR", "outputTokens": "VARCHAR", "cacheWriteTokens": "VARCHAR",
          "cacheReadTokens": "VARCHAR", "totalCents": "VARCHAR"}
_EVENT = {"timestamp": "VARCHAR", "model": "VARCHAR", "kind": "VARCHAR", "maxMode": "VARCHAR",
          "isTokenBasedCall": "VARCHAR", "requestsCosts": "VARCHAR", "userEmail": "VARCHAR",
          "isFreeBugbot": "VARCHAR", "isHeadless": "VARCHAR", "chargedCents": "VARCHAR",
          "cursorTokenFeeCents": "VARCHAR", "tokenUsage": _UNITS}
# the event as text, which its call id is the md5 of (events carry no id of their own)
_ITEM = "_cu_item"

_NOT_CHARGED = "coalesce(regexp_matches(lower(r.kind), 'not charged'), false)"
_ERRORED = "coalesce(regexp_matches(lower(r.kind), '^(errored|aborted)'), false)"
_IN, _OUT = "mm_int(r.tokenUsage.inputTokens)", "mm_int(r.tokenUsage.outputTokens)"
_WRITE, _READ = "mm_int(r.tokenUsage.cacheWriteTokens)", "mm_int(r.tokenUsage.cacheReadTokens)"
_THINKING = "regexp_matches(lower(coalesce(r.model, '')), '-thinking$')"


def _charged(count: str) -> str:
    """A token count as billed: 0 for an event Cursor did not charge."""
    return f"CASE WHEN {_NOT_CHARGED} THEN 0 ELSE coalesce({count}, 0) END"


_TAGS = [
    tag("user", "r.userEmail"),
    tag("cursor_kind", "r.kind"),
    tag("max_mode", "CASE WHEN mm_bool(r.maxMode) THEN 'true' END"),
    tag("model_variant", f"CASE WHEN {_THINKING} THEN 'thinking' END"),
    tag("requests_costs", "r.requestsCosts"),
    tag("uncharged_tokens", f"CASE WHEN {_NOT_CHARGED} AND r.tokenUsage IS NOT NULL THEN "
                             f"coalesce({_IN}, 0) || '+' || coalesce({_WRITE}, 0) || '+' || coalesce({_READ}, 0) "
                             f"|| '/' || coalesce({_OUT}, 0) END"),
]

FORMAT = LogFormat(
    name="cursor-usage",
    description="Cursor Admin API usage events (filtered-usage-events pages, or one event per line)",
    structure={"usageEvents": "JSON", "tokenUsage": "JSON", "model": "VARCHAR", "kind": "VARCHAR",
               "isTokenBasedCall": "VARCHAR", "timestamp": "VARCHAR"},
    detect=("(json_type(r.usageEvents) = 'ARRAY' OR (r.model IS NOT NULL AND r.timestamp IS NOT NULL "
            "AND (r.kind IS NOT NULL OR r.isTokenBasedCall IS NOT NULL) "
            "AND (r.tokenUsage IS NOT NULL OR r.isTokenBasedCall IS NOT NULL)))"),
    detect_hint="a `usageEvents` array (Cursor's filtered-usage-events), or events with `timestamp`, `model`, "
    "`kind` and `tokenUsage`",
    explode=page_or_line("usageEvents"),
    item_structure=_EVENT,
    keep="(r.timestamp IS NOT NULL AND r.model IS NOT NULL)",
    helpers={_ITEM: "CAST(struct_pack(t := r.timestamp, m := r.model, k := r.kind, u := r.userEmail, "
                    "x := r.tokenUsage, c := r.chargedCents) AS VARCHAR)"},
    columns={
        "call_id": f"'cursor-' || md5({_ITEM})",
        "ts": "mm_ts(r.timestamp)",
        "provider": "'cursor'",
        "model": f"CASE WHEN {_THINKING} THEN regexp_replace(r.model, '-thinking$', '', 'i') ELSE r.model END",
        "operation": "'chat'",
        "input_tokens": f"CASE WHEN r.tokenUsage IS NOT NULL THEN {_charged(_IN)} + {_charged(_WRITE)} + {_charged(_READ)} END",
        "cached_input_tokens": _charged(_READ),
        "cache_write_tokens": _charged(_WRITE),
        "output_tokens": f"CASE WHEN r.tokenUsage IS NOT NULL THEN {_charged(_OUT)} END",
        "status": f"CASE WHEN {_ERRORED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_ERRORED} THEN 'unknown' END",
        "logged_cost_usd": (f"CASE WHEN {_NOT_CHARGED} THEN 0 ELSE TRY_CAST(coalesce(r.chargedCents, r.tokenUsage.totalCents) "
                            "AS DECIMAL(38, 12)) / 100 END"),
        "tags": tags_map(_TAGS),
    },
    numbers=("tokenUsage.inputTokens", "tokenUsage.outputTokens", "tokenUsage.cacheWriteTokens",
             "tokenUsage.cacheReadTokens"),
    times=("timestamp",),
)
