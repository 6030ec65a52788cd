"""Bedrock InvokeModel calls captured whole (`{request: {url, body}, response: {status, headers,
body}}`, ingest/captures.py): the address names the model (`/model/meta.llama3-70b-instruct-v1%3A0/invoke`)
and each model family answers in a body of its own. Claude's is a Messages body and an
OpenAI-compatible model's (gpt-oss, an imported model) a chat or text completion, which the body
formats read; the others name their counts in ways no body format reads, or not at all: Llama's
`prompt_token_count` / `generation_token_count`, Titan's `inputTextTokenCount` and
`results[].tokenCount`, AI21 Jurassic's token lists, none in Cohere Command's, Mistral's or
DeepSeek's. Such a capture loaded nothing (a file of them had no format; among other captures
each was quarantined). Bedrock states what it bills in the response headers of every InvokeModel
answer (`X-Amzn-Bedrock-Input-Token-Count`, `-Output-Token-Count`, `-Cache-Read-Input-Token-Count`,
`-Cache-Write-Input-Token-Count`); a Nova answer whose output a guardrail masked carries no
output count in its body (`usage: {inputTokens: 30}`), only there (51).

So such a capture is rewritten as the model invocation log Bedrock would have written for the call
(`schemaType: ModelInvocationLog`, read by the `bedrock` format): `modelId` from the address,
`input.inputTokenCount` and the cache counts from the headers (their names in any case, a value or
a list of one as VCR keeps them), else the body's own counts; `output.outputTokenCount` likewise;
the bodies as `inputBodyJson` / `outputBodyJson`; `requestId` from `x-amzn-RequestId`; `latency_ms`
from `X-Amzn-Bedrock-Invocation-Latency`; the time the line's own, else the `Date` header's; a status of
400 or more an `errorCode` (the `x-amzn-ErrorType` before its `:`, else the exception Bedrock
answers that status with); the tier that served the call from `X-Amzn-Bedrock-Service-Tier`
(`serviceTier.type`: default, priority, flex, reserved) and `X-Amzn-Bedrock-PerformanceConfig-Latency`
(`performanceConfig.latency`: standard, optimized), the InvokeModel response headers botocore's
model names (`InvokeModelResponse.serviceTier` / `.performanceConfigLatency`, located in those
headers): an InvokeModel body never names its tier, and a flex call was charged the standard rate.
"""

from __future__ import annotations

# the model an InvokeModel address names (a streamed one, invoke-with-response-stream, is not:
# its body is an event stream a recorder keeps as binary)
_INVOKE = r"'/model/([^/?]+)/invoke(?:[/?#]|$)'"


def invoked_model_sql(url: str) -> str:
    """SQL of the model id an InvokeModel address names (URL-decoded), else NULL."""
    return f"nullif(url_decode(regexp_extract({url}, {_INVOKE}, 1)), '')"


def is_invoke_sql(url: str, answer: str) -> str:
    """Whether a capture to `url` answered with `answer` is an InvokeModel call no body format reads
    whole: the address is Bedrock's InvokeModel and the body is not a Messages body (Claude) nor an
    OpenAI-compatible one (`object`: chat.completion, text_completion; or OpenAI's usage)."""
    return (f"(regexp_matches(coalesce({url}, ''), '^https?://bedrock-runtime[.-]') "
            f"AND {invoked_model_sql(url)} IS NOT NULL "
            f"AND json_type({answer}) = 'OBJECT' "
            f"AND coalesce(json_extract_string({answer}, '$.type') NOT IN ('message', 'error'), true) "
            f"AND json_extract({answer}, '$.object') IS NULL "
            # (chat choices with OpenAI's usage are read by openai-chat even without `object`)
            f"AND json_extract({answer}, '$.usage.prompt_tokens') IS NULL)")


def response_header(line: str, name: str) -> str:
    """SQL of a response header's value as text, its name in any case; VCR keeps a list of values."""
    headers = f"json_extract({line}, '$.response.headers')"
    entries = (f"map_entries(CASE WHEN json_type({headers}) = 'OBJECT' "
               f"THEN CAST(json_transform({headers}, '\"MAP(VARCHAR, JSON)\"') AS MAP(VARCHAR, JSON)) END)")
    value = f"list_filter({entries}, lambda e: lower(e.key) = '{name}')[1].value"
    return (f"CASE WHEN json_type({value}) = 'ARRAY' THEN json_extract_string({value}, '$[0]') "
            f"ELSE json_extract_string({value}, '$') END")


def dated_sql(line: str) -> str:
    """SQL (a JSON string, ISO 8601) of the time the answer's `Date` header gives (to the second):
    a recorder that keeps no time of its own still has it. NULL without one."""
    return f"to_json(strftime(try_strptime({response_header(line, 'date')}, '%a, %d %b %Y %H:%M:%S GMT'), '%Y-%m-%dT%H:%M:%SZ'))"


def invocation_latency_sql(line: str) -> str:
    """SQL (text) of the milliseconds Bedrock says it took (`X-Amzn-Bedrock-Invocation-Latency`,
    beside the billed counts on every InvokeModel and Converse answer), or NULL."""
    return response_header(line, "x-amzn-bedrock-invocation-latency")


def log_sql(line: str, url: str, answer: str, status: str, timestamp: str) -> str:
    """SQL of the model invocation log (JSON) a captured InvokeModel call amounts to."""
    body = answer
    sent = f"coalesce(json_extract({line}, '$.request.body'), json_extract({line}, '$.requestBody'))"
    # (a recorder keeps the request body as the text it sent: its JSON is the body)
    req = (f"CASE WHEN json_type({sent}) = 'VARCHAR' AND json_valid(json_extract_string({sent}, '$')) "
           f"THEN CAST(json_extract_string({sent}, '$') AS JSON) ELSE {sent} END")

    def count(header: str, *paths: str) -> str:
        return f"coalesce({response_header(line, header)}, " + ", ".join(paths) + ")"

    ai21_in = f"CAST(json_array_length({body}, '$.prompt.tokens') AS VARCHAR)"
    ai21_out = f"CAST(json_array_length({body}, '$.completions[0].data.tokens') AS VARCHAR)"
    titan_out = (f"CAST(list_sum(list_transform(json_extract_string({body}, '$.results[*].tokenCount'), "
                 "lambda x: TRY_CAST(x AS BIGINT))) AS VARCHAR)")
    usage = f"json_extract({body}, '$.usage')"
    inputs = count("x-amzn-bedrock-input-token-count", f"json_extract_string({body}, '$.prompt_token_count')",
                   f"json_extract_string({body}, '$.inputTextTokenCount')", ai21_in)
    outputs = count("x-amzn-bedrock-output-token-count", f"json_extract_string({body}, '$.generation_token_count')",
                    titan_out, ai21_out)
    read = count("x-amzn-bedrock-cache-read-input-token-count",
                 f"json_extract_string({usage}, '$.cacheReadInputTokenCount')")
    write = count("x-amzn-bedrock-cache-write-input-token-count",
                  f"json_extract_string({usage}, '$.cacheWriteInputTokenCount')")
    code = f"TRY_CAST(json_extract_string({status}, '$') AS INTEGER)"
    error = (f"CASE WHEN coalesce({code}, 0) >= 400 THEN coalesce(nullif(split_part({response_header(line, 'x-amzn-errortype')}, ':', 1), ''), "
             f"CASE {code} WHEN 400 THEN 'ValidationException' WHEN 403 THEN 'AccessDeniedException' "
             "WHEN 404 THEN 'ResourceNotFoundException' WHEN 408 THEN 'ModelTimeoutException' "
             "WHEN 424 THEN 'ModelErrorException' WHEN 429 THEN 'ThrottlingException' "
             "WHEN 503 THEN 'ServiceUnavailableException' ELSE 'InternalServerException' END) END")
    region = f"nullif(regexp_extract({url}, '^https?://bedrock-runtime[.-](?:fips\\.)?([a-z0-9-]+)\\.amazonaws', 1), '')"
    # a recorder that keeps no time of its own still has the answer's `Date` header (to the second)
    dated = dated_sql(line)
    tier = response_header(line, "x-amzn-bedrock-service-tier")
    latency = response_header(line, "x-amzn-bedrock-performanceconfig-latency")
    return (f"json_object('schemaType', 'ModelInvocationLog', 'operation', 'InvokeModel', "
            f"'modelId', {invoked_model_sql(url)}, 'timestamp', coalesce({timestamp}, {dated}), 'region', {region}, "
            f"'requestId', {response_header(line, 'x-amzn-requestid')}, 'errorCode', {error}, "
            f"'latency_ms', {invocation_latency_sql(line)}, "
            f"'serviceTier', json_object('type', {tier}), 'performanceConfig', json_object('latency', {latency}), "
            f"'input', json_object('inputTokenCount', {inputs}, 'cacheReadInputTokenCount', {read}, "
            f"'cacheWriteInputTokenCount', {write}, 'inputBodyJson', {req}), "
            f"'output', json_object('outputTokenCount', {outputs}, 'outputBodyJson', {body}))")
