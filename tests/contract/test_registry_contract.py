"""The model registry contract suites, bound to every backend (see ``conftest.py``).

Also checks that a database created by the first schema revision (tracking only) upgrades
to the registry schema and keeps its data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from tests.contract.conftest import Stores

from driftloop.store.base import EventStore, ModelVersionStore, RegistryStore
from driftloop.store.sql import models, open_sql_stores, upgrade_database
from driftloop.store.sql.database import create_database
from driftloop.store.sql.schema import alembic_config, current_revision, head_revision
from driftloop.testing import (
    EventStoreContract,
    ModelVersionStoreContract,
    RegistryConcurrencyContract,
    RegistrySearchContract,
    RegistryStoreContract,
)


@pytest.fixture
def registry_store(tracking_backend: Stores) -> RegistryStore:
    """The registered-model store of the backend under test."""
    return tracking_backend.registry


@pytest.fixture
def model_version_store(tracking_backend: Stores) -> ModelVersionStore:
    """The model version store of the backend under test (same database)."""
    return tracking_backend.model_versions


@pytest.fixture
def event_store(tracking_backend: Stores) -> EventStore:
    """The registry event log of the backend under test (same database)."""
    return tracking_backend.events


class TestRegistryStore(RegistryStoreContract):
    pass


class TestModelVersionStore(ModelVersionStoreContract):
    pass


class TestRegistrySearch(RegistrySearchContract):
    pass


class TestRegistryEvents(EventStoreContract):
    pass


class TestRegistryConcurrency(RegistryConcurrencyContract):
    pass


def test_first_revision_database_upgrades_to_the_registry(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A tracking-only (revision 0001) database upgrades in place and keeps its runs."""
    database = create_database(empty_database_url)
    try:
        with database.write() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.execute(
                models.experiments.insert().values(
                    name="kept",
                    artifact_location="file:///kept",
                    lifecycle_stage="active",
                    creation_time=1,
                    last_update_time=1,
                )
            )
    finally:
        database.close()
    upgrade_database(empty_database_url)
    stores = open_sql_stores(empty_database_url, (tmp_path / "artifacts").as_uri())
    try:
        with stores.database.read() as conn:
            assert current_revision(conn) == head_revision()
        kept = stores.experiments.get_experiment_by_name("kept")
        assert kept is not None
        run = stores.runs.create_run(kept.experiment_id)
        stores.registry.create_registered_model("upgraded")
        version = stores.model_versions.create_model_version(
            "upgraded", "s3://b/1", run_id=run.info.run_id
        )
        assert version.version == 1
        assert [e.event_id for e in stores.events.list_events("upgraded")] == [1, 2]
    finally:
        stores.close()
