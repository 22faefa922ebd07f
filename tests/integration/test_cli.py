from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import driftloop
from driftloop.cli.main import cli
from driftloop.tracking import batching, fluent, uri


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DRIFTLOOP_TRACKING_URI", "DRIFTLOOP_ARTIFACT_ROOT", "DRIFTLOOP_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    yield
    fluent._reset_for_tests()
    batching._reset_for_tests()
    uri._reset_for_tests()


@pytest.fixture
def tracking(tmp_path: Path) -> str:
    return str(tmp_path / "tracking")


@pytest.fixture
def client(tracking: str) -> driftloop.Client:
    return driftloop.Client(tracking)


def invoke(tracking: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--tracking-uri", tracking, *args], catch_exceptions=False)


def test_help_explains_the_concepts() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for word in ("experiment", "run", "./.driftloop", "DRIFTLOOP_TRACKING_URI", "quickstart"):
        assert word in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert driftloop.__version__ in result.output


def test_experiment_commands(tracking: str) -> None:
    created = invoke(tracking, "experiments", "create", "churn")
    assert created.exit_code == 0
    assert "Created experiment 'churn' with id 1" in created.output
    listed = json.loads(invoke(tracking, "experiments", "list", "--json").output)
    assert {e["name"] for e in listed} == {"Default", "churn"}
    assert invoke(tracking, "experiments", "rename", "1", "churn-v2").exit_code == 0
    assert invoke(tracking, "experiments", "delete", "1").exit_code == 0
    deleted = json.loads(
        invoke(tracking, "experiments", "list", "--view", "deleted", "--json").output
    )
    assert [(e["name"], e["lifecycle_stage"]) for e in deleted] == [("churn-v2", "deleted")]
    assert invoke(tracking, "experiments", "restore", "1").exit_code == 0
    table = invoke(tracking, "experiments", "list")
    assert "churn-v2" in table.output
    assert "Default" in table.output


def _make_runs(client: driftloop.Client) -> list[str]:
    experiment_id = client.create_experiment("sweep")
    run_ids = []
    for index, accuracy in enumerate((0.7, 0.9, float("nan"))):
        run = client.create_run(experiment_id, run_name=f"run-{index}", start_time=1_000 + index)
        client.log_param(run.run_id, "index", index)
        client.log_metric(run.run_id, "accuracy", accuracy)
        client.set_terminated(run.run_id)
        run_ids.append(run.run_id)
    return run_ids


def test_runs_list_and_search(tracking: str, client: driftloop.Client) -> None:
    run_ids = _make_runs(client)
    listed = json.loads(invoke(tracking, "runs", "list", "-e", "sweep", "--json").output)
    assert [r["info"]["run_id"] for r in listed] == run_ids[::-1]
    found = invoke(
        tracking,
        "runs",
        "search",
        "--experiment",
        "sweep",
        "--filter",
        "metrics.accuracy > 0.5",
        "--order-by",
        "metrics.accuracy DESC",
        "--json",
    )
    assert [r["data"]["params"]["index"] for r in json.loads(found.output)] == ["1", "0"]
    table = invoke(tracking, "runs", "list", "--experiment", "sweep", "--max-results", "2")
    assert "run-2" in table.output
    assert "run-0" not in table.output
    assert "accuracy" in table.output


def test_runs_show_delete_restore(tracking: str, client: driftloop.Client) -> None:
    run_id = _make_runs(client)[2]
    shown = json.loads(invoke(tracking, "runs", "show", run_id, "--json").output)
    assert shown["info"]["status"] == "FINISHED"
    assert shown["data"]["metrics"][0]["value"] == "NaN"
    table = invoke(tracking, "runs", "show", run_id).output
    for text in ("Params", "index", "Metrics (latest)", "nan", "Tags"):
        assert text in table
    assert invoke(tracking, "runs", "delete", run_id).exit_code == 0
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    assert invoke(tracking, "runs", "restore", run_id).exit_code == 0
    assert client.get_run(run_id).info.lifecycle_stage == "active"


def test_artifact_commands(tracking: str, client: driftloop.Client, tmp_path: Path) -> None:
    run_id = client.create_run("0").run_id
    client.log_text(run_id, "x" * 2048, "data/big.txt")
    client.log_dict(run_id, {"ok": True}, "report.json")
    listed = json.loads(invoke(tracking, "artifacts", "list", run_id, "--json").output)
    assert listed == [
        {"path": "data", "is_dir": True, "file_size": None},
        {"path": "report.json", "is_dir": False, "file_size": 17},
    ]
    table = invoke(tracking, "artifacts", "list", run_id, "data").output
    assert "data/big.txt" in table
    assert "2.0 KiB" in table
    destination = tmp_path / "downloaded"
    result = invoke(tracking, "artifacts", "download", run_id, "--dst", str(destination))
    assert result.exit_code == 0
    assert (destination / "data" / "big.txt").read_text() == "x" * 2048


def test_driftloop_errors_are_one_red_line_without_traceback(tracking: str) -> None:
    result = CliRunner().invoke(cli, ["--tracking-uri", tracking, "runs", "show", "f" * 32])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: run with id='{'f' * 32}' not found"
    assert "Traceback" not in result.output


def test_debug_shows_the_exception(tracking: str) -> None:
    result = CliRunner().invoke(cli, ["--tracking-uri", tracking, "--debug", "runs", "show", "x"])
    assert result.exit_code == 1
    assert isinstance(result.exception, driftloop.DriftloopError)


def test_usage_errors_exit_with_2(tracking: str) -> None:
    result = CliRunner().invoke(cli, ["--tracking-uri", tracking, "runs", "list"])
    assert result.exit_code == 2
    assert "Missing option '--experiment'" in result.stderr


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--tracking-uri", "http://127.0.0.1:1", "runs", "show", "x"])
    assert result.exit_code == 1
    assert "cannot reach the tracking server at http://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "t.db"
    result = CliRunner().invoke(cli, ["db", "upgrade", f"sqlite:///{database}"])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    assert database.is_file()


def _run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftloop.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def test_quickstart_without_scikit_learn_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from driftloop.cli.main import main\n"
        f"sys.argv = ['driftloop', '--tracking-uri', {str(tmp_path / 't')!r}, 'quickstart']\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 1
    assert "pip install 'driftloop[quickstart]'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_quickstart_without_river_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['river'] = None\n"
        "from driftloop.cli.main import main\n"
        f"sys.argv = ['driftloop', '--tracking-uri', {str(tmp_path / 't')!r}, 'quickstart']\n"
        "main()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 1
    assert "'river' is not installed" in completed.stderr
    assert "pip install 'driftloop[quickstart]'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_cli_needs_no_test_tools() -> None:
    """A user installs driftloop without the test extra: no command may import pytest,
    hypothesis or playwright (the quickstart once did, through driftloop.testing)."""
    script = (
        "import sys\n"
        "for name in ('pytest', 'hypothesis', 'playwright', '_pytest'):\n"
        "    sys.modules[name] = None\n"
        "import driftloop.cli.main, driftloop.cli.quickstart, driftloop.cli.quickstart_serving\n"
        "import driftloop.cli._quickstart_model, driftloop.cli._quickstart_stream\n"
        "import driftloop.serving.app, driftloop.monitoring.drift, driftloop.monitoring.report\n"
        "import driftloop.cli.monitor, driftloop.server.app\n"
        "print('ok')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
