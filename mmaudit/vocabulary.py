"""The closed sets a policy's `when` values are checked against, and "did you mean" for them.

Tasks are the categoriser's (the same names the price tables' quality scores use), complexity
its three levels, status `ok`/`error`. A policy value outside them matches no call, so a typo
(`summarisation`, `Classification`) would quietly route nothing: it is an error that names the
closest valid value. The categoriser's own task aliases (`summarise` -> `summarization`) are the
first suggestion; then the closest spelling.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

from mmaudit.pricing.schema import TASKS

COMPLEXITIES = ("simple", "moderate", "complex")
STATUSES = ("ok", "error")
CLOSED_SETS: dict[str, tuple[str, ...]] = {"task": TASKS, "complexity": COMPLEXITIES, "status": STATUSES}


@lru_cache(maxsize=1)
def task_aliases() -> dict[str, str]:
    """The default categoriser rules' task aliases (synonym -> task)."""
    from mmaudit.categorise.rules import default_rules_path
    from mmaudit.config import read_yaml

    data = read_yaml(default_rules_path())
    aliases = data.get("task_aliases") or {} if isinstance(data, dict) else {}
    return {str(k).lower(): str(v) for k, v in aliases.items()}


def closest(value: str, choices: tuple[str, ...] | list[str], aliases: dict[str, str] | None = None) -> str | None:
    """The valid value a user most likely meant (None when nothing is close)."""
    low = value.strip().lower()
    if low in choices:
        return low
    if aliases and low in aliases and aliases[low] in choices:
        return aliases[low]
    found = difflib.get_close_matches(low, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(value: str, choices: tuple[str, ...] | list[str], aliases: dict[str, str] | None = None) -> str:
    """` (did you mean 'x'?)` or the list of valid values when nothing is close."""
    best = closest(value, choices, aliases)
    if best is not None:
        return f" (did you mean {best!r}?)"
    return f" (expected one of: {', '.join(choices)})"


def check_closed(key: str, value: str) -> str | None:
    """An error message when `value` is not in the closed set of attribute `key`, else None."""
    choices = CLOSED_SETS.get(key)
    if choices is None or value in choices:
        return None
    aliases = task_aliases() if key == "task" else None
    return f"unknown {key} {value!r}{did_you_mean(value, choices, aliases)}"
