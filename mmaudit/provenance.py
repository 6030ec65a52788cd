"""Where a report's figures came from: version, time, database, period, prices, policy files.

Printed under the markdown, as the HTML footer and the last line of a terminal report, so a
figure pasted into a review can be traced back and reproduced.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mmaudit import __version__


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def price_sources(catalog: Any) -> str:
    """The price tables a run used: how many bundled (and up to which date), and user files."""
    tables = list(getattr(catalog, "tables", []) or [])
    bundled = [t for t in tables if getattr(t, "origin", "") == "bundled"]
    parts = []
    if bundled:
        latest = max(str(t.table.effective_from) for t in bundled)
        parts.append(f"{len(bundled)} bundled mmaudit tables (latest effective {latest})")
    parts += [f"{t.path} (effective {t.table.effective_from})" for t in tables if getattr(t, "origin", "") != "bundled"]
    return "; ".join(parts) or "costs as stored at ingest"


def provenance(db: Path | None, period: str, prices: str, policies: list[tuple[str, str]] | None = None,
               now: datetime | None = None) -> dict[str, str]:
    """The footer's fields, in the order shown. `policies`: (file, sha256) pairs."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    out = {"mmaudit": __version__, "generated": stamp, "database": str(db or "mmaudit.duckdb"),
           "period": period, "prices": prices}
    if policies:
        out["policies"] = ", ".join(f"{path} (sha256 {digest[:12]})" for path, digest in policies)
    return out
