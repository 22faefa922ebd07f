"""``driftloop controller`` and ``driftloop ct``: the real CLI on a tracking folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.integration.ct.controller_helpers import (
    DEPLOYMENT,
    World,
    feature_rows,
    make_world,
    rule_b,
)

from driftloop.cli.main import cli


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "tracking")


def invoke(world: World, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--tracking-uri", str(world.root), *args], catch_exceptions=False
    )


def once(world: World, policy: Path, holder: str = "cli") -> Result:
    return invoke(world, "controller", "--policy", str(policy), "--once", "--holder", holder)


def test_trigger_then_controller_ticks_and_status_and_events_tell_why(
    world: World, tmp_path: Path
) -> None:
    world.serve(feature_rows(200, 1, shift=0.5), rule=rule_b)
    policy = world.write_policy(tmp_path / "policy.yaml")
    idle = invoke(world, "controller", "--policy", str(policy), "--once")
    assert idle.exit_code == 0, idle.output
    assert " idle " in idle.output
    assert "no trigger fired" in idle.output
    assert world.stores.ct.get_lease("ct:churn") is None  # a one-off holder gives it back

    asked = invoke(world, "ct", "trigger", DEPLOYMENT, "--reason", "new pricing")
    assert asked.exit_code == 0, asked.output
    assert f"retraining of {DEPLOYMENT} requested" in asked.output
    started = once(world, policy)
    assert started.exit_code == 0, started.output
    assert " started " in started.output
    assert "manual trigger fired: new pricing" in started.output
    advanced = once(world, policy)
    assert " advanced " in advanced.output
    assert " training " in advanced.output

    status = invoke(world, "ct", "status", DEPLOYMENT)
    assert status.exit_code == 0, status.output
    assert "training" in status.output
    assert "manual" in status.output
    assert "pipeline_started" in status.output
    assert "lease ct:churn: cli until" in status.output  # kept for the next --once
    data = json.loads(invoke(world, "ct", "status", DEPLOYMENT, "--json").output)
    assert data["episode"]["phase"] == "training"
    request = data["episode"]["evidence"]["request"]
    assert request["reason"] == "new pricing"
    assert request["requested_by"] == "ct-tests"  # $DRIFTLOOP_USER, set by the conftest
    assert [e["kind"] for e in data["events"]][-2:] == ["trigger_fired", "pipeline_started"]

    episode = data["episode"]["episode_id"]
    events = json.loads(invoke(world, "ct", "events", DEPLOYMENT, "--json").output)
    assert [(e["kind"], e["evidence"].get("holder")) for e in events] == [
        ("lease_acquired", events[0]["evidence"]["holder"]),  # the one-off replica
        ("manual_request", None),
        ("lease_acquired", "cli"),  # then kept across the --once runs of "cli"
        ("trigger_fired", None),
        ("pipeline_started", None),
    ]
    mine = json.loads(
        invoke(world, "ct", "events", DEPLOYMENT, "--episode", episode, "--json").output
    )
    assert [e["kind"] for e in mine] == ["trigger_fired", "pipeline_started"]
    table = invoke(world, "ct", "events", DEPLOYMENT, "--episode", episode)
    assert '"reason":"new pricing"' in table.output

    refused = CliRunner().invoke(
        cli, ["--tracking-uri", str(world.root), "ct", "trigger", DEPLOYMENT]
    )
    assert refused.exit_code == 1
    assert "in progress" in refused.output


def test_a_second_replica_stands_by_while_the_lease_is_held(world: World, tmp_path: Path) -> None:
    policy = world.write_policy(tmp_path / "policy.yaml")
    world.controller(world.policy(), holder="replica-a").tick()
    result = once(world, policy, holder="replica-b")
    assert result.exit_code == 0, result.output
    assert " standby " in result.output
    assert "standing by: replica-a holds ct:churn until" in result.output


def test_bad_options_and_policies_are_one_line_errors(world: World, tmp_path: Path) -> None:
    policy = world.write_policy(tmp_path / "policy.yaml")
    runner = CliRunner()
    base = ["--tracking-uri", str(world.root), "controller", "--policy"]
    bad_interval = runner.invoke(cli, [*base, str(policy), "--interval", "soon"])
    assert bad_interval.exit_code == 1
    assert "--interval" in bad_interval.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("deployment: churn\ngates: {metric: accuracy}\n", encoding="utf-8")
    bad_policy = runner.invoke(cli, [*base, str(broken), "--once"])
    assert bad_policy.exit_code == 1
    assert "training" in bad_policy.output
    assert "status" in runner.invoke(cli, ["ct", "--help"]).output


def test_the_controller_process_stops_on_sigterm_and_releases_its_lease(
    world: World, tmp_path: Path
) -> None:
    policy = world.write_policy(tmp_path / "policy.yaml")
    environment = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    command = [sys.executable, "-m", "driftloop.cli.main", "--tracking-uri", str(world.root)]
    process = subprocess.Popen(
        [*command, "controller", "--policy", str(policy), "--interval", "1s", "--holder", "p"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        while world.stores.ct.get_lease("ct:churn") is None and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "controller p for churn: a tick every 1s" in out
    assert " idle " in out
    assert out.rstrip().endswith("stopped")
    assert world.stores.ct.get_lease("ct:churn") is None


def test_trigger_of_an_unknown_deployment_is_refused_and_writes_nothing(world: World) -> None:
    refused = CliRunner().invoke(
        cli, ["--tracking-uri", str(world.root), "ct", "trigger", "no-such-deployment"]
    )
    assert refused.exit_code == 1
    assert "no-such-deployment" in refused.output
    assert not world.stores.ct.list_events("no-such-deployment").items
