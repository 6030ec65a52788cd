"""Which files an ingest run reads: paths named, directories walked, globs expanded."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from mmaudit.errors import InputError

# `.jsonl.out`: the files a Bedrock batch inference job writes to S3 (`<input>.jsonl.out`, one
# result per line); the job's `manifest.json.out` beside them is record and token totals, not
# calls, and is left out.
LOG_SUFFIXES = (".jsonl", ".ndjson", ".json", ".log", ".csv", ".sse", ".jsonl.out")
TABLE_SUFFIXES = (".parquet",)
COMPRESSED_SUFFIXES = ("", ".gz", ".zst")


def _is_log_file(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s + c) for s in LOG_SUFFIXES for c in COMPRESSED_SUFFIXES) or name.endswith(TABLE_SUFFIXES)


def discover(paths: Iterable[str]) -> list[Path]:
    """Files named, found under directories (recursively, log suffixes only) or matched by globs.

    A name that matches nothing is an InputError: a typo must not look like an empty log. So is an
    empty name (an unset `$LOGS` would read the current directory), a directory that cannot be
    listed, and names that hold no log file at all.
    """
    paths = list(paths)
    found: list[Path] = []
    for raw in paths:
        if not raw.strip():
            raise InputError(f"{raw!r}: an empty path; name a log file, a directory or a pattern")
        # a name that exists is taken literally (`logs[2025].jsonl` is a file, not a pattern)
        literal = not glob.has_magic(raw) or os.path.lexists(raw)
        candidates = [Path(raw)] if literal else [Path(p) for p in sorted(glob.glob(raw, recursive=True))]
        if not candidates:
            raise InputError(f"{raw}: no file matches this pattern")
        for path in candidates:
            if path.is_dir():
                found.extend(_walk(path))
            elif path.is_file():
                found.append(path)
            elif path.is_symlink():
                raise InputError(f"{path}: a symbolic link that is broken or loops; nothing to read")
            elif not path.exists():
                raise InputError(f"{path}: no such file or directory")
            else:
                raise InputError(f"{path}: not a regular file")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise InputError("no log files found in " + ", ".join(paths))
    return unique


def _unlistable(error: OSError) -> None:
    raise InputError(f"{error.filename}: cannot list this directory ({error.strerror}); its logs would be left out")


def _walk(root: Path) -> list[Path]:
    files = []
    for dirpath, _dirs, names in os.walk(root, onerror=_unlistable, followlinks=False):
        for name in sorted(names):
            path = Path(dirpath, name)
            if _is_log_file(path) and path.is_file():
                files.append(path)
    return sorted(files)
