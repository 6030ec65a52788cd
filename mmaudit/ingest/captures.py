"""HTTP exchanges captured whole: `{request: {url, method, headers, body}, response: {status,
headers, body}}`, as a logging proxy or a test recorder writes them (vercel/ai records live calls
so: `{capturedAt, model, request: {url, method, body}, response: {status, headers, body}}`).

The provider's request and response are the `body` objects, so such a line is read as the
`{request, response | error}` pair every body-based format knows: `request` <- `request.body` (or
a top-level `requestBody`), `response` <- `response.body` (`error` <- its `error` object, or the
whole body, when the status is 400 or more; an Anthropic error body, `type: error`, whole), `status_code` <- `response.status`,
`timestamp` <- `capturedAt` when the line has no `timestamp` (else, for an answer that names no
time of its own, Anthropic's or Converse's, the response's `Date` header), `provider` <- the provider whose
address `request.url` is (mmaudit/formats/hosts.py: `api.together.xyz` is Together, whatever
model id the body names; `localhost:11434` is `self-hosted` unless the model is a cloud API's
own, a local gateway's) when the line has no `provider`, `modelId` <- the model a Bedrock address
names (`/model/amazon.nova-micro-v1%3A0/converse`: a Converse body names none) when the line has
none, and the answer's `model` too (Claude's body lacks the `us.`/`global.` profile that prices it), the request's `model` <- the model a Gemini or Vertex address names
(`/models/gemini-2.0-flash:generateContent`) when the request names none, `response_headers` <- the
one response header the Gemini API names the tier that served the call in (`x-gemini-service-tier`,
its name in any case) when the answer has it; its other keys stay.
A request body kept as JSON text (as it went over the wire) is read as that JSON.
A multipart/form-data request (an Audio or Images API upload) is `{model}`, its `model` form field.
A Bedrock InvokeModel answer that is neither a Messages body (Claude) nor an OpenAI-compatible one
(Llama, Titan, Nova, Cohere, AI21, Mistral) is read as the invocation log Bedrock writes of it,
its counts from the `X-Amzn-Bedrock-*-Token-Count` headers (ingest/bedrock_invoke.py). A body that is an error (`type: error`, `object: error`) is `error`
whatever the status. A body saved as text is read for what it holds: JSON text as
that JSON; a saved stream (the server-sent events' text, as a recorder keeps a streamed call) as
the one answer its events amount to, and a JSON list of chunks likewise (ingest/answers.py: the
closing Responses event, the Messages start with its final delta, the chat chunks' text with the
usage chunk, the Gemini chunks' text with their last counts); other text (a proxy's HTML error
page) as the error's message. An OpenAI Batch output line (`custom_id`, `response: {status_code,
body}`) is its own format and is left alone; a captured download of a batch's output file (`GET
/v1/files/{id}/content`, its body the file's JSONL text) holds one such line per request the batch
ran, and each is read as the line it is (`unwrap_lines_sql`: the one captured line yields them all,
as `LogFormat.explode` yields a span batch's calls). Vertex AI's request-response logging rows are another
such wrapper, read the same way (ingest/vertex_logging.py). A file is read so when its detection
sample holds such records (`unwrap_sample`): other logs pay nothing.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from mmaudit.formats.base import bind_once
from mmaudit.ingest import bedrock_invoke, vertex_logging
from mmaudit.ingest.answers import answer_sql


# The Gemini API names the tier that served a call (`standard`, `flex`, `priority`) in this
# response header alone; the pair keeps it as `response_headers` (formats/gemini.py reads it)
GEMINI_TIER_HEADER = "x-gemini-service-tier"


def is_capture_sql(line: str) -> str:
    """Whether the JSON `line` is a captured HTTP exchange (not an OpenAI Batch output line)."""
    return (f"(contains({line}, '\"body\"') AND json_type({line}, '$.response.body') IN ('OBJECT', 'ARRAY', 'VARCHAR') "
            f"AND json_extract({line}, '$.custom_id') IS NULL "
            f"AND coalesce(json_extract({line}, '$.response.status'), json_extract({line}, '$.response.status_code')) IS NOT NULL)")


# Addresses that answer no billed model call: token counts (Anthropic's free
# /v1/messages/count_tokens, Gemini's :countTokens, OpenAI's /responses/input_tokens, Bedrock's
# /model/{id}/count-tokens); the files, uploads, vector stores and batch objects a call may use
# (OpenAI's /v1/files, /v1/uploads, /v1/vector_stores, /v1/batches; Anthropic's /v1/files and
# /v1/messages/batches: a batch's results are read from its output, not from its creation; OpenAI's
# conversations, assistants, threads and their messages, which run nothing: a thread's run does); and
# sign-in (Google's oauth2.googleapis.com/token, which google-auth calls before every Vertex AI
# session, Microsoft Entra's /oauth2/v2.0/token, any /oauth/token); a local Ollama's model management
# (POST /api/show, /api/pull..., which LiteLLM sends beside /api/generate to read a model's details);
# and the telemetry a framework sends beside its calls (PostHog's product analytics, as crewAI's
# recordings keep `POST us.i.posthog.com/batch/`; OTLP exports to /v1/traces, /v1/logs, /v1/metrics).
_NOT_CALL_ADDRESSES = (
    r"(/messages/count_tokens|:counttokens|/responses/input_tokens|/count-tokens)([?#]|$)",
    r"/v1/(files|uploads|vector_stores|batches|messages/batches|conversations|assistants)([/?#]|$)",
    r"/v1/threads(/[^/?#]+(/messages(/[^/?#]+)?)?)?([?#]|$)",
    r"^https?://oauth2\.googleapis\.com/",
    r"/oauth2?(/v[0-9.]+)?/token([?#]|$)",
    r"/api/(show|pull|push|create|copy|delete|tags|ps|version|blobs)([/?#]|$)",
    r"^https?://([a-z0-9-]+\.)*posthog\.com/",
    r"/v1/(traces|logs|metrics)([?#]|$)",
)


def not_a_call_sql(line: str) -> str:
    """Whether the captured exchange `line` asked for no billed answer: a GET (a model listing,
    `GET /v1/models`, `GET /v1beta/models`), a DELETE or a PATCH (a cache's new TTL), or a POST to
    an address that answers no model call (`_NOT_CALL_ADDRESSES`: token counts, file uploads and
    vector stores, batch objects, OAuth sign-in). A recorder keeps them beside the calls; one that
    no format reads is skipped (not a call), never quarantined."""
    url = f"lower(coalesce(json_extract_string({line}, '$.request.url'), ''))"
    method = f"upper(coalesce(json_extract_string({line}, '$.request.method'), ''))"
    addresses = " OR ".join(f"regexp_matches({url}, '{pattern}')" for pattern in _NOT_CALL_ADDRESSES)
    return f"({is_capture_sql(line)} AND ({method} IN ('GET', 'DELETE', 'PATCH') OR {addresses}))"


def no_call_in(con: duckdb.DuckDBPyConnection, sample: pa.Table) -> bool:
    """Whether every record of a file's detection sample (column `line`) is a captured exchange that
    asked for no billed answer (`not_a_call_sql`): a recorder's file of model listings or token
    counts alone, which no format recognises."""
    con.register("_capture_sample", sample)
    try:
        return bool(con.execute(
            f"SELECT count(*) > 0 AND bool_and({not_a_call_sql('line')}) FROM _capture_sample").fetchall()[0][0])
    finally:
        con.unregister("_capture_sample")


def is_wrapped_sql(line: str) -> str:
    """Whether the JSON `line` wraps a provider's exchange: a captured HTTP exchange, or a Vertex AI
    request-response logging row."""
    return f"({is_capture_sql(line)} OR {vertex_logging.is_row_sql(line)})"


def unwrap_sample(con: duckdb.DuckDBPyConnection, sample: pa.Table) -> pa.Table | None:
    """A file's detection sample (column `line`) with its wrapped exchanges read as pairs, or None
    when it holds none (the file is then read as it is)."""
    con.register("_capture_sample", sample)
    try:
        if not con.execute(f"SELECT count(*) FROM _capture_sample WHERE {is_wrapped_sql('line')}").fetchall()[0][0]:
            return None
        return con.sql(f"SELECT unnest({unwrap_lines_sql('line')}) AS line FROM _capture_sample").to_arrow_table()
    finally:
        con.unregister("_capture_sample")


def unwrap_lines_sql(line: str) -> str:
    """SQL of the LIST of lines a line holds: a captured download of an OpenAI Batch output file
    (`GET /v1/files/{id}/content`, its body the file's JSONL text) holds one batch output line per
    request the batch ran, each read as the openai-batch line it is; any other line is the one
    `unwrap_sql` makes of it."""
    text = (f"CASE WHEN {is_capture_sql(line)} AND json_type({line}, '$.response.body') = 'VARCHAR' "
            f"THEN json_extract_string({line}, '$.response.body') END")
    first = f"ltrim(split_part({text}, chr(10), 1))"
    # (a CASE: the JSON is read only once it is known to be JSON, an SSE text's first line is not)
    batch = (f"CASE WHEN json_valid({first}) AND starts_with({first}, '{{') "
             f"THEN json_extract({first}, '$.custom_id') IS NOT NULL "
             f"AND coalesce(json_extract({first}, '$.response.status_code'), json_extract({first}, '$.error')) IS NOT NULL END")
    return (f"CASE WHEN coalesce({batch}, false) "
            f"THEN list_filter(string_split({text}, chr(10)), lambda x: json_valid(x) AND starts_with(ltrim(x), '{{')) "
            f"ELSE [{unwrap_sql(line)}] END")


def unwrap_sql(line: str) -> str:
    """SQL of the line with a captured HTTP exchange, or a Vertex AI logging row, rewritten as a
    `{request, response}` pair; any other line unchanged."""
    def at(path: str) -> str:
        return f"json_extract({line}, '{path}')"

    is_capture = is_capture_sql(line)
    status = f"coalesce({at('$.response.status')}, {at('$.response.status_code')})"
    # the answer, the request and the address are bound once (`bind_once`, below): the answer is
    # read ~30 times, and its SQL written out each time made the statement ~290 KB, ~1 s to plan
    # per file; the request, written out 11 times, cost ~60 ms
    answer, asked, url, bedrock = "_cap.answer", "_cap.asked", "_cap.url", "_cap.bedrock"
    # an answer is `response`; an error status's body is `error` (its `error` object when it has one)
    # (or an error body under any status: Anthropic's `type: error`, OpenAI's flat `object: error`)
    # (or a body that is nothing but an `error` object: Azure OpenAI's content filter, recorded
    # under a 200, as gateways also answer; a failed Responses body has its `error` beside an `id`)
    bare_error = (f"(json_type(json_extract({answer}, '$.error')) = 'OBJECT' AND json_extract({answer}, '$.id') IS NULL "
                  f"AND json_extract({answer}, '$.object') IS NULL AND json_extract({answer}, '$.usage') IS NULL "
                  f"AND json_extract({answer}, '$.choices') IS NULL)")
    failed = (f"(coalesce(TRY_CAST(json_extract_string({status}, '$') AS INTEGER), 0) >= 400 "
              f"OR json_extract_string({answer}, '$.type') = 'error' OR json_extract_string({answer}, '$.object') = 'error' "
              f"OR {bare_error})")
    address = f"json_extract_string({line}, '$.request.url')"
    sent = f"coalesce({at('$.request.body')}, {at('$.requestBody')})"
    # a recorder may keep the request body as the JSON text that went over the wire: read as that JSON
    text = f"json_extract_string({sent}, '$')"
    request_sent = (f"CASE WHEN json_type({sent}) = 'VARCHAR' AND json_valid({text}) AND json_type({text}) = 'OBJECT' "
                    f"THEN json({text}) ELSE {sent} END")
    # Gemini and Vertex name the model only in the address: /models/gemini-2.0-flash:generateContent
    # (an error body names none either); the request gets it when it names none
    addressed = f"nullif(url_decode(regexp_extract({url}, '/models/([^/:?]+):[A-Za-z]+', 1)), '')"
    # an Audio or Images API upload is multipart/form-data, not JSON: its model is a form field
    # (`Content-Disposition: form-data; name="model"`, a blank line, the value); the request is that
    form = (f"nullif(regexp_extract(CASE WHEN json_type({asked}) = 'VARCHAR' THEN json_extract_string({asked}, '$') END, "
            "'form-data;\\s*name=\"?model\"?\\r?\\n\\r?\\n([^\\r\\n]+)', 1), '')")
    request = (f"CASE WHEN {addressed} IS NOT NULL AND json_type({asked}) = 'OBJECT' AND json_extract({asked}, '$.model') IS NULL "
               f"THEN json_merge_patch({asked}, json_object('model', {addressed})) "
               f"WHEN {form} IS NOT NULL THEN json_object('model', {form}) ELSE {asked} END")
    # Bedrock names the model only in the address: /model/<modelId>/converse (or invoke); an answer
    # that names one (Claude's `claude-sonnet-4-5-20250929`) lacks the `us.`/`global.` profile that
    # sets its price, so the address's id replaces it (unless it is an ARN of the account's own
    # resource, an application profile or a custom model, which names no model)
    bedrock_model = (f"nullif(url_decode(regexp_extract({address}, "
                     "'/model/([^/?]+)/(?:converse|converse-stream|invoke|invoke-with-response-stream)(?:[/?]|$)', 1)), '')")
    answered = (f"CASE WHEN {bedrock} IS NOT NULL AND json_type({answer}) = 'OBJECT' "
                f"AND json_extract({answer}, '$.model') IS NOT NULL "
                f"AND (NOT starts_with({bedrock}, 'arn:') OR regexp_matches({bedrock}, ':(inference-profile|foundation-model)/')) "
                f"THEN json_merge_patch({answer}, json_object('model', {bedrock})) ELSE {answer} END")
    model = (f"coalesce(json_extract_string({asked}, '$.model'), "
             f"json_extract_string({line}, '$.response.body.model'), json_extract_string({line}, '$.model'), {addressed}, {form})")
    # an answer that names no time of its own (Anthropic's Messages, Bedrock's Converse: no
    # `created`, `created_at` or `createTime`) takes its `Date` header's when the line has none
    # (such calls had no time: out of every period, priced at the newest rates)
    undated = (f"CASE WHEN json_type({answer}) = 'OBJECT' AND json_extract({answer}, '$.created') IS NULL "
               f"AND json_extract({answer}, '$.created_at') IS NULL AND json_extract({answer}, '$.createTime') IS NULL "
               f"THEN {bedrock_invoke.dated_sql(line)} END")
    # the tier that served a Gemini API call is said only in a response header (the body has none):
    # the one header goes with the pair, for the gemini format to read (a substring test first:
    # most captures carry no such header, and reading one walks them all)
    headers = f"lower(CAST(json_extract({line}, '$.response.headers') AS VARCHAR))"
    served = (f"CASE WHEN contains({headers}, '{GEMINI_TIER_HEADER}') "
              f"THEN json_object('{GEMINI_TIER_HEADER}', {bedrock_invoke.response_header(line, GEMINI_TIER_HEADER)}) END")
    pair = (f"json_object('request', {request}, "
            f"CASE WHEN {failed} THEN 'error' ELSE 'response' END, "
            # (Anthropic's error body goes whole: its `type: error` is what says whose it is)
            f"CASE WHEN json_extract_string({answer}, '$.type') = 'error' THEN {answer} "
            f"WHEN {failed} THEN coalesce(json_extract({answer}, '$.error'), {answer}) ELSE {answered} END, "
            f"'status_code', {status}, "
            f"'timestamp', coalesce({at('$.timestamp')}, {at('$.capturedAt')}, {undated}), "
            # Bedrock's own measure of the call, when the line keeps no latency of its own
            f"'latency_ms', coalesce(json_extract_string({line}, '$.latency_ms'), {bedrock_invoke.invocation_latency_sql(line)}), "
            # the host the request went to names who served it, an address on the team's own
            # machines says the team ran it (`self-hosted`, unless a gateway's: mmaudit/formats/hosts.py)
            f"'provider', coalesce(json_extract_string({line}, '$.provider'), mm_provider_at({url}, {model})), "
            f"'modelId', coalesce(json_extract_string({line}, '$.modelId'), {bedrock}), "
            f"'response_headers', {served})")
    # Claude on Vertex AI at a regional (or multi-region) endpoint costs 10% more than at the global
    # one (Sonnet 4.5 and later): the location the address names is kept in tags and prices the call
    # from the model's `@regional` rows (data/pricing/geo_rates.yaml)
    location = f"nullif(regexp_extract({url}, '/locations/([^/]+)/publishers/anthropic/models/', 1), '')"
    regional = (f"CASE WHEN lower({location}) <> 'global' THEN json_object('tags', json_object("
                f"'inference_geo', 'regional', 'vertex_location', lower({location}))) ELSE '{{}}' END")
    # (a merge patch's null deletes a key: the captured request and response go, the pair comes)
    bare = f"json_merge_patch({line}, '{{\"request\": null, \"response\": null}}')"
    # a Bedrock InvokeModel answer no body format reads is the invocation log Bedrock would have
    # written for it, its counts from the response headers (ingest/bedrock_invoke.py)
    invoke = bedrock_invoke.is_invoke_sql(url, answer)
    log = bedrock_invoke.log_sql(line, url, answer, status, f"coalesce({at('$.timestamp')}, {at('$.capturedAt')})")
    bound = (f"{{'answer': {answer_sql(line, '$.response.body')}, 'asked': {request_sent}, 'url': {address}, "
             f"'bedrock': {bedrock_model}}}")
    captured = bind_once("_cap", bound, f"CASE WHEN {invoke} THEN CAST({log} AS VARCHAR) "
                         f"ELSE CAST(json_merge_patch(json_merge_patch({bare}, {pair}), {regional}) AS VARCHAR) END")
    return (f"CASE WHEN {is_capture} THEN {captured} "
            f"WHEN {vertex_logging.is_row_sql(line)} THEN CAST({vertex_logging.pair_sql(line)} AS VARCHAR) ELSE {line} END")
