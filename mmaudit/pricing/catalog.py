"""Loading price tables into a catalog: bundled snapshots plus the user's own tables.

Rules (see docs/pricing.md):
- a table is a full or partial snapshot; a model's price history is every table listing it;
- a user table beats a bundled one for the same model and `effective_from` (Langfuse's rule:
  custom beats built-in), and a user alias beats a bundled alias;
- an alias claimed by two models of the same origin is an error, never a silent pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from mmaudit.config import load_model
from mmaudit.errors import ConfigError
from mmaudit.pricing.schema import ModelPrice, PriceTable

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "pricing"


@dataclass(frozen=True)
class LoadedTable:
    """A validated table and where it came from (errors and reports cite `path`)."""

    name: str
    path: str
    origin: str  # "bundled" | "user"
    table: PriceTable


@dataclass(frozen=True)
class PriceEntry:
    """One model's prices from one table."""

    key: str
    effective_from: date
    table: LoadedTable
    price: ModelPrice


@dataclass
class PriceCatalog:
    """Merged price history: `history[key]` is sorted by effective_from."""

    tables: list[LoadedTable]
    history: dict[str, list[PriceEntry]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def model_keys(self) -> list[str]:
        return sorted(self.history)

    def latest(self, key: str) -> PriceEntry:
        """The newest entry for a model (what `prices show` and the simulator's metadata use)."""
        return self.history[key][-1]

    def info(self, key: str, attr: str) -> object:
        """The newest non-empty value of a metadata field across the model's tables.

        Older snapshots list only prices; metadata (quality, latency...) lives in the newest
        table that states it, so a price-only update does not erase it.
        """
        for entry in reversed(self.history[key]):
            value = getattr(entry.price, attr)
            if value not in (None, [], {}):
                return value
        return None


def _yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def load_table(path: Path, origin: str = "user") -> LoadedTable:
    """Read and validate one table file (ConfigError names file, key path, expected, found)."""
    table = load_model(PriceTable, path)
    return LoadedTable(name=Path(path).stem, path=str(path), origin=origin, table=table)


def _merge_entries(tables: list[LoadedTable]) -> dict[str, list[PriceEntry]]:
    chosen: dict[tuple[str, date], PriceEntry] = {}
    for loaded in tables:
        for key, price in loaded.table.models.items():
            slot = (key, loaded.table.effective_from)
            entry = PriceEntry(key, loaded.table.effective_from, loaded, price)
            previous = chosen.get(slot)
            if previous is not None and previous.table.origin == loaded.origin:
                raise ConfigError(
                    f"{loaded.path}: models.{key}: already priced for {slot[1]} in "
                    f"{previous.table.path} (expected one table per model and date)"
                )
            if previous is None or loaded.origin == "user":
                chosen[slot] = entry
    history: dict[str, list[PriceEntry]] = {}
    for entry in sorted(chosen.values(), key=lambda e: (e.key, e.effective_from)):
        history.setdefault(entry.key, []).append(entry)
    return history


def normalise_alias(alias: str) -> str:
    """Aliases compare case-insensitively and without surrounding blanks."""
    return alias.strip().lower()


def _claim(owners: dict[str, tuple[str, str, str]], alias: str, key: str, loaded: LoadedTable) -> None:
    previous = owners.get(alias)
    if previous is None or previous[0] == key:
        owners[alias] = (key, loaded.origin, loaded.path)
        return
    if previous[1] == loaded.origin:
        raise ConfigError(
            f"{loaded.path}: models.{key}.aliases: alias {alias!r} is also claimed by model "
            f"{previous[0]!r} in {previous[2]} (expected each alias to name one model)"
        )
    if loaded.origin == "user":
        owners[alias] = (key, loaded.origin, loaded.path)


def _build_aliases(tables: list[LoadedTable], keys: set[str]) -> dict[str, str]:
    owners: dict[str, tuple[str, str, str]] = {}
    for loaded in sorted(tables, key=lambda t: t.origin != "bundled"):
        for key, price in loaded.table.models.items():
            for raw in price.aliases:
                alias = normalise_alias(raw)
                if alias in keys and alias != key:
                    raise ConfigError(
                        f"{loaded.path}: models.{key}.aliases: alias {alias!r} is the key of "
                        f"another model (expected an alias no model uses as its key)"
                    )
                _claim(owners, alias, key, loaded)
    mapping = {alias: owner[0] for alias, owner in owners.items()}
    mapping.update({key: key for key in keys})
    return mapping


def load_catalog(paths: list[Path] | None = None, *, include_bundled: bool = True) -> PriceCatalog:
    """Bundled tables (unless excluded) plus user files or directories, merged and checked."""
    tables: list[LoadedTable] = []
    if include_bundled:
        tables.extend(load_table(p, "bundled") for p in _yaml_files([BUNDLED_DIR]))
    tables.extend(load_table(p, "user") for p in _yaml_files(list(paths or [])))
    if not tables:
        raise ConfigError("no price tables: give a table file or keep the bundled ones")
    tables.sort(key=lambda t: (t.table.effective_from, t.origin != "bundled", t.path))
    history = _merge_entries(tables)
    aliases = _build_aliases(tables, set(history))
    return PriceCatalog(tables=tables, history=history, aliases=aliases)
