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


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    """The pending migrations run in one transaction: one that fails takes the others with it, and
    the next open (with the migration mended) brings the database all the way forward."""
    path = tmp_path / "old.duckdb"
    first_version, first_name, first_sql = store.migrations()[0]
    con = duckdb.connect(str(path))  # a database as release 1 left it
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    con.execute(first_sql)
    con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [first_version, first_name])
    con.close()
    good = store._bundled_migrations()
    broken = (*good[:3], (good[3][0], good[3][1], "ALTER TABLE no_such_table ADD COLUMN x INTEGER"), *good[4:])
    monkeypatch.setattr(store, "_bundled_migrations", lambda: broken)
    try:
        store.connect(path)
    except duckdb.CatalogException as exc:
        assert "no_such_table" in str(exc)
    else:
        raise AssertionError("the broken migration should have failed the open")
    con = duckdb.connect(str(path))
    assert con.execute("SELECT list(version) FROM schema_version").fetchall() == [([first_version],)]
    # migration 0002 (before the broken one) added calls.call_hash: rolled back with the rest
    assert not con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'calls' "
                           "AND column_name = 'call_hash'").fetchall()[0][0]
    con.close()
    monkeypatch.setattr(store, "_bundled_migrations", lambda: good)
    con = store.connect(path)
    assert store.schema_version(con) == good[-1][0]
    con.close()
