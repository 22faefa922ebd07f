"""The registry half of :class:`driftloop.Client`: registered models, versions, aliases, events.

Method names follow MLflow's ``MlflowClient`` where it has one (``create_model_version``,
``search_model_versions``...), with short forms for aliases (``set_alias``, ``delete_alias``,
``get_version_by_alias``) and MLflow's long names as synonyms. Every mutating call records the
acting user (``$DRIFTLOOP_USER`` or the login name) in the registry's event log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from driftloop.entities import (
    ModelVersion,
    ModelVersionStatus,
    Page,
    RegisteredModel,
    RegistryEvent,
)
from driftloop.errors import AlreadyExistsError, ModelVersionNotFoundError
from driftloop.tracking.context import current_user

if TYPE_CHECKING:
    from driftloop.store.base import EventStore, ModelVersionStore, RegistryStore

_REGISTRY_PAGE = 100


class RegistryMethods:
    """Registry calls of the client; mixed into :class:`driftloop.Client`."""

    _registry: RegistryStore
    _model_versions: ModelVersionStore
    _events: EventStore

    # -- registered models -----------------------------------------------------------------

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model; ``AlreadyExistsError`` if the name is taken."""
        return self._registry.create_registered_model(
            name, description, _strings(tags), actor=current_user()
        )

    def get_registered_model(self, name: str) -> RegisteredModel:
        """The registered model called ``name`` (``RegisteredModelNotFoundError`` if none)."""
        return self._registry.get_registered_model(name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = _REGISTRY_PAGE,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        """Search registered models, e.g. ``"name LIKE 'churn%'"`` or ``"tags.team = 'x'"``."""
        return self._registry.search_registered_models(
            filter_string, max_results, order_by, page_token
        )

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a registered model; its versions, tags and aliases follow."""
        return self._registry.rename_registered_model(name, new_name, actor=current_user())

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Set a registered model's description."""
        return self._registry.update_registered_model(name, description)

    def delete_registered_model(self, name: str) -> None:
        """Delete a registered model with its versions and aliases (the event log stays)."""
        self._registry.delete_registered_model(name, actor=current_user())

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        """Set a tag on a registered model."""
        self._registry.set_registered_model_tag(name, key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Delete a registered model's tag."""
        self._registry.delete_registered_model_tag(name, key)

    # -- versions ------------------------------------------------------------------------

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """Add a version to the registered model ``name`` (which must exist)."""
        return self._model_versions.create_model_version(
            name, source, run_id, _strings(tags), description, actor=current_user()
        )

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """One version of a registered model."""
        return self._model_versions.get_model_version(name, _version(version))

    def get_latest_version(self, name: str) -> ModelVersion:
        """The highest version of ``name``; ``ModelVersionNotFoundError`` if it has none."""
        latest = self._model_versions.get_latest_version(name)
        if latest is None:
            raise ModelVersionNotFoundError(
                f"registered model {name!r} has no versions", field="version"
            )
        return latest

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10_000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """Search versions, e.g. ``"name = 'churn'"`` or ``"run_id = '...'"``."""
        return self._model_versions.search_model_versions(
            filter_string, max_results, order_by, page_token
        )

    def update_model_version(
        self, name: str, version: int | str, description: str | None
    ) -> ModelVersion:
        """Set a version's description."""
        return self._model_versions.update_model_version(name, _version(version), description)

    def set_model_version_status(
        self,
        name: str,
        version: int | str,
        status: ModelVersionStatus | str,
        status_message: str | None = None,
    ) -> ModelVersion:
        """Set a version's status (``READY``, ``FAILED_REGISTRATION``...)."""
        return self._model_versions.set_model_version_status(
            name,
            _version(version),
            ModelVersionStatus(status),
            status_message,
            actor=current_user(),
        )

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version; aliases that pointed at it are removed."""
        self._model_versions.delete_model_version(name, _version(version), actor=current_user())

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: Any) -> None:
        """Set a tag on a version."""
        self._model_versions.set_model_version_tag(name, _version(version), key, str(value))

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Delete a version's tag."""
        self._model_versions.delete_model_version_tag(name, _version(version), key)

    # -- aliases -------------------------------------------------------------------------

    def set_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point ``alias`` (e.g. ``champion``) at a version; moving it is atomic and logged."""
        self._registry.set_alias(name, alias, _version(version), actor=current_user())

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove an alias (``AliasNotFoundError`` if it is not set)."""
        self._registry.delete_alias(name, alias, actor=current_user())

    def get_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version ``alias`` points at."""
        return self._registry.get_model_version_by_alias(name, alias)

    set_registered_model_alias = set_alias
    delete_registered_model_alias = delete_alias
    get_model_version_by_alias = get_version_by_alias

    # -- events --------------------------------------------------------------------------

    def list_registry_events(
        self,
        model_name: str | None = None,
        *,
        after_event_id: int | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> Page[RegistryEvent]:
        """Registry events (version created, alias moved...) oldest first."""
        return self._events.list_events(
            model_name,
            after_event_id=after_event_id,
            max_results=max_results,
            page_token=page_token,
        )

    # -- registering ---------------------------------------------------------------------

    def register_model(
        self,
        model_uri: str,
        name: str,
        *,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """Register the model at ``model_uri`` as a new version of ``name``.

        The registered model is created on first use. For ``runs:/`` URIs the version's
        source is the model's artifact location and its ``run_id`` the run (lineage); a
        ``models:/`` URI copies another version's source and run.

        Raises:
            ModelFormatError: No model (``manifest.json`` or ``MLmodel``) is at the URI.
            NotFoundError: The run, or the registered model/version/alias, does not exist.
        """
        from driftloop.registry.sources import resolve_registration_source

        source, run_id = resolve_registration_source(self, model_uri)  # type: ignore[arg-type]
        with contextlib.suppress(AlreadyExistsError):  # another version of an existing model
            self._registry.create_registered_model(name, actor=current_user())
        return self.create_model_version(name, source, run_id, tags, description)


def _strings(values: Mapping[str, Any] | None) -> dict[str, str] | None:
    return None if values is None else {str(k): str(v) for k, v in values.items()}


def _version(version: int | str) -> int:
    from driftloop.errors import InvalidParameterError

    text = str(version).strip()
    if isinstance(version, bool) or not text.isdigit() or int(text) < 1:
        raise InvalidParameterError(
            f"version must be a positive integer, got {version!r}", field="version"
        )
    return int(text)
