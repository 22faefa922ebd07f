"""Change detection on error streams: known change points are found, quickly, and quiet
streams stay quiet."""

from __future__ import annotations

import numpy as np
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.detectors import Detector, detect_changes, error_stream

CHANGE_AT = 2_000


def _errors(seed: int, before: float, after: float, rows: int = 4_000) -> np.ndarray:
    """0/1 errors of a classifier whose error rate jumps at CHANGE_AT."""
    rng = np.random.default_rng(seed)
    rate = np.where(np.arange(rows) < CHANGE_AT, before, after)
    return (rng.random(rows) < rate).astype(np.float64)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("detector", "parameters", "max_delay"),
    [
        ("adwin", {}, 400),
        ("page_hinkley", {"threshold": 10.0, "delta": 0.05}, 400),
        ("kswin", {"alpha": 0.005, "window_size": 300, "stat_size": 100}, 400),
    ],
)
def test_an_error_rate_jump_is_found_soon_after_it_happens(
    seed: int, detector: str, parameters: dict[str, float], max_delay: int
) -> None:
    stream = _errors(seed, before=0.1, after=0.5)
    if detector == "kswin":
        parameters = {**parameters, "seed": seed}
    changes = detect_changes(stream, detector=detector, **parameters)
    after = [c.index for c in changes if c.index >= CHANGE_AT]
    assert after, f"{detector} missed the change"
    assert after[0] - CHANGE_AT <= max_delay


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adwin_stays_quiet_on_a_stable_stream(seed: int) -> None:
    stream = _errors(seed, before=0.2, after=0.2)
    assert detect_changes(stream, detector="adwin") == []


def test_timestamps_are_reported() -> None:
    stream = _errors(5, before=0.05, after=0.6)
    stamps = [1_700_000_000_000 + 1000 * i for i in range(len(stream))]
    changes = detect_changes(stream, timestamps=stamps)
    assert changes
    for change in changes:
        assert change.timestamp == stamps[change.index]
        assert change.detector == "adwin"


def test_a_river_benchmark_series_change_is_found() -> None:
    """UK coal employment (river's annotated change-point series): ADWIN fires within a few
    points of a change point that the annotators marked."""
    from river.drift.datasets import UKCoalEmploy

    dataset = UKCoalEmploy()
    values = np.array([float(y) for _, y in dataset])
    marked = {point for points in dataset.annotations.values() for point in points}
    scaled = (values - values.mean()) / values.std()
    changes = detect_changes(scaled, detector="page_hinkley", threshold=3.0, delta=0.1)
    assert changes
    assert any(min(abs(c.index - m) for m in marked) <= 6 for c in changes)


def test_error_stream_for_both_tasks() -> None:
    assert error_stream([1, 0, 1], [1, 1, 1], task="classification").tolist() == [0, 1, 0]
    assert error_stream(["a", "b"], ["a", "a"], task="classification").tolist() == [0, 1]
    assert error_stream([1.5, 2.0], [1.0, 3.0], task="regression").tolist() == [0.5, 1.0]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: detect_changes([0.0, 1.0], detector="cusum"), "detector"),
        (lambda: detect_changes([0.0, float("nan")]), "values"),
        (lambda: detect_changes([0.0, 1.0], timestamps=[1]), "timestamps"),
        (lambda: detect_changes([0.0, 1.0], bogus=1), "parameters"),
        (lambda: error_stream([1], [1, 2], task="classification"), "labels"),
        (lambda: error_stream([1], [1], task="ranking"), "task"),
        (lambda: error_stream(["x"], [1.0], task="regression"), "labels"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        call()  # type: ignore[operator]
    assert raised.value.field == field


def test_detector_names() -> None:
    assert {d.value for d in Detector} == {"adwin", "page_hinkley", "kswin"}
