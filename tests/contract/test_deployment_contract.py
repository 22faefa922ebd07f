"""The deployment contract suite, bound to every backend (see ``conftest.py``).

Also checks that a database at schema revision 0004 (before deployments) upgrades to head,
keeps its registry and can then hold deployments.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from tests.contract.conftest import Stores

from driftloop.store.base import DeploymentStore, EventStore, ModelVersionStore, RegistryStore
from driftloop.store.sql import open_sql_stores, upgrade_database
from driftloop.store.sql.database import create_database
from driftloop.store.sql.schema import alembic_config, current_revision, head_revision
from driftloop.testing import (
    DeploymentStoreContract,
)


@pytest.fixture
def deployment_store(tracking_backend: Stores) -> DeploymentStore:
    """The deployment store of the backend under test."""
    return tracking_backend.deployments


@pytest.fixture
def registry_store(tracking_backend: Stores) -> RegistryStore:
    """The registered-model store of the backend under test (same database)."""
    return tracking_backend.registry


@pytest.fixture
def model_version_store(tracking_backend: Stores) -> ModelVersionStore:
    """The model version store of the backend under test (same database)."""
    return tracking_backend.model_versions


@pytest.fixture
def event_store(tracking_backend: Stores) -> EventStore:
    """The registry event log of the backend under test (same database)."""
    return tracking_backend.events


class TestDeploymentStore(DeploymentStoreContract):
    pass


def test_revision_0004_database_upgrades_to_deployments(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A registry at revision 0004 upgrades in place; its model serves a new deployment."""
    database = create_database(empty_database_url)
    try:
        with database.write() as conn:
            command.upgrade(alembic_config(conn), "0004")
            conn.exec_driver_sql(
                "INSERT INTO registered_models (name, creation_timestamp, "
                "last_updated_timestamp, last_version) VALUES ('kept', 1, 1, 1)"
            )
            conn.exec_driver_sql(
                "INSERT INTO model_versions (model_id, version, creation_timestamp, "
                "last_updated_timestamp, source, status) "
                "SELECT model_id, 1, 1, 1, 's3://b/1', 'READY' FROM registered_models"
            )
            conn.exec_driver_sql(
                "INSERT INTO registered_model_aliases (model_id, alias, version) "
                "SELECT model_id, 'champion', 1 FROM registered_models"
            )
            assert current_revision(conn) == "0004"
    finally:
        database.close()
    upgrade_database(empty_database_url)
    stores = open_sql_stores(empty_database_url, (tmp_path / "artifacts").as_uri())
    try:
        with stores.database.read() as conn:
            assert current_revision(conn) == head_revision()
        kept = stores.registry.get_registered_model("kept")
        assert kept.aliases == {"champion": 1}
        created = stores.deployments.create_deployment("kept-api", "kept")
        assert created.model_name == "kept"
        assert stores.deployments.list_deployments("kept") == [created]
    finally:
        stores.close()
