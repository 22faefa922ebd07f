"""Rollout decisions: when a challenger moves from shadow to canary steps to promotion, or back.

Pure functions of the policy's ``rollout`` section, the episode's position (phase, canary step,
when the phase or step began) and the live numbers of both models
(:class:`~driftloop.ct.live.LiveComparison`). No I/O: the controller reads the live numbers,
calls :func:`decide_rollout` every tick and applies the decision to the deployment.

Order of the checks in :func:`decide_rollout`:

1. **Rollback** when the challenger's error rate is over ``max_error_rate`` (below
   ``min_samples`` requests, the missing ones count as answered), or its p99
   latency is over ``max_p99_ms`` (once it has answered ``min_samples`` requests), or its
   live metric is worse than the champion's by more than ``margin`` with at least
   ``min_samples`` labelled rows on *both* sides.
2. **Hold** until the phase has lasted long enough: in shadow, ``shadow.requests`` requests
   scored by the challenger or ``shadow.duration`` of wall time; in a canary step,
   ``hold.requests`` requests answered by the challenger or ``hold.duration`` of wall time
   (whichever comes first when both are set).
3. **Next** (shadow -> canary step 0, step i -> step i + 1), or **promote** after the last
   step (or after shadow when there are no canary steps).

The canary step never decreases and never goes past the last step.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftloop.entities.ct import CtPhase
from driftloop.errors import InvalidParameterError

if TYPE_CHECKING:
    from driftloop.ct._policy_rollout import RolloutSpec
    from driftloop.ct.live import LiveComparison, LiveStats

__all__ = ["RolloutAction", "RolloutDecision", "decide_rollout", "start_rollout"]

_NO_STEP = -1


class RolloutAction(enum.StrEnum):
    """What the controller does with the deployment after a decision."""

    HOLD = "hold"
    NEXT = "next"
    PROMOTE = "promote"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class RolloutDecision:
    """A rollout decision and where it leaves the episode.

    Attributes:
        action: Hold, move to the next phase or step, promote, or roll back.
        phase: The episode's phase after the decision (``shadow``, ``canary``, ``promoted``
            or ``rolled_back``).
        canary_step: Index into the policy's canary steps after the decision; -1 while no
            canary step has started.
        fraction: The share of requests the challenger answers after the decision (the
            deployment's ``canary_fraction``) in ``canary``; None otherwise.
        reason: The decision in words, with its numbers.
        evidence: The numbers behind it (JSON-ready).
    """

    action: RolloutAction
    phase: CtPhase
    canary_step: int
    fraction: float | None
    reason: str
    evidence: dict[str, Any]


def start_rollout(spec: RolloutSpec, *, failing_gain: float | None = None) -> RolloutDecision:
    """The first rollout phase once the gates passed.

    Shadow when ``shadow.requests`` > 0; else canary step 0 when there are canary steps;
    else promote at once. With ``failing_gain`` (the challenger's relative gain over a
    champion the performance trigger found failing) at or above the policy's
    ``fast_track.min_relative_gain``: the last canary step at once, or promote when there are
    no canary steps.

    >>> from driftloop.ct._policy_rollout import RolloutSpec
    >>> start_rollout(RolloutSpec()).phase.value
    'shadow'
    >>> fast = start_rollout(RolloutSpec(), failing_gain=0.5)
    >>> fast.phase.value, fast.canary_step, fast.fraction
    ('canary', 2, 1.0)
    """
    evidence: dict[str, Any] = {
        "shadow_requests": spec.shadow.requests,
        "canary_steps": None if spec.canary is None else list(spec.canary.steps),
    }
    track = spec.fast_track
    if track is not None and failing_gain is not None:
        evidence["fast_track"] = {
            "relative_gain": failing_gain,
            "min_relative_gain": track.min_relative_gain,
        }
        if failing_gain >= track.min_relative_gain:
            why = (
                f"fast track: the champion is failing and the challenger is "
                f"{failing_gain:.0%} better (>= {track.min_relative_gain:.0%})"
            )
            if spec.canary is not None:
                return _canary_step(spec, _last(spec), why, evidence)
            return RolloutDecision(
                RolloutAction.PROMOTE, CtPhase.PROMOTED, _NO_STEP, None, f"{why}: promote", evidence
            )
    if spec.shadow.requests > 0:
        return RolloutDecision(
            RolloutAction.NEXT,
            CtPhase.SHADOW,
            _NO_STEP,
            None,
            f"shadow until the challenger has scored {spec.shadow.requests} requests",
            evidence,
        )
    if spec.canary is not None:
        return _canary_step(spec, 0, "no shadow phase", evidence)
    return RolloutDecision(
        RolloutAction.PROMOTE,
        CtPhase.PROMOTED,
        _NO_STEP,
        None,
        "no shadow phase and no canary steps: promote once the gates pass",
        evidence,
    )


def decide_rollout(
    spec: RolloutSpec,
    *,
    phase: CtPhase,
    canary_step: int,
    phase_started_ms: int,
    now_ms: int,
    live: LiveComparison,
    rollback_higher_is_better: bool,
) -> RolloutDecision:
    """Roll back, hold, move on or promote, from the live numbers of the current phase.

    Args:
        spec: The policy's rollout section.
        phase: ``shadow`` or ``canary``.
        canary_step: The current step in ``canary`` (0 .. last); -1 in shadow.
        phase_started_ms: When the shadow phase or the current canary step began.
        now_ms: The time now.
        live: Both models' live numbers since ``phase_started_ms``.
        rollback_higher_is_better: The direction of ``live.metric``.

    Raises:
        InvalidParameterError: ``phase`` is not shadow or canary, or ``canary_step`` is not
            -1 in shadow or not a step of the policy's canary steps in canary.
    """
    _check_position(spec, phase, canary_step)
    evidence = _evidence(spec, phase, canary_step, phase_started_ms, now_ms, live)
    reason = _rollback_reason(spec, live, rollback_higher_is_better)
    if reason is not None:
        return RolloutDecision(
            RolloutAction.ROLLBACK, CtPhase.ROLLED_BACK, canary_step, None, reason, evidence
        )
    waiting = _hold_reason(spec, phase, phase_started_ms, now_ms, live.challenger)
    if waiting is not None:
        fraction = _fraction(spec, canary_step) if phase is CtPhase.CANARY else None
        return RolloutDecision(RolloutAction.HOLD, phase, canary_step, fraction, waiting, evidence)
    if spec.canary is not None and (phase is CtPhase.SHADOW or canary_step < _last(spec)):
        step = 0 if phase is CtPhase.SHADOW else canary_step + 1
        done = "shadow done" if phase is CtPhase.SHADOW else f"canary step {canary_step} held"
        return _canary_step(spec, step, done, evidence)
    done = "shadow done, no canary steps" if spec.canary is None else "last canary step held"
    return RolloutDecision(
        RolloutAction.PROMOTE,
        CtPhase.PROMOTED,
        canary_step,
        None,
        f"{done}: promote the challenger",
        evidence,
    )


def _check_position(spec: RolloutSpec, phase: CtPhase, canary_step: int) -> None:
    if phase not in (CtPhase.SHADOW, CtPhase.CANARY):
        raise InvalidParameterError(
            f"a rollout decision needs phase shadow or canary, not {phase.value!r}", field="phase"
        )
    if phase is CtPhase.SHADOW and canary_step != _NO_STEP:
        raise InvalidParameterError(
            f"canary_step is -1 during shadow, got {canary_step}", field="canary_step"
        )
    if phase is CtPhase.CANARY:
        if spec.canary is None:
            raise InvalidParameterError(
                "the episode is in canary but the policy has no canary steps",
                field="canary_step",
            )
        if not 0 <= canary_step <= _last(spec):
            raise InvalidParameterError(
                f"canary_step must be in 0..{_last(spec)}, got {canary_step}",
                field="canary_step",
            )


def _rollback_reason(spec: RolloutSpec, live: LiveComparison, higher_is_better: bool) -> str | None:
    rules = spec.rollback
    challenger, champion = live.challenger, live.champion
    if (
        rules.max_error_rate is not None
        and challenger.error_rate is not None
        and challenger.error_rate > rules.max_error_rate
    ):
        errors = challenger.failed + challenger.rejected
        asked = challenger.requests + errors
        # Fewer than min_samples requests: the unseen ones count as answered, so one early
        # failure is not a 100% rate, while a challenger failing everything is caught after
        # max_error_rate * min_samples failures.
        if errors > rules.max_error_rate * max(asked, rules.min_samples):
            return (
                f"challenger error rate {challenger.error_rate:.4g} ({errors} of {asked} "
                f"requests failed or refused) is over max_error_rate {rules.max_error_rate:.4g}"
            )
    if (
        rules.max_p99_ms is not None
        and challenger.p99_ms is not None
        and challenger.requests >= rules.min_samples
        and challenger.p99_ms > rules.max_p99_ms
    ):
        return (
            f"challenger p99 latency {challenger.p99_ms:.4g} ms is over max_p99_ms "
            f"{rules.max_p99_ms:.4g} ({challenger.requests} requests)"
        )
    worse = _metric_shortfall(live, higher_is_better)
    if (
        worse is not None
        and min(champion.labelled, challenger.labelled) >= rules.min_samples
        and worse > rules.margin
    ):
        return (
            f"challenger {live.metric} {challenger.metric:.4g} is worse than the champion's "
            f"{champion.metric:.4g} by {worse:.4g} (> margin {rules.margin:.4g}; "
            f"{challenger.labelled} and {champion.labelled} labelled rows)"
        )
    return None


def _metric_shortfall(live: LiveComparison, higher_is_better: bool) -> float | None:
    """How much worse the challenger's metric is (negative: better); None if not comparable."""
    ours, theirs = live.challenger.metric, live.champion.metric
    if ours is None or theirs is None or not (math.isfinite(ours) and math.isfinite(theirs)):
        return None
    return theirs - ours if higher_is_better else ours - theirs


def _hold_reason(
    spec: RolloutSpec, phase: CtPhase, started_ms: int, now_ms: int, challenger: LiveStats
) -> str | None:
    """Why the phase goes on, or None once one of its limits (requests, duration) is reached."""
    requests: int | None
    if phase is CtPhase.SHADOW:
        requests, duration, what = spec.shadow.requests, spec.shadow.duration, "scored"
        label = "shadow"
    else:
        assert spec.canary is not None  # noqa: S101 - checked by _check_position
        hold = spec.canary.hold
        requests, duration, what = hold.requests, hold.duration, "answered"
        label = "canary"
    waiting: list[str] = []
    if requests is not None:
        if challenger.requests >= requests:
            return None
        waiting.append(f"{challenger.requests} of {requests} requests {what} by the challenger")
    if duration is not None:
        needed_ms = int(duration.total_seconds() * 1000)
        elapsed_ms = max(now_ms - started_ms, 0)
        if elapsed_ms >= needed_ms:
            return None
        waiting.append(f"{elapsed_ms / 1000:.0f} s of {needed_ms / 1000:.0f} s")
    return f"{label}: " + " or ".join(waiting)


def _canary_step(
    spec: RolloutSpec, step: int, why: str, evidence: dict[str, Any]
) -> RolloutDecision:
    fraction = _fraction(spec, step)
    return RolloutDecision(
        RolloutAction.NEXT,
        CtPhase.CANARY,
        step,
        fraction,
        f"{why}: canary step {step}, the challenger answers {fraction:.0%} of requests",
        evidence,
    )


def _fraction(spec: RolloutSpec, step: int) -> float:
    assert spec.canary is not None  # noqa: S101 - callers check
    return spec.canary.steps[step]


def _last(spec: RolloutSpec) -> int:
    assert spec.canary is not None  # noqa: S101 - callers check
    return len(spec.canary.steps) - 1


def _evidence(
    spec: RolloutSpec,
    phase: CtPhase,
    canary_step: int,
    started_ms: int,
    now_ms: int,
    live: LiveComparison,
) -> dict[str, Any]:
    rules = spec.rollback
    return {
        "phase": phase.value,
        "canary_step": canary_step,
        "elapsed_ms": now_ms - started_ms,
        "metric": live.metric,
        "champion": _stats(live.champion),
        "challenger": _stats(live.challenger),
        "rollback": {
            "margin": rules.margin,
            "min_samples": rules.min_samples,
            "max_error_rate": rules.max_error_rate,
            "max_p99_ms": rules.max_p99_ms,
        },
    }


def _stats(stats: LiveStats) -> dict[str, Any]:
    return {
        "version": stats.version,
        "requests": stats.requests,
        "labelled": stats.labelled,
        "metric": _finite(stats.metric),
        "p99_ms": _finite(stats.p99_ms),
        "error_rate": _finite(stats.error_rate),
    }


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a non-finite number becomes None."""
    return value if value is not None and math.isfinite(value) else None
