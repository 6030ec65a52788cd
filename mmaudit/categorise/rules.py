"""The categorisation rules schema: loading, merging a user file over the defaults, validating.

Rules are data (YAML) so that a team can teach the categoriser its own vocabulary without code.
Everything a user writes is validated here (pydantic for shape, DuckDB's RE2 for regexes) so that
`sql.py` can trust it and only ever pass it to DuckDB as bound parameters.
"""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mmaudit.config import read_yaml, validate
from mmaudit.errors import ConfigError

DEFAULT_RULES_NAME = "default_rules.yaml"
COMPLEXITY_LEVELS = ("simple", "moderate", "complex")

# Numeric features a cue may test; each maps to a SQL expression over the calls columns in sql.py.
NumericFeature = Literal[
    "prompt_chars",
    "system_chars",
    "user_chars",
    "n_messages",
    "n_tools",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "instruction_count",
    "response_chars",
]
StringFeature = Literal["operation", "response_format", "has_image"]
TextField = Literal["prompt", "instruction", "system", "user", "response"]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    # NaN or infinite weights/thresholds would turn every score into NaN: refuse them
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Cue(_Strict):
    """One piece of evidence and its weight. Exactly one of pattern / keywords / feature is set.

    pattern: an RE2 regex searched in `field`; keywords: words or phrases matched case-insensitively
    on word boundaries; feature: a numeric range (min inclusive, max exclusive) or a string value.
    prefilter (pattern or keywords cues only): a cheaper regex tested first; the cue holds when
    both match. Give one that every match of the pattern also matches (a literal part of it): the
    results do not change, and a pattern RE2 scans slowly (bounded gaps like `[^?]{0,200}`)
    then runs only on the few texts that can match.
    """

    weight: float = 1.0
    pattern: str | None = None
    keywords: list[str] | None = None
    field: TextField = "prompt"
    feature: NumericFeature | StringFeature | None = None
    min: float | None = None
    max: float | None = None
    equals: str | None = None
    prefilter: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> "Cue":
        kinds = [k for k in ("pattern", "keywords", "feature") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a cue needs exactly one of pattern, keywords, feature (found {kinds or 'none'})")
        if self.prefilter is not None and self.feature is not None:
            raise ValueError("prefilter narrows a pattern or keywords cue, not a feature")
        if self.keywords is not None and not all(k.strip() for k in self.keywords):
            raise ValueError("keywords must be non-empty strings")
        if self.feature is not None:
            numeric = self.feature not in ("operation", "response_format", "has_image")
            if numeric and (self.min is None and self.max is None or self.equals is not None):
                raise ValueError(f"numeric feature {self.feature!r} needs min and/or max, not equals")
            if not numeric and (self.equals is None or self.min is not None or self.max is not None):
                raise ValueError(f"feature {self.feature!r} needs equals, not min/max")
        return self


class TaskRule(_Strict):
    """A task: its one-line definition and the cues whose weights add up to its score."""

    description: str = ""
    cues: list[Cue] = Field(default_factory=list)


class TagMapping(_Strict):
    """A metadata tag (endpoint, app, route, feature...) whose value, matched by `pattern`, names a task."""

    tag: str
    pattern: str
    task: str
    confidence: float = Field(0.9, ge=0, le=1)


class Scoring(_Strict):
    """How cue scores become a task and a confidence (see docs/categorisation.md)."""

    min_score: float = 1.0
    fallback_task: str = "chat"
    fallback_confidence: float = Field(0.3, ge=0, le=1)
    confidence_prior: float = Field(2.0, ge=0)
    max_confidence: float = Field(0.95, ge=0, le=1)


class Thresholds(_Strict):
    """Complexity score at or above which a call is moderate / complex."""

    moderate: float
    complex: float

    @model_validator(mode="after")
    def _ordered(self) -> "Thresholds":
        if self.complex < self.moderate:
            raise ValueError(f"complex ({self.complex}) must be >= moderate ({self.moderate})")
        return self


class Complexity(_Strict):
    """The complexity score: cue weights plus a per-task bias, cut by the thresholds."""

    thresholds: Thresholds
    task_bias: dict[str, float] = Field(default_factory=dict)
    cues: list[Cue] = Field(default_factory=list)


class ModelOptions(_Strict):
    """When a trained model's prediction replaces the rules' answer."""

    min_confidence: float = Field(0.0, ge=0, le=1)  # as the bundled rules set it (docs/categorisation.md)


class Rules(_Strict):
    """The whole rule set. Task order is the tie-break order."""

    version: int = 1
    tasks: dict[str, TaskRule]
    task_aliases: dict[str, str] = Field(default_factory=dict)
    operations: dict[str, str] = Field(default_factory=dict)
    image_task: str = "vision"
    tag_mappings: list[TagMapping] = Field(default_factory=list)
    scoring: Scoring = Field(default_factory=Scoring)
    complexity: Complexity
    model: ModelOptions = Field(default_factory=ModelOptions)

    @field_validator("tasks")
    @classmethod
    def _task_names(cls, tasks: dict[str, TaskRule]) -> dict[str, TaskRule]:
        bad = [name for name in tasks if not _NAME.match(name)]
        if bad:
            raise ValueError(f"task names must be lower_snake_case (found {bad})")
        if not tasks:
            raise ValueError("at least one task is needed")
        return tasks

    @model_validator(mode="after")
    def _known_tasks(self) -> "Rules":
        known = set(self.tasks)
        refs = [("image_task", self.image_task), ("scoring.fallback_task", self.scoring.fallback_task)]
        refs += [(f"task_aliases.{k}", v) for k, v in self.task_aliases.items()]
        refs += [(f"operations.{k}", v) for k, v in self.operations.items()]
        refs += [(f"tag_mappings.{i}.task", m.task) for i, m in enumerate(self.tag_mappings)]
        refs += [(f"complexity.task_bias.{k}", k) for k in self.complexity.task_bias]
        bad = [f"{where}={name!r}" for where, name in refs if name not in known]
        if bad:
            raise ValueError(f"unknown task(s) {', '.join(bad)}; known tasks: {sorted(known)}")
        return self

    @property
    def task_names(self) -> list[str]:
        return list(self.tasks)


def default_rules_path() -> Path:
    """The rules file shipped with the package."""
    return Path(str(resources.files("mmaudit.categorise").joinpath(DEFAULT_RULES_NAME)))


def merge(base: Any, override: Any) -> Any:
    """Overlay a user rules document on the defaults.

    Mappings merge key by key; lists are concatenated with the user's items FIRST (so user tag
    mappings win, and error key paths keep the user's indices); scalars are replaced. A mapping
    with `replace: true` replaces the default mapping instead of merging into it.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        if override.get("replace") is True:
            return {k: v for k, v in override.items() if k != "replace"}
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return list(override) + list(base)
    return override


def _regex_error(con: duckdb.DuckDBPyConnection, pattern: str) -> str | None:
    """Compile the pattern with DuckDB (RE2), the engine that will run it; return the error text."""
    try:
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        return str(exc).split("Error: ", 1)[-1]
    return None


def iter_patterns(rules: Rules) -> list[tuple[str, str]]:
    """(key path, regex) for every user-writable regex in the rules."""
    found = [(f"tag_mappings.{i}.pattern", m.pattern) for i, m in enumerate(rules.tag_mappings)]
    from mmaudit.categorise.sql import keywords_regex

    cues = [(f"tasks.{task}.cues.{i}", c) for task, rule in rules.tasks.items() for i, c in enumerate(rule.cues)]
    cues += [(f"complexity.cues.{i}", c) for i, c in enumerate(rules.complexity.cues)]
    found += [(f"{where}.pattern", c.pattern) for where, c in cues if c.pattern]
    found += [(f"{where}.prefilter", c.prefilter) for where, c in cues if c.prefilter]
    # keywords become one regex too: a huge list can exceed RE2's size limit
    found += [(f"{where}.keywords", keywords_regex(c.keywords)) for where, c in cues if c.keywords]
    return found


def check_regexes(rules: Rules, source: str) -> None:
    """Reject any regex RE2 cannot compile (lookarounds, backreferences, typos) with its key path."""
    con = duckdb.connect()
    try:
        problems = []
        for where, pattern in iter_patterns(rules):
            error = _regex_error(con, pattern)
            if error:
                shown = pattern if len(pattern) <= 120 else pattern[:117] + "..."
                problems.append(
                    f"{source}: {where}: expected an RE2 regular expression, found {shown!r} ({error})"
                )
    finally:
        con.close()
    if problems:
        raise ConfigError("\n".join(problems))


# the bundled rules as this process validated them, by the file's (size, mtime): every ingest and
# simulate loads them, and parsing plus validating takes ~60 ms; a Rules is not changed once built
_BUNDLED: dict[tuple[int, int], Rules] = {}


def load_rules(path: Path | None = None) -> Rules:
    """The default rules, with the user's file (if any) merged over them and validated."""
    if path is None:
        stat = default_rules_path().stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        if stamp not in _BUNDLED:
            _BUNDLED.clear()
            _BUNDLED[stamp] = _load_rules(None)
        return _BUNDLED[stamp]
    return _load_rules(path)


def _load_rules(path: Path | None) -> Rules:
    data = read_yaml(default_rules_path())
    source = str(default_rules_path())
    if path is not None:
        user = read_yaml(path)
        if user is None:
            user = {}
        if not isinstance(user, dict):
            raise ConfigError(f"{path}: (top level): expected a mapping, found {type(user).__name__}")
        data = merge(copy.deepcopy(data), user)
        source = str(path)
    rules = validate(Rules, data, source)
    if path is not None:  # the bundled rules alone are compiled by the tests, not by every process (~60 ms)
        check_regexes(rules, source)
    return rules
