"""The fast, set-based categorisation plan: text cues once per distinct text, arithmetic per row.

`sql.task_update_sql` / `sql.complexity_update_sql` state the semantics directly (every regex on
every row, twice); they are kept as the reference the tests compare this plan against. This plan
gives identical results (same cue order, same float arithmetic) much faster:

1. Text cues depend only on the text they read. Each text field is reduced to a key
   (`md5_number`, 128 bits) and every regex is evaluated once per DISTINCT key at the narrowest
   level that determines it: `system` cues per distinct system prompt, `user` cues per distinct
   user message, `response` cues per distinct response head, `prompt` / `instruction` cues and the
   instruction count per distinct (system, user) pair. Only the keys and the booleans are stored,
   never a second copy of the text.
2. Tag signals (tags['task'], tags['complexity'], tag mappings) are evaluated once per distinct
   tuple of the tag values they read.
3. One per-row query joins those back and does the cheap part (shape features, weighted sums,
   best task, confidence, complexity score) into a temp table; then ONE UPDATE (two with a
   model, whose answer changes the task the complexity bias depends on) joins by rowid.

Every user-written value is still a bound parameter; only our own aliases appear in the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mmaudit.categorise.rules import Cue, Rules
from mmaudit.categorise.sql import (
    _DIRECTIVE_RE,
    _LIST_ITEM_RE,
    INSTRUCTION_HEAD_CHARS,
    INSTRUCTION_TAIL_CHARS,
    SCAN_HEAD_CHARS,
    SCAN_TAIL_CHARS,
    Params,
    keywords_regex,
    quote_table,
)

# Temp tables of one run (the connection's temp schema; dropped at the end).
ROWS_TABLE = "_mmcat_rows"
TAG_TABLE = "_mmcat_tags"
LEVEL_TABLES = {"s": "_mmcat_text_s", "u": "_mmcat_text_u", "r": "_mmcat_text_r", "su": "_mmcat_text_su"}
# Which distinct text a field depends on.
FIELD_LEVEL = {"system": "s", "user": "u", "response": "r", "prompt": "su", "instruction": "su"}
LEVEL_KEYS = {"s": ["ks"], "u": ["ku"], "r": ["kr"], "su": ["ks", "ku"]}
COMPLEXITY_LEVELS = ("simple", "moderate", "complex")


def _sys(src: str) -> str:
    return f"coalesce({src}.system_prompt, '')"


def _usr(src: str) -> str:
    return f"coalesce({src}.user_prompt, '')"


def _resp_head(src: str) -> str:
    return f"left(coalesce({src}.response_text, ''), {SCAN_HEAD_CHARS})"


def _cut(text: str, head: int, tail: int) -> str:
    """Start and end of a long text joined by a newline (the text itself when short)."""
    return f"CASE WHEN length({text}) > {head + tail} THEN left({text}, {head}) || chr(10) || right({text}, {tail}) ELSE {text} END"


KEY_EXPR = {
    "ks": lambda src: f"md5_number({_sys(src)})",
    "ku": lambda src: f"md5_number({_usr(src)})",
    "kr": lambda src: f"md5_number({_resp_head(src)})",
}


@dataclass
class TextCue:
    column: str
    field: str
    regex: str
    prefilter: str | None = None

    def sql(self, p: Params) -> str:
        """The cue's boolean; with a prefilter, the pattern runs only where the prefilter matched
        (a CASE: DuckDB evaluates its THEN branch for those rows only)."""
        matches = f"regexp_matches(f_{self.field}, {p.add(self.regex)})"
        if self.prefilter is None:
            return matches
        return f"CASE WHEN regexp_matches(f_{self.field}, {p.add(self.prefilter)}) THEN {matches} ELSE false END"


@dataclass
class Plan:
    """Statements to run, in order: `prepare`, then either `update_all` (no model) or `update_task`,
    the model, `update_complexity`; `cleanup` always."""

    prepare: list[tuple[str, list[Any]]] = field(default_factory=list)
    update_all: tuple[str, list[Any]] = ("", [])
    update_task: tuple[str, list[Any]] = ("", [])
    update_complexity: tuple[str, list[Any]] = ("", [])
    cleanup: list[str] = field(default_factory=list)


class _TextCues:
    """Every distinct (field, regex) of the rules, each with its own boolean column."""

    def __init__(self, rules: Rules):
        self.by_key: dict[tuple[str, str], TextCue] = {}
        cues = [c for rule in rules.tasks.values() for c in rule.cues] + list(rules.complexity.cues)
        for cue in cues:
            if cue.pattern is None and cue.keywords is None:
                continue
            key = self._key(cue)
            if key not in self.by_key:
                self.by_key[key] = TextCue(f"x{len(self.by_key)}", *key)
        uses = [c.feature for c in cues if c.feature is not None]
        self.needs_instruction_count = "instruction_count" in uses

    @staticmethod
    def _key(cue: Cue) -> tuple[str, str, str | None]:
        regex = cue.pattern if cue.pattern is not None else keywords_regex(cue.keywords or [])
        return cue.field, regex, cue.prefilter

    def column(self, cue: Cue) -> str:
        return self.by_key[self._key(cue)].column

    def levels(self) -> dict[str, list[TextCue]]:
        out: dict[str, list[TextCue]] = {}
        for tc in self.by_key.values():
            out.setdefault(FIELD_LEVEL[tc.field], []).append(tc)
        if self.needs_instruction_count:
            out.setdefault("su", [])
        return out


def _level_sql(level: str, cues: list[TextCue], qt: str, needs_instruction_count: bool) -> tuple[str, list[Any]]:
    """One row per distinct text of the level: its keys and one boolean per text cue."""
    p = Params()
    keys = LEVEL_KEYS[level]
    key_cols = ", ".join(f"{KEY_EXPR[k]('t')} AS {k}" for k in keys)
    if level == "s":
        inner = f"SELECT {key_cols}, {_sys('t')} AS sys FROM {qt} AS t"
        feats = "ks, any_value(sys) AS f_system"
    elif level == "u":
        inner = f"SELECT {key_cols}, {_usr('t')} AS usr FROM {qt} AS t"
        feats = f"ku, {_cut('any_value(usr)', SCAN_HEAD_CHARS, SCAN_TAIL_CHARS)} AS f_user"
    elif level == "r":
        inner = f"SELECT {key_cols}, {_resp_head('t')} AS resp FROM {qt} AS t"
        feats = "kr, any_value(resp) AS f_response"
    else:
        inner = f"SELECT {key_cols}, {_sys('t')} AS sys, {_usr('t')} AS usr FROM {qt} AS t"
        feats = "ks, ku, any_value(sys) AS sys, any_value(usr) AS usr"
    grouped = f"SELECT {feats} FROM ({inner}) GROUP BY {', '.join(keys)}"
    if level == "su":
        scan = _cut("usr", SCAN_HEAD_CHARS, SCAN_TAIL_CHARS)
        instr = _cut("usr", INSTRUCTION_HEAD_CHARS, INSTRUCTION_TAIL_CHARS)
        grouped = (
            f"SELECT ks, ku, sys || chr(10) || {scan} AS f_prompt, sys || chr(10) || {instr} AS f_instruction "
            f"FROM ({grouped})"
        )
    cols = [f"{c.sql(p)} AS {c.column}" for c in cues]
    if level == "su" and needs_instruction_count:
        head = f"left(f_prompt, {SCAN_HEAD_CHARS})"
        cols.append(
            f"(len(regexp_extract_all({head}, {p.add(_LIST_ITEM_RE)})) "
            f"+ len(regexp_extract_all({head}, {p.add(_DIRECTIVE_RE)}))) AS instruction_count"
        )
    select = ", ".join(keys + cols)
    sql = f"CREATE OR REPLACE TEMP TABLE {LEVEL_TABLES[level]} AS SELECT {select} FROM ({grouped})"
    return sql, p.values


class _Tags:
    """The tag values the rules read, each an alias g0, g1...; signals computed per distinct tuple."""

    def __init__(self, rules: Rules):
        names = ["task", "complexity"] + [m.tag for m in rules.tag_mappings]
        self.alias: dict[str, str] = {}
        for name in names:
            if name not in self.alias:
                self.alias[name] = f"g{len(self.alias)}"

    def table_sql(self, qt: str, rules: Rules) -> tuple[str, list[Any]]:
        p = Params()
        values = ", ".join(f"t.tags[{p.add(name)}] AS {a}" for name, a in self.alias.items())
        pairs = {name: name for name in rules.tasks} | {k.lower(): v for k, v in rules.task_aliases.items()}
        whens = " ".join(f"WHEN {p.add(k)} THEN {p.add(v)}" for k, v in pairs.items())
        meta = f"CASE lower(trim({self.alias['task']})) {whens} ELSE NULL END"
        levels = " ".join(f"WHEN {p.add(level)} THEN {p.add(level)}" for level in COMPLEXITY_LEVELS)
        cx_meta = f"CASE lower(trim({self.alias['complexity']})) {levels} ELSE NULL END"
        tag_task = self._mapping(rules, p, "task")
        tag_conf = self._mapping(rules, p, "confidence")
        cols = ", ".join(self.alias.values())
        sql = (
            f"CREATE OR REPLACE TEMP TABLE {TAG_TABLE} AS SELECT {cols}, {meta} AS meta_task, "
            f"{tag_task} AS tag_task, {tag_conf} AS tag_conf, {cx_meta} AS cx_meta "
            f"FROM (SELECT DISTINCT {values} FROM {qt} AS t)"
        )
        return sql, p.values

    def _mapping(self, rules: Rules, p: Params, what: str) -> str:
        if not rules.tag_mappings:
            return "NULL"
        whens = []
        for m in rules.tag_mappings:
            value = m.task if what == "task" else float(m.confidence)
            cond = f"regexp_matches(coalesce({self.alias[m.tag]}, ''), {p.add(m.pattern)})"
            whens.append(f"WHEN {cond} THEN {p.add(value)}")
        return "CASE " + " ".join(whens) + " ELSE NULL END"

    def row_values(self, p: Params) -> str:
        return ", ".join(f"t.tags[{p.add(name)}] AS {a}" for name, a in self.alias.items())

    def join(self) -> str:
        on = " AND ".join(f"T.{a} IS NOT DISTINCT FROM f.{a}" for a in self.alias.values())
        return f"LEFT JOIN {TAG_TABLE} AS T ON {on}"


def _cue_condition(cue: Cue, text: _TextCues, p: Params) -> str:
    """The cue as a boolean over the joined row: a precomputed text column or a feature test."""
    if cue.pattern is not None or cue.keywords is not None:
        return text.column(cue)
    column = cue.feature
    if cue.equals is not None:
        return f"{column} = {p.add(cue.equals.lower())}"
    parts = []
    if cue.min is not None:
        parts.append(f"{column} >= {p.add(cue.min)}")
    if cue.max is not None:
        parts.append(f"{column} < {p.add(cue.max)}")
    return " AND ".join(parts)


def _score_sum(cues: list[Cue], text: _TextCues, p: Params) -> str:
    """Weighted sum of the cues that hold, as a DOUBLE, in the rules' order (as sql.score_sum)."""
    if not cues:
        return "0.0"
    terms = [f"CASE WHEN {_cue_condition(c, text, p)} THEN {p.add(float(c.weight))} ELSE 0.0 END" for c in cues]
    return "(" + " + ".join(terms) + ")"


def _rows_sql(qt: str, rules: Rules, text: _TextCues, levels: dict[str, list[TextCue]], tags: _Tags) -> tuple[str, list[Any]]:
    """Per row: the task decision and the complexity cue score (without the task bias)."""
    p = Params()
    needed_keys = sorted({k for level in levels for k in LEVEL_KEYS[level]})
    keys = "".join(f", {KEY_EXPR[k]('t')} AS {k}" for k in needed_keys)
    system, user = _sys("t"), _usr("t")
    features = f"""t.rowid AS rid{keys},
      coalesce(t.prompt_chars, length({system}) + length({user})) AS prompt_chars,
      length({system}) AS system_chars, length({user}) AS user_chars,
      length(coalesce(t.response_text, '')) AS response_chars,
      coalesce(t.n_messages, 1) AS n_messages, coalesce(t.n_tools, 0) AS n_tools,
      coalesce(t.input_tokens, 0) AS input_tokens, coalesce(t.output_tokens, 0) AS output_tokens,
      coalesce(t.reasoning_tokens, 0) AS reasoning_tokens,
      lower(coalesce(t.operation, '')) AS operation, lower(coalesce(t.response_format, '')) AS response_format,
      CASE WHEN t.has_image THEN 'true' ELSE 'false' END AS has_image,
      {tags.row_values(p)}"""
    joins = [tags.join()]
    picked = ["f.*", "T.meta_task", "T.tag_task", "T.tag_conf", "T.cx_meta"]
    for level in levels:
        on = " AND ".join(f"L_{level}.{k} = f.{k}" for k in LEVEL_KEYS[level])
        joins.append(f"LEFT JOIN {LEVEL_TABLES[level]} AS L_{level} ON {on}")
        picked.append(f"L_{level}.* EXCLUDE ({', '.join(LEVEL_KEYS[level])})")
    scores = [_score_sum(rule.cues, text, p) for rule in rules.tasks.values()]
    score_cols = ",\n".join(f"{s} AS s{i}" for i, s in enumerate(scores))
    score_list = "[" + ", ".join(f"s{i}" for i in range(len(scores))) + "]"
    cx_score = _score_sum(rules.complexity.cues, text, p)
    op = "NULL"
    if rules.operations:
        whens = " ".join(f"WHEN {p.add(k.lower())} THEN {p.add(v)}" for k, v in rules.operations.items())
        op = f"CASE operation {whens} ELSE NULL END"
    names = "[" + ", ".join(p.add(n) for n in rules.tasks) + "]"
    image_task = p.add(rules.image_task)
    sc = rules.scoring
    min_score, fallback, fb_conf = p.add(sc.min_score), p.add(sc.fallback_task), p.add(sc.fallback_confidence)
    prior, max_conf = p.add(sc.confidence_prior), p.add(sc.max_confidence)
    sql = f"""
CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS
WITH f AS (SELECT {features} FROM {qt} AS t),
g AS (SELECT {', '.join(picked)} FROM f {' '.join(joins)}),
s AS (SELECT rid, meta_task, tag_task, tag_conf, cx_meta, has_image = 'true' AS img, {op} AS op_task,
             {score_cols}, {cx_score} AS cx_score FROM g),
r AS (SELECT *, {score_list} AS scores FROM s),
b AS (
  SELECT *, list_max(scores) AS top, list_position(scores, list_max(scores)) AS best,
         coalesce(list_sort(scores, 'DESC')[2], 0.0) AS second
  FROM r
)
SELECT rid, cx_meta, cx_score,
    CASE WHEN meta_task IS NOT NULL THEN meta_task WHEN op_task IS NOT NULL THEN op_task
         WHEN img THEN {image_task} WHEN tag_task IS NOT NULL THEN tag_task
         WHEN top >= {min_score} THEN {names}[best] ELSE {fallback} END AS new_task,
    CASE WHEN meta_task IS NOT NULL THEN 1.0 WHEN op_task IS NOT NULL THEN 1.0 WHEN img THEN 0.95
         WHEN tag_task IS NOT NULL THEN tag_conf
         WHEN top >= {min_score} THEN least({max_conf}, top / (top + second + {prior}))
         ELSE {fb_conf} END AS new_conf,
    CASE WHEN meta_task IS NOT NULL THEN 'metadata' WHEN op_task IS NOT NULL THEN 'operation'
         WHEN img THEN 'operation' WHEN tag_task IS NOT NULL THEN 'tag'
         WHEN top >= {min_score} THEN 'rules' ELSE 'default' END AS new_source
FROM b"""
    return sql, p.values


def _complexity_expr(rules: Rules, task_expr: str, p: Params) -> str:
    """coalesce(valid tags['complexity'], level of cue score + task bias), as sql.complexity_update_sql."""
    bias_whens = " ".join(f"WHEN {p.add(k)} THEN {p.add(float(v))}" for k, v in rules.complexity.task_bias.items())
    bias = f"CASE {task_expr} {bias_whens} ELSE 0.0 END" if bias_whens else "0.0"
    th = rules.complexity.thresholds
    cx, md = p.add(th.complex), p.add(th.moderate)
    score = f"(r.cx_score + {bias})"
    return (
        f"coalesce(r.cx_meta, CASE WHEN {score} >= {cx} THEN 'complex' "
        f"WHEN {score} >= {md} THEN 'moderate' ELSE 'simple' END)"
    )


def build_plan(table: str, rules: Rules) -> Plan:
    """All statements of one categorisation run over `table` (see the module docstring)."""
    qt = quote_table(table)
    text = _TextCues(rules)
    levels = text.levels()
    tags = _Tags(rules)
    plan = Plan()
    for level, cues in levels.items():
        plan.prepare.append(_level_sql(level, cues, qt, text.needs_instruction_count))
    plan.prepare.append(tags.table_sql(qt, rules))
    plan.prepare.append(_rows_sql(qt, rules, text, levels, tags))
    task_set = "task = r.new_task, category_confidence = r.new_conf, category_source = r.new_source"
    where = f"FROM {ROWS_TABLE} AS r WHERE u.rowid = r.rid"
    p = Params()
    plan.update_all = (f"UPDATE {qt} AS u SET {task_set}, complexity = {_complexity_expr(rules, 'r.new_task', p)} {where}",
                       p.values)
    plan.update_task = (f"UPDATE {qt} AS u SET {task_set} {where}", [])
    p = Params()
    plan.update_complexity = (f"UPDATE {qt} AS u SET complexity = {_complexity_expr(rules, 'u.task', p)} {where}",
                              p.values)
    plan.cleanup = [f"DROP TABLE IF EXISTS {name}" for name in [ROWS_TABLE, TAG_TABLE, *LEVEL_TABLES.values()]]
    return plan
