"""Crash safety: a controller process killed with SIGKILL at every step of an episode, then
restarted, ends in the right state with one challenger version, one training and no event
recorded twice.

Controller processes come from a fork server that has imported driftloop, scikit-learn and
skops once, so each of the many restarts costs a fork, not a fresh interpreter. A process
dies either from outside (during training, blocked in the entry point) or by its own SIGKILL
right after a chosen side effect (fault injection in ``controller_helpers.run_replica``).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pytest
from tests.integration.ct.controller_helpers import (
    DEPLOYMENT,
    HERE,
    MODEL,
    World,
    feature_rows,
    make_world,
    rule_b,
    run_replica,
)

from driftloop.entities import CtEpisode, CtPhase, DeploymentMode, DeploymentState, RunStatus

KILLED = -9


@pytest.fixture(scope="module")
def forkserver() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([HERE.rsplit(".", 1)[0] + ".controller_helpers", "skops.io"])
    return context


def _replica(
    forkserver: ForkServerContext,
    world: World,
    policy: Path,
    *,
    kill_after: str | None = None,
    rule: str = "b",
) -> multiprocessing.process.BaseProcess:
    process = forkserver.Process(
        target=run_replica,
        args=(str(world.root), str(policy)),
        kwargs={"kill_after": kill_after, "rule": rule},
    )
    process.start()
    return process


def _run(forkserver: ForkServerContext, world: World, policy: Path, **options: str) -> int:
    process = _replica(forkserver, world, policy, **options)
    process.join(timeout=120)
    assert process.exitcode is not None, "the controller process hangs"
    return process.exitcode


def _episode(world: World) -> CtEpisode:
    episodes = world.stores.ct.list_episodes(DEPLOYMENT).items
    assert len(episodes) == 1
    return world.stores.ct.get_episode(episodes[0].episode_id)


def _pipeline_runs(world: World, episode_id: str) -> Counter[RunStatus]:
    experiment = world.client.get_experiment_by_name("ct-churn")
    assert experiment is not None
    runs = world.client.search_runs(
        [experiment.experiment_id],
        f"tags.`driftloop.lineage.episode_id` = '{episode_id}'",
    ).items
    return Counter(run.info.status for run in runs)


def _episode_versions(world: World, episode_id: str) -> list[int]:
    found = world.client.search_model_versions(
        f"name = '{MODEL}' and tags.`driftloop.ct.episode_id` = '{episode_id}'"
    ).items
    return sorted(version.version for version in found)


def test_killed_at_every_step_and_restarted_the_episode_is_promoted_once(
    forkserver: ForkServerContext, tmp_path: Path
) -> None:
    world = make_world(tmp_path / "tracking")
    world.serve(feature_rows(400, 1, shift=0.5), rule=rule_b)
    marker, block = tmp_path / "training-started", tmp_path / "block"
    policy = world.write_policy(
        tmp_path / "policy.yaml",
        training={
            "entry_point": f"{HERE}:train_blocking",
            "parameters": {"marker": str(marker), "block": str(block)},
        },
    )
    world.controller(world.policy()).request_manual_trigger("crash test")
    world.stores.ct.release_lease(f"ct:{DEPLOYMENT}", "replica-a")

    # 1. Killed from outside while the entry point trains.
    block.touch()
    training = _replica(forkserver, world, policy)
    deadline = time.monotonic() + 60
    while not marker.exists() and training.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "training never started"
    training.kill()
    training.join(timeout=30)
    assert training.exitcode == KILLED
    block.unlink()
    episode = _episode(world)
    assert episode.phase is CtPhase.TRAINING
    assert episode.pipeline_run_id is None
    assert _pipeline_runs(world, episode.episode_id) == {RunStatus.RUNNING: 1}

    # 2. The pipeline finished, its result not recorded: the dead run is marked killed.
    assert _run(forkserver, world, policy, kill_after="record:pipeline_finished") == KILLED
    runs = _pipeline_runs(world, episode.episode_id)
    assert runs == {RunStatus.KILLED: 1, RunStatus.FINISHED: 1}
    assert _episode(world).pipeline_run_id is None

    # 3. Registered, not recorded: the finished training was reused, not run again.
    assert _run(forkserver, world, policy, kill_after="register_model") == KILLED
    assert _pipeline_runs(world, episode.episode_id) == runs
    episode = _episode(world)
    assert episode.pipeline_run_id is not None
    assert episode.challenger_version is None
    assert _episode_versions(world, episode.episode_id) == [2]

    # 4. Gates passed, not recorded: the version found is recorded, none registered again.
    assert _run(forkserver, world, policy, kill_after="record:gate_passed") == KILLED
    episode = _episode(world)
    assert (episode.phase, episode.challenger_version) == (CtPhase.GATING, 2)

    # 5. The deployment set to shadow, the phase not recorded.
    assert _run(forkserver, world, policy, kill_after="update_deployment") == KILLED
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert (deployment.challenger_version, deployment.mode) == (2, DeploymentMode.SHADOW)
    assert _episode(world).phase is CtPhase.GATING

    # 6. Shadow held, canary fraction set, the step not recorded.
    assert _run(forkserver, world, policy, kill_after="record:canary_step") == KILLED
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert (deployment.mode, deployment.canary_fraction) == (DeploymentMode.CANARY, 0.5)
    assert _episode(world).phase is CtPhase.SHADOW

    # 7. Promoted, not recorded.
    assert _run(forkserver, world, policy, kill_after="promote_deployment") == KILLED
    assert world.client.get_version_by_alias(MODEL, "champion").version == 2
    assert _episode(world).phase is CtPhase.CANARY

    # 8. A clean restart records the promotion and ends the episode.
    assert _run(forkserver, world, policy) == 0
    _assert_promoted_once(world, runs)


def _assert_promoted_once(world: World, runs: Counter[RunStatus]) -> None:
    episode = _episode(world)
    assert episode.phase is CtPhase.PROMOTED
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert deployment.state is DeploymentState.PROMOTED
    assert deployment.previous_champion_version == 1
    assert world.client.get_version_by_alias(MODEL, "champion").version == 2
    assert _episode_versions(world, episode.episode_id) == [2]
    assert world.client.get_latest_version(MODEL).version == 2
    assert _pipeline_runs(world, episode.episode_id) == runs
    kinds = Counter(event.kind for event in world.events(episode.episode_id))
    assert kinds == dict.fromkeys(
        [
            "trigger_fired",
            "pipeline_started",
            "pipeline_finished",
            "challenger_registered",
            "gate_passed",
            "shadow_started",
            "canary_step",
            "promoted",
        ],
        1,
    )
    promoted = world.events(episode.episode_id)[-1]
    assert promoted.evidence["recovered"] is True


def test_killed_after_a_rollback_and_restarted_the_episode_ends_rolled_back(
    forkserver: ForkServerContext, tmp_path: Path
) -> None:
    world = make_world(tmp_path / "tracking")
    world.serve(feature_rows(400, 1, shift=0.5), rule=rule_b)
    policy = world.write_policy(
        tmp_path / "policy.yaml",
        rollout={
            "shadow": {"requests": 0},
            "canary": {"steps": [0.5], "hold": {"requests": 400}},
            "rollback": {"margin": 0.05, "min_samples": 25},
        },
    )
    world.controller(world.policy()).request_manual_trigger()
    world.stores.ct.release_lease(f"ct:{DEPLOYMENT}", "replica-a")

    # Live traffic follows the champion's concept: the challenger is rolled back, the
    # controller dies before recording it.
    assert _run(forkserver, world, policy, kill_after="rollback_deployment", rule="a") == KILLED
    deployment = world.client.get_deployment(DEPLOYMENT)
    assert deployment.state is DeploymentState.ROLLED_BACK
    assert _episode(world).phase is CtPhase.CANARY

    assert _run(forkserver, world, policy, rule="a") == 0

    episode = _episode(world)
    assert episode.phase is CtPhase.ROLLED_BACK
    assert world.client.get_version_by_alias(MODEL, "champion").version == 1
    assert world.client.get_deployment(DEPLOYMENT).revision == deployment.revision
    kinds = [event.kind for event in world.events(episode.episode_id)]
    assert kinds.count("rolled_back") == 1
    assert kinds[-1] == "rolled_back"
