"""Google Gemini API / Vertex AI `GenerateContentResponse` bodies (camelCase, as on the wire),
`{request, response}` pairs, and google.rpc error bodies `{"error": {code, message, status}}`.

`usageMetadata.promptTokenCount` already includes `cachedContentTokenCount`. The thinking
tokens (`thoughtsTokenCount`) are NOT inside `candidatesTokenCount` (totalTokenCount =
prompt + candidates + toolUsePrompt + thoughts), so canonical output = candidates + thoughts with
reasoning = thoughts, and canonical input = prompt + toolUsePrompt. The first thinking previews
(April 2025) counted them inside: where totalTokenCount is prompt + toolUsePrompt + candidates,
output is the candidates alone. The Live API's usage messages
name the output `responseTokenCount`. The AUDIO and IMAGE entries of the modality breakdowns
(`promptTokensDetails` and `toolUsePromptTokensDetails`, `cacheTokensDetails`,
`candidatesTokensDetails` or the Live API's `responseTokensDetails`) are the audio and image parts
of input, cache reads and output; a PDF's DOCUMENT entries count as image, Gemini tokenising its
pages as images (gemini-2.5-flash bills audio input at $1 per 1M against $0.30 for text;
gemini-2.5-flash-image generated images at $30 per 1M against $2.50).

The Interactions API's answers (`object: "interaction"`) carry the same counts under their own
names in `usage`: `total_input_tokens` (cached part `total_cached_tokens` inside it),
`total_tool_use_tokens`, `total_output_tokens` and `total_thought_tokens` beside it, and
`*_tokens_by_modality` lists of `{modality, tokens}`. Its Google Search queries are
`usage.grounding_tool_count`'s `search_query_count` (else its `google_search_call` steps' queries).

Error bodies are told from OpenAI's bare `{"error": ...}` by the google.rpc `error.status`
(RESOURCE_EXHAUSTED, UNAVAILABLE, ...), which OpenAI errors never carry.

google-genai SDK dumps (`response.model_dump()` in Python: snake_case `usage_metadata.
prompt_token_count`, `candidates_token_count`, `cached_content_token_count`,
`thoughts_token_count`, `tool_use_prompt_token_count`, `model_version`, `response_id`,
`create_time`) are read with the same semantics: every field is the camelCase one, else the
snake_case one. `usageMetadata.serviceTier`, when logged, goes to `service_tier`. Vertex AI adds
`usageMetadata.trafficType` (ON_DEMAND, ON_DEMAND_PRIORITY, ON_DEMAND_FLEX, PROVISIONED_THROUGHPUT),
which the Gemini API never writes: such a body is provider `vertex` (priced at Vertex's rates where
they differ, gemini-2.0-flash $0.15/$0.60 against $0.10/$0.40) and the traffic type goes to
`tags['traffic_type']`. Priority and Flex PayGo are billed at their own rates, so they give
`service_tier` `priority` and `flex` (a tier with no price on record is unpriced, never charged the
standard rate it was not billed at).

The Gemini API's Flex (billed at half) and Priority (75-100% more) tiers are asked for with the
request's `service_tier` (`serviceTier`), and the tier that served the call is named only in the
`x-gemini-service-tier` response header (`standard`, `flex`, `priority`: a Priority request over its
limit is served, and billed, at standard, and the header says so; Google's Flex and Priority pages
check `response.sdk_http_response.headers.get("x-gemini-service-tier")`). A captured exchange keeps
it (`response_headers`, passed on by ingest/captures.py) and so does a google-genai dump
(`sdk_http_response.headers`, `sdkHttpResponse` in the JS SDK). `service_tier` is the header's tier,
else the body's (`usageMetadata.serviceTier`, Vertex's trafficType, an interaction's
`service_tier`), else, when the answer says nothing of it, the request's, lower-cased
(`SERVICE_TIER_FLEX` is `flex`); only standard, flex and priority are read as tiers. Such calls
were all charged the standard rate (a flex gemini-2.5-flash call $0.0006111, twice its bill): now
genai-prices' tier rate where it has one (gemini-3.8-flash(-lite)-tts), else unpriced and listed.

Streamed responses logged chunk by chunk repeat the `responseId`; chunks before the last (the id
repeats in the file's chunk, and no candidate has a `finishReason`) carry provisional counts (`tokens_estimated`: the last chunk's
`promptTokenCount` can be larger than the earlier ones'), so the finished chunk's usage is the
call's, and a stream cut short keeps its latest counts flagged as not final.

Grounding with Google Search: the queries each candidate's `groundingMetadata.webSearchQueries`
lists are counted into `web_searches`. Google bills them per query on Gemini 3 ($14 per 1,000) and
once per request that searched on Gemini 2.x ($35 per 1,000 grounded prompts).

Vertex AI's `:predict` answer for a text embedding model (`predictions[].embeddings`, the model
named by the captured address) is an `embedding` call on `vertex`: the instances'
`statistics.token_count` are its input, `metadata.billableCharacterCount` (what Vertex bills
text-embedding-004/005 by) goes to `tags['billable_characters']`.

A Vertex AI request-response logging row (BigQuery's export) is read as the pair it holds
(mmaudit/ingest/vertex_logging.py); its `request_id` is the call id when the response has no
`responseId`.

Embeddings (`:embedContent`, `:batchEmbedContents`): the Gemini API answers with the vectors
alone (`embedding: {values}`, or `embeddings: [{values}]`, one per request), no counts. Such a
pair, the request's `content` (or `requests[].content`) beside them, is an `embedding` call whose
input is counted from the request's text (`tokens_estimated`, as every count made from text) and
whose output is 0; the model is the request's (a captured exchange's address names it). Such a
capture had no format (a file of them failed detection) and its calls were dropped.

A prompt the safety filters blocked before generation (`promptFeedback.blockReason`, or only a
`blockReasonMessage`, set and no candidates) is a failed call: error_type content_filter,
http_status 200 (the API answered), tags['blocked'] = the block reason; its logged prompt count is
kept (the log says it), never estimated.
"""

from __future__ import annotations

import re

from mmaudit.formats.base import BY_FILE, LogFormat, first_id
from mmaudit.formats.pairs import body
from mmaudit.schema import MODALITY_COLUMNS

_BODY = {
    "responseId": "VARCHAR",
    "modelVersion": "VARCHAR",
    "createTime": "VARCHAR",
    "candidates": "JSON",
    "usageMetadata": {
        "promptTokenCount": "VARCHAR",
        "candidatesTokenCount": "VARCHAR",
        "cachedContentTokenCount": "VARCHAR",
        "thoughtsTokenCount": "VARCHAR",
        "toolUsePromptTokenCount": "VARCHAR",
        "totalTokenCount": "VARCHAR",
        "responseTokenCount": "VARCHAR",  # the Live API's name for candidatesTokenCount
        "promptTokensDetails": "JSON",  # [{modality, tokenCount}]: TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT
        "cacheTokensDetails": "JSON",
        "candidatesTokensDetails": "JSON",
        "responseTokensDetails": "JSON",
        "toolUsePromptTokensDetails": "JSON",
    },
    "error": {"code": "VARCHAR", "message": "VARCHAR", "status": "VARCHAR"},
    "promptFeedback": {"blockReason": "VARCHAR", "blockReasonMessage": "VARCHAR"},
    "embedding": "JSON",  # embedContent's answer: {values}
    "embeddings": "JSON",  # batchEmbedContents': [{values}], one per request
    # Vertex AI's `:predict` answer for a text embedding model: per instance its token count,
    # `predictions[].embeddings.statistics.token_count`, and the characters it bills
    "predictions": "JSON",
    "metadata": {"billableCharacterCount": "VARCHAR"},
}
_SNAKE = {  # google-genai's pydantic field names (model_dump() without by_alias)
    "usageMetadata": "usage_metadata", "promptTokenCount": "prompt_token_count",
    "candidatesTokenCount": "candidates_token_count", "cachedContentTokenCount": "cached_content_token_count",
    "thoughtsTokenCount": "thoughts_token_count", "toolUsePromptTokenCount": "tool_use_prompt_token_count",
    "totalTokenCount": "total_token_count",
    "responseId": "response_id", "modelVersion": "model_version", "createTime": "create_time",
    "promptFeedback": "prompt_feedback", "blockReason": "block_reason", "blockReasonMessage": "block_reason_message",
    "responseTokenCount": "response_token_count", "promptTokensDetails": "prompt_tokens_details",
    "cacheTokensDetails": "cache_tokens_details", "candidatesTokensDetails": "candidates_tokens_details",
    "responseTokensDetails": "response_tokens_details", "toolUsePromptTokensDetails": "tool_use_prompt_tokens_details",
}
# google-genai keeps the HTTP answer's headers beside the body (`sdk_http_response.headers`;
# `sdkHttpResponse` in the JS SDK and in by-alias dumps): the served tier is one of them
_BODY["sdk_http_response"] = {"headers": "JSON"}
_BODY["sdkHttpResponse"] = {"headers": "JSON"}
_BODY["usageMetadata"]["serviceTier"] = "VARCHAR"
_BODY["usageMetadata"]["trafficType"] = "VARCHAR"  # Vertex AI only: ON_DEMAND(_PRIORITY|_FLEX), PROVISIONED_THROUGHPUT
_SNAKE["trafficType"] = "traffic_type"
_BODY["usage_metadata"] = {_SNAKE[k]: v for k, v in _BODY["usageMetadata"].items() if k in _SNAKE}
_BODY.update({_SNAKE[k]: "VARCHAR" for k in ("responseId", "modelVersion", "createTime")})
_BODY["prompt_feedback"] = {"block_reason": "VARCHAR", "block_reason_message": "VARCHAR"}
# The Interactions API's answer (`POST /v1beta/interactions`): `object: "interaction"` with its own
# snake_case `usage` totals
_BODY.update({"object": "VARCHAR", "id": "VARCHAR", "model": "VARCHAR", "created": "VARCHAR", "outputs": "JSON", "steps": "JSON",
              "service_tier": "VARCHAR",
              "usage": {**{k: "VARCHAR" for k in ("total_input_tokens", "total_output_tokens", "total_cached_tokens",
                                                  "total_thought_tokens", "total_tool_use_tokens")},
                        **{f"{k}_tokens_by_modality": "JSON" for k in ("input", "tool_use", "cached", "output")},
                        # the grounding tools it ran: [{type: google_search, count, search_query_count}]
                        "grounding_tool_count": "JSON"}})


def field(path: str) -> str:
    """A body field by its camelCase path, else its snake_case one (bare or under `response`)."""
    snake = ".".join(_SNAKE.get(seg, seg) for seg in path.split("."))
    return f"coalesce({body(path)}, {body(snake)})"


_REQUEST = {"model": "VARCHAR", "contents": "JSON", "systemInstruction": {"parts": "JSON"}, "tools": "JSON",
            "content": "JSON", "requests": "JSON",  # an embedContent / batchEmbedContents request
            "input": "JSON",  # an Interactions API request's input: text, or a list of content
            "instances": "JSON",  # a Vertex AI `:predict` request's: [{content}] for a text embedding
            "service_tier": "VARCHAR", "serviceTier": "VARCHAR"}  # the tier asked for (flex, priority)
_WRAPPER = {"timestamp": "VARCHAR", "latency_ms": "VARCHAR", "ttft_ms": "VARCHAR", "provider": "VARCHAR",
            "labels": "JSON", "tags": "JSON",
            "key": "VARCHAR",  # a Gemini API batch output line: {key, response | error}
            "status": "VARCHAR", "processed_time": "VARCHAR",  # a Vertex AI batch prediction output row
            "request_id": "VARCHAR",  # a Vertex AI request-response logging row's (ingest/vertex_logging.py)
            # a captured exchange's `x-gemini-service-tier` response header (ingest/captures.py)
            "response_headers": "JSON"}

RPC_STATUSES = (
    "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "INVALID_ARGUMENT",
    "FAILED_PRECONDITION", "PERMISSION_DENIED", "UNAUTHENTICATED", "NOT_FOUND", "CANCELLED",
    "ABORTED", "UNKNOWN", "UNIMPLEMENTED", "OUT_OF_RANGE", "ALREADY_EXISTS", "DATA_LOSS",
)



_U = "usageMetadata"
# An Interactions API answer's `usage` has generateContent's semantics under other names: input
# (with its cached part) `total_input_tokens`, `total_tool_use_tokens` and `total_thought_tokens`
# beside it (total_tokens = input + output + thought + tool use).
_INTERACTION = f"({body('object')} = 'interaction')"
_IU = "usage"
_THOUGHTS = f"coalesce(mm_int({field(_U + '.thoughtsTokenCount')}), mm_int({body(_IU + '.total_thought_tokens')}), 0)"
_TOOL_PROMPT = (f"coalesce(mm_int({field(_U + '.toolUsePromptTokenCount')}), "
                f"mm_int({body(_IU + '.total_tool_use_tokens')}), 0)")
_PROMPT = f"coalesce({field(_U + '.promptTokenCount')}, {body(_IU + '.total_input_tokens')})"
# Vertex AI's trafficType names the tier it billed when the body has no serviceTier: Priority
# PayGo and Flex PayGo are priced apart from standard (ON_DEMAND, and PROVISIONED_THROUGHPUT,
# whose prepaid calls keep the on-demand price: `provisioned_on_demand` in pricing/assumptions.py).
_TRAFFIC_TIER = (f"CASE {field(_U + '.trafficType')} WHEN 'ON_DEMAND_PRIORITY' THEN 'priority' "
                 f"WHEN 'ON_DEMAND_FLEX' THEN 'flex' END")
# The Gemini API names the tier that served a call only in its `x-gemini-service-tier` response
# header (`standard`, `flex`, `priority`; Google's Flex and Priority pages: a Priority request over
# its limit is served, and billed, at standard, and says so there), kept by a captured exchange
# (`response_headers`, ingest/captures.py) and by a google-genai dump (`sdk_http_response.headers`).
# The request asks with its `service_tier` (`serviceTier`; the enum spelling SERVICE_TIER_FLEX too).
# Only those three names are read as tiers (a header value of any other kind says nothing of the
# price: the call keeps the standard reading).
_SERVED_HEADERS = (f"coalesce(r.response_headers, {body('sdk_http_response.headers')}, "
                   f"{body('sdkHttpResponse.headers')})")


def _tier_name(value: str) -> str:
    """SQL of `value` as a tier mmaudit names (standard, flex, priority; any case, the
    `SERVICE_TIER_` prefix dropped), else NULL."""
    return f"nullif(regexp_extract(lower(trim({value})), '^(?:service_tier_)?(standard|flex|priority)$', 1), '')"


# The header's value (JSON): its name in any case, as recorders keep it (a substring test first:
# most bodies carry no headers, and reading them walks them all)
_SERVED_VALUE = ("CASE WHEN json_type(_g_headers) = 'OBJECT' "
                 "AND contains(lower(CAST(_g_headers AS VARCHAR)), 'x-gemini-service-tier') "
                 "THEN list_filter(map_entries(CAST(json_transform(_g_headers, '\"MAP(VARCHAR, JSON)\"') "
                 "AS MAP(VARCHAR, JSON))), lambda e: lower(e.key) = 'x-gemini-service-tier')[1].value END")
# (a value, or a list of one as VCR keeps a header's values)
_SERVED = _tier_name("coalesce(json_extract_string(_g_served, '$[0]'), json_extract_string(_g_served, '$'))")
_ASKED_TIER = _tier_name("coalesce(r.request.service_tier, r.request.serviceTier)")
# The modality breakdowns of input, cache reads and output (the Live API names output's its own way).
# (an interaction's: `usage.<input|tool_use|cached|output>_tokens_by_modality`, `[{modality, tokens}]`)
_DETAILS = (("promptTokensDetails", "toolUsePromptTokensDetails", "usage.input_tokens_by_modality",
             "usage.tool_use_tokens_by_modality"), ("cacheTokensDetails", "usage.cached_tokens_by_modality"),
            ("candidatesTokensDetails", "responseTokensDetails", "usage.output_tokens_by_modality"))
# Output: candidatesTokenCount, or the Live API's responseTokenCount (its usage messages name it so).
_CANDIDATE_COUNT = (f"coalesce({field(_U + '.candidatesTokenCount')}, {field(_U + '.responseTokenCount')}, "
                    f"{body(_IU + '.total_output_tokens')})")
# The thinking models' first previews (gemini-2.5-flash-preview-04-17, gemini-2.5-pro-exp-03-25,
# April 2025) counted the thoughts INSIDE candidatesTokenCount: their totalTokenCount is prompt +
# tool-use prompt + candidates, with thoughtsTokenCount beside as the part of candidates that was
# thinking (8 + 87 = 95 with 79 thoughts). Their output is then the candidates alone; adding the
# thoughts again counted them twice. The body's own total tells the two readings apart.
_THOUGHTS_INSIDE = (f"(_g_thoughts > 0 AND mm_int(_g_candidate_count) >= _g_thoughts AND "
                    f"mm_int({field(_U + '.totalTokenCount')}) = mm_int(_g_prompt) + {_TOOL_PROMPT} "
                    "+ mm_int(_g_candidate_count))")


# The breakdown entries each modality column counts: a PDF's pages are read as images (Gemini
# tokenises a page as an image, and genai-prices' extractor bills DOCUMENT entries as image tokens).
_ENTRIES = {"AUDIO": ("AUDIO",), "IMAGE": ("IMAGE", "DOCUMENT")}


def _detail_helper(detail: str) -> str:
    """The helper column holding a modality breakdown (`_VALUES`)."""
    return "_g_" + re.sub(r"[^a-z]+", "_", detail.lower())


def _detail_sql(detail: str) -> str:
    return body(detail) if detail.startswith(_IU + ".") else field(_U + "." + detail)


def _modality(modality: str, *details: str) -> str:
    """The tokens of one modality's entries (AUDIO; IMAGE with DOCUMENT) in modality breakdowns
    (`[{modality, tokenCount}]`, camelCase or snake_case; an entry without a count is 0, as Gemini
    leaves zero counts out)."""
    names = _ENTRIES[modality]
    paths = [_detail_helper(d) for d in details]
    lists = ", ".join(f"coalesce(json_extract({p}, '$[*]'), [])" for p in paths)
    entries = f"list_concat({lists})" if len(details) > 1 else lists
    count = ("coalesce(mm_int(coalesce(json_extract_string(d, '$.tokenCount'), json_extract_string(d, '$.token_count'), "
             "json_extract_string(d, '$.tokens'))), 0)")
    wanted = ", ".join(f"'{n}'" for n in names)
    summed = (f"coalesce(list_sum(list_transform(list_filter({entries}, "
              f"lambda d: upper(json_extract_string(d, '$.modality')) IN ({wanted})), lambda d: {count})), 0)")
    # most calls carry text alone: a substring test on the lists' text spares them the JSON walk
    text = " || ".join(f"coalesce(CAST({p} AS VARCHAR), '')" for p in paths)
    seen = " OR ".join(f"contains(lower({text}), '{n.lower()}')" for n in names)
    return f"CASE WHEN {seen} THEN {summed} ELSE 0 END"


# Batch output: the Gemini API's file of `{key, response}` lines (the key is the request's own
# key, unique within one job only, so it is no call id) and Vertex AI's batch prediction rows
# `{status, processed_time, request, response}` (`status` "" when the request succeeded, else the
# error as text). Both are billed at the batch discount (docs: 50% of the standard request).
_GEMINI_BATCH = "(r.key IS NOT NULL AND (r.response IS NOT NULL OR r.error IS NOT NULL))"
_VERTEX_BATCH = "(r.processed_time IS NOT NULL AND r.status IS NOT NULL)"
_VERTEX_BATCH_FAILED = f"({_VERTEX_BATCH} AND trim(r.status) <> '')"
_ERR = body("error")
# the block reason, or (a recorded Firebase response names none) "unspecified" when only its message is there
_BLOCK = (f"coalesce({field('promptFeedback.blockReason')}, "
          f"CASE WHEN {field('promptFeedback.blockReasonMessage')} IS NOT NULL THEN 'unspecified' END)")
# a failed Vertex batch row's error, written into its `status` text:
# `Bad Request: {"error": {"code": 400, ... "status": "INVALID_ARGUMENT"}}`
_ROW_ERROR = f"CASE WHEN {_VERTEX_BATCH_FAILED} THEN r.status END"
_ROW_CODE = f"TRY_CAST(nullif(regexp_extract({_ROW_ERROR}, '\"code\":\\s*([0-9]{{3}})', 1), '') AS INTEGER)"
_ROW_STATUS = f"nullif(regexp_extract({_ROW_ERROR}, '\"status\":\\s*\"([A-Z_]+)\"', 1), '')"
_STATUS_LIST = ", ".join(f"'{s}'" for s in RPC_STATUSES)
_HTTP = (
    f"coalesce(mm_int({_ERR}.code), {_ROW_CODE}, CASE coalesce({_ERR}.status, {_ROW_STATUS}) "
    "WHEN 'RESOURCE_EXHAUSTED' THEN 429 WHEN 'UNAVAILABLE' THEN 503 "
    "WHEN 'INTERNAL' THEN 500 WHEN 'DEADLINE_EXCEEDED' THEN 504 WHEN 'INVALID_ARGUMENT' THEN 400 "
    "WHEN 'PERMISSION_DENIED' THEN 403 WHEN 'UNAUTHENTICATED' THEN 401 WHEN 'NOT_FOUND' THEN 404 END)"
)
_CANDIDATES = f"coalesce({body('candidates')}, '[]')"
# A Vertex AI text embedding `:predict` answer (Vertex only): the instances' token counts
_PREDICTED = f"(json_extract({body('predictions')}, '$[0].embeddings') IS NOT NULL)"
_PREDICTED_TOKENS = (f"list_sum(list_transform(coalesce(json_extract({body('predictions')}, "
                 "'$[*].embeddings.statistics.token_count'), []), lambda t: mm_int(CAST(t AS VARCHAR))))")
_INSTANCES = "nullif(array_to_string(json_extract_string(r.request.instances, '$[*].content'), chr(10)), '')"
# A streamed chunk before the last: its response id repeats, and it has candidates, none finished.
# Its counts are provisional (the last chunk's promptTokenCount can be larger), so the finished
# chunk's usage wins (mmaudit/conflicts.py). A single body without a finishReason is not a chunk.
_FINISHED = (f"len(list_filter(list_concat(json_extract_string({_CANDIDATES}, '$[*].finishReason'), "
             f"json_extract_string({_CANDIDATES}, '$[*].finish_reason')), lambda x: x IS NOT NULL)) > 0")
_UNFINISHED = (
    f"({field('responseId')} IS NOT NULL AND json_array_length({_CANDIDATES}) > 0 AND NOT {_FINISHED} "
    f"AND count(*) OVER ({BY_FILE}, {field('responseId')}) > 1)"
)
# A stream logged chunk by chunk WITHOUT a responseId (older Gemini API responses, Firebase AI
# Logic, some SDK recorders): every chunk repeats promptTokenCount, so read as bodies each would be
# a call and the prompt would be counted once per chunk. Such chunks are the id-less bodies with
# candidates that run up to the next one with a finishReason (which carries the stream's final
# usage): each run of two or more is one call, under an id made from its first and last lines (and
# its place among identical runs of the file, as id-less records are counted), and the unfinished
# chunks are its provisional versions. A single finished body is a call on its own, as before.
_IDLESS, _FIN, _RUN, _RUN_KEY = "_g_idless", "_g_fin", "_g_run", "_g_run_key"
_RUN_WINDOW = f"({BY_FILE}, {_IDLESS}, {_RUN} ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
_HELPERS = {
    _IDLESS: f"({field('responseId')} IS NULL AND coalesce(json_array_length({_CANDIDATES}), 0) > 0)",
    _FIN: f"coalesce({_FINISHED}, false)",
    _RUN: (f"coalesce(sum(CASE WHEN {_FIN} THEN 1 ELSE 0 END) OVER ({BY_FILE}, {_IDLESS} ORDER BY line_no "
           "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"),
    _RUN_KEY: (f"CASE WHEN {_IDLESS} AND count(*) OVER {_RUN_WINDOW} > 1 THEN "
               f"md5(first_value(line) OVER {_RUN_WINDOW} || chr(10) || last_value(line) OVER {_RUN_WINDOW}) END"),
}
_RUN_ID = (f"CASE WHEN {_RUN_KEY} IS NOT NULL THEN 'gs-' || {_RUN_KEY} || '-' "
           f"|| dense_rank() OVER ({BY_FILE}, {_RUN_KEY} ORDER BY {_RUN}) END")
# Grounding with Google Search: the queries the model ran, listed per candidate
# (`groundingMetadata.webSearchQueries`, snake_case in SDK dumps). Google bills Gemini 3 per query
# and Gemini 2.x once per grounded request (mmaudit/data/pricing/search_billing.yaml). Most calls
# do not search: a substring test on the candidates' text spares them the JSON walk.
_QUERIES = (
    f"CASE WHEN contains(CAST({_CANDIDATES} AS VARCHAR), 'earchQueries') "
    f"OR contains(CAST({_CANDIDATES} AS VARCHAR), 'earch_queries') "
    f"THEN len(list_concat(coalesce(json_extract({_CANDIDATES}, '$[*].groundingMetadata.webSearchQueries[*]'), []), "
    f"coalesce(json_extract({_CANDIDATES}, '$[*].grounding_metadata.web_search_queries[*]'), []))) ELSE 0 END"
)
# An interaction's searches: Google Search's `search_query_count` in `usage.grounding_tool_count`,
# else the queries of its `google_search_call` steps (it has no groundingMetadata).
_STEPS = f"coalesce(json_extract({body('steps')}, '$[*]'), [])"
_INTERACTION_QUERIES = (
    f"coalesce(list_sum(list_transform(list_filter(coalesce(json_extract({body(_IU + '.grounding_tool_count')}, '$[*]'), []), "
    "lambda g: json_extract_string(g, '$.type') = 'google_search'), "
    "lambda g: coalesce(mm_int(json_extract_string(g, '$.search_query_count')), 0))), "
    f"list_sum(list_transform(list_filter({_STEPS}, lambda t: json_extract_string(t, '$.type') = 'google_search_call'), "
    "lambda t: coalesce(json_array_length(json_extract(t, '$.arguments.queries')), 0))), 0)"
)
_CONTENTS = "r.request.contents"
# Gemini messages are {role, parts: [{text}]}; their text is the parts' text.
_ALL = f"nullif(array_to_string(json_extract_string({_CONTENTS}, '$[*].parts[*].text'), chr(10)), '')"
_USER = (
    f"nullif(array_to_string(json_extract_string(list_filter(json_extract({_CONTENTS}, '$[*]'), "
    "lambda m: coalesce(json_extract_string(m, '$.role'), 'user') = 'user')[-1], '$.parts[*].text'), chr(10)), '')"
)
# an interaction's input: a string, or the text of its list of content
_INPUT = ("CASE WHEN json_type(r.request.input) = 'VARCHAR' THEN json_extract_string(r.request.input, '$') "
          "ELSE nullif(array_to_string(json_extract_string(r.request.input, '$[*].text'), chr(10)), '') END")
_SYSTEM = "nullif(array_to_string(json_extract_string(r.request.systemInstruction.parts, '$[*].text'), chr(10)), '')"
_TEXT = (
    f"nullif(array_to_string(list_transform(list_filter(json_extract({body('candidates')}, '$[0].content.parts[*]'), "
    "lambda p: NOT coalesce(json_extract(p, '$.thought')::BOOLEAN, false)), "
    "lambda p: json_extract_string(p, '$.text')), ''), '')"
)
# an interaction's answer: its `outputs` of type text (thoughts are their own type), or in newer
# answers the text of its `steps` of type model_output
_OUTPUT_TEXT = (f"nullif(array_to_string(list_concat(list_transform(list_filter(coalesce(json_extract({body('outputs')}, "
                "'$[*]'), []), lambda o: json_extract_string(o, '$.type') = 'text'), "
                "lambda o: json_extract_string(o, '$.text')), "
                f"list_transform(list_filter(coalesce(json_extract({body('steps')}, '$[*]'), []), "
                "lambda o: json_extract_string(o, '$.type') = 'model_output'), "
                "lambda o: array_to_string(json_extract_string(o, '$.content[*].text'), ''))), ''), '')")

# An embeddings answer (`embedding: {values}`, `embeddings: [{values}]`: never Ollama's lists of
# numbers) to an embedContent / batchEmbedContents request: no counts, so its input is counted from
# the request's text
_EMBEDDED = (f"(json_extract({body('embedding')}, '$.values') IS NOT NULL "
             f"OR json_extract({body('embeddings')}, '$[0].values') IS NOT NULL)")
_EMBED = f"({_EMBEDDED} AND (r.request.content IS NOT NULL OR r.request.requests IS NOT NULL))"
_EMBED_TEXT = ("nullif(array_to_string(list_concat(coalesce(json_extract_string(r.request.content, '$.parts[*].text'), []), "
               "coalesce(json_extract_string(r.request.requests, '$[*].content.parts[*].text'), [])), chr(10)), '')")
_EMBED_MODEL = "json_extract_string(r.request.requests, '$[0].model')"

# Values several columns read, computed once per record (LogFormat.helpers) and named in the
# columns: written inline, every column repeated them, and DuckDB took ~0.15 s to plan the projection.
_VALUES = {
    "_g_block": _BLOCK,
    # blocked: a block reason and no candidates
    "_g_blocked": f"(_g_block IS NOT NULL AND json_array_length(coalesce({body('candidates')}, '[]')) = 0)",
    # failed: an error, a blocked prompt or a failed Vertex batch row
    "_g_failed": f"({_ERR}.status IS NOT NULL OR {_ERR}.code IS NOT NULL OR _g_blocked OR {_VERTEX_BATCH_FAILED})",
    "_g_http": _HTTP,
    "_g_prompt": _PROMPT,
    "_g_candidate_count": _CANDIDATE_COUNT,
    "_g_thoughts": _THOUGHTS,
    "_g_thoughts_inside": _THOUGHTS_INSIDE,
    "_g_interaction": _INTERACTION,
    "_g_embed": _EMBED,
    "_g_predicted": _PREDICTED,
    "_g_traffic_type": field(_U + ".trafficType"),
    "_g_headers": _SERVED_HEADERS,
    "_g_served": _SERVED_VALUE,
    **{_detail_helper(d): _detail_sql(d) for group in _DETAILS for d in group},
}

# A `modelVersion` (snake_case `model_version` in SDK dumps) alone says Gemini only when it names a
# Gemini-family model or comes with a `responseId`: Aleph Alpha's /complete answers a
# `model_version: "2022-04"` too, and such a call was read as Google's, of a model named "2022-04"
_GEMINI_VERSION = (f"({field('modelVersion')} IS NOT NULL AND ({field('responseId')} IS NOT NULL "
                   f"OR regexp_matches(lower({field('modelVersion')}), 'gemini|gemma|learnlm')))")

FORMAT = LogFormat(
    name="gemini",
    description="Google Gemini / Vertex AI GenerateContentResponse bodies, {request, response} pairs, google.rpc error bodies",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **_WRAPPER},
    detect=(
        f"({field('usageMetadata.promptTokenCount')} IS NOT NULL OR {_GEMINI_VERSION} "
        f"OR {body('candidates')} IS NOT NULL OR {_ERR}.status IN ({_STATUS_LIST}) "
        f"OR ({_INTERACTION} AND {body(_IU)} IS NOT NULL) "
        f"OR ({_VERTEX_BATCH_FAILED} AND r.request.contents IS NOT NULL) OR {_EMBED} OR {_PREDICTED})"
    ),
    detect_hint=("`usageMetadata`, `candidates` or `modelVersion` (bare or under `response`), an Interactions API "
                 "`object: \"interaction\"` with `usage`, an `error` with a google.rpc `status`, an embeddings answer "
                 "(`embedding`/`embeddings` with `values`) to a `content`/`requests` request, or a Vertex AI "
                 "embedding `predictions` answer"),
    columns={
        "call_id": f"coalesce({field('responseId')}, r.request_id, {_RUN_ID}, CASE WHEN _g_interaction THEN {body('id')} END)",
        "ts": (f"coalesce(mm_ts(r.timestamp), mm_ts({field('createTime')}), mm_ts(r.processed_time), "
               f"CASE WHEN _g_interaction THEN mm_ts({body('created')}) END)"),
        "provider": (f"coalesce(r.provider, CASE WHEN _g_traffic_type IS NOT NULL OR {_VERTEX_BATCH} OR _g_predicted "
                     "THEN 'vertex' END, 'google')"),
        "is_batch": f"({_GEMINI_BATCH} OR {_VERTEX_BATCH})",
        "model": first_id(field("modelVersion"),
                          f"regexp_replace({first_id('r.request.model', _EMBED_MODEL)}, '^models/', '')",
                          f"CASE WHEN _g_interaction THEN regexp_replace({body('model')}, '^models/', '') END"),
        "operation": "CASE WHEN _g_embed OR _g_predicted THEN 'embedding' ELSE 'chat' END",
        "input_tokens": f"coalesce(mm_int(_g_prompt) + {_TOOL_PROMPT}, CASE WHEN _g_predicted THEN {_PREDICTED_TOKENS} END)",
        "cached_input_tokens": (f"coalesce(mm_int({field(_U + '.cachedContentTokenCount')}), "
                                f"mm_int({body(_IU + '.total_cached_tokens')}), 0)"),
        "output_tokens": (
            "CASE WHEN _g_prompt IS NOT NULL OR _g_candidate_count IS NOT NULL "
            "THEN coalesce(mm_int(_g_candidate_count), 0) + CASE WHEN _g_thoughts_inside THEN 0 ELSE _g_thoughts END "
            "WHEN _g_embed OR _g_predicted THEN 0 END"
        ),
        "reasoning_tokens": "_g_thoughts",
        **{column: _modality(modality.upper(), *details)
           for modality, columns in MODALITY_COLUMNS.items()
           for column, details in zip(columns, _DETAILS, strict=True)},
        "tokens_estimated": f"coalesce({_UNFINISHED} OR ({_RUN_KEY} IS NOT NULL AND NOT {_FIN}), false)",
        # what served the call (the header), else what the body says, else (no word of the answer's
        # on it: a Vertex trafficType is one) what the request asked for
        "service_tier": (f"coalesce({_SERVED}, {body(_U + '.serviceTier')}, {_TRAFFIC_TIER}, "
                         f"CASE WHEN _g_interaction THEN {body('service_tier')} END, "
                         f"CASE WHEN _g_traffic_type IS NULL THEN {_ASKED_TIER} END)"),
        "web_searches": f"CASE WHEN _g_interaction THEN {_INTERACTION_QUERIES} ELSE {_QUERIES} END",
        "latency_ms": "mm_num(r.latency_ms)",
        "ttft_ms": "mm_num(r.ttft_ms)",
        "status": "CASE WHEN _g_failed THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN _g_blocked THEN 'content_filter' "
        f"WHEN _g_failed THEN coalesce(mm_error_type(_g_http::INTEGER, coalesce({_ERR}.status, {_ROW_STATUS})), 'unknown') END",
        "http_status": "CASE WHEN _g_blocked THEN 200 WHEN _g_failed THEN _g_http ELSE 200 END",
        "tags": f"mm_merge_tags(mm_merge_tags(mm_tags(r.labels), mm_tags(r.tags)), "
        f"mm_merge_tags(CASE WHEN _g_blocked THEN MAP {{'blocked': _g_block}} END, "
        f"mm_merge_tags(CASE WHEN _g_traffic_type IS NOT NULL THEN MAP {{'traffic_type': _g_traffic_type}} END, "
        f"CASE WHEN {body('metadata.billableCharacterCount')} IS NOT NULL "
        f"THEN MAP {{'billable_characters': {body('metadata.billableCharacterCount')}}} END)))",
        "system_prompt": _SYSTEM,
        "user_prompt": f"coalesce({_USER}, {_INPUT}, {_INSTANCES})",
        "response_text": f"coalesce({_TEXT}, {_OUTPUT_TEXT})",
        "prompt_chars": f"length(nullif(concat_ws(chr(10), {_SYSTEM}, coalesce({_ALL}, {_INPUT})), ''))",
        "n_messages": f"json_array_length({_CONTENTS})",
        "n_tools": f"CASE WHEN {_CONTENTS} IS NOT NULL THEN coalesce(json_array_length(r.request.tools), 0) END",
        "has_image": f"coalesce(regexp_matches(CAST({_CONTENTS} AS VARCHAR), '\"(inlineData|fileData|inline_data|file_data)\"'), false)",
    },
    numbers=tuple(f"{p}{u}.{k}" for p in ("", "response.") for u, keys in (
        (_IU, ("total_input_tokens", "total_output_tokens", "total_cached_tokens", "total_thought_tokens",
               "total_tool_use_tokens")),
        (_U, ("promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
              "totalTokenCount", "responseTokenCount")),
        ("usage_metadata", ("prompt_token_count", "candidates_token_count", "cached_content_token_count",
                            "thoughts_token_count", "total_token_count", "response_token_count"))) for k in keys),
    times=("createTime", "response.createTime", "create_time", "response.create_time", "timestamp", "processed_time"),
    prompt_text=f"coalesce(nullif(concat_ws(chr(10), {_SYSTEM}, coalesce({_ALL}, {_INPUT})), ''), {_EMBED_TEXT})",
    output_text=f"coalesce({_TEXT}, {_OUTPUT_TEXT})",
    helpers={**_VALUES, **_HELPERS},
)
