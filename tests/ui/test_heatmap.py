"""The monitoring heatmap's layout (pure): order, colour steps, marks and alarms."""

from __future__ import annotations

import dataclasses
import math

import pytest

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
)
from driftloop.ui.heatmap import MISSING, PALETTE, build_heatmap, colour_step


def _run(
    run_id: str,
    end: int,
    scores: dict[str, float],
    drifted: set[str],
    details: dict[str, str] | None = None,
    changes: float | None = None,
) -> MonitorRun:
    points = [MonitorPoint(DATASET_COLUMN, "drifted_share", 0.5)]
    for column, score in scores.items():
        points.append(MonitorPoint(column, "drift_score", score))
        points.append(MonitorPoint(column, "drifted", 1.0 if column in drifted else 0.0))
    if changes is not None:
        points.append(MonitorPoint(PERFORMANCE_COLUMN, "change_points", changes))
    return MonitorRun(
        run_id=run_id,
        deployment="d",
        model_version=1,
        window_start=end - 10,
        window_end=end,
        rows=10,
        verdict=MonitorVerdict.DRIFT if drifted else MonitorVerdict.NO_DRIFT,
        created=end,
        points=tuple(points),
        details=details or {},
    )


def test_windows_are_in_time_order_and_rows_by_name_with_the_prediction_last() -> None:
    runs = [
        _run("b", 200, {"z": 0.8, "a": 0.1, PREDICTION_COLUMN: 0.4}, {"z"}, changes=0.0),
        _run("a", 100, {"z": 0.2, "a": math.nan}, set()),
    ]
    heatmap = build_heatmap(runs)
    assert [w.run_id for w in heatmap.windows] == ["a", "b"]
    assert [row.column for row in heatmap.rows] == ["a", "z", "prediction"]
    assert heatmap.max_score == 0.8
    a, z, prediction = heatmap.rows
    assert [c.label for c in a.cells] == ["—", "0.10"]  # NaN is shown as missing
    assert (a.cells[0].fill, a.cells[0].text) == MISSING
    assert [c.label for c in z.cells] == ["0.20", "0.80*"]
    assert [c.step for c in z.cells] == [1, 4]
    assert [c.label for c in prediction.cells] == ["—", "0.40"]  # not measured in run a
    assert heatmap.drifted_columns == ("z",)
    assert z.drifted_windows == 1
    assert [w.verdict for w in heatmap.windows] == ["no_drift", "drift"]
    assert not any(w.alarm for w in heatmap.windows)


def test_a_detector_alarm_marks_its_window() -> None:
    runs = [
        _run("a", 100, {"x": 0.1}, set(), {"last_change_ms": "95"}, changes=2.0),
        _run("b", 200, {"x": 0.1}, set(), {}, changes=0.0),
        _run("c", 300, {"x": 0.1}, set(), {"last_change_ms": "garbage"}, changes=math.nan),
    ]
    windows = build_heatmap(runs).windows
    assert [(w.alarm, w.alarm_ms, w.change_points) for w in windows] == [
        (True, 95, 2),
        (False, None, 0),
        (False, None, None),
    ]


def test_dataset_and_performance_points_are_not_rows() -> None:
    run = _run("a", 100, {"x": 0.3}, set())
    points = (*run.points, MonitorPoint(PERFORMANCE_COLUMN, "drift_score", 0.9))
    heatmap = build_heatmap([dataclasses.replace(run, points=points)])
    assert [row.column for row in heatmap.rows] == ["x"]
    assert heatmap.max_score == 0.3


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [(0.0, 1.0, 0), (0.19, 1.0, 0), (0.2, 1.0, 1), (0.99, 1.0, 4), (2.0, 1.0, 4), (0.5, 0.0, 0)],
)
def test_colour_steps(value: float, top: float, step: int) -> None:
    assert colour_step(value, top) == step


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(("fill", "text"), [*PALETTE, MISSING])
def test_cell_text_has_enough_contrast(fill: str, text: str) -> None:
    light, dark = sorted((_luminance(fill), _luminance(text)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5
