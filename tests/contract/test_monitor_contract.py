"""The monitoring contract suite, bound to every backend (see ``conftest.py``).

Also checks that a database at schema revision 0005 (before monitoring) upgrades to head,
keeps its data and can then hold monitoring runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from tests.contract.conftest import Stores

from driftloop.entities import MonitorPoint
from driftloop.store.base import MonitorStore
from driftloop.store.sql import open_sql_stores, upgrade_database
from driftloop.store.sql.database import create_database
from driftloop.store.sql.schema import alembic_config, current_revision, head_revision
from driftloop.testing import (
    T0,
    MonitorStoreContract,
)


@pytest.fixture
def monitor_store(tracking_backend: Stores) -> MonitorStore:
    """The monitoring store of the backend under test."""
    return tracking_backend.monitoring


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
