"""Loading YAML config files (price tables, policies, rules, mappings) into validated models.

Every config goes through `load_model`: `yaml.safe_load` (never `yaml.load`) with aliases capped
so an anchor bomb cannot expand, then a pydantic model. A validation failure becomes a
`ConfigError` that names the file, the key path, what was expected and what was found.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from mmaudit.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

MAX_ALIASES = 100
MAX_CONFIG_BYTES = 10 * 1024 * 1024
MAX_EXPANDED_NODES = 1_000_000


def _bounded_repr() -> reprlib.Repr:
    """A repr that stops early: a bad value may be huge (or an anchor bomb)."""
    short = reprlib.Repr()
    short.maxlevel, short.maxlist, short.maxdict, short.maxstring, short.maxother = 3, 6, 6, 60, 60
    return short


_FOUND = _bounded_repr()


class _Guards:
    """Refuses anchor bombs and duplicate keys (mixed into a SafeLoader or libyaml's CSafeLoader).

    Counting aliases alone is not enough: 9 anchors of 9 aliases each (81 < MAX_ALIASES) already
    expand to 9**9 values, and printing one in an error message takes minutes. So the size the
    document WOULD have once expanded is computed on the node graph (shared nodes counted once
    per use, memoised) and capped. A key given twice is refused too: YAML keeps the last one
    silently, so `version` or a tier could be overridden by a line the reader never sees.

    Both checks run on the composed node graph, before any value is built: composing is linear in
    the file (an alias is a shared node, not a copy), so the C composer may build the graph too.
    """

    def construct_document(self, node):  # type: ignore[no-untyped-def]
        if _alias_uses(node) > MAX_ALIASES:
            raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases (anchor expansion refused)")
        if _expanded_size(node, {}, set()) > MAX_EXPANDED_NODES:
            raise yaml.YAMLError(f"expands to more than {MAX_EXPANDED_NODES:,} values through anchors "
                                 "(anchor expansion refused)")
        return super().construct_document(node)  # type: ignore[misc]

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    if key_node.value in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]

    def construct_yaml_timestamp(self, node):  # type: ignore[no-untyped-def]
        """PyYAML builds an unquoted `2025-02-30T00:00:00Z` with `datetime(...)`, whose ValueError
        ("day is out of range for month") is no YAMLError: it escaped as a traceback. Here it is a
        YAML error at the value's line."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date or time: {exc}", node.start_mark) from None


class _GuardedLoader(_Guards, yaml.SafeLoader):
    """The guards on PyYAML's pure-Python SafeLoader (when PyYAML was built without libyaml)."""


# libyaml's parser and composer with the same Python constructors and guards: ~7x faster on a
# large price table (a LiteLLM import of 3,000 models read in 0.5 s, not 3.4 s)
_GuardedCLoader = type("_GuardedCLoader", (_Guards, yaml.CSafeLoader), {}) if hasattr(yaml, "CSafeLoader") else _GuardedLoader
for _loader in {_GuardedLoader, _GuardedCLoader}:  # (the table maps tags to functions, not to methods)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _Guards.construct_yaml_timestamp)


def _alias_uses(root: yaml.Node) -> int:
    """How many aliases the document uses: in a composed graph a node reached a second time is
    reached through an alias (without anchors every node has one parent)."""
    seen: set[int] = set()
    uses = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            uses += 1
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
    return uses


def _expanded_size(node: yaml.Node, memo: dict[int, int], active: set[int]) -> int:
    """How many values `node` stands for once every alias is expanded (cycles refused)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise yaml.YAMLError("a YAML anchor refers to itself (recursive structure refused)")
    active.add(key)
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        children = []
    size = 1
    for child in children:
        size += _expanded_size(child, memo, active)
        if size > MAX_EXPANDED_NODES:
            break
    active.discard(key)
    memo[key] = size
    return size


_PACKAGE_DIR = Path(__file__).resolve().parent


def is_bundled(path: Path) -> bool:
    """True for files shipped inside the mmaudit package (default rules, policies, price data)."""
    try:
        return path.resolve().is_relative_to(_PACKAGE_DIR)
    except OSError:
        return False


def read_yaml(path: str | Path) -> Any:
    """Parse one YAML file safely; any problem is a ConfigError naming the file.

    Users' files go through the guards (`_Guards`: anchor bombs and duplicate keys refused), on
    libyaml's parser when PyYAML has it. Files shipped with the package are read with libyaml's
    plain `CSafeLoader`: the same safe constructors, ~10x faster than pure Python (0.13 s of every
    ingest went to the default rules file), and `tests/test_robust_config.py` checks that every
    bundled file parses identically with the guarded loaders."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    loader = getattr(yaml, "CSafeLoader", _GuardedLoader) if is_bundled(path) else _GuardedCLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader and CSafeLoader only
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_with_snippet(text, exc)}") from None


def _with_snippet(text: str, exc: yaml.YAMLError) -> yaml.YAMLError:
    """`exc` with its marks able to show their line and a caret: libyaml's marks keep the line and
    column but no copy of the text, so its messages could not show where, as PyYAML's own do."""
    marks = [name for name in ("context_mark", "problem_mark") if getattr(exc, name, None) is not None]
    if not any(getattr(exc, name).buffer is None for name in marks):
        return exc
    lines = re.split("\r\n|[\n\r\x85\u2028\u2029]", text)
    for name in marks:
        mark = getattr(exc, name)
        if mark.buffer is None:
            line = lines[mark.line] if mark.line < len(lines) else ""
            setattr(exc, name, yaml.Mark(mark.name, mark.index, mark.line, mark.column, line + "\0",
                                         min(mark.column, len(line))))
    return exc


def describe_validation_error(source: str, exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line per problem: `file: key.path: expected ..., found ...`; given the `model`, a key
    it does not know names the closest key it does (`modles` → `models`)."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        found = err.get("input")
        found_text = "nothing" if err["type"] == "missing" else _FOUND.repr(found)  # bounded, never the whole value
        if len(found_text) > 80:
            found_text = found_text[:77] + "..."
        msg = err["msg"] if len(err["msg"]) <= 300 else err["msg"][:297] + "..."  # messages may quote the value
        if err["type"] == "extra_forbidden" and model is not None and err["loc"]:
            msg += _closest_key(str(err["loc"][-1]), _keys_at(model, err["loc"][:-1]))
        lines.append(f"{source}: {loc}: {msg} (found {found_text})")
    return "\n".join(lines)


def _closest_key(key: str, valid: list[str]) -> str:
    if not valid:
        return ""
    near = difflib.get_close_matches(key.lower(), valid, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else f" (expected one of: {', '.join(valid)})"


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the mapping at `loc` may hold: the fields (and aliases) of the models its
    annotations lead to. Empty when the path cannot be followed (a union tag in the path)."""
    types: list[Any] = [model]
    for part in loc:
        types = [nxt for tp in types for leaf in _leaves(tp) for nxt in _step(leaf, part)]
    keys = [key for tp in types for leaf in _leaves(tp) if _is_model(leaf)
            for name, info in leaf.model_fields.items() for key in (name, info.alias) if key]
    return list(dict.fromkeys(keys))


def _leaves(tp: Any) -> list[Any]:
    """`tp` with Optional, unions and Annotated taken apart."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _leaves(get_args(tp)[0])
    if origin in (Union, UnionType):
        return [leaf for arg in get_args(tp) for leaf in _leaves(arg)]
    return [tp]


def _step(tp: Any, part: Any) -> list[Any]:
    """The annotation one key or index below `tp`."""
    if _is_model(tp) and isinstance(part, str):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return [info.annotation]
        return []
    origin, args = get_origin(tp), get_args(tp)
    if origin in (dict, Mapping) and len(args) == 2:
        return [args[1]]
    if origin in (list, tuple, Sequence, set, frozenset) and args and isinstance(part, int):
        return [args[0]]
    return []


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def validate(model: type[M], data: Any, source: str) -> M:
    """Validate already-parsed data, raising ConfigError with the key paths on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(source, exc, model)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read and validate one YAML config file."""
    return validate(model, read_yaml(path), str(path))
