"""Backends for the contract suites: SQLite file, SQLite in memory and PostgreSQL.

PostgreSQL gets one throw-away database per test session (per xdist worker). The contract
tests create uniquely named experiments and search only inside them, so tests share that
database without cleaning it between tests. When the server is unreachable the PostgreSQL
cases are skipped locally and fail in CI (``CI=true``): CI must never skip them silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from driftloop.store.base import ExperimentStore, RunStore
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database

POSTGRES_BASE_URL = postgres_base_url()

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStores]:
    """Stores over one fresh PostgreSQL database, shared by the whole session."""
    require_postgres(POSTGRES_BASE_URL)
    artifact_root = tmp_path_factory.mktemp("postgres-artifacts")
    with temporary_postgres_database(POSTGRES_BASE_URL) as url:
        stores = open_sql_stores(url, default_artifact_root=artifact_root.as_uri())
        try:
            yield stores
        finally:
            stores.close()


def _sqlite_stores(db_uri: str, artifact_root: Path) -> SqlStores:
    artifact_root.mkdir(exist_ok=True)
    return open_sql_stores(db_uri, default_artifact_root=artifact_root.as_uri())


@pytest.fixture(params=BACKENDS)
def tracking_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStores]:
    """The tracking stores of one backend; SQLite is fresh per test, PostgreSQL per session."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_stores")
        return
    if request.param == "sqlite":
        stores = _sqlite_stores(f"sqlite:///{tmp_path / 'tracking.db'}", tmp_path / "artifacts")
    else:
        stores = _sqlite_stores("sqlite://", tmp_path / "artifacts")
    try:
        yield stores
    finally:
        stores.close()


@pytest.fixture
def experiment_store(tracking_backend: SqlStores) -> ExperimentStore:
    """The experiment store of the backend under test."""
    return tracking_backend.experiments


@pytest.fixture
def run_store(tracking_backend: SqlStores) -> RunStore:
    """The run store of the backend under test (same database as ``experiment_store``)."""
    return tracking_backend.runs
