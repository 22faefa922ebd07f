"""What the controller observes before it evaluates the triggers of a deployment.

Everything comes from stores, never from the controller's memory, so a restarted controller
decides as the one before it would have:

- the monitor runs of the deployment (their dataset verdicts and window ends; the newest
  run's ``__performance__`` points: live metrics and ``labelled_rows``);
- for the performance trigger: the champion's newest ``recent`` labelled answers since the
  last training or episode, scored here from the inference log (newer than any monitor
  run; used once they rest on ``min_labels`` labels);
- for the refill trigger: the change point the champion's training window was cut at (the
  version tag :data:`WINDOW_CUT_TAG`) and the labelled rows scored since;
- the champion's validation metrics, from the run that trained it (for a CT-trained champion
  the pipeline's parent run, named by a version tag);
- the CT store: when the last episode started and ended, how many episodes in a row were
  rejected or failed (the cooldown's backoff), when the schedule last fired, and whether a
  ``driftloop ct trigger`` request is pending;
- for the ``new_labels`` trigger only: labelled rows of the inference log scored since the
  last training.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from driftloop.ct._controller_changes import champion_labelled
from driftloop.ct._controller_manual import pending_manual_request
from driftloop.ct._policy_data import DataSpec
from driftloop.ct._policy_triggers import PerformanceTrigger, TriggersSpec
from driftloop.ct.recent_performance import recent_performance
from driftloop.ct.triggers import (
    RefillState,
    TriggerInputs,
    WindowVerdict,
    consecutive_rejections,
    newest_change_ms,
)
from driftloop.entities import (
    PERFORMANCE_COLUMN,
    CtEpisode,
    CtEvent,
    ModelVersion,
    MonitorRun,
    TriggerKind,
)
from driftloop.errors import DriftloopError, NotFoundError
from driftloop.monitoring.inference_log import read_inference_log
from driftloop.monitoring.monitor_run import CHANGE_POINTS_METRIC, LABELLED_ROWS_METRIC
from driftloop.store.base import MonitorStore
from driftloop.store.ct_base import CtStore
from driftloop.tracking import Client

__all__ = [
    "PIPELINE_RUN_TAG",
    "WINDOW_CUT_TAG",
    "TriggerContext",
    "champion_metrics",
    "gather_trigger_inputs",
    "labelled_rows_since",
]

PIPELINE_RUN_TAG = "driftloop.ct.pipeline_run_id"
"""Model version tag: the pipeline's parent run (its validation metrics) of a CT challenger."""

WINDOW_CUT_TAG = "driftloop.ct.window_cut_ms"
"""Model version tag: the change point a CT challenger's training window was cut at, when the
cut left it fewer rows than the policy's window (what the refill trigger waits to fill)."""

_VERDICT_RUNS = 100
"""How many recent monitor runs the drift trigger looks at (enough for any ``consecutive``)."""
_NOT_METRICS = frozenset({LABELLED_ROWS_METRIC, CHANGE_POINTS_METRIC})


@dataclass(frozen=True, slots=True)
class TriggerContext:
    """The trigger inputs and what goes with them into an episode's evidence.

    Attributes:
        inputs: The snapshot.
        manual_request: The request behind ``manual_requested``, if any.
        change_ms: The newest change point (``last_change_ms``) of the monitor runs the
            inputs came from, or None.
    """

    inputs: TriggerInputs
    manual_request: CtEvent | None
    change_ms: int | None = None


def gather_trigger_inputs(
    *,
    triggers: TriggersSpec,
    deployment: str,
    champion: ModelVersion,
    client: Client,
    store: CtStore,
    monitor_store: MonitorStore,
    inference_log_uri: str,
    now_ms: int,
    data: DataSpec | None = None,
) -> TriggerContext:
    """Snapshot every observation :func:`~driftloop.ct.triggers.evaluate_triggers` needs.

    ``data`` (the policy's) turns the refill trigger on when its window has ``refill``.
    """
    episodes = list(store.list_episodes(deployment, max_results=100).items)
    latest = episodes[0] if episodes else None
    last_training = _last_training_ms(champion, episodes)
    since = max(t for t in (last_training, _end_of(latest)) if t is not None)
    runs = monitor_store.list_monitor_runs(deployment, since=since + 1, max_results=_VERDICT_RUNS)
    newest_first = list(runs.items)
    live, live_end, labels = _live_performance(monitor_store, newest_first)
    if triggers.performance is not None:
        recent = _recent(triggers.performance, inference_log_uri, deployment, champion, since)
        if recent is not None:
            live, live_end, labels = recent
    manual = pending_manual_request(store, deployment, latest)
    inputs = TriggerInputs(
        now_ms=now_ms,
        verdicts=tuple(
            WindowVerdict(run.window_end, run.verdict)
            for run in sorted(newest_first, key=lambda run: run.window_end)
        ),
        live_metrics=live,
        live_metrics_window_end_ms=live_end,
        live_label_count=labels,
        champion_metrics=(
            champion_metrics(client, champion) if triggers.performance is not None else {}
        ),
        labels_since_training=(
            labelled_rows_since(inference_log_uri, deployment, last_training)
            if triggers.new_labels is not None
            else 0
        ),
        last_training_ms=last_training,
        last_episode_start_ms=None if latest is None else latest.created,
        last_episode_end_ms=_end_of(latest),
        active_episode_id=None,
        manual_requested=manual is not None,
        last_schedule_fire_ms=next(
            (e.created for e in episodes if e.trigger is TriggerKind.SCHEDULE), None
        ),
        consecutive_rejections=consecutive_rejections(e.phase for e in episodes),
        refill=(
            _refill_state(data, champion, episodes, inference_log_uri, deployment)
            if data is not None
            else None
        ),
    )
    return TriggerContext(
        inputs, manual, newest_change_ms((run.details for run in newest_first), since)
    )


def champion_metrics(client: Client, version: ModelVersion) -> dict[str, float]:
    """The validation metrics of the run that trained ``version`` (finite values only).

    A challenger registered by the controller names its pipeline's parent run in the
    :data:`PIPELINE_RUN_TAG` version tag (the version's own run is the step that stored the
    model); other versions use their run.
    """
    run_id = version.tags.get(PIPELINE_RUN_TAG) or version.run_id
    if not run_id:
        return {}
    try:
        metrics = client.get_run(run_id).data.metrics
    except NotFoundError:
        return {}
    return {name: float(value) for name, value in metrics.items() if math.isfinite(value)}


def _last_training_ms(champion: ModelVersion, episodes: list[CtEpisode]) -> int:
    """The champion's registration, or a later episode that trained a model (even rejected)."""
    trained = [e.created for e in episodes if e.pipeline_run_id is not None]
    return max([champion.creation_timestamp, *trained])


def _end_of(episode: CtEpisode | None) -> int | None:
    return episode.updated if episode is not None and episode.phase.terminal else None


def _live_performance(
    monitor_store: MonitorStore, newest_first: list[MonitorRun]
) -> tuple[Mapping[str, float], int | None, int]:
    """The newest run's live metrics, its window end and its labelled row count."""
    if not newest_first:
        return {}, None, 0
    newest = monitor_store.get_monitor_run(newest_first[0].run_id)
    points = {p.metric: p.value for p in newest.points if p.column == PERFORMANCE_COLUMN}
    labels = points.get(LABELLED_ROWS_METRIC, 0.0)
    metrics = {
        name: value
        for name, value in points.items()
        if name not in _NOT_METRICS and math.isfinite(value)
    }
    count = int(labels) if math.isfinite(labels) else 0
    return metrics, newest.window_end, count


def _recent(
    spec: PerformanceTrigger,
    inference_log_uri: str,
    deployment: str,
    champion: ModelVersion,
    since_ms: int,
) -> tuple[Mapping[str, float], int, int] | None:
    """The champion's newest ``recent`` labelled answers after ``since_ms``, scored.

    None when ``recent`` is 0 or there are fewer than ``min_labels``.
    """
    if spec.recent == 0:
        return None
    rows = champion_labelled(
        inference_log_uri,
        deployment,
        version=champion.version,
        since_ms=since_ms,
        newest=spec.recent,
    )
    if rows is None:
        return None
    try:
        found = recent_performance(
            rows.labels,
            rows.predictions,
            rows.timestamps,
            classifier=rows.classifier,
            count=spec.recent,
        )
    except DriftloopError:  # labels the metrics cannot score: the monitor runs decide
        return None
    if found is None or found.labelled < spec.min_labels:
        return None
    return found.metrics, found.window_end_ms, found.labelled


def _refill_state(
    data: DataSpec,
    champion: ModelVersion,
    episodes: list[CtEpisode],
    inference_log_uri: str,
    deployment: str,
) -> RefillState | None:
    """The champion's cut window (its :data:`WINDOW_CUT_TAG`), or None."""
    window = data.window
    text = champion.tags.get(WINDOW_CUT_TAG, "")
    if not (window.since_change and window.refill and text.lstrip("-").isdigit()):
        return None
    cut = int(text)
    refilled = any(
        e.trigger is TriggerKind.REFILL and e.created >= champion.creation_timestamp
        for e in episodes
    )
    full_at = None
    if window.duration is not None:
        full_at = cut + int(window.duration.total_seconds() * 1000)
    return RefillState(
        change_ms=cut,
        labels_since_change=(
            labelled_rows_since(inference_log_uri, deployment, cut - 1)
            if window.rows is not None and not refilled
            else 0
        ),
        rows_needed=window.rows,
        full_at_ms=full_at,
        refilled=refilled,
    )


def labelled_rows_since(inference_log_uri: str, deployment: str, since_ms: int) -> int:
    """Labelled rows scored after ``since_ms`` (champion and canary answers; no shadow copies)."""
    table = read_inference_log(
        inference_log_uri, deployment, start=since_ms + 1, routes=["champion", "challenger"]
    )
    if table.num_rows == 0 or "label" not in table.column_names:
        return 0
    return int(table.num_rows - table.column("label").null_count)
