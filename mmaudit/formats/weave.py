"""W&B Weave calls, as the trace server returns them (`/calls/stream_query` JSONL, a `/calls/query`
page `{calls: [...]}`, `client.get_calls()` dumped as JSON, the calls table's JSON/JSONL export):
one `CallSchema` per record.

A call is `{id, project_id, op_name, display_name, trace_id, parent_id, thread_id, turn_id,
started_at, ended_at, exception, attributes, inputs, output, summary, wb_user_id, wb_run_id}`
(weave/trace_server/trace_server_interface.py, `CallSchema`). `op_name` is the op's ref
(`weave:///entity/project/op/openai.chat.completions.create:digest`); the integrations name their
ops after the SDK method they patch (`anthropic.Messages.create`, `litellm.completion`,
`google.genai.models.Models.generate_content`). The client's `finish_call` fills `summary.usage`
keyed BY MODEL: a call whose output has a `model` and a `usage` gets `{<output.model>: {"requests":
1, **usage}}` (the provider's usage object as dumped, its nested details kept); the Google GenAI
integration writes `{<inputs.model>: {requests: 1, prompt_tokens, completion_tokens,
total_tokens}}` from `usage_metadata` itself. A call WITH children gets no usage of its own: its
summary is the sum of its children's summaries (`sum_dict_leaves`), so a user's op, an agent step
or an evaluation repeats the usage of every model call under it. `summary.weave.costs` (when the
export asked for costs) is the server's reckoning per model: `prompt_tokens_total_cost`,
`completion_tokens_total_cost` and, since cache prices were added, `cache_read_input_tokens_total_cost`
and `cache_creation_input_tokens_total_cost` (USD floats).

Which records are calls. The one model call is the record whose usage names exactly ONE model with
`requests` 1. A wrapper op around exactly one model call carries the same single-request usage as
its child: a kept record that is the parent (`parent_id`) of another kept record of the file is not
loaded (`nested`), so the request counts once, as the innermost call (the integration's). A wrapper
exported WITHOUT its child still stands for that one request and loads, named by its own op.
A rollup of several requests (requests > 1) or of several models is an aggregate of its children's
calls. In an export of whole traces (`/calls/stream_query` without a filter, the Calls view) the
children are records of the same export: the rollup is skipped (counted, neither loaded nor
quarantined). But the Traces view (roots only, its default) and `get_calls(filter={"trace_roots_only":
True})` (the server's `parent_id IS NULL`) export the roots alone, and an `op_names` filter one op's
calls: there the rollup is the only record of its requests, and skipping it lost every trace that
made more than one request (a real two-request root: 72% of a file's spend). So a rollup loads
(`rollup`) from a file none of whose records is the parent of another in the same chunk: one call
per model of its usage (`<id>:<model>` when it names several), that model's summed tokens priced as
usual, tagged `rollup: true` and `requests` (the requests it stands for). It has no latency (the
op's wall time spans all its requests) and is `ok` whatever its op raised (its usage is of answered
requests; a request that raised has none). A file that does hold parents with their children is
one of whole traces: a rollup of it whose children are not in the same chunk (a 64 MB chunk of a
large file, one `/calls/query` page saved per file) has them in the next chunk or page, which loads
them, so the rollup is not loaded there. Limits: a chunk or page of whole traces holding no parent
with its child (a one-record page) reads as flat and loads its rollups beside their children
elsewhere; a flat file of ops at several levels (an `op_names` filter naming a root op and the
integration's op, with a step between them) loads a root's rollup and its leaves both; and a
roots-only export and a full export of the same traces, both ingested, count the traces twice
(the rollup's id is not its leaves').
Records without usage (tools, scorers, running calls) are skipped, except a FAILED model call: the
client records no usage for a call that raised (there is no output), so a record with an
`exception`, a string `inputs.model` and an integration's op (`openai.`, `anthropic.`, `litellm.`,
`google.`, `mistral`, `groq.`, `cohere.`, `cerebras.`...) is a failed call of that model.

Tokens. The usage entry is the provider's usage object, so each family keeps its own meaning:
OpenAI's chat `prompt_tokens` includes `prompt_tokens_details.cached_tokens` and
`completion_tokens` includes `completion_tokens_details.reasoning_tokens`; the Responses API's
`input_tokens` / `output_tokens` include `input_tokens_details.cached_tokens` /
`output_tokens_details.reasoning_tokens`. Anthropic's `input_tokens` EXCLUDES
`cache_read_input_tokens` and `cache_creation_input_tokens`: Weave's summary kept that net count
until its Anthropic integration began rewriting the entry to the gross count (anthropic_test.py,
`test_anthropic_on_finish_recomputes_gross_input_from_raw_usage`: 100 + 80 + 15 -> 195), and one
server version reads a `gross_input_tokens` beside the net one. So: `gross_input_tokens` when set;
else the raw Anthropic usage in the record's own `output` (`type: message`, whose `usage.input_tokens`
is net by Anthropic's definition) plus its cache reads and writes; else the summary's count, read
as net (cache added back) when it is smaller than its own cache shares (a gross count cannot be)
and as gross otherwise. A net count at least as large as its cache shares, in an export of an older
client without the output, is read as gross: it undercounts that call's cache tokens. The Google
GenAI entry's `completion_tokens` (`candidates_token_count`) leaves out the thinking tokens its
`total_tokens` counts: output above prompt + completion in the entry's own total is added to the
output as reasoning. A count given as `prompt_tokens` and `input_tokens` both is read once
(`prompt_tokens`), where the server's cost query adds the two.

Cost: the four `*_total_cost` parts of `summary.weave.costs[model]`, added as DECIMAL. A negative
total (the server's reading of an old net Anthropic count: (net - reads - writes) x rate) is no
cost and is left NULL. Model: the usage key (the answer's model), else `inputs.model`. Provider:
the SDK an integration's op patches when it speaks for one provider (Anthropic, Mistral, Cohere,
Groq, Cerebras, Google), else the model decides (OpenAI's and LiteLLM's clients reach many).
`started_at` is the time, `ended_at` minus it the latency (else `summary.weave.latency_ms`). An
`exception` (the client's `{"type", "message", "traceback"}` JSON, or plain text) marks a failed
call; the HTTP status is the one its message names ("Error code: 429 - ..."). Text: `inputs.messages`
(OpenAI, LiteLLM, Anthropic with `inputs.system`), the answer from `output.choices`, Anthropic's
`output.content` or Gemini's `output.candidates`.
"""

from __future__ import annotations

from mmaudit.formats.base import LogFormat, first_id, ms_after, status_in_text, tag, tags_map
from mmaudit.formats.chat_text import all_text, messages_of, prompt_string, text_columns

_USAGE_KEYS = ("requests", "prompt_tokens", "input_tokens", "gross_input_tokens", "completion_tokens",
               "output_tokens", "total_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_USAGE = {
    **{k: "VARCHAR" for k in _USAGE_KEYS},
    "prompt_tokens_details": {"cached_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
    "input_tokens_details": {"cached_tokens": "VARCHAR"},
    "completion_tokens_details": {"reasoning_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
    "output_tokens_details": {"reasoning_tokens": "VARCHAR"},
}
_CALL = {
    "id": "VARCHAR", "project_id": "VARCHAR", "op_name": "VARCHAR", "display_name": "VARCHAR",
    "trace_id": "VARCHAR", "parent_id": "VARCHAR", "thread_id": "VARCHAR", "turn_id": "VARCHAR",
    "started_at": "VARCHAR", "ended_at": "VARCHAR", "exception": "VARCHAR", "wb_run_id": "VARCHAR",
    "inputs": "JSON", "output": "JSON",
    "summary": {"weave": {"latency_ms": "VARCHAR", "status": "VARCHAR"}},
    # added per call by `explode` (named so a quarantine reason reads "for_model.usage.prompt_tokens is ..."):
    # the usage entry of its one model (summary.usage[model]) and that model's cost entry
    "for_model": {"models": "VARCHAR", "model": "VARCHAR", "usage": _USAGE, "cost": "JSON"},
}
_LINE = {"calls": "JSON", "id": "VARCHAR", "op_name": "VARCHAR", "trace_id": "VARCHAR", "started_at": "VARCHAR",
         "project_id": "VARCHAR"}

_MAP = "'\"MAP(VARCHAR, JSON)\"'"


def _usage_keys(call: str) -> str:
    """SQL over one call's JSON: the models its `summary.usage` names (NULL without usage)."""
    usage = f"json_extract({call}, '$.summary.usage')"
    return f"CASE WHEN json_type({usage}) = 'OBJECT' THEN json_keys({usage}) END"


def _usage_of(call: str, model: str) -> str:
    """SQL over one call's JSON and one model its usage names (NULL: none): `{models, model, usage,
    cost}`, the number of models in its summary, that model's usage entry and its cost entry."""
    usage = f"json_extract({call}, '$.summary.usage')"
    return (f"json_object('models', coalesce(len({_usage_keys(call)}), 0), 'model', {model}, "
            f"'usage', json_transform({usage}, {_MAP})[{model}], "
            f"'cost', json_transform(json_extract({call}, '$.summary.weave.costs'), {_MAP})[{model}])")


_ITEMS = "CASE WHEN json_type(r.calls) = 'ARRAY' THEN json_extract(r.calls, '$[*]') ELSE [line::JSON] END"
# one item per model a call's usage names (one, for a model call; a rollup of several models, one
# each), one item for a call without usage
_EXPLODE = (f"flatten(list_transform({_ITEMS}, lambda c: list_transform("
            f"coalesce(nullif({_usage_keys('c')}, []), [NULL::VARCHAR]), "
            f"lambda m: json_merge_patch(c, json_object('for_model', {_usage_of('c', 'm')})))))")

_U = "r.for_model.usage"
_OP = "coalesce(nullif(regexp_extract(r.op_name, '/op/([^:/]+)', 1), ''), r.op_name)"
_INPUT_MODEL = ("CASE WHEN json_type(r.inputs, '$.model') = 'VARCHAR' AND NOT starts_with(json_extract_string(r.inputs, "
                "'$.model'), 'weave:') THEN nullif(json_extract_string(r.inputs, '$.model'), '') END")
_INTEGRATION = (f"regexp_matches({_OP}, '^(openai|anthropic|litellm|google|mistral(ai)?|groq|cohere|cerebras|"
                "bedrock|vertexai|together|huggingface)\\.')")
_FAILED_CALL = f"(nullif(r.exception, '') IS NOT NULL AND {_INPUT_MODEL} IS NOT NULL AND {_INTEGRATION})"
# a parent's summed usage: several requests or several models (one item per model)
_ROLLUP = f"(mm_int(r.for_model.models) > 1 OR coalesce(mm_int({_U}.requests), 1) > 1)"
_ONE_CALL = f"(mm_int(r.for_model.models) = 1 AND coalesce(mm_int({_U}.requests), 1) <= 1)"

# Anthropic's own usage on the answer (net input by Anthropic's definition), when the export keeps it
_RAW = "json_extract(r.output, '$.usage')"
_ANTHROPIC_RAW = (f"(NOT {_ROLLUP} AND json_extract_string(r.output, '$.type') = 'message' AND json_type({_RAW}, '$.input_tokens') IN "
                  f"('UBIGINT', 'BIGINT') AND (json_exists({_RAW}, '$.cache_read_input_tokens') OR "
                  f"json_exists({_RAW}, '$.cache_creation_input_tokens')))")


def _raw(key: str) -> str:
    return f"coalesce(mm_int(json_extract_string({_RAW}, '$.{key}')), 0)"


_PROMPT = f"coalesce(mm_int({_U}.prompt_tokens), mm_int({_U}.input_tokens))"
_READ = (f"coalesce(mm_int({_U}.cache_read_input_tokens), mm_int({_U}.prompt_tokens_details.cached_tokens), "
         f"mm_int({_U}.input_tokens_details.cached_tokens), 0)")
_WRITE = f"coalesce(mm_int({_U}.cache_creation_input_tokens), 0)"
_INPUT = (f"CASE WHEN mm_int({_U}.gross_input_tokens) IS NOT NULL THEN mm_int({_U}.gross_input_tokens) "
          f"WHEN {_ANTHROPIC_RAW} THEN {_raw('input_tokens')} + {_raw('cache_read_input_tokens')} "
          f"+ {_raw('cache_creation_input_tokens')} "
          f"WHEN {_PROMPT} < {_READ} + {_WRITE} THEN {_PROMPT} + {_READ} + {_WRITE} ELSE {_PROMPT} END")
_COMPLETION = f"coalesce(mm_int({_U}.completion_tokens), mm_int({_U}.output_tokens))"
_DETAIL_REASONING = (f"coalesce(mm_int({_U}.completion_tokens_details.reasoning_tokens), "
                     f"mm_int({_U}.output_tokens_details.reasoning_tokens))")
# (helpers) the input once, then thinking a total counts beyond prompt + completion (Gemini's)
_IN, _BEYOND = "_input", "_beyond_total"
_REASONING = f"coalesce({_DETAIL_REASONING}, {_BEYOND}, 0)"

_COST_PARTS = ("prompt_tokens_total_cost", "completion_tokens_total_cost", "cache_read_input_tokens_total_cost",
               "cache_creation_input_tokens_total_cost")
_PARTS = [f"TRY_CAST(json_extract_string(r.for_model.cost, '$.{p}') AS DECIMAL(38, 12))" for p in _COST_PARTS]
_COST_SUM = ("CASE WHEN " + " OR ".join(f"{p} IS NOT NULL" for p in _PARTS) + " THEN "
             + " + ".join(f"coalesce({p}, 0)" for p in _PARTS) + " END")
_LOGGED_COST = f"CASE WHEN {_COST_SUM} >= 0 THEN {_COST_SUM} END"

# the exception: the client's {"type", "message", "traceback"} JSON, or plain text
_EXC = "nullif(r.exception, '')"
_EXC_JSON = f"CASE WHEN json_valid({_EXC}) AND json_type({_EXC}::JSON) = 'OBJECT' THEN {_EXC}::JSON END"
_EXC_TYPE = f"json_extract_string({_EXC_JSON}, '$.type')"
_EXC_TEXT = f"coalesce(json_extract_string({_EXC_JSON}, '$.message'), {_EXC})"
_FAILED = f"({_EXC} IS NOT NULL AND NOT coalesce({_ROLLUP}, false))"
_HTTP = status_in_text(_EXC_TEXT)

_SINGLE_PROVIDER = (f"CASE WHEN regexp_matches({_OP}, '^(anthropic|mistral(ai)?|cohere|groq|cerebras|google)\\.') "
                    f"THEN regexp_extract({_OP}, '^([a-z]+)', 1) END")

_MSGS = messages_of("json_extract(r.inputs, '$.messages')")
_SYSTEM = "mm_content_text(json_extract(r.inputs, '$.system'))"
_PROMPT_TEXT = ("coalesce(" + prompt_string("json_extract(r.inputs, '$.prompt')") + ", "
                + prompt_string("json_extract(r.inputs, '$.input')") + ", "
                + prompt_string("json_extract(r.inputs, '$.contents')") + ")")
_ANSWER = ("coalesce(mm_content_text(json_extract(r.output, '$.choices[0].message.content')), "
           "CASE WHEN json_extract_string(r.output, '$.type') = 'message' THEN mm_content_text(json_extract(r.output, '$.content')) END, "
           "mm_content_text(json_extract(r.output, '$.candidates[0].content.parts')))")

FORMAT = LogFormat(
    name="weave",
    description="W&B Weave calls (calls/stream_query JSONL, calls/query pages, client.get_calls dumps, UI JSON export); "
    "single-model leaf calls are calls; a root's summed usage when its children are not exported",
    structure=_LINE,
    detect=("((r.op_name IS NOT NULL AND r.trace_id IS NOT NULL AND r.started_at IS NOT NULL AND r.id IS NOT NULL "
            "AND (starts_with(r.op_name, 'weave:///') OR r.project_id IS NOT NULL)) "
            "OR (json_type(r.calls) = 'ARRAY' AND json_extract_string(r.calls, '$[0].op_name') IS NOT NULL "
            "AND json_extract_string(r.calls, '$[0].trace_id') IS NOT NULL))"),
    detect_hint="`op_name` (a `weave:///` op ref) with `id`, `trace_id` and `started_at` (a Weave call), or a "
    "`calls` page of them",
    explode=_EXPLODE,
    item_structure=_CALL,
    keep=f"({_ONE_CALL} OR (coalesce(mm_int(r.for_model.models), 0) = 0 AND {_FAILED_CALL}))",
    nested=("r.id", "r.parent_id"),
    rollup=f"({_ROLLUP} AND json_type(r.for_model.usage) = 'OBJECT')",
    helpers={
        _IN: _INPUT,
        _BEYOND: (f"CASE WHEN {_DETAIL_REASONING} IS NULL AND mm_int({_U}.total_tokens) > {_IN} + {_COMPLETION} "
                  f"THEN mm_int({_U}.total_tokens) - {_IN} - {_COMPLETION} END"),
    },
    columns={
        "call_id": "CASE WHEN mm_int(r.for_model.models) > 1 THEN r.id || ':' || r.for_model.model ELSE r.id END",
        "ts": "mm_ts(r.started_at)",
        "provider": (f"CASE WHEN mm_provider_from_model(model) IN ('aws-bedrock', 'azure') THEN mm_provider_from_model(model) "
                     f"ELSE mm_provider_name({_SINGLE_PROVIDER}, model) END"),
        "model": first_id("r.for_model.model", _INPUT_MODEL),
        "input_tokens": _IN,
        "cached_input_tokens": (f"CASE WHEN {_ANTHROPIC_RAW} AND mm_int({_U}.gross_input_tokens) IS NULL "
                                f"THEN {_raw('cache_read_input_tokens')} ELSE {_READ} END"),
        "cache_write_tokens": (f"CASE WHEN {_ANTHROPIC_RAW} AND mm_int({_U}.gross_input_tokens) IS NULL "
                               f"THEN {_raw('cache_creation_input_tokens')} ELSE {_WRITE} END"),
        "output_tokens": f"{_COMPLETION} + coalesce(CASE WHEN {_DETAIL_REASONING} IS NULL THEN {_BEYOND} END, 0)",
        "reasoning_tokens": _REASONING,
        "input_audio_tokens": f"coalesce(mm_int({_U}.prompt_tokens_details.audio_tokens), 0)",
        "output_audio_tokens": f"coalesce(mm_int({_U}.completion_tokens_details.audio_tokens), 0)",
        "latency_ms": (f"CASE WHEN NOT {_ROLLUP} THEN coalesce({ms_after('r.started_at', 'r.ended_at')}, "
                       "mm_num(r.summary.weave.latency_ms)) END"),
        "status": f"CASE WHEN {_FAILED} THEN 'error' ELSE 'ok' END",
        "error_type": f"CASE WHEN {_FAILED} THEN coalesce(mm_error_type({_HTTP}, coalesce({_EXC_TYPE}, {_EXC_TEXT})), 'unknown') END",
        "http_status": f"CASE WHEN {_FAILED} THEN {_HTTP} ELSE 200 END",
        "logged_cost_usd": _LOGGED_COST,
        "tags": tags_map([
            tag("app", "'weave'"), tag("trace_id", "r.trace_id"), tag("op", _OP), tag("display_name", "r.display_name"),
            tag("thread_id", "r.thread_id"), tag("project_id", "r.project_id"), tag("wb_run_id", "r.wb_run_id"),
            tag("error", f"CASE WHEN {_FAILED} THEN left(coalesce({_EXC_TYPE}, {_EXC_TEXT}), 200) END"),
            tag("rollup", f"CASE WHEN {_ROLLUP} THEN 'true' END"),
            tag("requests", f"CASE WHEN {_ROLLUP} THEN CAST(mm_int({_U}.requests) AS VARCHAR) END")]),
        **text_columns(_MSGS, _PROMPT_TEXT, _ANSWER, _SYSTEM),
        "n_tools": "CASE WHEN r.inputs IS NOT NULL THEN coalesce(json_array_length(r.inputs, '$.tools'), 0) END",
    },
    numbers=tuple(f"for_model.usage.{k}" for k in _USAGE_KEYS) + (
        "for_model.usage.prompt_tokens_details.cached_tokens", "for_model.usage.input_tokens_details.cached_tokens",
        "for_model.usage.completion_tokens_details.reasoning_tokens", "for_model.usage.output_tokens_details.reasoning_tokens"),
    times=("started_at", "ended_at"),
    prompt_text=all_text(_MSGS, _PROMPT_TEXT, _SYSTEM),
    output_text=_ANSWER,
)
