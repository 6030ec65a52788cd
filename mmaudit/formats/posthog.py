"""PostHog LLM analytics events: one `$ai_generation` (or `$ai_embedding`) event per model call.

PostHog's LLM SDKs (posthog-python `posthog/ai/`, posthog-js `@posthog/ai`: OpenAI, Anthropic,
Gemini, LangChain, Vercel AI and other wrappers) capture each call as an event whose `properties`
hold `$ai_model`, `$ai_provider`, `$ai_input_tokens`, `$ai_output_tokens`,
`$ai_cache_read_input_tokens`, `$ai_cache_creation_input_tokens` (and its `_1h_` part),
`$ai_reasoning_tokens`, `$ai_latency` and `$ai_time_to_first_token` (seconds), `$ai_http_status`,
`$ai_is_error`, `$ai_error`, `$ai_trace_id`, `$ai_span_id`, `$ai_session_id`, `$ai_input` (the
messages) and `$ai_output_choices`; PostHog's ingestion adds `$ai_input_cost_usd`,
`$ai_output_cost_usd` and `$ai_total_cost_usd` (or keeps those the event brought). Teams get the
events out of PostHog as the events API lists them (`{next, results: [{id, event, timestamp,
distinct_id, properties, ...}]}`: a page holds many calls, `explode`) or as a batch export's
events model (`{uuid, event, distinct_id, timestamp, properties, ...}` one per line, `properties`
an object or a JSON-encoded string, as the Parquet files keep it): both are read. Other events of
the export (`$ai_trace`, `$ai_span`, `$ai_metric`, `$ai_feedback`, `$pageview`...) are skipped.

Input tokens. Whether `$ai_input_tokens` holds the cache depends on who reported it.
`$ai_cache_reporting_exclusive`, when the event carries it as a boolean, says (the SDKs set it where
they know, e.g. `false` on Gemini's and on OpenAI-compatible wrappers' events, and PostHog writes
its resolved value back onto every event it prices). Without it: a count smaller than the cache
beside it can only be the uncached remainder; the Anthropic wrapper's events (`$ai_provider`
anthropic, or a Claude model with no provider named) pass Anthropic's `input_tokens` on, which
leaves out cache reads and writes; every other provider's count holds the cache (OpenAI's
`prompt_tokens`, Gemini's `promptTokenCount`, and a Claude model's behind an OpenAI-compatible host
or a gateway). This departs from PostHog's own inference (nodejs/src/ingestion/ai/costs/
input-costs.ts, `resolveCacheReportingExclusive`) in one place: PostHog calls any Claude model
exclusive, which double-billed the cache of Claude behind OpenAI-compatible hosts until the
wrappers began to flag such events (posthog-js's changeset says so); older unflagged events are
read as the wrapper logged them, except where PostHog priced them and wrote its `true` back (an
export cannot tell that flag from the wrapper's own, and it is trusted). Exclusive input gets the
cache reads and writes added back; inclusive input is kept as it is. Cache writes are `$ai_cache_creation_input_tokens`, or the sum of
its 5-minute and 1-hour parts where only those are reported (as PostHog's cost code sums them).

Output tokens include reasoning (OpenAI's `completion_tokens`, Anthropic's `output_tokens`), except
for Gemini: the wrappers pass on `candidatesTokenCount`, which leaves the thinking
(`$ai_reasoning_tokens`, `thoughtsTokenCount`) out, and PostHog adds it for `gemini-2.5-*` and
`gemini-3*` models (output-costs.ts, `REASONING_COST_MODELS`): so does this format.

Audio and image tokens. PostHog's ingestion reads the raw provider usage the wrappers attach as
`$ai_usage` (nodejs/src/ingestion/ai/costs/modality-tokens.ts, `extractModalityTokens`: Gemini's
`promptTokensDetails`, `candidatesTokensDetails`, `cacheTokensDetails` and OpenAI's
`prompt_tokens_details.audio_tokens` / `cached_tokens_details.audio_tokens`), writes
`$ai_audio_input_tokens`, `$ai_image_input_tokens`, `$ai_image_output_tokens`,
`$ai_cache_read_audio_tokens` (and `$ai_text_*_tokens`) onto the event and deletes `$ai_usage`: in
an export those properties are all that is left of the breakdown (`$ai_audio_output_tokens` is read
by PostHog's cost code likewise). They are parts of the counts, not beside them: input-costs.ts
bills them at their modality rates and takes them out of the text pool ("reported by providers
(OpenAI, Gemini) as a subset of the total input token count"), output-costs.ts likewise for output
(its test: "`$ai_output_tokens: 1300, // Total: 10 text + 1290 image`"), and cached audio is "a
subset of both audio_input and cache_read_input" (audio input is the total audio, cached and
uncached, as OpenAI and Gemini count it). So they map onto input_audio_tokens,
input_image_tokens, output_image_tokens, output_audio_tokens and cached_audio_tokens, each capped
at the count it is part of (cached audio at the audio input too, as PostHog clamps it), and the
totals are left as they are. Before, every such token was priced as text (a gemini-2.5-flash-image
generation of 1,290 image tokens at 1/12 of its cost). Video tokens (`$ai_video_*_tokens`) have no
column of their own and stay text, as PostHog prices them.

`$ai_total_cost_usd` is the logged cost (PostHog's estimate from its price list, or the caller's
own). A failed call is `$ai_is_error` or an HTTP status of 400 and up (the SDKs log 0 when the
client raised before any answer: no status); `$ai_error` and the status classify it. The event's
`uuid` (`id` in the events API) is the call id; `timestamp` its time. Tags: trace, span, session,
the distinct id (the user), PostHog's provider label and span name.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, page_or_line, tag, tags_map
from mmaudit.formats.chat_text import all_text, messages_of, prompt_string, text_columns

# the event's properties read (`$` keys: quoted in every path)
_COUNTS = ("$ai_input_tokens", "$ai_output_tokens", "$ai_cache_read_input_tokens", "$ai_cache_creation_input_tokens",
           "$ai_cache_creation_5m_input_tokens", "$ai_cache_creation_1h_input_tokens", "$ai_reasoning_tokens", "$ai_web_search_count",
           "$ai_audio_input_tokens", "$ai_image_input_tokens", "$ai_cache_read_audio_tokens", "$ai_audio_output_tokens",
           "$ai_image_output_tokens")
_PROPS = {
    **{k: "VARCHAR" for k in _COUNTS},
    **{k: "VARCHAR" for k in ("$ai_model", "$ai_provider", "$ai_framework", "$ai_latency", "$ai_time_to_first_token",
                              "$ai_http_status", "$ai_is_error", "$ai_total_cost_usd", "$ai_trace_id", "$ai_span_id",
                              "$ai_span_name", "$ai_session_id", "$ai_base_url")},
    **{k: "JSON" for k in ("$ai_cache_reporting_exclusive", "$ai_error", "$ai_input", "$ai_output_choices", "$ai_tools")},
}
_EVENT = {"event": "VARCHAR", "uuid": "VARCHAR", "id": "VARCHAR", "timestamp": "VARCHAR", "distinct_id": "VARCHAR",
          "properties": _PROPS}


def _p(key: str) -> str:
    return f'r.properties."{key}"'


# A batch export's `properties` may be a JSON-encoded string: parsed into the object it encodes,
# so every event's properties are read through one struct (and their counts validated alike).
_OBJECT_PROPS = ("list_transform({}, lambda e: CASE WHEN json_type(e, '$.properties') = 'VARCHAR' "
                 "AND json_valid(json_extract_string(e, '$.properties')) THEN json_merge_patch(e, json_object("
                 "'properties', json(json_extract_string(e, '$.properties')))) ELSE e END)")

_CALLS = "('$ai_generation', '$ai_embedding')"
_IN, _OUT, _READ, _WRITE_ALL, _WRITE_5M, _WRITE_1H, _REASONING = (
    f"coalesce(mm_int({_p(k)}), 0)" for k in ("$ai_input_tokens", "$ai_output_tokens", "$ai_cache_read_input_tokens",
                                              "$ai_cache_creation_input_tokens", "$ai_cache_creation_5m_input_tokens",
                                              "$ai_cache_creation_1h_input_tokens", "$ai_reasoning_tokens"))
# The cache writes: their total, or the 5-minute and 1-hour parts where only those are reported
# (PostHog's cost code sums the breakdown when the total is missing: mapCacheWriteBreakdown)
_WRITE = f"greatest({_WRITE_ALL}, {_WRITE_5M} + {_WRITE_1H})"
_MODEL = first_id(_p("$ai_model"))
_PROVIDER = f"lower(trim({_p('$ai_provider')}))"
_EXPLICIT = f"json_extract_string({_p('$ai_cache_reporting_exclusive')}, '$')"
# Whether $ai_input_tokens leaves the cache out (module docstring): the event's own flag; else a
# count below the cache beside it, which can only be the remainder; else the Anthropic wrapper's
# events (or a Claude model with no provider named), which pass Anthropic's uncached input_tokens
# on. PostHog's own inference also calls exclusive a Claude model behind an OpenAI-compatible host
# (`$ai_provider` openai, openrouter, gateway...), whose prompt_tokens hold the cache: the wrappers
# now flag such events inclusive because that inference double-billed their cache; older events
# without the flag are read as the wrappers logged them, inclusive.
_CLAUDE = (f"(contains(lower(coalesce({_MODEL}, '')), 'anthropic') "
           f"OR starts_with(lower(coalesce({_MODEL}, '')), 'claude'))")
_EXCLUSIVE = (f"CASE WHEN json_type({_p('$ai_cache_reporting_exclusive')}) = 'BOOLEAN' THEN {_EXPLICIT} = 'true' "
              f"WHEN {_IN} < {_READ} + {_WRITE} THEN true "
              f"WHEN {_PROVIDER} = 'anthropic' THEN true "
              f"WHEN coalesce({_PROVIDER}, '') = '' THEN {_CLAUDE} "
              "ELSE false END")
# The audio and image parts of input, cache reads and output (module docstring: parts of the counts,
# as PostHog's cost code reads them), each capped at the count it is part of
_IN_AUDIO, _IN_IMAGE, _READ_AUDIO, _OUT_AUDIO, _OUT_IMAGE = (
    f"greatest(coalesce(mm_int({_p(k)}), 0), 0)" for k in ("$ai_audio_input_tokens", "$ai_image_input_tokens",
                                                          "$ai_cache_read_audio_tokens", "$ai_audio_output_tokens",
                                                          "$ai_image_output_tokens"))
# Gemini's output leaves its thinking out; PostHog adds it for these models (output-costs.ts)
_THINKING_APART = f"regexp_matches(lower(coalesce({_MODEL}, '')), '^(gemini-2\\.5-|gemini-3(\\.[0-9]+)?-)')"
_HTTP = f"nullif(mm_int({_p('$ai_http_status')}), 0)"
_FAILED = f"(coalesce(mm_bool({_p('$ai_is_error')}), false) OR coalesce({_HTTP} >= 400, false))"
_ERROR = (f"CASE json_type({_p('$ai_error')}) WHEN 'VARCHAR' THEN json_extract_string({_p('$ai_error')}, '$') "
          f"WHEN 'NULL' THEN NULL ELSE CAST({_p('$ai_error')} AS VARCHAR) END")

# `$ai_input` is the messages sent (`[{role, content}]`, content a string or typed parts), or a
# prompt string; `$ai_output_choices` the answers, the first one read.
_INPUT = _p("$ai_input")
_MSGS = messages_of(_INPUT)
_PROMPT = prompt_string(_INPUT)
_ANSWER = (f"CASE json_type({_p('$ai_output_choices')}) WHEN 'ARRAY' THEN "
           f"mm_content_text(json_extract({_p('$ai_output_choices')}, '$[0].content')) "
           f"WHEN 'VARCHAR' THEN json_extract_string({_p('$ai_output_choices')}, '$') END")

_TAGS = [
    tag("trace_id", _p("$ai_trace_id")),
    tag("span_id", _p("$ai_span_id")),
    tag("span_name", _p("$ai_span_name")),
    tag("session", _p("$ai_session_id")),
    tag("user", "r.distinct_id"),
    tag("posthog_provider", _p("$ai_provider")),
    tag("framework", _p("$ai_framework")),
    tag("error", f"CASE WHEN {_FAILED} THEN left({_ERROR}, 200) END"),
]

_LINE_EVENT = "(r.event IS NOT NULL AND r.properties IS NOT NULL)"

FORMAT = LogFormat(
    name="posthog",
    description="PostHog LLM analytics events ($ai_generation, $ai_embedding): events API pages or batch exports",
    structure={"results": "JSON", "event": "VARCHAR", "properties": "JSON", "uuid": "VARCHAR", "id": "VARCHAR",
               "distinct_id": "VARCHAR", "timestamp": "VARCHAR"},
    # a PostHog event: its name and properties, with PostHog's uuid and distinct id; or any `$ai_`
    # event (a capture payload keeps the distinct id in its properties); or a page of such events
    detect=(f"(({_LINE_EVENT} AND coalesce(r.uuid, r.id) IS NOT NULL AND r.distinct_id IS NOT NULL "
            "AND r.timestamp IS NOT NULL) "
            f"OR ({_LINE_EVENT} AND starts_with(r.event, '$ai_')) "
            "OR (json_type(r.results) = 'ARRAY' AND json_extract_string(r.results, '$[0].event') IS NOT NULL "
            "AND json_extract(r.results, '$[0].properties') IS NOT NULL "
            "AND json_extract_string(r.results, '$[0].distinct_id') IS NOT NULL))"),
    detect_hint="PostHog events (`event`, `properties`, `uuid`/`id`, `distinct_id`, `timestamp`), one per line "
    "or a `results` page of the events API",
    skip=f"(r.event IS NOT NULL AND r.event NOT IN {_CALLS})",
    explode=_OBJECT_PROPS.format(page_or_line("results")),
    item_structure=_EVENT,
    keep=f"(r.event IN {_CALLS})",
    # the input and output counts, computed once: the audio and image parts are capped at them
    helpers={
        "_ph_input": (f"CASE WHEN {_p('$ai_input_tokens')} IS NOT NULL OR {_READ} + {_WRITE} > 0 THEN "
                      f"{_IN} + CASE WHEN {_EXCLUSIVE} THEN {_READ} + {_WRITE} ELSE 0 END END"),
        "_ph_output": (f"CASE WHEN {_p('$ai_output_tokens')} IS NOT NULL OR {_REASONING} > 0 THEN "
                       f"{_OUT} + CASE WHEN {_THINKING_APART} THEN {_REASONING} ELSE 0 END END"),
    },
    columns={
        "call_id": "coalesce(r.uuid, r.id)",
        "ts": "mm_ts(r.timestamp)",
        "provider": f"mm_provider_name(CASE WHEN {_PROVIDER} = 'gateway' THEN NULL ELSE {_p('$ai_provider')} END, model)",
        "model": _MODEL,
        "operation": "CASE WHEN r.event = '$ai_embedding' THEN 'embedding' ELSE 'chat' END",
        "input_tokens": "_ph_input",
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        "cache_write_1h_tokens": f"least({_WRITE_1H}, {_WRITE})",
        "output_tokens": "_ph_output",
        "reasoning_tokens": _REASONING,
        "input_audio_tokens": f"least({_IN_AUDIO}, coalesce(_ph_input, 0))",
        "input_image_tokens": f"least({_IN_IMAGE}, coalesce(_ph_input, 0))",
        "cached_audio_tokens": f"least({_READ_AUDIO}, {_IN_AUDIO}, {_READ})",
        "output_audio_tokens": f"least({_OUT_AUDIO}, coalesce(_ph_output, 0))",
        "output_image_tokens": f"least({_OUT_IMAGE}, coalesce(_ph_output, 0))",
        "web_searches": f"coalesce(mm_int({_p('$ai_web_search_count')}), 0)",
        "latency_ms": f"mm_num({_p('$ai_latency')}) * 1000",
        "ttft_ms": f"mm_num({_p('$ai_time_to_first_token')}) * 1000",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}::INTEGER, {_ERROR}), 'unknown') END",
        "http_status": f"coalesce({_HTTP}, CASE WHEN NOT {_FAILED} THEN 200 END)",
        "logged_cost_usd": f"TRY_CAST({_p('$ai_total_cost_usd')} AS DECIMAL(38, 12))",
        "tags": tags_map(_TAGS),
        **text_columns(_MSGS, _PROMPT, _ANSWER),
        "n_tools": f"json_array_length({_p('$ai_tools')})",
    },
    numbers=tuple(f'properties."{k}"' for k in _COUNTS),
    times=("timestamp",),
    prompt_text=all_text(_MSGS, _PROMPT),
    output_text=_ANSWER,
)
