"""Tests for ``driftloop.store.sql.schema``: migrations on open, out-of-date detection."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from driftloop.errors import SchemaOutOfDateError
from driftloop.store.sql import open_sql_stores, upgrade_database
from driftloop.store.sql.auth_tables import metadata as auth_metadata
from driftloop.store.sql.database import create_database
from driftloop.store.sql.models import metadata
from driftloop.store.sql.schema import (
    MIGRATIONS_DIR,
    VERSION_TABLE,
    current_revision,
    ensure_schema,
    head_revision,
    upgrade_schema,
)

_SECOND_REVISION = '''"""Add a table (test only)."""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_extra", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("test_extra")
'''


@pytest.fixture
def newer_migrations(tmp_path: Path) -> Path:
    """A copy of the packaged migrations plus one more revision: a newer driftloop."""
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9999_extra.py").write_text(
        _SECOND_REVISION.format(head=head_revision())
    )
    return location


def test_empty_database_gets_schema_and_default_experiment(
    sqlite_url: str, artifact_root: str
) -> None:
    stores = open_sql_stores(sqlite_url, artifact_root)
    try:
        with stores.database.read() as conn:
            assert current_revision(conn) == head_revision()
        default = stores.experiments.get_experiment("0")
        assert default.name == "Default"
        assert default.artifact_location == f"{artifact_root}/0"
    finally:
        stores.close()


def test_reopening_keeps_data_and_does_not_duplicate_default(
    sqlite_url: str, artifact_root: str
) -> None:
    first = open_sql_stores(sqlite_url, artifact_root)
    experiment_id = first.experiments.create_experiment("kept")
    first.close()
    second = open_sql_stores(sqlite_url, artifact_root)
    try:
        names = [e.name for e in second.experiments.search_experiments()]
        assert sorted(names) == ["Default", "kept"]
        assert second.experiments.get_experiment(experiment_id).name == "kept"
    finally:
        second.close()


def test_older_schema_is_refused_with_the_upgrade_command(
    sqlite_url: str, artifact_root: str, newer_migrations: Path
) -> None:
    open_sql_stores(sqlite_url, artifact_root).close()
    database = create_database(sqlite_url)
    try:
        with pytest.raises(
            SchemaOutOfDateError, match=re.escape(f"run: driftloop db upgrade {sqlite_url}")
        ):
            ensure_schema(database, sqlite_url, newer_migrations)
        upgrade_schema(database, newer_migrations)
        ensure_schema(database, sqlite_url, newer_migrations)
        with database.read() as conn:
            assert current_revision(conn) == "9999"
    finally:
        database.close()


def test_newer_schema_is_refused(
    sqlite_url: str, artifact_root: str, newer_migrations: Path
) -> None:
    database = create_database(sqlite_url)
    try:
        ensure_schema(database, sqlite_url, newer_migrations)
    finally:
        database.close()
    with pytest.raises(SchemaOutOfDateError, match="newer than this driftloop"):
        open_sql_stores(sqlite_url, artifact_root)


def test_foreign_database_is_refused(sqlite_url: str, artifact_root: str) -> None:
    database = create_database(sqlite_url)
    try:
        with database.write() as conn:
            conn.execute(text("CREATE TABLE someone_elses (id INTEGER)"))
    finally:
        database.close()
    with pytest.raises(SchemaOutOfDateError, match="not a driftloop database"):
        open_sql_stores(sqlite_url, artifact_root)
    with pytest.raises(SchemaOutOfDateError, match="not a driftloop database"):
        upgrade_database(sqlite_url)


def test_upgrade_database_creates_the_schema_then_open_adds_default(
    sqlite_url: str, artifact_root: str
) -> None:
    upgrade_database(sqlite_url)
    upgrade_database(sqlite_url)  # idempotent
    stores = open_sql_stores(sqlite_url, artifact_root)
    try:
        assert stores.experiments.get_experiment("0").name == "Default"
    finally:
        stores.close()


def _schema_differences(url: str) -> list[object]:
    database = create_database(url)
    try:
        upgrade_schema(database)
        with database.read() as conn, warnings.catch_warnings():
            # Alembic cannot reflect expression indexes on SQLite; it warns and skips them.
            warnings.simplefilter("ignore")
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return [
                diff
                for diff in compare_metadata(context, [metadata, auth_metadata])
                if not (diff[0] == "remove_table" and diff[1].name == VERSION_TABLE)
            ]
    finally:
        database.close()


def test_migrations_match_the_models_on_sqlite(sqlite_url: str) -> None:
    assert _schema_differences(sqlite_url) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(postgres_url: str) -> None:
    assert _schema_differences(postgres_url) == []


@pytest.mark.postgres
def test_postgres_empty_database_gets_schema(postgres_url: str, artifact_root: str) -> None:
    stores = open_sql_stores(postgres_url, artifact_root)
    try:
        assert stores.experiments.get_experiment("0").name == "Default"
        assert stores.experiments.create_experiment("next") == "1"
    finally:
        stores.close()
