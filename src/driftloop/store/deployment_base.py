"""Store interface of deployments, and the ``UNCHANGED`` update sentinel."""

from __future__ import annotations

import abc

from driftloop.entities import (
    Deployment,
    DeploymentMode,
)


class _Unchanged:
    """The type of :data:`UNCHANGED`."""

    _instance: _Unchanged | None = None

    def __new__(cls) -> _Unchanged:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()
"""Sentinel for an update argument the caller leaves as it is (``None`` would clear it)."""


class DeploymentStore(abc.ABC):
    """Deployments: named serving targets of a registered model, with champion and challenger.

    Every change appends an event to the registry event log under the deployment's model
    (types ``DEPLOYMENT_*``, ``details["deployment"]`` = the deployment's name; a promotion or
    a rollback that moves the champion alias also appends that alias's ``ALIAS_SET``), in the
    same transaction. Each change increments :attr:`Deployment.revision`.
    """

    @abc.abstractmethod
    def create_deployment(
        self,
        name: str,
        model_name: str,
        *,
        champion_alias: str = "champion",
        description: str | None = None,
        actor: str | None = None,
    ) -> Deployment:
        """Create a deployment in mode ``single``, state ``stable``, canary fraction 0.1.

        Raises:
            AlreadyExistsError: A deployment has this name.
            InvalidParameterError: The name, alias or description is invalid (field named).
            RegisteredModelNotFoundError: No model has ``model_name``.
            AliasNotFoundError: The model has no ``champion_alias``.
        """

    @abc.abstractmethod
    def get_deployment(self, name: str) -> Deployment:
        """Return the deployment.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
        """

    @abc.abstractmethod
    def list_deployments(self, model_name: str | None = None) -> list[Deployment]:
        """All deployments (of ``model_name`` when given), sorted by name."""

    @abc.abstractmethod
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
        """Change the challenger (``None`` clears it), the mode, the fraction, the description.

        Setting a challenger moves the state to ``challenging``; clearing it to ``stable``.
        Clearing the challenger also sets the mode back to ``single``. One event
        ``DEPLOYMENT_UPDATED`` whose details name each changed field (``challenger_version``,
        ``mode``, ``canary_fraction``, ``description``) with its new value; a call that changes
        nothing appends no event and keeps the revision.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ModelVersionNotFoundError: The model has no such challenger version.
            InvalidParameterError: The mode is unknown; the fraction is not in [0, 1]; mode
                ``shadow``/``canary`` without a challenger; the challenger is the champion's
                current version.
        """

    @abc.abstractmethod
    def promote_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Make the challenger the champion: move the champion alias to it.

        Remembers the old champion version in ``previous_champion_version``, clears the
        challenger, sets mode ``single`` and state ``promoted``.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: There is no challenger.
        """

    @abc.abstractmethod
    def rollback_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Undo: drop the challenger if there is one; else undo the last promotion.

        With a challenger: clear it, mode ``single``, state ``rolled_back``. Without one but
        with ``previous_champion_version``: move the champion alias back to it and clear
        ``previous_champion_version`` (state ``rolled_back``).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: Nothing to roll back (no challenger, no previous champion).
        """

    @abc.abstractmethod
    def delete_deployment(self, name: str, *, actor: str | None = None) -> None:
        """Delete the deployment (its model, versions and aliases stay).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
        """
