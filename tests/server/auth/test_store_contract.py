"""The auth store contract over SQLite and PostgreSQL, and what the SQL tables hold."""

from __future__ import annotations

from sqlalchemy import select

from driftloop.server.auth.entities import Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.server.auth.store_contract import PASSWORD, AuthStoreContract
from driftloop.store.sql import SqlStores
from driftloop.store.sql import auth_tables as tables
from driftloop.testing.helpers import unique_name


class TestSqlAuthStore(AuthStoreContract):
    """Runs the contract over every SQL backend (``auth_store`` from ``conftest.py``)."""


def test_secrets_are_stored_only_as_hashes(auth_backend: SqlStores) -> None:
    store = SqlAuthStore(auth_backend.database)
    name = unique_name("hash")
    store.create_user(name, Role.READER, PASSWORD)
    created = store.create_token(name)
    with auth_backend.database.read() as conn:
        password_hash = conn.execute(
            select(tables.users.c.password_hash).where(tables.users.c.name == name)
        ).scalar_one()
        token_row = conn.execute(
            select(tables.tokens).where(tables.tokens.c.token_id == created.token.token_id)
        ).one()
    assert password_hash.startswith("scrypt$")
    assert PASSWORD not in password_hash
    assert created.secret not in "|".join(str(value) for value in token_row)
    assert len(token_row.token_hash) == 64


def test_same_password_gets_different_salts(auth_backend: SqlStores) -> None:
    store = SqlAuthStore(auth_backend.database)
    first, second = unique_name("s1"), unique_name("s2")
    store.create_user(first, Role.READER, PASSWORD)
    store.create_user(second, Role.READER, PASSWORD)
    with auth_backend.database.read() as conn:
        hashes = conn.execute(
            select(tables.users.c.password_hash).where(tables.users.c.name.in_([first, second]))
        ).scalars()
        assert len(set(hashes)) == 2
