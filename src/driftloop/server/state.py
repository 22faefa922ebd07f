"""What every request handler shares: the stores, the artifact root, the config, the authorizer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from driftloop.artifacts.base import ArtifactRepository
from driftloop.server.config import ServerConfig
from driftloop.store.sql import SqlStores

if TYPE_CHECKING:
    from driftloop.server.routing import Call, Endpoint


class Authorizer(Protocol):
    """Decides whether a call may proceed; returns the caller's name (None when auth is off)."""

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:
        """Raise ``UnauthenticatedError`` (401) or ``PermissionDeniedError`` (403), or return."""
        ...

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:
        """Experiments the caller may read; None means all (search handlers filter on it)."""
        ...

    def visible_model_names(self, call: Call) -> frozenset[str] | None:
        """Registered models the caller may read; None means all."""
        ...


class AllowAll:
    """The authorizer of a server without ``--auth`` (loopback only, see ServerConfig.check)."""

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:  # noqa: ARG002
        """Allow everything; nobody is authenticated."""
        return None

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        """All experiments."""
        return None

    def visible_model_names(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        """All registered models."""
        return None


@dataclass(slots=True)
class ServerState:
    """Shared by all requests of one server process."""

    config: ServerConfig
    stores: SqlStores
    artifacts: ArtifactRepository
    authorizer: Authorizer
