"""Backends and a live ``--auth`` server for the auth tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database

POSTGRES_BASE_URL = postgres_base_url()


@pytest.fixture(scope="session")
def postgres_auth_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStores]:
    """Stores over one fresh PostgreSQL database for the session."""
    require_postgres(POSTGRES_BASE_URL)
    artifacts = tmp_path_factory.mktemp("auth-postgres-artifacts")
    with temporary_postgres_database(POSTGRES_BASE_URL, label="auth") as url:
        stores = open_sql_stores(url, default_artifact_root=artifacts.as_uri())
        try:
            yield stores
        finally:
            stores.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def auth_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStores]:
    """The stores of one backend: a fresh SQLite file, or the session's PostgreSQL database."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_auth_stores")
        return
    stores = open_sql_stores(
        f"sqlite:///{tmp_path / 'auth.db'}", default_artifact_root=str(tmp_path / "artifacts")
    )
    try:
        yield stores
    finally:
        stores.close()


@pytest.fixture
def auth_store(auth_backend: SqlStores) -> SqlAuthStore:
    """The auth store of the backend under test."""
    return SqlAuthStore(auth_backend.database)
