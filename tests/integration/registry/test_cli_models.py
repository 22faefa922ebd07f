"""``driftloop models``: list, show, versions, register, alias, lineage, events, predict."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from sklearn.linear_model import LogisticRegression

import driftloop
from driftloop.cli.main import cli

Data = tuple[pd.DataFrame, pd.Series]


def invoke(tracking: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--tracking-uri", tracking, *args], catch_exceptions=False)


@pytest.fixture
def registered(tracking: str, churn: Data) -> str:
    frame, target = churn
    for c in (1.0, 0.1):
        with driftloop.start_run():
            driftloop.log_params({"C": c})
            driftloop.log_metric("accuracy", 0.8 + c / 10)
            driftloop.log_model(
                LogisticRegression(C=c, max_iter=500).fit(frame, target),
                "model",
                training_data=frame,
                target=target,
                registered_model_name="churn",
            )
    return tracking


def test_list_show_and_versions(registered: str) -> None:
    listed = invoke(registered, "models", "list")
    assert listed.exit_code == 0
    assert "churn" in listed.output
    data = json.loads(invoke(registered, "models", "versions", "churn", "--json").output)
    assert [v["version"] for v in data] == [2, 1]
    assert all(v["status"] == "READY" and v["created_by"] == "alice" for v in data)
    shown = json.loads(invoke(registered, "models", "show", "churn", "--json").output)
    assert shown["name"] == "churn"
    assert len(shown["versions"]) == 2


def test_alias_set_move_delete_and_events(registered: str) -> None:
    assert invoke(registered, "models", "alias", "set", "churn", "champion", "1").exit_code == 0
    assert invoke(registered, "models", "alias", "set", "churn", "champion", "2").exit_code == 0
    shown = json.loads(invoke(registered, "models", "show", "churn", "--json").output)
    assert shown["aliases"] == {"champion": 2}
    assert invoke(registered, "models", "alias", "delete", "churn", "champion").exit_code == 0
    events = json.loads(invoke(registered, "models", "events", "churn", "--json").output)
    moves = [(e["event_type"], e["from_version"], e["to_version"]) for e in events if e["alias"]]
    assert moves == [("ALIAS_SET", None, 1), ("ALIAS_SET", 1, 2), ("ALIAS_DELETED", 2, None)]
    table = invoke(registered, "models", "events", "churn")
    assert "champion: v1 -> v2" in table.output


def test_lineage_prints_the_chain(registered: str) -> None:
    result = invoke(registered, "models", "lineage", "churn", "1")
    assert result.exit_code == 0
    for text in ("churn", "params (1)", "C = 1.0", "accuracy", "datasets (1)", "[training]"):
        assert text in result.output
    data = json.loads(invoke(registered, "models", "lineage", "churn", "2", "--json").output)
    assert data["params"] == {"C": "0.1"}
    assert data["datasets"][0]["context"] == "training"


def test_predict_scores_a_file(registered: str, churn: Data, tmp_path: Path) -> None:
    frame, _ = churn
    source = tmp_path / "rows.csv"
    frame.head(10).to_csv(source, index=False)
    result = invoke(registered, "models", "predict", "models:/churn/1", "--input", str(source))
    assert result.exit_code == 0
    scored = pd.read_csv(pd.io.common.StringIO(result.output))
    expected = driftloop.load_model("models:/churn/1").predict(frame.head(10))
    assert scored["prediction"].tolist() == list(expected)
    out = tmp_path / "proba.json"
    args = ["models", "predict", "models:/churn/2", "--input", str(source), "--proba"]
    assert invoke(registered, *args, "--output", str(out)).exit_code == 0
    assert len(json.loads(out.read_text())) == 10


def test_errors_are_one_line(registered: str, churn: Data, tmp_path: Path) -> None:
    frame, _ = churn
    source = tmp_path / "rows.csv"
    frame.drop(columns=["age"]).head(3).to_csv(source, index=False)
    result = CliRunner().invoke(
        cli,
        [
            "--tracking-uri",
            registered,
            "models",
            "predict",
            "models:/churn/1",
            "--input",
            str(source),
        ],
    )
    assert result.exit_code == 1
    assert "missing column 'age'" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["--tracking-uri", registered, "models", "show", "nope"])
    assert missing.exit_code == 1
    assert "nope" in missing.output
    bad_alias = CliRunner().invoke(
        cli, ["--tracking-uri", registered, "models", "alias", "set", "churn", "latest", "1"]
    )
    assert bad_alias.exit_code == 1
    assert "latest" in bad_alias.output


def test_rename_and_delete(registered: str) -> None:
    assert invoke(registered, "models", "rename", "churn", "churn-v2").exit_code == 0
    assert (
        invoke(registered, "models", "delete", "churn-v2", "--version", "1", "--yes").exit_code == 0
    )
    versions = json.loads(invoke(registered, "models", "versions", "churn-v2", "--json").output)
    assert [v["version"] for v in versions] == [2]
    refused = CliRunner().invoke(
        cli, ["--tracking-uri", registered, "models", "delete", "churn-v2"], input="n\n"
    )
    assert refused.exit_code == 1
    assert invoke(registered, "models", "delete", "churn-v2", "--yes").exit_code == 0
    assert json.loads(invoke(registered, "models", "list", "--json").output) == []
    events = json.loads(invoke(registered, "models", "events", "--json").output)
    assert events[-1]["event_type"] == "REGISTERED_MODEL_DELETED"
