"""The model registry: bundled priors, user overrides, and `mmaudit models` with measured latency."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from mmaudit.cli import app
from mmaudit.pricing import load_catalog, register_prices
from mmaudit.store import connect

runner = CliRunner()
CURRENT = ["gpt-5", "gpt-5.4", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-3-pro-preview",
           "nova-pro", "nova-2-lite", "deepseek-chat", "deepseek-v4-flash", "mistral-large-3", "llama-3.3-70b",
           "grok-4-fast"]


def test_registry_covers_current_traffic_with_labelled_priors():
    catalog = load_catalog()
    con = connect(":memory:")
    register_prices(con, catalog)
    for name in CURRENT:
        key = catalog.registry_keys.get(name) or catalog.resolver.resolve(None, name)[0]
        assert key is not None, name
        tier, ttft, classes, in_registry = con.execute(
            "SELECT tier, ttft_ms, data_classes, in_registry FROM model_info WHERE model_key = ?", [key]).fetchall()[0]
        assert in_registry and tier and ttft and classes, name
        assert con.execute("SELECT count(*) FROM model_quality WHERE model_key = ? AND task = 'default'",
                           [key]).fetchall()[0][0] == 1, name
    assert all(e.model.prior_source for e in catalog.registry.entries if e.origin == "bundled")
    con.close()


def test_user_registry_file_overrides_by_another_id(tmp_path):
    # the bundled entry is named claude-sonnet-4-5; the user names the model by its dated id
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"registry": {"claude-sonnet-4-5-20250929": {
        "data_classes": ["public"], "quality": {"default": 0.5}, "latency": {"ttft_ms": 123, "output_tokens_per_s": 45}}}}))
    catalog = load_catalog([path])
    con = connect(":memory:")
    register_prices(con, catalog)
    row = con.execute("SELECT data_classes, ttft_ms, tier, registry_origin FROM model_info"
                      " WHERE model_key = 'claude-sonnet-4-5'").fetchall()[0]
    assert row == (["public"], 123.0, "frontier", "user")  # tier kept from the bundled entry
    assert con.execute("SELECT score FROM model_quality WHERE model_key = 'claude-sonnet-4-5' AND task = 'default'"
                       ).fetchall()[0][0] == 0.5
    con.close()



def test_each_catalog_registers_its_own_registry_on_every_connection(tmp_path):
    """The registry's tables are built once per catalog and kept on it: a second connection gets
    the same rows, and a catalog with the user's registry never gets the bundled one's."""
    def info(catalog) -> list[tuple]:
        con = connect(":memory:")
        register_prices(con, catalog)
        found = con.execute("SELECT * FROM model_info ORDER BY model_key").fetchall()
        found += con.execute("SELECT * FROM model_quality ORDER BY ALL").fetchall()
        con.close()
        return found

    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump({"registry": {"claude-sonnet-4-5": {"latency": {"ttft_ms": 7, "output_tokens_per_s": 9}}}}))
    bundled, user = load_catalog(), load_catalog([path])
    first = info(bundled)
    assert info(user) != first and info(bundled) == first
    ttft = {row[0]: row[5] for row in info(user) if len(row) > 3}
    assert ttft["claude-sonnet-4-5"] == 7.0

def test_models_command_measures_latency_from_own_calls(tmp_path):
    db = tmp_path / "m.duckdb"
    con = connect(db)
    rows = [(f"c{i}", "2025-10-01 00:00:00+00", "gpt-5-2025-08-07", 100, 1000, 2000.0 + i, 1000.0) for i in range(25)]
    con.executemany("INSERT INTO calls (call_id, ts, model, input_tokens, output_tokens, latency_ms, ttft_ms, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'ok')", rows)
    con.execute("UPDATE calls SET model_key = 'gpt-5'")
    con.close()
    result = runner.invoke(app, ["models", "--db", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    models = {m["model_key"]: m for m in json.loads(result.stdout)["models"]}
    gpt5 = models["gpt-5"]
    # 25 calls: median ttft 1000 ms; output speed median of 1000 / ((latency - 1000) / 1000) = 1000 / 1.012 s
    assert gpt5["latency_basis"] == "measured (25 calls)" and gpt5["ttft_ms"] == 1000
    assert abs(gpt5["output_tokens_per_s"] - 1000 / 1.012) < 1e-6
    assert models["claude-sonnet-4-5"]["latency_basis"] == "prior"  # no calls of its own
    assert gpt5["input"] == 1.25 and gpt5["quality_basis"] == "prior"
    table = runner.invoke(app, ["models", "--db", str(db)])
    assert table.exit_code == 0 and "measured (25" in table.output and "prior" in table.output


def test_a_model_whose_calls_logged_no_first_token_keeps_its_ttft_prior(tmp_path):
    db = tmp_path / "m.duckdb"
    con = connect(db)
    rows = [(f"c{i}", "2025-10-01 00:00:00+00", "gpt-5-2025-08-07", 100, 1000, 2000.0 + i) for i in range(25)]
    con.executemany("INSERT INTO calls (call_id, ts, model, input_tokens, output_tokens, latency_ms, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'ok')", rows)
    con.execute("UPDATE calls SET model_key = 'gpt-5'")
    con.close()
    models = {m["model_key"]: m for m in json.loads(runner.invoke(app, ["models", "--db", str(db), "-f", "json"]).stdout)["models"]}
    gpt5 = models["gpt-5"]
    # TTFT was blank beside "measured (25 calls)": no call logged a first-token time
    assert gpt5["ttft_ms"] is not None and gpt5["latency_basis"] == "measured (25 calls); TTFT prior (no first-token times logged)"
    assert models["llama-3.1-70b-selfhosted"]["fixed_monthly_usd"] == 7300
    assert "(USD/month)" in runner.invoke(app, ["models", "--db", str(db)], env={"COLUMNS": "250"}).stdout
