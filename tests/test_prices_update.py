"""`mmaudit prices update`: genai-prices data published after the installed release, fetched on
purpose, checked, compared, kept, used by every price load and named in provenance; `--revert`.

The data files are the installed genai-prices' own data written out in its published JSON shape
(its parser reads them back equal), with three edits a real update brings: a new model, a price
change and a model dropped.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import threading
from decimal import Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.pricing import catalog as catalogs
from mmaudit.pricing import genai_data
from mmaudit.pricing.catalog import load_catalog
from mmaudit.provenance import price_sources

runner = CliRunner()


def _published(value: Any) -> Any:
    """genai-prices' objects as its published data file spells them."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): _published(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_") and getattr(value, f.name) is not None}
    if type(value).__name__ == "ModelPrice":  # a plain class holding its prices as attributes
        return {k: _published(v) for k, v in vars(value).items() if not k.startswith("_") and v is not None}
    if isinstance(value, dict):
        return {k: _published(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_published(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from genai_prices.data import providers

    folder = tmp_path_factory.mktemp("genai-data")
    same = _published(list(providers))
    (folder / "same.json").write_text(json.dumps(same), encoding="utf-8")
    changed = json.loads(json.dumps(same))
    openai = next(p for p in changed if p["id"] == "openai")
    openai["models"].append({"id": "gpt-test-9", "name": "GPT test 9", "match": {"equals": "gpt-test-9"},
                             "prices": {"input_mtok": "1.25", "output_mtok": "10"}})
    mini = next(m for m in openai["models"] if m["id"] == "gpt-4o-mini")
    assert mini["prices"]["output_mtok"] == "0.6"  # the installed data's price, which the update lowers
    mini["prices"]["output_mtok"] = "0.5"
    anthropic = next(p for p in changed if p["id"] == "anthropic")
    anthropic["models"] = [m for m in anthropic["models"] if m["id"] != "claude-3-haiku"]
    (folder / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    (folder / "not-prices.json").write_text('[{"id": 3}]', encoding="utf-8")
    return {"same": folder / "same.json", "changed": folder / "changed.json", "bad": folder / "not-prices.json"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's own cache folder: each translation (package data, each fetched copy) built once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def isolated(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of its own (no fetched copy yet), and the module's cache folder."""
    monkeypatch.setenv("MMAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MMAUDIT_CACHE_DIR", str(cache))
    monkeypatch.setattr(catalogs, "_LOADED", {})
    return tmp_path / "data"


def _json(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    return result.exit_code, (json.loads(result.stdout) if result.exit_code == 0 else result.output)


def _chat_call(path: Path, model: str, prompt_tokens: int, completion_tokens: int) -> Path:
    record = {"id": f"chatcmpl-{model}", "object": "chat.completion", "created": 1764806400, "model": model,
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def _cost(db: Path, model: str) -> Decimal | None:
    from mmaudit import store

    con = store.connect(db)
    try:
        return con.execute("SELECT cost_usd FROM calls WHERE model = ?", [model]).fetchone()[0]
    finally:
        con.close()


def test_the_installed_data_written_out_changes_nothing(data_files: dict[str, Path], isolated: Path) -> None:
    code, out = _json("prices", "update", "--file", str(data_files["same"]), "--dry-run")
    assert code == 0, out
    assert out["summary"] == {"added": 0, "removed": 0, "repriced": 0, "history": 0}
    assert out["changes"] == [] and out["kept"] is False
    assert out["fetched"]["providers"] == 47 and out["previous"] == f"genai-prices {genai_data.package_version()}"
    assert not (isolated / genai_data.RECORD_FILE).exists()  # a dry run keeps nothing


def test_a_kept_update_prices_new_models_and_says_what_changed(data_files: dict[str, Path], isolated: Path,
                                                               tmp_path: Path) -> None:
    code, out = _json("prices", "update", "--file", str(data_files["changed"]))
    assert code == 0, out
    assert out["kept"] is True and out["summary"] == {"added": 1, "removed": 1, "repriced": 1, "history": 0}
    by_key = {c["model_key"]: c for c in out["changes"]}
    assert by_key["gpt-test-9"]["change"] == "added" and by_key["gpt-test-9"]["input_after"] == 1.25
    assert (by_key["gpt-4o-mini"]["output_before"], by_key["gpt-4o-mini"]["output_after"]) == (0.6, 0.5)
    assert by_key["claude-3-haiku"]["change"] == "removed" and by_key["claude-3-haiku"]["output_after"] is None
    record = json.loads((isolated / genai_data.RECORD_FILE).read_text(encoding="utf-8"))
    assert record["url"] == str(data_files["changed"]) and record["sha256"] == out["fetched"]["sha256"]

    # every price load now uses it: 1,000 input and 200 output tokens at $1.25 and $10 per 1M
    db = tmp_path / "calls.duckdb"
    assert runner.invoke(app, ["ingest", str(_chat_call(tmp_path / "a.jsonl", "gpt-test-9", 1000, 200)),
                               "--db", str(db), "--format", "json"]).exit_code == 0
    assert _cost(db, "gpt-test-9") == Decimal("0.00325")
    code, sources = _json("prices", "sources")
    label = f"genai-prices {genai_data.package_version()}, data fetched "
    assert sources["genai_prices_data"].startswith(label) and out["fetched"]["sha256"][:12] in sources["genai_prices_data"]
    assert price_sources(load_catalog()).startswith(label)  # the provenance line under every report

    # back to the package's data: the new model is unknown again, never $0
    code, back = _json("prices", "update", "--revert")
    assert code == 0 and back == {"reverted": True, "data": f"genai-prices {genai_data.package_version()}"}
    assert runner.invoke(app, ["prices", "show", "gpt-test-9"]).exit_code == 2
    assert runner.invoke(app, ["ingest", str(_chat_call(tmp_path / "b.jsonl", "gpt-test-9", 1000, 200)),
                               "--db", str(tmp_path / "after.duckdb"), "--format", "json"]).exit_code == 0
    assert _cost(tmp_path / "after.duckdb", "gpt-test-9") is None


def test_stored_calls_keep_their_cost_until_reprice(data_files: dict[str, Path], isolated: Path, tmp_path: Path) -> None:
    db = tmp_path / "calls.duckdb"
    runner.invoke(app, ["ingest", str(_chat_call(tmp_path / "m.jsonl", "gpt-4o-mini", 1_000_000, 1_000_000)),
                        "--db", str(db), "--format", "json"])
    assert _cost(db, "gpt-4o-mini") == Decimal("0.75")  # $0.15 + $0.60
    assert runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"])]).exit_code == 0
    assert _cost(db, "gpt-4o-mini") == Decimal("0.75")
    assert runner.invoke(app, ["prices", "reprice", "--db", str(db)]).exit_code == 0
    assert _cost(db, "gpt-4o-mini") == Decimal("0.65")  # $0.15 + $0.50


def test_data_it_cannot_read_changes_nothing(data_files: dict[str, Path], isolated: Path) -> None:
    assert runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"])]).exit_code == 0
    kept = (isolated / genai_data.RECORD_FILE).read_text(encoding="utf-8")
    result = runner.invoke(app, ["prices", "update", "--file", str(data_files["bad"])])
    assert result.exit_code == 2
    assert f"{data_files['bad']}: genai-prices {genai_data.package_version()} cannot read this price data" in result.output
    assert "Traceback" not in result.output
    assert (isolated / genai_data.RECORD_FILE).read_text(encoding="utf-8") == kept
    result = runner.invoke(app, ["prices", "update", "--url", "ftp://example.com/data.json"])
    assert result.exit_code == 2 and "expected an https://, http:// or file:// address" in result.output


def test_a_damaged_copy_is_named_not_used(data_files: dict[str, Path], isolated: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"])]).exit_code == 0
    record = json.loads((isolated / genai_data.RECORD_FILE).read_text(encoding="utf-8"))
    with open(genai_data.data_path(record["sha256"]), "ab") as fh:
        fh.write(b" ")
    # a new process on an empty cache: the copy must be read (a cached translation of it is used as is)
    monkeypatch.setenv("MMAUDIT_CACHE_DIR", str(tmp_path / "empty-cache"))
    genai_data._parsed.cache_clear()
    genai_data._snapshot.cache_clear()
    result = runner.invoke(app, ["prices", "show", "gpt-4o-mini"])
    assert result.exit_code == 2
    assert "does not match its record" in result.output and "prices update --revert" in result.output


def test_fetched_over_http_and_a_missing_file_answered(data_files: dict[str, Path], isolated: Path) -> None:
    handler = partial(SimpleHTTPRequestHandler, directory=str(data_files["changed"].parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        code, out = _json("prices", "update", "--url", f"{base}/changed.json", "--dry-run")
        assert code == 0, out
        assert out["fetched"]["url"] == f"{base}/changed.json" and out["summary"]["added"] == 1
        result = runner.invoke(app, ["prices", "update", "--url", f"{base}/missing.json"])
        assert result.exit_code == 2 and "the server answered HTTP 404" in result.output
    finally:
        server.shutdown()
        server.server_close()


def test_the_table_lists_changes_and_says_how_many_it_left_out(data_files: dict[str, Path], isolated: Path) -> None:
    result = runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"]), "--dry-run", "--limit", "2"],
                           env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "gpt-test-9" in result.output and "gpt-4o-mini" in result.output and "claude-3-haiku" not in result.output
    assert "1 more changed model not listed: --limit 3" in result.output
    assert "no (--dry-run)" in result.output


def test_a_new_copy_replaces_the_old_and_a_failed_switch_keeps_the_old(data_files: dict[str, Path], isolated: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["prices", "update", "--file", str(data_files["same"])]).exit_code == 0
    first = genai_data.fetched()
    assert first is not None and [p.name for p in isolated.glob(genai_data.DATA_GLOB)] == [f"fetched-prices-{first.sha256[:12]}.json"]

    real_replace = Path.replace

    def record_fails(self: Path, target: Any) -> Path:  # the disk fills between the data file and the record
        if Path(target).name == genai_data.RECORD_FILE:
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    with monkeypatch.context() as patched:
        patched.setattr(Path, "replace", record_fails)
        result = runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"])])
    assert result.exit_code == 2 and "cannot keep the fetched price data (No space left on device)" in result.output
    assert genai_data.fetched() == first  # still the first copy, whole
    assert runner.invoke(app, ["prices", "show", "gpt-test-9"]).exit_code == 2

    assert runner.invoke(app, ["prices", "update", "--file", str(data_files["changed"])]).exit_code == 0
    second = genai_data.fetched()
    assert second is not None and second.sha256 != first.sha256
    assert [p.name for p in isolated.glob(genai_data.DATA_GLOB)] == [f"fetched-prices-{second.sha256[:12]}.json"]
    assert runner.invoke(app, ["prices", "show", "gpt-test-9"]).exit_code == 0


def test_the_same_price_written_differently_is_no_change() -> None:
    from datetime import date

    from mmaudit.pricing.data_update import compare
    from mmaudit.pricing.rates import RateRow

    def row(input_rate: str, output_rate: str) -> RateRow:
        return RateRow(model_key="m", provider="p", source="genai-prices", table_name="t", table_path=None,
                       valid_from=date(1970, 1, 1), valid_to=None,
                       rates={"input_rate": Decimal(input_rate), "output_rate": Decimal(output_rate)})

    assert compare({"rows": [row("0.000002", "0.00001")]}, {"rows": [row("0.0000020", "0.000010")]}) == []
    moved = compare({"rows": [row("0.000002", "0.00001")]}, {"rows": [row("0.000002", "0.000008")]})
    assert moved == [{"model_key": "m", "change": "repriced", "input_before": Decimal("2"), "input_after": Decimal("2"),
                      "output_before": Decimal("10"), "output_after": Decimal("8")}]
