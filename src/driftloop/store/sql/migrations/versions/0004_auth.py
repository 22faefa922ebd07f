"""Server authentication: users, API tokens (hashed) and per-resource grants.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str) -> sa.Column[int]:
    return sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey(
            "auth_users.user_id", ondelete="CASCADE", name=f"fk_{table}_user_id_auth_users"
        ),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "auth_users",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_auth_users"),
        sa.UniqueConstraint("name", name="uq_auth_users_name"),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("token_id", sa.String(32), nullable=False),
        _user_fk("auth_tokens"),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("last_used", sa.BigInteger, nullable=True),
        sa.Column("expires", sa.BigInteger, nullable=True),
        sa.Column("revoked", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("token_id", name="pk_auth_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_auth_tokens_token_hash"),
    )
    op.create_index("ix_auth_tokens_user_id", "auth_tokens", ["user_id"])
    op.create_table(
        "auth_grants",
        _user_fk("auth_grants"),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(256), nullable=False),
        sa.Column("permission", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "resource_type", "resource_id", name="pk_auth_grants"),
    )
    op.create_index(
        "ix_auth_grants_resource_type_resource_id",
        "auth_grants",
        ["resource_type", "resource_id"],
    )


def downgrade() -> None:
    op.drop_table("auth_grants")
    op.drop_table("auth_tokens")
    op.drop_table("auth_users")
