"""HTTP exchanges captured whole: `{request: {url, method, headers, body}, response: {status,
headers, body}}`, as a logging proxy or a test recorder writes them (vercel/ai records live calls
so: `{capturedAt, model, request: {url, method, body}, response: {status, headers, body}}`).

The provider's request and response are the `body` objects, so such a line is read as the
`{request, response | error}` pair every body-based format knows: `request` <- `request.body` (or
a top-level `requestBody`), `response` <- `response.body` (`error` <- its `error` object, or the
whole body, when the status is 400 or more; an Anthropic error body, `type: error`, whole), `status_code` <- `response.status`,
`timestamp` <- `capturedAt` when the line has no `timestamp`, `provider` <- the provider whose
address `request.url` is (mmaudit/formats/hosts.py: `api.together.xyz` is Together, whatever
model id the body names; `localhost:11434` is `self-hosted` unless the model is a cloud API's
own, a local gateway's) when the line has no `provider`, `modelId` <- the model a Bedrock address
names (`/model/amazon.nova-micro-v1%3A0/converse`: a Converse body names none) when the line has
none, the request's `model` <- the model a Gemini or Vertex address names
(`/models/gemini-2.0-flash:generateContent`) when the request names none; its other keys stay. A body that is an error (`type: error`, `object: error`) is `error`
whatever the status. A body saved as text is read for what it holds: JSON text as
that JSON; a saved stream (the server-sent events' text, as a recorder keeps a streamed call) as
the one answer its events amount to (`_stream_answer_sql`: the closing Responses event, the
Messages start with its final delta, the chat chunks' text with the usage chunk, the Gemini chunks'
text with their last counts); other text (a proxy's HTML error page) as the error's message. An OpenAI
Batch output line (`custom_id`, `response: {status_code, body}`) is its own format and is left
alone. A file is read so when its detection sample holds such exchanges (`unwrap_sample`): other
logs pay nothing.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa


def is_capture_sql(line: str) -> str:
    """Whether the JSON `line` is a captured HTTP exchange (not an OpenAI Batch output line)."""
    return (f"(contains({line}, '\"body\"') AND json_type({line}, '$.response.body') IN ('OBJECT', 'VARCHAR') "
            f"AND json_extract({line}, '$.custom_id') IS NULL "
            f"AND coalesce(json_extract({line}, '$.response.status'), json_extract({line}, '$.response.status_code')) IS NOT NULL)")


def unwrap_sample(con: duckdb.DuckDBPyConnection, sample: pa.Table) -> pa.Table | None:
    """A file's detection sample (column `line`) with its captured HTTP exchanges read as pairs, or
    None when it holds none (the file is then read as it is)."""
    con.register("_capture_sample", sample)
    try:
        if not con.execute(f"SELECT count(*) FROM _capture_sample WHERE {is_capture_sql('line')}").fetchall()[0][0]:
            return None
        return con.sql(f"SELECT {unwrap_sql('line')} AS line FROM _capture_sample").to_arrow_table()
    finally:
        con.unregister("_capture_sample")


def unwrap_sql(line: str) -> str:
    """SQL of the line with a captured HTTP exchange rewritten as a `{request, response}` pair;
    any other line unchanged."""
    def at(path: str) -> str:
        return f"json_extract({line}, '{path}')"

    is_capture = is_capture_sql(line)
    status = f"coalesce({at('$.response.status')}, {at('$.response.status_code')})"
    answer = _answer_sql(line)
    # an answer is `response`; an error status's body is `error` (its `error` object when it has one)
    # (or an error body under any status: Anthropic's `type: error`, OpenAI's flat `object: error`)
    failed = (f"(coalesce(TRY_CAST(json_extract_string({status}, '$') AS INTEGER), 0) >= 400 "
              f"OR json_extract_string({answer}, '$.type') = 'error' OR json_extract_string({answer}, '$.object') = 'error')")
    url = f"json_extract_string({line}, '$.request.url')"
    asked = f"coalesce({at('$.request.body')}, {at('$.requestBody')})"
    # Gemini and Vertex name the model only in the address: /models/gemini-2.0-flash:generateContent
    # (an error body names none either); the request gets it when it names none
    addressed = f"nullif(url_decode(regexp_extract({url}, '/models/([^/:?]+):[A-Za-z]+', 1)), '')"
    request = (f"CASE WHEN {addressed} IS NOT NULL AND json_type({asked}) = 'OBJECT' AND json_extract({asked}, '$.model') IS NULL "
               f"THEN json_merge_patch({asked}, json_object('model', {addressed})) ELSE {asked} END")
    model = (f"coalesce(json_extract_string({line}, '$.request.body.model'), "
             f"json_extract_string({line}, '$.response.body.model'), json_extract_string({line}, '$.model'), {addressed})")
    pair = (f"json_object('request', {request}, "
            f"CASE WHEN {failed} THEN 'error' ELSE 'response' END, "
            # (Anthropic's error body goes whole: its `type: error` is what says whose it is)
            f"CASE WHEN json_extract_string({answer}, '$.type') = 'error' THEN {answer} "
            f"WHEN {failed} THEN coalesce(json_extract({answer}, '$.error'), {answer}) ELSE {answer} END, "
            f"'status_code', {status}, "
            f"'timestamp', coalesce({at('$.timestamp')}, {at('$.capturedAt')}), "
            # the host the request went to names who served it, an address on the team's own
            # machines says the team ran it (`self-hosted`, unless a gateway's: mmaudit/formats/hosts.py)
            f"'provider', coalesce(json_extract_string({line}, '$.provider'), mm_provider_at({url}, {model})), "
            # Bedrock names the model only in the address: /model/<modelId>/converse (or invoke)
            f"'modelId', coalesce(json_extract_string({line}, '$.modelId'), nullif(url_decode(regexp_extract({url}, "
            "'/model/([^/?]+)/(?:converse|converse-stream|invoke|invoke-with-response-stream)(?:[/?]|$)', 1)), '')))")
    # (a merge patch's null deletes a key: the captured request and response go, the pair comes)
    bare = f"json_merge_patch({line}, '{{\"request\": null, \"response\": null}}')"
    return f"CASE WHEN {is_capture} THEN CAST(json_merge_patch({bare}, {pair}) AS VARCHAR) ELSE {line} END"


def _answer_sql(line: str) -> str:
    """SQL of the exchange's answer as one JSON body: the body object; a body saved as text, read
    as the JSON it holds, or as the one answer its server-sent events make (`_stream_answer_sql`);
    any other text (a proxy's HTML error page) as `{message: <text>}`."""
    text = f"json_extract_string({line}, '$.response.body')"
    return (f"CASE WHEN json_type({line}, '$.response.body') <> 'VARCHAR' THEN json_extract({line}, '$.response.body') "
            f"WHEN json_valid({text}) AND starts_with(ltrim({text}), '{{') THEN CAST({text} AS JSON) "
            f"WHEN regexp_matches({text}, '(^|\\n)[ \\t]*data:') THEN {_stream_answer_sql(_events_sql(text))} "
            f"ELSE json_object('message', {text}) END")


def _events_sql(text: str) -> str:
    """SQL list of the JSON objects a server-sent event stream's `data:` fields carry, in order."""
    data = "CASE WHEN starts_with(ltrim(l), 'data:') THEN trim(substr(ltrim(l), 6)) END"
    return (f"list_filter(list_transform(string_split(replace({text}, chr(13), ''), chr(10)), lambda l: {data}), "
            "lambda e: json_valid(e) AND starts_with(e, '{'))")


def _stream_answer_sql(events: str) -> str:
    """SQL of the one response body a saved stream's events amount to, in the shape the body
    formats read:
    - an `error` event (Anthropic's `type: error`) is the answer;
    - OpenAI Responses: the `response` of its closing `response.completed` (`.incomplete`,
      `.failed`) event, the whole response;
    - Anthropic Messages: the `message_start` message with the last `message_delta`'s usage laid
      over its own (the delta's output count is final) and stop reason, and the text deltas' text;
    - OpenAI chat chunks: a `chat.completion` with the last chunk that has `usage` (else the last
      chunk), the deltas' text and the last finish reason (without usage, counts are estimated
      from the request and the text, as for any body without them), and Azure's opening
      `prompt_filter_results` (which make it Azure's);
    - Gemini: the last chunk with `usageMetadata` (its counts are the stream's totals) with the
      chunks' text;
    - anything else: the last event."""
    def typed(*types: str) -> str:
        names = ", ".join(f"'{t}'" for t in types)
        return f"list_filter({events}, lambda e: json_extract_string(e, '$.type') IN ({names}))"

    def text_of(path: str, keep: str = "true") -> str:
        return (f"array_to_string(list_transform(list_filter({events}, lambda e: {keep}), "
                f"lambda e: coalesce(json_extract_string(e, '{path}'), '')), '')")

    last = f"CAST({events}[-1] AS JSON)"
    start, delta = f"CAST({typed('message_start')}[1] AS JSON)", f"CAST({typed('message_delta')}[-1] AS JSON)"
    text_deltas = text_of("$.delta.text", "json_extract_string(e, '$.delta.type') = 'text_delta'")
    message = (f"json_merge_patch(json_extract({start}, '$.message'), json_object("
               f"'content', json_array(json_object('type', 'text', 'text', {text_deltas})), "
               f"'stop_reason', json_extract({delta}, '$.delta.stop_reason'), "
               f"'usage', json_merge_patch(coalesce(json_extract({start}, '$.message.usage'), '{{}}'), "
               f"coalesce(json_extract({delta}, '$.usage'), '{{}}'))))")
    with_usage = f"list_filter({events}, lambda e: json_type(e, '$.usage') = 'OBJECT')"
    finish = f"list_filter(list_transform({events}, lambda e: json_extract_string(e, '$.choices[0].finish_reason')), lambda f: f IS NOT NULL)[-1]"
    chunks = f"list_filter({events}, lambda e: json_extract_string(e, '$.object') = 'chat.completion.chunk')"
    # (Azure OpenAI opens its streams with a chunk of the prompt's filter verdicts: they say whose it is)
    filtered = f"list_filter({events}, lambda e: json_type(e, '$.prompt_filter_results') = 'ARRAY')"
    completion = (f"json_merge_patch(CAST(coalesce({with_usage}[-1], {chunks}[-1]) AS JSON), json_object("
                  f"'prompt_filter_results', json_extract({filtered}[1], '$.prompt_filter_results'), "
                  "'object', 'chat.completion', 'choices', json_array(json_object('index', 0, 'message', "
                  f"json_object('role', 'assistant', 'content', {text_of('$.choices[0].delta.content')}), "
                  f"'finish_reason', {finish}))))")
    metered = f"list_filter({events}, lambda e: json_type(e, '$.usageMetadata') = 'OBJECT')"
    gemini_finish = f"list_filter(list_transform({events}, lambda e: json_extract_string(e, '$.candidates[0].finishReason')), lambda f: f IS NOT NULL)[-1]"
    gemini_text = (f"array_to_string(list_transform({events}, lambda e: array_to_string(coalesce("
                   "json_extract_string(e, '$.candidates[0].content.parts[*].text'), []), '')), '')")
    gemini = (f"json_merge_patch(CAST(coalesce({metered}[-1], {events}[-1]) AS JSON), json_object('candidates', json_array("
              f"json_object('index', 0, 'content', json_object('role', 'model', 'parts', json_array(json_object('text', {gemini_text}))), "
              f"'finishReason', {gemini_finish}))))")
    closing = typed("response.completed", "response.incomplete", "response.failed")
    return (f"CASE WHEN len({events}) = 0 THEN NULL "
            f"WHEN len({typed('error')}) > 0 THEN CAST({typed('error')}[-1] AS JSON) "
            f"WHEN len({closing}) > 0 THEN json_extract({closing}[-1], '$.response') "
            f"WHEN len({typed('message_start')}) > 0 THEN {message} "
            f"WHEN len({chunks}) > 0 THEN {completion} "
            f"WHEN json_type({events}[-1], '$.candidates') = 'ARRAY' OR len({metered}) > 0 THEN {gemini} "
            f"ELSE {last} END")
