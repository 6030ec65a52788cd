"""What a log-format adapter declares, and the SQL built from that declaration.

An adapter is data: the JSON structure it reads (every leaf VARCHAR or JSON, parsed once per line
with DuckDB's `from_json`), a SQL predicate that recognises its records, and one SQL expression
per canonical column over the parsed struct `r`. The ingest pipeline runs the generated SQL over
whole files; adapters never see a row in Python.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mmaudit.schema import CANONICAL_COLUMNS, DERIVED_COLUMNS

# Values every adapter gets unless it says otherwise.
COLUMN_DEFAULTS: dict[str, str] = {
    "call_id": "NULL",
    "ts": "NULL",
    "provider": "mm_provider_from_model(model)",
    "model": "NULL",
    "operation": "'chat'",
    "input_tokens": "NULL",
    "cached_input_tokens": "0",
    "cache_write_tokens": "0",
    "output_tokens": "NULL",
    "reasoning_tokens": "0",
    "tokens_estimated": "false",
    "latency_ms": "NULL",
    "ttft_ms": "NULL",
    "status": "'ok'",
    "error_type": "NULL",
    "http_status": "NULL",
    "is_batch": "false",
    "logged_cost_usd": "NULL",
    "tags": "NULL",
    "prompt_hash": "NULL",
    "system_prompt": "NULL",
    "user_prompt": "NULL",
    "response_text": "NULL",
    "prompt_chars": "NULL",
    "n_messages": "NULL",
    "n_tools": "NULL",
    "has_image": "false",
    "response_format": "NULL",
    "cache_write_1h_tokens": "0",
    "service_tier": "NULL",
    "sample_weight": "1.0",
    "web_searches": "0",
    "file_searches": "0",
    "citation_tokens": "0",
    "input_audio_tokens": "0",
    "cached_audio_tokens": "0",
    "output_audio_tokens": "0",
    "input_image_tokens": "0",
    "cached_image_tokens": "0",
    "output_image_tokens": "0",
}

# Small files staged together (ingest/batching.py) number their lines `index << LINE_BITS | line`:
# the file's index in its batch above, its own 1-based line number below. A file read alone is
# index 0, so its line numbers are its own.
LINE_BITS = 32


_RECORD_KEY = re.compile(r'(?<![\w."])r\.(?:"([^"]+)"|(\w+))')
_RECORD_OTHERWISE = re.compile(r'(?<![\w."])(?:r(?![\w.])|line\b)')


@functools.cache
def _detect_keys(detect: str) -> frozenset[str] | None:
    if _RECORD_OTHERWISE.search(_RECORD_KEY.sub("", detect)):
        return None
    return frozenset((quoted or bare).lower() for quoted, bare in _RECORD_KEY.findall(detect))


_RECORD_PATH = re.compile(r'(?<![\w."])r((?:\.(?:"[^"]+"|\w+))+)')
_PATH_PART = re.compile(r'"([^"]+)"|(\w+)')


@functools.cache
def _detect_structure(detect: str, structure_json: str) -> str:
    """The structure with only the paths `detect` reads (`r.a.b`: a, and b of a, with b's whole
    subtree); the whole structure when `detect` reads the record any other way."""
    if _detect_keys(detect) is None:
        return structure_json
    paths = [tuple((quoted or bare).lower() for quoted, bare in _PATH_PART.findall(found))
             for found in _RECORD_PATH.findall(detect)]
    return json.dumps(_prune(json.loads(structure_json), paths))


def _prune(node: Any, paths: list[tuple[str, ...]]) -> Any:
    """`node` keeping the keys the paths go through (compared without case, as DuckDB does); a
    path that ends here, or goes on into a value that is not an object, keeps `node` whole."""
    if not isinstance(node, dict) or any(not path for path in paths):
        return node
    kept = {}
    for key, child in node.items():
        rest = [path[1:] for path in paths if path[0] == key.lower()]
        if rest:
            kept[key] = _prune(child, rest)
    return kept or node


def file_index_sql(line_no: str) -> str:
    """SQL: the index in its batch of the file a (batch) line number belongs to."""
    return f"(CAST({line_no} AS BIGINT) >> {LINE_BITS})"


def own_line_sql(line_no: str) -> str:
    """SQL: a (batch) line number as its file's own line number."""
    return f"(CAST({line_no} AS BIGINT) & {(1 << LINE_BITS) - 1})"


# A window over a file's records: every window an adapter uses partitions by file first, so the
# records of files staged together never see each other's.
BY_FILE = f"PARTITION BY {file_index_sql('line_no')}"
IN_LINE_ORDER = f"OVER ({BY_FILE} ORDER BY line_no)"

# Columns that other expressions refer to (provider defaults to a guess from the model; every
# token count is zero on a failed call) are projected once, in an inner query. An empty model id
# (Cohere's /generate answers `"model": ""`) is no model: NULL, reported as unknown.
_INNER = ("model", "status")


@dataclass(frozen=True)
class LogFormat:
    """A declarative log-format adapter.

    name:        the id used by `--log-format` and stored in `calls.source_format`.
    description: one line for `mmaudit formats`.
    structure:   the JSON structure read from each record (leaves "VARCHAR" or "JSON").
    detect:      SQL predicate over `r` that is true for this format's records.
    detect_hint: what `detect` looks for, said to the user when detection fails.
    columns:     canonical column -> SQL expression over `r` (and `line`, the raw text).
    numbers:     struct paths (e.g. "usage.prompt_tokens") that must be counts when present;
                 a record where one is not gets quarantined with the value in the reason.
    times:       struct paths that must be timestamps when present.
    positives:   struct paths that must be positive numbers when present (a sample weight).
    prompt_text: SQL for the whole prompt text (used for token estimation and hashing).
    skip:        SQL predicate over `r` for records of this format that are not calls (a
                 session log's user turns, summaries): counted as skipped, neither loaded nor
                 quarantined.
    explode:     for formats where one line holds MANY calls (OTLP span batches): SQL over the
                 line's `r` giving a LIST of JSON items; each item is parsed with `item_structure`
                 and becomes the `r` that `columns`, `numbers` and `times` refer to. A detected
                 line that yields no item passing `keep` is skipped.
    keep:        SQL predicate over an exploded item `r`: which items are calls.
    nested:      (own id, parent id), SQL over an exploded item `r`: a kept item that is the
                 parent of another kept item of the same chunk is not loaded (a framework's span
                 around an SDK instrumentor's span of the same request: counting both would
                 count the request twice; the inner one, nearest the API, is the call).
    rollup:      (with `explode` and `nested`) SQL predicate over an exploded item `r` that `keep`
                 leaves out: an aggregate of its children's calls (a parent whose usage is the sum
                 of theirs), loaded only from a FLAT file, none of whose items is the parent
                 (`nested`) of another in the same chunk (an export of trace roots only, or of one
                 op's calls): there its children are not in the input, and it stands for their
                 requests. In a file of trees its children are the calls: those missing from this
                 chunk (or this page file) are in the next, and load from there, so the aggregate
                 is not loaded.
    refuse:      set for files that are recognisably NOT call logs (a batch INPUT file): ingest
                 fails with this message instead of loading or quarantining every line.
    carry:       SQL predicate over `r` for records that later records read through a window over
                 line numbers (a stream's opening event, whose id and model its final event
                 inherits): the latest such record of each chunk of a large file is read again, as
                 context only, at the head of the next chunk, so a stream cut by a chunk boundary
                 loads as it does from a whole file. It is neither stored nor counted twice.
    context:     SQL predicate over `r` for SKIPPED records that later records read through a
                 window over line numbers (a Realtime session's `session.created`, whose model its
                 `response.done` events inherit): they stay in the window's input, then are
                 dropped, and are counted as skipped like every other `skip` record.
    helpers:     name -> SQL over `r` (and the helpers before it), computed once per record in
                 an inner query; `columns`, `prompt_text` and `output_text` refer to them by name.
                 For an expensive value many columns read (a span's attributes parsed from JSON,
                 its messages rebuilt from them): written inline, DuckDB would evaluate it once
                 per column.
    """

    name: str
    description: str
    structure: Mapping[str, Any]
    detect: str
    detect_hint: str
    columns: Mapping[str, str]
    numbers: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    positives: tuple[str, ...] = ()
    prompt_text: str = "NULL"
    output_text: str = "NULL"
    extra_fields: tuple[str, ...] = field(default=())
    skip: str = "false"
    explode: str | None = None
    item_structure: Mapping[str, Any] | None = None
    keep: str = "true"
    nested: tuple[str, str] | None = None
    rollup: str | None = None
    refuse: str | None = None
    carry: str | None = None
    context: str | None = None
    helpers: Mapping[str, str] = field(default_factory=dict)

    def structure_json(self) -> str:
        return json.dumps(self.structure)

    def detect_structure_json(self) -> str:
        """`structure` cut down to what `detect` reads, to parse sampled lines with in detection.

        Planning `from_json` costs by the size of its type (openai-chat's structure is 3,395
        characters, what its `detect` reads 522), and `detect` sees the same values either way: a
        field is parsed the same whatever its siblings. The whole structure when `detect` reads
        the record other than through `r.<path>`."""
        return _detect_structure(self.detect, self.structure_json())

    def reads_line(self) -> bool:
        """Whether any of the format's SQL reads `line`, the raw text (most read only `r`)."""
        sql = [*self.columns.values(), *self.helpers.values(), self.detect, self.prompt_text, self.output_text,
               self.skip, self.keep, self.explode or "", self.rollup or ""]
        return any(re.search(r"(?<![\w.])line\b", part) for part in sql)

    def detect_keys(self) -> frozenset[str] | None:
        """The top-level record keys `detect` reads (`r.key`, `r."a.b"`), lower-cased; None when it
        reads the record any other way (`r` whole, `r[...]`, `line`).

        A line that has none of these keys parses to the same all-NULL `r` as `{}`, on which no
        format's `detect` holds (a test keeps that so): detection skips planning such a format
        for a sample none of whose lines has one of its keys (ingest/detection.py)."""
        return _detect_keys(self.detect)

    def per_file(self) -> bool:
        """Whether each file's rows depend on that file's lines alone: every window partitions by
        file (`BY_FILE`). Files of such a format can be staged together (ingest/batching.py) and
        store what each would alone. (A user's mapping with a window of its own cannot.)"""
        sql = " ".join([self.projection_sql("_parsed"), self.detect, self.skip, self.keep, self.explode or "",
                        self.rollup or ""])
        return len(re.findall(r"\bOVER\s*\(", sql, re.IGNORECASE)) == sql.count(f"OVER ({BY_FILE}")

    def fields_read(self) -> list[str]:
        """Dotted paths of every leaf this format reads (for `mmaudit formats`)."""
        items = _leaf_paths(self.item_structure, "[].") if self.item_structure else []
        return _leaf_paths(self.structure, "") + items + list(self.extra_fields)

    def fields_tree(self) -> str:
        """`fields_read` with shared prefixes written once (`usage.{input_tokens, output_tokens}`):
        the same fields, short enough to read in a terminal column."""
        return paths_tree(self.fields_read())

    def records_sql(self, parsed: str) -> str:
        """(line_no, line, r) of the records that are calls: detected, not skipped, exploded.

        Without `explode` this is one record per line; with it, one per item, all sharing the
        line's number (so quarantine and lineage still point at the line).
        """
        calls = f"NOT coalesce({self.skip}, false)"
        if self.context is not None:  # context records too: projection_sql drops them after its windows
            calls = f"({calls} OR coalesce({self.context}, false))"
        lines = f"SELECT line_no, line, r FROM {parsed} WHERE ({self.detect}) AND {calls}"
        if self.explode is None:
            return lines
        item = json.dumps(self.item_structure or {}).replace("'", "''")
        items = (
            f"SELECT line_no, line, from_json(_item, '{item}') AS r "
            f"FROM (SELECT line_no, line, unnest({self.explode}) AS _item FROM ({lines}))"
        )
        kept = f"SELECT line_no, line, r FROM ({items}) WHERE {self.keep}"
        if self.nested is None:
            return kept
        own, parent = self.nested
        head = f"WITH _kept AS ({kept})"
        if self.rollup is not None:
            # the files of the chunk holding a parent/child pair (trees): their aggregates are not calls
            trees = (f"SELECT {file_index_sql('line_no')} FROM _items WHERE {parent} IS NOT NULL "
                     f"AND {_in_file(parent)} IN (SELECT {_in_file(own)} FROM _items)")
            head = (f"WITH _items AS MATERIALIZED ({items}), _kept AS (SELECT line_no, line, r FROM _items "
                    f"WHERE {self.keep} OR (coalesce({self.rollup}, false) AND {file_index_sql('line_no')} "
                    f"NOT IN ({trees})))")
        return (
            f"{head} SELECT line_no, line, r FROM _kept "
            f"WHERE ({_in_file(own)}) NOT IN (SELECT {_in_file(parent)} FROM _kept WHERE {parent} IS NOT NULL)"
        )

    def projection_sql(self, parsed: str) -> str:
        """SELECT of the canonical columns (+ source_line and transient text) from `parsed`.

        `parsed` is a relation with columns line_no, line, r (the struct). Only rows where
        `detect` holds are projected.
        """
        cols = {**COLUMN_DEFAULTS, **self.columns}
        inner = f"nullif({cols['model']}, '') AS model, {cols['status']} AS status"
        records = f"({self.records_sql(parsed)})"
        for layer in _helper_layers(self.helpers):
            records = f"(SELECT *, {', '.join(f'{sql} AS {name}' for name, sql in layer)} FROM {records})"
        # The texts in a layer of their own, each bound once: most formats' prompt_chars is the
        # prompt text's length and their response_text the output text (written out in both, a
        # long expression was planned twice: litellm's, 40 ms each).
        texts = f"CAST({self.prompt_text} AS VARCHAR) AS _prompt_text, CAST({self.output_text} AS VARCHAR) AS _output_text"
        cols = {**cols, **_read_texts(cols, self.prompt_text, self.output_text)}
        outer = ",\n  ".join(_column_sql(c, t, cols) for c, t in CANONICAL_COLUMNS.items())
        derived = ", ".join(f"NULL::{t} AS {c}" for c, t in DERIVED_COLUMNS.items())
        context = f",\n  coalesce({self.skip}, false) AS _context" if self.context is not None else ""
        sql = (
            f"SELECT line_no AS source_line,\n  {outer},\n  {derived}, NULL::VARCHAR AS source_file,\n"
            f"  _prompt_text, _output_text,\n"
            f"  '{self.name}' AS source_format{context}\n"
            f"FROM (SELECT *, {texts} FROM (SELECT *, {inner} FROM {records}))"
        )
        # output includes reasoning: a count of reasoning above the output it is part of (a gateway's
        # gpt-oss answer: 522 reasoning in a billed completion of 494, its total prompt + 494) is
        # capped at the output, which is what was billed
        # The same for cache reads above the prompt they are part of (`cached_tokens: 400` in a
        # `prompt_tokens: 100`): capped at the prompt, so no call is billed for tokens its log does
        # not claim it read.
        capped = ("CASE WHEN reasoning_tokens > output_tokens THEN output_tokens ELSE reasoning_tokens END "
                  "AS reasoning_tokens, CASE WHEN cached_input_tokens > input_tokens THEN input_tokens "
                  "ELSE cached_input_tokens END AS cached_input_tokens")
        if not context:
            return f"SELECT * REPLACE ({capped}) FROM ({sql})"
        # windows run before a WHERE of the same SELECT: context records leave only after them
        return f"SELECT * EXCLUDE (_context) REPLACE ({capped}) FROM ({sql}) WHERE NOT _context"

    def checks_sql(self, parsed: str) -> str:
        """SELECT line_no, reason for every detected record with a value that cannot load."""
        reasons = [
            f"CASE WHEN mm_bad_int(r.{p}) THEN '{p} is ' || r.{p} || ', not a token count' END"
            for p in self.numbers
        ] + [
            f"CASE WHEN mm_bad_ts(r.{p}) THEN '{p} is ' || r.{p} || ', not a timestamp (ISO 8601 or epoch s/ms, years 1970-2199)' END"
            for p in self.times
        ] + [
            f"CASE WHEN {_bad_positive(p)} THEN '{p} is ' || r.{p} || ', not a positive number' END"
            for p in self.positives
        ]
        if not reasons:
            return f"SELECT NULL::BIGINT AS line_no, NULL::VARCHAR AS reason FROM {parsed} WHERE false"
        joined = ", ".join(reasons)
        # Each check is written once, and concat_ws skips the NULL reasons: a record is bad when any
        # reason is given (a check holds only for a value that is there, so its reason is never
        # NULL). Written twice (the reasons, then a WHERE) and joined through a list lambda,
        # Gemini's 36 paths took 0.08 s to plan, now 0.04 s.
        return (
            "SELECT line_no, string_agg(DISTINCT reason, '; ') AS reason FROM ("
            f"SELECT line_no, concat_ws('; ', {joined}) AS reason "
            f"FROM ({self.records_sql(parsed)})) WHERE reason <> '' GROUP BY line_no"
        )


def _read_texts(cols: Mapping[str, str], prompt_text: str, output_text: str) -> dict[str, str]:
    """The columns that are the prompt text's length or the output text itself, read from the
    texts' layer (`_prompt_text`, `_output_text`) instead of computed again."""
    read: dict[str, str] = {}
    if cols["prompt_chars"] == f"length({prompt_text})":
        read["prompt_chars"] = "length(_prompt_text)"
    if cols["response_text"] == output_text:
        read["response_text"] = "_output_text"
    return read


def _helper_layers(helpers: Mapping[str, str]) -> list[list[tuple[str, str]]]:
    """The helpers in as few nested SELECTs as their references allow: each in the first layer
    after every helper it names. One SELECT per helper nested openai-chat's 13 helpers 13 deep;
    in these 3 layers its projection plans in ~150 ms, not ~170 ms (DuckDB's unused-column pass
    walks every layer). A name that only looks like a reference (a JSON key spelt like a helper)
    costs a layer, never a wrong read: a helper is never read from a layer before its own."""
    depth: dict[str, int] = {}
    for name, sql in helpers.items():  # in order: a helper may read the ones before it
        depth[name] = 1 + max((d for h, d in depth.items() if re.search(rf"\b{re.escape(h)}\b", sql)), default=-1)
    layers: list[list[tuple[str, str]]] = [[] for _ in range(1 + max(depth.values(), default=-1))]
    for name, sql in helpers.items():
        layers[depth[name]].append((name, sql))
    return layers


_TOKEN_COLUMNS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
                  "cache_write_1h_tokens", "citation_tokens")


def _column_sql(column: str, sql_type: str, cols: Mapping[str, str]) -> str:
    """One canonical column: the adapter's expression cast to its type, plus the rules that hold
    for every format (a failed call has zero tokens unless the log says otherwise). The prompt
    hash, the normalised prompt's md5 unless the log carries one, is `prompt_hash_sql`'s."""
    if column in _INNER:
        return column
    expr = f"CAST({cols[column]} AS {sql_type})"
    if column in _TOKEN_COLUMNS:
        expr = f"coalesce({expr}, CASE WHEN status = 'error' THEN 0::{sql_type} END)"  # the expression once
    return f"{expr} AS {column}"


def page_or_line(key: str) -> str:
    """`explode` for logs an API lists in pages (`{key: [records...], ...}`) that are also written
    one record per line: a page's records, else the line as one record."""
    return f"CASE WHEN json_type(r.{key}) = 'ARRAY' THEN json_extract(r.{key}, '$[*]') ELSE [line::JSON] END"


def tag(key: str, value: str) -> str:
    """One `{key, value}` entry of a record's tags (SQL; a NULL value is dropped by the caller's filter)."""
    return f"{{'key': '{key}', 'value': {value}}}"


def tags_map(entries: list[str]) -> str:
    """A record's tags (SQL MAP) from `tag` entries, those whose value is NULL left out."""
    return f"map_from_entries(list_filter([{', '.join(entries)}], lambda e: e.value IS NOT NULL))"


def bind_once(name: str, value: str, body: str) -> str:
    """SQL of `body` with `name` standing for `value`, planned once.

    DuckDB plans an expression wherever it is written (and a macro's arguments wherever the macro
    names them), so a long value that `body` reads many times is planned many times. As the item
    of a one-item list that a lambda reads, it is planned once. Several values: a struct
    (`{'a': ..., 'b': ...}`, read as `name.a`). The value is computed for every row that reaches
    `body`: only for values that cannot fail on a row an enclosing CASE would have kept from them."""
    return f"list_transform([{value}], lambda {name}: {body})[1]"


def first_id(*exprs: str) -> str:
    """The first of several id expressions (a model's, say) that is set and not empty.

    Some servers answer `"model": ""` (Cohere's /generate, OpenAI-compatible proxies): an empty id
    is no id, so the next source (the request's model) names the call instead of leaving it
    unknown. Only for VARCHAR expressions."""
    return "coalesce(" + ", ".join(f"nullif({e}, '')" for e in exprs) + ")"


def status_in_text(text: str) -> str:
    """The HTTP status an error's text names (an SDK exception: "Error code: 429 - {...}",
    "status_code=529", "404 {...}"): its first 4xx or 5xx number standing alone, else NULL."""
    return f"TRY_CAST(nullif(regexp_extract(coalesce({text}, ''), '\\b([45][0-9][0-9])\\b', 1), '') AS INTEGER)"


def ms_after(start: str, end: str) -> str:
    """Milliseconds from timestamp `start` to `end` (SQL values mm_ts reads), NULL when either is
    missing or the end comes first (a log's clock skew is no duration)."""
    return f"CASE WHEN mm_ts({end}) >= mm_ts({start}) THEN (epoch_us(mm_ts({end})) - epoch_us(mm_ts({start}))) / 1000.0 END"


def prompt_hash_sql(table: str) -> str:
    """UPDATE giving every row of `table` without a logged prompt hash the normalised prompt's md5.

    Run after the projection, over DISTINCT prompt texts: traffic repeats its prompts (templates,
    shared system prompts), and the normalisation (a regexp over the whole text) is the dearest
    expression of the projection.
    """
    return f"""UPDATE {table} SET prompt_hash = h.hash
        FROM (SELECT text, mm_prompt_hash(NULL, text) AS hash FROM (
              SELECT DISTINCT _prompt_text AS text FROM {table} WHERE prompt_hash IS NULL AND _prompt_text IS NOT NULL)) h
        WHERE {table}.prompt_hash IS NULL AND {table}._prompt_text = h.text"""


def _leaf_paths(structure: Mapping[str, Any], prefix: str) -> list[str]:
    paths: list[str] = []
    for key, value in structure.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            paths.extend(_leaf_paths(value, path + "."))
        else:
            paths.append(path)
    return paths


def _bad_positive(path: str) -> str:
    return f"(r.{path} IS NOT NULL AND NOT coalesce(mm_num(r.{path}) > 0, false))"


def paths_tree(paths: list[str]) -> str:
    """Dotted paths as one string with each shared prefix written once, in first-seen order:
    ["a.b", "a.c.d", "e"] -> "a.{b, c.d}, e"."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return _render_tree(tree)


def _render_tree(tree: dict[str, Any]) -> str:
    parts = []
    for name, children in tree.items():
        if not children:
            parts.append(name)
        elif len(children) == 1:
            parts.append(f"{name}.{_render_tree(children)}")
        else:
            parts.append(f"{name}.{{{_render_tree(children)}}}")
    return ", ".join(parts)


def record_key_sql(line: str = "r.line") -> str:
    """md5 of the record as JSON without its layout: `json()` re-writes a line minified, with its
    escapes resolved, keys in their order. A log re-serialised — a JSON array saved again as JSON
    Lines, pretty-printed, `jq -c`, `\\u00e9` written as `é` — says the same calls in other bytes;
    keyed on the record, an id-less call read again is the same call, not a second one. (Keyed on
    what the call's canonical columns say instead, two different error bodies of one provider with
    no time, model or text — an OpenAI `unsupported_value` and a `decimal_below_min_value` 400 —
    were one call; a copy with its keys re-ordered is not recognised.)"""
    return f"md5(json(ltrim({line}, chr(65279))))"


def _in_file(span: str) -> str:
    """A span id as `file index:id` (NULL when the id is): a parent is looked for in its own file."""
    return f"(CAST({file_index_sql('line_no')} AS VARCHAR) || ':' || ({span}))"
