"""SQL generation: the validated rules become CASE / regexp_matches / weighted sums.

`task_update_sql` and `complexity_update_sql` state the semantics directly (every regex on every
row); they are the reference the tests compare against. `apply_categories` runs the equivalent,
much faster plan of `plan.py` (text cues once per distinct text), which reuses the helpers here.

Nothing a user wrote is ever pasted into SQL text: every pattern, keyword, weight, task name and
tag key travels as a bound parameter (`$n`), collected in order by `Params`. Only identifiers that
we produce ourselves (column aliases `s0`, `s1`...) and the caller's internal table name (checked
against a strict identifier pattern) appear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mmaudit.categorise.rules import Cue, Rules

# How much of a long user message the text cues scan: instructions sit at the start or the end of a
# pasted document, and scanning 100 kB documents with ~150 regexes would dominate the run time.
SCAN_HEAD_CHARS = 6000
SCAN_TAIL_CHARS = 2000
# The `instruction` field: the system prompt plus the start and end of the user message, where
# requests are phrased; the middle of a pasted document (numbers, questions, names) is left out.
INSTRUCTION_HEAD_CHARS = 400
INSTRUCTION_TAIL_CHARS = 300

# Calls logged without any text (usage exports, metadata-only gateways) keep the rules' answer:
# the model would read only its shape tokens there and answer with a confidence no evidence backs
# (an errored call without text came out `other` at 0.99).
HAS_TEXT_SQL = "(coalesce(t.user_prompt, '') <> '' OR coalesce(t.system_prompt, '') <> '')"

# A valid tags['complexity'] (as the rules read it) wins over the model's complexity.
TAGGED_COMPLEXITY_SQL = ("CASE lower(trim(t.tags['complexity'])) WHEN 'simple' THEN 'simple'"
                         " WHEN 'moderate' THEN 'moderate' WHEN 'complex' THEN 'complex' ELSE NULL END")

# The rows the model reads: those the rules decided by their cues or fallback, with text.
MODEL_READS_SQL = f"t.category_source IN ('rules', 'default') AND {HAS_TEXT_SQL}"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_RE2_SPECIAL = set("\\.^$|?*+()[]{}")

# Fixed (not user-provided) regexes for the instruction count: numbered/bulleted lines and modal
# directives are how production prompts spell out requirements.
_LIST_ITEM_RE = r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+\S"
_DIRECTIVE_RE = r"(?i)\b(?:must|should|always|never|do not|don't|make sure|ensure|avoid|include)\b"


@dataclass
class Params:
    """Bound parameters, referenced as `$1`, `$2`... so one value may be used in several places."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def quote_table(table: str) -> str:
    """Quote an internal table name (optionally schema-qualified) after checking its shape."""
    if not _IDENT.match(table):
        raise ValueError(f"not a plain table identifier: {table!r}")
    return ".".join(f'"{part}"' for part in table.split("."))


def escape_re2(text: str) -> str:
    """Escape a literal keyword for RE2 (only its metacharacters; RE2 rejects some \\-escapes)."""
    return "".join("\\" + ch if ch in _RE2_SPECIAL else ch for ch in text)


def keywords_regex(keywords: list[str]) -> str:
    """Case-insensitive alternation of literal keywords on word boundaries where the edges are words."""
    parts = []
    for kw in keywords:
        body = r"\s+".join(escape_re2(w) for w in kw.split())
        # RE2's \b is ASCII-only: a boundary next to é or 要 never matches, so only ASCII edges get one.
        left = r"\b" if re.match(r"[A-Za-z0-9_]", kw[0]) else ""
        right = r"\b" if re.match(r"[A-Za-z0-9_]", kw[-1]) else ""
        parts.append(f"{left}{body}{right}")
    return "(?i)(?:" + "|".join(parts) + ")"


def feature_columns(src: str = "t") -> str:
    """The derived feature columns every rule may reference, computed once per row."""
    user = f"coalesce({src}.user_prompt, '')"
    system = f"coalesce({src}.system_prompt, '')"
    scan = (
        f"CASE WHEN length({user}) > {SCAN_HEAD_CHARS + SCAN_TAIL_CHARS} "
        f"THEN left({user}, {SCAN_HEAD_CHARS}) || chr(10) || right({user}, {SCAN_TAIL_CHARS}) ELSE {user} END"
    )
    instruction = (
        f"CASE WHEN length({user}) > {INSTRUCTION_HEAD_CHARS + INSTRUCTION_TAIL_CHARS} "
        f"THEN left({user}, {INSTRUCTION_HEAD_CHARS}) || chr(10) || right({user}, {INSTRUCTION_TAIL_CHARS}) ELSE {user} END"
    )
    return ",\n".join(
        [
            f"{src}.rowid AS rid",
            f"{system} AS f_system",
            f"{scan} AS f_user",
            f"{system} || chr(10) || {scan} AS f_prompt",
            f"{system} || chr(10) || {instruction} AS f_instruction",
            f"left(coalesce({src}.response_text, ''), {SCAN_HEAD_CHARS}) AS f_response",
            f"coalesce({src}.prompt_chars, length({system}) + length({user})) AS prompt_chars",
            f"length({system}) AS system_chars",
            f"length({user}) AS user_chars",
            f"length(coalesce({src}.response_text, '')) AS response_chars",
            f"coalesce({src}.n_messages, 1) AS n_messages",
            f"coalesce({src}.n_tools, 0) AS n_tools",
            f"coalesce({src}.input_tokens, 0) AS input_tokens",
            f"coalesce({src}.output_tokens, 0) AS output_tokens",
            f"coalesce({src}.reasoning_tokens, 0) AS reasoning_tokens",
            f"lower(coalesce({src}.operation, '')) AS operation",
            f"lower(coalesce({src}.response_format, '')) AS response_format",
            f"CASE WHEN {src}.has_image THEN 'true' ELSE 'false' END AS has_image",
            f"{src}.tags AS tags",
            f"{src}.task AS old_task",
        ]
    )


def instruction_count_sql(p: Params) -> str:
    """Numbered/bulleted lines in the prompt plus modal directives (must, never, ensure...)."""
    head = f"left(f_prompt, {SCAN_HEAD_CHARS})"
    return (
        f"(len(regexp_extract_all({head}, {p.add(_LIST_ITEM_RE)})) "
        f"+ len(regexp_extract_all({head}, {p.add(_DIRECTIVE_RE)})))"
    )


def cue_condition(cue: Cue, p: Params) -> str:
    """A boolean SQL expression for one cue."""
    if cue.pattern is not None or cue.keywords is not None:
        regex = cue.pattern if cue.pattern is not None else keywords_regex(cue.keywords or [])
        matches = f"regexp_matches(f_{cue.field}, {p.add(regex)})"
        if cue.prefilter is None:
            return matches
        return f"(regexp_matches(f_{cue.field}, {p.add(cue.prefilter)}) AND {matches})"
    column = "instruction_count" if cue.feature == "instruction_count" else cue.feature
    if cue.equals is not None:
        return f"{column} = {p.add(cue.equals.lower())}"
    parts = []
    if cue.min is not None:
        parts.append(f"{column} >= {p.add(cue.min)}")
    if cue.max is not None:
        parts.append(f"{column} < {p.add(cue.max)}")
    return " AND ".join(parts)


def score_sum(cues: list[Cue], p: Params) -> str:
    """Weighted sum of the cues that hold, as a DOUBLE."""
    if not cues:
        return "0.0"
    terms = [f"CASE WHEN {cue_condition(c, p)} THEN {p.add(float(c.weight))} ELSE 0.0 END" for c in cues]
    return "(" + " + ".join(terms) + ")"


def canonical_task_sql(expr: str, rules: Rules, p: Params) -> str:
    """Map a metadata value to a known task (itself or via task_aliases); NULL when unknown."""
    pairs = {name: name for name in rules.tasks} | {k.lower(): v for k, v in rules.task_aliases.items()}
    whens = " ".join(f"WHEN {p.add(k)} THEN {p.add(v)}" for k, v in pairs.items())
    return f"CASE lower(trim({expr})) {whens} ELSE NULL END"


def operation_task_sql(rules: Rules, p: Params) -> str:
    """The task an operation implies (embedding → embedding), NULL otherwise."""
    if not rules.operations:
        return "NULL"
    whens = " ".join(f"WHEN {p.add(k.lower())} THEN {p.add(v)}" for k, v in rules.operations.items())
    return f"CASE operation {whens} ELSE NULL END"


def tag_mapping_sql(rules: Rules, p: Params, what: str) -> str:
    """First matching tag mapping's task (what='task') or confidence (what='confidence')."""
    if not rules.tag_mappings:
        return "NULL"
    whens = []
    for m in rules.tag_mappings:
        value = m.task if what == "task" else float(m.confidence)
        cond = f"regexp_matches(coalesce(tags[{p.add(m.tag)}], ''), {p.add(m.pattern)})"
        whens.append(f"WHEN {cond} THEN {p.add(value)}")
    return "CASE " + " ".join(whens) + " ELSE NULL END"


def task_update_sql(table: str, rules: Rules) -> tuple[str, list[Any]]:
    """One UPDATE that sets task, category_confidence and category_source by the signal order:
    metadata tag > operation > image input > endpoint/app/route tags > text/shape cues > fallback.

    Reference semantics (tests): `plan.build_plan` computes the same answers faster.
    """
    p = Params()
    qt = quote_table(table)
    features = feature_columns("t")
    instr = instruction_count_sql(p)
    scores = [score_sum(rule.cues, p) for rule in rules.tasks.values()]
    score_cols = ",\n".join(f"{s} AS s{i}" for i, s in enumerate(scores))
    score_list = "[" + ", ".join(f"s{i}" for i in range(len(scores))) + "]"
    meta = canonical_task_sql("tags['task']", rules, p)
    op = operation_task_sql(rules, p)
    tag_task = tag_mapping_sql(rules, p, "task")
    tag_conf = tag_mapping_sql(rules, p, "confidence")
    names = "[" + ", ".join(p.add(n) for n in rules.tasks) + "]"
    image_task = p.add(rules.image_task)
    sc = rules.scoring
    min_score, fallback, fb_conf = p.add(sc.min_score), p.add(sc.fallback_task), p.add(sc.fallback_confidence)
    prior, max_conf = p.add(sc.confidence_prior), p.add(sc.max_confidence)
    sql = f"""
WITH f AS (SELECT {features} FROM {qt} AS t),
g AS (SELECT *, {instr} AS instruction_count FROM f),
s AS (SELECT rid, tags, has_image, operation, {score_cols} FROM g),
r AS (
  SELECT rid, {meta} AS meta_task, {op} AS op_task, {tag_task} AS tag_task, {tag_conf} AS tag_conf,
         has_image = 'true' AS img, {score_list} AS scores
  FROM s
),
b AS (
  SELECT *, list_max(scores) AS top, list_position(scores, list_max(scores)) AS best,
         coalesce(list_sort(scores, 'DESC')[2], 0.0) AS second
  FROM r
),
d AS (
  SELECT rid,
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
  FROM b
)
UPDATE {qt} AS u SET task = d.new_task, category_confidence = d.new_conf, category_source = d.new_source
FROM d WHERE u.rowid = d.rid"""
    return sql, p.values


def complexity_update_sql(table: str, rules: Rules) -> tuple[str, list[Any]]:
    """One UPDATE that sets complexity from tags['complexity'] when valid, else the cue score plus
    the per-task bias cut at the thresholds. Runs after the task is final (rules or model).

    Reference semantics (tests): `plan.build_plan` computes the same answers faster."""
    p = Params()
    qt = quote_table(table)
    features = feature_columns("t")
    instr = instruction_count_sql(p)
    score = score_sum(rules.complexity.cues, p)
    bias_whens = " ".join(f"WHEN {p.add(k)} THEN {p.add(float(v))}" for k, v in rules.complexity.task_bias.items())
    bias = f"CASE old_task {bias_whens} ELSE 0.0 END" if bias_whens else "0.0"
    levels = " ".join(f"WHEN {p.add(level)} THEN {p.add(level)}" for level in ("simple", "moderate", "complex"))
    meta = f"CASE lower(trim(tags['complexity'])) {levels} ELSE NULL END"
    th = rules.complexity.thresholds
    cx, md = p.add(th.complex), p.add(th.moderate)
    sql = f"""
WITH f AS (SELECT {features} FROM {qt} AS t),
g AS (SELECT *, {instr} AS instruction_count FROM f),
c AS (SELECT rid, {meta} AS meta_level, {score} + {bias} AS score FROM g)
UPDATE {qt} AS u SET complexity = coalesce(c.meta_level,
    CASE WHEN c.score >= {cx} THEN 'complex' WHEN c.score >= {md} THEN 'moderate' ELSE 'simple' END)
FROM c WHERE u.rowid = c.rid"""
    return sql, p.values


def _cut_sql(text: str, head: int, tail: int) -> str:
    return f"CASE WHEN length({text}) > {head + tail} THEN left({text}, {head}) || chr(10) || right({text}, {tail}) ELSE {text} END"


# Version 3 reads less of each text: the request is phrased at the start or end of the user message
# (a pasted document sits in the middle), and a long general-purpose system prompt must not drown it.
MODEL_USER_HEAD, MODEL_USER_TAIL = 300, 200
MODEL_SYSTEM_HEAD, MODEL_SYSTEM_TAIL = 300, 150
INSTRUCTION_WORDS = 8  # version 5: words read again at each end of the user message


def _mark(text: str, prefix: str) -> str:
    """`prefix` glued to the front of every space- or newline-separated token of `text` (plain
    string replaces: a regex here would be run on every row, not once per distinct text)."""
    return f"('{prefix}' || replace(replace({text}, ' ', ' {prefix}'), chr(10), chr(10) || '{prefix}'))"


def _bucket(expr: str, cuts: list[tuple[str, str]], last: str) -> str:
    """`CASE WHEN expr-condition THEN label ... ELSE last END` over (condition, label) pairs."""
    whens = " ".join(f"WHEN {cond.format(x=expr)} THEN '{label}'" for cond, label in cuts)
    return f"CASE {whens} ELSE '{last}' END"


def _instruction_words(cut_user: str, n: int = INSTRUCTION_WORDS) -> str:
    """The first and last `n` words of the (cut) user message, each prefixed `ii` (version 5): the
    request is phrased at one end of the message, so its words get a vocabulary of their own that
    the middle of a pasted document cannot dilute. A message of <= n words appears twice."""
    words = f"list_filter(string_split_regex({cut_user}, '\\s+'), lambda w: w <> '')"
    return f"array_to_string(list_transform({words}[1:{n}] || {words}[-{n}:], lambda w: 'ii' || w), ' ')"


def model_text_sql(src: str = "t", version: int = 3) -> str:
    """The text a trained model sees: prompt text plus shape tokens (turns, tools, format, image).

    Version 2 (stacking) adds the rules' answer as tokens: the task they chose, the source
    (`rules`, or `default` when no cue reached min_score), the confidence in fifths and the output
    length bucket, so the model learns when to trust the rules and when the text says otherwise. It
    reads `task`, `category_source` and `category_confidence`, so it must be built after the rules'
    task update (as `apply_categories` and `model.labelled_texts` do). Version 3 reads the start
    and end of the user message and of the system prompt only (where requests are phrased), and adds
    the rules' complexity (`zzcx_<level>`, so it must be built after the rules' complexity too) and
    length buckets of the user message and system prompt. Version 5 adds the first and last words
    of the user message again as `ii` words (`_instruction_words`) and three crossed shape tokens
    (user length x output length, rules' task x user length, turns x system length), which let a
    linear model weigh a length by its context (chosen on the writer-held-out CV: docs/categorisation.md).
    Training and inference both build it with this expression so the features cannot drift apart.
    """
    user = f"coalesce({src}.user_prompt, '')"
    system = raw_system = f"coalesce({src}.system_prompt, '')"
    cut_user = _cut_sql(user, MODEL_USER_HEAD, MODEL_USER_TAIL)
    if version >= 3:
        # Each part in its own vocabulary: words of the user message get a `qq` prefix and words of
        # the system prompt an `ss` prefix, so "summarize" in a general-purpose system prompt and
        # "summarize" in the request are different word features (the char n-grams still see the
        # word inside the prefixed one). Only the start and end of each are read.
        scan = _mark(cut_user, "qq")
        system = _mark(_cut_sql(system, MODEL_SYSTEM_HEAD, MODEL_SYSTEM_TAIL), "ss")
    else:
        scan = _cut_sql(user, SCAN_HEAD_CHARS, SCAN_TAIL_CHARS)
    turns = f"least(coalesce({src}.n_messages, 1), 6)::VARCHAR"
    shape = (
        f"' zzturns' || {turns}"
        f" || ' zztools' || least(coalesce({src}.n_tools, 0), 3)::VARCHAR"
        f" || ' zzfmt' || coalesce({src}.response_format, 'none')"
        f" || CASE WHEN {src}.has_image THEN ' zzimage' ELSE '' END"
    )
    out = f"{src}.output_tokens"
    out_bucket = f"CASE WHEN coalesce({out}, 0) < 1 THEN 'na' ELSE " + _bucket(
        out, [("{x} < 10", "0"), ("{x} < 40", "1"), ("{x} < 150", "2"), ("{x} < 500", "3")], "4") + " END"
    rule_task = f"coalesce({src}.task, 'none')"
    if version >= 2:
        shape += (
            f" || ' zzrule_' || {rule_task} || ' zzsrc_' || coalesce({src}.category_source, 'none')"
            f" || ' zzrconf' || floor(coalesce({src}.category_confidence, 0) * 5)::INTEGER::VARCHAR"
            f" || ' zzout' || {out_bucket}"
        )
    ulen = _bucket(f"length({user})", [("{x} < 60", "0"), ("{x} < 250", "1"), ("{x} < 1000", "2"), ("{x} < 4000", "3")], "4")
    slen = _bucket(f"length({raw_system})", [("{x} = 0", "0"), ("{x} < 200", "1"), ("{x} < 1000", "2")], "3")
    if version >= 3:
        shape += f" || ' zzcx_' || coalesce({src}.complexity, 'none') || ' zzulen' || {ulen} || ' zzslen' || {slen}"
    if version >= 5:
        shape += (f" || ' zzx' || {ulen} || '_' || {out_bucket} || ' zzx' || {rule_task} || '_' || {ulen}"
                  f" || ' zzx' || {turns} || '_' || {slen} || ' ' || {_instruction_words(cut_user)}")
    return f"({system} || chr(10) || {scan} || {shape})"
