"""Loading YAML config files (price tables, policies, rules, mappings) into validated models.

Every config goes through `load_model`: `yaml.safe_load` (never `yaml.load`) with aliases capped
so an anchor bomb cannot expand, then a pydantic model. A validation failure becomes a
`ConfigError` that names the file, the key path, what was expected and what was found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mmaudit.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

MAX_ALIASES = 100
MAX_CONFIG_BYTES = 10 * 1024 * 1024


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than MAX_ALIASES alias references."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases (anchor expansion refused)")
        return super().compose_node(parent, index)


def read_yaml(path: str | Path) -> Any:
    """Parse one YAML file safely; any problem is a ConfigError naming the file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_GuardedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def describe_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: `file: key.path: expected ..., found ...`."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        found = err.get("input")
        found_text = "nothing" if err["type"] == "missing" else repr(found)
        if len(found_text) > 80:
            found_text = found_text[:77] + "..."
        lines.append(f"{source}: {loc}: {err['msg']} (found {found_text})")
    return "\n".join(lines)


def validate(model: type[M], data: Any, source: str) -> M:
    """Validate already-parsed data, raising ConfigError with the key paths on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(source, exc)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read and validate one YAML config file."""
    return validate(model, read_yaml(path), str(path))
