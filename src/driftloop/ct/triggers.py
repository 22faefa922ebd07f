"""Trigger evaluation: should a retraining episode start now, and why (or why not)?

A pure function of the policy's ``triggers`` section and a snapshot of observations
(:class:`TriggerInputs`); no I/O, no clock. The controller gathers the snapshot from the
monitor runs, the feedback and its own episode records, and records the decision's evidence.

Rules (docs/ct-policy.md has the full text):

- Nothing fires while an episode is active (one drift episode starts one retraining).
- Automatic triggers wait for the cooldown after the last episode start; a manual request
  does not, but never starts a second episode beside an active one. The cooldown doubles
  for each consecutive rejected or failed episode (capped at :data:`MAX_BACKOFF` times): a
  rejection leaves the reference as it was, so the same drift would fire again at once.
- Drift and performance only count evidence newer than the last training and the end of the
  last episode (windows it already answered are not evidence again).
- Refill: a champion trained on a window cut at a change point (``data.window.since_change``
  with few rows after the change) is retrained once more when the window has filled with
  rows after that change (``data.window.refill``); at most one refill per champion.
- When several fire at once, one wins: manual > performance > drift > refill > new_labels >
  schedule; the others are listed in the evidence as ``also_fired``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from driftloop.ct._policy_triggers import (
    DriftTrigger,
    NewLabelsTrigger,
    PerformanceTrigger,
    ScheduleTrigger,
    TriggersSpec,
)
from driftloop.entities.ct import CtPhase, TriggerKind
from driftloop.entities.monitoring import MonitorVerdict
from driftloop.errors import InvalidParameterError

__all__ = [
    "MAX_BACKOFF",
    "TRIGGER_PRIORITY",
    "RefillState",
    "TriggerDecision",
    "TriggerInputs",
    "WindowVerdict",
    "consecutive_rejections",
    "cooldown_factor",
    "evaluate_triggers",
    "newest_change_ms",
]

TRIGGER_PRIORITY: tuple[TriggerKind, ...] = (
    TriggerKind.MANUAL,
    TriggerKind.PERFORMANCE,
    TriggerKind.DRIFT,
    TriggerKind.REFILL,
    TriggerKind.NEW_LABELS,
    TriggerKind.SCHEDULE,
)
"""Which trigger wins when several fire at once, first first."""

MAX_BACKOFF = 8
"""The cooldown grows at most to this many times the policy's after repeated rejections."""


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    """A monitor run's dataset verdict and the end of the window it judged (ms since epoch)."""

    window_end_ms: int
    verdict: MonitorVerdict


@dataclass(frozen=True, slots=True)
class RefillState:
    """The champion's training window was cut at a change point: when has it filled?

    Attributes:
        change_ms: The change point the champion's window started at.
        labels_since_change: Labelled rows scored since the change.
        rows_needed: The policy's window in rows (a ``rows`` window), else None.
        full_at_ms: When a ``duration`` window holds only rows after the change, else None.
        refilled: A refill episode already started for this champion.
    """

    change_ms: int
    labels_since_change: int
    rows_needed: int | None = None
    full_at_ms: int | None = None
    refilled: bool = False


@dataclass(frozen=True, slots=True)
class TriggerInputs:
    """What the controller observed, at ``now_ms`` (all times are ms since the epoch).

    Attributes:
        now_ms: The evaluation time.
        verdicts: Recent monitor verdicts of the deployment, oldest first, newest last.
        live_metrics: The latest live performance values (e.g. ``{"accuracy": 0.81}``).
        live_metrics_window_end_ms: End of the window those values were measured on, or
            None if unknown (then they count as fresh).
        live_label_count: Labelled predictions behind ``live_metrics``.
        champion_metrics: The champion's validation metrics (for ``max_drop``).
        labels_since_training: Feedback labels received since the last training.
        last_training_ms: When the last training ran; the controller passes the champion
            version's creation time when CT never trained. None if unknown.
        last_episode_start_ms: When the last episode started (for the cooldown), or None.
        last_episode_end_ms: When the last finished episode ended, or None.
        active_episode_id: The episode in progress, or None.
        manual_requested: A manual trigger (``driftloop ct trigger``) is pending.
        last_schedule_fire_ms: When the schedule trigger last fired, or None.
        consecutive_rejections: Rejected or failed episodes in a row, newest back to the
            last promoted or rolled-back one (the cooldown doubles for each).
        refill: The champion's cut training window, or None (not cut, or refill is off).
    """

    now_ms: int
    verdicts: tuple[WindowVerdict, ...] = ()
    live_metrics: Mapping[str, float] = field(default_factory=dict)
    live_metrics_window_end_ms: int | None = None
    live_label_count: int = 0
    champion_metrics: Mapping[str, float] = field(default_factory=dict)
    labels_since_training: int = 0
    last_training_ms: int | None = None
    last_episode_start_ms: int | None = None
    last_episode_end_ms: int | None = None
    active_episode_id: str | None = None
    manual_requested: bool = False
    last_schedule_fire_ms: int | None = None
    consecutive_rejections: int = 0
    refill: RefillState | None = None

    def __post_init__(self) -> None:
        ends = [item.window_end_ms for item in self.verdicts]
        if any(later < earlier for earlier, later in itertools.pairwise(ends)):
            raise InvalidParameterError(
                "verdicts must be ordered oldest first (window ends non-decreasing)",
                field="verdicts",
            )
        for name in ("live_label_count", "labels_since_training", "consecutive_rejections"):
            if getattr(self, name) < 0:
                raise InvalidParameterError(f"{name} must be >= 0", field=name)

    @property
    def evidence_since_ms(self) -> int | None:
        """Drift windows and live metrics must end after this to count (None: all count)."""
        marks = [t for t in (self.last_training_ms, self.last_episode_end_ms) if t is not None]
        return max(marks) if marks else None


@dataclass(frozen=True, slots=True)
class TriggerDecision:
    """The outcome of one evaluation.

    Attributes:
        kind: The trigger that fired, or None.
        evidence: JSON-ready numbers that decided: for a firing, ``kind``, ``now_ms``, the
            winner's figures and ``also_fired``; when triggers would fire but are held back,
            ``blocked_by`` (``active_episode`` or ``cooldown``) and ``would_fire``.
        not_fired: For every trigger that did not fire (each configured one, and manual), why.
    """

    kind: TriggerKind | None
    evidence: Mapping[str, Any]
    not_fired: Mapping[TriggerKind, str]

    @property
    def fired(self) -> bool:
        """True when a trigger fired."""
        return self.kind is not None


@dataclass(frozen=True, slots=True)
class _Check:
    fired: bool
    evidence: dict[str, Any]
    reason: str = ""


def evaluate_triggers(triggers: TriggersSpec, inputs: TriggerInputs) -> TriggerDecision:
    """Decide whether an episode starts now; see the module docstring for the rules."""
    checks = _run_checks(triggers, inputs)
    not_fired = {kind: check.reason for kind, check in checks.items() if not check.fired}
    candidates = [kind for kind in TRIGGER_PRIORITY if kind in checks and checks[kind].fired]
    if not candidates:
        return TriggerDecision(None, {}, not_fired)
    if inputs.active_episode_id is not None:
        reason = f"episode {inputs.active_episode_id} is active"
        blocked = {"blocked_by": "active_episode", "episode_id": inputs.active_episode_id}
        return _blocked(candidates, checks, not_fired, reason, blocked)
    cooldown_until = _cooldown_until(triggers, inputs)
    if cooldown_until is not None:
        automatic = [kind for kind in candidates if kind is not TriggerKind.MANUAL]
        reason = f"cooldown until {_iso(cooldown_until)}"
        held = {
            "blocked_by": "cooldown",
            "cooldown_until_ms": cooldown_until,
            "backoff": cooldown_factor(inputs.consecutive_rejections),
        }
        if TriggerKind.MANUAL not in candidates:
            return _blocked(automatic, checks, not_fired, reason, held)
        not_fired.update(dict.fromkeys(automatic, f"{reason} (fired: manual)"))
        candidates = [TriggerKind.MANUAL]
    winner, *others = candidates
    evidence = {
        "kind": str(winner),
        "now_ms": inputs.now_ms,
        **checks[winner].evidence,
        "also_fired": [str(kind) for kind in others],
    }
    not_fired.update(dict.fromkeys(others, f"also fired; {winner} has priority"))
    return TriggerDecision(winner, evidence, not_fired)


def _run_checks(triggers: TriggersSpec, inputs: TriggerInputs) -> dict[TriggerKind, _Check]:
    checks = {TriggerKind.MANUAL: _manual(inputs)}
    if triggers.performance is not None:
        checks[TriggerKind.PERFORMANCE] = _performance(triggers.performance, inputs)
    if triggers.drift is not None:
        checks[TriggerKind.DRIFT] = _drift(triggers.drift, inputs)
    if inputs.refill is not None:
        checks[TriggerKind.REFILL] = _refill(inputs.refill, inputs.now_ms)
    if triggers.new_labels is not None:
        checks[TriggerKind.NEW_LABELS] = _new_labels(triggers.new_labels, inputs)
    if triggers.schedule is not None:
        checks[TriggerKind.SCHEDULE] = _schedule(triggers.schedule, inputs)
    return checks


def _blocked(
    candidates: Sequence[TriggerKind],
    checks: Mapping[TriggerKind, _Check],
    not_fired: dict[TriggerKind, str],
    reason: str,
    evidence: dict[str, Any],
) -> TriggerDecision:
    for kind in candidates:
        not_fired[kind] = f"would fire, but {reason}"
    would_fire = {str(kind): checks[kind].evidence for kind in candidates}
    return TriggerDecision(None, {**evidence, "would_fire": would_fire}, not_fired)


def consecutive_rejections(phases_newest_first: Iterable[CtPhase]) -> int:
    """Rejected or failed episodes in a row, newest first, back to a promotion or rollback.

    >>> phases = [CtPhase.REJECTED, CtPhase.FAILED, CtPhase.PROMOTED, CtPhase.REJECTED]
    >>> consecutive_rejections(phases)
    2
    """
    count = 0
    for phase in phases_newest_first:
        if phase not in (CtPhase.REJECTED, CtPhase.FAILED):
            break
        count += 1
    return count


def newest_change_ms(details: Iterable[Mapping[str, str]], since: int) -> int | None:
    """The latest ``last_change_ms`` of monitor runs' details after ``since`` (ms), or None."""
    found = []
    for each in details:
        text = each.get("last_change_ms")
        if text is not None and text.lstrip("-").isdigit() and int(text) > since:
            found.append(int(text))
    return max(found) if found else None


def cooldown_factor(consecutive_rejections: int) -> int:
    """How many times the policy's cooldown applies: doubled per rejection, capped.

    >>> [cooldown_factor(n) for n in range(6)]
    [1, 2, 4, 8, 8, 8]
    """
    return int(min(2 ** min(consecutive_rejections, 30), MAX_BACKOFF))


def _cooldown_until(triggers: TriggersSpec, inputs: TriggerInputs) -> int | None:
    if inputs.last_episode_start_ms is None:
        return None
    span = int(triggers.cooldown.total_seconds() * 1000)
    until = inputs.last_episode_start_ms + span * cooldown_factor(inputs.consecutive_rejections)
    return until if inputs.now_ms < until else None


def _refill(state: RefillState, now_ms: int) -> _Check:
    evidence: dict[str, Any] = {
        "change_ms": state.change_ms,
        "labels_since_change": state.labels_since_change,
        "rows_needed": state.rows_needed,
        "full_at_ms": state.full_at_ms,
    }
    if state.refilled:
        return _Check(False, evidence, "the champion was refilled once already")
    if state.rows_needed is not None and state.labels_since_change >= state.rows_needed:
        return _Check(True, evidence)
    if state.full_at_ms is not None and now_ms >= state.full_at_ms:
        return _Check(True, evidence)
    if state.rows_needed is not None:
        reason = f"{state.labels_since_change} of {state.rows_needed} rows since the change"
    else:
        reason = f"the window fills at {_iso(state.full_at_ms or 0)}"
    return _Check(False, evidence, reason)


def _manual(inputs: TriggerInputs) -> _Check:
    if inputs.manual_requested:
        return _Check(fired=True, evidence={"requested": True})
    return _Check(fired=False, evidence={}, reason="not requested")


def _drift(spec: DriftTrigger, inputs: TriggerInputs) -> _Check:
    since = inputs.evidence_since_ms
    streak: list[int] = []
    for item in reversed(inputs.verdicts):
        if since is not None and item.window_end_ms <= since:
            break
        if item.verdict is MonitorVerdict.NO_DRIFT:
            break
        if item.verdict is MonitorVerdict.DRIFT:
            streak.append(item.window_end_ms)
            if len(streak) == spec.consecutive:
                break
    evidence = {
        "consecutive": len(streak),
        "required": spec.consecutive,
        "window_ends_ms": streak[::-1],
        "since_ms": since,
    }
    if len(streak) >= spec.consecutive:
        return _Check(fired=True, evidence=evidence)
    return _Check(
        fired=False,
        evidence=evidence,
        reason=f"{len(streak)} consecutive drift window(s), {spec.consecutive} needed",
    )


def _performance(spec: PerformanceTrigger, inputs: TriggerInputs) -> _Check:
    value = inputs.live_metrics.get(spec.metric)
    since = inputs.evidence_since_ms
    measured = inputs.live_metrics_window_end_ms
    if value is None or not math.isfinite(value):
        return _Check(fired=False, evidence={}, reason=f"no live value of {spec.metric!r}")
    if since is not None and measured is not None and measured <= since:
        return _Check(
            fired=False,
            evidence={},
            reason=f"the live {spec.metric} predates the last training or episode",
        )
    evidence: dict[str, Any] = {
        "metric": spec.metric,
        "value": value,
        "labels": inputs.live_label_count,
        "min_labels": spec.min_labels,
    }
    if inputs.live_label_count < spec.min_labels:
        reason = f"{inputs.live_label_count} labels, {spec.min_labels} needed"
        return _Check(fired=False, evidence=evidence, reason=reason)
    breaches = _bound_breaches(spec, value, evidence)
    breaches += _drop_breaches(spec, value, inputs.champion_metrics.get(spec.metric), evidence)
    evidence["breaches"] = breaches
    if breaches:
        return _Check(fired=True, evidence=evidence)
    return _Check(fired=False, evidence=evidence, reason=f"{spec.metric}={value:g} within bounds")


def _bound_breaches(spec: PerformanceTrigger, value: float, evidence: dict[str, Any]) -> list[str]:
    breaches = []
    if spec.min is not None:
        evidence["min"] = spec.min
        if value < spec.min:
            breaches.append(f"{spec.metric}={value:g} below min {spec.min:g}")
    if spec.max is not None:
        evidence["max"] = spec.max
        if value > spec.max:
            breaches.append(f"{spec.metric}={value:g} above max {spec.max:g}")
    return breaches


def _drop_breaches(
    spec: PerformanceTrigger, value: float, champion: float | None, evidence: dict[str, Any]
) -> list[str]:
    if spec.max_drop is None:
        return []
    evidence["max_drop"] = spec.max_drop
    if champion is None or not math.isfinite(champion):
        evidence["champion_value"] = None
        return []
    drop = champion - value if spec.higher_is_better else value - champion
    evidence["champion_value"] = champion
    evidence["drop"] = drop
    if drop > spec.max_drop:
        return [f"{spec.metric} worse than the champion's {champion:g} by {drop:g}"]
    return []


def _new_labels(spec: NewLabelsTrigger, inputs: TriggerInputs) -> _Check:
    evidence = {"labels": inputs.labels_since_training, "required": spec.count}
    if inputs.labels_since_training >= spec.count:
        return _Check(fired=True, evidence=evidence)
    reason = f"{inputs.labels_since_training} new labels, {spec.count} needed"
    return _Check(fired=False, evidence=evidence, reason=reason)


def _schedule(spec: ScheduleTrigger, inputs: TriggerInputs) -> _Check:
    marks = [t for t in (inputs.last_schedule_fire_ms, inputs.last_training_ms) if t is not None]
    reference = max(marks) if marks else None
    evidence: dict[str, Any] = {"cron": spec.cron, "timezone": spec.timezone}
    evidence["reference_ms"] = reference
    if reference is None:
        evidence["tick_ms"] = None
        return _Check(fired=True, evidence=evidence)
    tick = spec.next_tick_ms(reference)
    evidence["tick_ms"] = tick
    if tick is not None and tick <= inputs.now_ms:
        return _Check(fired=True, evidence=evidence)
    reason = "no tick ahead" if tick is None else f"next tick at {_iso(tick)}"
    return _Check(fired=False, evidence=evidence, reason=reason)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")
