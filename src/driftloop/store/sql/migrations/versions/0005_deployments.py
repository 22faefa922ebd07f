"""Deployments: named serving targets of a registered model (champion alias, challenger).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column(
            "model_id",
            sa.Integer,
            sa.ForeignKey(
                "registered_models.model_id", name="fk_deployments_model_id_registered_models"
            ),
            nullable=False,
        ),
        sa.Column("champion_alias", sa.String(255), nullable=False),
        sa.Column("challenger_version", sa.Integer, nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("canary_fraction", sa.Double, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("previous_champion_version", sa.Integer, nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("deployment_id", name="pk_deployments"),
        sa.UniqueConstraint("name", name="uq_deployments_name"),
    )
    op.create_index("ix_deployments_model_id", "deployments", ["model_id"])


def downgrade() -> None:
    op.drop_table("deployments")
