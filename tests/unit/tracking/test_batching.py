from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from driftloop.entities import Metric
from driftloop.errors import DriftloopError, MetricFlushError, RunNotActiveError
from driftloop.tracking.batching import MetricBatcher


class RecordingWriter:
    """A writer that records the chunks it is given (optionally failing)."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.chunks: list[tuple[str, list[Metric]]] = []
        self.fail_with = fail_with
        self.lock = threading.Lock()

    def __call__(self, run_id: str, metrics: Sequence[Metric]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        with self.lock:
            self.chunks.append((run_id, list(metrics)))

    def points(self, run_id: str) -> list[Metric]:
        with self.lock:
            return [m for rid, chunk in self.chunks if rid == run_id for m in chunk]


@pytest.fixture
def batcher() -> Iterator[MetricBatcher]:
    created = MetricBatcher(interval=0.05)
    yield created
    created.close()


def _points(count: int, key: str = "loss") -> list[Metric]:
    return [Metric(key, float(i), 1_000 + i, step=i) for i in range(count)]


def _wait_until_written(batcher: MetricBatcher, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while batcher.pending() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_flush_writes_everything_in_order_in_chunks_of_at_most_1000(
    batcher: MetricBatcher,
) -> None:
    writer = RecordingWriter()
    points = _points(4_321)
    for point in points:
        batcher.log("run", writer, [point])
    batcher.flush("run")
    assert writer.points("run") == points
    assert all(len(chunk) <= 1000 for _, chunk in writer.chunks)
    assert batcher.pending() == 0


def test_the_background_thread_writes_without_an_explicit_flush(batcher: MetricBatcher) -> None:
    writer = RecordingWriter()
    batcher.log("run", writer, _points(3))
    _wait_until_written(batcher)
    assert writer.points("run") == _points(3)


def test_runs_are_kept_apart(batcher: MetricBatcher) -> None:
    writer = RecordingWriter()
    batcher.log("a", writer, _points(5, "x"))
    batcher.log("b", writer, _points(7, "y"))
    batcher.flush()
    assert writer.points("a") == _points(5, "x")
    assert writer.points("b") == _points(7, "y")


def test_a_failed_write_is_raised_at_the_next_log_with_the_cause_chained(
    batcher: MetricBatcher,
) -> None:
    cause = RunNotActiveError("run 'r' is deleted")
    writer = RecordingWriter(fail_with=cause)
    batcher.log("r", writer, _points(10))
    _wait_until_written(batcher)
    with pytest.raises(MetricFlushError, match=r"10 metric point\(s\) of run r") as caught:
        batcher.log("r", writer, _points(1))
    assert caught.value.__cause__ is cause
    assert isinstance(caught.value, DriftloopError)
    # reported once: the next call goes through
    writer.fail_with = None
    batcher.log("r", writer, _points(1))
    batcher.flush("r")
    assert writer.points("r") == _points(1)


def test_flush_raises_a_failed_write(batcher: MetricBatcher) -> None:
    writer = RecordingWriter(fail_with=ValueError("driver text that must not leak"))
    batcher.log("r", writer, _points(2))
    with pytest.raises(MetricFlushError, match=r"could not be written: ValueError$"):
        batcher.flush("r")


def test_too_many_pending_points_are_written_by_the_caller() -> None:
    batcher = MetricBatcher(interval=60, max_pending=50)
    writer = RecordingWriter()
    try:
        batcher.log("r", writer, _points(50))
        assert batcher.pending("r") == 0
        assert writer.points("r") == _points(50)
    finally:
        batcher.close()


def test_forget_drops_the_buffer(batcher: MetricBatcher) -> None:
    writer = RecordingWriter()
    batcher.log("r", writer, _points(2))
    batcher.flush("r")
    batcher.forget("r")
    assert batcher.pending("r") == 0


def test_close_flushes_and_stops_the_thread() -> None:
    batcher = MetricBatcher(interval=60)
    writer = RecordingWriter()
    batcher.log("r", writer, _points(3))
    batcher.close()
    assert writer.points("r") == _points(3)
    assert not any(t.name == "driftloop-metric-batcher" and t.is_alive() for t in _threads())


def _threads() -> list[threading.Thread]:
    return threading.enumerate()
