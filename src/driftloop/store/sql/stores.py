"""Open the SQL stores on a database URI, and upgrade a database's schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from driftloop.store.sql.ct import SqlCtStore
from driftloop.store.sql.database import SqlDatabase, check_connection, create_database
from driftloop.store.sql.deployments import SqlDeploymentStore
from driftloop.store.sql.experiments import SqlExperimentStore, ensure_default_experiment
from driftloop.store.sql.logged_models import SqlLoggedModelStore
from driftloop.store.sql.monitoring import SqlMonitorStore
from driftloop.store.sql.registry_events import SqlEventStore
from driftloop.store.sql.registry_models import SqlRegistryStore
from driftloop.store.sql.registry_versions import SqlModelVersionStore
from driftloop.store.sql.runs import SqlRunStore
from driftloop.store.sql.schema import ensure_schema, upgrade_schema


@dataclass(frozen=True, slots=True)
class SqlStores:
    """The stores sharing one database.

    Attributes:
        experiments: The experiment store.
        runs: The run store.
        database: The database they all use; :meth:`close` disposes of its connections.
        registry: The registered-model (and alias) store.
        model_versions: The model version store.
        events: The registry event log.
        logged_models: The logged model store (MLflow 3).
        deployments: The deployment store (serving targets of registered models).
        monitoring: The monitoring store (runs over live traffic, their time series).
        ct: The continuous-training store (episodes, their event log, leases).
    """

    experiments: SqlExperimentStore
    runs: SqlRunStore
    database: SqlDatabase
    registry: SqlRegistryStore
    model_versions: SqlModelVersionStore
    events: SqlEventStore
    logged_models: SqlLoggedModelStore
    deployments: SqlDeploymentStore
    monitoring: SqlMonitorStore
    ct: SqlCtStore

    def close(self) -> None:
        """Close the database connections; the stores must not be used afterwards."""
        self.database.close()


def open_sql_stores(db_uri: str, default_artifact_root: str) -> SqlStores:
    """Open (and on first use create) the tracking database at ``db_uri``.

    An empty database gets the current schema and the ``Default`` experiment (id ``"0"``,
    artifacts under ``<default_artifact_root>/0``), as MLflow does.

    Args:
        db_uri: A SQLAlchemy URL: ``sqlite:///path.db``, ``sqlite://`` (in memory) or
            ``postgresql://user@host:5432/db``.
        default_artifact_root: Root URI or path of experiments created without an
            artifact location.

    Raises:
        StoreUnavailableError: The database cannot be reached.
        SchemaOutOfDateError: The schema is older (run ``driftloop db upgrade <uri>``) or
            newer than this driftloop, or the database is not a driftloop database.
        UnsupportedUriError: The URI is not a SQLite or PostgreSQL URL.
    """
    database = create_database(db_uri)
    try:
        check_connection(database)
        ensure_schema(database, _uri_hint(db_uri))
        ensure_default_experiment(database, default_artifact_root)
    except BaseException:
        database.close()
        raise
    return SqlStores(
        experiments=SqlExperimentStore(database, default_artifact_root),
        runs=SqlRunStore(database),
        database=database,
        registry=SqlRegistryStore(database),
        model_versions=SqlModelVersionStore(database),
        events=SqlEventStore(database),
        logged_models=SqlLoggedModelStore(database),
        deployments=SqlDeploymentStore(database),
        monitoring=SqlMonitorStore(database),
        ct=SqlCtStore(database),
    )


def upgrade_database(db_uri: str) -> None:
    """Bring the schema of the database at ``db_uri`` to this driftloop's revision.

    Used by ``driftloop db upgrade URI``; creates the schema in an empty database.

    Raises:
        StoreUnavailableError: The database cannot be reached.
        SchemaOutOfDateError: The database is not a driftloop database or is newer.
        UnsupportedUriError: The URI is not a SQLite or PostgreSQL URL.
    """
    database = create_database(db_uri)
    try:
        check_connection(database)
        upgrade_schema(database)
    finally:
        database.close()


def _uri_hint(db_uri: str) -> str:
    """The URI for the upgrade command in messages, with any password masked."""
    return make_url(db_uri).render_as_string(hide_password=True)
