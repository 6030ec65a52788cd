"""Amazon Bedrock batch inference output (`<input>.jsonl.out`, downloaded from the job's S3 output
prefix): one `{recordId, modelInput, modelOutput}` line per request, or `{recordId, modelInput,
error: {errorCode, errorMessage}}` where it failed.

AWS ("View the results of a batch inference job", bedrock/latest/userguide/batch-inference-results.html):
`modelOutput` "matches the body field in the InvokeModel response" (the Converse response body for
a Converse job), and "an error object replaces the modelOutput field in any line where there was an
error". So `modelOutput` is the model's own InvokeModel body, read as the `bedrock` format and
ingest/bedrock_invoke.py read those bodies:

- Claude: an Anthropic Messages body (`msg_bdrk_...` id, `model`, `usage` with the cache OUTSIDE
  `input_tokens`), read with anthropic-messages' `usage_columns` (input = input_tokens + cache reads
  + cache writes, 1-hour writes, iterations). A real line (Claude 3 Haiku, 111 in / 73 out; quoted
  in ybalbert001/intelligent-bedrock-batch-inference, glue_bedrock_batch_inference.py) is one call.
- Titan: `inputTextTokenCount` in, the sum of `results[].tokenCount` out (AWS's example line: 8 / 3);
  a Titan embedding body (`embedding`) is an `embedding` call with 0 out.
- Llama: `prompt_token_count` / `generation_token_count`.
- Nova and Converse bodies: `usage.inputTokens` / `outputTokens`, with the cache counts
  (`cacheReadInputTokenCount`/`cacheWriteInputTokenCount`, Converse's `cacheRead/WriteInputTokens`)
  added to input, as the `bedrock` format adds them to `inputTokenCount`.
- OpenAI-compatible bodies (gpt-oss, Mistral Large 2): `usage.prompt_tokens` / `completion_tokens`.
- Bodies that count nothing (Mistral 7B/Mixtral `outputs`, Cohere Command `generations`): no
  counts, estimated from the text as any such call is (`tokens_estimated`).

The line names no model id: the job's `modelId` (CreateModelInvocationJob) is written nowhere in
the output, nor in the job's `manifest.json.out` (record and token totals only). Only a Claude body
names its model (`model: claude-3-haiku-20240307`); every other call has model NULL, so it is
unpriced and listed by `prices unknown`, never charged $0 or a guessed family's rate (a Titan body
is the same for Titan Text Lite and Express, at different prices). A file name is the user's own
choice of input name, so it is not read for a model either.

Provider `aws-bedrock`. Every call is a batch call (`is_batch`: AWS bills batch inference at 50% of
on-demand), with no time (`ts` NULL: the line has none, as Anthropic's batch results). The call id
is the body's own id when it has one (Claude's `msg_bdrk_...`), else `bedrock-batch:<recordId>:<md5 of
the record without its layout>`: a `recordId` is the caller's own (or one Bedrock adds) and unique within one job only, so
two jobs over the same input would otherwise share ids and count once. `recordId` is kept as
tags['record_id'].

An `error` line is a failed call with zero tokens: `errorCode` is an HTTP status in AWS's example
(`400`), or an exception name (read as the `bedrock` format reads `errorCode`); the message's words
classify it (throttling, timeout) where the code does not.

A batch INPUT file (`{recordId, modelInput}` lines, no outcome) is recognised by `INPUT_FILE` and
refused.
"""

from __future__ import annotations

from mmaudit.formats import chat_text
from mmaudit.formats.anthropic_messages import USAGE, step_helpers, usage_columns, usage_tags
from mmaudit.formats.base import LogFormat, record_key_sql
from mmaudit.formats.bedrock import error_http, template_system_sql, template_user_sql

_USAGE = {
    **USAGE,  # Claude's
    "inputTokens": "VARCHAR", "outputTokens": "VARCHAR",  # Nova InvokeModel, Converse
    "cacheReadInputTokenCount": "VARCHAR", "cacheWriteInputTokenCount": "VARCHAR",  # Nova InvokeModel
    "cacheReadInputTokens": "VARCHAR", "cacheWriteInputTokens": "VARCHAR",  # Converse
    "prompt_tokens": "VARCHAR", "completion_tokens": "VARCHAR",  # OpenAI-compatible bodies
}
_OUTPUT = {
    "id": "VARCHAR",
    "type": "VARCHAR",
    "model": "VARCHAR",
    "content": "JSON",
    "usage": _USAGE,
    "output": {"message": {"content": "JSON"}},  # Nova, Converse
    "inputTextTokenCount": "VARCHAR", "results": "JSON", "embedding": "JSON",  # Titan
    "prompt_token_count": "VARCHAR", "generation_token_count": "VARCHAR", "generation": "VARCHAR",  # Llama
    "outputs": "JSON", "choices": "JSON", "generations": "JSON", "text": "VARCHAR", "completion": "VARCHAR",
}
_INPUT = {"messages": "JSON", "system": "JSON", "prompt": "VARCHAR", "inputText": "VARCHAR"}
_STRUCTURE = {
    "recordId": "VARCHAR",
    "modelInput": _INPUT,
    "modelOutput": _OUTPUT,
    "error": {"errorCode": "VARCHAR", "errorMessage": "VARCHAR"},
}

_B = "r.modelOutput"
_U = f"{_B}.usage"
_CLAUDE = f"({_B}.type = 'message' OR {_U}.input_tokens IS NOT NULL)"
_FAILED = "(r.error.errorCode IS NOT NULL OR r.error.errorMessage IS NOT NULL)"
_EMBEDDING = f"(json_type({_B}.embedding) = 'ARRAY')"

# the other bodies' counts (Claude's are usage_columns')
_READ = f"coalesce(mm_int(coalesce({_U}.cacheReadInputTokenCount, {_U}.cacheReadInputTokens)), 0)"
_WRITE = f"coalesce(mm_int(coalesce({_U}.cacheWriteInputTokenCount, {_U}.cacheWriteInputTokens)), 0)"
_TITAN_OUT = (f"list_sum(list_transform(json_extract_string({_B}.results, '$[*].tokenCount'), "
              "lambda x: mm_int(x)))")
_OTHER = {
    "input_tokens": (f"coalesce(mm_int({_B}.prompt_token_count), mm_int({_B}.inputTextTokenCount), "
                     f"mm_int({_U}.inputTokens) + {_READ} + {_WRITE}, mm_int({_U}.prompt_tokens))"),
    "cached_input_tokens": _READ,
    "cache_write_tokens": _WRITE,
    "output_tokens": (f"coalesce(mm_int({_B}.generation_token_count), CASE WHEN {_EMBEDDING} THEN 0 END, "
                      f"{_TITAN_OUT}, mm_int({_U}.outputTokens), mm_int({_U}.completion_tokens))"),
    "cache_write_1h_tokens": "0", "reasoning_tokens": "0", "web_searches": "0", "service_tier": "NULL",
}
_CLAUDE_COLUMNS = usage_columns(_U)
_TOKENS = {
    column: f"CASE WHEN {_CLAUDE} THEN {claude} ELSE {_OTHER[column]} END"
    for column, claude in _CLAUDE_COLUMNS.items()
}

# errorCode: an HTTP status (AWS's example: 400), else an exception name as invocation logs give it
_HTTP = f"coalesce(CASE WHEN mm_int(r.error.errorCode) BETWEEN 400 AND 599 THEN mm_int(r.error.errorCode) END, {error_http('r.error.errorCode')})"
_ERR_TEXT = "concat_ws(' ', CASE WHEN mm_int(r.error.errorCode) IS NULL THEN r.error.errorCode END, r.error.errorMessage)"

_IN = "r.modelInput"
_PROMPT = f"nullif(trim(coalesce({_IN}.prompt, {_IN}.inputText)), '')"
# a one-string prompt (Llama, Mistral `prompt`, Titan `inputText`) in a chat template: its last user
# turn is the user's message, a Llama 3 system block the system prompt (as the bedrock format reads them)
_PROMPT_USER = template_user_sql(_PROMPT)
_SYSTEM = f"coalesce(mm_content_text({_IN}.system), {template_system_sql(_PROMPT)})"
_TEXT = (
    f"coalesce(mm_content_text(coalesce({_B}.content, {_B}.output.message.content)), {_B}.generation, "
    f"json_extract_string({_B}.results, '$[0].outputText'), json_extract_string({_B}.outputs, '$[0].text'), "
    f"json_extract_string({_B}.choices, '$[0].message.content'), json_extract_string({_B}.choices, '$[0].text'), "
    f"json_extract_string({_B}.generations, '$[0].text'), {_B}.text, {_B}.completion)"
)

FORMAT = LogFormat(
    name="bedrock-batch",
    description="Amazon Bedrock batch inference output (.jsonl.out): {recordId, modelInput, modelOutput|error}",
    structure=_STRUCTURE,
    detect="(r.recordId IS NOT NULL AND r.modelInput IS NOT NULL AND (r.modelOutput IS NOT NULL OR r.error IS NOT NULL))",
    detect_hint="`recordId` and `modelInput` with `modelOutput` or `error`",
    columns={
        # the record without its layout (ingest/staging.py `record_key_sql`): a re-serialised copy
        # of the job's output keeps its ids
        "call_id": f"coalesce({_B}.id, 'bedrock-batch:' || r.recordId || ':' || {record_key_sql('line')})",
        "provider": "'aws-bedrock'",
        "model": f"{_B}.model",
        "operation": f"CASE WHEN {_EMBEDDING} THEN 'embedding' ELSE 'chat' END",
        **_TOKENS,
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type(({_HTTP})::INTEGER, {_ERR_TEXT}), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "is_batch": "true",
        "tags": f"mm_merge_tags(MAP {{'record_id': r.recordId}}, CASE WHEN {_CLAUDE} THEN {usage_tags(_U)} END)",
        **chat_text.text_columns(f"{_IN}.messages", _PROMPT, _TEXT, _SYSTEM),
        "user_prompt": f"coalesce(mm_last_user({_IN}.messages), {_PROMPT_USER})",
    },
    numbers=(
        "modelOutput.usage.input_tokens", "modelOutput.usage.output_tokens",
        "modelOutput.usage.cache_read_input_tokens", "modelOutput.usage.cache_creation_input_tokens",
        "modelOutput.usage.inputTokens", "modelOutput.usage.outputTokens",
        "modelOutput.inputTextTokenCount", "modelOutput.prompt_token_count", "modelOutput.generation_token_count",
    ),
    prompt_text=chat_text.all_text(f"{_IN}.messages", _PROMPT, _SYSTEM),
    output_text=_TEXT,
    helpers=step_helpers(_U),
)

INPUT_FILE = LogFormat(
    name="bedrock-batch-input",
    description="Amazon Bedrock batch inference INPUT file ({recordId, modelInput}): recognised and refused",
    structure={"recordId": "VARCHAR", "modelInput": "JSON", "modelOutput": "JSON", "error": "JSON"},
    detect="(r.recordId IS NOT NULL AND r.modelInput IS NOT NULL AND r.modelOutput IS NULL AND r.error IS NULL)",
    detect_hint="`recordId` and `modelInput` without `modelOutput` or `error`",
    columns={},
    refuse="this is a batch input file: it has requests but no outcomes; ingest the job's .jsonl.out output file",
)
