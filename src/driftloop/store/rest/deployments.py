"""``DeploymentStore`` over the native REST API (``/api/v1/deployments``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from driftloop.entities import Deployment, DeploymentMode
from driftloop.errors import DeploymentNotFoundError, NotFoundError
from driftloop.server.api_v1.codec import deployment_from_json
from driftloop.store.deployment_base import UNCHANGED, DeploymentStore, _Unchanged
from driftloop.store.rest.client import RestClient


@contextlib.contextmanager
def _deployment_errors() -> Iterator[None]:
    """Re-raise the server's ``DeploymentNotFoundError`` as that class.

    The generic error table (:mod:`driftloop.store.rest.errors`) maps an unknown not-found
    class to :class:`NotFoundError`; on these routes the only such class is the deployment's.
    """
    try:
        yield
    except NotFoundError as error:
        if type(error) is NotFoundError:
            raise DeploymentNotFoundError(error.message, field=error.field) from error
        raise


class RestDeploymentStore(DeploymentStore):
    """Deployments on a driftloop server.

    Args:
        client: The HTTP client shared by the server's REST stores.
    """

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def _post(self, path: str, body: Mapping[str, Any]) -> Deployment:
        with _deployment_errors():
            data = self._client.post(path, body)
        return deployment_from_json(data["deployment"])

    def create_deployment(
        self,
        name: str,
        model_name: str,
        *,
        champion_alias: str = "champion",
        description: str | None = None,
        actor: str | None = None,
    ) -> Deployment:
        """Create a deployment in mode ``single``, state ``stable``."""
        body = {
            "name": name,
            "model_name": model_name,
            "champion_alias": champion_alias,
            "description": description,
            "actor": actor,
        }
        return self._post("/deployments/create", body)

    def get_deployment(self, name: str) -> Deployment:
        """Return the deployment (one GET)."""
        with _deployment_errors():
            data = self._client.get("/deployments/get", {"name": name})
        return deployment_from_json(data["deployment"])

    def list_deployments(self, model_name: str | None = None) -> list[Deployment]:
        """All deployments (of ``model_name`` when given), sorted by name."""
        data = self._client.get("/deployments/list", {"model_name": model_name})
        return [deployment_from_json(item) for item in data.get("deployments", [])]

    def update_deployment(
        self,
        name: str,
        *,
        challenger_version: int | _Unchanged | None = UNCHANGED,
        mode: DeploymentMode | str | None = None,
        canary_fraction: float | None = None,
        description: str | _Unchanged | None = UNCHANGED,
        actor: str | None = None,
    ) -> Deployment:
        """Change the challenger, mode, fraction or description (unsent fields stay)."""
        body: dict[str, Any] = {"name": name, "actor": actor}
        if not isinstance(challenger_version, _Unchanged):
            body["challenger_version"] = challenger_version
        if mode is not None:
            body["mode"] = mode.value if isinstance(mode, DeploymentMode) else mode
        if canary_fraction is not None:
            body["canary_fraction"] = canary_fraction
        if not isinstance(description, _Unchanged):
            body["description"] = description
        return self._post("/deployments/update", body)

    def promote_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Move the champion alias to the challenger."""
        return self._post("/deployments/promote", {"name": name, "actor": actor})

    def rollback_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Drop the challenger, else undo the last promotion."""
        return self._post("/deployments/rollback", {"name": name, "actor": actor})

    def delete_deployment(self, name: str, *, actor: str | None = None) -> None:
        """Delete the deployment."""
        with _deployment_errors():
            self._client.post("/deployments/delete", {"name": name, "actor": actor})
