"""Backends for the contract suites: SQLite file, SQLite in memory, PostgreSQL and REST.

PostgreSQL gets one throw-away database per test session (per xdist worker). The contract
tests create uniquely named experiments and search only inside them, so tests share that
database without cleaning it between tests. REST is one live server per session (on a SQLite
file) reached through the REST stores. When the server is unreachable the PostgreSQL
cases are skipped locally and fail in CI (``CI=true``): CI must never skip them silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from driftloop.server.config import ServerConfig
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.store.rest import RestStores, open_rest_stores
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database
from driftloop.testing.live_server import live_server

POSTGRES_BASE_URL = postgres_base_url()

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("rest", id="rest"),
]

Stores = SqlStores | RestStores


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


@pytest.fixture(scope="session")
def rest_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One live server on a fresh SQLite file for the session (per xdist worker)."""
    root = tmp_path_factory.mktemp("rest-server")
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{root / 'server.db'}",
        artifacts_destination=str(root / "artifacts"),
        port=0,
    )
    with live_server(config) as url:
        yield url


@pytest.fixture(scope="session")
def rest_stores(rest_server_url: str) -> Iterator[RestStores]:
    """The REST stores of the session's live server."""
    stores = open_rest_stores(rest_server_url)
    try:
        yield stores
    finally:
        stores.close()


def _sqlite_stores(db_uri: str, artifact_root: Path) -> SqlStores:
    artifact_root.mkdir(exist_ok=True)
    return open_sql_stores(db_uri, default_artifact_root=artifact_root.as_uri())


@pytest.fixture(params=BACKENDS)
def tracking_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """The tracking stores of one backend; SQLite is fresh per test, PostgreSQL and REST per
    session."""
    if request.param in {"postgresql", "rest"}:
        fixture = "postgres_stores" if request.param == "postgresql" else "rest_stores"
        yield request.getfixturevalue(fixture)
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
def experiment_store(tracking_backend: Stores) -> ExperimentStore:
    """The experiment store of the backend under test."""
    return tracking_backend.experiments


@pytest.fixture
def run_store(tracking_backend: Stores) -> RunStore:
    """The run store of the backend under test (same database as ``experiment_store``)."""
    return tracking_backend.runs


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on each backend (for the migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_postgres(POSTGRES_BASE_URL)
    with temporary_postgres_database(POSTGRES_BASE_URL, label="migrate") as url:
        yield url
