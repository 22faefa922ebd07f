"""The auth store in the tracking database (SQLite or PostgreSQL), tables of migration 0004."""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any

from sqlalchemy import Connection, delete, select, update

from driftloop.errors import AlreadyExistsError, InvalidParameterError
from driftloop.server.auth.entities import (
    ApiToken,
    Grant,
    GrantPermission,
    NewToken,
    ResourceType,
    Role,
    TokenLogin,
    User,
)
from driftloop.server.auth.errors import GrantNotFoundError, TokenNotFoundError, UserNotFoundError
from driftloop.server.auth.parsing import parse_permission, parse_resource_type, parse_role
from driftloop.server.auth.passwords import hash_password, verify_password
from driftloop.server.auth.store import AuthStore
from driftloop.server.auth.tokens import hash_secret, new_secret, new_token_id
from driftloop.store.sql import auth_tables as tables
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms

MAX_NAME_LENGTH = 256
"""Longest user name, token name and grant resource id."""
LAST_USED_RESOLUTION_MS = 60_000
"""``last_used`` is written at most this often per token, so reads stay reads."""

_U = tables.users.c
_T = tables.tokens.c
_G = tables.grants.c
_TOKEN_COLUMNS = (_T.token_id, _T.name, _U.name, _T.created, _T.last_used, _T.expires, _T.revoked)


class SqlAuthStore(AuthStore):
    """Users, tokens and grants in the tables of migration ``0004``."""

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_user(self, name: str, role: Role, password: str | None = None) -> User:
        """Create a user (see :meth:`AuthStore.create_user`)."""
        _check_user_name(name)
        role = parse_role(role)
        password_hash = None if password is None else hash_password(password)
        created = now_ms()
        with self._db.write() as conn:
            inserted = conn.execute(
                self._db.insert(tables.users)
                .values(name=name, role=role.value, password_hash=password_hash, created=created)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(_U.user_id)
            ).scalar_one_or_none()
            if inserted is None:
                raise AlreadyExistsError(f"user {name!r} already exists", field="name")
        return User(name=name, role=role, created=created, has_password=password is not None)

    def get_user(self, name: str) -> User:
        """The user (see :meth:`AuthStore.get_user`)."""
        with self._db.read() as conn:
            row = conn.execute(select(tables.users).where(_U.name == name)).one_or_none()
        if row is None:
            raise UserNotFoundError(f"user {name!r} does not exist", field="name")
        return _user(row)

    def list_users(self) -> list[User]:
        """Every user by name."""
        with self._db.read() as conn:
            rows = conn.execute(select(tables.users).order_by(_U.name)).all()
        return [_user(row) for row in rows]

    def set_user_role(self, name: str, role: Role) -> User:
        """Change the role (see :meth:`AuthStore.set_user_role`)."""
        role = parse_role(role)
        with self._db.write() as conn:
            _user_id(conn, name)
            conn.execute(update(tables.users).where(_U.name == name).values(role=role.value))
            row = conn.execute(select(tables.users).where(_U.name == name)).one()
        return _user(row)

    def set_user_password(self, name: str, password: str | None) -> None:
        """Set or remove the password (see :meth:`AuthStore.set_user_password`)."""
        password_hash = None if password is None else hash_password(password)
        with self._db.write() as conn:
            _user_id(conn, name)
            conn.execute(
                update(tables.users).where(_U.name == name).values(password_hash=password_hash)
            )

    def delete_user(self, name: str) -> None:
        """Delete the user, their tokens and grants."""
        with self._db.write() as conn:
            user_id = _user_id(conn, name)
            # Explicit deletes: SQLite connections opened elsewhere may lack foreign keys.
            conn.execute(delete(tables.tokens).where(_T.user_id == user_id))
            conn.execute(delete(tables.grants).where(_G.user_id == user_id))
            conn.execute(delete(tables.users).where(_U.user_id == user_id))

    def verify_password(self, name: str, password: str) -> User | None:
        """The user if the password matches (see :meth:`AuthStore.verify_password`)."""
        with self._db.read() as conn:
            row = conn.execute(select(tables.users).where(_U.name == name)).one_or_none()
        stored = None if row is None else row.password_hash
        if not verify_password(password, stored) or row is None:
            return None
        return _user(row)

    def create_token(self, user: str, name: str = "", expires: int | None = None) -> NewToken:
        """Create a token (see :meth:`AuthStore.create_token`)."""
        _check_text(name, "name", allow_empty=True)
        if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int)):
            raise InvalidParameterError("expires must be an integer (ms)", field="expires")
        secret = new_secret()
        token = ApiToken(
            token_id=new_token_id(), name=name, user=user, created=now_ms(), expires=expires
        )
        with self._db.write() as conn:
            conn.execute(
                tables.tokens.insert().values(
                    token_id=token.token_id,
                    user_id=_user_id(conn, user),
                    name=name,
                    token_hash=hash_secret(secret),
                    created=token.created,
                    expires=expires,
                )
            )
        return NewToken(token=token, secret=secret)

    def get_token(self, token_id: str) -> ApiToken:
        """The token's metadata (see :meth:`AuthStore.get_token`)."""
        with self._db.read() as conn:
            return _get_token(conn, token_id)

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        """Tokens, oldest first (see :meth:`AuthStore.list_tokens`)."""
        stmt = select(*_TOKEN_COLUMNS).join(tables.users, _U.user_id == _T.user_id)
        with self._db.read() as conn:
            if user is not None:
                stmt = stmt.where(_T.user_id == _user_id(conn, user))
            rows = conn.execute(stmt.order_by(_T.created, _T.token_id)).all()
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: str) -> ApiToken:
        """Revoke the token (see :meth:`AuthStore.revoke_token`)."""
        with self._db.write() as conn:
            _get_token(conn, token_id)
            conn.execute(
                update(tables.tokens)
                .where(_T.token_id == token_id, _T.revoked.is_(None))
                .values(revoked=now_ms())
            )
            return _get_token(conn, token_id)

    def authenticate_token(self, secret: str) -> TokenLogin | None:
        """The valid token of ``secret`` and its user (see :meth:`AuthStore.authenticate_token`).

        The lookup is a read; the ``last_used`` update, when due, is a second short write
        transaction, so that most authentications never take SQLite's write lock.
        """
        stmt = (
            select(*_TOKEN_COLUMNS, _U.role, _U.created.label("user_created"), _U.password_hash)
            .join(tables.users, _U.user_id == _T.user_id)
            .where(_T.token_hash == hash_secret(secret))
        )
        with self._db.read() as conn:
            row = conn.execute(stmt).one_or_none()
        now = now_ms()
        if row is None:
            return None
        token = _token(row)
        if not token.is_valid(now):
            return None
        if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION_MS:
            with self._db.write() as conn:
                conn.execute(
                    update(tables.tokens).where(_T.token_id == token.token_id).values(last_used=now)
                )
            token = dataclasses.replace(token, last_used=now)
        user = User(
            name=token.user,
            role=Role(row.role),
            created=row.user_created,
            has_password=row.password_hash is not None,
        )
        return TokenLogin(user=user, token=token)

    def set_grant(
        self,
        user: str,
        resource_type: ResourceType,
        resource_id: str,
        permission: GrantPermission,
    ) -> Grant:
        """Give or change a grant (see :meth:`AuthStore.set_grant`)."""
        resource_type = parse_resource_type(resource_type)
        permission = parse_permission(permission)
        _check_text(resource_id, "resource_id")
        with self._db.write() as conn:
            user_id = _user_id(conn, user)
            conn.execute(
                self._db.insert(tables.grants)
                .values(
                    user_id=user_id,
                    resource_type=resource_type.value,
                    resource_id=resource_id,
                    permission=permission.value,
                )
                .on_conflict_do_update(
                    index_elements=["user_id", "resource_type", "resource_id"],
                    set_={"permission": permission.value},
                )
            )
        return Grant(user, resource_type, resource_id, permission)

    def delete_grant(self, user: str, resource_type: ResourceType, resource_id: str) -> None:
        """Remove a grant (see :meth:`AuthStore.delete_grant`)."""
        resource_type = parse_resource_type(resource_type)
        with self._db.write() as conn:
            deleted = conn.execute(
                delete(tables.grants).where(
                    _G.user_id == _user_id(conn, user),
                    _G.resource_type == resource_type.value,
                    _G.resource_id == resource_id,
                )
            )
            if deleted.rowcount != 1:
                raise GrantNotFoundError(
                    f"user {user!r} has no grant on {resource_type.value} {resource_id!r}",
                    field="resource_id",
                )

    def list_grants(
        self,
        user: str | None = None,
        resource_type: ResourceType | None = None,
        resource_id: str | None = None,
    ) -> list[Grant]:
        """Grants matching the filters (see :meth:`AuthStore.list_grants`)."""
        stmt = select(_U.name, _G.resource_type, _G.resource_id, _G.permission).join(
            tables.users, _U.user_id == _G.user_id
        )
        if resource_type is not None:
            stmt = stmt.where(_G.resource_type == parse_resource_type(resource_type).value)
        if resource_id is not None:
            stmt = stmt.where(_G.resource_id == resource_id)
        with self._db.read() as conn:
            if user is not None:
                stmt = stmt.where(_G.user_id == _user_id(conn, user))
            rows = conn.execute(stmt.order_by(_U.name, _G.resource_type, _G.resource_id)).all()
        return [
            Grant(row[0], ResourceType(row[1]), row[2], GrantPermission(row[3])) for row in rows
        ]


def _user_id(conn: Connection, name: str) -> int:
    user_id: int | None = conn.execute(
        select(_U.user_id).where(_U.name == name)
    ).scalar_one_or_none()
    if user_id is None:
        raise UserNotFoundError(f"user {name!r} does not exist", field="user")
    return user_id


def _get_token(conn: Connection, token_id: str) -> ApiToken:
    row = conn.execute(
        select(*_TOKEN_COLUMNS)
        .join(tables.users, _U.user_id == _T.user_id)
        .where(_T.token_id == token_id)
    ).one_or_none()
    if row is None:
        raise TokenNotFoundError(f"token {token_id!r} does not exist", field="token_id")
    return _token(row)


def _user(row: Any) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        created=row.created,
        has_password=row.password_hash is not None,
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        token_id=row[0],
        name=row[1],
        user=row[2],
        created=row[3],
        last_used=row[4],
        expires=row[5],
        revoked=row[6],
    )


def _check_user_name(name: str) -> None:
    _check_text(name, "name")
    if ":" in name or name != name.strip():
        raise InvalidParameterError(
            "a user name must not contain ':' or surrounding spaces (HTTP Basic splits on ':')",
            field="name",
        )


def _check_text(value: str, field: str, *, allow_empty: bool = False) -> None:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise InvalidParameterError(f"{field} must be a non-empty string", field=field)
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidParameterError(
            f"{field} must have at most {MAX_NAME_LENGTH} characters", field=field
        )
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise InvalidParameterError(f"{field} must not contain control characters", field=field)
