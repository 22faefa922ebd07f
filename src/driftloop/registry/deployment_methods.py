"""The deployment half of :class:`driftloop.Client`: named serving targets of registered models.

A deployment serves the version its registered model's champion alias points at, with an
optional challenger beside it (``shadow`` or ``canary``). Every mutating call records the acting
user (``$DRIFTLOOP_USER`` or the login name) in the registry's event log, as the registry
methods do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftloop.entities import Deployment, DeploymentMode
from driftloop.store.deployment_base import UNCHANGED, _Unchanged
from driftloop.tracking.context import current_user

if TYPE_CHECKING:
    from driftloop.store.base import DeploymentStore


class DeploymentMethods:
    """Deployment calls of the client; mixed into :class:`driftloop.Client`."""

    _deployments: DeploymentStore

    def create_deployment(
        self,
        name: str,
        model_name: str,
        *,
        champion_alias: str = "champion",
        description: str | None = None,
    ) -> Deployment:
        """Create a deployment serving ``model_name@champion_alias`` (mode ``single``).

        Raises:
            AlreadyExistsError: A deployment has this name.
            AliasNotFoundError: The model has no such alias yet (set it first).
            RegisteredModelNotFoundError: No model has ``model_name``.
            InvalidParameterError: The name, alias or description is invalid.
        """
        return self._deployments.create_deployment(
            name,
            model_name,
            champion_alias=champion_alias,
            description=description,
            actor=current_user(),
        )

    def get_deployment(self, name: str) -> Deployment:
        """The deployment called ``name`` (``DeploymentNotFoundError`` if none)."""
        return self._deployments.get_deployment(name)

    def list_deployments(self, model_name: str | None = None) -> list[Deployment]:
        """All deployments sorted by name, or those of ``model_name``."""
        return self._deployments.list_deployments(model_name)

    def update_deployment(
        self,
        name: str,
        *,
        challenger_version: int | _Unchanged | None = UNCHANGED,
        mode: DeploymentMode | str | None = None,
        canary_fraction: float | None = None,
        description: str | _Unchanged | None = UNCHANGED,
    ) -> Deployment:
        """Set or clear (``None``) the challenger; change the mode, fraction or description.

        Arguments left out stay as they are. Clearing the challenger sets mode ``single``.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ModelVersionNotFoundError: The model has no such challenger version.
            InvalidParameterError: A value is invalid (the error names the field).
        """
        return self._deployments.update_deployment(
            name,
            challenger_version=challenger_version,
            mode=mode,
            canary_fraction=canary_fraction,
            description=description,
            actor=current_user(),
        )

    def promote_deployment(self, name: str) -> Deployment:
        """Make the challenger the champion (moves the champion alias; event ``ALIAS_SET``).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: There is no challenger.
        """
        return self._deployments.promote_deployment(name, actor=current_user())

    def rollback_deployment(self, name: str) -> Deployment:
        """Drop the challenger, or else move the champion alias back to the previous champion.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: Nothing to roll back.
        """
        return self._deployments.rollback_deployment(name, actor=current_user())

    def delete_deployment(self, name: str) -> None:
        """Delete a deployment (the model, its versions and aliases stay)."""
        self._deployments.delete_deployment(name, actor=current_user())
