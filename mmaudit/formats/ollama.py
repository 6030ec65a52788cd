"""Ollama's own API: `/api/generate`, `/api/chat` and `/api/embed` responses, bare or as
`{request, response}` pairs (Ollama's OpenAI-compatible endpoint answers in OpenAI's shapes and
is read by openai-chat, its `fp_ollama` fingerprint making it self-hosted).

Ollama runs on the team's own hardware, so every call is provider `self-hosted` (priced only by a
`tier: self-hosted` registry entry: 0 per call, its fixed monthly cost apart; else unpriced and
reported, never a cloud seller's rate for the same open model). `prompt_eval_count` is the input,
`eval_count` the output (thinking included: Ollama counts no reasoning apart), `created_at` the
time and `total_duration` (nanoseconds) the latency. A response names no id: ingest gives it a
stable one. Streamed answers are chunks with `done: false` and no counts, then a closing chunk with
`done: true` and the counts: the closing chunk is the call (its text is its own only), the others
are skipped. A prompt Ollama answered from its cache may log no `prompt_eval_count`: the input is
then unknown and estimated (`tokens_estimated`).
"""

from __future__ import annotations

from mmaudit.formats import chat_text
from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER

_BODY = {
    "model": "VARCHAR",
    "created_at": "VARCHAR",
    "response": "VARCHAR",  # /api/generate's answer
    "message": {"role": "VARCHAR", "content": "VARCHAR"},  # /api/chat's answer
    "embeddings": "JSON",  # /api/embed
    "done": "VARCHAR",
    "done_reason": "VARCHAR",
    "total_duration": "VARCHAR",  # nanoseconds
    "prompt_eval_count": "VARCHAR",
    "eval_count": "VARCHAR",
    "error": "VARCHAR",
}
_REQUEST = {"model": "VARCHAR", "prompt": "VARCHAR", "system": "VARCHAR", "messages": "JSON", "input": "JSON"}
# (`r.response` is a pair's response object or a bare /api/generate answer's text: read the
# pair's fields through the typed `r.response` only when the record has a `request`)
_PAIRED = "(r.request IS NOT NULL)"
# a pair's response as JSON text, NULL when it is not JSON (a logger that kept the answer's text, or
# an error string, as `response`): JSON functions on such text fail the statement, and the file
_PAIR_BODY = "CASE WHEN json_valid(r.response) THEN r.response END"


def _field(name: str) -> str:
    return f"CASE WHEN {_PAIRED} THEN json_extract_string({_PAIR_BODY}, '$.{name}') ELSE r.{name}::VARCHAR END"


_DONE = f"mm_bool({_field('done')})"
_EMBED = f"(json_type(CASE WHEN {_PAIRED} THEN json_extract({_PAIR_BODY}, '$.embeddings') ELSE r.embeddings END) = 'ARRAY')"
_IS_OLLAMA = (f"({_field('created_at')} IS NOT NULL AND {_field('model')} IS NOT NULL "
              f"AND ({_field('done')} IS NOT NULL OR {_EMBED}) "
              f"AND ({_field('eval_count')} IS NOT NULL OR {_field('prompt_eval_count')} IS NOT NULL "
              f"OR {_field('done')} IS NOT NULL AND ({_field('response')} IS NOT NULL "
              f"OR json_extract(CASE WHEN {_PAIRED} THEN {_PAIR_BODY} ELSE NULL END, '$.message') IS NOT NULL "
              "OR r.message IS NOT NULL)))")
_HTTP = "mm_int(coalesce(r.status_code, r.http_status))"
_FAILED = f"({_field('error')} IS NOT NULL OR coalesce({_HTTP}, 0) >= 400)"
_MSGS = "r.request.messages"
_ANSWER = (f"nullif(coalesce(CASE WHEN {_PAIRED} THEN coalesce(json_extract_string({_PAIR_BODY}, '$.response'), "
           f"json_extract_string({_PAIR_BODY}, '$.message.content')) "
           "ELSE coalesce(r.response::VARCHAR, r.message.content) END), '')")

FORMAT = LogFormat(
    name="ollama",
    description="Ollama's own API: /api/generate, /api/chat and /api/embed responses (bare or {request, response} pairs)",
    structure={**_BODY, "request": _REQUEST, **PAIR_WRAPPER},
    detect=_IS_OLLAMA,
    detect_hint="`model`, `created_at`, `done` and `prompt_eval_count`/`eval_count` (Ollama's /api/generate or /api/chat), "
    "bare or under `response`",
    # a streamed answer's chunks before the closing one carry no counts: not calls
    skip=f"({_field('done')} IS NOT NULL AND NOT {_DONE} AND NOT {_FAILED})",
    columns={
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts({_field('created_at')}))",
        "provider": "'self-hosted'",
        "model": first_id(_field("model"), "r.request.model"),
        "operation": f"CASE WHEN {_EMBED} THEN 'embedding' ELSE 'chat' END",
        "input_tokens": f"mm_int({_field('prompt_eval_count')})",
        "output_tokens": f"CASE WHEN {_EMBED} THEN 0 ELSE mm_int({_field('eval_count')}) END",
        "latency_ms": f"coalesce(mm_num(coalesce(r.latency_ms, r.duration_ms)), mm_num({_field('total_duration')}) / 1000000)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}::INTEGER, {_field('error')}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN coalesce({_HTTP}, 500) ELSE coalesce({_HTTP}, 200) END",
        "tags": (f"map_from_entries(list_filter([{{'key': 'finish_reason', 'value': {_field('done_reason')}}}], "
                 "lambda e: e.value IS NOT NULL))"),
        **chat_text.text_columns(_MSGS, "nullif(r.request.prompt, '')", _ANSWER, "nullif(r.request.system, '')"),
    },
    numbers=("prompt_eval_count", "eval_count", "total_duration"),
    times=("created_at", "timestamp"),
    prompt_text=chat_text.all_text(_MSGS, "nullif(r.request.prompt, '')", "nullif(r.request.system, '')"),
    output_text=_ANSWER,
)
