"""`mmaudit export --to parquet`: month partitions that read back to the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import duckdb
from typer.testing import CliRunner

from mmaudit import store
from mmaudit.cli import app
from mmaudit.export import export_parquet, sql_string
from tests.test_report import at, insert_calls

runner = CliRunner()


def make_db(tmp_path):
    path = tmp_path / "e.duckdb"
    con = store.connect(path)
    insert_calls(con, [dict(ts=at(1, month=6), model="A", cost_usd=Decimal("0.123456789012"), tags={"team": "x"}),
                       dict(ts=at(2), model="B"), dict(ts=at(3), model="B"), dict(ts=None, model="C")])
    con.close()
    return path


def test_partitioned_by_month_and_reads_back(tmp_path):
    db = make_db(tmp_path)
    out = tmp_path / "it's out"  # a quote in the path must not break the COPY statement
    con = store.connect(db, read_only=True)
    result = export_parquet(con, out)
    con.close()
    assert result.rows == 4 and result.months == ["2025-06", "2025-07", "undated"]
    assert sorted(p.name for p in out.iterdir()) == ["month=2025-06", "month=2025-07", "month=undated"]
    back = duckdb.connect()
    rows = back.execute("SELECT month, count(*), sum(cost_usd), any_value(tags['team']) FILTER (WHERE tags IS NOT NULL) "
                        "FROM read_parquet(?, hive_partitioning = true) GROUP BY month ORDER BY month",
                        [str(out / "**" / "*.parquet")]).fetchall()
    back.close()
    assert [(r[0], r[1]) for r in rows] == [("2025-06", 1), ("2025-07", 2), ("undated", 1)]
    assert rows[0][2] == Decimal("0.123456789012") and rows[0][3] == "x"


def test_sql_string_doubles_quotes():
    assert sql_string("a'b") == "'a''b'"


def test_cli_refuses_a_non_empty_directory_without_overwrite(tmp_path):
    db = make_db(tmp_path)
    out = tmp_path / "w"
    first = runner.invoke(app, ["export", "--to", "parquet", str(out), "--db", str(db), "--format", "json"])
    assert first.exit_code == 0 and json.loads(first.stdout)["rows"] == 4
    again = runner.invoke(app, ["export", "--to", "parquet", str(out), "--db", str(db)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    (out / "month=1999-01").mkdir()
    (out / "month=1999-01" / "stale.parquet").write_bytes(b"")
    (out / "README").write_text("keep me")
    redo = runner.invoke(app, ["export", "--to", "parquet", str(out), "--db", str(db), "--overwrite"])
    assert redo.exit_code == 0 and not (out / "month=1999-01").exists() and (out / "README").exists()


def test_cli_unknown_target_format_exits_2(tmp_path):
    db = make_db(tmp_path)
    done = subprocess.run([sys.executable, "-m", "mmaudit", "export", "--to", "csv", str(tmp_path / "x"), "--db", str(db)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == "" and "parquet" in done.stderr


def test_an_export_is_owner_only_and_an_uncreatable_directory_is_an_input_error(tmp_path):
    import os
    import stat

    db = make_db(tmp_path)
    old = os.umask(0o022)  # a usual shell: files 0644 unless the export says otherwise
    try:
        out = tmp_path / "w"
        assert runner.invoke(app, ["export", "--to", "parquet", str(out), "--db", str(db)]).exit_code == 0
    finally:
        os.umask(old)
    # the files hold prompt and answer text, as the (0600) database does: they were 0644
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*.parquet")} == {0o600}
    (tmp_path / "afile").write_text("")
    for to in ("parquet", "focus"):
        done = runner.invoke(app, ["export", "--to", to, str(tmp_path / "afile" / "sub"), "--db", str(db)])
        assert done.exit_code == 2 and "cannot create the export directory" in done.output, done.output  # was a traceback
