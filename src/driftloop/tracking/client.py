"""The explicit tracking API: every call names the experiment or run it acts on."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftloop.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    LoggedModel,
    Metric,
    Page,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from driftloop.errors import ExperimentNotFoundError, InvalidParameterError
from driftloop.models.client_methods import ModelMethods
from driftloop.registry.client_methods import RegistryMethods
from driftloop.registry.deployment_methods import DeploymentMethods
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, ExperimentStore, RunStore
from driftloop.tracking import _validation as check
from driftloop.tracking.context import current_user
from driftloop.tracking.uri import get_stores, get_tracking_uri

if TYPE_CHECKING:  # importing artifacts (and its backends) waits for the first artifact call
    from driftloop.artifacts.base import ArtifactRepository

_HISTORY_PAGE_SIZE = 10_000
_ARTIFACT_URI_CACHE_SIZE = 1024


class Client(ModelMethods, RegistryMethods, DeploymentMethods):
    """Read and write experiments, runs, artifacts, models and the registry of one tracking URI.

    Unlike the fluent functions (``driftloop.start_run``...), a client keeps no active run:
    every method names what it acts on. Clients of the same URI share one connection pool.

    Example:
        >>> client = Client("/tmp/tracking")  # doctest: +SKIP
        >>> run = client.create_run(client.create_experiment("churn"))  # doctest: +SKIP
        >>> client.log_metric(run.run_id, "rmse", 0.8, step=1)  # doctest: +SKIP
    """

    def __init__(self, tracking_uri: str | None = None) -> None:
        """Open (or reuse) the stores of ``tracking_uri``; default :func:`get_tracking_uri`."""
        self._tracking_uri = tracking_uri or get_tracking_uri()
        stores = get_stores(self._tracking_uri)
        self._experiments: ExperimentStore = stores.experiments
        self._runs: RunStore = stores.runs
        self._registry = stores.registry
        self._model_versions = stores.model_versions
        self._events = stores.events
        self._logged_models = stores.logged_models
        self._deployments = stores.deployments
        self._artifact_uris: dict[str, str] = {}
        self._artifact_uris_lock = threading.Lock()

    @property
    def tracking_uri(self) -> str:
        """The tracking URI this client writes to."""
        return self._tracking_uri

    # -- experiments ---------------------------------------------------------------------

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an experiment and return its id.

        Raises:
            AlreadyExistsError: The name is taken (by an active or a deleted experiment).
        """
        return self._experiments.create_experiment(
            check.require_name(name, "name"),
            artifact_location=artifact_location,
            tags=check.string_mapping(tags, "tags"),
        )

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment; raises ``ExperimentNotFoundError`` when there is none."""
        return self._experiments.get_experiment(check.require_id(experiment_id, "experiment_id"))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with this exact name (active or deleted), or None."""
        return self._experiments.get_experiment_by_name(check.require_name(name, "name"))

    def search_experiments(
        self,
        view_type: ViewType | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """Search experiments (newest first unless ``order_by`` says otherwise)."""
        return self._experiments.search_experiments(
            view_type=check.enum_value(ViewType, view_type, "view_type"),
            max_results=max_results,
            filter_string=filter_string,
            order_by=order_by,
            page_token=page_token,
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an experiment; raises ``AlreadyExistsError`` if the name is taken."""
        self._experiments.rename_experiment(
            check.require_id(experiment_id, "experiment_id"),
            check.require_name(new_name, "new_name"),
        )

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment and its runs (see :meth:`restore_experiment`)."""
        self._experiments.delete_experiment(check.require_id(experiment_id, "experiment_id"))

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a soft-deleted experiment and the runs deleted with it."""
        self._experiments.restore_experiment(check.require_id(experiment_id, "experiment_id"))

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        """Set (or overwrite) one experiment tag; the value is stored as text."""
        self._experiments.set_experiment_tag(
            check.require_id(experiment_id, "experiment_id"),
            check.require_key(key),
            check.string_value(value),
        )

    # -- runs ----------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_run_id: str | None = None,
        start_time: int | None = None,
    ) -> Run:
        """Create a RUNNING run in an experiment.

        Args:
            experiment_id: The experiment's id.
            run_name: Display name; a readable one is generated when None.
            tags: Initial tags; ``mlflow.user`` also sets the run's user.
            parent_run_id: Makes the run a child of this run.
            start_time: Milliseconds since the epoch; now when None.
        """
        string_tags = check.string_mapping(tags, "tags")
        return self._runs.create_run(
            check.require_id(experiment_id, "experiment_id"),
            user_id=string_tags.get("mlflow.user") or current_user(),
            start_time=_or_now(check.optional_int(start_time, "start_time")),
            tags=string_tags,
            run_name=None if run_name is None else check.require_name(run_name, "run_name"),
            parent_run_id=(
                None if parent_run_id is None else check.require_id(parent_run_id, "parent_run_id")
            ),
        )

    def get_run(self, run_id: str) -> Run:
        """Return the run with its latest metrics, params, tags and dataset inputs."""
        return self._runs.get_run(check.require_id(run_id, "run_id"))

    def search_runs(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType | str = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        """Search runs with MLflow's filter grammar, e.g. ``"metrics.rmse < 1 and params.a = '2'"``.

        Returns one page; pass ``page.next_page_token`` back for the next one.
        """
        if isinstance(order_by, str):
            order_by = [order_by]
        return self._runs.search_runs(
            check.id_list(experiment_ids, "experiment_ids"),
            filter_string=filter_string or "",
            view_type=check.enum_value(ViewType, run_view_type, "run_view_type"),
            max_results=max_results,
            order_by=order_by,
            page_token=page_token,
        )

    def set_terminated(
        self, run_id: str, status: RunStatus | str = RunStatus.FINISHED, end_time: int | None = None
    ) -> RunInfo:
        """End a run with ``status`` (``FINISHED``, ``FAILED`` or ``KILLED``) at ``end_time``."""
        run_status = check.enum_value(RunStatus, status, "status")
        return self._runs.update_run_info(
            check.require_id(run_id, "run_id"),
            status=run_status,
            end_time=_or_now(check.optional_int(end_time, "end_time")),
        )

    def update_run(self, run_id: str, status: RunStatus | str) -> RunInfo:
        """Set a run's status without touching its end time (e.g. back to ``RUNNING``)."""
        return self._runs.update_run_info(
            check.require_id(run_id, "run_id"),
            status=check.enum_value(RunStatus, status, "status"),
        )

    def rename_run(self, run_id: str, new_name: str) -> None:
        """Change a run's display name."""
        self._runs.update_run_info(
            check.require_id(run_id, "run_id"), run_name=check.require_name(new_name, "new_name")
        )

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run (see :meth:`restore_run`)."""
        self._runs.delete_run(check.require_id(run_id, "run_id"))

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run."""
        self._runs.restore_run(check.require_id(run_id, "run_id"))

    # -- logging -------------------------------------------------------------------------

    def log_param(self, run_id: str, key: str, value: Any) -> None:
        """Log a hyper-parameter (stored as ``str(value)``); params are write-once.

        Raises:
            ParamOverwriteError: The param was logged before with another value.
        """
        self._runs.log_batch(
            check.require_id(run_id, "run_id"),
            params=[Param(check.require_key(key, kind="param"), check.string_value(value))],
        )

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
    ) -> None:
        """Log one metric point (``timestamp`` in ms, now by default; ``step`` 0 by default)."""
        self._runs.log_batch(
            check.require_id(run_id, "run_id"), metrics=[make_metric(key, value, timestamp, step)]
        )

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log metrics, params and tags in one transaction (all or nothing).

        MLflow's limits apply: at most 1000 metrics, 100 params and 100 tags per call.
        """
        self._runs.log_batch(
            check.require_id(run_id, "run_id"),
            metrics=list(metrics),
            params=list(params),
            tags=list(tags),
        )

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        """Set (or overwrite) a run tag; the value is stored as text."""
        self._runs.log_batch(
            check.require_id(run_id, "run_id"),
            tags=[RunTag(check.require_key(key, kind="tag"), check.string_value(value))],
        )

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a run tag; raises ``NotFoundError`` if it is not set."""
        self._runs.delete_tag(
            check.require_id(run_id, "run_id"), check.require_key(key, kind="tag")
        )

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        """Record the datasets a run consumed."""
        if not all(isinstance(item, DatasetInput) for item in datasets):
            raise InvalidParameterError(
                "datasets must be a sequence of DatasetInput", field="datasets"
            )
        self._runs.log_inputs(check.require_id(run_id, "run_id"), list(datasets))

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Return every point of a metric, ordered by (step, timestamp)."""
        run_id = check.require_id(run_id, "run_id")
        key = check.require_key(key)
        points: list[Metric] = []
        token: str | None = None
        while True:
            page = self._runs.get_metric_history(
                run_id, key, max_results=_HISTORY_PAGE_SIZE, page_token=token
            )
            points.extend(page.items)
            token = page.next_page_token
            if not token:
                return points

    # -- artifacts -----------------------------------------------------------------------

    def log_artifact(
        self, run_id: str, local_path: str | Path, artifact_path: str | None = None
    ) -> None:
        """Copy a local file into the run's artifacts, under the directory ``artifact_path``."""
        path = _existing_path(local_path, "local_path", want_dir=False)
        self.artifact_repository(run_id).log_artifact(path, artifact_path)

    def log_artifacts(
        self, run_id: str, local_dir: str | Path, artifact_path: str | None = None
    ) -> None:
        """Copy a local directory's contents, recursively, into the run's artifacts."""
        path = _existing_path(local_dir, "local_dir", want_dir=True)
        self.artifact_repository(run_id).log_artifacts(path, artifact_path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        """Write ``text`` (UTF-8) to the artifact file ``artifact_file``."""
        if not isinstance(text, str):
            raise InvalidParameterError("text must be a string", field="text")
        self.artifact_repository(run_id).log_bytes(
            text.encode(), check.require_name(artifact_file, "artifact_file")
        )

    def log_dict(self, run_id: str, dictionary: Mapping[str, Any], artifact_file: str) -> None:
        """Write ``dictionary`` as indented JSON to the artifact file ``artifact_file``."""
        try:
            text = json.dumps(dictionary, indent=2, sort_keys=True, allow_nan=True)
        except (TypeError, ValueError) as error:
            raise InvalidParameterError(
                f"dictionary is not JSON-serializable: {error}", field="dictionary"
            ) from error
        self.log_text(run_id, text + "\n", artifact_file)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (the root when None) in a run's artifacts."""
        return self.artifact_repository(run_id).list_artifacts(path or None)

    def download_artifacts(
        self, run_id: str, path: str = "", dst_path: str | Path | None = None
    ) -> Path:
        """Download an artifact file or directory; returns the local path of the copy.

        ``dst_path`` defaults to a new temporary directory.
        """
        return self.artifact_repository(run_id).download_artifacts(path, dst_path)

    def artifact_repository(self, run_id: str) -> ArtifactRepository:
        """The artifact repository rooted at the run's artifact URI."""
        from driftloop.artifacts import get_artifact_repository

        run_id = check.require_id(run_id, "run_id")
        with self._artifact_uris_lock:
            artifact_uri = self._artifact_uris.get(run_id)
        if artifact_uri is None:
            artifact_uri = self.get_run(run_id).info.artifact_uri
            with self._artifact_uris_lock:
                if len(self._artifact_uris) >= _ARTIFACT_URI_CACHE_SIZE:
                    self._artifact_uris.clear()
                self._artifact_uris[run_id] = artifact_uri
        return get_artifact_repository(artifact_uri, tracking_uri=self._tracking_uri)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return an MLflow 3 logged model (``m-<32 hex>``), e.g. to fetch its files."""
        return self._logged_models.get_logged_model(check.require_id(model_id, "model_id"))

    def resolve_experiment(self, name_or_id: str) -> Experiment:
        """Return the experiment named ``name_or_id``, or else the one with that id."""
        reference = check.require_name(name_or_id, "experiment")
        experiment = self._experiments.get_experiment_by_name(reference)
        if experiment is not None:
            return experiment
        try:
            return self._experiments.get_experiment(reference)
        except ExperimentNotFoundError as error:
            raise ExperimentNotFoundError(
                f"no experiment has the name or id {reference!r}", field="experiment"
            ) from error


def make_metric(key: str, value: float, timestamp: int | None, step: int | None) -> Metric:
    """Build a validated :class:`Metric` (defaults: timestamp now, step 0)."""
    key = check.require_key(key)
    return Metric(
        key=key,
        value=check.metric_value(value, key),
        timestamp=_or_now(check.optional_int(timestamp, "timestamp")),
        step=check.optional_int(step, "step") or 0,
    )


def _or_now(milliseconds: int | None) -> int:
    return check.now_ms() if milliseconds is None else milliseconds


def _existing_path(path: str | Path, argument: str, *, want_dir: bool) -> Path:
    if not isinstance(path, str | Path):
        raise InvalidParameterError(
            f"{argument} must be a path, got {type(path).__name__}", field=argument
        )
    local = Path(path)
    kind = "directory" if want_dir else "file"
    if not (local.is_dir() if want_dir else local.is_file()):
        raise InvalidParameterError(f"{argument} {str(local)!r} is not a {kind}", field=argument)
    return local
