"""The store: migrations bring older databases forward; files are private to their owner."""

from __future__ import annotations

import stat

import duckdb

from mmaudit import store


def test_new_database_is_owner_only_and_at_latest_version(tmp_path):
    path = tmp_path / "new.duckdb"
    con = store.connect(path)
    assert store.schema_version(con) == max(v for v, _, _ in store.migrations())
    con.close()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_older_database_is_migrated_forward(tmp_path):
    path = tmp_path / "old.duckdb"
    first_version, _, first_sql = store.migrations()[0]
    con = duckdb.connect(str(path))  # a database as release 1 left it
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    con.execute(first_sql)
    con.execute("INSERT INTO schema_version VALUES (?, 'first', now())", [first_version])
    con.execute("INSERT INTO calls (call_id, status) VALUES ('old-1', 'ok')")
    con.close()
    con = store.connect(path)
    assert store.schema_version(con) == max(v for v, _, _ in store.migrations())
    assert con.execute("SELECT call_id FROM calls").fetchall() == [("old-1",)]


def test_migrations_run_once(tmp_path):
    path = tmp_path / "twice.duckdb"
    store.connect(path).close()
    con = store.connect(path)
    versions = [v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()]
    assert len(versions) == len(set(versions))
