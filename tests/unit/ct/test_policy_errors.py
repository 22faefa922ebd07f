"""Every refused policy names the file, the line and the dotted field of the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from driftloop.ct import PolicyError, load_policy, parse_policy

HEAD = """\
deployment: churn
training:
  entry_point: churn.train:main
gates:
  metric: f1
"""
# HEAD is lines 1-5; each case appends from line 6 on, unless it replaces HEAD.

CASES: list[tuple[str, str, int, str, str]] = [
    # (id, text, line, field, message pattern)
    (
        "unknown top-level key",
        HEAD + "trigers:\n  cooldown: 1h\n",
        6,
        "trigers",
        r"unknown key 'trigers' \(did you mean 'triggers'\?",
    ),
    (
        "unknown nested key",
        HEAD + "triggers:\n  performance:\n    metric: accuracy\n    min: 0.8\n    min_label: 3\n",
        10,
        "triggers.performance.min_label",
        r"did you mean 'min_labels'\?.*allowed: metric, higher_is_better, min, max",
    ),
    (
        "min_labels below 1",
        HEAD + "triggers:\n  performance:\n    metric: accuracy\n    min: 0.8\n    min_labels: 0\n",
        10,
        "triggers.performance.min_labels",
        r"must be >= 1 \(got 0\)",
    ),
    (
        "performance without bound",
        HEAD + "triggers:\n  performance:\n    metric: accuracy\n",
        7,
        "triggers.performance",
        r"set at least one of 'min', 'max' or 'max_drop'",
    ),
    (
        "performance min above max",
        HEAD + "triggers:\n  performance:\n    metric: r2\n    min: 0.9\n    max: 0.5\n",
        10,
        "triggers.performance.max",
        r"must be >= min \(0\.9\)",
    ),
    (
        "negative max_drop",
        HEAD + "triggers:\n  performance:\n    metric: r2\n    max_drop: -0.1\n",
        9,
        "triggers.performance.max_drop",
        r"must be >= 0\.0",
    ),
    (
        "drift consecutive zero",
        HEAD + "triggers:\n  drift:\n    consecutive: 0\n",
        8,
        "triggers.drift.consecutive",
        r"must be >= 1",
    ),
    (
        "drift consecutive as text",
        HEAD + "triggers:\n  drift:\n    consecutive: '3'\n",
        8,
        "triggers.drift.consecutive",
        r"must be an integer \(got '3'\)",
    ),
    (
        "bad cron",
        HEAD + "triggers:\n  schedule:\n    cron: '61 * * * *'\n",
        8,
        "triggers.schedule.cron",
        r"not a valid cron expression",
    ),
    (
        "six-field cron",
        HEAD + "triggers:\n  schedule:\n    cron: '0 0 3 * * 1'\n",
        8,
        "triggers.schedule.cron",
        r"expected 5 fields",
    ),
    (
        "cron that never fires",
        HEAD + "triggers:\n  schedule:\n    cron: '0 0 31 2 *'\n",
        8,
        "triggers.schedule.cron",
        r"cron",
    ),
    (
        "unknown time zone",
        HEAD + "triggers:\n  schedule:\n    cron: '@daily'\n    timezone: Mars/Olympus\n",
        9,
        "triggers.schedule.timezone",
        r"IANA time zone",
    ),
    (
        "new_labels without count",
        HEAD + "triggers:\n  new_labels: {}\n",
        7,
        "triggers.new_labels.count",
        r"required",
    ),
    (
        "cooldown without unit",
        HEAD + "triggers:\n  cooldown: 3600\n",
        7,
        "triggers.cooldown",
        r"must be a duration like 30m",
    ),
    (
        "cooldown bad unit",
        HEAD + "triggers:\n  cooldown: 2y\n",
        7,
        "triggers.cooldown",
        r"'2y' is not a duration",
    ),
    (
        "cooldown zero",
        HEAD + "triggers:\n  cooldown: 0m\n",
        7,
        "triggers.cooldown",
        r"longer than zero",
    ),
    (
        "unknown gate metric",
        HEAD.replace("f1", "pinball") + "  margin: 0.1\n",
        4,
        "gates.higher_is_better",
        r"cannot be inferred for metric 'pinball'",
    ),
    ("negative margin", HEAD + "  margin: -0.01\n", 6, "gates.margin", r"must be >= 0"),
    (
        "duplicate slice",
        HEAD + "  slices:\n    - region\n    - plan\n    - region\n",
        9,
        "gates.slices[2]",
        r"column 'region' is listed twice",
    ),
    ("slices not a list", HEAD + "  slices: region\n", 6, "gates.slices", r"must be a list"),
    (
        "data_validation not a bool",
        HEAD + "  data_validation: 'yes please'\n",
        6,
        "gates.data_validation",
        r"must be true or false",
    ),
    (
        "zero latency budget",
        HEAD + "  latency_budget_ms: 0\n",
        6,
        "gates.latency_budget_ms",
        r"must be > 0",
    ),
    (
        "infinite latency budget",
        HEAD + "  latency_budget_ms: .inf\n",
        6,
        "gates.latency_budget_ms",
        r"finite",
    ),
    (
        "bad entry point",
        HEAD.replace("churn.train:main", "churn/train.py"),
        3,
        "training.entry_point",
        r"'churn/train\.py' is not 'module:function' or 'project_dir#",
    ),
    (
        "entry point missing",
        "deployment: churn\ntraining:\n  parameters: {a: 1}\ngates:\n  metric: f1\n",
        2,
        "training.entry_point",
        r"required",
    ),
    (
        "parameters not a mapping",
        HEAD.replace("churn.train:main", "churn.train:main\n  parameters: [1, 2]"),
        4,
        "training.parameters",
        r"must be a mapping",
    ),
    (
        "bad deployment name",
        HEAD.replace("deployment: churn", "deployment: a/b"),
        1,
        "deployment",
        r"invalid deployment name 'a/b'",
    ),
    ("format version 2", "format_version: 2\n" + HEAD, 1, "format_version", r"must be one of 1"),
    (
        "unknown data source",
        HEAD + "data:\n  source: warehouse\n",
        7,
        "data.source",
        r"must be one of 'inference_log', 'loader' or 'both' \(got 'warehouse'\)",
    ),
    (
        "loader required",
        HEAD + "data:\n  source: loader\n",
        6,
        "data.loader",
        r"required when source is 'loader'",
    ),
    (
        "loader refused",
        HEAD + "data:\n  loader: a.b:c\n",
        7,
        "data.loader",
        r"only used when source is 'loader' or 'both'",
    ),
    (
        "loader must be a function",
        HEAD + "data:\n  source: both\n  loader: proj#load\n",
        8,
        "data.loader",
        r"is not 'module:function'",
    ),
    (
        "window with both",
        HEAD + "data:\n  window:\n    rows: 1000\n    duration: 7d\n",
        7,
        "data.window",
        r"set exactly one of 'rows' or 'duration'",
    ),
    (
        "window shorthand refused",
        HEAD + "data:\n  window: 7d\n",
        7,
        "data.window",
        r"must be a mapping",
    ),
    (
        "window smaller than min_rows",
        HEAD + "data:\n  window: {rows: 100}\n  min_rows: 200\n",
        7,
        "data.window.rows",
        r"must be at least min_rows \(200\)",
    ),
    (
        "holdout fraction 1",
        HEAD + "data:\n  holdout:\n    fraction: 1.0\n",
        8,
        "data.holdout.fraction",
        r"must be < 1\.0",
    ),
    (
        "holdout fraction 0",
        HEAD + "data:\n  holdout:\n    fraction: 0\n",
        8,
        "data.holdout.fraction",
        r"must be > 0\.0",
    ),
    (
        "holdout rows too many",
        HEAD + "data:\n  min_rows: 100\n  holdout:\n    rows: 100\n",
        9,
        "data.holdout.rows",
        r"must be less than min_rows \(100\)",
    ),
    (
        "holdout empty",
        HEAD + "data:\n  holdout: {}\n",
        7,
        "data.holdout",
        r"set exactly one of 'fraction' or 'rows'",
    ),
    ("min_rows 1", HEAD + "data:\n  min_rows: 1\n", 7, "data.min_rows", r"must be >= 2"),
    (
        "canary step above 1",
        HEAD + "rollout:\n  canary:\n    steps:\n      - 0.5\n      - 1.5\n",
        10,
        "rollout.canary.steps[1]",
        r"must be a fraction in \(0, 1\], got 1\.5",
    ),
    (
        "canary step decreasing",
        HEAD + "rollout:\n  canary:\n    steps: [0.1, 0.5, 0.5]\n",
        8,
        "rollout.canary.steps[2]",
        r"must be greater than the step before \(0\.5\)",
    ),
    (
        "canary steps empty",
        HEAD + "rollout:\n  canary:\n    steps: []\n",
        8,
        "rollout.canary.steps",
        r"must not be empty",
    ),
    (
        "canary hold empty",
        HEAD + "rollout:\n  canary:\n    hold: {}\n",
        8,
        "rollout.canary.hold",
        r"set 'requests', 'duration' or both",
    ),
    (
        "canary hold bad duration",
        HEAD + "rollout:\n  canary:\n    hold:\n      duration: soon\n",
        9,
        "rollout.canary.hold.duration",
        r"'soon' is not a duration",
    ),
    (
        "negative shadow",
        HEAD + "rollout:\n  shadow:\n    requests: -1\n",
        8,
        "rollout.shadow.requests",
        r"must be >= 0",
    ),
    (
        "error rate above 1",
        HEAD + "rollout:\n  rollback:\n    max_error_rate: 1.5\n",
        8,
        "rollout.rollback.max_error_rate",
        r"must be <= 1\.0",
    ),
    (
        "rollback min_samples",
        HEAD + "rollout:\n  rollback:\n    min_samples: 0\n",
        8,
        "rollout.rollback.min_samples",
        r"must be >= 1",
    ),
    (
        "rollback direction without metric",
        HEAD + "rollout:\n  rollback:\n    higher_is_better: true\n",
        8,
        "rollout.rollback.higher_is_better",
        r"only used with 'metric'",
    ),
    (
        "rollback unknown metric",
        HEAD + "rollout:\n  rollback:\n    metric: lift\n",
        7,
        "rollout.rollback.higher_is_better",
        r"cannot be inferred for metric 'lift'",
    ),
    (
        "entry point not text",
        HEAD.replace("churn.train:main", "3"),
        3,
        "training.entry_point",
        r"must be a string 'module:function' or 'project_dir#entry'",
    ),
    (
        "empty trigger section",
        HEAD + "triggers:\n  drift:\n",
        7,
        "triggers.drift",
        r"is empty: write \{\} for the defaults, or remove the key",
    ),
    (
        "empty section",
        HEAD + "rollout:\n  rollback:\n",
        7,
        "rollout.rollback",
        r"must be a mapping \(got null\)",
    ),
    (
        "since_change not a boolean",
        HEAD + "data:\n  window:\n    rows: 600\n    since_change: maybe\n",
        9,
        "data.window.since_change",
        r"must be true or false \(got 'maybe'\)",
    ),
    ("key not text", HEAD + "triggers:\n  1: {}\n", 7, "triggers.1", r"a key must be text"),
    ("recursive alias", HEAD + "extra: &loop [*loop]\n", 6, "extra", r"unknown key 'extra'"),
    ("duplicate key", HEAD + "gates:\n  metric: accuracy\n", 6, "gates", r"duplicate key"),
    ("bad yaml", HEAD + "triggers:\n  drift: {consecutive: 3\n", 8, "", r"invalid YAML"),
    ("tab indentation", HEAD + "triggers:\n\tdrift: {}\n", 7, "", r"invalid YAML"),
    ("not a mapping", "- deployment: churn\n", 1, "", r"a policy is a mapping.*this is a list"),
    ("empty", "# nothing yet\n", 1, "", r"this is empty"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "pattern"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_error_names_file_line_and_field(text: str, line: int, field: str, pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern) as caught:
        parse_policy(text, source="policy.yaml")
    error = caught.value
    where = f"{field}: " if field else ""
    first = str(error).splitlines()[0]
    assert first.startswith(f"policy.yaml:{line}: {where}"), first
    assert (error.line, error.field) == (line, field or None)
    assert error.source == "policy.yaml"


def test_every_problem_is_listed_in_file_order() -> None:
    text = HEAD + "triggers:\n  drift:\n    consecutive: 0\n  cooldown: forever\n"
    text = text.replace("metric: f1", "metric: f1\n  margin: -1")
    with pytest.raises(PolicyError, match="margin") as caught:
        parse_policy(text, source="p.yaml")
    lines = str(caught.value).splitlines()
    assert [issue.line for issue in caught.value.issues] == [6, 9, 10]
    assert lines[0].startswith("p.yaml:6: gates.margin: must be >= 0")
    assert lines[1].startswith("p.yaml:9: triggers.drift.consecutive: must be >= 1")
    assert lines[2].startswith("p.yaml:10: triggers.cooldown: 'forever' is not a duration")


def test_a_file_error_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD + "rollout:\n  canary:\n    steps: [0.5, 0.2]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape(f"{path}:8: rollout.canary.steps[1]: ")):
        load_policy(path)
