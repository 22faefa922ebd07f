"""Rollout decisions: every transition, the rollback rules and their sample minimums."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.ct.live import LiveComparison, LiveStats
from driftloop.ct.policy import RolloutSpec
from driftloop.ct.rollout import RolloutAction, RolloutDecision, decide_rollout, start_rollout
from driftloop.entities.ct import CT_TRANSITIONS, CtPhase
from driftloop.errors import InvalidParameterError

MINUTE = 60_000
T0 = 1_750_000_000_000


def spec(**sections: Any) -> RolloutSpec:
    return RolloutSpec.model_validate(sections)


def stats(
    version: int,
    *,
    requests: int = 0,
    labelled: int = 0,
    metric: float | None = None,
    p99_ms: float | None = None,
    error_rate: float | None = None,
    failed: int = 0,
) -> LiveStats:
    if failed and error_rate is None:
        error_rate = failed / (requests + failed)
    return LiveStats(version, requests, labelled, metric, p99_ms, error_rate, failed)


def live(
    champion: LiveStats | None = None,
    challenger: LiveStats | None = None,
    metric: str = "accuracy",
) -> LiveComparison:
    return LiveComparison(champion or stats(1), challenger or stats(2), metric)


def decide(
    rollout: RolloutSpec,
    comparison: LiveComparison,
    *,
    phase: CtPhase = CtPhase.CANARY,
    step: int = 0,
    elapsed_ms: int = 0,
    higher_is_better: bool = True,
) -> RolloutDecision:
    return decide_rollout(
        rollout,
        phase=phase,
        canary_step=step,
        phase_started_ms=T0,
        now_ms=T0 + elapsed_ms,
        live=comparison,
        rollback_higher_is_better=higher_is_better,
    )


THREE_STEPS = spec(
    shadow={"requests": 100},
    canary={"steps": [0.1, 0.5, 1.0], "hold": {"requests": 50}},
    rollback={"min_samples": 20, "margin": 0.02},
)


# --- start -------------------------------------------------------------------------------------


def test_start_goes_to_shadow_when_shadow_requests_are_set() -> None:
    decision = start_rollout(THREE_STEPS)
    assert (decision.action, decision.phase) == (RolloutAction.NEXT, CtPhase.SHADOW)
    assert decision.canary_step == -1
    assert decision.fraction is None
    assert "100 requests" in decision.reason


def test_start_goes_to_canary_step_zero_without_shadow() -> None:
    decision = start_rollout(spec(shadow={"requests": 0}, canary={"steps": [0.2, 0.6]}))
    assert (decision.action, decision.phase) == (RolloutAction.NEXT, CtPhase.CANARY)
    assert (decision.canary_step, decision.fraction) == (0, 0.2)


def test_start_promotes_at_once_without_shadow_and_canary() -> None:
    decision = start_rollout(spec(shadow={"requests": 0}, canary=None))
    assert (decision.action, decision.phase) == (RolloutAction.PROMOTE, CtPhase.PROMOTED)
    assert decision.fraction is None
    assert CtPhase.PROMOTED in CT_TRANSITIONS[CtPhase.GATING]


# --- shadow ------------------------------------------------------------------------------------


def test_shadow_holds_until_the_challenger_scored_enough_requests() -> None:
    decision = decide(
        THREE_STEPS,
        live(stats(1, requests=500), stats(2, requests=99)),
        phase=CtPhase.SHADOW,
        step=-1,
    )
    assert (decision.action, decision.phase, decision.canary_step) == (
        RolloutAction.HOLD,
        CtPhase.SHADOW,
        -1,
    )
    assert decision.fraction is None
    assert "99 of 100" in decision.reason


def test_shadow_moves_to_canary_step_zero_once_enough_requests() -> None:
    decision = decide(
        THREE_STEPS, live(challenger=stats(2, requests=100)), phase=CtPhase.SHADOW, step=-1
    )
    assert (decision.action, decision.phase) == (RolloutAction.NEXT, CtPhase.CANARY)
    assert (decision.canary_step, decision.fraction) == (0, 0.1)


def test_shadow_ends_at_its_duration_when_traffic_is_low() -> None:
    rollout = spec(shadow={"requests": 100, "duration": "10m"}, canary=None)
    held = decide(
        rollout,
        live(challenger=stats(2, requests=3)),
        phase=CtPhase.SHADOW,
        step=-1,
        elapsed_ms=9 * MINUTE,
    )
    assert held.action is RolloutAction.HOLD
    assert "3 of 100 requests" in held.reason
    assert "540 s of 600 s" in held.reason
    done = decide(
        rollout,
        live(challenger=stats(2, requests=3)),
        phase=CtPhase.SHADOW,
        step=-1,
        elapsed_ms=10 * MINUTE,
    )
    assert done.action is RolloutAction.PROMOTE


def test_shadow_without_duration_waits_for_its_requests() -> None:
    rollout = spec(shadow={"requests": 100, "duration": None}, canary=None)
    held = decide(
        rollout,
        live(challenger=stats(2, requests=99)),
        phase=CtPhase.SHADOW,
        step=-1,
        elapsed_ms=1000 * MINUTE,
    )
    assert held.action is RolloutAction.HOLD


def test_shadow_promotes_when_there_are_no_canary_steps() -> None:
    rollout = spec(shadow={"requests": 10}, canary=None)
    decision = decide(
        rollout, live(challenger=stats(2, requests=10)), phase=CtPhase.SHADOW, step=-1
    )
    assert (decision.action, decision.phase) == (RolloutAction.PROMOTE, CtPhase.PROMOTED)


# --- canary ------------------------------------------------------------------------------------


def test_canary_holds_until_the_step_has_its_requests() -> None:
    held = decide(THREE_STEPS, live(challenger=stats(2, requests=49)), step=1)
    assert (held.action, held.phase, held.canary_step, held.fraction) == (
        RolloutAction.HOLD,
        CtPhase.CANARY,
        1,
        0.5,
    )
    assert "49 of 50 requests" in held.reason


def test_canary_holds_for_the_duration() -> None:
    rollout = spec(
        shadow={"requests": 0}, canary={"steps": [0.1, 0.5], "hold": {"duration": "30m"}}
    )
    held = decide(rollout, live(challenger=stats(2, requests=10_000)), elapsed_ms=29 * MINUTE)
    assert held.action is RolloutAction.HOLD
    moved = decide(rollout, live(challenger=stats(2, requests=0)), elapsed_ms=30 * MINUTE)
    assert (moved.action, moved.canary_step, moved.fraction) == (RolloutAction.NEXT, 1, 0.5)


@pytest.mark.parametrize(
    ("requests", "elapsed_minutes", "action"),
    [
        (50, 9, RolloutAction.NEXT),  # requests reached, duration not
        (49, 10, RolloutAction.NEXT),  # duration reached, requests not
        (49, 9, RolloutAction.HOLD),  # neither
        (50, 10, RolloutAction.NEXT),  # both
    ],
)
def test_canary_with_requests_and_duration_ends_at_whichever_comes_first(
    requests: int, elapsed_minutes: int, action: RolloutAction
) -> None:
    rollout = spec(canary={"steps": [0.1, 0.5], "hold": {"requests": 50, "duration": "10m"}})
    decision = decide(
        rollout, live(challenger=stats(2, requests=requests)), elapsed_ms=elapsed_minutes * MINUTE
    )
    assert decision.action is action


def test_canary_advances_one_step_at_a_time() -> None:
    decision = decide(THREE_STEPS, live(challenger=stats(2, requests=50)), step=0)
    assert (decision.action, decision.phase, decision.canary_step, decision.fraction) == (
        RolloutAction.NEXT,
        CtPhase.CANARY,
        1,
        0.5,
    )
    assert "step 0 held" in decision.reason


def test_promote_after_the_last_step_held() -> None:
    decision = decide(THREE_STEPS, live(challenger=stats(2, requests=50)), step=2)
    assert (decision.action, decision.phase, decision.canary_step) == (
        RolloutAction.PROMOTE,
        CtPhase.PROMOTED,
        2,
    )
    assert decision.fraction is None


def test_a_clock_that_went_back_holds_rather_than_advancing() -> None:
    rollout = spec(canary={"steps": [0.5], "hold": {"duration": "1m"}})
    decision = decide(rollout, live(), elapsed_ms=-5 * MINUTE)
    assert decision.action is RolloutAction.HOLD


# --- rollback on the live metric ---------------------------------------------------------------


def test_rollback_when_the_challenger_metric_is_worse_by_more_than_the_margin() -> None:
    comparison = live(
        stats(1, requests=40, labelled=20, metric=0.90),
        stats(2, requests=40, labelled=20, metric=0.87),
    )
    decision = decide(THREE_STEPS, comparison, step=1)
    assert (decision.action, decision.phase, decision.canary_step) == (
        RolloutAction.ROLLBACK,
        CtPhase.ROLLED_BACK,
        1,
    )
    assert "accuracy 0.87" in decision.reason
    assert "0.9" in decision.reason
    assert decision.evidence["champion"]["metric"] == 0.90
    assert decision.evidence["challenger"]["labelled"] == 20
    json.dumps(decision.evidence)


def test_no_rollback_within_the_margin() -> None:
    comparison = live(
        stats(1, requests=60, labelled=500, metric=0.90),
        stats(2, requests=60, labelled=500, metric=0.881),  # worse by 0.019 <= 0.02
    )
    decision = decide(THREE_STEPS, comparison, step=0)
    assert decision.action is RolloutAction.NEXT


@pytest.mark.parametrize(("champion_labelled", "challenger_labelled"), [(19, 500), (500, 19)])
def test_no_rollback_without_min_samples_on_both_sides(
    champion_labelled: int, challenger_labelled: int
) -> None:
    comparison = live(
        stats(1, labelled=champion_labelled, metric=0.95),
        stats(2, labelled=challenger_labelled, metric=0.10),
    )
    decision = decide(THREE_STEPS, comparison, step=0)
    assert decision.action is RolloutAction.HOLD


def test_no_rollback_when_a_metric_is_unknown_or_not_finite() -> None:
    for champion_metric, challenger_metric in [(None, 0.1), (0.9, None), (float("nan"), 0.1)]:
        comparison = live(
            stats(1, labelled=500, metric=champion_metric),
            stats(2, labelled=500, metric=challenger_metric),
        )
        decision = decide(THREE_STEPS, comparison, step=0)
        assert decision.action is RolloutAction.HOLD
        json.dumps(decision.evidence, allow_nan=False)


def test_lower_is_better_metrics_roll_back_when_they_grow() -> None:
    worse = live(
        stats(1, labelled=100, metric=1.00),
        stats(2, labelled=100, metric=1.10),
        metric="rmse",
    )
    better = live(
        stats(1, labelled=100, metric=1.10),
        stats(2, labelled=100, metric=1.00),
        metric="rmse",
    )
    assert decide(THREE_STEPS, worse, higher_is_better=False).action is RolloutAction.ROLLBACK
    assert decide(THREE_STEPS, better, higher_is_better=False).action is RolloutAction.HOLD
    # The same numbers read as higher-is-better flip the verdicts.
    assert decide(THREE_STEPS, worse, higher_is_better=True).action is RolloutAction.HOLD
    assert decide(THREE_STEPS, better, higher_is_better=True).action is RolloutAction.ROLLBACK


def test_rollback_during_shadow_too() -> None:
    comparison = live(stats(1, labelled=30, metric=0.9), stats(2, labelled=30, metric=0.5))
    decision = decide(THREE_STEPS, comparison, phase=CtPhase.SHADOW, step=-1)
    assert (decision.action, decision.phase) == (RolloutAction.ROLLBACK, CtPhase.ROLLED_BACK)
    assert CtPhase.ROLLED_BACK in CT_TRANSITIONS[CtPhase.SHADOW]


# --- rollback on error rate and latency --------------------------------------------------------


def test_rollback_when_the_error_rate_is_over_the_bound() -> None:
    rollout = spec(rollback={"max_error_rate": 0.05})
    over = decide(rollout, live(challenger=stats(2, requests=94, failed=6)))
    at = decide(rollout, live(challenger=stats(2, requests=95, failed=5)))
    unknown = decide(rollout, live(challenger=stats(2, error_rate=None)))
    assert over.action is RolloutAction.ROLLBACK
    assert "error rate 0.06 (6 of 100 requests failed or refused)" in over.reason
    assert at.action is RolloutAction.HOLD
    assert unknown.action is RolloutAction.HOLD
    # Without a bound the rate is only evidence.
    unbounded = decide(spec(), live(challenger=stats(2, error_rate=0.9)))
    assert unbounded.action is RolloutAction.HOLD
    assert unbounded.evidence["challenger"]["error_rate"] == 0.9


def test_an_early_failure_is_not_a_full_error_rate_but_failing_everything_is() -> None:
    rollout = spec(rollback={"max_error_rate": 0.05, "min_samples": 100})
    one = decide(rollout, live(challenger=stats(2, requests=0, failed=1)))
    assert one.action is RolloutAction.HOLD  # 1 of 1, but 1 of 100 once the rest answer
    five = decide(rollout, live(challenger=stats(2, requests=10, failed=5)))
    assert five.action is RolloutAction.HOLD  # at most 5 of min_samples
    six = decide(rollout, live(challenger=stats(2, requests=0, failed=6)))
    assert six.action is RolloutAction.ROLLBACK  # over 5% of min_samples already
    strict = spec(rollback={"max_error_rate": 0.0})
    assert decide(strict, live(challenger=stats(2, failed=1))).action is RolloutAction.ROLLBACK


def test_rollback_when_p99_is_over_the_bound_once_enough_requests() -> None:
    rollout = spec(rollback={"max_p99_ms": 50, "min_samples": 10})
    slow = decide(rollout, live(challenger=stats(2, requests=10, p99_ms=51.0)))
    fast = decide(rollout, live(challenger=stats(2, requests=10, p99_ms=50.0)))
    early = decide(rollout, live(challenger=stats(2, requests=9, p99_ms=900.0)))
    assert slow.action is RolloutAction.ROLLBACK
    assert "p99 latency 51 ms" in slow.reason
    assert fast.action is RolloutAction.HOLD
    assert early.action is RolloutAction.HOLD


def test_rollback_comes_before_promotion() -> None:
    rollout = spec(
        rollback={"max_error_rate": 0.01}, canary={"steps": [1.0], "hold": {"requests": 1}}
    )
    decision = decide(rollout, live(challenger=stats(2, requests=1000, failed=1000)))
    assert decision.action is RolloutAction.ROLLBACK


# --- bad positions -----------------------------------------------------------------------------


@pytest.mark.parametrize("phase", [CtPhase.GATING, CtPhase.PROMOTED, CtPhase.TRIGGERED])
def test_only_shadow_and_canary_are_decided(phase: CtPhase) -> None:
    with pytest.raises(InvalidParameterError, match="shadow or canary") as raised:
        decide(THREE_STEPS, live(), phase=phase, step=-1)
    assert raised.value.field == "phase"


@pytest.mark.parametrize(
    ("phase", "step"), [(CtPhase.CANARY, 3), (CtPhase.CANARY, -1), (CtPhase.SHADOW, 0)]
)
def test_canary_step_must_fit_the_phase(phase: CtPhase, step: int) -> None:
    with pytest.raises(InvalidParameterError, match="canary_step") as raised:
        decide(THREE_STEPS, live(), phase=phase, step=step)
    assert raised.value.field == "canary_step"


def test_canary_without_canary_steps_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="no canary steps"):
        decide(spec(canary=None), live(), step=0)


# --- properties --------------------------------------------------------------------------------

_stats = st.builds(
    LiveStats,
    version=st.just(1),
    requests=st.integers(0, 2000),
    labelled=st.integers(0, 2000),
    metric=st.none() | st.floats(0, 1),
    p99_ms=st.none() | st.floats(0, 500),
    error_rate=st.none() | st.floats(0, 1),
)
_specs = st.builds(
    lambda shadow, steps, requests, duration, margin, samples, error, p99: spec(
        shadow={"requests": shadow},
        canary=None
        if not steps
        else {
            "steps": sorted(steps),
            "hold": {"requests": requests, "duration": duration}
            if requests or duration
            else {"requests": 1},
        },
        rollback={
            "margin": margin,
            "min_samples": samples,
            "max_error_rate": error,
            "max_p99_ms": p99,
        },
    ),
    shadow=st.integers(0, 1000),
    steps=st.sets(st.sampled_from([0.05, 0.1, 0.25, 0.5, 0.75, 1.0]), max_size=4),
    requests=st.none() | st.integers(1, 1000),
    duration=st.none() | st.sampled_from(["1m", "10m", "1h"]),
    margin=st.floats(0, 0.2),
    samples=st.integers(1, 1000),
    error=st.none() | st.floats(0, 1),
    p99=st.none() | st.floats(1, 500),
)


@given(
    rollout=_specs,
    champion=_stats,
    challenger=_stats,
    step_seed=st.integers(0, 10),
    in_shadow=st.booleans(),
    elapsed=st.integers(-MINUTE, 2 * 60 * MINUTE),
    higher=st.booleans(),
)
def test_canary_step_never_decreases_nor_passes_the_last(
    rollout: RolloutSpec,
    champion: LiveStats,
    challenger: LiveStats,
    step_seed: int,
    in_shadow: bool,
    elapsed: int,
    higher: bool,
) -> None:
    if rollout.canary is None and not in_shadow:
        return
    if in_shadow:
        phase, step = CtPhase.SHADOW, -1
    else:
        assert rollout.canary is not None
        phase, step = CtPhase.CANARY, step_seed % len(rollout.canary.steps)
    comparison = LiveComparison(champion, LiveStats(2, *_fields(challenger)), "accuracy")
    decision = decide(
        rollout, comparison, phase=phase, step=step, elapsed_ms=elapsed, higher_is_better=higher
    )
    assert decision.canary_step >= step
    last = -1 if rollout.canary is None else len(rollout.canary.steps) - 1
    assert decision.canary_step <= last
    assert decision.canary_step - step <= 1
    assert decision.phase in (CT_TRANSITIONS[phase] | {phase})
    if decision.phase is CtPhase.CANARY:
        assert rollout.canary is not None
        assert decision.fraction == rollout.canary.steps[decision.canary_step]
    else:
        assert decision.fraction is None
    json.dumps(decision.evidence, allow_nan=False)


def _fields(value: LiveStats) -> tuple[int, int, float | None, float | None, float | None]:
    return value.requests, value.labelled, value.metric, value.p99_ms, value.error_rate


# --- fast track --------------------------------------------------------------------------------


def test_a_failing_champion_replaced_by_a_much_better_challenger_skips_to_the_last_step() -> None:
    decision = start_rollout(THREE_STEPS, failing_gain=0.5)
    assert (decision.action, decision.phase, decision.canary_step, decision.fraction) == (
        RolloutAction.NEXT,
        CtPhase.CANARY,
        2,
        1.0,
    )
    assert decision.reason.startswith("fast track: the champion is failing")
    assert decision.evidence["fast_track"] == {"relative_gain": 0.5, "min_relative_gain": 0.1}


def test_a_small_gain_or_no_failing_champion_runs_the_whole_rollout() -> None:
    assert start_rollout(THREE_STEPS, failing_gain=0.09).phase is CtPhase.SHADOW
    assert start_rollout(THREE_STEPS).phase is CtPhase.SHADOW
    assert "fast_track" not in start_rollout(THREE_STEPS).evidence


def test_fast_track_without_canary_steps_promotes_and_can_be_turned_off() -> None:
    no_canary = spec(shadow={"requests": 10}, canary=None)
    promoted = start_rollout(no_canary, failing_gain=0.2)
    assert (promoted.action, promoted.phase) == (RolloutAction.PROMOTE, CtPhase.PROMOTED)
    off = spec(shadow={"requests": 10}, fast_track=None)
    assert start_rollout(off, failing_gain=5.0).phase is CtPhase.SHADOW
    strict = spec(shadow={"requests": 10}, fast_track={"min_relative_gain": 0.6})
    assert start_rollout(strict, failing_gain=0.5).phase is CtPhase.SHADOW
