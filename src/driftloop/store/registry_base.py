"""Store interfaces of the model registry: models, versions, the event log."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from driftloop.entities import (
    ModelVersion,
    ModelVersionStatus,
    Page,
    RegisteredModel,
    RegistryEvent,
)

REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100
REGISTERED_MODEL_MAX_RESULTS_LIMIT = 1000
MODEL_VERSION_MAX_RESULTS_DEFAULT = 10_000
MODEL_VERSION_MAX_RESULTS_LIMIT = 200_000
EVENT_MAX_RESULTS_DEFAULT = 1000
EVENT_MAX_RESULTS_LIMIT = 10_000


class RegistryStore(abc.ABC):
    """Registered models: create, read, search, rename, describe, tag, delete, and aliases.

    Mutating calls that the event log records take a keyword-only ``actor`` (who made the
    change; ``None`` is recorded as ``"unknown"``); see :class:`EventStore`.
    """

    @abc.abstractmethod
    def create_registered_model(
        self,
        name: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        *,
        actor: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model with no versions (event ``REGISTERED_MODEL_CREATED``).

        Raises:
            AlreadyExistsError: A model has this name.
            InvalidParameterError: The name, description or a tag is invalid.
        """

    @abc.abstractmethod
    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return the model with its tags and aliases.

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        """Search models with MLflow's registry filter grammar.

        ``filter_string`` is ``AND``-joined clauses on ``name`` (``=``, ``!=``, ``LIKE``,
        ``ILIKE``, ``IN``, ``NOT IN``) and ``tags.<key>`` (``=``, ``!=``, ``LIKE``,
        ``ILIKE``). ``order_by`` items are ``name``, ``creation_timestamp`` or
        ``last_updated_timestamp`` with ``ASC``/``DESC``; default ``name ASC``.

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..1000).
        """

    @abc.abstractmethod
    def rename_registered_model(
        self, name: str, new_name: str, *, actor: str | None = None
    ) -> RegisteredModel:
        """Rename a model; its versions, tags and aliases follow (``REGISTERED_MODEL_RENAMED``).

        Raises:
            AlreadyExistsError: Another model has ``new_name``.
            InvalidParameterError: ``new_name`` is invalid.
            RegisteredModelNotFoundError: No model has ``name``.
        """

    @abc.abstractmethod
    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Replace the description (``None`` clears it).

        Raises:
            InvalidParameterError: The description is too long.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def delete_registered_model(self, name: str, *, actor: str | None = None) -> None:
        """Delete a model with its versions, tags and aliases; its events stay.

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or overwrite) one model tag.

        Raises:
            InvalidParameterError: The key or value is invalid.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove one model tag; a tag that is not set is no error (as MLflow).

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: int, *, actor: str | None = None) -> None:
        """Point ``alias`` at ``version``, creating or moving it atomically.

        Records ``ALIAS_SET`` with ``from_version`` (None for a new alias) and ``to_version``.
        Concurrent moves of one alias are serialized: no move is lost from the event chain.

        Raises:
            InvalidParameterError: The alias name is invalid or reserved (``latest``, ``v<N>``).
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def delete_alias(self, name: str, alias: str, *, actor: str | None = None) -> None:
        """Remove an alias (event ``ALIAS_DELETED``).

        Raises:
            AliasNotFoundError: The model has no such alias.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version ``alias`` points at.

        Raises:
            AliasNotFoundError: The model has no such alias.
            RegisteredModelNotFoundError: No model has this name.
        """


class ModelVersionStore(abc.ABC):
    """Versions of registered models: create, read, search, describe, status, tag, delete."""

    @abc.abstractmethod
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Register a new ``READY`` version (event ``MODEL_VERSION_CREATED``).

        The version number is the model's highest number ever issued plus one: concurrent
        calls get distinct, consecutive numbers, and a deleted version's number is not reused.

        Raises:
            InvalidParameterError: The source, run id, description or a tag is invalid.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """Return one version.

        Raises:
            InvalidParameterError: ``version`` is not a positive integer.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """Search versions with MLflow's registry filter grammar.

        Clauses: ``name`` and ``run_id`` (``=``, ``!=``, ``LIKE``, ``ILIKE``, ``IN``,
        ``NOT IN``), ``source_path`` (the same), ``version_number`` (``=``, ``!=``, ``<``,
        ``<=``, ``>``, ``>=``) and ``tags.<key>``. ``order_by`` items are ``name``,
        ``version_number``, ``creation_timestamp`` or ``last_updated_timestamp``; default
        ``name ASC, version_number DESC``.

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..200000).
        """

    @abc.abstractmethod
    def update_model_version(
        self, name: str, version: int, description: str | None
    ) -> ModelVersion:
        """Replace a version's description (``None`` clears it).

        Raises:
            InvalidParameterError: The description is too long.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def set_model_version_status(
        self,
        name: str,
        version: int,
        status: ModelVersionStatus,
        status_message: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Set a version's status and message (event ``MODEL_VERSION_STATUS_CHANGED``).

        Raises:
            InvalidParameterError: The status is unknown or the message too long.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def delete_model_version(self, name: str, version: int, *, actor: str | None = None) -> None:
        """Delete a version and the aliases pointing at it; its number is not reused.

        Records one ``ALIAS_DELETED`` per alias, then ``MODEL_VERSION_DELETED``.

        Raises:
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or overwrite) one version tag.

        Raises:
            InvalidParameterError: The key or value is invalid.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove one version tag; a tag that is not set is no error (as MLflow).

        Raises:
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """

    @abc.abstractmethod
    def get_latest_version(self, name: str) -> ModelVersion | None:
        """Return the model's highest-numbered version, or None when it has none.

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """


class EventStore(abc.ABC):
    """The registry's append-only event log (no event is ever updated or deleted)."""

    @abc.abstractmethod
    def list_events(
        self,
        model_name: str | None = None,
        *,
        after_event_id: int | None = None,
        max_results: int = EVENT_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[RegistryEvent]:
        """Return events in ascending ``event_id`` order.

        ``model_name`` selects the events recorded under that name, plus, if a model has
        that name now, its events recorded under earlier names (so a renamed model keeps its
        history). ``after_event_id`` returns only later events: a follower that passes the
        last id it saw misses nothing, since ids are issued in commit order.

        Raises:
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..10000) or
                ``after_event_id`` is not an integer.
        """
