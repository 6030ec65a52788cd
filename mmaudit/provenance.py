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
    """The price data a run used, as a reviewer needs it to reproduce a figure: the genai-prices
    release (with the date and digest of any data fetched by `prices update`), how many of
    mmaudit's curated overrides (and up to which date), and the user's own tables by path. The
    overrides are counted, not listed: they ship with this mmaudit version."""
    tables = list(getattr(catalog, "tables", []) or [])
    parts = []
    if getattr(catalog, "genai", None):
        parts.append(catalog.genai.get("label") or f"genai-prices {_version('genai-prices')}")
    overrides = [t for t in tables if getattr(t, "origin", "") == "override"]
    if overrides:
        latest = max(str(t.table.effective_from) for t in overrides)
        parts.append(f"{len(overrides)} mmaudit overrides (latest effective {latest})")
    parts += [f"{t.path} (effective {t.table.effective_from})" for t in tables if getattr(t, "origin", "") == "user"]
    return "; ".join(parts) or "costs as stored at ingest"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "(not installed)"


def provenance(db: Path | None, period: str, prices: str, policies: list[tuple[str, str]] | None = None,
               now: datetime | None = None) -> dict[str, str]:
    """The footer's fields, in the order shown. `policies`: (file, sha256) pairs."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    out = {"mmaudit": __version__, "generated": stamp, "database": str(db or "mmaudit.duckdb"),
           "period": period, "prices": prices}
    if policies:
        out["policies"] = ", ".join(f"{path} (sha256 {digest[:12]})" for path, digest in policies)
    return out
