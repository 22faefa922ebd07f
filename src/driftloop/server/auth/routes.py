"""User, API token and grant management under ``/api/v1/auth``.

Users and grants need the ``admin`` role. Every authenticated user may create, list and
revoke their own tokens; only admins may act on other users' tokens. On a server without
``--auth`` these routes answer ``AUTH_DISABLED``: users are then managed only with the
``driftloop users`` command, so an unauthenticated caller can never create an account.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from driftloop.errors import InvalidParameterError
from driftloop.server.auth.authorizer import TokenAuthorizer, identity_of
from driftloop.server.auth.entities import ApiToken, Grant, Role, User
from driftloop.server.auth.errors import AuthDisabledError, PermissionDeniedError
from driftloop.server.auth.parsing import parse_permission, parse_resource_type, parse_role
from driftloop.server.auth.permissions import Identity
from driftloop.server.auth.store import AuthStore
from driftloop.server.routing import Call, Endpoint, Permission, endpoint
from driftloop.store.sql.ids import now_ms

MAX_EXPIRES_DAYS = 3650
"""Longest lifetime of a token created with ``expires_days``."""
_DAY_MS = 86_400_000


def user_json(user: User) -> dict[str, Any]:
    """The JSON form of a user."""
    return {
        "name": user.name,
        "role": user.role.value,
        "created": user.created,
        "has_password": user.has_password,
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    """The JSON form of a token's metadata (never the secret)."""
    return {
        "token_id": token.token_id,
        "name": token.name,
        "user": token.user,
        "created": token.created,
        "last_used": token.last_used,
        "expires": token.expires,
        "revoked": token.revoked,
    }


def grant_json(grant: Grant) -> dict[str, Any]:
    """The JSON form of a grant."""
    return {
        "user": grant.user,
        "resource_type": grant.resource_type.value,
        "resource_id": grant.resource_id,
        "permission": grant.permission.value,
    }


def _context(call: Call) -> tuple[TokenAuthorizer, Identity]:
    authorizer = call.state.authorizer
    identity = identity_of(call)
    if not isinstance(authorizer, TokenAuthorizer) or identity is None:
        raise AuthDisabledError(
            "the server runs without --auth; manage users with 'driftloop users'"
        )
    return authorizer, identity


def _store(call: Call) -> AuthStore:
    return _context(call)[0].auth_store


async def whoami(call: Call) -> dict[str, Any]:
    """The authenticated user and their grants."""
    _, identity = _context(call)
    grants = await run_in_threadpool(_store(call).list_grants, identity.user.name)
    return {"user": user_json(identity.user), "grants": [grant_json(g) for g in grants]}


async def create_user(call: Call) -> dict[str, Any]:
    """Create a user (admin)."""
    name = call.params.required_str("name")
    role = call.params.required_str("role")
    password = call.params.string("password")
    user = await run_in_threadpool(_store(call).create_user, name, parse_role(role), password)
    return {"user": user_json(user)}


async def list_users(call: Call) -> dict[str, Any]:
    """Every user (admin)."""
    users = await run_in_threadpool(_store(call).list_users)
    return {"users": [user_json(user) for user in users]}


async def delete_user(call: Call) -> dict[str, Any]:
    """Delete a user with their tokens and grants (admin; not oneself)."""
    authorizer, identity = _context(call)
    name = call.params.required_str("name")
    _not_oneself(identity, name)
    await run_in_threadpool(authorizer.auth_store.delete_user, name)
    authorizer.forget()
    return {}


async def set_user_role(call: Call) -> dict[str, Any]:
    """Change a user's role (admin; not one's own)."""
    authorizer, identity = _context(call)
    name = call.params.required_str("name")
    role = parse_role(call.params.required_str("role"))
    _not_oneself(identity, name)
    user = await run_in_threadpool(authorizer.auth_store.set_user_role, name, role)
    authorizer.forget()
    return {"user": user_json(user)}


async def create_token(call: Call) -> dict[str, Any]:
    """Create an API token; the secret is in the response only (own tokens, or admin)."""
    authorizer, identity = _context(call)
    user = _own_or_admin(identity, call.params.string("user"))
    days = call.params.integer("expires_days")
    expires = None
    if days is not None:
        if not 1 <= days <= MAX_EXPIRES_DAYS:
            raise InvalidParameterError(
                f"expires_days must be between 1 and {MAX_EXPIRES_DAYS}", field="expires_days"
            )
        expires = now_ms() + days * _DAY_MS
    name = call.params.string("name", default="") or ""
    created = await run_in_threadpool(authorizer.auth_store.create_token, user, name, expires)
    return {"token": created.secret, "token_info": token_json(created.token)}


async def list_tokens(call: Call) -> dict[str, Any]:
    """API tokens without secrets: one's own, or any user's (admin)."""
    authorizer, identity = _context(call)
    requested = call.params.string("user")
    all_users = requested is None and identity.user.role is Role.ADMIN
    user = None if all_users else _own_or_admin(identity, requested)
    tokens = await run_in_threadpool(authorizer.auth_store.list_tokens, user)
    return {"tokens": [token_json(token) for token in tokens]}


async def revoke_token(call: Call) -> dict[str, Any]:
    """Revoke an API token (own tokens, or admin)."""
    authorizer, identity = _context(call)
    store = authorizer.auth_store
    token_id = call.params.required_str("token_id")
    if identity.user.role is not Role.ADMIN:
        token = await run_in_threadpool(store.get_token, token_id)
        _own_or_admin(identity, token.user)
    revoked = await run_in_threadpool(store.revoke_token, token_id)
    authorizer.forget()
    return {"token_info": token_json(revoked)}


async def set_grant(call: Call) -> dict[str, Any]:
    """Give a user read, edit or manage permission on one experiment or model (admin)."""
    authorizer, _ = _context(call)
    grant = await run_in_threadpool(
        authorizer.auth_store.set_grant,
        call.params.required_str("user"),
        parse_resource_type(call.params.required_str("resource_type")),
        call.params.required_str("resource_id"),
        parse_permission(call.params.required_str("permission")),
    )
    authorizer.forget()
    return {"grant": grant_json(grant)}


async def delete_grant(call: Call) -> dict[str, Any]:
    """Remove a user's grant on one resource (admin)."""
    authorizer, _ = _context(call)
    await run_in_threadpool(
        authorizer.auth_store.delete_grant,
        call.params.required_str("user"),
        parse_resource_type(call.params.required_str("resource_type")),
        call.params.required_str("resource_id"),
    )
    authorizer.forget()
    return {}


async def list_grants(call: Call) -> dict[str, Any]:
    """Grants, filtered by user, resource type and resource id (admin)."""
    kind = call.params.string("resource_type")
    grants = await run_in_threadpool(
        _store(call).list_grants,
        call.params.string("user"),
        None if kind is None else parse_resource_type(kind),
        call.params.string("resource_id"),
    )
    return {"grants": [grant_json(grant) for grant in grants]}


def _own_or_admin(identity: Identity, user: str | None) -> str:
    if user is None or user == identity.user.name:
        return identity.user.name
    if identity.user.role is not Role.ADMIN:
        raise PermissionDeniedError("only admins may act on other users' tokens")
    return user


def _not_oneself(identity: Identity, name: str) -> None:
    if name == identity.user.name:
        raise PermissionDeniedError(
            "admins cannot delete or demote themselves over the API (use 'driftloop users')"
        )


ENDPOINTS: list[Endpoint] = [
    endpoint("/auth/whoami", "GET", whoami, Permission.READ),
    endpoint("/auth/users/create", "POST", create_user, Permission.ADMIN),
    endpoint("/auth/users/list", "GET", list_users, Permission.ADMIN),
    endpoint("/auth/users/delete", "POST", delete_user, Permission.ADMIN),
    endpoint("/auth/users/set-role", "POST", set_user_role, Permission.ADMIN),
    endpoint("/auth/tokens/create", "POST", create_token, Permission.READ),
    endpoint("/auth/tokens/list", "GET", list_tokens, Permission.READ),
    endpoint("/auth/tokens/revoke", "POST", revoke_token, Permission.READ),
    endpoint("/auth/grants/set", "POST", set_grant, Permission.ADMIN),
    endpoint("/auth/grants/delete", "POST", delete_grant, Permission.ADMIN),
    endpoint("/auth/grants/list", "GET", list_grants, Permission.ADMIN),
]
