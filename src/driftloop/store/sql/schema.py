"""Schema versioning: run the Alembic migrations in code and check the revision on open.

No ``alembic.ini`` is needed: the configuration is built here and the migration scripts ship
inside the package (``driftloop/store/sql/migrations``). Migrations run inside one write
transaction that holds the database's write lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL
advisory lock), so two processes opening an empty database at once do not both create it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect, text

from driftloop.errors import SchemaOutOfDateError
from driftloop.store.sql.database import SqlDatabase

VERSION_TABLE = "driftloop_alembic_version"
"""Alembic's version table; named apart from ``alembic_version`` so that pointing driftloop
at another application's database (MLflow's, say) fails clearly instead of guessing."""

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
"""The Alembic script directory shipped in the package."""
_PG_MIGRATION_LOCK_ID = 0x64726966746C6F6F  # "driftloo", an arbitrary advisory-lock key


def alembic_config(
    connection: Connection | None = None, script_location: Path = MIGRATIONS_DIR
) -> Config:
    """The Alembic configuration of the tracking schema, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    """The revision this driftloop's schema is at."""
    head = ScriptDirectory.from_config(alembic_config(None, script_location)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise SchemaOutOfDateError("driftloop ships no schema migrations")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, or None when it has no version table."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def ensure_schema(
    database: SqlDatabase, uri_hint: str, script_location: Path = MIGRATIONS_DIR
) -> None:
    """Create the schema in an empty database; refuse a database at another revision.

    Args:
        database: The database to check.
        uri_hint: How to name the database in the upgrade command of the error message
            (the URI without its password).
        script_location: The migration scripts (the packaged ones; tests pass others).

    Raises:
        SchemaOutOfDateError: The database is older than this driftloop (run
            ``driftloop db upgrade``), newer, or not a driftloop database.
    """
    head = head_revision(script_location)
    with database.read() as conn:
        revision = current_revision(conn)
        is_empty = revision is None and not _has_tables(conn)
    if revision == head:
        return
    if not is_empty:
        _raise_mismatch(revision, uri_hint, script_location)
    with database.write() as conn:
        _lock(conn, database.dialect)
        revision = current_revision(conn)
        if revision is None and not _has_tables(conn):
            command.upgrade(alembic_config(conn, script_location), "head")
        elif revision != head:
            _raise_mismatch(revision, uri_hint, script_location)


def upgrade_schema(database: SqlDatabase, script_location: Path = MIGRATIONS_DIR) -> None:
    """Run every pending migration (``alembic upgrade head``) in one locked transaction.

    Raises:
        SchemaOutOfDateError: The database holds tables but no driftloop version table, or a
            revision this driftloop does not know.
    """
    with database.write() as conn:
        _lock(conn, database.dialect)
        revision = current_revision(conn)
        if revision is None and _has_tables(conn):
            raise SchemaOutOfDateError(
                "the database has tables but no driftloop schema version; "
                "it is not a driftloop database"
            )
        try:
            command.upgrade(alembic_config(conn, script_location), "head")
        except CommandError as e:
            raise SchemaOutOfDateError(
                f"the database schema revision {revision!r} is unknown to this driftloop; "
                "upgrade driftloop"
            ) from e


def _has_tables(conn: Connection) -> bool:
    """True when the database holds any table but an (empty) version table."""
    return bool(set(inspect(conn).get_table_names()) - {VERSION_TABLE})


def _lock(conn: Connection, dialect: str) -> None:
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_ID})


def _raise_mismatch(revision: str | None, uri_hint: str, script_location: Path) -> None:
    if revision is None:
        raise SchemaOutOfDateError(
            "the database has tables but no driftloop schema version; "
            "it is not a driftloop database"
        )
    script = ScriptDirectory.from_config(alembic_config(None, script_location))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise SchemaOutOfDateError(
            f"the database schema (revision {revision!r}) is newer than this driftloop; "
            "upgrade driftloop"
        )
    raise SchemaOutOfDateError(
        f"the database schema (revision {revision!r}) is out of date; "
        f"run: driftloop db upgrade {uri_hint}"
    )
