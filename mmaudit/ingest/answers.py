"""The one response body a logged answer makes, whatever way the log kept it: a JSON object as it
is; JSON text as the object it holds; a stream (its server-sent events' text, or a JSON list of
its chunks, as Gemini's streamGenerateContent answers without `alt=sse`) as the one answer its
events amount to; other text (a proxy's HTML error page) as `{message: <text>}`. Shared by the
readers of records that wrap a provider's exchange (ingest/captures.py, ingest/vertex_logging.py).
"""

from __future__ import annotations

from mmaudit.formats.base import bind_once


def answer_sql(doc: str, path: str) -> str:
    """SQL of the answer at `path` in the JSON `doc` as one JSON body: an object as it is; a JSON
    list of streamed chunks (Gemini's streamGenerateContent answers one without `alt=sse`; Bedrock's
    event-stream payloads, InvokeModelWithResponseStream's base64 `chunk.bytes` opened), or
    text holding one, as the one answer they make (`_stream_answer_sql`); other text read as the
    JSON object it holds, or as the one answer its server-sent events, or its newline-delimited
    JSON chunks (Ollama's `application/x-ndjson`, Cohere v1's `application/stream+json`), make; any
    other text (a proxy's HTML error page) as `{message: <text>}`. The text and the stream's events
    are bound once each (`bind_once`): the stream's answer reads them many times."""
    kind = f"json_type({doc}, '{path}')"
    text, events = "mm_answer_text", "mm_answer_events"
    # blank lines too (ltrim alone takes spaces): OpenRouter sends some before a non-streamed answer
    lead = f"ltrim({text}, ' ' || chr(9) || chr(10) || chr(13))"
    holds = f"json_valid({text}) AND starts_with({lead}, "  # (json_type of other text raises)
    # the events of a stream kept as a list, or as text; NULL when the answer is no stream
    streamed = (f"CASE WHEN {kind} = 'ARRAY' THEN {_chunks_sql(f'json_extract({doc}, {path!r})')} "
                f"WHEN {kind} <> 'VARCHAR' OR {holds}'{{') THEN NULL "
                f"WHEN {holds}'[') THEN {_chunks_sql(f'CAST({text} AS JSON)')} "
                f"WHEN regexp_matches({text}, '(^|\\n)[ \\t]*data:') THEN {_events_sql(text)} "
                f"WHEN starts_with({lead}, '{{') THEN nullif({_lines_sql(text)}, []) END")
    streamed = _unchunked_sql(streamed)
    body = (f"CASE WHEN {kind} NOT IN ('VARCHAR', 'ARRAY') THEN json_extract({doc}, '{path}') "
            f"WHEN {holds}'{{') THEN CAST({text} AS JSON) "
            f"WHEN {events} IS NOT NULL THEN {_stream_answer_sql(events)} "
            f"ELSE json_object('message', {text}) END")
    return bind_once(text, f"json_extract_string({doc}, '{path}')", bind_once(events, streamed, body))


def _chunks_sql(chunks: str) -> str:
    """SQL list of the JSON objects (as text) a JSON list holds, in order."""
    return f"list_filter(CAST(json_extract({chunks}, '$[*]') AS VARCHAR[]), lambda e: json_type(e) = 'OBJECT')"


def _unchunked_sql(events: str) -> str:
    """SQL of a stream's events with Bedrock's InvokeModelWithResponseStream chunks opened: each
    `{"chunk": {"bytes": ...}}` (the event-stream frame's payload, keyed by its `:event-type`) is the
    model's own event its bytes hold, base64 as on the wire (or already JSON); other events stay."""
    chunk = "json_extract(e, '$.chunk.bytes')"
    opened = (f"CASE WHEN json_type({chunk}) = 'VARCHAR' THEN try(decode(from_base64(json_extract_string(e, '$.chunk.bytes')))) "
              f"WHEN json_type({chunk}) = 'OBJECT' THEN CAST({chunk} AS VARCHAR) ELSE e END")
    return (f"list_filter(list_transform({events}, lambda e: {opened}), "
            "lambda e: e IS NOT NULL AND json_valid(e) AND starts_with(e, '{'))")


def _events_sql(text: str) -> str:
    """SQL list of the JSON objects a server-sent event stream's `data:` fields carry, in order."""
    data = "CASE WHEN starts_with(ltrim(l), 'data:') THEN trim(substr(ltrim(l), 6)) END"
    return (f"list_filter(list_transform(string_split(replace({text}, chr(13), ''), chr(10)), lambda l: {data}), "
            "lambda e: json_valid(e) AND starts_with(e, '{'))")


def _lines_sql(text: str) -> str:
    """SQL list of the JSON objects a newline-delimited JSON stream holds, one a line, in order
    (empty unless every non-blank line is one)."""
    lines = f"list_filter(string_split(replace({text}, chr(13), ''), chr(10)), lambda l: trim(l) <> '')"
    return (f"CASE WHEN len(list_filter({lines}, lambda l: NOT (json_valid(l) AND starts_with(ltrim(l), '{{')))) = 0 "
            f"THEN list_transform({lines}, lambda l: trim(l)) ELSE [] END")


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
    - Gemini's Interactions API: the `interaction` of its closing `interaction.completed` (earlier
      `interaction.complete`) event, with the stream's totals, and the text of its text deltas;
    - Bedrock ConverseStream (the SDK's events, `messageStart` ... `messageStop`, `metadata`): a
      Converse response with the `metadata` event's usage, metrics and tier, the `messageStop`'s
      stop reason and the text deltas' text;
    - Cohere v2 (`message-start` ... `message-end`): a chat response with the start's id, the
      end's finish reason and usage, and the content deltas' text; Cohere v1: the `response` of
      its closing `stream-end` event, the whole v1 response;
    - anything else (Ollama's chunks, whose last, `done`, has the counts): the last event."""
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
    cohere_end = f"CAST({typed('message-end')}[-1] AS JSON)"
    cohere_text = text_of("$.delta.message.content.text", "json_extract_string(e, '$.type') = 'content-delta'")
    cohere = (f"json_object('id', json_extract_string({typed('message-start')}[1], '$.id'), "
              f"'finish_reason', json_extract({cohere_end}, '$.delta.finish_reason'), "
              f"'message', json_object('role', 'assistant', 'content', json_array(json_object('type', 'text', 'text', {cohere_text}))), "
              f"'usage', json_extract({cohere_end}, '$.delta.usage'))")
    cohere_v1 = f"list_filter({events}, lambda e: json_extract_string(e, '$.event_type') = 'stream-end')"
    # (Bedrock's ConverseStream events, as the SDK yields them: `{"metadata": {usage, metrics}}` closes it)
    converse_meta = f"list_filter({events}, lambda e: json_type(e, '$.metadata.usage') = 'OBJECT')"
    converse_stop = f"list_filter({events}, lambda e: json_type(e, '$.messageStop') = 'OBJECT')"
    converse = (f"json_merge_patch(json_extract({converse_meta}[-1], '$.metadata'), json_object("
                f"'stopReason', json_extract({converse_stop}[-1], '$.messageStop.stopReason'), "
                "'output', json_object('message', json_object('role', 'assistant', 'content', json_array("
                f"json_object('text', {text_of('$.contentBlockDelta.delta.text')}))))))")
    closing = typed("response.completed", "response.incomplete", "response.failed")
    # (streams before 2026-05 name them `interaction.complete` and `content.delta`)
    completed = (f"list_filter({events}, lambda e: json_extract_string(e, '$.event_type') "
                 "IN ('interaction.completed', 'interaction.complete'))")
    interaction_text = text_of("$.delta.text", "json_extract_string(e, '$.event_type') IN ('step.delta', 'content.delta') "
                                              "AND json_extract_string(e, '$.delta.type') = 'text'")
    interaction = (f"json_merge_patch(json_extract({completed}[-1], '$.interaction'), json_object("
                   f"'outputs', json_array(json_object('type', 'text', 'text', {interaction_text}))))")
    return (f"CASE WHEN len({events}) = 0 THEN NULL "
            f"WHEN len({typed('error')}) > 0 THEN CAST({typed('error')}[-1] AS JSON) "
            f"WHEN len({closing}) > 0 THEN json_extract({closing}[-1], '$.response') "
            f"WHEN len({completed}) > 0 THEN {interaction} "
            f"WHEN len({typed('message_start')}) > 0 THEN {message} "
            f"WHEN len({chunks}) > 0 THEN {completion} "
            f"WHEN len({converse_meta}) > 0 THEN {converse} "
            f"WHEN len({typed('message-end')}) > 0 THEN {cohere} "
            f"WHEN len({cohere_v1}) > 0 THEN json_extract({cohere_v1}[-1], '$.response') "
            f"WHEN json_type({events}[-1], '$.candidates') = 'ARRAY' OR len({metered}) > 0 THEN {gemini} "
            f"ELSE {last} END")
