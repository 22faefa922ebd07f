"""Reading CT policies: a full example, a minimal one with its defaults, and the docs' example."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pydantic
import pytest
import yaml

from driftloop.ct import (
    EntryPoint,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
)
from driftloop.errors import InvalidParameterError

HERE = Path(__file__).parent
FULL = HERE / "full_policy.yaml"
DOCS = HERE.parents[2] / "docs" / "ct-policy.md"

MINIMAL = """\
deployment: churn
training:
  entry_point: churn.train:main
gates:
  metric: rmse
"""


def test_full_example_reads_every_section() -> None:
    policy = load_policy(FULL)

    assert policy.deployment == "churn"
    assert policy.training.entry_point == EntryPoint("function", "churn.train", "train_model")
    assert policy.training.parameters == {
        "n_estimators": 200,
        "max_depth": 8,
        "class_weight": "balanced",
    }
    data = policy.data
    assert (data.source, str(data.loader)) == ("both", "churn.data:load_crm_rows")
    assert data.window.duration == timedelta(days=14)
    assert data.window.rows is None
    assert (data.holdout.fraction, data.holdout.rows, data.min_rows) == (0.2, None, 2000)
    triggers = policy.triggers
    assert triggers.cooldown == timedelta(hours=12)
    assert triggers.drift is not None
    assert triggers.drift.consecutive == 3
    assert triggers.performance is not None
    assert triggers.performance.metric == "accuracy"
    assert triggers.performance.higher_is_better is True
    assert (triggers.performance.min, triggers.performance.max) == (0.80, None)
    assert triggers.performance.max_drop == 0.03
    assert triggers.performance.min_labels == 500
    assert triggers.schedule is not None
    assert (triggers.schedule.cron, triggers.schedule.timezone) == ("0 3 * * 1", "Europe/Paris")
    assert triggers.new_labels is not None
    assert triggers.new_labels.count == 20000
    gates = policy.gates
    assert (gates.metric, gates.higher_is_better, gates.margin) == ("f1", True, 0.005)
    assert gates.slices == ("region", "plan")
    assert gates.data_validation is True
    assert gates.latency_budget_ms == 25.0
    rollout = policy.rollout
    assert rollout.shadow.requests == 2000
    assert rollout.canary is not None
    assert rollout.canary.steps == (0.1, 0.5, 1.0)
    assert rollout.canary.hold.requests == 1000
    assert rollout.canary.hold.duration == timedelta(minutes=30)
    assert rollout.rollback.margin == 0.02
    assert rollout.rollback.min_samples == 300
    assert rollout.rollback.max_error_rate == 0.01
    assert rollout.rollback.max_p99_ms == 80.0
    assert (policy.rollback_metric, policy.rollback_higher_is_better) == ("accuracy", True)


def test_minimal_policy_takes_the_documented_defaults() -> None:
    policy = parse_policy(MINIMAL)

    assert policy.format_version == 1
    assert policy.training.parameters == {}
    assert policy.data.source == "inference_log"
    assert policy.data.loader is None
    assert policy.data.window.duration == timedelta(days=7)
    assert policy.data.holdout.fraction == 0.2
    assert policy.data.min_rows == 500
    assert policy.triggers.cooldown == timedelta(hours=1)
    assert policy.triggers.drift is None
    assert policy.triggers.performance is None
    assert policy.triggers.schedule is None
    assert policy.triggers.new_labels is None
    assert policy.gates.higher_is_better is False  # rmse: lower is better
    assert policy.gates.margin == 0.0
    assert policy.gates.slices == ()
    assert policy.gates.data_validation is True
    assert policy.gates.latency_budget_ms is None
    assert policy.rollout.shadow.requests == 1000
    assert policy.rollout.canary is not None
    assert policy.rollout.canary.steps == (0.1, 0.5, 1.0)
    assert policy.rollout.canary.hold.requests == 500
    assert policy.rollout.canary.hold.duration == timedelta(minutes=10)
    assert policy.rollout.shadow.duration == timedelta(minutes=10)
    assert policy.rollout.rollback.max_error_rate is None
    assert (policy.rollback_metric, policy.rollback_higher_is_better) == ("rmse", False)


def test_policy_is_frozen() -> None:
    policy = parse_policy(MINIMAL)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        policy.deployment = "other"  # type: ignore[misc]


def test_project_entry_point_and_rows_window_and_no_canary() -> None:
    policy = parse_policy(
        MINIMAL.replace("churn.train:main", "projects/churn#train")
        + "data:\n  window: {rows: 5000}\n  holdout: {rows: 400}\n"
        + "rollout:\n  shadow: {requests: 0}\n  canary: null\n"
    )
    assert policy.training.entry_point == EntryPoint("project", "projects/churn", "train")
    assert str(policy.training.entry_point) == "projects/churn#train"
    assert (policy.data.window.rows, policy.data.holdout.rows) == (5000, 400)
    assert policy.rollout.shadow.requests == 0
    assert policy.rollout.canary is None


def test_the_window_starts_at_the_change_unless_told_not_to() -> None:
    assert parse_policy(MINIMAL).data.window.since_change is True
    policy = parse_policy(MINIMAL + "data:\n  window: {rows: 5000, since_change: false}\n")
    assert policy.data.window.since_change is False
    assert policy.data.window.rows == 5000


def test_unknown_metric_with_explicit_direction_is_accepted() -> None:
    policy = parse_policy(MINIMAL.replace("rmse", "pinball_loss\n  higher_is_better: false"))
    assert (policy.gates.metric, policy.gates.higher_is_better) == ("pinball_loss", False)


def test_json_dump_reads_back_to_the_same_policy() -> None:
    policy = load_policy(FULL)
    dumped = policy.model_dump(mode="json")

    assert dumped["triggers"]["cooldown"] == "12h"
    assert dumped["training"]["entry_point"] == "churn.train:train_model"
    assert Policy.model_validate_json(policy.model_dump_json()) == policy


def test_docs_examples_are_the_tested_examples() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/ct-policy.md has no yaml block"
    assert parse_policy(blocks[0], source=str(DOCS)) == load_policy(FULL)
    assert parse_policy(blocks[1], source=str(DOCS)) == parse_policy(MINIMAL)


def test_policy_error_is_an_invalid_parameter_error_with_a_stable_code() -> None:
    with pytest.raises(InvalidParameterError, match="required") as caught:
        parse_policy("deployment: churn\n", source="p.yaml")
    error = caught.value
    assert isinstance(error, PolicyError)
    assert error.code == "INVALID_POLICY"
    assert error.http_status == 400
    assert error.to_dict()["error_code"] == "INVALID_POLICY"
    assert {issue.field for issue in error.issues} == {"training", "gates"}


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError, match=r"nope\.yaml:1: cannot read the policy") as caught:
        load_policy(missing)
    assert caught.value.line == 1


def test_undecodable_file_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"deployment: caf\xe9\n")
    with pytest.raises(PolicyError, match="UnicodeDecodeError"):
        load_policy(path)


@pytest.mark.parametrize(
    "text",
    [
        FULL.read_text(encoding="utf-8"),
        MINIMAL,
        MINIMAL + "rollout:\n  canary: null\n  fast_track: null\n  shadow:\n    duration: null\n",
    ],
)
def test_to_document_reads_back_to_the_same_policy(text: str) -> None:
    policy = parse_policy(text, source="p.yaml")
    document = policy.to_document()
    json.dumps(document)  # JSON-ready: it goes into event evidence
    assert parse_policy(yaml.safe_dump(document), source="again.yaml") == policy
    if policy.triggers.drift is None:  # an off trigger is left out, not written as null
        assert "drift" not in document.get("triggers", {})
