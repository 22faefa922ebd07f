"""Fixtures for the SQL store internals: SQLite stores, and a throw-away PostgreSQL database.

PostgreSQL tests are marked ``postgres``. When the server at ``DRIFTLOOP_TEST_POSTGRES_URL``
(default ``127.0.0.1:5432``) is unreachable they are skipped locally, and fail when
``CI=true``: CI must never skip them silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database

POSTGRES_BASE_URL = postgres_base_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    require_postgres(POSTGRES_BASE_URL)
    with temporary_postgres_database(POSTGRES_BASE_URL, label="sqlunit") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a SQLite file that does not exist yet (in a directory that does not either)."""
    return f"sqlite:///{tmp_path / 'db' / 'tracking.db'}"


@pytest.fixture
def artifact_root(tmp_path: Path) -> str:
    """A default artifact root URI."""
    return (tmp_path / "artifacts").as_uri()


def _open(url: str, artifact_root: str) -> Iterator[SqlStores]:
    stores = open_sql_stores(url, artifact_root)
    try:
        yield stores
    finally:
        stores.close()


@pytest.fixture
def sqlite_stores(sqlite_url: str, artifact_root: str) -> Iterator[SqlStores]:
    """Stores over a fresh SQLite file."""
    yield from _open(sqlite_url, artifact_root)


@pytest.fixture(scope="session")
def postgres_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStores]:
    """Stores over one PostgreSQL database shared by the session (tests use unique names)."""
    require_postgres(POSTGRES_BASE_URL)
    artifact_root = tmp_path_factory.mktemp("pg-artifacts").as_uri()
    with temporary_postgres_database(POSTGRES_BASE_URL, label="sqlunit") as url:
        yield from _open(url, artifact_root)


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def stores(request: pytest.FixtureRequest) -> SqlStores:
    """Stores over each backend in turn (SQLite fresh per test, PostgreSQL per session)."""
    fixture = "sqlite_stores" if request.param == "sqlite" else "postgres_stores"
    result: SqlStores = request.getfixturevalue(fixture)
    return result
