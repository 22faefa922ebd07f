"""Traffic windows of the deployment page (pure): widths, counts, rates and percentiles."""

from __future__ import annotations

import numpy as np
import pytest

from driftloop.ui.traffic import WIDTHS_MS, traffic_windows, window_width


def _ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


@pytest.mark.parametrize(
    ("span", "count", "width"),
    [(1, 12, 1_000), (12_000, 12, 1_000), (12_001, 12, 5_000), (3_600_000, 12, 300_000)],
)
def test_the_window_is_the_smallest_round_width_that_fits(
    span: int, count: int, width: int
) -> None:
    assert window_width(span, count) == width
    assert width in WIDTHS_MS


def test_windows_count_requests_failures_latency_and_labels() -> None:
    requests = _ints(0, 100, 200, 1_100, 1_900)
    latency = np.array([1.0, 2.0, 3.0, 10.0, 30.0])
    failures = _ints(1_500)
    rows = _ints(0, 100, 100, 200, 1_100, 1_900)  # request 100 had two rows
    labelled = np.array([True, True, False, False, True, True])
    windows = traffic_windows(requests, latency, failures, rows, labelled, count=12)
    assert [(w.start_ms, w.end_ms) for w in windows] == [(1_000, 2_000), (0, 1_000)]
    newest, oldest = windows
    assert (oldest.requests, oldest.failures, oldest.rows) == (3, 0, 4)
    assert oldest.rate_per_s == 3.0
    assert oldest.error_rate == 0.0
    assert oldest.p50_ms == 2.0
    assert oldest.p99_ms == pytest.approx(np.percentile([1.0, 2.0, 3.0], 99))
    assert oldest.labelled_share == 0.5
    assert (newest.requests, newest.failures, newest.rows) == (2, 1, 2)
    assert newest.error_rate == pytest.approx(1 / 3)
    assert newest.p50_ms == 20.0
    assert newest.labelled_share == 1.0


def test_windows_without_traffic_say_so() -> None:
    requests = _ints(0, 60_000)
    windows = traffic_windows(
        requests, np.array([1.0, 2.0]), _ints(), requests, np.array([False, False]), count=3
    )
    assert [w.start_ms for w in windows] == [60_000, 30_000, 0]  # 30 s wide
    assert [w.requests for w in windows] == [1, 0, 1]
    assert windows[1].requests == 0
    assert windows[1].error_rate is None
    assert windows[1].p50_ms is None
    assert windows[1].labelled_share is None
    assert traffic_windows(_ints(), np.zeros(0), _ints(), _ints(), np.zeros(0, bool)) == []


def test_at_most_count_windows_are_kept_the_newest() -> None:
    requests = _ints(0, 86_400_000 * 20)  # twenty days apart: wider than the widest width
    windows = traffic_windows(
        requests, np.array([1.0, 2.0]), _ints(), requests, np.array([True, True]), count=4
    )
    assert len(windows) == 4
    assert windows[0].requests == 1
    assert sum(w.requests for w in windows) == 1
