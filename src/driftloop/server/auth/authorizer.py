"""Authentication and authorization of every request when the server runs with ``--auth``.

Credentials: ``Authorization: Bearer <token>``, or HTTP Basic with ``user:password`` or
``user:<token>`` (what MLflow clients send for ``MLFLOW_TRACKING_TOKEN`` and
``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``). A successful authentication is
cached for a few seconds (keyed by the token's SHA-256, or by a keyed hash of the Basic
credentials), so that a busy client does not cost a database read and a scrypt per request;
failures are never cached. Secrets are never logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import time
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from driftloop.errors import NotFoundError
from driftloop.server.auth.entities import ResourceType, Role
from driftloop.server.auth.errors import PermissionDeniedError, UnauthenticatedError
from driftloop.server.auth.permissions import Identity, is_allowed, role_allows
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.server.auth.store import AuthStore
from driftloop.server.auth.targets import resolve_targets
from driftloop.server.auth.tokens import hash_secret, looks_like_token
from driftloop.server.routing import Permission
from driftloop.store.sql.ids import now_ms

if TYPE_CHECKING:
    from driftloop.server.routing import Call, Endpoint
    from driftloop.store.sql import SqlStores

__all__ = ["PermissionDeniedError", "TokenAuthorizer", "UnauthenticatedError", "identity_of"]

logger = logging.getLogger("driftloop.server.auth")

DEFAULT_CACHE_SECONDS = 5.0
"""How long a successful authentication (and the user's role and grants) is reused."""
_MAX_CACHE_ENTRIES = 10_000
_STATE_KEY = "driftloop_identity"


class TokenAuthorizer:
    """Checks bearer tokens and Basic passwords, then the caller's role and grants."""

    def __init__(
        self,
        stores: SqlStores,
        *,
        auth_store: AuthStore | None = None,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
    ) -> None:
        self._stores = stores
        self.auth_store: AuthStore = auth_store or SqlAuthStore(stores.database)
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Identity]] = {}
        self._cache_key = secrets.token_bytes(32)

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:
        """Authenticate the caller, then check the endpoint's permission on its resources.

        Raises:
            UnauthenticatedError: No, malformed or invalid credentials (401).
            PermissionDeniedError: The user's role and grants do not allow the call (403).
        """
        if endpoint.permission is Permission.PUBLIC:
            return None
        identity = await self.authenticate(call.request)
        setattr(call.request.state, _STATE_KEY, identity)
        if role_allows(identity.user.role, endpoint.permission):
            return identity.user.name  # no resource lookup on the hot path of editors
        targets = await resolve_targets(call, endpoint.resource)
        if not is_allowed(identity, endpoint.permission, targets):
            raise PermissionDeniedError(
                f"user {identity.user.name!r} (role {identity.user.role.value}) lacks "
                f"{endpoint.permission.value} permission for this {endpoint.resource.value} "
                "request"
            )
        return identity.user.name

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:
        """None (all) for readers and above, else the experiments the user has grants on."""
        return _visible(identity_of(call), ResourceType.EXPERIMENT)

    def visible_model_names(self, call: Call) -> frozenset[str] | None:
        """None (all) for readers and above, else the registered models granted."""
        return _visible(identity_of(call), ResourceType.REGISTERED_MODEL)

    def forget(self) -> None:
        """Drop every cached authentication (after users, tokens or grants change)."""
        self._cache.clear()

    async def authenticate(self, request: Request) -> Identity:
        """The identity of the request's credentials.

        Raises:
            UnauthenticatedError: No, malformed or invalid credentials.
        """
        header = request.headers.get("authorization")
        if not header:
            raise UnauthenticatedError(
                "authentication required: send 'Authorization: Bearer <token>' or HTTP Basic "
                "credentials",
                field="Authorization",
            )
        scheme, _, value = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and value.strip():
            identity = await self._by_token(value.strip(), expected_user=None)
        elif scheme == "basic":
            user, password = _basic_credentials(value.strip())
            identity = await self._by_basic(user, password)
        else:
            raise UnauthenticatedError(
                "unsupported Authorization header: use Bearer or Basic", field="Authorization"
            )
        if identity is None:
            logger.info("authentication failed (%s credentials)", scheme)
            raise UnauthenticatedError("invalid credentials", field="Authorization")
        return identity

    async def _by_basic(self, user: str, password: str) -> Identity | None:
        if looks_like_token(password):
            identity = await self._by_token(password, expected_user=user)
            if identity is not None:
                return identity
        key = "p:" + hmac.new(self._cache_key, f"{user}\0{password}".encode(), "sha256").hexdigest()
        cached = self._cached(key)
        if cached is not None:
            return cached
        found = await run_in_threadpool(self.auth_store.verify_password, user, password)
        if found is None:
            return None
        return await self._remember(key, Identity(user=found))

    async def _by_token(self, secret: str, expected_user: str | None) -> Identity | None:
        key = "t:" + hash_secret(secret)
        identity = self._cached(key)
        if identity is None:
            login = await run_in_threadpool(self.auth_store.authenticate_token, secret)
            if login is None:
                return None
            identity = await self._remember(key, Identity(user=login.user, token=login.token))
        if identity is None:
            return None
        if expected_user is not None and expected_user != identity.user.name:
            return None
        return identity

    def _cached(self, key: str) -> Identity | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        loaded, identity = entry
        fresh = time.monotonic() - loaded < self._cache_seconds
        if not fresh or (identity.token is not None and not identity.token.is_valid(now_ms())):
            self._cache.pop(key, None)
            return None
        return identity

    async def _remember(self, key: str, identity: Identity) -> Identity | None:
        try:
            grants = await run_in_threadpool(self.auth_store.list_grants, identity.user.name)
        except NotFoundError:  # deleted meanwhile
            return None
        identity = Identity.of(identity.user, grants, identity.token)
        if self._cache_seconds > 0:
            if len(self._cache) >= _MAX_CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = (time.monotonic(), identity)
        return identity


def identity_of(call: Call) -> Identity | None:
    """The identity :meth:`TokenAuthorizer.authorize` found for this call, if any."""
    identity = getattr(call.request.state, _STATE_KEY, None)
    return identity if isinstance(identity, Identity) else None


def _visible(identity: Identity | None, resource_type: ResourceType) -> frozenset[str] | None:
    if identity is None:
        return frozenset()
    if identity.user.role.rank >= Role.READER.rank:
        return None
    return identity.granted(resource_type)


def _basic_credentials(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise UnauthenticatedError("malformed Basic credentials", field="Authorization") from error
    user, separator, password = decoded.partition(":")
    if not separator or not user:
        raise UnauthenticatedError("malformed Basic credentials", field="Authorization")
    return user, password
