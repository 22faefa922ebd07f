"""Initial tracking schema: experiments, runs, params, tags, metrics, datasets and inputs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_ROWID = {"sqlite_with_rowid": False}
_VALUE_PREFIX = sa.text("substr(value, 1, 200)")


def _run_id(table: str, *, primary_key: bool) -> sa.Column[str]:
    return sa.Column(
        "run_id",
        sa.String(32),
        sa.ForeignKey("runs.run_id", ondelete="CASCADE", name=f"fk_{table}_run_id_runs"),
        primary_key=primary_key,
        nullable=False,
    )


def _experiment_id(table: str, *, primary_key: bool) -> sa.Column[int]:
    return sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey(
            "experiments.experiment_id",
            ondelete="CASCADE",
            name=f"fk_{table}_experiment_id_experiments",
        ),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.Text, nullable=False),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name="pk_experiments"),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
    )
    op.create_table(
        "experiment_tags",
        _experiment_id("experiment_tags", primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
        **_NO_ROWID,
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        _experiment_id("runs", primary_key=False),
        sa.Column("name", sa.String(8000), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("artifact_uri", sa.Text, nullable=False),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.Column("deleted_with_experiment", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        **_NO_ROWID,
    )
    op.create_index(
        "ix_runs_experiment_id_lifecycle_stage_start_time",
        "runs",
        ["experiment_id", "lifecycle_stage", "start_time"],
    )
    for table in ("params", "tags"):
        op.create_table(
            table,
            _run_id(table, primary_key=True),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("run_id", "key", name=f"pk_{table}"),
            **_NO_ROWID,
        )
        op.create_index(f"ix_{table}_key_value_prefix", table, ["key", _VALUE_PREFIX])
        _create_key_value_statistics(table)
    op.create_table(
        "metrics",
        # No foreign key: it costs as much as the insert (see driftloop.store.sql.models).
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("is_nan", sa.Boolean, primary_key=True),
        sa.Column("value", sa.Double, primary_key=True),
        sa.PrimaryKeyConstraint(
            "run_id", "key", "step", "timestamp", "is_nan", "value", name="pk_metrics"
        ),
        **_NO_ROWID,
    )
    op.create_table(
        "latest_metrics",
        _run_id("latest_metrics", primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Double, nullable=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "key", name="pk_latest_metrics"),
        **_NO_ROWID,
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])
    _create_dataset_tables()


def _create_key_value_statistics(table: str) -> None:
    """PostgreSQL >= 14: joint statistics of key and value prefix.

    Without them the planner multiplies the selectivities of ``key = 'lr'`` and
    ``substr(value, 1, 200) = '0.01'`` as if independent, underestimates the rows a param
    filter matches by ~5x and picks nested loops that probe every candidate run.
    """
    bind = op.get_bind()
    version = bind.dialect.server_version_info or (0,)
    if bind.dialect.name == "postgresql" and version >= (14,):
        op.execute(
            f"CREATE STATISTICS st_{table}_key_value_prefix (mcv, dependencies) "
            f"ON key, substr(value, 1, 200) FROM {table}"
        )


def _create_dataset_tables() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_id", sa.Integer, primary_key=True, autoincrement=True),
        _experiment_id("datasets", primary_key=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("dataset_schema", sa.Text, nullable=False),
        sa.Column("dataset_profile", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_datasets"),
        sa.UniqueConstraint(
            "experiment_id", "name", "digest", name="uq_datasets_experiment_id_name_digest"
        ),
    )
    op.create_table(
        "inputs",
        sa.Column("input_id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id("inputs", primary_key=False),
        sa.Column(
            "dataset_id",
            sa.Integer,
            sa.ForeignKey(
                "datasets.dataset_id", ondelete="CASCADE", name="fk_inputs_dataset_id_datasets"
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("input_id", name="pk_inputs"),
        sa.UniqueConstraint("run_id", "dataset_id", name="uq_inputs_run_id_dataset_id"),
    )
    op.create_table(
        "input_tags",
        sa.Column(
            "input_id",
            sa.Integer,
            sa.ForeignKey(
                "inputs.input_id", ondelete="CASCADE", name="fk_input_tags_input_id_inputs"
            ),
            primary_key=True,
        ),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("input_id", "key", name="pk_input_tags"),
        **_NO_ROWID,
    )


def downgrade() -> None:
    for table in (
        "input_tags",
        "inputs",
        "datasets",
        "latest_metrics",
        "metrics",
        "tags",
        "params",
        "runs",
        "experiment_tags",
        "experiments",
    ):
        op.drop_table(table)
