"""The fluent tracking API: log to "the current run" without passing ids around.

Example:
    >>> import driftloop  # doctest: +SKIP
    >>> with driftloop.start_run(experiment="churn", run_name="baseline"):  # doctest: +SKIP
    ...     driftloop.log_param("alpha", 0.1)
    ...     for epoch in range(10):
    ...         driftloop.log_metric("loss", 1 / (epoch + 1), step=epoch)

Each thread has its own stack of active runs. Logging without an active run starts one (as
MLflow does) in the experiment chosen by :func:`set_experiment`, else the one named by
``$DRIFTLOOP_EXPERIMENT_NAME``, else ``Default``. Metrics are written in the background
(see :mod:`driftloop.tracking.batching`); params and tags are written at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from driftloop.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    LifecycleStage,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from driftloop.errors import AlreadyExistsError, ConflictError, InvalidParameterError
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT
from driftloop.store.validation import MAX_PARAMS_PER_BATCH, MAX_TAGS_PER_BATCH
from driftloop.tracking import _validation as check
from driftloop.tracking import run_stack as runs
from driftloop.tracking.batching import get_batcher
from driftloop.tracking.client import Client, make_metric
from driftloop.tracking.context import NOTE_TAG, system_tags
from driftloop.tracking.datasets import DATASET_CONTEXT_TAG, dataset_from_data
from driftloop.tracking.run_stack import ActiveRun

EXPERIMENT_NAME_ENV = "DRIFTLOOP_EXPERIMENT_NAME"
DEFAULT_EXPERIMENT_ID = "0"

_experiment_lock = threading.Lock()
_active_experiment: tuple[str, str] | None = None  # (tracking URI, experiment id)


def set_experiment(name: str) -> Experiment:
    """Make ``name`` the experiment new runs go to, creating it if it does not exist.

    Raises:
        InvalidParameterError: The experiment exists but is deleted (restore it first).
    """
    client = Client()
    experiment = _get_or_create_experiment(client, check.require_name(name, "name"))
    global _active_experiment  # noqa: PLW0603 - process-wide, like the tracking URI
    with _experiment_lock:
        _active_experiment = (client.tracking_uri, experiment.experiment_id)
    return experiment


def start_run(
    experiment: str | Experiment | None = None,
    run_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ActiveRun:
    """Start a run (or resume one) and make it the active run of this thread.

    Args:
        experiment: Experiment name (created if missing) or entity; default: the parent's
            experiment for a nested run, else the one chosen by :func:`set_experiment`, else
            ``$DRIFTLOOP_EXPERIMENT_NAME``, else ``Default``.
        run_id: Resume this existing run instead of creating one (its status goes back to
            ``RUNNING``).
        run_name: Display name; generated when None.
        nested: Start the run as a child of the active run.
        tags: Extra tags; they win over the system tags (user, source, git commit...).
        description: Free text, stored in the ``mlflow.note.content`` tag.

    Returns:
        The :class:`ActiveRun`; use it in a ``with`` block to end it automatically.

    Raises:
        ConflictError: A run is already active and ``nested`` is False, or ``run_id`` is
            already active.
    """
    parent = runs.top()
    if parent is not None and not nested:
        raise ConflictError(
            f"run {parent.run_id} is already active; end it with driftloop.end_run() first, "
            "or pass nested=True to start a child run"
        )
    client = parent.client if parent is not None else Client()
    extra_tags = check.string_mapping(tags, "tags")
    if description is not None:
        extra_tags[NOTE_TAG] = check.string_value(description)
    if run_id is not None:
        run = _resume(client, check.require_id(run_id, "run_id"), experiment, run_name, extra_tags)
    else:
        run = client.create_run(
            _experiment_id(client, experiment, parent),
            run_name=run_name,
            tags={**system_tags(), **extra_tags},
            parent_run_id=parent.run_id if parent is not None else None,
        )
    active = ActiveRun(run, client)
    runs.push(active)
    return active


def end_run(status: RunStatus | str = RunStatus.FINISHED) -> None:
    """End the active run of this thread (flushing its metrics); no-op when there is none."""
    runs.end_top(check.enum_value(RunStatus, status, "status"))


def active_run() -> ActiveRun | None:
    """The active run of this thread (the innermost one), or None."""
    return runs.top()


def last_active_run() -> Run | None:
    """The active run of this thread, else the run it ended last, as stored now; or None."""
    last = runs.last_run()
    return None if last is None else last.fetch()


def log_param(key: str, value: Any) -> None:
    """Log a hyper-parameter of the active run; raises ``ParamOverwriteError`` on change."""
    active = _flushed_run()
    active.client.log_param(active.run_id, key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Log several hyper-parameters of the active run."""
    items = [Param(k, v) for k, v in check.string_mapping(params, "params").items()]
    active = _flushed_run()
    for start in range(0, len(items), MAX_PARAMS_PER_BATCH):
        chunk = items[start : start + MAX_PARAMS_PER_BATCH]
        active.client.log_batch(active.run_id, params=chunk)


def log_metric(
    key: str, value: float, step: int | None = None, timestamp: int | None = None
) -> None:
    """Queue one metric point of the active run (written in the background).

    Args:
        key: Metric name.
        value: A real number; NaN and infinities are allowed.
        step: Training step (0 when None).
        timestamp: Milliseconds since the epoch (now when None).

    Raises:
        MetricFlushError: An earlier background write of this run failed.
    """
    metric = make_metric(key, value, timestamp, step)
    active = _get_or_start_run()
    get_batcher().log(active.run_id, active.client.log_batch, [metric])


def log_metrics(
    metrics: Mapping[str, float], step: int | None = None, timestamp: int | None = None
) -> None:
    """Queue several metric points of the active run, with one step and timestamp."""
    if not isinstance(metrics, Mapping):
        raise InvalidParameterError("metrics must be a mapping of key to value", field="metrics")
    stamp = check.now_ms() if timestamp is None else timestamp
    points = [make_metric(key, value, stamp, step) for key, value in metrics.items()]
    active = _get_or_start_run()
    get_batcher().log(active.run_id, active.client.log_batch, points)


def set_tag(key: str, value: Any) -> None:
    """Set a tag of the active run."""
    active = _flushed_run()
    active.client.set_tag(active.run_id, key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags of the active run."""
    items = [RunTag(k, v) for k, v in check.string_mapping(tags, "tags").items()]
    active = _flushed_run()
    for start in range(0, len(items), MAX_TAGS_PER_BATCH):
        chunk = items[start : start + MAX_TAGS_PER_BATCH]
        active.client.log_batch(active.run_id, tags=chunk)


def log_artifact(local_path: str | Path, artifact_path: str | None = None) -> None:
    """Copy a local file into the active run's artifacts (under ``artifact_path``)."""
    active = _get_or_start_run()
    active.client.log_artifact(active.run_id, local_path, artifact_path)


def log_artifacts(local_dir: str | Path, artifact_path: str | None = None) -> None:
    """Copy a local directory's contents into the active run's artifacts."""
    active = _get_or_start_run()
    active.client.log_artifacts(active.run_id, local_dir, artifact_path)


def log_input(
    dataset: Dataset | Any,
    context: str | None = None,
    *,
    name: str | None = None,
    source: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> Dataset:
    """Record a dataset the active run consumed.

    Args:
        dataset: A :class:`Dataset`, or a pandas DataFrame / numpy array from which one is
            built (content digest, column schema, row counts).
        context: What the run used it for, e.g. ``"training"`` or ``"validation"``.
        name: Name of a dataset built from data (default ``"dataset"``).
        source: Where built data came from (a path or URI).
        tags: Extra input tags.

    Returns:
        The logged :class:`Dataset`.
    """
    if not isinstance(dataset, Dataset):
        dataset = dataset_from_data(dataset, name=name, source=source)
    input_tags = check.string_mapping(tags, "tags")
    if context is not None:
        input_tags[DATASET_CONTEXT_TAG] = check.require_name(context, "context")
    active = _get_or_start_run()
    active.client.log_inputs(active.run_id, [DatasetInput(dataset, input_tags)])
    return dataset


def search_runs(
    experiment_ids: str | Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | str = ViewType.ACTIVE_ONLY,
    max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
    order_by: Sequence[str] | None = None,
    experiment_names: Sequence[str] | None = None,
) -> list[Run]:
    """Search runs of the current tracking URI; returns up to ``max_results`` runs.

    Experiments default to the active one (see :func:`start_run`). Metrics queued in the
    background are flushed first, so the results include them.
    """
    client = Client()
    ids = [] if experiment_ids is None else check.id_list(experiment_ids, "experiment_ids")
    for experiment_name in experiment_names or ():
        ids.append(client.resolve_experiment(experiment_name).experiment_id)
    if not ids:
        ids = [_experiment_id(client, None, runs.top())]
    get_batcher().flush()
    found: list[Run] = []
    token: str | None = None
    while len(found) < max_results:
        page = client.search_runs(
            ids, filter_string, run_view_type, max_results - len(found), order_by, token
        )
        found.extend(page.items)
        token = page.next_page_token
        if not token:
            break
    return found


def get_run(run_id: str) -> Run:
    """Return a run of the current tracking URI (its queued metrics flushed first)."""
    get_batcher().flush(check.require_id(run_id, "run_id"))
    return Client().get_run(run_id)


def _get_or_start_run() -> ActiveRun:
    return runs.top() or start_run()


def _flushed_run() -> ActiveRun:
    active = _get_or_start_run()
    get_batcher().flush(active.run_id)
    return active


def _resume(
    client: Client,
    run_id: str,
    experiment: str | Experiment | None,
    run_name: str | None,
    tags: dict[str, str],
) -> Run:
    if any(active.run_id == run_id for active in runs.current_stack()):
        raise ConflictError(f"run {run_id} is already active", field="run_id")
    run = client.get_run(run_id)
    if run.info.lifecycle_stage is LifecycleStage.DELETED:
        raise InvalidParameterError(f"run {run_id} is deleted; restore it first", field="run_id")
    if experiment is not None:
        wanted = _experiment_id(client, experiment, None)
        if wanted != run.info.experiment_id:
            raise InvalidParameterError(
                f"run {run_id} belongs to experiment {run.info.experiment_id}, not {wanted}",
                field="experiment",
            )
    client.update_run(run_id, RunStatus.RUNNING)
    if run_name is not None:
        client.rename_run(run_id, run_name)
    if tags:
        client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
    return client.get_run(run_id)


def _experiment_id(
    client: Client, experiment: str | Experiment | None, parent: ActiveRun | None
) -> str:
    if isinstance(experiment, Experiment):
        return experiment.experiment_id
    if experiment is not None:
        name = check.require_name(experiment, "experiment")
        return _get_or_create_experiment(client, name).experiment_id
    if parent is not None:
        return parent.experiment_id
    with _experiment_lock:
        chosen = _active_experiment
    if chosen is not None and chosen[0] == client.tracking_uri:
        return chosen[1]
    from_env = os.environ.get(EXPERIMENT_NAME_ENV, "").strip()
    if from_env:
        return _get_or_create_experiment(client, from_env).experiment_id
    return DEFAULT_EXPERIMENT_ID


def _get_or_create_experiment(client: Client, name: str) -> Experiment:
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        try:
            experiment = client.get_experiment(client.create_experiment(name))
        except AlreadyExistsError:  # created concurrently by another process
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                raise
    if experiment.lifecycle_stage is LifecycleStage.DELETED:
        raise InvalidParameterError(
            f"experiment {name!r} is deleted; restore it with "
            f"'driftloop experiments restore {experiment.experiment_id}' or choose another name",
            field="experiment",
        )
    return experiment


def _reset_for_tests() -> None:
    """Forget the active experiment and every active run (without ending them)."""
    global _active_experiment  # noqa: PLW0603
    with _experiment_lock:
        _active_experiment = None
    runs._reset_for_tests()
