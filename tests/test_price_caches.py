"""Price caches: genai-prices' matching memoised on disk (same answers, no matching), stored rows tables pruned."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from mmaudit.pricing import catalog as catalogs
from mmaudit.pricing import snapshot_lookups as memo
from mmaudit.pricing.catalog import load_catalog


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MMAUDIT_CACHE_DIR", str(tmp_path))
    new_process(monkeypatch)
    return tmp_path


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts without: the lookups and the catalogs this one holds."""
    monkeypatch.setattr(memo, "_SHARED", {})
    monkeypatch.setattr(catalogs, "_LOADED", {})


def _no_matching(self: memo.SnapshotLookups, ref: str, provider_id: str | None) -> memo.Match:
    raise AssertionError(f"genai-prices matching ran for {ref!r}")


def test_second_process_reads_the_lookups_and_resolves_the_same(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_catalog()
    files = list(cache.glob("genai-lookups-*.json"))
    assert len(files) == 1 and files[0].stat().st_size > 2
    new_process(monkeypatch)  # only the file remains
    monkeypatch.setattr(memo.SnapshotLookups, "_lookup", _no_matching)
    second = load_catalog()
    assert second.registry_keys == first.registry_keys
    assert second.aliases == first.aliases
    assert any(key for key in second.registry_keys.values())


def test_a_damaged_file_is_ignored_and_rewritten(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_catalog().registry_keys
    path = next(cache.glob("genai-lookups-*.json"))
    path.write_text('{"gpt-4o\\t": ["openai"', encoding="utf-8")  # cut short
    new_process(monkeypatch)
    assert load_catalog().registry_keys == expected
    new_process(monkeypatch)
    monkeypatch.setattr(memo.SnapshotLookups, "_lookup", _no_matching)
    assert load_catalog().registry_keys == expected


def test_a_memoised_miss_stays_a_miss(cache: Path) -> None:
    lookups = memo.SnapshotLookups(cache / "lookups.json")
    assert lookups.find("no-such-model-anywhere-xyz", None) is None
    hit = lookups.find("gpt-4o", "openai")
    assert hit == ("openai", "gpt-4o")
    lookups.save()
    again = memo.SnapshotLookups(cache / "lookups.json")
    assert again.known == {"no-such-model-anywhere-xyz\t": None, "gpt-4o\topenai": ("openai", "gpt-4o")}


def test_an_unwritable_cache_is_simply_not_used(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    lookups = memo.SnapshotLookups(blocker / "sub" / "lookups.json")  # parent is a file: cannot be created
    assert lookups.find("gpt-4o", "openai") == ("openai", "gpt-4o")
    lookups.save()  # no error


def test_stored_rows_tables_keep_the_newest_few(tmp_path: Path) -> None:
    import os

    from mmaudit.pricing.register import _KEEP_ROWS_TABLES, _prune_rows_tables

    for i in range(_KEEP_ROWS_TABLES + 8):
        f = tmp_path / f"rates-{i:04d}.arrow"
        f.write_bytes(b"x")
        os.utime(f, (1_000_000 + i, 1_000_000 + i))
    (tmp_path / "genai-lookups-0.json").write_text("{}", encoding="utf-8")
    _prune_rows_tables(tmp_path)
    left = sorted(f.name for f in tmp_path.glob("rates-*.arrow"))
    assert left == [f"rates-{i:04d}.arrow" for i in range(8, _KEEP_ROWS_TABLES + 8)]
    assert (tmp_path / "genai-lookups-0.json").exists()


def _table(path: Path, input_rate: int) -> Path:
    path.write_text("effective_from: 2025-01-01\nsource: our contract\ncurrency: USD\nmodels:\n"
                    f"  gpt-4o:\n    provider: openai\n    input: {input_rate}\n    output: 8\n", encoding="utf-8")
    return path


def _user_input_rate(catalog: catalogs.PriceCatalog) -> object:
    return next(r.rates["input_rate"] for r in catalog.rows_of("gpt-4o") if r.source == "user")


def test_the_same_inputs_give_the_catalog_already_built(cache: Path, tmp_path: Path) -> None:
    table = _table(tmp_path / "mine.yaml", 2)
    first = load_catalog([table])
    assert load_catalog([table]) is first
    assert load_catalog() is not first  # other inputs, another catalog


def test_an_edited_table_is_read_again_even_at_the_same_size_and_time(cache: Path, tmp_path: Path) -> None:
    table = _table(tmp_path / "mine.yaml", 2)
    stamp = table.stat().st_mtime_ns
    before = load_catalog([table])
    _table(table, 3)  # same size
    os.utime(table, ns=(stamp, stamp))  # and the same modification time: only the bytes differ
    after = load_catalog([table])
    assert after is not before
    assert (_user_input_rate(before), _user_input_rate(after)) == (Decimal("2") / 10**6, Decimal("3") / 10**6)


def test_tables_given_as_objects_are_not_memoised(cache: Path, tmp_path: Path) -> None:
    from mmaudit.pricing.schema import PriceTable

    table = PriceTable.model_validate({"effective_from": "2025-01-01", "source": "test", "currency": "USD",
                                       "models": {"gpt-4o": {"provider": "openai", "input": 2, "output": 8}}})
    assert load_catalog(extra_tables=[("t", table)]) is not load_catalog(extra_tables=[("t", table)])
