"""Authentication and authorization of every request when the server runs with ``--auth``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftloop.errors import DriftloopError

if TYPE_CHECKING:
    from driftloop.server.routing import Call, Endpoint
    from driftloop.store.sql import SqlStores


class UnauthenticatedError(DriftloopError):
    """No valid credentials were given."""

    code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDeniedError(DriftloopError):
    """The caller is authenticated but lacks the permission."""

    code = "PERMISSION_DENIED"
    http_status = 403


class TokenAuthorizer:
    """Checks bearer tokens and Basic passwords, then the caller's role and grants."""

    def __init__(self, stores: SqlStores) -> None:
        self._stores = stores

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:  # noqa: ARG002
        """Refuse everything until users and tokens exist (filled in with the auth work)."""
        from driftloop.server.routing import Permission

        if endpoint.permission is Permission.PUBLIC:
            return None
        raise UnauthenticatedError("authentication required", field="Authorization")

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        """Nothing until grants exist."""
        return frozenset()

    def visible_model_names(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        """Nothing until grants exist."""
        return frozenset()
