"""Phase ``gating``: judge the challenger offline, then start its rollout.

Two steps, each recorded with its event:

1. No ``gate_passed`` event yet: load both models and run the gates on the episode's holdout.
   A failure ends the episode ``rejected`` (event ``gate_failed``; the champion untouched);
   a pass is recorded as ``gate_passed`` and the episode stays in ``gating``.
2. ``gate_passed`` recorded: :func:`~driftloop.ct.rollout.start_rollout` says where the
   challenger goes (straight to the last canary step when the performance trigger found
   the champion failing and the challenger beat it by the policy's ``fast_track`` gain). The
   deployment is set first (challenger, mode, fraction: a no-op when it
   already is so), then the phase is recorded (``shadow_started`` or ``canary_step``); with
   no rollout the challenger is promoted at once.

A restart between a deployment change and its record redoes the change (a no-op) and records
it; a champion alias that already points at the challenger means the promotion happened.
"""

from __future__ import annotations

from typing import Any

from driftloop.ct._controller_context import EPISODE_FAILED_KIND, ControllerContext
from driftloop.ct._controller_outcome import TickOutcome
from driftloop.ct._controller_rollout import ensure_challenger, promote, record_promotion
from driftloop.ct._controller_training import training_data_for
from driftloop.ct.gates import METRIC_GATE, GateReport, evaluate_gates
from driftloop.ct.rollout import RolloutAction, start_rollout
from driftloop.entities import (
    CtEpisode,
    CtEventKind,
    CtPhase,
    DeploymentMode,
    ModelVersion,
    TriggerKind,
)
from driftloop.errors import DriftloopError

__all__ = ["step_gating"]

_TINY = 1e-12


def step_gating(ctx: ControllerContext, episode: CtEpisode) -> TickOutcome:
    """Run the gates, or start the rollout once they passed."""
    deployment = ctx.get_deployment()
    champion = ctx.champion(deployment)
    if champion.version == episode.challenger_version:
        return record_promotion(ctx, episode, recovered=True)
    if ctx.last_event(episode, CtEventKind.GATE_PASSED) is None:
        return _judge(ctx, episode, champion)
    decision = start_rollout(ctx.policy.rollout, failing_gain=_failing_gain(ctx, episode))
    version = _challenger(episode)
    if decision.action is RolloutAction.PROMOTE:
        return promote(ctx, episode, deployment, decision.reason, decision.evidence)
    if decision.phase is CtPhase.SHADOW:
        ensure_challenger(ctx, deployment, version, DeploymentMode.SHADOW, None)
        kind = CtEventKind.SHADOW_STARTED
    else:
        ensure_challenger(ctx, deployment, version, DeploymentMode.CANARY, decision.fraction)
        kind = CtEventKind.CANARY_STEP
    return ctx.advance(
        episode,
        kind=kind,
        message=decision.reason,
        evidence={**decision.evidence, "fraction": decision.fraction, "version": version},
        phase=decision.phase,
        canary_step=decision.canary_step if decision.phase is CtPhase.CANARY else None,
    )


def _judge(ctx: ControllerContext, episode: CtEpisode, champion: ModelVersion) -> TickOutcome:
    version = _challenger(episode)
    try:
        data = training_data_for(ctx, episode)
        champion_model = ctx.client.load_model(f"models:/{champion.name}/{champion.version}")
        challenger_model = ctx.client.load_model(f"models:/{champion.name}/{version}")
        report = evaluate_gates(
            ctx.policy.gates,
            champion=champion_model,
            challenger=challenger_model,
            holdout_features=data.holdout_features,
            holdout_labels=data.holdout_labels,
            # The challenger's own training profile: a drift-triggered challenger learned the
            # moved world, so the old champion's ranges would reject exactly the fix.
            profile=challenger_model.profile,
        )
    except DriftloopError as error:  # a model, the data or the policy: retrying cannot help
        return ctx.fail(
            episode,
            kind=EPISODE_FAILED_KIND,
            message=f"cannot run the gates: {error.message}",
            evidence={"error": type(error).__name__, "field": error.field},
        )
    evidence: dict[str, Any] = {
        **report.to_evidence(),
        "champion_version": champion.version,
        "challenger_version": version,
        "holdout_rows": len(data.holdout_features),
        "data_digest": data.digest,
    }
    trained_on = _trained_digest(ctx, episode)
    if trained_on is not None and trained_on != data.digest:
        evidence["trained_digest"] = trained_on  # labels arrived since: the window moved
    if not report.passed:
        ctx.clear_challenger(episode)
        return ctx.advance(
            episode,
            kind=CtEventKind.GATE_FAILED,
            message=f"rejected: {_failed(report)}",
            evidence=evidence,
            phase=CtPhase.REJECTED,
        )
    passed = "; ".join(result.message for result in report.results) or "no gates"
    return ctx.advance(
        episode,
        kind=CtEventKind.GATE_PASSED,
        message=f"v{version} passed the gates against v{champion.version}: {passed}",
        evidence=evidence,
    )


def _failing_gain(ctx: ControllerContext, episode: CtEpisode) -> float | None:
    """The challenger's relative gain on the metric gate, for a performance-triggered episode.

    None for other triggers (the champion was not shown failing: no fast track).
    """
    if episode.trigger is not TriggerKind.PERFORMANCE:
        return None
    passed = ctx.last_event(episode, CtEventKind.GATE_PASSED)
    gates = [] if passed is None else passed.evidence.get("gates", [])
    for gate in gates if isinstance(gates, list) else []:
        if not isinstance(gate, dict) or gate.get("name") != METRIC_GATE:
            continue
        details = gate.get("evidence", {})
        improvement, champion = details.get("improvement"), details.get("champion")
        if isinstance(improvement, int | float) and isinstance(champion, int | float):
            return float(improvement) / max(abs(float(champion)), _TINY)
    return None


def _failed(report: GateReport) -> str:
    return "; ".join(result.message for result in report.results if not result.passed)


def _trained_digest(ctx: ControllerContext, episode: CtEpisode) -> str | None:
    finished = ctx.last_event(episode, CtEventKind.PIPELINE_FINISHED)
    data = None if finished is None else finished.evidence.get("data")
    digest = data.get("digest") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


def _challenger(episode: CtEpisode) -> int:
    if episode.challenger_version is None:
        raise DriftloopError(f"episode {episode.episode_id} is gating without a challenger")
    return episode.challenger_version
