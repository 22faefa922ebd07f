"""Model registry: registered models, versions, tags, aliases and the event log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_ROWID = {"sqlite_with_rowid": False}


def _model_id(table: str, *, with_fk: bool) -> sa.Column[int]:
    if not with_fk:
        return sa.Column("model_id", sa.Integer, primary_key=True, nullable=False)
    return sa.Column(
        "model_id",
        sa.Integer,
        sa.ForeignKey(
            "registered_models.model_id",
            ondelete="CASCADE",
            name=f"fk_{table}_model_id_registered_models",
        ),
        primary_key=True,
        nullable=False,
    )


def _version_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_id", "version"],
        ["model_versions.model_id", "model_versions.version"],
        ondelete="CASCADE",
        name=f"fk_{table}_model_id_model_versions",
    )


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("last_version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("model_id", name="pk_registered_models"),
        sa.UniqueConstraint("name", name="uq_registered_models_name"),
    )
    op.create_table(
        "registered_model_tags",
        _model_id("registered_model_tags", with_fk=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "key", name="pk_registered_model_tags"),
        **_NO_ROWID,
    )
    op.create_table(
        "model_versions",
        _model_id("model_versions", with_fk=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_message", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(256), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "version", name="pk_model_versions"),
        **_NO_ROWID,
    )
    op.create_index("ix_model_versions_run_id", "model_versions", ["run_id"])
    op.create_table(
        "model_version_tags",
        _model_id("model_version_tags", with_fk=False),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "version", "key", name="pk_model_version_tags"),
        _version_fk("model_version_tags"),
        **_NO_ROWID,
    )
    op.create_table(
        "registered_model_aliases",
        _model_id("registered_model_aliases", with_fk=False),
        sa.Column("alias", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("model_id", "alias", name="pk_registered_model_aliases"),
        _version_fk("registered_model_aliases"),
        **_NO_ROWID,
    )
    _create_event_tables()


def _create_event_tables() -> None:
    op.create_table(
        "registry_events",
        sa.Column("event_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("model_name", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("alias", sa.String(255), nullable=True),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_version", sa.Integer, nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_registry_events"),
    )
    op.create_index(
        "ix_registry_events_model_name_event_id", "registry_events", ["model_name", "event_id"]
    )
    op.create_index(
        "ix_registry_events_model_id_event_id", "registry_events", ["model_id", "event_id"]
    )
    counter = op.create_table(
        "registry_event_counter",
        sa.Column("counter_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("counter_id", name="pk_registry_event_counter"),
    )
    op.bulk_insert(counter, [{"counter_id": 1, "last_event_id": 0}])


def downgrade() -> None:
    for table in (
        "registry_event_counter",
        "registry_events",
        "registered_model_aliases",
        "model_version_tags",
        "model_versions",
        "registered_model_tags",
        "registered_models",
    ):
        op.drop_table(table)
