"""Monitoring: runs over windows of live traffic and their measured points.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitor_runs",
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("deployment", sa.String(256), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=True),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("window_end", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_monitor_runs"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_monitor_runs_deployment_window_end_run_id",
        "monitor_runs",
        ["deployment", "window_end", "run_id"],
    )
    op.create_table(
        "monitor_points",
        sa.Column(
            "run_id",
            sa.String(32),
            sa.ForeignKey(
                "monitor_runs.run_id",
                name="fk_monitor_points_run_id_monitor_runs",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("column", sa.String(250), nullable=False),
        sa.Column("metric", sa.String(250), nullable=False),
        sa.Column("deployment", sa.String(256), nullable=False),
        sa.Column("window_end", sa.BigInteger, nullable=False),
        sa.Column("model_version", sa.Integer, nullable=True),
        sa.Column("value", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("run_id", "column", "metric", name="pk_monitor_points"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_monitor_points_series",
        "monitor_points",
        ["deployment", "column", "metric", "window_end", "run_id", "model_version", "value"],
    )


def downgrade() -> None:
    op.drop_table("monitor_points")
    op.drop_table("monitor_runs")
