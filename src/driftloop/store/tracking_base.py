"""Store interfaces of tracking: experiments and runs (see :mod:`driftloop.store.base`)."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from driftloop.entities import (
    DatasetInput,
    Experiment,
    Metric,
    Page,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
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
