"""OpenTelemetry model-call spans in OTLP JSON (the OTLP file exporter / collector `file` exporter:
one `{"resourceSpans": [...]}` batch per line, MANY spans per line), in the two conventions
instrumentations write: the GenAI semantic conventions (`gen_ai.*`, with the older names
OpenLLMetry and OpenLIT still emit) and OpenInference (`llm.*`, Arize Phoenix's instrumentors).

Uses `LogFormat.explode`: every span of a line becomes one record (sharing the line number), and
`keep` admits only model-call spans: `gen_ai.operation.name` chat, text_completion,
generate_content or embeddings, or `openinference.span.kind` LLM or EMBEDDING. `invoke_agent` /
`execute_tool` spans, OpenInference CHAIN / AGENT / TOOL spans and plain HTTP spans are not calls:
an agent span's usage aggregates its children's, so counting it would double count. For the same
reason a call span that is the parent of another call span (LangChain's LLM span around the
OpenAI instrumentor's span of the same request, both enabled) is not loaded: the inner span is
the call. A line with no call span is counted as skipped.

`gen_ai.usage.input_tokens` (older `prompt_tokens`; OpenInference `llm.token_count.prompt`)
includes cached input by both conventions; `cache_read` / `cache_creation` (`cache_write`) are its
cached shares, and `reasoning` the reasoning share of the output. The 1-hour share of Anthropic's
cache writes (billed at 2x input, not 1.25x) is read from the provider's own usage where a span
keeps it (the Vercel AI SDK's `ai.response.providerMetadata`). Claude Code's own tracing spans
(`claude_code.llm_request`) carry Anthropic's counts under bare names (`input_tokens` without the
`cache_read_tokens` and `cache_creation_tokens`, added back), `ttft_ms`, `success` and `speed`
(fast mode: tier `fast`). pydantic-ai (Logfire) wrote
these shares, before it also wrote the convention's names, as `gen_ai.usage.details.
cache_read_tokens`, `cache_write_tokens`, `reasoning_tokens`, `input_audio_tokens`,
`cache_audio_read_tokens` and `output_audio_tokens`; they are read the same. The
instrumentation's own cost (pydantic-ai's `operation.cost`, OpenLIT's `gen_ai.usage.cost`,
LiteLLM's `gen_ai.cost.total_cost`, USD) is the logged cost; LiteLLM's cache and reasoning counts
are in its `metadata.usage_object` (a Python dict's repr). Some instrumentations pass
Anthropic's uncached `input_tokens` through unchanged: an input count smaller than its own cached
shares cannot include them, and is read as the uncached part (the shares are added). So does the
Vercel AI SDK 4 and 5 for Anthropic and Bedrock (`ai.usage.promptTokens` / `inputTokens` is the
provider's count, which leaves the cache out), whatever the sizes: such a span (provider
`anthropic.messages`, `vertex.anthropic.messages`, `amazon-bedrock`, or an `anthropic` / `bedrock.
usage` entry in `ai.response.providerMetadata`) counts its own input plus the cache reads
(`ai.usage.cachedInputTokens`, or in AI SDK 4 providerMetadata's `anthropic.cacheReadInputTokens` /
`bedrock.usage.cacheReadInputTokens`) and writes, which these SDKs keep only in providerMetadata
(`anthropic.usage.cache_creation_input_tokens`, `anthropic.cacheCreationInputTokens`,
`bedrock.usage.cacheWriteInputTokens`); a Claude call writing 9,650 tokens to the cache was read
as its 10 uncached tokens, priced at 0.3% of its cost. AI SDK 6 counts the cache in
`ai.usage.inputTokens` and writes its breakdown, `ai.usage.inputTokenDetails.noCacheTokens|
cacheReadTokens|cacheWriteTokens` (and `outputTokenDetails.textTokens|reasoningTokens`): the
writes are read from it (they were priced as plain input). OpenAI's and Google's counts include
the cache in every version and are kept as logged. `status.code`
2 (ERROR) or an `error.type` attribute marks a failure. call_id = traceId:spanId.

Text, for the categoriser: `gen_ai.input.messages` / `gen_ai.system_instructions` /
`gen_ai.output.messages` (JSON strings of role + parts), or the indexed attributes older
instrumentations write (`gen_ai.prompt.<i>.role|content`, `gen_ai.completion.0.content`;
OpenInference `llm.input_messages.<i>.message.role|content|contents.<j>.message_content.text`,
`llm.output_messages.0.message.content`), Logfire's `events` attribute, or the Vercel AI SDK's
`ai.prompt.messages` / `ai.response.text`. Content capture is opt-in in most instrumentations, so
many spans carry none.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id
from mmaudit.formats.chat_text import list_texts

_SPAN = {
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "parentSpanId": "VARCHAR",
    "name": "VARCHAR",
    "startTimeUnixNano": "VARCHAR",
    "endTimeUnixNano": "VARCHAR",
    "attributes": "JSON",
    "status": {"code": "VARCHAR", "message": "VARCHAR"},
}
CALL_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings")
CALL_KINDS = ("LLM", "EMBEDDING")
_ATTRS_JSON = "json_extract(r.attributes, '$[*]')"


def _value(item: str) -> str:
    """An attribute's value (`{stringValue|intValue|doubleValue|boolValue}`) as text; intValue may be
    a JSON string or number, both read the same."""
    return (
        f"coalesce(json_extract_string({item}, '$.value.stringValue'), json_extract_string({item}, '$.value.intValue'), "
        f"json_extract_string({item}, '$.value.doubleValue'), json_extract_string({item}, '$.value.boolValue'))"
    )


# helper: the span's attributes parsed once into [{k, v}]; the columns look keys up in it (each
# lookup in the JSON itself would parse the whole attribute list again)
_ATTRS = "_attrs"
_PARSED_ATTRS = f"list_transform({_ATTRS_JSON}, lambda a: {{'k': json_extract_string(a, '$.key'), 'v': {_value('a')}}})"


def _span_attr(key: str) -> str:
    """One attribute's value read from the span's JSON (for `keep`, which runs before the helpers)."""
    return _value(f"list_filter({_ATTRS_JSON}, lambda a: json_extract_string(a, '$.key') = '{key}')[1]")


def attr(key: str) -> str:
    """The value of one span attribute, as text."""
    return f"list_filter({_ATTRS}, lambda a: a.k = '{key}')[1].v"


def first(*keys: str) -> str:
    """The first of several attribute names (a convention's current and older names) that is set."""
    return "coalesce(" + ", ".join(attr(k) for k in keys) + ")"


def count(*keys: str) -> str:
    return f"mm_int({first(*keys)})"


_OP = attr("gen_ai.operation.name")
_KIND = attr("openinference.span.kind")
_SPAN_OP = _span_attr("gen_ai.operation.name")
_SPAN_KIND = _span_attr("openinference.span.kind")
_OPS = ", ".join(f"'{o}'" for o in CALL_OPERATIONS)
_KINDS = ", ".join(f"'{k}'" for k in CALL_KINDS)
_EMBEDDING = f"({_OP} = 'embeddings' OR {_KIND} = 'EMBEDDING')"
# Claude Code's own tracing (`com.anthropic.claude_code.tracing`): a `claude_code.llm_request` span
# per model request, with Anthropic's counts under bare names (`input_tokens` excludes
# `cache_read_tokens` and `cache_creation_tokens`), `ttft_ms`, `success` and `speed`
_CC_SPAN = "(r.name = 'claude_code.llm_request')"
_FAILED = (f"(r.status.code IN ('2', 'STATUS_CODE_ERROR') OR {attr('error.type')} IS NOT NULL "
           f"OR ({_CC_SPAN} AND {attr('success')} = 'false'))")
_HTTP = f"mm_int({attr('http.response.status_code')})::INTEGER"
# Nanoseconds as integers: a DOUBLE cannot hold them to the microsecond.
_T0 = "TRY_CAST(r.startTimeUnixNano AS BIGINT)"
_T1 = "TRY_CAST(r.endTimeUnixNano AS BIGINT)"

# Each share of a call's counts under the names the conventions and instrumentations give it:
# GenAI semconv (current, then older), OpenLLMetry/OpenLIT, OpenInference, the Vercel AI SDK,
# pydantic-ai's older `gen_ai.usage.details.*`, and the names Langfuse's ingestion normalises
_READ_KEYS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
              "llm.token_count.prompt_details.cache_read", "ai.usage.cachedInputTokens",
              "ai.usage.inputTokenDetails.cacheReadTokens", "gen_ai.usage.details.cache_read_tokens")
_WRITE_KEYS = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
               "llm.token_count.prompt_details.cache_write", "ai.usage.inputTokenDetails.cacheWriteTokens",
               "gen_ai.usage.details.cache_write_tokens")
_REASONING_KEYS = ("gen_ai.usage.reasoning.output_tokens", "llm.token_count.completion_details.reasoning",
                   "ai.usage.reasoningTokens", "ai.usage.outputTokenDetails.reasoningTokens",
                   "gen_ai.usage.details.reasoning_tokens", "gen_ai.usage.reasoning_tokens",
                   "llm.token_count.reasoning_tokens")
_INPUT_AUDIO_KEYS = ("llm.token_count.prompt_details.audio", "gen_ai.usage.details.input_audio_tokens")
_OUTPUT_AUDIO_KEYS = ("llm.token_count.completion_details.audio", "gen_ai.usage.details.output_audio_tokens")
_LOGGED_INPUT = count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
                      "ai.usage.inputTokens", "ai.usage.promptTokens")
# LiteLLM's OpenTelemetry spans carry no cache or reasoning attribute; their counts are in
# `metadata.usage_object`, the usage written as a Python dict's repr (`{'prompt_tokens': 412, ...,
# 'prompt_tokens_details': {'cached_tokens': 256, ...}}`, not JSON): one count of it by its name
# (a gpt-4o-mini span's 256 cache reads were read as none, and it was priced 33% above the
# `gen_ai.cost.total_cost` LiteLLM logged)
_LITELLM_USAGE = "_litellm_usage"


def _litellm_count(name: str) -> str:
    pattern = f"''{name}'':\\s*([0-9]+)"  # SQL text: 'name': 123
    return f"mm_int(nullif(regexp_extract({_LITELLM_USAGE}, '{pattern}', 1), ''))"


# The Vercel AI SDK (its `ai.generateText.doGenerate` / `ai.streamText.doStream` spans). Its own
# count is `ai.usage.inputTokens` (AI SDK 5, 6) or `ai.usage.promptTokens` (4), the same number it
# writes as `gen_ai.usage.input_tokens`. What that number holds depends on the SDK version:
# - AI SDK 6 writes the breakdown, `ai.usage.inputTokenDetails.noCacheTokens|cacheReadTokens|
#   cacheWriteTokens`, and `inputTokens` is their total (its Anthropic and Bedrock providers add the
#   cache to the provider's count: convertAnthropicMessagesUsage, convertBedrockUsage).
# - AI SDK 4 and 5 pass the provider's own count through. OpenAI's and Google's include the cache,
#   Anthropic's (`input_tokens`) and Bedrock Converse's (`inputTokens`) do not: their cache counts
#   are beside it, and for writes (and in AI SDK 4 for reads) only inside the
#   `ai.response.providerMetadata` JSON: `anthropic.usage` (Anthropic's raw usage, AI SDK 5),
#   `anthropic.cacheCreationInputTokens` / `cacheReadInputTokens` (4, 5), `bedrock.usage.
#   cacheWriteInputTokens` / `cacheReadInputTokens` (4, 5). AI SDK 5's `ai.usage.cachedInputTokens`
#   is the provider's read count, inside the input for OpenAI, beside it for these two.
# So a span of AI SDK 4 or 5 (no inputTokenDetails) whose provider is Anthropic's Messages API
# (`anthropic.messages`, `vertex.anthropic.messages`) or Bedrock (`amazon-bedrock`), or whose
# providerMetadata has an `anthropic` entry or Bedrock's usage, counts input as its own count plus
# the cache reads and writes. LangSmith's AI SDK exporter (extractUsageMetadata: "AI SDK does not
# include Anthropic cache tokens in their stated input token numbers") reads it the same way. Read
# as logged, a claude-haiku-4-5 call writing 9,650 tokens to the cache (10 uncached, 5 out) was 10
# input tokens and $0.000035, not $0.0120975.
_AI_SDK_INPUT = count("ai.usage.inputTokens", "ai.usage.promptTokens")
_AI_SDK_NO_CACHE = count("ai.usage.inputTokenDetails.noCacheTokens")
_AI_SDK_DETAILS = first("ai.usage.inputTokenDetails.noCacheTokens", "ai.usage.inputTokenDetails.cacheReadTokens",
                        "ai.usage.inputTokenDetails.cacheWriteTokens")
_PROVIDER_METADATA = attr("ai.response.providerMetadata")


def _metadata_count(*paths: str) -> str:
    """The first of several counts inside the AI SDK's `ai.response.providerMetadata` (a JSON
    string) that is set; JSON null (the SDK writes a missing count as null) is not set."""
    listed = ", ".join(f"'{p}'" for p in paths)
    found = f"list_filter(json_extract_string({_PROVIDER_METADATA}, [{listed}]), lambda x: x IS NOT NULL)[1]"
    return f"CASE WHEN json_valid({_PROVIDER_METADATA}) THEN mm_int({found}) END"


_METADATA_READ = _metadata_count("$.anthropic.usage.cache_read_input_tokens", "$.anthropic.cacheReadInputTokens",
                                 "$.bedrock.usage.cacheReadInputTokens")
_METADATA_WRITE = _metadata_count("$.anthropic.usage.cache_creation_input_tokens",
                                  "$.anthropic.cacheCreationInputTokens", "$.bedrock.usage.cacheWriteInputTokens")
_CACHE_BESIDE_INPUT = (
    f"regexp_matches(coalesce({attr('ai.model.provider')}, ''), '(^|\\.)anthropic\\.messages$|^amazon-bedrock$') "
    f"OR (json_valid({_PROVIDER_METADATA}) AND (json_type({_PROVIDER_METADATA}, '$.anthropic') = 'OBJECT' "
    f"OR json_type({_PROVIDER_METADATA}, '$.bedrock.usage') = 'OBJECT'))"
)
_AI_SDK_EXCLUSIVE = f"({_AI_SDK_INPUT} IS NOT NULL AND {_AI_SDK_DETAILS} IS NULL AND ({_CACHE_BESIDE_INPUT}))"

_READ = (
    f"coalesce({count(*_READ_KEYS)}, CASE WHEN {_CC_SPAN} THEN {count('cache_read_tokens')} END, "
    f"{_litellm_count('cached_tokens')}, {_litellm_count('cache_read_input_tokens')}, {_METADATA_READ}, 0)"
)
_WRITE = (
    f"coalesce({count(*_WRITE_KEYS)}, CASE WHEN {_CC_SPAN} THEN {count('cache_creation_tokens')} END, "
    f"{_litellm_count('cache_creation_input_tokens')}, {_METADATA_WRITE}, 0)"
)
_INPUT = (f"CASE WHEN {_CC_SPAN} AND {_LOGGED_INPUT} IS NULL THEN {count('input_tokens')} + {_READ} + {_WRITE} "
          f"WHEN {_AI_SDK_EXCLUSIVE} THEN {_AI_SDK_INPUT} + {_READ} + {_WRITE} "
          f"WHEN {_LOGGED_INPUT} < {_READ} + {_WRITE} THEN {_LOGGED_INPUT} + {_READ} + {_WRITE} "
          # AI SDK 6's breakdown without its total: the uncached part and the cache
          f"ELSE coalesce({_LOGGED_INPUT}, {_AI_SDK_NO_CACHE} + {_READ} + {_WRITE}) END")
_LOGGED_OUTPUT = count("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
                       "ai.usage.outputTokens", "ai.usage.completionTokens")
# AI SDK 6's output breakdown without its total: text + reasoning
_AI_SDK_OUTPUT_PARTS = (f"{count('ai.usage.outputTokenDetails.textTokens')} "
                        f"+ coalesce({count('ai.usage.outputTokenDetails.reasoningTokens')}, 0)")
_OUTPUT = f"coalesce({_LOGGED_OUTPUT}, CASE WHEN {_CC_SPAN} THEN {count('output_tokens')} END, {_AI_SDK_OUTPUT_PARTS})"

# --- text -----------------------------------------------------------------------------------


def _json_attr(key: str) -> str:
    """A JSON-string attribute, parsed (NULL when absent or not JSON)."""
    value = attr(key)
    return f"CASE WHEN json_valid({value}) THEN json({value}) END"


def _parts_text(parts: str) -> str:
    """The text of a semantic-conventions `parts` array: its `{type: text, content}` items (a blob
    part's `content` is base64 data; some producers write `text` for `content`)."""
    typed = f"from_json({parts}, '[{{\"type\": \"VARCHAR\", \"content\": \"VARCHAR\", \"text\": \"VARCHAR\"}}]')"
    texts = f"list_transform(list_filter({typed}, lambda p: p.type = 'text'), lambda p: coalesce(p.content, p.text))"
    return f"nullif(array_to_string({texts}, chr(10)), '')"


# The span's messages as one typed list of {role, content}, from gen_ai.input.messages
# ([{role, parts: [{type, content}...]}...]; some producers write OpenAI's {role, content}, or a
# bare string, taken as the user's message) or from indexed attributes
# (gen_ai.prompt.<i>.role|content; llm.input_messages.<i>.message.role|content|contents.<j>...).
def _logged_messages(key: str) -> str:
    """A messages attribute as a typed {role, content} list: a JSON list of semantic-conventions
    messages (role + parts) or OpenAI-shaped ones (role + content), or a bare string (the user's)."""
    logged = attr(key)
    return (
        f"CASE WHEN json_valid({logged}) THEN list_transform(from_json(json({logged}), "
        "'[{\"role\": \"VARCHAR\", \"parts\": \"JSON\", \"content\": \"JSON\"}]'), "
        f"lambda m: {{'role': m.role, 'content': coalesce({_parts_text('m.parts')}, mm_content_text(m.content))}}) "
        f"WHEN nullif(trim({logged}), '') IS NOT NULL THEN [{{'role': 'user', 'content': {logged}}}] END"
    )


_SEMCONV_MESSAGES = _logged_messages("gen_ai.input.messages")
_AI_SDK_MESSAGES = _logged_messages("ai.prompt.messages")  # the Vercel AI SDK's doGenerate / doStream spans
_INDEXED = r"^(?:gen_ai\.prompt|llm\.input_messages)\.(\d+)\.(?:message\.)?"
_ENTRIES = "_entries"  # helper: the indexed message attributes as [{i, field, v}]
_INDEXED_ENTRIES = (
    f"list_transform(list_filter({_ATTRS}, lambda a: regexp_matches(a.k, '{_INDEXED}')), "
    f"lambda a: {{'i': regexp_extract(a.k, '{_INDEXED}', 1)::INTEGER, 'field': regexp_replace(a.k, '{_INDEXED}', ''), 'v': a.v}})"
)
_TEXT_FIELD = r"^(?:content|contents\.\d+\.message_content\.text)$"


def _any_content(content: str) -> str:
    """Text of a message content: a string, or a list of strings and `{text|content}` parts."""
    pieces = (f"list_transform(json_extract({content}, '$[*]'), lambda p: CASE json_type(p) WHEN 'VARCHAR' "
              "THEN json_extract_string(p, '$') ELSE coalesce(json_extract_string(p, '$.text'), json_extract_string(p, '$.content')) END)")
    return (f"CASE json_type({content}) WHEN 'VARCHAR' THEN json_extract_string({content}, '$') "
            f"WHEN 'ARRAY' THEN nullif(array_to_string({pieces}, chr(10)), '') END")


def _content(text: str) -> str:
    """Content logged as a string that may be a JSON array of parts (multimodal messages)."""
    return f"CASE WHEN json_valid({text}) AND json_type(json({text})) = 'ARRAY' THEN coalesce({_any_content(f'json({text})')}, {text}) ELSE {text} END"


_INDEXED_MESSAGES = (
    f"CASE WHEN len({_ENTRIES}) > 0 THEN list_transform(list_sort(list_distinct(list_transform({_ENTRIES}, lambda e: e.i))), "
    f"lambda i: {{'role': list_filter({_ENTRIES}, lambda e: e.i = i AND e.field = 'role')[1].v, "
    f"'content': nullif(array_to_string(list_transform(list_filter({_ENTRIES}, lambda e: e.i = i "
    f"AND regexp_matches(e.field, '{_TEXT_FIELD}')), lambda e: {_content('e.v')}), chr(10)), '')}}) END"
)
# Logfire's (and pydantic-ai's first) instrumentation: one `events` attribute, a JSON list of
# message events ({event.name: gen_ai.user.message, role, content}; the answer is the
# gen_ai.choice event's `message`). A content may be a string or a list of strings and parts.
_EVENTS = "_events"  # helper: the parsed `events` attribute
_EVENT_CONTENT = _any_content("json_extract(e, '$.content')")
_EVENT_MESSAGES = (
    f"CASE WHEN json_type({_EVENTS}) = 'ARRAY' THEN nullif(list_transform(list_filter(json_extract({_EVENTS}, '$[*]'), "
    "lambda e: json_extract_string(e, '$.role') IS NOT NULL AND json_extract_string(e, '$.\"event.name\"') <> 'gen_ai.choice'), "
    f"lambda e: {{'role': json_extract_string(e, '$.role'), 'content': {_EVENT_CONTENT}}}), []) END"
)
_EVENT_ANSWER = (
    f"CASE WHEN json_type({_EVENTS}) = 'ARRAY' THEN list_filter(json_extract({_EVENTS}, '$[*]'), "
    "lambda e: json_extract_string(e, '$.\"event.name\"') = 'gen_ai.choice')[1] END"
)

# helpers (computed once per span; several columns read them)
_MESSAGES = "_messages"
_INSTRUCTIONS = "_instructions"
_HELPERS = {
    _ATTRS: _PARSED_ATTRS,
    _ENTRIES: _INDEXED_ENTRIES,
    _EVENTS: _json_attr("events"),
    _LITELLM_USAGE: attr("metadata.usage_object"),
    _MESSAGES: f"coalesce({_SEMCONV_MESSAGES}, {_AI_SDK_MESSAGES}, {_INDEXED_MESSAGES}, {_EVENT_MESSAGES})",
    _INSTRUCTIONS: f"coalesce({_parts_text(_json_attr('gen_ai.system_instructions'))}, "
    f"{_parts_text(_json_attr('gen_ai.system.instructions'))})",
}


_SYSTEM_ROLES = "'system', 'developer'"
_SYSTEM = f"coalesce({_INSTRUCTIONS}, {list_texts(_MESSAGES, _SYSTEM_ROLES)})"
_PROMPT = f"nullif(concat_ws(chr(10), {_INSTRUCTIONS}, {list_texts(_MESSAGES)}), '')"
_ANSWER_MESSAGES = _json_attr("gen_ai.output.messages")
_MESSAGE_CONTENT = "'$.message.content'"
_OUTPUT_PARTS = f"json_extract({_ANSWER_MESSAGES}, '$[0].parts')"
_EVENT_ANSWER_TEXT = _any_content(f"json_extract({_EVENT_ANSWER}, {_MESSAGE_CONTENT})")
_ANSWER = (
    f"coalesce({_parts_text(_OUTPUT_PARTS)}, "
    f"mm_content_text(json_extract({_ANSWER_MESSAGES}, '$[0].content')), "
    f"{_content(first('gen_ai.completion.0.content', 'llm.output_messages.0.message.content'))}, "
    f"{_EVENT_ANSWER_TEXT}, {attr('ai.response.text')})"
)
_TOOLS = (
    f"coalesce(json_array_length({_json_attr('gen_ai.tool.definitions')}), "
    f"len(list_filter({_ATTRS}, lambda a: regexp_matches(a.k, "
    r"'^(?:llm\.request\.functions\.\d+\.name|llm\.tools\.\d+\.tool\.json_schema)$'))))"
)
# An image part: semantic conventions' `modality: image`, an OpenAI-style part inside indexed
# content, or an OpenInference `message_content.image` attribute.
_IMAGE = (
    f"(coalesce(regexp_matches({attr('gen_ai.input.messages')}, '\"modality\"\\s*:\\s*\"image\"'), false) "
    f"OR len(list_filter({_ATTRS}, lambda a: regexp_matches(a.k, '{_INDEXED}.*image') "
    f"OR (regexp_matches(a.k, '{_INDEXED}content$') "
    f"AND regexp_matches(coalesce(a.v, ''), '\"type\"\\s*:\\s*\"(image_url|image|input_image)\"')))) > 0)"
)

FORMAT = LogFormat(
    name="otel-genai",
    description="OpenTelemetry model-call spans, OTLP JSON (resourceSpans batches): GenAI conventions and OpenInference",
    structure={"resourceSpans": "JSON"},
    detect="(json_type(r.resourceSpans) = 'ARRAY')",
    detect_hint="a top-level `resourceSpans` array",
    # `instrumentationLibrarySpans`: the name older OTLP exporters (before OTLP 1.0) gave scopeSpans
    explode=("list_concat(json_extract(r.resourceSpans, '$[*].scopeSpans[*].spans[*]'), "
             "json_extract(r.resourceSpans, '$[*].instrumentationLibrarySpans[*].spans[*]'))"),
    item_structure=_SPAN,
    keep=(
        f"({_SPAN_OP} IN ({_OPS}) OR {_SPAN_KIND} IN ({_KINDS}) "
        f"OR ({_SPAN_OP} IS NULL AND {_SPAN_KIND} IS NULL "
        f"AND coalesce({_span_attr('gen_ai.provider.name')}, {_span_attr('gen_ai.system')}) IS NOT NULL "
        f"AND {_span_attr('gen_ai.request.model')} IS NOT NULL))"
    ),
    nested=("r.traceId || ':' || r.spanId", "r.traceId || ':' || nullif(r.parentSpanId, '')"),
    columns={
        "call_id": "r.traceId || ':' || r.spanId",
        "ts": "mm_ts(r.startTimeUnixNano)",
        # the host the span's client called names who served it (an OpenAI SDK pointed at Together
        # still says gen_ai.system "openai"; mmaudit/formats/hosts.py), else the span's own label
        "provider": f"coalesce(mm_provider_from_url({first('server.address')}), "
        f"mm_provider_name({first('gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system')}, model))",
        "model": first_id(*(attr(k) for k in ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "embedding.model_name", "ai.model.id"))),
        "operation": f"CASE WHEN {_EMBEDDING} THEN 'embedding' WHEN {_OP} = 'text_completion' THEN 'completion' ELSE 'chat' END",
        "input_tokens": _INPUT,
        "cached_input_tokens": _READ,
        "cache_write_tokens": _WRITE,
        # the 1-hour share of the writes, from Anthropic's own usage where the span keeps it (the
        # Vercel AI SDK's `ai.response.providerMetadata`); capped at the writes the span counts
        "cache_write_1h_tokens": f"least({_WRITE}, coalesce(mm_int(json_extract_string({_json_attr('ai.response.providerMetadata')}, "
        "'$.anthropic.usage.cache_creation.ephemeral_1h_input_tokens')), 0))",
        "output_tokens": f"coalesce({_OUTPUT}, CASE WHEN {_EMBEDDING} AND {_LOGGED_INPUT} IS NOT NULL THEN 0 END)",
        "reasoning_tokens": f"coalesce({count(*_REASONING_KEYS)}, {_litellm_count('reasoning_tokens')}, 0)",
        "input_audio_tokens": f"coalesce({count(*_INPUT_AUDIO_KEYS)}, 0)",
        "cached_audio_tokens": f"coalesce({count('gen_ai.usage.details.cache_audio_read_tokens')}, 0)",
        "output_audio_tokens": f"coalesce({count(*_OUTPUT_AUDIO_KEYS)}, 0)",
        # the instrumentation's own cost of the call in USD: pydantic-ai's `operation.cost` (from
        # genai-prices), OpenLIT's `gen_ai.usage.cost`, LiteLLM's `gen_ai.cost.total_cost`
        "logged_cost_usd": (f"TRY_CAST({first('operation.cost', 'gen_ai.usage.cost', 'gen_ai.cost.total_cost')} "
                            "AS DECIMAL(38, 12))"),
        "latency_ms": f"CASE WHEN {_T1} >= {_T0} THEN ({_T1} - {_T0}) / 1e6 END",
        "ttft_ms": f"CASE WHEN {_CC_SPAN} THEN mm_num({attr('ttft_ms')}) END",
        # Claude Code's fast mode is billed at the model's fast rates (a priced tier of its own)
        "service_tier": f"CASE WHEN {_CC_SPAN} AND lower({attr('speed')}) = 'fast' THEN 'fast' END",
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, coalesce({attr('error.type')}, r.status.message, {attr('error')})), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE coalesce({_HTTP}, 200) END",
        "tags": (
            "map_from_entries(list_filter(["
            f"{{'key': 'trace_id', 'value': r.traceId}}, {{'key': 'span_name', 'value': r.name}}, "
            f"{{'key': 'conversation_id', 'value': {first('gen_ai.conversation.id', 'session.id')}}}], lambda e: e.value IS NOT NULL))"
        ),
        "system_prompt": _SYSTEM,
        "user_prompt": f"list_filter({_MESSAGES}, lambda m: m.role = 'user')[-1].content",
        "response_text": _ANSWER,
        "prompt_chars": f"length({_PROMPT})",
        "n_messages": f"len({_MESSAGES})",
        "n_tools": f"CASE WHEN {_MESSAGES} IS NOT NULL THEN {_TOOLS} END",
        "has_image": _IMAGE,
    },
    helpers=_HELPERS,
    times=("startTimeUnixNano",),
    prompt_text=_PROMPT,
    output_text=_ANSWER,
    extra_fields=tuple(f"[].attributes.{k}" for k in (
        "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model", "gen_ai.response.model",
        "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens", "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
        "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
        "gen_ai.usage.reasoning.output_tokens", "input_tokens", "output_tokens", "cache_read_tokens",
        "cache_creation_tokens", "ttft_ms", "success", "speed", "error.type", "http.response.status_code", "gen_ai.conversation.id",
        "gen_ai.input.messages", "gen_ai.system_instructions", "gen_ai.output.messages", "gen_ai.tool.definitions",
        "gen_ai.prompt.<i>.role", "gen_ai.prompt.<i>.content", "gen_ai.completion.0.content",
        "openinference.span.kind", "llm.provider", "llm.system", "llm.model_name", "embedding.model_name",
        "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.prompt_details.cache_read",
        "llm.token_count.prompt_details.cache_write", "llm.token_count.prompt_details.audio",
        "llm.token_count.completion_details.reasoning", "llm.token_count.completion_details.audio",
        "llm.input_messages.<i>.message.role", "llm.input_messages.<i>.message.content",
        "llm.input_messages.<i>.message.contents.<j>.message_content.text", "llm.output_messages.0.message.content",
        "llm.tools.<i>.tool.json_schema", "session.id", "server.address", "ai.response.providerMetadata",
        "ai.model.provider", "ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.cachedInputTokens",
        "ai.usage.inputTokenDetails.noCacheTokens", "ai.usage.inputTokenDetails.cacheReadTokens",
        "ai.usage.inputTokenDetails.cacheWriteTokens", "ai.usage.outputTokens", "ai.usage.completionTokens",
        "ai.usage.outputTokenDetails.textTokens", "ai.usage.outputTokenDetails.reasoningTokens")),
)
