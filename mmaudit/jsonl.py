"""Small JSONL files a user hands a command (labelled examples, prompt samples), read whole.

Log files never come through here: ingest reads them set-based in DuckDB. These files are
hundreds or thousands of lines that a command needs as Python objects, and a broken line must be
an InputError naming the file and line, not a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mmaudit.errors import InputError


def json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-blank line; InputError for a line that is not an object."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not valid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{number}: expected a JSON object")
        yield number, obj
