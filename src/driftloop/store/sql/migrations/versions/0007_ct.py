"""Continuous training: episodes (one active per deployment), their event log, leases.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration must not change when the models do.
_ACTIVE = "phase IN ('triggered', 'training', 'gating', 'shadow', 'canary')"


def upgrade() -> None:
    op.create_table(
        "ct_episodes",
        sa.Column("episode_id", sa.String(32), nullable=False),
        sa.Column("deployment", sa.String(256), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("pipeline_run_id", sa.String(64), nullable=True),
        sa.Column("challenger_version", sa.Integer, nullable=True),
        sa.Column("champion_version", sa.Integer, nullable=True),
        sa.Column("canary_step", sa.Integer, nullable=False),
        sa.Column("phase_started", sa.BigInteger, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("episode_id", name="pk_ct_episodes"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_ct_episodes_deployment_created_episode_id",
        "ct_episodes",
        ["deployment", "created", "episode_id"],
    )
    op.create_index(
        "ix_ct_episodes_active_deployment",
        "ct_episodes",
        ["deployment"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    op.create_table(
        "ct_events",
        sa.Column("event_id", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("deployment", sa.String(256), nullable=False),
        sa.Column(
            "episode_id",
            sa.String(32),
            sa.ForeignKey(
                "ct_episodes.episode_id",
                name="fk_ct_events_episode_id_ct_episodes",
                ondelete="CASCADE",
            ),
            nullable=True,
        ),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_ct_events"),
    )
    op.create_index("ix_ct_events_deployment_event_id", "ct_events", ["deployment", "event_id"])
    op.create_index("ix_ct_events_episode_id_event_id", "ct_events", ["episode_id", "event_id"])
    counter = op.create_table(
        "ct_event_counter",
        sa.Column("counter_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("counter_id", name="pk_ct_event_counter"),
    )
    op.bulk_insert(counter, [{"counter_id": 1, "last_event_id": 0}])
    op.create_table(
        "ct_leases",
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("holder", sa.String(256), nullable=False),
        sa.Column("expires", sa.BigInteger, nullable=False),
        sa.Column("acquired", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_ct_leases"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("ct_leases")
    op.drop_table("ct_event_counter")
    op.drop_table("ct_events")
    op.drop_table("ct_episodes")
