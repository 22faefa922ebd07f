"""Phases ``triggered`` and ``training``: train the challenger once, register it once.

- ``triggered`` -> ``training`` (event ``pipeline_started``, whose evidence holds the data
  cut-off). With a change point and ``data.window.since_change``, the episode first waits
  in ``triggered`` until ``min_rows`` labelled rows have come after the change (at most
  ``data.window.change_wait`` after the trigger); the cut-off is then the time it stops
  waiting, else the episode's start.
- ``training`` without a recorded run: assemble the window (up to the recorded cut-off,
  so a rerun reads the same rows; starting at the change point stored in the episode's
  evidence when the policy's ``data.window.since_change`` allows), run the pipeline, record
  its parent run (event ``pipeline_finished``). A finished pipeline run already tagged with
  the episode (the controller died before recording it) is reused, never retrained; a
  pipeline error, or too little data, ends the episode ``failed`` with the champion
  untouched.
- ``training`` with a recorded run: register the model, unless a version tagged with the
  episode exists (registered before a crash), and move to ``gating`` (event
  ``challenger_registered``). A window cut at a change point with fewer rows than the policy's
  window tags the version with the change (``WINDOW_CUT_TAG``) for the refill trigger.
"""

from __future__ import annotations

from typing import Any

from driftloop.ct._controller_context import ControllerContext
from driftloop.ct._controller_inputs import (
    PIPELINE_RUN_TAG,
    WINDOW_CUT_TAG,
    labelled_rows_since,
)
from driftloop.ct._controller_lease import LeaseKeeper, lease_name
from driftloop.ct._controller_outcome import TickAction, TickOutcome
from driftloop.ct._controller_runs import finished_retrain, kill_stale_runs
from driftloop.ct.retrain import EPISODE_TAG, RetrainResult, retrain
from driftloop.ct.training_data import TrainingData, assemble_training_data
from driftloop.entities import CtEpisode, CtEventKind, CtPhase, ModelVersion
from driftloop.errors import DriftloopError
from driftloop.pipelines import PipelineFailedError

__all__ = ["change_ms_of", "step_training", "step_triggered", "training_data_for"]


def step_triggered(ctx: ControllerContext, episode: CtEpisode) -> TickOutcome:
    """Enter ``training`` once there is data after the change; the pipeline runs next tick."""
    cutoff = episode.created
    change = change_ms_of(episode)
    data = ctx.policy.data
    if change is not None and data.window.since_change and data.source != "loader":
        now = ctx.clock()
        after = labelled_rows_since(ctx.inference_log_uri, ctx.deployment, change - 1)
        deadline = episode.created + int(data.window.change_wait.total_seconds() * 1000)
        if after < data.min_rows and now < deadline:
            return ctx.outcome(
                episode,
                TickAction.HOLD,
                f"waiting for labelled rows after the change: {after} of {data.min_rows}",
                {"change_ms": change, "rows_after_change": after, "until_ms": deadline},
            )
        cutoff = max(now, episode.created)
    evidence = {
        "experiment": ctx.experiment,
        "executor": ctx.executor,
        "entry_point": str(ctx.policy.training.entry_point),
        "data_cutoff_ms": cutoff,
    }
    return ctx.advance(
        episode,
        kind=CtEventKind.PIPELINE_STARTED,
        message=f"training a challenger in experiment {ctx.experiment!r} ({ctx.executor})",
        evidence=evidence,
        phase=CtPhase.TRAINING,
    )


def step_training(ctx: ControllerContext, episode: CtEpisode) -> TickOutcome:
    """Train (or find the finished training of) the challenger, else register it."""
    if episode.pipeline_run_id is None:
        return _train(ctx, episode)
    return _register(ctx, episode)


def training_data_for(ctx: ControllerContext, episode: CtEpisode) -> TrainingData:
    """The episode's training data: the window up to the episode's start (cached per process)."""
    cached = ctx.training_data.get(episode.episode_id)
    if cached is None:
        cached = assemble_training_data(
            ctx.policy,
            inference_log_uri=ctx.inference_log_uri,
            log_name=ctx.deployment,
            now_ms=_data_cutoff(ctx, episode),
            change_ms=change_ms_of(episode),
        )
        ctx.training_data[episode.episode_id] = cached
    return cached


def _data_cutoff(ctx: ControllerContext, episode: CtEpisode) -> int:
    """The cut-off ``step_triggered`` recorded (the episode's start before it recorded one)."""
    started = ctx.last_event(episode, CtEventKind.PIPELINE_STARTED)
    value = None if started is None else started.evidence.get("data_cutoff_ms")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return episode.created


def change_ms_of(episode: CtEpisode) -> int | None:
    """The change point recorded in the episode's trigger evidence (a restart reads it too)."""
    value = episode.evidence.get("change_ms")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _train(ctx: ControllerContext, episode: CtEpisode) -> TickOutcome:
    reused = finished_retrain(ctx.client, ctx.experiment, episode.episode_id)
    evidence: dict[str, Any] = {}
    if reused is None:
        kill_stale_runs(ctx.client, ctx.experiment, episode.episode_id)
        try:
            data = training_data_for(ctx, episode)
        except DriftloopError as error:
            return ctx.fail(
                episode,
                kind=CtEventKind.PIPELINE_FAILED,
                message=f"no training data: {error.message}",
                evidence={"error": type(error).__name__, "field": error.field},
            )
        evidence["data"] = _data_evidence(data)
        keeper = LeaseKeeper(
            ctx.store,
            lease_name(ctx.deployment),
            ctx.holder,
            ttl_ms=ctx.lease_ttl_ms,
            clock=ctx.clock,
        )
        try:
            with keeper:
                result = retrain(
                    ctx.policy,
                    data,
                    client=ctx.client,
                    experiment=ctx.experiment,
                    executor=ctx.executor,
                    episode_id=episode.episode_id,
                    ray_address=ctx.ray_address,
                )
        except PipelineFailedError as error:
            return ctx.fail(
                episode,
                kind=CtEventKind.PIPELINE_FAILED,
                message=str(error),
                evidence={
                    "run_id": error.parent_run_id,
                    "step": error.step,
                    "step_run_id": error.step_run_id,
                },
            )
    else:
        result = reused
        evidence["reused"] = True
    evidence.update(
        {
            "run_id": result.run_id,
            "model_uri": result.model_uri,
            "validation_metrics": dict(result.validation_metrics),
        }
    )
    metric = ctx.policy.gates.metric
    value = result.validation_metrics.get(metric)
    return ctx.advance(
        episode,
        kind=CtEventKind.PIPELINE_FINISHED,
        message=f"pipeline run {result.run_id} finished"
        + (" (found after a restart)" if reused is not None else "")
        + ("" if value is None else f": {metric} {value:.4g} on the holdout"),
        evidence=evidence,
        pipeline_run_id=result.run_id,
    )


def _register(ctx: ControllerContext, episode: CtEpisode) -> TickOutcome:
    assert episode.pipeline_run_id is not None  # noqa: S101 - the caller checked
    deployment = ctx.get_deployment()
    existing = _episode_version(ctx, deployment.model_name, episode.episode_id)
    if existing is None:
        model_uri = _model_uri(ctx, episode)
        tags = {EPISODE_TAG: episode.episode_id, PIPELINE_RUN_TAG: episode.pipeline_run_id}
        cut = _window_cut(ctx, episode)
        if cut is not None:
            tags[WINDOW_CUT_TAG] = str(cut)
        version = ctx.client.register_model(
            model_uri,
            deployment.model_name,
            tags=tags,
            description=f"challenger trained by CT episode {episode.episode_id}",
        )
        how = "registered"
    else:
        version = existing
        how = "found registered (before a restart)"
    return ctx.advance(
        episode,
        kind=CtEventKind.CHALLENGER_REGISTERED,
        message=f"challenger {version.name} v{version.version} {how}",
        evidence={
            "model_name": version.name,
            "version": version.version,
            "source": version.source,
            "run_id": version.run_id,
            "pipeline_run_id": episode.pipeline_run_id,
        },
        phase=CtPhase.GATING,
        challenger_version=version.version,
    )


def _window_cut(ctx: ControllerContext, episode: CtEpisode) -> int | None:
    """The change point, when cutting the window there left fewer rows than the policy's."""
    change = change_ms_of(episode)
    window = ctx.policy.data.window
    finished = ctx.last_event(episode, CtEventKind.PIPELINE_FINISHED)
    data = None if finished is None else finished.evidence.get("data")
    if change is None or not window.since_change or not isinstance(data, dict):
        return None
    rows = int(data.get("rows") or 0) + int(data.get("holdout_rows") or 0)
    start = data.get("window_start_ms")
    if window.rows is not None:
        return change if rows < window.rows else None
    if window.duration is None or not isinstance(start, int):
        return None
    nominal = _data_cutoff(ctx, episode) - int(window.duration.total_seconds() * 1000)
    return change if start > nominal else None


def _episode_version(
    ctx: ControllerContext, model_name: str, episode_id: str
) -> ModelVersion | None:
    quoted = model_name.replace("'", "\\'")
    page = ctx.client.search_model_versions(
        f"name = '{quoted}' and tags.`{EPISODE_TAG}` = '{episode_id}'", max_results=10
    )
    return min(page.items, key=lambda version: version.version) if page.items else None


def _model_uri(ctx: ControllerContext, episode: CtEpisode) -> str:
    finished = ctx.last_event(episode, CtEventKind.PIPELINE_FINISHED)
    uri = None if finished is None else finished.evidence.get("model_uri")
    if isinstance(uri, str) and uri:
        return uri
    result: RetrainResult | None = finished_retrain(ctx.client, ctx.experiment, episode.episode_id)
    if result is None:
        raise DriftloopError(
            f"episode {episode.episode_id}: pipeline run {episode.pipeline_run_id} has no model"
        )
    return result.model_uri


def _data_evidence(data: TrainingData) -> dict[str, Any]:
    return {
        "digest": data.digest,
        "rows": len(data.features),
        "holdout_rows": len(data.holdout_features),
        "window_start_ms": data.window_start_ms,
        "window_end_ms": data.window_end_ms,
    }
