"""The CT controller on a real deployment: a tracking folder (SQLite), the registry, the
inference log written with the real writer, real monitor runs and real pipeline runs.

Each episode is driven tick by tick; between holds the test serves requests as the scoring
server would for the deployment as the controller left it (champion, shadow copies, canary).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tests.integration.ct.controller_helpers import (
    DEPLOYMENT,
    HERE,
    MODEL,
    World,
    feature_rows,
    make_world,
    rule_a,
    rule_b,
    tick_until,
)

from driftloop.ct.controller import TickAction, TickOutcome
from driftloop.ct.policy import parse_policy
from driftloop.entities import CtPhase, DeploymentState, RunStatus, TriggerKind
from driftloop.errors import ConflictError
from driftloop.monitoring.monitor_run import monitor_deployment

SHIFT = 0.5


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "tracking")


def _traffic(rule: Callable[..., object], first_seed: int = 100) -> Callable[[World], None]:
    seeds = itertools.count(first_seed)

    def serve(world: World) -> None:
        world.serve(feature_rows(40, next(seeds), shift=SHIFT), rule=rule)  # type: ignore[arg-type]

    return serve


def _drifted_history(world: World, windows: int = 2) -> None:
    """Labelled traffic of the new concept, and one recorded monitor run per window."""
    for seed in range(windows):
        world.serve(feature_rows(300, seed + 1, shift=SHIFT), rule=rule_b)
        monitor_deployment(
            world.client,
            DEPLOYMENT,
            world.log_root,
            last_rows=300,
            store=world.stores.monitoring,
            detector=None,
        )


def _terminal(outcome: TickOutcome) -> bool:
    return outcome.phase is not None and outcome.phase.terminal


def _kinds(world: World, episode_id: str) -> list[str]:
    return [event.kind for event in world.events(episode_id)]


def test_a_drift_episode_goes_from_trigger_to_promotion(world: World) -> None:
    _drifted_history(world)
    controller = world.controller(world.policy(gates={"metric": "accuracy", "margin": 0.02}))
    started = controller.tick()
    assert started.action is TickAction.STARTED, started.message
    assert started.evidence["kind"] == "drift"
    assert started.evidence["consecutive"] == 2
    episode_id = started.episode_id
    assert episode_id is not None

    outcomes = tick_until(controller, _terminal, world=world, traffic=_traffic(rule_b))

    final = outcomes[-1]
    assert final.action is TickAction.FINISHED
    assert final.phase is CtPhase.PROMOTED
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert world.client.get_version_by_alias(MODEL, "champion").version == 2
    assert deployment.previous_champion_version == 1  # what a rollback would restore
    assert deployment.challenger_version is None
    assert deployment.state is DeploymentState.PROMOTED
    assert _kinds(world, episode_id) == [
        "trigger_fired",
        "pipeline_started",
        "pipeline_finished",
        "challenger_registered",
        "gate_passed",
        "shadow_started",
        "canary_step",
        "promoted",
    ]
    episode = world.stores.ct.get_episode(episode_id)
    assert episode.trigger is TriggerKind.DRIFT
    assert episode.champion_version == 1
    assert episode.challenger_version == 2
    version = world.client.get_model_version(MODEL, 2)
    assert version.tags["driftloop.ct.episode_id"] == episode_id
    run = world.client.get_run(episode.pipeline_run_id or "")
    assert run.info.status is RunStatus.FINISHED
    assert run.data.tags["driftloop.ct.episode_id"] == episode_id
    gates = next(e for e in world.events(episode_id) if e.kind == "gate_passed").evidence
    assert {g["name"]: g["passed"] for g in gates["gates"]} == {
        "metric": True,
        "data_validation": True,
    }
    holds = [o for o in outcomes if o.action is TickAction.HOLD]
    assert holds, "the rollout never waited for live traffic"
    # Rollout decisions used live numbers: the challenger beat the champion on the new concept.
    promoted = world.events(episode_id)[-1].evidence
    assert promoted["challenger"]["metric"] > promoted["champion"]["metric"]
    assert promoted["previous_champion_version"] == 1

    # The same drift windows never start a second episode.
    after = controller.tick()
    assert after.action is TickAction.IDLE, after.message
    assert len(world.stores.ct.list_episodes(DEPLOYMENT).items) == 1


def test_a_challenger_failing_the_gates_is_rejected_and_the_champion_stays(world: World) -> None:
    world.serve(feature_rows(400, 1, shift=SHIFT), rule=rule_b)
    policy = world.policy(
        training={"entry_point": f"{HERE}:train_logistic", "parameters": {"flip": True}}
    )
    controller = world.controller(policy)
    request = controller.request_manual_trigger("new pricing", requested_by="alice")
    started = controller.tick()
    assert started.action is TickAction.STARTED
    assert started.evidence["kind"] == "manual"
    assert started.evidence["request"] == {
        "event_id": request.event_id,
        "reason": "new pricing",
        "requested_by": "alice",
    }

    final = tick_until(controller, _terminal)[-1]

    assert final.phase is CtPhase.REJECTED
    assert final.message.startswith("rejected: ")
    assert final.evidence["passed"] is False
    assert "metric" in final.evidence["failed"]
    assert world.client.get_version_by_alias(MODEL, "champion").version == 1
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert deployment.challenger_version is None
    assert deployment.revision == 1  # never touched
    assert _kinds(world, started.episode_id)[-2:] == ["challenger_registered", "gate_failed"]
    # The request was answered: the next tick has nothing to do.
    assert controller.tick().action is TickAction.IDLE


def test_a_worse_challenger_in_canary_is_rolled_back(world: World) -> None:
    world.serve(feature_rows(400, 1, shift=SHIFT), rule=rule_b)
    policy = world.policy(
        rollout={
            "shadow": {"requests": 0},
            "canary": {"steps": [0.5], "hold": {"requests": 400}},
            "rollback": {"margin": 0.05, "min_samples": 25},
        }
    )
    controller = world.controller(policy)
    controller.request_manual_trigger()
    # The live concept moves back to the champion's: the challenger answers worse.
    outcomes = tick_until(controller, _terminal, world=world, traffic=_traffic(rule_a))

    assert [o.phase for o in outcomes if o.action is TickAction.ADVANCED][-1] is CtPhase.CANARY
    final = outcomes[-1]
    assert final.phase is CtPhase.ROLLED_BACK
    assert "worse than the champion" in final.message
    assert final.evidence["challenger"]["labelled"] >= 25
    assert final.evidence["champion"]["labelled"] >= 25
    assert final.evidence["challenger"]["metric"] < final.evidence["champion"]["metric"] - 0.05
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert deployment.state is DeploymentState.ROLLED_BACK
    assert deployment.challenger_version is None
    assert world.client.get_version_by_alias(MODEL, "champion").version == 1


def test_a_pipeline_failure_fails_the_episode_and_keeps_the_champion(world: World) -> None:
    world.serve(feature_rows(400, 1, shift=SHIFT), rule=rule_b)
    controller = world.controller(world.policy(training={"entry_point": f"{HERE}:train_failing"}))
    controller.request_manual_trigger()

    final = tick_until(controller, _terminal)[-1]

    assert final.phase is CtPhase.FAILED
    assert "training diverged on" in final.message
    assert final.evidence["step"] == "train"
    run = world.client.get_run(final.evidence["run_id"])
    assert run.info.status is RunStatus.FAILED
    assert run.data.tags["driftloop.ct.episode_id"] == final.episode_id
    assert world.client.get_latest_version(MODEL).version == 1  # nothing registered
    assert world.client.get_deployment(DEPLOYMENT).revision == 1
    assert _kinds(world, final.episode_id)[-1] == "pipeline_failed"


def test_too_little_labelled_data_fails_the_episode_before_any_run(world: World) -> None:
    world.serve(feature_rows(30, 1), rule=rule_a)
    controller = world.controller(world.policy())
    controller.request_manual_trigger()

    final = tick_until(controller, _terminal)[-1]

    assert final.phase is CtPhase.FAILED
    assert (
        final.message == "no training data: the window holds 30 labelled rows; data.min_rows is 100"
    )
    assert final.evidence == {"error": "NotEnoughDataError", "field": "data.min_rows"}
    assert world.client.get_experiment_by_name("ct-churn") is None


def test_a_second_controller_stands_by_until_the_lease_lapses(world: World) -> None:
    clock = {"now": 1_900_000_000_000}
    first = world.controller(world.policy(), holder="replica-a", clock=lambda: clock["now"])
    second = world.controller(world.policy(), holder="replica-b", clock=lambda: clock["now"])
    assert first.tick().action is TickAction.IDLE
    first.request_manual_trigger("now")
    waiting = second.tick()
    assert waiting.action is TickAction.STANDBY
    assert waiting.message.startswith("standing by: replica-a holds ct:churn until ")
    assert first.tick().action is TickAction.STARTED
    assert second.tick().action is TickAction.STANDBY
    assert len(world.stores.ct.list_episodes(DEPLOYMENT).items) == 1

    clock["now"] += 31_000  # replica-a stopped ticking: its lease lapses
    taken = second.tick()
    assert taken.action is TickAction.ADVANCED
    assert taken.phase is CtPhase.TRAINING
    assert first.tick().action is TickAction.STANDBY
    holders = [e.evidence["holder"] for e in world.events() if e.kind == "lease_acquired"]
    assert holders == ["replica-a", "replica-b"]


def test_a_manual_trigger_is_refused_while_an_episode_runs(world: World) -> None:
    controller = world.controller(world.policy())
    controller.request_manual_trigger()
    controller.tick()
    with pytest.raises(ConflictError, match="is in progress") as caught:
        controller.request_manual_trigger()
    assert caught.value.field == "deployment"


def test_run_ticks_until_stopped_and_releases_the_lease(world: World) -> None:
    policy = world.policy()
    controller = world.controller(policy)
    seen: list[TickOutcome] = []
    controller.run(interval_s=0.01, max_ticks=3, on_tick=seen.append)
    assert [o.action for o in seen] == [TickAction.IDLE] * 3
    assert "no trigger fired" in seen[0].message
    assert "drift: 0 consecutive drift window(s), 2 needed" in seen[0].message
    assert world.stores.ct.get_lease("ct:churn") is None
    kinds = [e.kind for e in world.events()]
    assert kinds == ["controller_started", "lease_acquired"]
    # The policy in force is on record, and reads back to the same policy.
    recorded = world.events()[0].evidence["policy"]
    assert parse_policy(yaml.safe_dump(recorded), source="event") == policy


def test_the_performance_trigger_reads_live_metrics_and_the_champions_validation(
    world: World,
) -> None:
    policy = world.policy(
        triggers={"performance": {"metric": "accuracy", "max_drop": 0.1, "min_labels": 200}}
    )
    controller = world.controller(policy)
    waiting = controller.tick()
    assert waiting.action is TickAction.IDLE
    assert "performance: no live value of 'accuracy'" in waiting.message

    world.serve(feature_rows(300, 1, shift=SHIFT), rule=rule_b)
    measured = monitor_deployment(
        world.client,
        DEPLOYMENT,
        world.log_root,
        last_rows=300,
        store=world.stores.monitoring,
        detector=None,
    )
    started = controller.tick()

    assert started.action is TickAction.STARTED, started.message
    assert measured.performance is not None
    trained = world.client.get_run(world.client.get_model_version(MODEL, 1).run_id or "")
    assert started.evidence["kind"] == "performance"
    assert started.evidence["value"] == measured.performance.current["accuracy"]
    assert started.evidence["labels"] == 300
    assert started.evidence["champion_value"] == trained.data.metrics["accuracy"]
    assert started.evidence["drop"] > 0.1
    assert "accuracy worse than the champion's" in started.message


def test_the_new_labels_trigger_counts_labelled_rows_since_the_champion(world: World) -> None:
    controller = world.controller(world.policy(triggers={"new_labels": {"count": 250}}))
    world.serve(feature_rows(200, 1), rule=rule_a)
    assert "new_labels: 200 new labels, 250 needed" in controller.tick().message
    world.serve(feature_rows(100, 2), rule=rule_a)
    started = controller.tick()
    assert started.action is TickAction.STARTED, started.message
    assert started.evidence["labels"] == 300
    assert started.message == "new_labels trigger fired: 300 new labels (>= 250)"
