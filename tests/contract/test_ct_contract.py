"""The continuous-training contract suite, bound to every backend (see ``conftest.py``).

On REST the suite runs against the session's live server (a SQLite file): the compare-and-set,
the one-active-episode index and the lease upsert run in the server's SQL store, and the
conflicts and lease refusals come back through HTTP as the same results. Also checks that a
database at schema revision 0006 (before CT) upgrades to head, keeps its data and can then
hold episodes, events and leases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from tests.contract.conftest import Stores

from driftloop.entities import CtPhase
from driftloop.errors import ConflictError
from driftloop.store.base import CtEventDraft, CtStore
from driftloop.store.sql import models, open_sql_stores, upgrade_database
from driftloop.store.sql.database import create_database
from driftloop.store.sql.schema import alembic_config, current_revision, head_revision
from driftloop.testing import T0, CtStoreContract


@pytest.fixture
def ct_store(tracking_backend: Stores) -> CtStore:
    """The CT store of the backend under test."""
    return tracking_backend.ct


class TestCtStore(CtStoreContract):
    pass


def test_partial_index_lists_exactly_the_non_terminal_phases() -> None:
    """The one-active-episode index covers every non-terminal phase and no other."""
    active = {phase.value for phase in CtPhase if not phase.terminal}
    assert set(models.CT_ACTIVE_PHASES) == active
    for phase in active:
        assert f"'{phase}'" in models.CT_ACTIVE_PREDICATE
    for phase in CtPhase:
        if phase.terminal:
            assert f"'{phase.value}'" not in models.CT_ACTIVE_PREDICATE


def test_migrated_index_lists_exactly_the_non_terminal_phases(tmp_path: Path) -> None:
    """The index the migration created (not just the model) covers the non-terminal phases."""
    stores = open_sql_stores(f"sqlite:///{tmp_path / 'ct.db'}", (tmp_path / "a").as_uri())
    try:
        with stores.database.read() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_ct_episodes_active_deployment'"
            ).scalar_one()
    finally:
        stores.close()
    assert "UNIQUE" in sql.upper()
    for phase in CtPhase:
        assert (f"'{phase.value}'" in sql) is not phase.terminal, (phase, sql)


def test_revision_0006_database_upgrades_to_ct(empty_database_url: str, tmp_path: Path) -> None:
    """A database at revision 0006 upgrades in place, keeps its rows, then holds CT state."""
    database = create_database(empty_database_url)
    try:
        with database.write() as conn:
            command.upgrade(alembic_config(conn), "0006")
            conn.exec_driver_sql(
                "INSERT INTO monitor_runs (run_id, deployment, model_version, window_start, "
                "window_end, rows, verdict, created, details) VALUES "
                f"('{'a' * 32}', 'kept-api', NULL, {T0}, {T0 + 1}, 3, 'drift', 1, '{{}}')"
            )
            assert current_revision(conn) == "0006"
    finally:
        database.close()
    upgrade_database(empty_database_url)
    stores = open_sql_stores(empty_database_url, (tmp_path / "artifacts").as_uri())
    try:
        with stores.database.read() as conn:
            assert current_revision(conn) == head_revision()
        assert stores.monitoring.get_monitor_run("a" * 32).deployment == "kept-api"
        episode = stores.ct.start_episode(
            "kept-api",
            trigger="drift",
            evidence={"run_id": "a" * 32},
            event=CtEventDraft("trigger_fired"),
            now=T0,
        )
        with pytest.raises(ConflictError, match="in progress"):
            stores.ct.start_episode("kept-api", trigger="manual")
        stores.ct.advance_episode(episode.episode_id, expected_revision=1, phase="failed")
        assert [e.event_id for e in stores.ct.list_events("kept-api")] == [1]
        assert stores.ct.acquire_lease("ct", "replica-a", ttl_ms=1000, now=T0) is not None
    finally:
        stores.close()
