"""Table definitions of the tracking schema (SQLAlchemy Core).

The stores read and write these tables with Core statements and build entities directly,
without ORM objects: a 100k-point metric history or a 1000-metric batch never creates one
Python object per row beyond the entity (or the parameter dict) itself.

Schema decisions:

- ``metrics`` holds one row per logged point. Its primary key
  ``(run_id, key, step, timestamp, is_nan, value)`` is also the index a history read scans, in
  order. MLflow allows several points with the same ``(key, step, timestamp)`` and different
  values, so the value is part of the key; logging the *identical* point twice stores it once.
  SQLite cannot store NaN (it binds NaN as NULL), so a NaN point is stored as ``value = 0`` with
  ``is_nan = true`` on both databases.
- ``latest_metrics`` holds one row per ``(run_id, key)``: the point with the highest
  ``(step, timestamp, value)``, updated in the same transaction as ``metrics``. Here NaN is
  stored as ``value IS NULL``, so that range filters skip it and ``NULLS LAST`` sorts it last,
  exactly like a missing metric.
- ``params`` and ``tags`` are indexed on ``(key, substr(value, 1, 200))`` rather than
  ``(key, value)``: values reach 6000/8000 characters, beyond the ~2700-byte row limit of a
  PostgreSQL B-tree entry. Equality filters compare the prefix and then the full value.
- On SQLite, tables whose primary key is not a plain integer are ``WITHOUT ROWID``, so that a
  row lives in its primary-key B-tree and lookups by ``(run_id, key)`` touch one tree.
- ``metrics`` has no foreign key to ``runs`` (see the comment there).
- Runs are soft-deleted; ``deleted_with_experiment`` marks the runs that
  ``delete_experiment`` deleted, which are the ones ``restore_experiment`` restores.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

VALUE_PREFIX_LENGTH = 200
"""Characters of a param/tag value held in the ``(key, value prefix)`` search index."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def value_prefix(column: ColumnElement[str]) -> ColumnElement[str]:
    """The indexed prefix of a param/tag value, rendered with literal bounds.

    The bounds must be literals (not bound parameters) so that SQLite and PostgreSQL match
    the expression in a query against the expression index.
    """
    return func.substr(column, literal_column("1"), literal_column(str(VALUE_PREFIX_LENGTH)))


def _run_fk() -> ForeignKey:
    return ForeignKey("runs.run_id", ondelete="CASCADE")


experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False),
    Column("artifact_location", Text, nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
    UniqueConstraint("name"),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(8000), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=True),
    Column("artifact_uri", Text, nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("deleted_time", BigInteger, nullable=True),
    Column("deleted_with_experiment", Boolean, nullable=False, server_default=false()),
    Index(None, "experiment_id", "lifecycle_stage", "start_time"),
    sqlite_with_rowid=False,
)

params = Table(
    "params",
    metadata,
    Column("run_id", String(32), _run_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_params_key_value_prefix", params.c.key, value_prefix(params.c.value))

tags = Table(
    "tags",
    metadata,
    Column("run_id", String(32), _run_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_tags_key_value_prefix", tags.c.key, value_prefix(tags.c.value))

metrics = Table(
    "metrics",
    metadata,
    # No foreign key on the highest-volume table: checking it costs as much as the insert
    # itself on PostgreSQL. log_batch checks the run in the same transaction and runs are
    # only soft-deleted; whatever hard-deletes runs must delete their points too.
    Column("run_id", String(32), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("step", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", BigInteger, primary_key=True, autoincrement=False),
    Column("is_nan", Boolean, primary_key=True),
    Column("value", Double, primary_key=True),
    sqlite_with_rowid=False,
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_id", String(32), _run_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Double, nullable=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    Index(None, "key", "value"),
    sqlite_with_rowid=False,
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text, nullable=False),
    Column("dataset_schema", Text, nullable=False),
    Column("dataset_profile", Text, nullable=False),
    UniqueConstraint("experiment_id", "name", "digest"),
)

inputs = Table(
    "inputs",
    metadata,
    Column("input_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), _run_fk(), nullable=False),
    Column(
        "dataset_id",
        Integer,
        ForeignKey("datasets.dataset_id", ondelete="CASCADE"),
        nullable=False,
    ),
    UniqueConstraint("run_id", "dataset_id"),
)

input_tags = Table(
    "input_tags",
    metadata,
    Column(
        "input_id",
        Integer,
        ForeignKey("inputs.input_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(255), primary_key=True),
    Column("value", String(500), nullable=False),
    sqlite_with_rowid=False,
)


# -- Model registry -------------------------------------------------------------------------
#
# Registered models have an integer surrogate key: a rename updates one row, and versions,
# tags and aliases follow without ON UPDATE CASCADE. ``last_version`` is the highest version
# number ever issued; create_model_version increments it with one UPDATE ... RETURNING, which
# row-locks the model until commit, so concurrent registrations get consecutive numbers and a
# deleted number is never reused. ``registry_events`` is append-only; its ids come from the
# single row of ``registry_event_counter``, incremented (and so locked) by the transaction that
# appends, which makes ids increase in commit order. Events keep the model's id without a
# foreign key: they outlive the model.

registered_models = Table(
    "registered_models",
    metadata,
    Column("model_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", Text, nullable=True),
    Column("last_version", Integer, nullable=False),
    UniqueConstraint("name"),
)


def _model_fk() -> ForeignKey:
    return ForeignKey("registered_models.model_id", ondelete="CASCADE")


registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column("model_id", Integer, _model_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("model_id", Integer, _model_fk(), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("run_id", String(32), nullable=True),
    Column("status", String(32), nullable=False),
    Column("status_message", Text, nullable=True),
    Column("created_by", String(256), nullable=True),
    Index(None, "run_id"),
    sqlite_with_rowid=False,
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("model_id", Integer, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        ondelete="CASCADE",
    ),
    sqlite_with_rowid=False,
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column("model_id", Integer, primary_key=True),
    Column("alias", String(255), primary_key=True),
    Column("version", Integer, nullable=False),
    ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        ondelete="CASCADE",
    ),
    sqlite_with_rowid=False,
)

registry_events = Table(
    "registry_events",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("model_id", Integer, nullable=False),
    Column("model_name", String(256), nullable=False),
    Column("version", Integer, nullable=True),
    Column("alias", String(255), nullable=True),
    Column("from_version", Integer, nullable=True),
    Column("to_version", Integer, nullable=True),
    Column("details", Text, nullable=False),
    Index(None, "model_name", "event_id"),
    Index(None, "model_id", "event_id"),
)

registry_event_counter = Table(
    "registry_event_counter",
    metadata,
    Column("counter_id", Integer, primary_key=True, autoincrement=False),
    Column("last_event_id", BigInteger, nullable=False),
)


# A deployment references its model by id (a rename keeps it); the model cannot be deleted
# while deployments use it (no cascade: the store refuses with a ConflictError first).
deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False),
    Column("model_id", Integer, ForeignKey("registered_models.model_id"), nullable=False),
    Column("champion_alias", String(255), nullable=False),
    Column("challenger_version", Integer, nullable=True),
    Column("mode", String(16), nullable=False),
    Column("canary_fraction", Double, nullable=False),
    Column("state", String(16), nullable=False),
    Column("previous_champion_version", Integer, nullable=True),
    Column("revision", Integer, nullable=False),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", Text, nullable=True),
    UniqueConstraint("name"),
    Index(None, "model_id"),
)

# -- Logged models (MLflow 3) ---------------------------------------------------------------
#
# A logged model is keyed by its string id ``m-<32 hex>``; it belongs to an experiment and
# optionally names the run that produced it. Tags and params are key/value rows like a run's.

logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("artifact_location", Text, nullable=False),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_message", Text, nullable=True),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("model_type", String(500), nullable=True),
    Column("source_run_id", String(32), nullable=True),
    Index(None, "experiment_id", "creation_timestamp"),
    sqlite_with_rowid=False,
)


def _logged_model_fk() -> ForeignKey:
    return ForeignKey("logged_models.model_id", ondelete="CASCADE")


logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column("model_id", String(64), _logged_model_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column("model_id", String(64), _logged_model_fk(), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)

# -- Monitoring -----------------------------------------------------------------------------
#
# One row per monitoring run, one per measured (column, metric) point. A point repeats its
# run's ``deployment``, ``window_end`` and ``model_version``, so that a metric's time series is
# one range scan of the covering index ``ix_monitor_points_series``: on PostgreSQL an
# index-only scan (50k points of a 100k-run table: 9 ms cold, against ~350 ms for a plan
# that visits one heap page per point, or a run-first join that scans all points). A NaN
# value is stored as NULL, as in ``latest_metrics``. Deleting a run cascades to its points.

monitor_runs = Table(
    "monitor_runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("deployment", String(256), nullable=False),
    Column("model_version", Integer, nullable=True),
    Column("window_start", BigInteger, nullable=False),
    Column("window_end", BigInteger, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("details", Text, nullable=False),
    Index(None, "deployment", "window_end", "run_id"),
    sqlite_with_rowid=False,
)

monitor_points = Table(
    "monitor_points",
    metadata,
    Column(
        "run_id",
        String(32),
        ForeignKey("monitor_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("column", String(250), primary_key=True),
    Column("metric", String(250), primary_key=True),
    Column("deployment", String(256), nullable=False),
    Column("window_end", BigInteger, nullable=False),
    Column("model_version", Integer, nullable=True),
    Column("value", Double, nullable=True),
    # Ordered by window end (run id breaks ties); model_version and value make it covering.
    Index(
        "ix_monitor_points_series",
        "deployment",
        "column",
        "metric",
        "window_end",
        "run_id",
        "model_version",
        "value",
    ),
    sqlite_with_rowid=False,
)

# -- Continuous training --------------------------------------------------------------------
#
# ``ct_episodes`` is the controller's state machine, one row per episode, changed by
# compare-and-set on ``revision``. The partial unique index allows one non-terminal episode
# per deployment: two controllers starting one at once cannot both succeed. ``ct_events`` is
# append-only; its ids come from the one row of ``ct_event_counter`` (as the registry's
# events do), so they are issued in commit order and a reader tailing by id misses nothing.
# ``ct_leases`` holds one row per lease name; acquiring is one conditional upsert.

CT_ACTIVE_PHASES = ("triggered", "training", "gating", "shadow", "canary")
"""The non-terminal phases, as the partial index's predicate lists them."""
CT_ACTIVE_PREDICATE = "phase IN ('triggered', 'training', 'gating', 'shadow', 'canary')"

ct_episodes = Table(
    "ct_episodes",
    metadata,
    Column("episode_id", String(32), primary_key=True),
    Column("deployment", String(256), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("pipeline_run_id", String(64), nullable=True),
    Column("challenger_version", Integer, nullable=True),
    Column("champion_version", Integer, nullable=True),
    Column("canary_step", Integer, nullable=False),
    Column("phase_started", BigInteger, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("message", Text, nullable=True),
    Index(None, "deployment", "created", "episode_id"),
    Index(
        "ix_ct_episodes_active_deployment",
        "deployment",
        unique=True,
        sqlite_where=text(CT_ACTIVE_PREDICATE),
        postgresql_where=text(CT_ACTIVE_PREDICATE),
    ),
    sqlite_with_rowid=False,
)

ct_events = Table(
    "ct_events",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("deployment", String(256), nullable=False),
    Column(
        "episode_id",
        String(32),
        ForeignKey("ct_episodes.episode_id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("timestamp", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Index(None, "deployment", "event_id"),
    Index(None, "episode_id", "event_id"),
)

ct_event_counter = Table(
    "ct_event_counter",
    metadata,
    Column("counter_id", Integer, primary_key=True, autoincrement=False),
    Column("last_event_id", BigInteger, nullable=False),
)

ct_leases = Table(
    "ct_leases",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("holder", String(256), nullable=False),
    Column("expires", BigInteger, nullable=False),
    Column("acquired", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
