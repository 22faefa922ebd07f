"""The monitoring contract suite, bound to the SQL backends.

The REST backend is not bound yet: its monitoring routes come next, so this module
parametrizes over its own backend list instead of ``conftest.BACKENDS``. Also checks that a
database at schema revision 0005 (before monitoring) upgrades to head, keeps its data and can
then hold monitoring runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from driftloop.entities import MonitorPoint
from driftloop.store.base import MonitorStore
from driftloop.store.sql import SqlStores, open_sql_stores, upgrade_database
from driftloop.store.sql.database import create_database
from driftloop.store.sql.schema import alembic_config, current_revision, head_revision
from driftloop.testing import (
    T0,
    MonitorStoreContract,
)

# No "rest" yet: the monitoring REST routes come next.
MONITOR_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=MONITOR_BACKENDS)
def monitor_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStores]:
    """The SQL stores of one backend; SQLite is fresh per test, PostgreSQL per session."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_stores")
        return
    uri = f"sqlite:///{tmp_path / 'monitor.db'}" if request.param == "sqlite" else "sqlite://"
    stores = open_sql_stores(uri, default_artifact_root=(tmp_path / "artifacts").as_uri())
    try:
        yield stores
    finally:
        stores.close()


@pytest.fixture
def monitor_store(monitor_backend: SqlStores) -> MonitorStore:
    """The monitoring store of the backend under test."""
    return monitor_backend.monitoring


class TestMonitorStore(MonitorStoreContract):
    pass


def test_revision_0005_database_upgrades_to_monitoring(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A database at revision 0005 upgrades in place, keeps its rows, then records runs."""
    database = create_database(empty_database_url)
    try:
        with database.write() as conn:
            command.upgrade(alembic_config(conn), "0005")
            conn.exec_driver_sql(
                "INSERT INTO registered_models (name, creation_timestamp, "
                "last_updated_timestamp, last_version) VALUES ('kept', 1, 1, 0)"
            )
            assert current_revision(conn) == "0005"
    finally:
        database.close()
    upgrade_database(empty_database_url)
    stores = open_sql_stores(empty_database_url, (tmp_path / "artifacts").as_uri())
    try:
        with stores.database.read() as conn:
            assert current_revision(conn) == head_revision()
        assert stores.registry.get_registered_model("kept").name == "kept"
        run = stores.monitoring.record_monitor_run(
            "kept-api",
            model_version=None,
            window_start=T0,
            window_end=T0 + 1,
            rows=3,
            verdict="no_drift",
            points=[MonitorPoint("age", "psi", 0.25)],
        )
        series = stores.monitoring.get_series("kept-api", "age", "psi")
        assert [(s.run_id, s.value) for s in series] == [(run.run_id, 0.25)]
        assert stores.monitoring.delete_monitor_runs("kept-api", before=T0 + 2) == 1
    finally:
        stores.close()
