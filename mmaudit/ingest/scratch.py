"""The owner-only scratch directory an ingest writes each chunk's Parquet to, and the sweep of
those an ingest killed outright (SIGKILL, OOM killer, power loss) left behind.

A run that ends normally, fails or is interrupted removes its own directory (`finally`); a killed
one cannot, and its last chunk (tens of MB on a large log) would stay in the temp directory for
good. Each directory is named after the process that made it, so a later ingest removes the ones
whose process is gone, and never one of a run still going.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "mmaudit-ingest-"
_OWNED = re.compile(rf"^{PREFIX}(\d+)-")


def make() -> Path:
    """A new scratch directory for this process (mode 0700)."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def sweep(root: Path | None = None) -> int:
    """Remove the scratch directories of ingests that no longer run; how many were removed.
    Directories of other users, of live processes or without a process id are left alone."""
    removed = 0
    base = Path(root or tempfile.gettempdir())
    for entry in base.glob(f"{PREFIX}*"):
        owned = _OWNED.match(entry.name)
        try:  # a running ingest removes its own directory whenever it ends, even while we look
            if owned is None or not entry.is_dir() or entry.stat().st_uid != os.getuid():
                continue
        except FileNotFoundError:
            continue
        pid = int(owned.group(1))
        if pid != os.getpid() and not _running(pid):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
