"""The CT timeline (pure): episodes newest first, steps in order, evidence as facts."""

from __future__ import annotations

from driftloop.entities import CtEpisode, CtEvent, CtPhase, TriggerKind
from driftloop.ui.ct_timeline import (
    build_timeline,
    controller_events,
    flatten,
    format_value,
    policy_in_force,
    step_of,
)

T0 = 1_800_000_000_000


def _episode(episode_id: str, created: int, phase: CtPhase) -> CtEpisode:
    return CtEpisode(
        episode_id=episode_id,
        deployment="d",
        phase=phase,
        trigger=TriggerKind.DRIFT,
        evidence={"consecutive": 2},
        pipeline_run_id=None,
        challenger_version=None,
        champion_version=1,
        canary_step=-1,
        phase_started=created,
        revision=1,
        created=created,
        updated=created,
    )


def _event(event_id: int, what: str, episode_id: str | None, **evidence: object) -> CtEvent:
    return CtEvent(event_id, "d", episode_id, T0 + event_id, what, f"{what} happened", evidence)


def test_episodes_are_newest_first_with_their_events_in_commit_order() -> None:
    old = _episode("a" * 32, T0, CtPhase.ROLLED_BACK)
    new = _episode("b" * 32, T0 + 50, CtPhase.CANARY)
    events = [
        _event(5, "canary_step", new.episode_id, fraction=0.5, canary_step=0),
        _event(1, "trigger_fired", old.episode_id, kind="drift", change_ms=T0),
        _event(2, "rolled_back", old.episode_id, reason="worse"),
        _event(3, "lease_acquired", None, holder="x"),
        _event(4, "trigger_fired", new.episode_id, kind="performance"),
    ]
    timeline = build_timeline([old, new], events)
    assert [v.episode.episode_id for v in timeline] == [new.episode_id, old.episode_id]
    assert [s.kind for s in timeline[0].steps] == ["trigger_fired", "canary_step"]
    assert [s.title for s in timeline[0].steps] == [
        "Trigger: performance",
        "Canary step 2: 50% of requests to the challenger",
    ]
    assert timeline[0].outcome == "in progress: canary"
    assert timeline[1].outcome == "rolled back"
    assert [s.outcome for s in timeline[1].steps] == ["", "bad"]
    assert [(f.label, f.value) for f in timeline[1].steps[0].facts] == [
        ("change_ms", "2027-01-15 08:00:00")
    ]
    assert [e.event_id for e in controller_events(events)] == [3]


def test_gate_events_become_a_table_of_challenger_against_champion() -> None:
    gates = [
        {
            "name": "metric",
            "passed": False,
            "message": "too small a gain",
            "evidence": {"metric": "f1", "challenger": 0.81234567, "champion": 0.8},
        },
        {"name": "latency", "passed": True, "message": "fast enough", "evidence": {}},
    ]
    step = step_of(_event(7, "gate_failed", "e", passed=False, gates=gates, holdout_rows=103))
    assert step.outcome == "bad"
    assert [(g.name, g.passed, g.metric, g.challenger, g.champion) for g in step.gates] == [
        ("metric", False, "f1", "0.812346", "0.8"),
        ("latency", True, "", "—", "—"),
    ]
    assert [(f.label, f.value) for f in step.facts] == [("holdout_rows", "103")]


def test_live_comparisons_and_links() -> None:
    step = step_of(
        _event(
            8,
            "promoted",
            "e",
            champion={"version": 1, "metric": 0.35, "error_rate": 0.0},
            challenger={"version": 2, "metric": 0.94, "error_rate": 0.01},
            recovered=False,
        )
    )
    assert step.comparison == (
        ("version", "1", "2"),
        ("metric", "0.35", "0.94"),
        ("error_rate", "0", "0.01"),
    )
    assert [(f.label, f.value) for f in step.facts] == [("recovered", "no")]
    finished = step_of(_event(9, "pipeline_finished", "e", run_id="r" * 32))
    assert finished.run_id == "r" * 32
    registered = step_of(_event(10, "challenger_registered", "e", version=3, pipeline_run_id="p"))
    assert (registered.title, registered.version, registered.run_id) == (
        "Challenger v3 registered",
        3,
        "p",
    )
    other = step_of(_event(11, "manual_request", None))
    assert other.title == "Manual request"


def test_the_policy_is_the_newest_controller_start() -> None:
    events = [
        _event(1, "controller_started", None, policy={"deployment": "d", "gates": [1]}),
        _event(2, "controller_started", None, holder="no policy recorded"),
        _event(3, "controller_started", None, policy={"deployment": "d2"}),
    ]
    assert policy_in_force(events) == "deployment: d2\n"
    assert policy_in_force(events[:2]) == "deployment: d\ngates:\n- 1\n"
    assert policy_in_force(events[1:2]) is None


def test_flatten_and_format() -> None:
    facts = flatten({"a": {"b": [{"c": 1}, 2]}, "d": [], "e": float("nan")})
    assert [(f.label, f.value) for f in facts] == [
        ("a.b[0].c", "1"),
        ("a.b[1]", "2"),
        ("d", "none"),
        ("e", "nan"),
    ]
    assert format_value("since_ms", 5) == "5"  # a duration, not a time
    assert format_value("x", True) == "yes"
