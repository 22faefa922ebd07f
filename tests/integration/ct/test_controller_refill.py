"""The controller after a change: it sees the drop in the log at once, waits for rows of the new
concept before training, and retrains once more when the window has filled (refill).

Real tracking folder (SQLite), real inference log and feedback, real pipeline runs; no
monitor run is recorded, so everything the controller knows comes from the log.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.ct.controller_helpers import (
    DEPLOYMENT,
    MODEL,
    World,
    feature_rows,
    make_world,
    rule_a,
    rule_b,
    tick_until,
)

from driftloop.ct._controller_inputs import WINDOW_CUT_TAG
from driftloop.ct.controller import Controller, TickAction, TickOutcome
from driftloop.entities import CtEventKind, CtPhase, TriggerKind

SHIFT = 0.5
MIN_ROWS = 200
WINDOW_ROWS = 600


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "tracking")


def _policy(world: World, **sections: object) -> object:
    return world.policy(
        **sections,
        data={
            "window": {"rows": WINDOW_ROWS},
            "holdout": {"fraction": 0.25},
            "min_rows": MIN_ROWS,
        },
        triggers={
            "cooldown": "1s",
            "performance": {
                "metric": "accuracy",
                "max_drop": 0.1,
                "min_labels": 100,
                "recent": 150,
            },
        },
    )


def _traffic(first_seed: int) -> Callable[[World], None]:
    seeds = itertools.count(first_seed)

    def serve(world: World) -> None:
        world.serve(feature_rows(40, next(seeds), shift=SHIFT), rule=rule_b)

    return serve


def _terminal(outcome: TickOutcome) -> bool:
    return outcome.phase is not None and outcome.phase.terminal


def test_a_drop_in_the_log_triggers_before_any_monitor_run(world: World) -> None:
    controller = world.controller(_policy(world))  # type: ignore[arg-type]
    world.serve(feature_rows(300, 1, shift=SHIFT), rule=rule_b)

    started = controller.tick()

    assert started.action is TickAction.STARTED, started.message
    assert started.evidence["kind"] == "performance"
    assert started.evidence["labels"] == 150  # the newest `recent` labelled answers
    assert started.evidence["drop"] > 0.1
    assert not world.stores.monitoring.list_monitor_runs(DEPLOYMENT).items


def test_training_waits_for_the_new_concept_then_refills_once(world: World) -> None:
    controller = world.controller(_policy(world))  # type: ignore[arg-type]
    world.serve(feature_rows(400, 1), rule=rule_a)  # the old concept: the champion is right
    world.serve(feature_rows(150, 2, shift=SHIFT), rule=rule_b)  # the change

    started = controller.tick()
    assert started.action is TickAction.STARTED, started.message
    episode_id = started.episode_id
    assert episode_id is not None
    change_ms = started.evidence["change_ms"]  # ADWIN over the champion's errors

    # Fewer than MIN_ROWS labelled rows after the change: the episode waits, untrained.
    waiting = controller.tick()
    assert waiting.action is TickAction.HOLD, waiting.message
    assert waiting.phase is CtPhase.TRIGGERED
    assert "waiting for labelled rows after the change" in waiting.message
    assert waiting.evidence["rows_after_change"] < MIN_ROWS
    world.serve(feature_rows(150, 3, shift=SHIFT), rule=rule_b)
    moved = controller.tick()
    assert moved.phase is CtPhase.TRAINING, moved.message
    started_event = next(
        e for e in world.events(episode_id) if e.kind == CtEventKind.PIPELINE_STARTED
    )
    assert started_event.evidence["data_cutoff_ms"] > started.evidence["now_ms"]

    tick_until(controller, _terminal, world=world, traffic=_traffic(100), max_ticks=60)
    episode = world.stores.ct.get_episode(episode_id)
    assert episode.phase is CtPhase.PROMOTED, episode.message
    finished = next(e for e in world.events(episode_id) if e.kind == "pipeline_finished")
    data = finished.evidence["data"]
    assert data["window_start_ms"] >= change_ms  # the old concept's rows were left out
    assert data["rows"] + data["holdout_rows"] < WINDOW_ROWS
    champion = world.client.get_version_by_alias(MODEL, "champion")
    assert champion.version == episode.challenger_version
    assert champion.tags[WINDOW_CUT_TAG] == str(change_ms)

    # Not filled yet: no refill.
    time.sleep(1.1)  # the cooldown
    idle = controller.tick()
    assert idle.action is TickAction.IDLE, idle.message
    assert "refill:" in idle.message
    assert f"of {WINDOW_ROWS} rows since the change" in idle.message

    _refill_once(world, controller, change_ms)


def _refill_once(world: World, controller: Controller, change_ms: int) -> None:
    """The window fills with rows after the change: one refill, cut at the same change."""
    world.serve(feature_rows(WINDOW_ROWS, 4, shift=SHIFT), rule=rule_b)
    refill = controller.tick()
    assert refill.action is TickAction.STARTED, refill.message
    assert refill.evidence["kind"] == "refill"
    assert refill.evidence["change_ms"] == change_ms
    assert refill.evidence["labels_since_change"] >= WINDOW_ROWS
    tick_until(controller, _terminal, world=world, traffic=_traffic(200), max_ticks=60)
    refilled = world.stores.ct.get_episode(refill.episode_id or "")
    assert refilled.trigger is TriggerKind.REFILL
    finished = next(e for e in world.events(refilled.episode_id) if e.kind == "pipeline_finished")
    assert finished.evidence["data"]["rows"] + finished.evidence["data"]["holdout_rows"] == (
        WINDOW_ROWS
    )

    # Never a second refill for the same champion.
    time.sleep(1.1)
    after = controller.tick()
    assert after.action is TickAction.IDLE, after.message
    if refilled.phase is CtPhase.PROMOTED:
        assert "refill" not in after.message  # the new champion's window was not cut
    else:
        assert "refilled once already" in after.message


def test_a_failing_champion_is_replaced_on_the_fast_track(world: World) -> None:
    rollout = {
        "shadow": {"requests": 40},
        "canary": {"steps": [0.2, 0.6, 1.0], "hold": {"requests": 30}},
        "rollback": {"margin": 0.05, "min_samples": 25},
    }
    controller = world.controller(_policy(world, rollout=rollout))  # type: ignore[arg-type]
    world.serve(feature_rows(400, 1, shift=SHIFT), rule=rule_b)  # the champion is wrong

    started = controller.tick()
    assert started.evidence["kind"] == "performance", started.message
    outcomes = tick_until(controller, _terminal, world=world, traffic=_traffic(300), max_ticks=60)

    episode_id = started.episode_id or ""
    kinds = [e.kind for e in world.events(episode_id)]
    assert "shadow_started" not in kinds
    step = next(e for e in world.events(episode_id) if e.kind == "canary_step")
    assert step.evidence["fraction"] == 1.0  # the last of the policy's steps, at once
    steps = [e for e in world.events(episode_id) if e.kind == "canary_step"]
    assert len(steps) == 1
    assert step.evidence["fast_track"]["relative_gain"] >= 0.1
    assert step.message.startswith("fast track: the champion is failing")
    assert outcomes[-1].phase is CtPhase.PROMOTED
