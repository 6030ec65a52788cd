"""genai-prices' model matching, memoised on disk per genai-prices version.

`find_provider_model` tries each provider's match rules in turn (~4 ms a lookup). A price
catalog resolves every registry entry through it when it loads, so every `mmaudit` process paid
the same ~70 ms for the same answers. The answer depends only on the snapshot genai-prices
ships, so it is kept in the cache folder under that version's name: another version is another
file, and a file that cannot be read or written is simply not used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

Match = tuple[str, str] | None  # (owning provider id, model id lower-cased), None: no model


class SnapshotLookups:
    """(ref, provider id or None) -> the genai-prices model it matches, looked up at most once."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: dict[str, Match] = _read(path)
        self.added = False
        self._owners: dict[int, str] | None = None

    def find(self, ref: str, provider_id: str | None) -> Match:
        slot = f"{ref}\t{provider_id or ''}"
        if slot not in self.known:
            self.known[slot] = self._lookup(ref, provider_id)
            self.added = True
        return self.known[slot]

    def _lookup(self, ref: str, provider_id: str | None) -> Match:
        from mmaudit.pricing.genai_data import snapshot as data_snapshot

        snapshot = data_snapshot()
        try:
            provider, model = snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            return None
        if self._owners is None:  # a fallback provider lists other providers' model objects
            self._owners = {id(m): p.id for p in snapshot.providers for m in p.models}
        return self._owners.get(id(model), provider.id), model.id.lower()

    def save(self) -> None:
        """Write the lookups made since loading (atomically; silently skipped when not possible)."""
        if not self.added or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps({k: list(v) if v else None for k, v in self.known.items()}), encoding="utf-8")
            partial.replace(self.path)
            self.added = False
        except OSError:
            pass


def _read(path: Path | None) -> dict[str, Match]:
    if path is None:
        return {}
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): (str(v[0]), str(v[1])) if v else None for k, v in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        return {}


_SHARED: dict[str, SnapshotLookups] = {}


def snapshot_lookups() -> SnapshotLookups:
    """The process's memo for the genai-prices data in use (one per cache folder and data version)."""
    from mmaudit.pricing.genai import cache_dir, genai_version

    folder, data_version = str(cache_dir()), genai_version()
    slot = f"{folder}\t{data_version}"
    if slot not in _SHARED:
        _SHARED[slot] = SnapshotLookups(Path(folder) / f"genai-lookups-{data_version}.json")
    return _SHARED[slot]
