"""Vertex AI request-response logging rows: the BigQuery table Vertex fills when a model or
endpoint has a `logging_config` (columns `endpoint`, `deployed_model_id`, `logging_time`,
`request_id`, `request_payload`, `response_payload`, `model`, `model_version`, `api_method`,
`full_request`, `full_response`, `metadata`, `otel_log`), exported as JSON lines (`bq extract
--destination_format NEWLINE_DELIMITED_JSON`, where the JSON columns come out as objects or as
JSON-encoded text), or as Elastic's metricbeat keeps one (under `gcp.vertexai_logs`).

Read as they are, such a row looks like a google-genai SDK dump whose snake_case `model_version`
("001", the version of the model the `model` column names) is the model, with no usage and no
time. So a row is rewritten as the `{request, response}` pair the body formats read (as captured
HTTP exchanges are, ingest/captures.py): `request` <- `full_request` with the model in it,
`response` <- `full_response` (a JSON list of stream chunks as the one answer they make),
`timestamp` <- `logging_time`, `provider` <- `vertex` (Vertex AI bills these calls, at its
rates), `request_id` <- `request_id`, `latency_ms` <- `metadata.request_latency` (milliseconds),
`labels` <- the request's `labels` (who called). The model is the `model` column, a model id or a
resource name (`publishers/google/models/gemini-2.5-pro`, `projects/p/locations/l/publishers/...`)
read as the id after its last `models/`; a response's own `modelVersion` still wins. A row with no
response (nothing logged) is left without one: it says nothing of the call's usage or outcome,
so it is quarantined, never loaded as a free call.
"""

from __future__ import annotations

from mmaudit.formats.base import bind_once
from mmaudit.ingest.answers import answer_sql

_ELASTIC = "$.gcp.vertexai_logs"


def is_row_sql(line: str) -> str:
    """Whether the JSON `line` is a Vertex AI request-response logging row (bare, or Elastic's event)."""
    row = _row_sql(line)
    return (f"(contains({line}, '\"logging_time\"') AND contains({line}, '\"full_re') "
            f"AND json_exists({row}, '$.logging_time') "
            f"AND (json_exists({row}, '$.full_response') OR json_exists({row}, '$.full_request')))")


def pair_sql(line: str) -> str:
    """SQL of a logging row's `{request, response}` pair, as JSON (for lines `is_row_sql` holds).

    The row, its request and its answer are each bound once (`bind_once`): written out wherever
    they are read, the answer's 8 KB of SQL three times over, the pair took ~130 ms to plan, every
    file and chunk."""
    row = "_vrow"
    model = f"regexp_replace(json_extract_string({row}, '$.model'), '^.*models/', '')"
    answer = (f"CASE WHEN json_type({row}, '$.full_response') IN ('OBJECT', 'ARRAY', 'VARCHAR') "
              f"THEN {answer_sql(row, '$.full_response')} END")
    parts = (f"{{'request': {_column(row, 'full_request')}, 'metadata': {_column(row, 'metadata')}, "
             f"'answer': {answer}}}")
    request, metadata, answer = "_vpart.request", "_vpart.metadata", "_vpart.answer"
    pair = (f"json_object('request', json_merge_patch(CASE WHEN json_type({request}) = 'OBJECT' THEN {request} "
            f"ELSE '{{}}' END, json_object('model', {model})), "
            f"'response', CASE WHEN json_type({answer}) = 'OBJECT' AND {answer} <> '{{}}' THEN {answer} END, "
            f"'timestamp', json_extract_string({row}, '$.logging_time'), "
            "'provider', 'vertex', "
            f"'request_id', json_extract_string({row}, '$.request_id'), "
            f"'latency_ms', json_extract_string({metadata}, '$.request_latency'), "
            f"'labels', json_extract({request}, '$.labels'))")
    return bind_once(row, _row_sql(line), bind_once("_vpart", parts, pair))


def _row_sql(line: str) -> str:
    """SQL of the row itself: Elastic's metricbeat event keeps it under `gcp.vertexai_logs`."""
    return f"CASE WHEN json_type({line}, '{_ELASTIC}') = 'OBJECT' THEN json_extract({line}, '{_ELASTIC}') ELSE CAST({line} AS JSON) END"


def _column(row: str, name: str) -> str:
    """SQL of a JSON column of the row: an object as it is, JSON text as the JSON it holds."""
    text = f"json_extract_string({row}, '$.{name}')"
    return (f"CASE WHEN json_type({row}, '$.{name}') = 'VARCHAR' AND json_valid({text}) THEN CAST({text} AS JSON) "
            f"ELSE json_extract({row}, '$.{name}') END")
