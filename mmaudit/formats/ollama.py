"""Ollama's own API: `/api/generate`, `/api/chat` and `/api/embed` responses, bare or as
`{request, response}` pairs (Ollama's OpenAI-compatible endpoint answers in OpenAI's shapes and
is read by openai-chat, its `fp_ollama` fingerprint making it self-hosted).

Ollama runs on the team's own hardware, so a call is provider `self-hosted` (priced only by a
`tier: self-hosted` registry entry: 0 per call, its fixed monthly cost apart; else unpriced and
reported, never a cloud seller's rate for the same open model). Except Ollama's cloud models: the
local daemon relays `minimax-m2.5:cloud` (`gpt-oss:120b-cloud`...) to ollama.com, which bills it,
and the answer says so with `remote_host: https://ollama.com:443` and `remote_model` (a real
`/api/generate` stream captured with curl on 2026-02-24 in a user's setup notes; a local
`gpt-oss:20b` answer in the same notes has no `remote_host`). Such a call is provider
`ollama-cloud` (mmaudit/formats/hosts.py `OLLAMA_CLOUD_HOST`; a cloud tag, `:cloud` or
`-cloud`, when the log kept no `remote_host`), `remote_model` and `remote_host` its tags; Ollama's
cloud is sold by plan, not by token, and genai-prices lists no rate for it: the call is unpriced
and reported, never $0 and never a self-hosted entry's. A `remote_host` on the team's own
network (another Ollama box) stays `self-hosted`. `prompt_eval_count` is the input,
`eval_count` the output (thinking included: Ollama counts no reasoning apart), `created_at` the
time and `total_duration` (nanoseconds) the latency. A response names no id: ingest gives it a
stable one. Streamed answers are chunks with `done: false` and no counts, then a closing chunk with
`done: true` and the counts: the closing chunk is the call (its text is its own only), the others
are skipped. A prompt Ollama answered from its cache may log no `prompt_eval_count`: the input is
then unknown and estimated (`tokens_estimated`).

An `/api/embed` answer has neither `created_at` nor `done`: `{model, embeddings, total_duration,
load_duration, prompt_eval_count}` (docs/api.md's "Generate Embeddings" response, commit
9fbfa742; ollama-oxide's `EmbedResponse` and ollama4j quote the same). It is told by its
`embeddings` array with `prompt_eval_count` and `total_duration`, which no other API writes
together: an `embedding` call, `prompt_eval_count` its input, no output, no time of its own (a
wrapper's `timestamp` gives one).
"""

from __future__ import annotations

from mmaudit.formats import chat_text
from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.hosts import OLLAMA_CLOUD, OLLAMA_CLOUD_HOST, OLLAMA_CLOUD_TAG, SELF_HOSTED
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
    # a cloud model relayed by the local daemon: the host that ran it (ollama.com) and its id there
    "remote_host": "VARCHAR",
    "remote_model": "VARCHAR",
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
# /api/embed's answer: no `created_at`, no `done`; its vectors with Ollama's own counts and timing
_EMBED_ANSWER = (f"({_EMBED} AND {_field('model')} IS NOT NULL AND {_field('prompt_eval_count')} IS NOT NULL "
                 f"AND {_field('total_duration')} IS NOT NULL)")
_IS_OLLAMA = (f"(({_field('created_at')} IS NOT NULL AND {_field('model')} IS NOT NULL "
              f"AND ({_field('done')} IS NOT NULL OR {_EMBED}) "
              f"AND ({_field('eval_count')} IS NOT NULL OR {_field('prompt_eval_count')} IS NOT NULL "
              f"OR {_field('done')} IS NOT NULL AND ({_field('response')} IS NOT NULL "
              f"OR json_extract(CASE WHEN {_PAIRED} THEN {_PAIR_BODY} ELSE NULL END, '$.message') IS NOT NULL "
              f"OR r.message IS NOT NULL))) OR {_EMBED_ANSWER})")
# a cloud model ollama.com ran (its `remote_host`; else, when the log kept none, its cloud tag)
_REMOTE_HOST = f"lower(trim({_field('remote_host')}))"
_CLOUD = (f"CASE WHEN {_REMOTE_HOST} IS NOT NULL THEN regexp_matches({_REMOTE_HOST}, '{OLLAMA_CLOUD_HOST}') "
          f"ELSE regexp_matches(lower(coalesce({_field('model')}, r.request.model, '')), '{OLLAMA_CLOUD_TAG}') END")
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
    "or `model`, `embeddings`, `prompt_eval_count` and `total_duration` (/api/embed), bare or under `response`",
    # a streamed answer's chunks before the closing one carry no counts: not calls
    skip=f"({_field('done')} IS NOT NULL AND NOT {_DONE} AND NOT {_FAILED})",
    columns={
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts({_field('created_at')}))",
        "provider": f"CASE WHEN {_CLOUD} THEN '{OLLAMA_CLOUD}' ELSE '{SELF_HOSTED}' END",
        "model": first_id(_field("model"), "r.request.model"),
        "operation": f"CASE WHEN {_EMBED} THEN 'embedding' ELSE 'chat' END",
        "input_tokens": f"mm_int({_field('prompt_eval_count')})",
        "output_tokens": f"CASE WHEN {_EMBED} THEN 0 ELSE mm_int({_field('eval_count')}) END",
        "latency_ms": f"coalesce(mm_num(coalesce(r.latency_ms, r.duration_ms)), mm_num({_field('total_duration')}) / 1000000)",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}::INTEGER, {_field('error')}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN coalesce({_HTTP}, 500) ELSE coalesce({_HTTP}, 200) END",
        "tags": (f"map_from_entries(list_filter([{{'key': 'finish_reason', 'value': {_field('done_reason')}}}, "
                 f"{{'key': 'remote_model', 'value': {_field('remote_model')}}}, "
                 f"{{'key': 'remote_host', 'value': {_field('remote_host')}}}], "
                 "lambda e: e.value IS NOT NULL))"),
        **chat_text.text_columns(_MSGS, "nullif(r.request.prompt, '')", _ANSWER, "nullif(r.request.system, '')"),
    },
    numbers=("prompt_eval_count", "eval_count", "total_duration"),
    times=("created_at", "timestamp"),
    prompt_text=chat_text.all_text(_MSGS, "nullif(r.request.prompt, '')", "nullif(r.request.system, '')"),
    output_text=_ANSWER,
)
