"""Store interfaces, one small ABC per aggregate.

Every backend (SQL today, REST later) implements these and must pass the contract suites in
:mod:`driftloop.testing`. Each public method is one transaction. Ids are strings. Times are
milliseconds since the epoch. Errors are :mod:`driftloop.errors` classes, never driver errors.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from driftloop.entities import (
    DatasetInput,
    Deployment,
    DeploymentMode,
    Experiment,
    LoggedModel,
    LoggedModelStatus,
    Metric,
    ModelVersion,
    ModelVersionStatus,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
    Page,
    Param,
    RegisteredModel,
    RegistryEvent,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    SeriesPoint,
    ViewType,
)

SEARCH_MAX_RESULTS_DEFAULT = 1000
SEARCH_MAX_RESULTS_LIMIT = 50_000


class ExperimentStore(abc.ABC):
    """Experiments: create, read, search, rename, soft-delete and tag."""

    @abc.abstractmethod
    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create an experiment and return its id.

        Raises:
            AlreadyExistsError: An experiment (active or deleted) has this name.
            InvalidParameterError: The name is empty or too long.
        """

    @abc.abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment; raises ``ExperimentNotFoundError`` when there is none."""

    @abc.abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with this exact name (active or deleted), or None."""

    @abc.abstractmethod
    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """Search experiments.

        ``filter_string`` uses the run filter grammar over ``attributes.name``,
        ``attributes.creation_time``, ``attributes.last_update_time`` and ``tags.<key>``.
        Default order: ``creation_time DESC, experiment_id ASC``.
        """

    @abc.abstractmethod
    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename; raises ``AlreadyExistsError`` if the new name is taken."""

    @abc.abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete the experiment and its runs (restorable)."""

    @abc.abstractmethod
    def restore_experiment(self, experiment_id: str) -> None:
        """Undo a soft delete of the experiment and of the runs deleted with it."""

    @abc.abstractmethod
    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one experiment tag."""

    @abc.abstractmethod
    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove one experiment tag; raises ``NotFoundError`` if it is not set."""


class RunStore(abc.ABC):
    """Runs and everything logged to them: params, metrics, tags, dataset inputs."""

    @abc.abstractmethod
    def create_run(
        self,
        experiment_id: str,
        user_id: str = "",
        start_time: int | None = None,
        tags: Mapping[str, str] | None = None,
        run_name: str | None = None,
        parent_run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run.

        A missing ``run_name`` gets a generated, readable one; ``parent_run_id`` makes it a
        nested run (stored as the ``mlflow.parentRunId`` tag, which search can filter on).

        Raises:
            ExperimentNotFoundError: No such experiment.
            RunNotActiveError: The experiment is deleted.
            RunNotFoundError: ``parent_run_id`` names no run.
        """

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run:
        """Return the run with its latest metrics, params, tags and inputs."""

    @abc.abstractmethod
    def update_run_info(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Update status, end time and/or name; ``None`` leaves a field unchanged."""

    @abc.abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Soft-delete the run."""

    @abc.abstractmethod
    def restore_run(self, run_id: str) -> None:
        """Undo a soft delete."""

    @abc.abstractmethod
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log metrics, params and tags in one transaction (all or nothing).

        Enforces MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 entities per call;
        key 250 chars; param value 6000 chars; tag value 8000 chars). A param already logged
        with another value raises ``ParamOverwriteError`` naming the key. The run's
        latest-metric table is updated in the same transaction.

        Raises:
            BatchLimitError: A limit is exceeded.
            InvalidParameterError: A key or value is invalid; the message names it.
            ParamOverwriteError: A logged param would change.
            RunNotActiveError: The run is deleted.
            RunNotFoundError: No such run.
        """

    def log_metric(self, run_id: str, metric: Metric) -> None:
        """Log one metric point."""
        self.log_batch(run_id, metrics=[metric])

    def log_param(self, run_id: str, param: Param) -> None:
        """Log one param."""
        self.log_batch(run_id, params=[param])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        """Set one tag."""
        self.log_batch(run_id, tags=[tag])

    @abc.abstractmethod
    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag; raises ``NotFoundError`` if it is not set."""

    @abc.abstractmethod
    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        """Record datasets the run used; the same (name, digest) is stored once."""

    @abc.abstractmethod
    def get_metric_history(
        self,
        run_id: str,
        key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Metric]:
        """Return the metric's points ordered by (step, timestamp); all of them by default."""

    @abc.abstractmethod
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        """Search runs with MLflow's filter grammar (see :mod:`driftloop.store.search`).

        Default order: ``start_time DESC, run_id ASC``. ``order_by`` items are
        ``"<type>.<key> [ASC|DESC]"``; missing values sort last in either direction.

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse; the message
                quotes the offending clause.
            InvalidParameterError: ``max_results`` is out of range (1..50000).
        """


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


LOGGED_MODEL_MAX_RESULTS_DEFAULT = 100
LOGGED_MODEL_MAX_RESULTS_LIMIT = 1000


class LoggedModelStore(abc.ABC):
    """Logged models (MLflow 3): create, finalize, read, search, tag, add params, delete."""

    @abc.abstractmethod
    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoggedModel:
        """Create a ``PENDING`` model with id ``m-<32 hex>``.

        Its files go to ``<experiment artifact location>/models/<model_id>/artifacts``; a
        missing name gets a generated one.

        Raises:
            ExperimentNotFoundError: No such experiment.
            InvalidParameterError: The experiment is deleted, or a name, param or tag is
                invalid.
            RunNotFoundError: ``source_run_id`` names no run.
        """

    @abc.abstractmethod
    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return the model; raises ``NotFoundError`` (also when deleted)."""

    @abc.abstractmethod
    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        """Set the upload status (``READY`` or ``UPLOAD_FAILED``) and return the model.

        Raises:
            InvalidParameterError: ``status`` is ``PENDING``.
            NotFoundError: No such model.
        """

    @abc.abstractmethod
    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete the model; it is no longer returned by get or search."""

    @abc.abstractmethod
    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        """Set (or overwrite) tags; raises ``NotFoundError``."""

    @abc.abstractmethod
    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove one tag; raises ``NotFoundError`` when it is not set."""

    @abc.abstractmethod
    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> None:
        """Record params; a param logged again with another value raises ParamOverwriteError."""

    @abc.abstractmethod
    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        max_results: int = LOGGED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[tuple[str, bool]] | None = None,
        page_token: str | None = None,
    ) -> Page[LoggedModel]:
        """Search active models of the experiments.

        ``filter_string`` is ``AND``-joined clauses on ``name``, ``model_id``,
        ``model_type``, ``status``, ``source_run_id`` (``=``, ``!=``, ``LIKE``, ``ILIKE``),
        ``tags.<key>`` and ``params.<key>`` (``=``, ``!=``). ``order_by`` holds
        ``(field, ascending)`` pairs over ``name``, ``creation_timestamp`` (alias
        ``creation_time``) and ``last_updated_timestamp``; default newest first.

        Raises:
            InvalidFilterError: The filter or an order field is not supported.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..1000).
        """


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


MONITOR_RUNS_MAX_RESULTS_DEFAULT = 100
MONITOR_RUNS_MAX_RESULTS_LIMIT = 1000


class MonitorStore(abc.ABC):
    """Monitoring runs and their measured points.

    Read back as time series per deployment, version, column and metric, for the UI, the
    reports and the CT controller.
    """

    @abc.abstractmethod
    def record_monitor_run(
        self,
        deployment: str,
        *,
        model_version: int | None,
        window_start: int,
        window_end: int,
        rows: int,
        verdict: MonitorVerdict | str,
        points: Sequence[MonitorPoint],
        details: Mapping[str, str] | None = None,
    ) -> MonitorRun:
        """Store one run and all its points in one transaction; returns it with its id.

        Raises:
            InvalidParameterError: A field is invalid (``field`` names it, e.g.
                ``points[3].metric``): empty deployment/column/metric, window_end <
                window_start, negative rows, unknown verdict, an infinite value, or two
                points with the same (column, metric).
        """

    @abc.abstractmethod
    def get_monitor_run(self, run_id: str) -> MonitorRun:
        """The run with its points (sorted by column, then metric).

        Raises:
            NotFoundError: No run has this id.
        """

    @abc.abstractmethod
    def list_monitor_runs(
        self,
        deployment: str,
        *,
        since: int | None = None,
        until: int | None = None,
        max_results: int = MONITOR_RUNS_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[MonitorRun]:
        """Runs of ``deployment`` whose window ends in [since, until), newest first.

        Listed runs carry no points (``points`` is empty; use :meth:`get_monitor_run`).

        Raises:
            InvalidParameterError: ``max_results`` out of range (1..1000).
            InvalidPageTokenError: The page token was not issued by this store.
        """

    @abc.abstractmethod
    def get_series(
        self,
        deployment: str,
        column: str,
        metric: str,
        *,
        since: int | None = None,
        until: int | None = None,
        model_version: int | None = None,
    ) -> list[SeriesPoint]:
        """One metric of one column across runs (window end in [since, until)), oldest first.

        ``model_version`` keeps only runs of that version.
        """

    @abc.abstractmethod
    def delete_monitor_runs(self, deployment: str, *, before: int) -> int:
        """Delete runs of ``deployment`` whose window ended before ``before`` (retention).

        Returns:
            How many runs were deleted.
        """
