"""``driftloop quickstart --fast`` end to end, in a subprocess on a temp folder: the same code
path as the full run (fewer rows): drift detected, retrained, gated, shadowed, canaried and
promoted by the real controller against the real scoring server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.integration.quickstart_run import QuickstartRun

import driftloop
from driftloop.entities import CtPhase, RunStatus
from driftloop.store.sql import open_sql_stores

DEPLOYMENT = "quickstart-prod"
MODEL = "quickstart-classifier"
CLI = (sys.executable, "-m", "driftloop.cli.main")


@pytest.fixture(scope="module")
def run(quickstart_run: QuickstartRun) -> tuple[Path, str]:
    return quickstart_run.tracking, quickstart_run.stdout


def _accuracy(stdout: str, segment: str) -> float:
    match = re.search(rf"^\s*{segment}\s+([0-9.]+)\s", stdout, re.MULTILINE)
    assert match is not None, stdout
    return float(match.group(1))


def test_the_loop_promotes_a_retrained_challenger(run: tuple[Path, str]) -> None:
    tracking, _ = run
    client = driftloop.Client(str(tracking))
    champion = client.get_version_by_alias(MODEL, "champion")
    assert champion.version >= 2
    assert champion.tags["driftloop.ct.episode_id"]
    deployment = client.get_deployment(DEPLOYMENT)
    assert deployment.previous_champion_version == 1
    assert deployment.challenger_version is None
    stores = open_sql_stores(
        f"sqlite:///{tracking / 'driftloop.db'}",
        default_artifact_root=(tracking / "artifacts").as_uri(),
    )
    try:
        episodes = stores.ct.list_episodes(DEPLOYMENT).items
        events = stores.ct.list_events(DEPLOYMENT, max_results=1000).items
        runs = stores.monitoring.list_monitor_runs(DEPLOYMENT, max_results=1000).items
    finally:
        stores.close()
    assert [episode.phase for episode in episodes] == [CtPhase.PROMOTED]
    kinds = [event.kind for event in events]
    for kind in ("trigger_fired", "gate_passed", "shadow_started", "canary_step", "promoted"):
        assert kind in kinds, kinds
    trigger = next(event for event in events if event.kind == "trigger_fired")
    assert trigger.evidence["kind"] == "drift"
    # One monitor run per batch; the drift verdicts that fired the trigger are among them.
    assert len(runs) >= 10
    assert "drift" in {run.verdict.value for run in runs}
    pipeline = client.get_run(episodes[0].pipeline_run_id or "")
    assert pipeline.info.status is RunStatus.FINISHED
    assert champion.run_id == pipeline.info.run_id or champion.run_id in {
        child.run_id
        for child in client.search_runs(
            pipeline.info.experiment_id,
            filter_string=f"tags.`mlflow.parentRunId` = '{pipeline.info.run_id}'",
        )
    }


def test_accuracy_recovers_after_promotion(run: tuple[Path, str]) -> None:
    _, stdout = run
    before = _accuracy(stdout, "before drift")
    during = _accuracy(stdout, "during drift")
    after = _accuracy(stdout, "after promotion")
    assert before > 0.9
    assert during < before - 0.2
    assert after > during + 0.2
    assert "@champion is now v2" in stdout


def test_the_timeline_report_and_policy_are_where_it_says(run: tuple[Path, str]) -> None:
    tracking, stdout = run
    for line in ("drift trigger fired", "passed the gates", "shadow", "canary", "promoted v2"):
        assert line in stdout, line
    report = tracking / "quickstart-report.html"
    policy = tracking / "quickstart-policy.yaml"
    assert report.is_file()
    assert "<html" in report.read_text(encoding="utf-8").lower()
    assert f"monitoring report {report}" in stdout
    assert f"CT policy         {policy}" in stdout
    assert "driftloop._quickstart" not in policy.read_text(encoding="utf-8")
    assert "driftloop.cli._quickstart_model:train_model" in policy.read_text(encoding="utf-8")
    assert f"ct events {DEPLOYMENT}" in stdout
    assert f"monitor report --deployment {DEPLOYMENT}" in stdout


def test_version_one_comes_from_a_recorded_sweep(run: tuple[Path, str]) -> None:
    tracking, _ = run
    client = driftloop.Client(str(tracking))
    experiment = client.get_experiment_by_name("quickstart")
    assert experiment is not None
    runs = client.search_runs(experiment.experiment_id)
    parents = [r for r in runs if r.parent_run_id is None]
    children = [r for r in runs if r.parent_run_id is not None]
    assert [r.info.run_name for r in parents] == ["sweep"]
    assert len(children) == 3
    for child in children:
        assert child.parent_run_id == parents[0].run_id
        assert child.info.status is RunStatus.FINISHED
        assert "accuracy" in child.data.metrics
        assert child.inputs.dataset_inputs
    version_one = client.get_model_version(MODEL, 1)
    accuracy = {r.run_id: r.data.metrics["accuracy"] for r in children}
    assert accuracy[version_one.run_id or ""] == max(accuracy.values())
    model = client.load_model(f"models:/{MODEL}/1")
    assert model.profile is not None
    assert model.signature is not None
    assert len(model.signature.inputs.columns) == 8


def test_a_second_run_on_the_same_folder_says_what_to_do(run: tuple[Path, str]) -> None:
    tracking, _ = run
    again = subprocess.run(
        [*CLI, "--tracking-uri", str(tracking), "quickstart", "--fast"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 1
    assert "already holds the quickstart's deployment" in again.stderr
    assert "Traceback" not in again.stderr
