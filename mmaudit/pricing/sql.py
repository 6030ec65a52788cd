"""The one cost formula, as SQL: what a call costs at a `price_rates` row.

`register.py` puts the rate tables and model-id macros on a connection; the expressions here read
them. Money stays DECIMAL(38,12): per-token rates are computed exactly in Python (`scaleb(-6)`)
when the rows are built, and SQL only multiplies (a DuckDB DECIMAL division can silently become
DOUBLE).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mmaudit.pricing.rates import COMPONENTS, MODALITY_PARTS, SEARCH_CONTEXT_SIZES

MONEY = "DECIMAL(38, 12)"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def check_ident(name: str) -> str:
    """Table and column names are internal identifiers; refuse anything else loudly."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name



Modalities = Mapping[str, tuple[str, str, str]]  # modality -> SQL for its (input, cached, output) tokens


def cost_sql(rate: str, input_tokens: str, cached: str, cache_write: str, output: str, is_batch: str,
             cache_write_1h: str = "0", reasoning: str = "0", web_searches: str = "0",
             modalities: Modalities | None = None, requests: str = "1", citation: str = "0",
             search_context: str = "NULL", file_searches: str = "0", search_tool: str = "NULL") -> str:
    """The ONE cost formula, as SQL over a `price_rates` row alias and token expressions.

    cost = (input - cached - cache_write - uncached audio/image) * input
         + uncached audio * input_audio + uncached image * input_image
         + (cached - cached audio/image) * cached_input + cached audio * cached_audio + ...
         + (cache_write - cache_write_1h) * cache_write + cache_write_1h * cache_write_1h
         + (output - reasoning - citation - output audio/image) * output + output audio * output_audio + ...
         + reasoning * reasoning + citation * citation (a model without a citation rate: output)
         + web_searches * web_search (per search; only when the call ran any, so a model without a
           web-search rate leaves calls that searched unpriced, not the others; at web_search_preview
           when `search_tool` is OpenAI's `web_search_preview` and the model bills it apart), or once per call
           that searched at searched_request where the model bills searches so (Gemini 2.x)
         + file_searches * file_search (per file-search tool call; likewise unpriced without a rate)
         + requests * request (the provider's per-request fee where it has one, else 0; `requests`
           is 1 for an answered call, 0 for a failed one; at the call's `search_context` size,
           low / medium / high, where the fee depends on it and the log says it),
    each rate at the long-context tier when input > lc_threshold (lc2 above lc2_threshold: the
    whole request, not the excess), and the batch (b_) rate for batch calls. A rate that does
    not exist is NULL, so the cost is NULL (unpriced). NULL token counts count as 0.
    `modalities` maps "audio" / "image" to its (input, cached, output) token expressions: parts
    of input, cached and output, each clamped to what is left of its whole; uncached = input -
    cached.
    """
    r = check_ident(rate)
    inp, cr, cw, out, cw1h, reas = (f"coalesce({x}, 0)" for x in
                                    (input_tokens, cached, cache_write, output, cache_write_1h, reasoning))
    cw1h = f"least({cw1h}, {cw})"
    reas = f"least({reas}, {out})"
    uncached = f"greatest({inp} - {cr} - {cw}, 0)"
    searches = f"coalesce({web_searches}, 0)"
    parts = _Parts(uncached, cr, f"({cw} - {cw1h})", cw1h, f"({out} - {reas})", reas, searches,
                   requests, search_context=search_context, searched=f"CASE WHEN {searches} > 0 THEN 1 ELSE 0 END",
                   file_searches=f"coalesce({file_searches}, 0)" if file_searches != "0" else "0",
                   search_tool=search_tool)
    if citation != "0":
        parts = parts.with_citation(f"coalesce({citation}, 0)")
    for modality, counts in (modalities or {}).items():
        mi, mc, mo = (f"coalesce({x}, 0)" for x in counts)
        parts = parts.with_modality(modality, f"greatest({mi} - {mc}, 0)", mc, mo)
    return _priced(r, parts, inp, is_batch)


def cost_from_sums_sql(rate: str, prefix: str, long_input: str, is_batch: str,
                       cache_write_1h: str | None = None, reasoning: str | None = None,
                       web_searches: str | None = None, modalities: Modalities | None = None,
                       requests: str | None = None, citation: str | None = None,
                       search_context: str | None = None, searched: str | None = None,
                       file_searches: str | None = None) -> str:
    """`cost_sql` over a group of calls that share a rate row, from the group's summed tokens.

    The formula is linear in the token counts once the rate row, the batch flag and the
    long-context choice are fixed, so the sum of per-call costs equals the cost of the sums.
    Columns `{prefix}unc` (uncached input, floored at 0 per call), `{prefix}cr`, `{prefix}cw`
    and `{prefix}out` hold the sums; `long_input` is the group's input when every call of it is
    above the model's lowest long-context threshold (else NULL). `cache_write_1h`,
    `reasoning`, `web_searches`, `modalities` ("audio" / "image" -> the sums of its uncached
    input, cached and output tokens), `requests` (the group's answered calls, for a per-request
    fee), `citation`, `search_context` (the group's search context size), `searched` (the
    group's calls that ran any web search) and `file_searches` are optional expressions (of cw,
    out, -, unc, cr, out, -, out, -, -, -); omitted = 0 (NULL for the size).
    """
    r = check_ident(rate)
    unc, cr, cw, out = (f"coalesce({prefix}{p}, 0)" for p in ("unc", "cr", "cw", "out"))
    cw1h = f"least(coalesce({cache_write_1h}, 0), {cw})" if cache_write_1h else "0"
    reas = f"least(coalesce({reasoning}, 0), {out})" if reasoning else "0"
    searches = f"coalesce({web_searches}, 0)" if web_searches else "0"
    parts = _Parts(unc, cr, f"({cw} - {cw1h})", cw1h, f"({out} - {reas})", reas, searches, requests or "0",
                   search_context=search_context or "NULL", searched=f"coalesce({searched}, 0)" if searched else "0",
                   file_searches=f"coalesce({file_searches}, 0)" if file_searches else "0")
    if citation:
        parts = parts.with_citation(f"coalesce({citation}, 0)")
    for modality, sums in (modalities or {}).items():
        parts = parts.with_modality(modality, *(f"coalesce({x}, 0)" for x in sums))
    return _priced(r, parts, f"coalesce({long_input}, 0)", is_batch)


@dataclass(frozen=True)
class _Parts:
    """SQL for the token counts each rate is charged on (absent or "0": the call has none)."""

    input: str
    cached_input: str
    cache_write: str
    cache_write_1h: str
    output: str
    reasoning: str
    web_searches: str
    requests: str
    modal: tuple[tuple[str, str], ...] = ()  # (component, SQL) of the audio and image parts
    citation: str = "0"
    search_context: str = "NULL"  # the call's search context size (low, medium, high), for a fee that depends on it
    searched: str = "0"  # calls that ran any web search, for a fee per such call (searched_request_rate)
    file_searches: str = "0"  # file-search tool calls (file_search_rate each)
    search_tool: str = "NULL"  # the web search tool the call used (`web_search_preview`: its own rate where set)

    def with_citation(self, citation: str) -> _Parts:
        """Move the citation tokens out of output (clamped to it) to their own part."""
        ct = f"least({citation}, {self.output})"
        return replace(self, output=f"({self.output} - {ct})", citation=ct)

    def with_modality(self, modality: str, uncached: str, cached: str, output: str) -> _Parts:
        """Move a modality's share of input, cache reads and output to its own parts; each count
        is clamped to what is left of the text part it comes out of, so no token is charged twice."""
        ui = f"least({uncached}, {self.input})"
        ci = f"least({cached}, {self.cached_input})"
        oi = f"least({output}, {self.output})"
        return replace(self, input=f"({self.input} - {ui})", cached_input=f"({self.cached_input} - {ci})",
                       output=f"({self.output} - {oi})",
                       modal=(*self.modal, (f"input_{modality}", ui), (f"cached_{modality}", ci),
                              (f"output_{modality}", oi)))

    def count(self, component: str) -> str:
        return dict(self.modal).get(component, "0") if component in MODALITY_PARTS else getattr(self, component)


def _priced(r: str, parts: _Parts, inp: str, is_batch: str) -> str:
    batch = f"coalesce({is_batch}, false)"

    def pick(part: str) -> str:
        tiers = (f"CASE WHEN {r}.lc2_threshold IS NOT NULL AND {inp} > {r}.lc2_threshold THEN {{p}}lc2_{part}_rate"
                 f" WHEN {r}.lc_threshold IS NOT NULL AND {inp} > {r}.lc_threshold THEN {{p}}lc_{part}_rate"
                 f" ELSE {{p}}{part}_rate END")
        return (f"(CASE WHEN {batch} THEN ({tiers.format(p=r + '.b_')})"
                f" ELSE ({tiers.format(p=r + '.')}) END)")

    def pick_modal(part: str) -> str:  # its own price, else the text part's (at its tier)
        text = "output" if part.startswith("output_") else "cached_input" if part.startswith("cached_") else "input"
        return f"coalesce(CASE WHEN {batch} THEN {r}.b_{part}_rate ELSE {r}.{part}_rate END, {pick(text)})"

    terms = [f"{parts.count(name)} * {pick(name)}" for name in COMPONENTS]
    terms += [f"{parts.count(name)} * {pick_modal(name)}" for name in MODALITY_PARTS if parts.count(name) != "0"]
    searches = parts.web_searches
    # a search on a model with no search fee is unpriced, unless the model bills per request
    # instead (Perplexity Sonar: "pricing includes search")
    # (OpenAI bills its `web_search_preview` tool apart on some models: web_search_preview_rate)
    search_rate = (f"coalesce(CASE WHEN {parts.search_tool} = 'web_search_preview' THEN {r}.web_search_preview_rate END, "
                   f"{r}.web_search_rate, CASE WHEN {r}.request_rate IS NOT NULL THEN 0 END)")
    # Gemini 2.x grounding is billed once per request that searched, however many queries it ran
    per_search = f"{searches} * {search_rate}"
    charged = (f"CASE WHEN {r}.searched_request_rate IS NOT NULL THEN {parts.searched} * {r}.searched_request_rate"
               f" ELSE {per_search} END")
    terms.append(f"CASE WHEN {searches} > 0 THEN {charged} ELSE 0 END")
    if parts.file_searches != "0":  # a model without a file-search rate leaves such calls unpriced
        terms.append(f"CASE WHEN {parts.file_searches} > 0 THEN {parts.file_searches} * {r}.file_search_rate ELSE 0 END")
    if parts.citation != "0":
        own = f"CASE WHEN {batch} THEN NULL ELSE {r}.citation_rate END"  # no batch citation price on record
        terms.append(f"{parts.citation} * coalesce({own}, {pick('output')})")
    if parts.requests != "0":
        size = f"lower({parts.search_context})"
        sized = ("CASE " + size + " " + " ".join(f"WHEN '{s}' THEN {r}.request_{s}_rate" for s in SEARCH_CONTEXT_SIZES)
                 + " END")
        fee = f"coalesce({sized}, {r}.request_rate, 0)" if parts.search_context != "NULL" else f"coalesce({r}.request_rate, 0)"
        terms.append(f"{parts.requests} * {fee}")
    return f"CAST({' + '.join(terms)} AS {MONEY})"


def rate_window_sql(rate: str, ts: str) -> str:
    """Join condition picking the one rate row that applies to a call at `ts`.

    The newest window whose valid_from <= ts (and, for off-peak priced models, whose UTC
    time-of-day segment holds ts); before every window: the earliest one; NULL ts: the newest
    one. Exactly one row matches per model and service tier, so joins never duplicate calls.
    """
    r = check_ident(rate)
    tod = f"CAST(timezone('UTC', {ts}) AS TIME)"
    in_segment = (f"({r}.tod_from IS NULL OR ({tod} >= {r}.tod_from"
                  f" AND ({r}.tod_to IS NULL OR {tod} < {r}.tod_to)))"
                  f" AND ({r}.tod_days IS NULL OR list_contains({r}.tod_days, isodow(timezone('UTC', {ts}))))")
    return (f"(({ts} IS NULL AND {r}.is_latest)"
            f" OR ({ts} < {r}.valid_from AND {r}.is_earliest)"
            f" OR ({ts} >= {r}.valid_from AND ({r}.valid_to IS NULL OR {ts} < {r}.valid_to) AND {in_segment}))")


def price_note_sql(rate: str, ts: str) -> str:
    """Why a priced call may be less certain: 'undated' or 'before_table_start', else NULL."""
    r = check_ident(rate)
    return (f"(CASE WHEN {ts} IS NULL THEN 'undated' WHEN {ts} < {r}.valid_from"
            f" THEN 'before_table_start' END)")


def effective_cost_sql(mode: str, logged: str = "logged_cost_usd", calculated: str = "cost_usd") -> str:
    """--cost-mode: auto (logged cost when present, else calculated), calculate, logged."""
    logged, calculated = check_ident(logged), check_ident(calculated)
    expressions = {"auto": f"coalesce({logged}, {calculated})", "calculate": calculated, "logged": logged}
    if mode not in expressions:
        raise ValueError(f"cost mode must be one of auto, calculate, logged (found {mode!r})")
    return expressions[mode]
