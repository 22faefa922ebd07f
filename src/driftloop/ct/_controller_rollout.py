"""Phases ``shadow`` and ``canary``: watch the challenger live, move on, promote or roll back.

Every tick compares both models on the rows logged since the phase (or canary step) began
(:func:`~driftloop.ct.live.live_comparison`) and lets
:func:`~driftloop.ct.rollout.decide_rollout` decide. The deployment is changed first, then
the decision is recorded with its event, so a restart in between finds the change:

- the champion alias already points at the challenger: it was promoted -> ``promoted``;
- the challenger is no longer on the deployment: it was rolled back (by this controller
  before a restart, or by hand) -> ``rolled_back``;
- the next canary fraction is already set: the decision is taken again and recorded.

While holding, the deployment is kept as the phase wants it (challenger, mode, fraction).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from driftloop.ct._controller_context import EPISODE_FAILED_KIND, ControllerContext
from driftloop.ct._controller_outcome import TickAction, TickOutcome
from driftloop.ct.live import live_comparison
from driftloop.ct.rollout import RolloutAction, decide_rollout
from driftloop.entities import CtEpisode, CtEventKind, CtPhase, Deployment, DeploymentMode
from driftloop.errors import DriftloopError, InvalidParameterError

__all__ = ["ensure_challenger", "promote", "record_promotion", "step_live"]


def step_live(ctx: ControllerContext, episode: CtEpisode, now: int) -> TickOutcome:
    """One rollout decision for an episode in ``shadow`` or ``canary``."""
    deployment = ctx.get_deployment()
    champion = ctx.champion(deployment)
    version = episode.challenger_version
    if version is None:
        raise DriftloopError(
            f"episode {episode.episode_id} is in {episode.phase} without a challenger"
        )
    if champion.version == version:
        return record_promotion(ctx, episode, recovered=True)
    if deployment.challenger_version != version:
        return ctx.advance(
            episode,
            kind=CtEventKind.ROLLED_BACK,
            message=f"v{version} is no longer the deployment's challenger (rolled back before "
            "a restart, or changed by hand): the episode ends rolled back",
            evidence={"challenger_version": deployment.challenger_version},
            phase=CtPhase.ROLLED_BACK,
        )
    try:
        live = live_comparison(
            ctx.inference_log_uri,
            ctx.deployment,
            since_ms=episode.phase_started,
            metric=ctx.policy.rollback_metric,
            champion_version=champion.version,
            challenger_version=version,
        )
    except InvalidParameterError as error:  # e.g. a rollback metric with no live value
        return ctx.fail(
            episode,
            kind=EPISODE_FAILED_KIND,
            message=f"cannot compare the models live: {error.message}",
            evidence={"error": type(error).__name__, "field": error.field},
        )
    decision = decide_rollout(
        ctx.policy.rollout,
        phase=episode.phase,
        canary_step=episode.canary_step,
        phase_started_ms=episode.phase_started,
        now_ms=now,
        live=live,
        rollback_higher_is_better=ctx.policy.rollback_higher_is_better,
    )
    if decision.action is RolloutAction.HOLD:
        mode = DeploymentMode.SHADOW if episode.phase is CtPhase.SHADOW else DeploymentMode.CANARY
        ensure_challenger(ctx, deployment, version, mode, decision.fraction)
        return ctx.outcome(episode, TickAction.HOLD, decision.reason, decision.evidence)
    if decision.action is RolloutAction.PROMOTE:
        return promote(ctx, episode, deployment, decision.reason, decision.evidence)
    if decision.action is RolloutAction.ROLLBACK:
        ctx.client.rollback_deployment(ctx.deployment)
        return ctx.advance(
            episode,
            kind=CtEventKind.ROLLED_BACK,
            message=f"rolled back v{version}: {decision.reason}",
            evidence=decision.evidence,
            phase=CtPhase.ROLLED_BACK,
        )
    ensure_challenger(ctx, deployment, version, DeploymentMode.CANARY, decision.fraction)
    return ctx.advance(
        episode,
        kind=CtEventKind.CANARY_STEP,
        message=decision.reason,
        evidence={**decision.evidence, "fraction": decision.fraction},
        phase=CtPhase.CANARY,
        canary_step=decision.canary_step,
    )


def ensure_challenger(
    ctx: ControllerContext,
    deployment: Deployment,
    version: int,
    mode: DeploymentMode,
    fraction: float | None,
) -> Deployment:
    """Put ``version`` on the deployment in ``mode`` (and ``fraction``); a no-op if it is so."""
    same_fraction = fraction is None or math.isclose(deployment.canary_fraction, fraction)
    if deployment.challenger_version == version and deployment.mode is mode and same_fraction:
        return deployment
    return ctx.client.update_deployment(
        ctx.deployment, challenger_version=version, mode=mode, canary_fraction=fraction
    )


def promote(
    ctx: ControllerContext,
    episode: CtEpisode,
    deployment: Deployment,
    reason: str,
    evidence: Mapping[str, Any],
) -> TickOutcome:
    """Make the challenger the champion (the alias moves, the previous is kept); record it."""
    version = episode.challenger_version
    if version is not None and deployment.challenger_version != version:
        deployment = ctx.client.update_deployment(ctx.deployment, challenger_version=version)
    ctx.client.promote_deployment(ctx.deployment)
    return record_promotion(ctx, episode, recovered=False, reason=reason, evidence=evidence)


def record_promotion(
    ctx: ControllerContext,
    episode: CtEpisode,
    *,
    recovered: bool,
    reason: str = "",
    evidence: Mapping[str, Any] | None = None,
) -> TickOutcome:
    """Record that the champion alias now points at the challenger."""
    deployment = ctx.get_deployment()
    champion = ctx.champion(deployment)
    facts = {
        **(evidence or {}),
        "champion_version": champion.version,
        "previous_champion_version": deployment.previous_champion_version,
        "recovered": recovered,
    }
    what = f"promoted v{champion.version} ({deployment.model_name}@{deployment.champion_alias})"
    if recovered:
        message = f"{what}: the alias had moved before a restart"
    else:
        message = f"{what}: {reason}" if reason else what
    return ctx.advance(
        episode, kind=CtEventKind.PROMOTED, message=message, evidence=facts, phase=CtPhase.PROMOTED
    )
