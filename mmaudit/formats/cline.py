"""Cline, Roo Code and Kilo Code task histories: one call per `api_req_started` message.

The three VS Code extensions (Cline `saoudrizwan.claude-dev`, and its forks Roo Code
`rooveterinaryinc.roo-cline` and Kilo Code `kilocode.kilo-code`) keep each task under
`globalStorage/<extension>/tasks/<taskId>/`. `ui_messages.json` is the task's whole `ClineMessage[]`
as one JSON array, rewritten on every change: `{ts (epoch ms, unique in the task), type: say|ask,
say, ask, text, partial, modelInfo: {modelId, providerId, mode} (Cline, recent versions)}`
(cline `src/shared/ExtensionMessage.ts`; Roo `packages/types`). Each model request is a
`say: "api_req_started"` message whose `text` is itself JSON, `ClineApiReqInfo`: `{request,
tokensIn, tokensOut, cacheWrites, cacheReads, cost, cancelReason, streamingFailedMessage,
retryStatus}`, Roo and Kilo adding `apiProtocol` ("anthropic" | "openai") and Kilo
`inferenceProvider`. It is written first as a placeholder (`{request}`, or `{apiProtocol}`) and
filled in when the stream ends (cline `src/core/task/utils.ts` `updateApiReqMsg`). That text is
parsed (`explode`: the message and its parsed text become one item), so its counts are validated
and a bad one is quarantined with its value. Every other message (task, text, tool, reasoning,
`api_req_retried`, the `api_req_failed` ask, the legacy `api_req_finished`) is skipped, as is a
placeholder that never got counts, a cost or an outcome (a request cut off before it reported
anything: nothing to count, and Cline itself drops it when the task is resumed). The sibling
`task_metadata.json` (`{files_in_context, model_usage: [{ts, model_id, model_provider_id,
mode}]}`, no counts) is recognised and skipped, never read as calls, and so is
`api_conversation_history.json` (the `{role, content}` messages sent; newer Cline's per-message
`metrics` there repeat the requests' counts), so a whole `tasks/` folder ingests.

Tokens. `tokensIn` means different things by writer and date, and the canonical input must hold
the cache: it is `tokensIn`, or `tokensIn + cacheReads + cacheWrites` when `tokensIn` is the
uncached remainder (tags['input_basis'] says which was read):
- Cline keeps the buckets disjoint: `tokensIn` is the uncached remainder for Anthropic, OpenRouter,
  OpenAI (native), DeepSeek, Gemini, Bedrock... (its handlers subtract the cache; its own cost
  fallback is `calculateApiCostAnthropic`, which takes input without the cache; a real Opus 4.5
  request: tokensIn 10, cacheReads 56,758, cost = 10 x $5 + 757 x $25 + 2,387 x $6.25 + 56,758 x
  $0.50 per 1M exactly). Some handlers pass OpenAI's `prompt_tokens`, cache included, with the
  cached count beside it: `openai` (OpenAI-compatible), `xai`, `fireworks` (read in cline's
  providers), `litellm`, `doubao`, `hicap`, `lmstudio`, `qwen`, `zai` (per an independent reader's
  survey of the same source): for those `modelInfo.providerId`s `tokensIn` is the total.
- Roo and Kilo: an `openai`-protocol request's `tokensIn` is the provider's total; an
  `anthropic`-protocol one was the remainder until Roo 3.29.5 (2025-11-01; Kilo 4.119.0,
  2025-11-12) made every `tokensIn` the total (`tokensIn: costResult.totalInputTokens`,
  `calculateApiCostAnthropic` returning input + cache writes + cache reads). The record carries no
  version: an Anthropic-protocol request is read as the remainder before 2025-11-01 and as the
  total from then on (a Kilo request of Nov 1-12, or one from an install not yet upgraded, is
  misread: its input lacks its cache).
- Whatever the writer, a `tokensIn` below `cacheReads + cacheWrites` can only be the remainder.
Known misreads the record cannot show: Cline's `openai` handler moved to the remainder in 2026
(cline `cache-usage.ts`, `extractCacheTokenUsage`), so a newer request whose count is at or above
its cache is read as the total, its input short by the cache (tags['input_basis'] says
`total, assumed`); Cline's OpenAI Responses branch (`openai-native.ts`) logs the reasoning as
`cacheReads` and the cached input as `cacheWrites` (input stays right, the cache discount goes to
the wrong bucket); Roo's own `roo` provider double-added the cache on Anthropic models from 3.29.5
until PR #9224 (2025-11-13).
DeepSeek's `prompt_cache_miss_tokens` are logged as `cacheWrites` (cline's deepseek handler, and the
OpenAI-compatible ones that read that field): for a DeepSeek model or provider they stay in the
input but are not cache writes (DeepSeek bills a miss at its input rate). `tokensOut` includes any
reasoning (not counted apart). `cost` is the logged cost (the provider's own, OpenRouter's, or the
extension's reckoning from its price table; 0 under a subscription).

Model and provider. Only recent Cline versions name them, on every message (`modelInfo`); the model
is `modelInfo.modelId` and the provider `modelInfo.providerId` in mmaudit's names (`openai`, which
is Cline's OpenAI-compatible provider with any base URL, and gateways whose name says nothing of
the seller, `cline`, `litellm`, `requesty`, `vercel-ai-gateway`, give the model's vendor instead;
`lmstudio` is self-hosted). Roo, Kilo and older Cline tasks name no model in `ui_messages.json`:
`task_metadata.json`'s `model_usage` does for Cline, but a format reads one file at a time, so
such calls keep model NULL: counted with their logged cost, reported as an unknown model, never
priced at $0.

Outcome. `cancelReason: "user_cancelled"` is a stream the user stopped: still a call, billed for
what it produced (tags['cancel_reason']). `streamingFailedMessage` (the request failed, before or
during the stream; newer Cline writes it as `{message, status, code, ...}` JSON, older ones as
"429 - message"), or `cancelReason` `streaming_failed` / `retries_exhausted`, is a failed call:
status 'error', the HTTP status from that message, error_type from the status and the text. A
request the user retried after `api_req_failed` reuses its `api_req_started` message (the failure
is cleared when the retry succeeds), so only its last attempt is a call. The call id is the
message's `ts`: a task file rewritten with more messages and read again stores only its new calls.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, tag, tags_map

_MODEL_INFO = {"modelId": "VARCHAR", "providerId": "VARCHAR", "mode": "VARCHAR"}
_INFO = {k: "VARCHAR" for k in ("tokensIn", "tokensOut", "cacheWrites", "cacheReads", "cost", "cancelReason",
                                "streamingFailedMessage", "apiProtocol", "inferenceProvider")}
_STRUCTURE = {"ts": "VARCHAR", "type": "VARCHAR", "say": "VARCHAR", "ask": "VARCHAR", "text": "VARCHAR",
              "modelInfo": _MODEL_INFO, "files_in_context": "JSON", "model_usage": "JSON",
              "role": "VARCHAR", "content": "JSON", "model": "VARCHAR", "usage": "JSON"}
_ITEM = {"ts": "VARCHAR", "modelInfo": _MODEL_INFO, "info": _INFO}

_MESSAGE = "(r.type IN ('say', 'ask') AND r.ts IS NOT NULL AND coalesce(r.say, r.ask) IS NOT NULL)"
_METADATA = "(json_type(r.files_in_context) = 'ARRAY' OR json_type(r.model_usage) = 'ARRAY')"
# api_conversation_history.json: the messages sent to the model (`{role, content}`, Anthropic's
# MessageParam), beside ui_messages.json in every task folder; no counts. Recognised so that a whole
# `tasks/` folder ingests (its lines skipped); a provider's answer (`type`, `model`, `usage`) is not one.
_HISTORY = ("(r.role IN ('user', 'assistant') AND json_type(r.content) IN ('ARRAY', 'VARCHAR') "
            "AND r.type IS NULL AND r.model IS NULL AND r.usage IS NULL)")
_REQUEST = "(r.type = 'say' AND r.say = 'api_req_started')"
# the request's text parsed (NULL unless it is a JSON object; CASE, so json_type never sees bad JSON)
_PARSED = "CASE WHEN json_valid(r.text) THEN CASE WHEN json_type(r.text) = 'OBJECT' THEN r.text::JSON END END"

_I = "r.info"
_IN, _OUT, _READ, _WRITE = (f"coalesce(mm_int({_I}.{k}), 0)" for k in ("tokensIn", "tokensOut", "cacheReads", "cacheWrites"))
_PROVIDER = "lower(trim(r.modelInfo.providerId))"
_MODEL = first_id("r.modelInfo.modelId")
# Cline handlers that log OpenAI's prompt_tokens (cache included) as tokensIn
_TOTAL_PROVIDERS = "('openai', 'xai', 'fireworks', 'litellm', 'doubao', 'hicap', 'lmstudio', 'qwen', 'zai')"
_ROO_TOTAL_SINCE = "TIMESTAMPTZ '2025-11-01 00:00:00+00'"
_TOTAL = (f"({_IN} >= {_READ} + {_WRITE} AND ({_I}.apiProtocol = 'openai' "
          f"OR ({_I}.apiProtocol = 'anthropic' AND mm_ts(r.ts) >= {_ROO_TOTAL_SINCE}) "
          f"OR ({_I}.apiProtocol IS NULL AND {_PROVIDER} IN {_TOTAL_PROVIDERS})))")
# Cline's `openai` handler logged the total until it took the shared cache-usage reading (2026), and
# the remainder since; the record carries no version, so a count at or above its cache is read as the
# total, said to be assumed
_VERSIONED = (f"({_I}.apiProtocol IS NULL AND {_PROVIDER} = 'openai' AND {_READ} + {_WRITE} > 0)")
# DeepSeek's cache misses, logged as cacheWrites
_MISSES = (f"(coalesce({_PROVIDER} = 'deepseek', false) "
           f"OR coalesce(regexp_matches(lower(r.modelInfo.modelId), 'deepseek'), false))")
# providers whose name does not say who sold the call: the model's vendor does
_NO_SELLER = "('openai', 'cline', 'litellm', 'requesty', 'vercel-ai-gateway')"

_FAIL_TEXT = f"{_I}.streamingFailedMessage"
_FAILED = f"({_FAIL_TEXT} IS NOT NULL OR coalesce({_I}.cancelReason IN ('streaming_failed', 'retries_exhausted'), false))"
_FAIL_JSON = f"CASE WHEN json_valid({_FAIL_TEXT}) THEN CASE WHEN json_type({_FAIL_TEXT}) = 'OBJECT' THEN {_FAIL_TEXT}::JSON END END"
_HTTP = (f"coalesce(mm_int(json_extract_string({_FAIL_JSON}, '$.status'))::INTEGER, "
         f"TRY_CAST(nullif(regexp_extract(coalesce({_FAIL_TEXT}, ''), '^\\s*([45][0-9][0-9])\\b', 1), '') AS INTEGER))")
_FAIL_CODE = (f"coalesce(json_extract_string({_FAIL_JSON}, '$.code'), json_extract_string({_FAIL_JSON}, '$.message'), "
              f"{_FAIL_TEXT}, {_I}.cancelReason)")

FORMAT = LogFormat(
    name="cline",
    description="Cline / Roo Code / Kilo Code task histories (tasks/<id>/ui_messages.json): one call per api_req_started",
    structure=_STRUCTURE,
    detect=f"({_MESSAGE} OR {_METADATA} OR {_HISTORY})",
    detect_hint="Cline messages (`ts`, `type` say/ask with `say` or `ask`: a task's ui_messages.json), a "
    "task_metadata.json (`files_in_context`, `model_usage`) or an api_conversation_history.json (`role`, `content`)",
    skip=f"(NOT {_REQUEST})",
    explode=(f"[json_object('ts', r.ts, 'modelInfo', json_object('modelId', r.modelInfo.modelId, "
             f"'providerId', r.modelInfo.providerId, 'mode', r.modelInfo.mode), 'info', {_PARSED})]"),
    item_structure=_ITEM,
    # a placeholder that never got counts, a cost or an outcome is no call
    keep=(f"({_I}.tokensIn IS NOT NULL OR {_I}.tokensOut IS NOT NULL OR {_I}.cacheReads IS NOT NULL "
          f"OR {_I}.cacheWrites IS NOT NULL OR {_I}.cost IS NOT NULL OR {_I}.cancelReason IS NOT NULL "
          f"OR {_FAIL_TEXT} IS NOT NULL)"),
    columns={
        "call_id": "'cline:' || r.ts",
        "ts": "mm_ts(r.ts)",
        "provider": (f"CASE WHEN {_PROVIDER} IN {_NO_SELLER} THEN mm_provider_from_model(model) "
                     f"WHEN {_PROVIDER} = 'lmstudio' THEN 'self-hosted' "
                     "ELSE mm_provider_name(r.modelInfo.providerId, model) END"),
        "model": _MODEL,
        "input_tokens": f"CASE WHEN {_TOTAL} THEN {_IN} ELSE {_IN} + {_READ} + {_WRITE} END",
        "cached_input_tokens": _READ,
        "cache_write_tokens": f"CASE WHEN {_MISSES} THEN 0 ELSE {_WRITE} END",
        "output_tokens": _OUT,
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, {_FAIL_CODE}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} END",
        "logged_cost_usd": f"TRY_CAST({_I}.cost AS DECIMAL(38, 12))",
        "tags": tags_map([
            tag("app", "'cline'"), tag("cline_provider", "r.modelInfo.providerId"), tag("mode", "r.modelInfo.mode"),
            tag("api_protocol", f"{_I}.apiProtocol"), tag("inference_provider", f"{_I}.inferenceProvider"),
            tag("cancel_reason", f"{_I}.cancelReason"),
            tag("input_basis", f"CASE WHEN {_TOTAL} THEN CASE WHEN {_VERSIONED} THEN 'total, assumed' ELSE 'total' END "
                               "ELSE 'uncached' END"),
            tag("cache_misses", f"CASE WHEN {_MISSES} AND {_WRITE} > 0 THEN CAST({_WRITE} AS VARCHAR) END")]),
    },
    numbers=("info.tokensIn", "info.tokensOut", "info.cacheWrites", "info.cacheReads"),
    times=("ts",),
)
