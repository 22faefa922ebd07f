"""Logged models (MLflow 3): models logged in an experiment, with their tags and params.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_ROWID = {"sqlite_with_rowid": False}


def _logged_model_data(table: str) -> None:
    op.create_table(
        table,
        sa.Column(
            "model_id",
            sa.String(64),
            sa.ForeignKey(
                "logged_models.model_id",
                ondelete="CASCADE",
                name=f"fk_{table}_model_id_logged_models",
            ),
            primary_key=True,
            nullable=False,
        ),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "key", name=f"pk_{table}"),
        **_NO_ROWID,
    )


def upgrade() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey(
                "experiments.experiment_id",
                ondelete="CASCADE",
                name="fk_logged_models_experiment_id_experiments",
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.Text, nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_message", sa.Text, nullable=True),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("model_type", sa.String(500), nullable=True),
        sa.Column("source_run_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("model_id", name="pk_logged_models"),
        **_NO_ROWID,
    )
    op.create_index(
        "ix_logged_models_experiment_id_creation_timestamp",
        "logged_models",
        ["experiment_id", "creation_timestamp"],
    )
    _logged_model_data("logged_model_tags")
    _logged_model_data("logged_model_params")


def downgrade() -> None:
    for table in ("logged_model_params", "logged_model_tags", "logged_models"):
        op.drop_table(table)
