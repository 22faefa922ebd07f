"""Tests for ``driftloop.store.sql.database``: engines, SQLite pragmas, locking, errors."""

from __future__ import annotations

import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from driftloop.entities import Metric
from driftloop.errors import StoreUnavailableError, UnsupportedUriError
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.store.sql.database import check_connection, create_database


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("busy_timeout", 30000),
        ("foreign_keys", 1),
        ("synchronous", 1),  # NORMAL
    ],
)
def test_sqlite_pragmas_are_set_on_every_connection(
    sqlite_stores: SqlStores, pragma: str, expected: object
) -> None:
    with sqlite_stores.database.read() as conn:
        assert conn.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def test_sqlite_parent_directory_is_created(tmp_path: Path, artifact_root: str) -> None:
    path = tmp_path / "a" / "b" / "tracking.db"
    stores = open_sql_stores(f"sqlite:///{path}", artifact_root)
    try:
        assert path.exists()
    finally:
        stores.close()


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_keeps_its_data_across_transactions(uri: str, artifact_root: str) -> None:
    stores = open_sql_stores(uri, artifact_root)
    try:
        experiment_id = stores.experiments.create_experiment("kept")
        assert stores.experiments.get_experiment(experiment_id).name == "kept"
        assert stores.experiments.get_experiment("0").name == "Default"
    finally:
        stores.close()


def test_write_transaction_takes_the_sqlite_write_lock_first(
    sqlite_stores: SqlStores, sqlite_url: str
) -> None:
    """``BEGIN IMMEDIATE``: a writer holds the lock before its first statement."""
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with (
            sqlite_stores.database.write(),
            pytest.raises(sqlite3.OperationalError, match="database is locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_transaction_does_not_block_writers(sqlite_stores: SqlStores, sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with sqlite_stores.database.read() as conn:
            conn.execute(text("SELECT 1 FROM experiments"))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.parametrize(
    "uri", ["mysql://u@h/db", "mongodb://h/db", "not a uri", "postgresql+psycopg2://u@h/db"]
)
def test_unsupported_uris(uri: str) -> None:
    with pytest.raises(UnsupportedUriError, match="database"):
        create_database(uri)


def test_unreachable_postgres_names_host_and_database_but_not_the_password() -> None:
    database = create_database("postgresql://alice:s3cret-pw@127.0.0.1:1/trackingdb")
    try:
        with pytest.raises(
            StoreUnavailableError, match=re.escape("'trackingdb' on 127.0.0.1:1")
        ) as info:
            check_connection(database)
    finally:
        database.close()
    assert "s3cret-pw" not in info.value.message
    assert "psycopg" not in info.value.message
    assert info.value.__cause__ is not None


def test_open_unreachable_postgres_raises_store_unavailable(artifact_root: str) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot connect"):
        open_sql_stores("postgresql+psycopg://bob:pw@127.0.0.1:1/x", artifact_root)


def test_bare_postgresql_scheme_uses_psycopg() -> None:
    database = create_database("postgresql://u@127.0.0.1:1/db")
    try:
        assert database.engine.dialect.driver == "psycopg"
        assert database.dialect == "postgresql"
    finally:
        database.close()


def test_sqlite_directory_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailableError, match="cannot create the directory"):
        create_database(f"sqlite:///{blocker / 'sub' / 'tracking.db'}")


@pytest.mark.parametrize("where", ["memory", "file"])
def test_concurrent_writers_from_threads(where: str, sqlite_url: str, artifact_root: str) -> None:
    """Threads sharing one store: in-memory transactions take turns, file ones lock."""
    stores = open_sql_stores("sqlite://" if where == "memory" else sqlite_url, artifact_root)
    try:
        run_id = stores.runs.create_run("0").run_id

        def log(worker: int) -> None:
            for step in range(20):
                stores.runs.log_batch(run_id, metrics=[Metric(f"w{worker}", 1.0, 1, step)])
                stores.runs.get_run(run_id)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(log, range(4)))
        assert len(stores.runs.get_run(run_id).data.metrics) == 4
        assert len(stores.runs.get_metric_history(run_id, "w3")) == 20
    finally:
        stores.close()
