"""OpenAI Audio API transcriptions and translations (`audio.transcriptions.create`), bare or in
`{request, response}` pairs.

gpt-4o-transcribe and gpt-4o-mini-transcribe bill tokens: the body's `usage` is `{type: "tokens",
input_tokens, input_token_details: {text_tokens, audio_tokens}, output_tokens}`, and the audio part
of the input is billed at the model's audio rate (gpt-4o-transcribe: $6 per 1M audio tokens against
$2.50 for text, $10 output). whisper-1 bills the audio's duration: `usage: {type: "duration",
seconds}` (or a `verbose_json` body's `duration`); its price is per minute, which the rate table
does not hold, so such a call is unpriced and reported, never $0; its seconds go to
`tags['audio_seconds']`. The body names no model and carries no id: the model comes from the
pair's `request.model` (or a `model` beside the body), else the call is unpriced; the id is the
pipeline's stable one for records without one. Operation `transcription`; a translation's
`task: "translate"` is `tags['task']`.

Mistral's transcriptions (`/v1/audio/transcriptions`, voxtral) answer in this shape with their
own usage: `usage.prompt_audio_seconds`, the duration Mistral bills per minute, goes to
`tags['audio_seconds']` as whisper-1's does (unpriced, never $0); the body names its `model`, and
the provider is `mistral`.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.pairs import PAIR_WRAPPER, body

_BODY = {
    "text": "VARCHAR",
    "task": "VARCHAR",
    "language": "VARCHAR",
    "duration": "VARCHAR",
    "model": "VARCHAR",  # Mistral's answer names it
    "usage": {"type": "VARCHAR", "seconds": "VARCHAR", "input_tokens": "VARCHAR", "output_tokens": "VARCHAR",
              "prompt_audio_seconds": "VARCHAR",  # Mistral's: the audio's duration, what it bills
              "input_token_details": {"text_tokens": "VARCHAR", "audio_tokens": "VARCHAR"}},
}
_REQUEST = {"model": "VARCHAR", "prompt": "VARCHAR", "language": "VARCHAR", "response_format": "VARCHAR"}
_TOKENS = f"({body('usage.type')} = 'tokens')"
_MISTRAL = f"({body('usage.prompt_audio_seconds')} IS NOT NULL)"
_SECONDS = (f"coalesce(mm_num({body('usage.seconds')}), mm_num({body('duration')}), "
            f"mm_num({body('usage.prompt_audio_seconds')}))")

FORMAT = LogFormat(
    name="openai-audio",
    description="OpenAI Audio API transcriptions and translations (text with usage), bare or in pairs",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **PAIR_WRAPPER, "model": "VARCHAR"},
    # the transcript and a usage of either kind, or whisper's verbose_json (task, duration)
    detect=(f"({body('text')} IS NOT NULL AND ({body('usage.type')} IN ('tokens', 'duration') "
            f"OR ({body('task')} IN ('transcribe', 'translate') AND {body('duration')} IS NOT NULL) OR {_MISTRAL}))"),
    detect_hint="`text` with `usage.type` tokens or duration or Mistral's `usage.prompt_audio_seconds`, or whisper's "
    "`task` and `duration` (bare or under `response`)",
    columns={
        "call_id": "r.request_id",
        "ts": "coalesce(mm_ts(r.timestamp), mm_ts(r.created_at))",
        "provider": f"coalesce(r.provider, CASE WHEN {_MISTRAL} THEN 'mistral' ELSE 'openai' END)",
        "model": first_id("r.request.model", "r.model", "r.response.model"),
        "operation": "'transcription'",
        "input_tokens": f"CASE WHEN {_TOKENS} THEN mm_int({body('usage.input_tokens')}) ELSE 0 END",
        "input_audio_tokens": f"CASE WHEN {_TOKENS} THEN coalesce(mm_int({body('usage.input_token_details.audio_tokens')}), 0) ELSE 0 END",
        "output_tokens": f"CASE WHEN {_TOKENS} THEN mm_int({body('usage.output_tokens')}) ELSE 0 END",
        "latency_ms": "mm_num(coalesce(r.latency_ms, r.duration_ms))",
        "status": "'ok'",
        "http_status": "coalesce(mm_int(coalesce(r.status_code, r.http_status)), 200)",
        "logged_cost_usd": "TRY_CAST(r.cost_usd AS DECIMAL(38, 12))",
        "tags": ("mm_merge_tags(mm_merge_tags(mm_tags(r.metadata), mm_tags(r.tags)), map_from_entries(list_filter(["
                 f"{{'key': 'audio_seconds', 'value': CAST({_SECONDS} AS VARCHAR)}}, "
                 f"{{'key': 'language', 'value': {body('language')}}}, "
                 f"{{'key': 'task', 'value': {body('task')}}}], lambda e: e.value IS NOT NULL)))"),
        "user_prompt": "r.request.prompt",
        "response_text": body("text"),
    },
    numbers=tuple(f"{p}usage.{k}" for p in ("", "response.") for k in (
        "input_tokens", "output_tokens", "input_token_details.audio_tokens")),
    times=("timestamp",),
    output_text=body("text"),
)
