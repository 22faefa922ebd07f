"""Table definitions of the auth schema (SQLAlchemy Core), created by migration ``0004``.

They live in their own ``MetaData`` so the tracking tables know nothing of them. Users have
a surrogate integer key so that renaming stays possible; tokens and grants cascade away with
their user. Token secrets are stored only as SHA-256 hex digests (``token_hash``, unique).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from driftloop.store.sql.models import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

users = Table(
    "auth_users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("created", BigInteger, nullable=False),
)

tokens = Table(
    "auth_tokens",
    metadata,
    Column("token_id", String(32), primary_key=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("auth_users.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(256), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", BigInteger, nullable=False),
    Column("last_used", BigInteger, nullable=True),
    Column("expires", BigInteger, nullable=True),
    Column("revoked", BigInteger, nullable=True),
)

grants = Table(
    "auth_grants",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("auth_users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("resource_type", String(32), primary_key=True),
    Column("resource_id", String(256), primary_key=True),
    Column("permission", String(16), nullable=False),
)

Index("ix_auth_grants_resource_type_resource_id", grants.c.resource_type, grants.c.resource_id)
