"""Trigger evaluation: each trigger fires when it should and only then; dedup, cooldown, order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftloop.ct import (
    TRIGGER_PRIORITY,
    RefillState,
    TriggerInputs,
    TriggersSpec,
    WindowVerdict,
    evaluate_triggers,
)
from driftloop.ct.triggers import consecutive_rejections, newest_change_ms
from driftloop.entities.ct import CtPhase, TriggerKind
from driftloop.entities.monitoring import MonitorVerdict
from driftloop.errors import InvalidParameterError

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
T0 = int(datetime(2025, 1, 6, 12, 0, tzinfo=UTC).timestamp() * 1000)  # a Monday, noon UTC

D = MonitorVerdict.DRIFT
OK = MonitorVerdict.NO_DRIFT
NA = MonitorVerdict.INSUFFICIENT_DATA


def spec(**sections: Any) -> TriggersSpec:
    return TriggersSpec.model_validate(sections)


def windows(
    *verdicts: MonitorVerdict, last_end: int = T0, step: int = HOUR
) -> tuple[WindowVerdict, ...]:
    count = len(verdicts)
    return tuple(
        WindowVerdict(last_end - (count - 1 - i) * step, verdict)
        for i, verdict in enumerate(verdicts)
    )


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


# --- drift -------------------------------------------------------------------------------------


def test_drift_fires_on_k_consecutive_drift_windows() -> None:
    decision = evaluate_triggers(
        spec(drift={"consecutive": 3}), TriggerInputs(now_ms=T0, verdicts=windows(OK, D, D, D))
    )
    assert decision.fired
    assert decision.kind is TriggerKind.DRIFT
    assert decision.evidence["consecutive"] == 3
    assert decision.evidence["required"] == 3
    assert decision.evidence["window_ends_ms"] == [T0 - 2 * HOUR, T0 - HOUR, T0]
    assert decision.evidence["kind"] == "drift"
    assert decision.evidence["also_fired"] == []
    assert TriggerKind.DRIFT not in decision.not_fired


def test_drift_run_broken_by_an_ok_verdict_does_not_fire() -> None:
    decision = evaluate_triggers(
        spec(drift={"consecutive": 3}), TriggerInputs(now_ms=T0, verdicts=windows(D, D, OK, D, D))
    )
    assert not decision.fired
    assert decision.kind is None
    assert decision.not_fired[TriggerKind.DRIFT] == "2 consecutive drift window(s), 3 needed"


def test_drift_needs_the_newest_window_to_drift() -> None:
    decision = evaluate_triggers(
        spec(drift={"consecutive": 2}), TriggerInputs(now_ms=T0, verdicts=windows(D, D, D, OK))
    )
    assert not decision.fired
    assert "0 consecutive" in decision.not_fired[TriggerKind.DRIFT]


def test_insufficient_data_windows_neither_count_nor_break_the_run() -> None:
    triggers = spec(drift={"consecutive": 3})
    assert evaluate_triggers(triggers, TriggerInputs(T0, verdicts=windows(D, NA, D, NA, D))).fired
    assert not evaluate_triggers(triggers, TriggerInputs(T0, verdicts=windows(NA, D, NA, D))).fired


def test_drift_windows_before_the_last_training_do_not_count() -> None:
    verdicts = windows(D, D, D, D)
    triggers = spec(drift={"consecutive": 3})
    trained_after_second = TriggerInputs(T0, verdicts=verdicts, last_training_ms=T0 - 2 * HOUR)
    assert not evaluate_triggers(triggers, trained_after_second).fired
    trained_after_first = TriggerInputs(T0, verdicts=verdicts, last_training_ms=T0 - 3 * HOUR)
    decision = evaluate_triggers(triggers, trained_after_first)
    assert decision.fired
    assert decision.evidence["since_ms"] == T0 - 3 * HOUR


def test_drift_windows_before_the_last_episode_ended_do_not_count() -> None:
    inputs = TriggerInputs(
        T0,
        verdicts=windows(D, D, D),
        last_training_ms=T0 - 5 * HOUR,
        last_episode_end_ms=T0 - HOUR,
    )
    decision = evaluate_triggers(spec(drift={"consecutive": 2}), inputs)
    assert not decision.fired
    assert decision.not_fired[TriggerKind.DRIFT].startswith("1 consecutive")


# --- performance -------------------------------------------------------------------------------

PERF = {"metric": "accuracy", "min": 0.8, "min_labels": 100}


def test_performance_fires_below_min_with_enough_labels() -> None:
    inputs = TriggerInputs(T0, live_metrics={"accuracy": 0.75}, live_label_count=100)
    decision = evaluate_triggers(spec(performance=PERF), inputs)
    assert decision.kind is TriggerKind.PERFORMANCE
    assert decision.evidence["value"] == 0.75
    assert decision.evidence["labels"] == 100
    assert decision.evidence["min"] == 0.8
    assert decision.evidence["breaches"] == ["accuracy=0.75 below min 0.8"]


def test_performance_waits_for_min_labels() -> None:
    inputs = TriggerInputs(T0, live_metrics={"accuracy": 0.5}, live_label_count=99)
    decision = evaluate_triggers(spec(performance=PERF), inputs)
    assert not decision.fired
    assert decision.not_fired[TriggerKind.PERFORMANCE] == "99 labels, 100 needed"


def test_performance_within_bounds_does_not_fire() -> None:
    inputs = TriggerInputs(T0, live_metrics={"accuracy": 0.8}, live_label_count=500)
    decision = evaluate_triggers(spec(performance=PERF), inputs)
    assert not decision.fired
    assert "within bounds" in decision.not_fired[TriggerKind.PERFORMANCE]


@pytest.mark.parametrize(
    ("metric", "champion", "live", "fires"),
    [
        ("accuracy", 0.90, 0.86, True),  # higher is better: dropped by 0.04 > 0.03
        ("accuracy", 0.90, 0.88, False),  # dropped by 0.02
        ("accuracy", 0.90, 0.99, False),  # improved
        ("rmse", 1.00, 1.05, True),  # lower is better: worse by 0.05 > 0.03
        ("rmse", 1.00, 1.02, False),
        ("rmse", 1.00, 0.50, False),  # improved
    ],
)
def test_performance_max_drop_follows_the_metric_direction(
    metric: str, champion: float, live: float, fires: bool
) -> None:
    triggers = spec(performance={"metric": metric, "max_drop": 0.03, "min_labels": 10})
    inputs = TriggerInputs(
        T0, live_metrics={metric: live}, live_label_count=10, champion_metrics={metric: champion}
    )
    decision = evaluate_triggers(triggers, inputs)
    assert decision.fired is fires
    if fires:
        assert decision.evidence["champion_value"] == champion
        assert decision.evidence["drop"] == pytest.approx(abs(champion - live))


def test_performance_max_bound_for_a_loss() -> None:
    triggers = spec(performance={"metric": "rmse", "max": 2.0, "min_labels": 1})
    inputs = TriggerInputs(T0, live_metrics={"rmse": 2.5}, live_label_count=1)
    assert evaluate_triggers(triggers, inputs).evidence["breaches"] == ["rmse=2.5 above max 2"]


def test_max_drop_without_a_champion_value_does_not_fire() -> None:
    triggers = spec(performance={"metric": "f1", "max_drop": 0.0, "min_labels": 1})
    inputs = TriggerInputs(T0, live_metrics={"f1": 0.1}, live_label_count=5)
    decision = evaluate_triggers(triggers, inputs)
    assert not decision.fired


def test_performance_measured_before_the_last_training_does_not_fire() -> None:
    inputs = TriggerInputs(
        T0,
        live_metrics={"accuracy": 0.5},
        live_label_count=1000,
        live_metrics_window_end_ms=T0 - 2 * HOUR,
        last_training_ms=T0 - HOUR,
    )
    decision = evaluate_triggers(spec(performance=PERF), inputs)
    assert not decision.fired
    assert "predates the last training" in decision.not_fired[TriggerKind.PERFORMANCE]


@pytest.mark.parametrize("live", [{}, {"accuracy": float("nan")}])
def test_performance_without_a_live_value_does_not_fire(live: dict[str, float]) -> None:
    decision = evaluate_triggers(spec(performance=PERF), TriggerInputs(T0, live_metrics=live))
    assert decision.not_fired[TriggerKind.PERFORMANCE] == "no live value of 'accuracy'"


# --- schedule ----------------------------------------------------------------------------------

WEEKLY = {"cron": "0 3 * * 1"}  # Mondays 03:00 UTC


def test_schedule_fires_when_a_tick_passed_since_the_last_training() -> None:
    last_training = ms(2025, 1, 1)
    decision = evaluate_triggers(
        spec(schedule=WEEKLY), TriggerInputs(T0, last_training_ms=last_training)
    )
    assert decision.kind is TriggerKind.SCHEDULE
    assert decision.evidence["tick_ms"] == ms(2025, 1, 6, 3)
    assert decision.evidence["reference_ms"] == last_training


def test_schedule_does_not_fire_twice_for_one_tick() -> None:
    triggers = spec(schedule=WEEKLY)
    first = evaluate_triggers(triggers, TriggerInputs(T0, last_training_ms=ms(2025, 1, 1)))
    assert first.fired
    for later in (T0 + MINUTE, T0 + DAY, ms(2025, 1, 13, 2, 59)):
        again = TriggerInputs(later, last_training_ms=ms(2025, 1, 1), last_schedule_fire_ms=T0)
        decision = evaluate_triggers(triggers, again)
        assert not decision.fired
        assert decision.not_fired[TriggerKind.SCHEDULE] == "next tick at 2025-01-13T03:00:00+00:00"
    next_week = TriggerInputs(ms(2025, 1, 13, 3), last_schedule_fire_ms=T0)
    assert evaluate_triggers(triggers, next_week).fired


def test_schedule_ticks_missed_during_cooldown_fire_once_after_it() -> None:
    triggers = spec(schedule={"cron": "@hourly"}, cooldown="6h")
    started = T0 - 5 * HOUR
    inputs = TriggerInputs(T0, last_training_ms=started, last_episode_start_ms=started)
    blocked = evaluate_triggers(triggers, inputs)
    assert not blocked.fired
    assert blocked.not_fired[TriggerKind.SCHEDULE].startswith("would fire, but cooldown until")
    after = TriggerInputs(T0 + HOUR, last_training_ms=started, last_episode_start_ms=started)
    decision = evaluate_triggers(triggers, after)
    assert decision.fired
    assert decision.evidence["tick_ms"] == started + HOUR


def test_schedule_reads_the_cron_in_its_time_zone() -> None:
    triggers = spec(schedule={"cron": "0 3 * * *", "timezone": "Europe/Paris"})
    decision = evaluate_triggers(triggers, TriggerInputs(T0, last_training_ms=ms(2025, 1, 5, 12)))
    assert decision.evidence["tick_ms"] == ms(2025, 1, 6, 2)  # 03:00 CET is 02:00 UTC


def test_schedule_without_any_reference_fires() -> None:
    decision = evaluate_triggers(spec(schedule=WEEKLY), TriggerInputs(T0))
    assert decision.kind is TriggerKind.SCHEDULE
    assert decision.evidence["reference_ms"] is None


# --- new labels and manual ---------------------------------------------------------------------


@pytest.mark.parametrize(("labels", "fires"), [(9_999, False), (10_000, True), (10_001, True)])
def test_new_labels_fire_when_the_count_is_reached(labels: int, fires: bool) -> None:
    triggers = spec(new_labels={"count": 10_000})
    decision = evaluate_triggers(triggers, TriggerInputs(T0, labels_since_training=labels))
    assert decision.fired is fires
    if not fires:
        assert decision.not_fired[TriggerKind.NEW_LABELS] == "9999 new labels, 10000 needed"


def test_manual_needs_no_configuration() -> None:
    decision = evaluate_triggers(spec(), TriggerInputs(T0, manual_requested=True))
    assert decision.kind is TriggerKind.MANUAL
    assert decision.evidence["requested"] is True
    assert evaluate_triggers(spec(), TriggerInputs(T0)).not_fired == {
        TriggerKind.MANUAL: "not requested"
    }


# --- dedup, cooldown, priority -----------------------------------------------------------------


def test_nothing_fires_while_an_episode_is_active_not_even_manual() -> None:
    triggers = spec(drift={"consecutive": 1}, new_labels={"count": 1})
    inputs = TriggerInputs(
        T0,
        verdicts=windows(D),
        labels_since_training=5,
        manual_requested=True,
        active_episode_id="ep1",
    )
    decision = evaluate_triggers(triggers, inputs)
    assert not decision.fired
    assert decision.evidence["blocked_by"] == "active_episode"
    assert set(decision.evidence["would_fire"]) == {"manual", "drift", "new_labels"}
    for kind in (TriggerKind.MANUAL, TriggerKind.DRIFT, TriggerKind.NEW_LABELS):
        assert decision.not_fired[kind] == "would fire, but episode ep1 is active"


def test_cooldown_holds_automatic_triggers_until_it_ends() -> None:
    triggers = spec(drift={"consecutive": 1}, cooldown="2h")
    start = T0 - HOUR
    decision = evaluate_triggers(
        triggers, TriggerInputs(T0, verdicts=windows(D), last_episode_start_ms=start)
    )
    assert not decision.fired
    assert decision.evidence["blocked_by"] == "cooldown"
    assert decision.evidence["cooldown_until_ms"] == start + 2 * HOUR
    assert decision.not_fired[TriggerKind.DRIFT] == (
        "would fire, but cooldown until 2025-01-06T13:00:00+00:00"
    )
    ended = TriggerInputs(
        start + 2 * HOUR,
        verdicts=windows(D, last_end=start + 2 * HOUR),
        last_episode_start_ms=start,
    )
    assert evaluate_triggers(triggers, ended).kind is TriggerKind.DRIFT


@pytest.mark.parametrize(
    ("rejections", "factor"), [(0, 1), (1, 2), (2, 4), (3, 8), (4, 8), (40, 8)]
)
def test_the_cooldown_doubles_per_consecutive_rejection_up_to_8x(
    rejections: int, factor: int
) -> None:
    triggers = spec(drift={"consecutive": 1}, cooldown="1h")
    start = T0
    until = start + factor * HOUR

    def at(now: int) -> TriggerInputs:
        return TriggerInputs(
            now,
            verdicts=windows(D, last_end=now),
            last_episode_start_ms=start,
            last_episode_end_ms=start + MINUTE,
            consecutive_rejections=rejections,
        )

    held = evaluate_triggers(triggers, at(until - 1))
    assert not held.fired
    assert held.evidence["cooldown_until_ms"] == until
    assert held.evidence["backoff"] == factor
    assert evaluate_triggers(triggers, at(until)).kind is TriggerKind.DRIFT


def test_consecutive_rejections_must_not_be_negative() -> None:
    with pytest.raises(InvalidParameterError, match="consecutive_rejections must be >= 0") as e:
        TriggerInputs(T0, consecutive_rejections=-1)
    assert e.value.field == "consecutive_rejections"


def test_manual_overrides_the_cooldown() -> None:
    triggers = spec(new_labels={"count": 1}, cooldown="1d")
    inputs = TriggerInputs(
        T0, manual_requested=True, labels_since_training=3, last_episode_start_ms=T0 - MINUTE
    )
    decision = evaluate_triggers(triggers, inputs)
    assert decision.kind is TriggerKind.MANUAL
    assert decision.evidence["also_fired"] == []
    assert decision.not_fired[TriggerKind.NEW_LABELS].endswith("(fired: manual)")


FIRING: dict[TriggerKind, dict[str, Any]] = {
    TriggerKind.MANUAL: {"manual_requested": True},
    TriggerKind.PERFORMANCE: {"live_metrics": {"accuracy": 0.1}, "live_label_count": 100},
    TriggerKind.DRIFT: {"verdicts": windows(D, D)},
    TriggerKind.NEW_LABELS: {"labels_since_training": 50},
    TriggerKind.SCHEDULE: {"last_schedule_fire_ms": T0 - DAY},
    TriggerKind.REFILL: {"refill": RefillState(T0 - DAY, 4000, rows_needed=4000)},
}
ALL_TRIGGERS = spec(
    performance=PERF,
    drift={"consecutive": 2},
    new_labels={"count": 50},
    schedule={"cron": "@hourly"},
)


@given(st.sets(st.sampled_from(list(FIRING))))
def test_the_highest_priority_firing_trigger_wins(firing: set[TriggerKind]) -> None:
    # no schedule tick unless chosen; refill is evaluated (not filled) unless chosen
    fields: dict[str, Any] = {
        "last_schedule_fire_ms": T0,
        "refill": RefillState(T0 - DAY, 10, rows_needed=4000),
    }
    for kind in firing:
        fields.update(FIRING[kind])
    decision = evaluate_triggers(ALL_TRIGGERS, TriggerInputs(T0, **fields))
    ordered = [kind for kind in TRIGGER_PRIORITY if kind in firing]
    if not ordered:
        assert not decision.fired
        assert set(decision.not_fired) == set(TRIGGER_PRIORITY)
        return
    assert decision.kind is ordered[0]
    assert decision.evidence["also_fired"] == [str(kind) for kind in ordered[1:]]
    assert set(decision.not_fired) == set(TRIGGER_PRIORITY) - {ordered[0]}
    json.dumps(decision.evidence)  # JSON-ready


def test_priority_order_is_the_documented_one() -> None:
    assert [str(kind) for kind in TRIGGER_PRIORITY] == [
        "manual",
        "performance",
        "drift",
        "refill",
        "new_labels",
        "schedule",
    ]


# --- refill ------------------------------------------------------------------------------------


def test_refill_fires_once_the_rows_window_has_filled_after_the_change() -> None:
    triggers = spec()
    waiting = evaluate_triggers(
        triggers, TriggerInputs(T0, refill=RefillState(T0 - DAY, 3999, rows_needed=4000))
    )
    assert not waiting.fired
    assert waiting.not_fired[TriggerKind.REFILL] == "3999 of 4000 rows since the change"
    full = evaluate_triggers(
        triggers, TriggerInputs(T0, refill=RefillState(T0 - DAY, 4000, rows_needed=4000))
    )
    assert full.kind is TriggerKind.REFILL
    assert full.evidence["change_ms"] == T0 - DAY
    assert full.evidence["labels_since_change"] == 4000


def test_refill_of_a_duration_window_fires_when_the_window_holds_only_new_rows() -> None:
    state = RefillState(T0 - DAY, 0, full_at_ms=T0 + MINUTE)
    assert not evaluate_triggers(spec(), TriggerInputs(T0, refill=state)).fired
    later = TriggerInputs(T0 + MINUTE, refill=state)
    assert evaluate_triggers(spec(), later).kind is TriggerKind.REFILL


def test_refill_happens_at_most_once_per_champion_and_waits_for_the_cooldown() -> None:
    done = RefillState(T0 - DAY, 9000, rows_needed=4000, refilled=True)
    decision = evaluate_triggers(spec(), TriggerInputs(T0, refill=done))
    assert not decision.fired
    assert "once already" in decision.not_fired[TriggerKind.REFILL]
    due = RefillState(T0 - DAY, 9000, rows_needed=4000)
    held = evaluate_triggers(
        spec(cooldown="1h"), TriggerInputs(T0, refill=due, last_episode_start_ms=T0 - MINUTE)
    )
    assert not held.fired
    assert held.evidence["blocked_by"] == "cooldown"


def test_no_refill_state_means_no_refill_check() -> None:
    decision = evaluate_triggers(spec(), TriggerInputs(T0))
    assert TriggerKind.REFILL not in decision.not_fired


def test_unconfigured_triggers_are_not_reported() -> None:
    decision = evaluate_triggers(spec(drift={}), TriggerInputs(T0, labels_since_training=10**6))
    assert set(decision.not_fired) == {TriggerKind.MANUAL, TriggerKind.DRIFT}


# --- inputs ------------------------------------------------------------------------------------


def test_verdicts_must_be_oldest_first() -> None:
    with pytest.raises(InvalidParameterError, match="oldest first") as caught:
        TriggerInputs(T0, verdicts=(WindowVerdict(T0, D), WindowVerdict(T0 - 1, D)))
    assert caught.value.field == "verdicts"


@pytest.mark.parametrize("name", ["live_label_count", "labels_since_training"])
def test_counts_must_not_be_negative(name: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"{name} must be >= 0"):
        TriggerInputs(T0, **{name: -1})


def test_rejections_in_a_row_are_counted_back_to_a_promotion_or_rollback() -> None:
    rejected, failed = CtPhase.REJECTED, CtPhase.FAILED
    assert consecutive_rejections([]) == 0
    assert consecutive_rejections([rejected, failed, rejected]) == 3
    assert consecutive_rejections([rejected, CtPhase.PROMOTED, rejected, rejected]) == 1
    assert consecutive_rejections([CtPhase.ROLLED_BACK, rejected]) == 0
    assert consecutive_rejections([CtPhase.TRAINING, rejected]) == 0


def test_the_newest_change_point_after_the_cutoff_is_kept() -> None:
    details = [
        {"last_change_ms": "500"},
        {"drifted_columns": ""},
        {"last_change_ms": "1500"},
        {"last_change_ms": "not a time"},
    ]
    assert newest_change_ms(details, since=0) == 1500
    assert newest_change_ms(details[:2], since=0) == 500
    assert newest_change_ms(details, since=1500) is None
    assert newest_change_ms([], since=0) is None
