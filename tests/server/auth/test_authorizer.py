"""Credential parsing and caching of :class:`TokenAuthorizer`, on a SQLite database."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from starlette.requests import Request

from driftloop.server.auth.authorizer import TokenAuthorizer, UnauthenticatedError
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.permissions import Identity
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.server.auth.tokens import TOKEN_PREFIX, hash_secret, looks_like_token
from driftloop.store.sql import SqlStores, open_sql_stores

PASSWORD = "a long enough password"


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[SqlStores]:
    opened = open_sql_stores(f"sqlite:///{tmp_path / 'a.db'}", str(tmp_path / "artifacts"))
    try:
        yield opened
    finally:
        opened.close()


def request_with(authorization: str | None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def authenticate(authorizer: TokenAuthorizer, authorization: str | None) -> Identity:
    async def run() -> Identity:
        return await authorizer.authenticate(request_with(authorization))

    return anyio.run(run)


def test_token_helpers() -> None:
    assert looks_like_token(TOKEN_PREFIX + "x" * 43)
    assert not looks_like_token("dl_short")
    assert not looks_like_token("password" * 8)
    assert len(hash_secret("dl_x")) == 64


def test_bearer_basic_password_and_basic_token(stores: SqlStores) -> None:
    store = SqlAuthStore(stores.database)
    store.create_user("alice", Role.EDITOR, PASSWORD)
    secret = store.create_token("alice").secret
    authorizer = TokenAuthorizer(stores)
    assert authenticate(authorizer, f"Bearer {secret}").user.name == "alice"
    assert authenticate(authorizer, f"bearer  {secret} ").token is not None
    assert authenticate(authorizer, basic("alice", PASSWORD)).token is None
    assert authenticate(authorizer, basic("alice", secret)).user.role is Role.EDITOR


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "authentication required"),
        ("Bearer", "unsupported Authorization header"),
        ("Digest abc", "unsupported Authorization header"),
        ("Basic not-base64!", "malformed Basic credentials"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "malformed Basic credentials"),
        ("Bearer dl_" + "A" * 43, "invalid credentials"),
        (basic("alice", "wrong password!"), "invalid credentials"),
        (basic("nobody", PASSWORD), "invalid credentials"),
    ],
)
def test_bad_credentials_are_unauthenticated(
    stores: SqlStores, header: str | None, message: str
) -> None:
    SqlAuthStore(stores.database).create_user("alice", Role.EDITOR, PASSWORD)
    with pytest.raises(UnauthenticatedError, match=message) as caught:
        authenticate(TokenAuthorizer(stores), header)
    assert caught.value.http_status == 401
    assert caught.value.http_headers["WWW-Authenticate"] == 'Basic realm="driftloop"'


def test_basic_token_must_match_the_user_name(stores: SqlStores) -> None:
    store = SqlAuthStore(stores.database)
    store.create_user("alice", Role.EDITOR)
    store.create_user("mallory", Role.GUEST)
    secret = store.create_token("alice").secret
    with pytest.raises(UnauthenticatedError, match="invalid credentials"):
        authenticate(TokenAuthorizer(stores), basic("mallory", secret))


def test_successes_are_cached_briefly_and_forgotten_on_demand(stores: SqlStores) -> None:
    store = SqlAuthStore(stores.database)
    store.create_user("alice", Role.READER)
    created = store.create_token("alice")
    header = f"Bearer {created.secret}"
    authorizer = TokenAuthorizer(stores, cache_seconds=60)
    authenticate(authorizer, header)
    store.revoke_token(created.token.token_id)
    assert authenticate(authorizer, header).user.name == "alice"  # cached
    authorizer.forget()
    with pytest.raises(UnauthenticatedError, match="invalid credentials"):
        authenticate(authorizer, header)


def test_without_cache_revocation_applies_at_once(stores: SqlStores) -> None:
    store = SqlAuthStore(stores.database)
    store.create_user("alice", Role.READER)
    created = store.create_token("alice")
    authorizer = TokenAuthorizer(stores, cache_seconds=0)
    authenticate(authorizer, f"Bearer {created.secret}")
    store.revoke_token(created.token.token_id)
    with pytest.raises(UnauthenticatedError, match="invalid credentials"):
        authenticate(authorizer, f"Bearer {created.secret}")


def test_identity_carries_grants(stores: SqlStores) -> None:
    store = SqlAuthStore(stores.database)
    store.create_user("guest", Role.GUEST)
    store.set_grant("guest", ResourceType.EXPERIMENT, "5", GrantPermission.READ)
    secret = store.create_token("guest").secret
    found = authenticate(TokenAuthorizer(stores), f"Bearer {secret}")
    assert found.granted(ResourceType.EXPERIMENT) == frozenset({"5"})
    assert found.granted(ResourceType.REGISTERED_MODEL) == frozenset()
