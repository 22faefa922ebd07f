"""``driftloop deployments``: the real CLI against a SQLite tracking database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import driftloop
from driftloop.cli.main import cli
from driftloop.entities import RegistryEventType
from driftloop.tracking import uri


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DRIFTLOOP_TRACKING_URI", "DRIFTLOOP_ARTIFACT_ROOT", "DRIFTLOOP_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRIFTLOOP_USER", "alice")
    uri._reset_for_tests()
    yield
    uri._reset_for_tests()


@pytest.fixture
def tracking(tmp_path: Path) -> str:
    """A SQLite database with model ``churn``: versions 1..3, ``champion`` -> 1."""
    db_uri = f"sqlite:///{tmp_path / 'tracking.db'}"
    client = driftloop.Client(db_uri)
    client.create_registered_model("churn")
    for index in range(3):
        client.create_model_version("churn", f"s3://bucket/churn/{index}")
    client.set_alias("churn", "champion", 1)
    return db_uri


def invoke(tracking: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--tracking-uri", tracking, *args], catch_exceptions=False)


def show(tracking: str, name: str) -> dict[str, object]:
    result = invoke(tracking, "deployments", "show", name, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_create_show_and_list(tracking: str) -> None:
    created = invoke(tracking, "deployments", "create", "churn-api", "--model", "churn")
    assert created.exit_code == 0, created.output
    assert "churn-api" in created.output
    data = show(tracking, "churn-api")
    assert data["model_name"] == "churn"
    assert data["champion_alias"] == "champion"
    assert data["champion_version"] == 1
    assert (data["mode"], data["state"], data["revision"]) == ("single", "stable", 1)
    text = invoke(tracking, "deployments", "show", "churn-api").output
    assert "champion -> v1" in text
    listed = invoke(tracking, "deployments", "list", "--model", "churn")
    assert listed.exit_code == 0
    assert "churn-api" in listed.output
    as_json = json.loads(invoke(tracking, "deployments", "list", "--json").output)
    assert [d["name"] for d in as_json] == ["churn-api"]
    none = json.loads(invoke(tracking, "deployments", "list", "--model", "x", "--json").output)
    assert none == []


def test_challenger_canary_promote_and_rollback(tracking: str) -> None:
    invoke(tracking, "deployments", "create", "churn-api", "--model", "churn")
    assert invoke(tracking, "deployments", "set-challenger", "churn-api", "2").exit_code == 0
    moded = invoke(tracking, "deployments", "set-mode", "churn-api", "canary", "--fraction", "0.2")
    assert moded.exit_code == 0, moded.output
    data = show(tracking, "churn-api")
    assert (data["challenger_version"], data["mode"], data["canary_fraction"]) == (
        2,
        "canary",
        0.2,
    )
    assert data["state"] == "challenging"
    promoted = invoke(tracking, "deployments", "promote", "churn-api")
    assert promoted.exit_code == 0, promoted.output
    assert "v2" in promoted.output
    data = show(tracking, "churn-api")
    assert (data["champion_version"], data["previous_champion_version"]) == (2, 1)
    assert (data["state"], data["mode"], data["challenger_version"]) == ("promoted", "single", None)
    assert invoke(tracking, "deployments", "rollback", "churn-api").exit_code == 0
    data = show(tracking, "churn-api")
    assert (data["champion_version"], data["state"]) == (1, "rolled_back")
    events = driftloop.Client(tracking).list_registry_events("churn").items
    deployment_events = [e for e in events if e.event_type.name.startswith("DEPLOYMENT_")]
    assert [e.event_type for e in deployment_events] == [
        RegistryEventType.DEPLOYMENT_CREATED,
        RegistryEventType.DEPLOYMENT_UPDATED,
        RegistryEventType.DEPLOYMENT_UPDATED,
        RegistryEventType.DEPLOYMENT_PROMOTED,
        RegistryEventType.DEPLOYMENT_ROLLED_BACK,
    ]
    assert {e.actor for e in deployment_events} == {"alice"}


def test_clear_challenger_and_delete(tracking: str) -> None:
    invoke(tracking, "deployments", "create", "churn-api", "--model", "churn")
    invoke(tracking, "deployments", "set-challenger", "churn-api", "3")
    invoke(tracking, "deployments", "set-mode", "churn-api", "shadow")
    assert invoke(tracking, "deployments", "set-challenger", "churn-api", "--clear").exit_code == 0
    data = show(tracking, "churn-api")
    assert (data["challenger_version"], data["mode"], data["state"]) == (None, "single", "stable")
    assert invoke(tracking, "deployments", "delete", "churn-api", "--yes").exit_code == 0
    missing = invoke(tracking, "deployments", "show", "churn-api")
    assert missing.exit_code == 1
    assert "no deployment named 'churn-api'" in missing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "x", "--model", "nope"), "no registered model named 'nope'"),
        (("create", "x", "--model", "churn", "--alias", "prod"), "has no alias 'prod'"),
        (("create", "a/b", "--model", "churn"), "invalid deployment name"),
        (("set-challenger", "churn-api", "9"), "has no version 9"),
        (("set-challenger", "churn-api", "1"), "is the champion"),
        (("set-mode", "churn-api", "canary"), "needs a challenger"),
        (("set-mode", "churn-api", "single", "--fraction", "2"), "between 0 and 1"),
        (("promote", "churn-api"), "no challenger to promote"),
        (("rollback", "churn-api"), "nothing to roll back"),
        (("show", "ghost"), "no deployment named 'ghost'"),
    ],
)
def test_errors_are_one_clean_line(tracking: str, args: tuple[str, ...], message: str) -> None:
    invoke(tracking, "deployments", "create", "churn-api", "--model", "churn")
    result = invoke(tracking, "deployments", *args)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_deleting_a_deployed_model_is_refused(tracking: str) -> None:
    invoke(tracking, "deployments", "create", "churn-api", "--model", "churn")
    result = invoke(tracking, "models", "delete", "churn", "--yes")
    assert result.exit_code == 1
    assert "churn-api" in result.output


def test_usage_errors(tracking: str) -> None:
    both = invoke(tracking, "deployments", "set-challenger", "churn-api", "2", "--clear")
    assert both.exit_code == 2
    assert "either VERSION or --clear" in both.output
    bad_mode = invoke(tracking, "deployments", "set-mode", "churn-api", "blue-green")
    assert bad_mode.exit_code == 2


def test_help_texts() -> None:
    result = CliRunner().invoke(cli, ["deployments", "--help"])
    assert result.exit_code == 0
    for command in ("create", "list", "show", "set-challenger", "set-mode", "promote", "rollback"):
        assert command in result.output
    assert "canary" in result.output
    assert "deployments" in CliRunner().invoke(cli, ["--help"]).output
