"""Mistral's Conversations and Agents API answers (`POST /v1/conversations`, `/v1/conversations/{id}`
append and restart, an agent's conversation): `{object: "conversation.response", conversation_id,
outputs: [...], usage}`, bare or as a `{request, response}` pair (a captured exchange is one).

The Conversations API is the only Mistral API that runs its built-in tools (web_search,
code_interpreter, image_generation, document_library: "not supported in the Chat Completions API"),
so a team using Mistral agents logs only this shape. One answer is one call, billed at the model's
rates:

- The model is the `model` of the `outputs` entries (`message.output`, and in newer answers
  `tool.execution`), the last one that names one; an answer or a request naming one at the top
  comes first. An agent call's request names only the agent, so the entries are where the model is.
- Time: the wrapper's own, else the first entry's `created_at`; latency from the first entry's
  `created_at` to the last one's `completed_at` (the answer carries no time of its own: the time
  before its first entry is not logged).
- Call id: `conversation_id` and the last entry's id (an append answers with the same
  `conversation_id`: one conversation is many calls, each with entries of its own).
- usage (ConversationUsageInfo: `prompt_tokens`, `completion_tokens`, `total_tokens`,
  `connector_tokens`, `connectors`): output is `completion_tokens`. Input is `prompt_tokens` plus
  `connector_tokens`: the tool results (the code interpreter's output, the web pages a search
  returned) the model read before answering, counted OUTSIDE `prompt_tokens` and inside
  `total_tokens` (Mistral's code-interpreter example, docs.mistral.ai/agents/connectors/code_interpreter:
  95 + 209 + 95 connector = 399; a web-search answer quoted in dotnet/extensions#7181: 177 + 134 +
  3,929 = 4,240). What the model reads is input, so they are priced at the input rate. Mistral's
  docs say no more than this (no page states the rate for connector tokens): the count is kept as
  tags['connector_tokens'], so a bill that left them out can be matched. A real agent answer with no
  tools (mistral-medium-latest, 2026-03-02) is 429 in / 24 out, $0.0002196 at $0.40 / $2 per M.
- `connectors` counts the built-in tools' calls, which Mistral bills per call apart from the
  tokens (no rate for them is on record here). Web searches (`web_search`, `web_search_premium`) go
  to `web_searches` (the usage's count, or the `tool.execution` entries named so where the usage
  has none): no web-search rate for Mistral is on record, so such a call is unpriced and
  reported ("no web-search rate"), never priced without its fee. The other tools
  (code_interpreter, image_generation, document_library) have no column: their counts are kept in
  tags['connectors'] (the object as logged), and the call is priced on its tokens alone.

Provider `mistral`. Streams (`conversation.response.started` ... `conversation.response.done`, whose
usage names no model) are not read by this format.
"""

from __future__ import annotations

import json

from mmaudit.formats import chat_text
from mmaudit.formats.base import LogFormat, first_id, ms_after
from mmaudit.formats.pairs import PAIR_WRAPPER, body

_USAGE = {
    "prompt_tokens": "VARCHAR",
    "completion_tokens": "VARCHAR",
    "total_tokens": "VARCHAR",
    "connector_tokens": "VARCHAR",
    "connectors": "JSON",  # {tool name: calls}
}
_BODY = {
    "object": "VARCHAR",
    "conversation_id": "VARCHAR",
    "model": "VARCHAR",
    "outputs": "JSON",
    "usage": _USAGE,
}
_REQUEST = {"model": "VARCHAR", "agent_id": "VARCHAR", "inputs": "JSON", "instructions": "VARCHAR", "tools": "JSON"}
_ENTRY = json.dumps([{"type": "VARCHAR", "id": "VARCHAR", "model": "VARCHAR", "agent_id": "VARCHAR", "name": "VARCHAR",
                      "created_at": "VARCHAR", "completed_at": "VARCHAR", "content": "JSON"}])
_OBJECT = "'conversation.response'"

# the outputs entries, parsed once (a helper: several columns read them)
_ENTRIES = "_mc_entries"
_HELPERS = {_ENTRIES: f"from_json({body('outputs')}, '{_ENTRY}')"}
_LAST_MODEL = f"list_filter({_ENTRIES}, lambda e: nullif(e.model, '') IS NOT NULL)[-1].model"
_FIRST_AT = f"list_filter({_ENTRIES}, lambda e: e.created_at IS NOT NULL)[1].created_at"
_LAST_DONE = f"list_filter({_ENTRIES}, lambda e: e.completed_at IS NOT NULL)[-1].completed_at"


def _U(leaf: str) -> str:
    return body(f"usage.{leaf}")


_CONNECTORS = _U("connectors")


def _calls_of(tool: str) -> str:
    return f"coalesce(mm_int(json_extract_string({_CONNECTORS}, '$.{tool}')), 0)"


# the searches the answer's own entries show (`tool.execution` named web_search), for an answer
# whose usage lists no `connectors`
_SEARCH_ENTRIES = (f"len(list_filter({_ENTRIES}, lambda e: e.type = 'tool.execution' "
                   "AND e.name IN ('web_search', 'web_search_premium')))")
_INPUTS = chat_text.json_or_string("r.request.inputs")
_MSGS = chat_text.messages_of(_INPUTS)
_PROMPT = chat_text.prompt_string(_INPUTS)
_SYSTEM = "nullif(r.request.instructions, '')"
_TEXT = (f"nullif(array_to_string(list_transform(list_filter({_ENTRIES}, lambda e: e.type = 'message.output'), "
         "lambda e: mm_content_text(e.content)), chr(10)), '')")
_HTTP = "mm_int(coalesce(r.status_code, r.http_status))"

FORMAT = LogFormat(
    name="mistral-conversations",
    description="Mistral Conversations / Agents API answers (object conversation.response; bare or {request, response} pairs)",
    structure={**_BODY, "response": _BODY, "request": _REQUEST, **PAIR_WRAPPER},
    detect=f"(r.object = {_OBJECT} OR r.response.object = {_OBJECT})",
    detect_hint='`object: "conversation.response"` (bare or under `response`)',
    columns={
        "call_id": (f"{body('conversation_id')} || ':' || coalesce({_ENTRIES}[-1].id, md5(line))"),
        "ts": f"coalesce(mm_ts(r.timestamp), mm_ts(r.created_at), mm_ts({_FIRST_AT}))",
        "provider": "'mistral'",
        "model": first_id(body("model"), "r.request.model", _LAST_MODEL),
        "input_tokens": f"mm_int({_U('prompt_tokens')}) + coalesce(mm_int({_U('connector_tokens')}), 0)",
        "output_tokens": f"mm_int({_U('completion_tokens')})",
        "web_searches": f"greatest({_calls_of('web_search')} + {_calls_of('web_search_premium')}, {_SEARCH_ENTRIES})",
        "latency_ms": f"coalesce(mm_num(coalesce(r.latency_ms, r.duration_ms)), {ms_after(_FIRST_AT, _LAST_DONE)})",
        "status": f"CASE WHEN coalesce({_HTTP}, 200) >= 400 THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN coalesce({_HTTP}, 200) >= 400 THEN mm_error_type({_HTTP}::INTEGER, NULL) END",
        "http_status": f"coalesce({_HTTP}, 200)",
        "tags": (
            "map_from_entries(list_filter(["
            f"{{'key': 'conversation_id', 'value': {body('conversation_id')}}}, "
            f"{{'key': 'agent_id', 'value': coalesce(r.request.agent_id, {_ENTRIES}[-1].agent_id)}}, "
            f"{{'key': 'connector_tokens', 'value': CAST(mm_int({_U('connector_tokens')}) AS VARCHAR)}}, "
            f"{{'key': 'connectors', 'value': CASE WHEN json_type({_CONNECTORS}) = 'OBJECT' "
            f"AND {_CONNECTORS}::VARCHAR <> '{{}}' THEN {_CONNECTORS}::VARCHAR END}}], "
            "lambda e: e.value IS NOT NULL))"
        ),
        **chat_text.text_columns(_MSGS, _PROMPT, _TEXT, _SYSTEM),
        "n_tools": "json_array_length(r.request.tools)",
    },
    numbers=("usage.prompt_tokens", "usage.completion_tokens", "usage.connector_tokens",
             "response.usage.prompt_tokens", "response.usage.completion_tokens", "response.usage.connector_tokens"),
    times=("timestamp",),
    prompt_text=chat_text.all_text(_MSGS, _PROMPT, _SYSTEM),
    output_text=_TEXT,
    helpers=_HELPERS,
)
