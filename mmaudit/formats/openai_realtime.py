"""OpenAI Realtime API server events, logged one per line as a voice agent receives them.

A session's file holds `session.created` / `session.updated` (with `session.model`), then per turn
`input_audio_buffer.*`, `conversation.item.*`, `response.created`, audio and transcript deltas and
one `response.done`, whose `response.usage` is what the turn was billed for: one call per
`response.done`. With transcription on, each `conversation.item.input_audio_transcription.completed`
carries the usage of transcribing the user's turn, billed at the session's transcription model's
rates: a call of its own (operation `transcription`, model from the latest session event's
`audio.input.transcription.model`). The other events are skipped (not calls).

`response.done` names no model: it comes from a `model` beside the event (a wrapper), else the
latest `session.created` / `session.updated` before it in the file (a window over line numbers; in a
file read in chunks the latest session event is carried to the next chunk). A response with
neither has no model and is unpriced, never priced as some default.

`usage.input_tokens` includes `input_token_details.cached_tokens`; both split into text, audio and
image tokens (`cached_tokens_details`, absent before 2024-12). Audio and images are billed apart
(gpt-realtime: $32 in / $64 out per 1M audio tokens against $4/$16 text, cached audio $0.40, image
input $5), so those parts go to the audio and image columns. A response whose
`status` is `failed` is a failed call (`status_details.error`); `cancelled` and `incomplete` ones
(the user spoke over the answer, or it hit max_output_tokens) were billed for what they produced
and are calls with tags['stop_reason'].

Realtime events carry an `event_id`; the Responses API's stream events (also `response.*`) carry a
`sequence_number` instead, which is how the two are told apart.
"""

from __future__ import annotations

from mmaudit.formats.base import IN_LINE_ORDER, LogFormat

_DETAILS = {"text_tokens": "VARCHAR", "audio_tokens": "VARCHAR", "image_tokens": "VARCHAR"}
_USAGE = {
    "total_tokens": "VARCHAR",
    "input_tokens": "VARCHAR",
    "output_tokens": "VARCHAR",
    "input_token_details": {**_DETAILS, "cached_tokens": "VARCHAR", "cached_tokens_details": _DETAILS},
    "output_token_details": _DETAILS,
}
_RESPONSE = {
    "id": "VARCHAR",
    "object": "VARCHAR",
    "status": "VARCHAR",
    "status_details": {"type": "VARCHAR", "reason": "VARCHAR", "error": {"type": "VARCHAR", "code": "VARCHAR"}},
    "output": "JSON",
    "usage": _USAGE,
    "model": "VARCHAR",
    "metadata": "JSON",
}
_SESSION_EVENTS = "('session.created', 'session.updated')"
# The transcription of the user's speech, when the session turned it on: billed at the
# transcription model's rates (gpt-4o-transcribe: $6 per 1M audio tokens in, $10 text out), apart
# from the responses; its usage is on the event (a duration-billed whisper-1 usage has no tokens)
_TRANSCRIBED = ("(r.type = 'conversation.item.input_audio_transcription.completed' "
                "AND r.usage.input_tokens IS NOT NULL)")
_REALTIME = (
    "(r.event_id IS NOT NULL AND (r.type = 'error' OR r.type = 'rate_limits.updated' "
    "OR regexp_matches(r.type, '^(session|conversation|input_audio_buffer|output_audio_buffer|response|transcription_session)\\.')))"
)
_U = "coalesce(r.response.usage, r.usage)"  # a response's, or a transcription event's
_COUNT = "coalesce(mm_int({}), 0)"
_FAILED = "(r.response.status = 'failed')"
_SESSION_MODEL = f"(last_value(r.session.model IGNORE NULLS) {IN_LINE_ORDER})"
# the session's transcription model: `audio.input.transcription.model` (GA), `input_audio_transcription.model` (beta)
_TRANSCRIBER = ("(last_value(coalesce(r.session.audio.input.transcription.model, r.session.input_audio_transcription.model) "
                f"IGNORE NULLS) {IN_LINE_ORDER})")
_TRANSCRIPT = ("nullif(array_to_string(list_filter(json_extract_string(r.response.output, '$[*].content[*].transcript'), "
               "lambda t: t IS NOT NULL), chr(10)), '')")
_TEXT = ("nullif(array_to_string(list_filter(json_extract_string(r.response.output, '$[*].content[*].text'), "
         "lambda t: t IS NOT NULL), chr(10)), '')")

FORMAT = LogFormat(
    name="openai-realtime",
    description="OpenAI Realtime API server events (session.*, response.done, ...): one call per response.done",
    structure={"type": "VARCHAR", "event_id": "VARCHAR", "response": _RESPONSE,
               "session": {"model": "VARCHAR", "audio": {"input": {"transcription": {"model": "VARCHAR"}}},
                           "input_audio_transcription": {"model": "VARCHAR"}},
               "usage": _USAGE, "transcript": "VARCHAR",  # a transcription event's
               "model": "VARCHAR", "provider": "VARCHAR", "timestamp": "VARCHAR", "tags": "JSON"},
    detect=_REALTIME,
    detect_hint="Realtime server events: `type` session.created, response.done, ... with an `event_id`",
    skip=f"(r.type <> 'response.done' AND NOT {_TRANSCRIBED})",
    carry=f"r.type IN {_SESSION_EVENTS}",
    context=f"r.type IN {_SESSION_EVENTS}",
    columns={
        "call_id": f"CASE WHEN {_TRANSCRIBED} THEN 'transcription:' || r.event_id ELSE r.response.id END",
        "ts": "mm_ts(r.timestamp)",
        "provider": "coalesce(r.provider, 'openai')",
        "operation": f"CASE WHEN {_TRANSCRIBED} THEN 'transcription' ELSE 'chat' END",
        "model": f"CASE WHEN {_TRANSCRIBED} THEN {_TRANSCRIBER} ELSE coalesce(r.model, r.response.model, {_SESSION_MODEL}) END",
        "input_tokens": f"mm_int({_U}.input_tokens)",
        "cached_input_tokens": _COUNT.format(f"{_U}.input_token_details.cached_tokens"),
        "input_audio_tokens": _COUNT.format(f"{_U}.input_token_details.audio_tokens"),
        "cached_audio_tokens": _COUNT.format(f"{_U}.input_token_details.cached_tokens_details.audio_tokens"),
        "input_image_tokens": _COUNT.format(f"{_U}.input_token_details.image_tokens"),
        "cached_image_tokens": _COUNT.format(f"{_U}.input_token_details.cached_tokens_details.image_tokens"),
        "output_tokens": f"mm_int({_U}.output_tokens)",
        "output_audio_tokens": _COUNT.format(f"{_U}.output_token_details.audio_tokens"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type(NULL, concat_ws(' ', "
        "r.response.status_details.error.type, r.response.status_details.error.code)), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN NULL ELSE 200 END",
        "tags": "mm_merge_tags(mm_merge_tags(mm_tags(r.response.metadata), mm_tags(r.tags)), "
        "CASE WHEN r.response.status IN ('cancelled', 'incomplete') THEN MAP {'stop_reason': "
        "coalesce(r.response.status_details.reason, r.response.status)} END)",
        "response_text": f"coalesce({_TEXT}, {_TRANSCRIPT}, r.transcript)",
    },
    numbers=("response.usage.input_tokens", "response.usage.output_tokens",
             "response.usage.input_token_details.cached_tokens", "response.usage.input_token_details.audio_tokens",
             "response.usage.input_token_details.cached_tokens_details.audio_tokens",
             "response.usage.output_token_details.audio_tokens", "usage.input_tokens", "usage.output_tokens"),
    times=("timestamp",),
    output_text=f"coalesce({_TEXT}, {_TRANSCRIPT}, r.transcript)",
)
