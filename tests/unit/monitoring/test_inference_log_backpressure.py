"""Bounded memory and storage failures: the queue never grows past its bound, nothing raises.

Slow and failing storage are real local filesystems with a gate or a fault in ``pipe_file``,
passed in through the writer's documented ``filesystem`` parameter.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fsspec.implementations.local import LocalFileSystem

from driftloop.monitoring.inference_log import (
    FeedbackLabel,
    InferenceLogWriter,
    ScoredRequest,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id


class GatedFileSystem(LocalFileSystem):  # type: ignore[misc]
    """Local disk whose writes wait until the gate opens (storage that hangs)."""

    cachable = False

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def pipe_file(self, path: str, value: bytes, **kwargs: Any) -> None:
        assert self.gate.wait(30), "the test never opened the gate"
        super().pipe_file(path, value, **kwargs)


class FailingFileSystem(LocalFileSystem):  # type: ignore[misc]
    """Local disk whose first ``failures`` writes fail (storage that is down, then back)."""

    cachable = False

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    def pipe_file(self, path: str, value: bytes, **kwargs: Any) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise PermissionError(13, "Access denied", "s3://secret-bucket/key?X-Amz-Signature=x")
        super().pipe_file(path, value, **kwargs)


def scored(rows: int = 1) -> ScoredRequest:
    return ScoredRequest(
        request_id=new_request_id(),
        timestamp_ms=time.time_ns() // 1_000_000,
        model_name="m",
        model_version=1,
        route="shadow",
        features=pd.DataFrame({"x": [1.0] * rows}),
        predictions=[1.0] * rows,
        probabilities=None,
        latency_ms=0.5,
    )


def test_full_queue_blocks_briefly_then_drops_and_counts(tmp_path: Path) -> None:
    fs = GatedFileSystem()
    writer = InferenceLogWriter(
        str(tmp_path), "d", filesystem=fs, flush_rows=2, max_queue_rows=10, block_seconds=0.1
    )
    writer.start()
    try:
        accepted = sum(writer.submit(scored(2)) for _ in range(5))
        assert accepted == 5
        assert writer.stats.queued_rows == 10
        started = time.monotonic()
        assert writer.submit(scored(1)) is False
        waited = time.monotonic() - started
        assert 0.08 <= waited < 2.0
        assert writer.submit_feedback([FeedbackLabel(new_request_id(), 1)]) is False
        for _ in range(20):
            assert writer.submit(scored(3)) is False
            assert writer.stats.queued_rows <= 10
        stats = writer.stats
        assert stats.dropped_rows == 1 + 1 + 60
        assert stats.written_rows == 0
    finally:
        fs.gate.set()
        writer.close()
    assert writer.stats.written_rows == 10
    assert writer.stats.queued_rows == 0
    assert read_inference_log(str(tmp_path), "d", with_feedback=False).num_rows == 10


def test_room_freed_by_a_write_lets_a_blocked_submit_in(tmp_path: Path) -> None:
    fs = GatedFileSystem()
    writer = InferenceLogWriter(
        str(tmp_path), "d", filesystem=fs, flush_rows=1, max_queue_rows=2, block_seconds=5.0
    )
    writer.start()
    assert writer.submit(scored(2))
    threading.Timer(0.2, fs.gate.set).start()
    started = time.monotonic()
    assert writer.submit(scored(1))  # waits for the write, then fits
    assert 0.15 <= time.monotonic() - started < 4.0
    writer.close()
    assert writer.stats.written_rows == 3
    assert writer.stats.dropped_rows == 0


def test_a_request_larger_than_the_queue_is_dropped_at_once(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d", max_queue_rows=4, block_seconds=5.0)
    started = time.monotonic()
    assert writer.submit(scored(5)) is False
    assert time.monotonic() - started < 1.0
    assert writer.stats.dropped_rows == 5
    writer.close()


def test_storage_errors_are_counted_and_the_thread_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fs = FailingFileSystem(failures=2)  # the first batch fails twice (attempt + retry)
    writer = InferenceLogWriter(str(tmp_path), "d", filesystem=fs, flush_rows=10_000)
    assert writer.submit(scored(3))
    writer.flush(timeout=10)
    stats = writer.stats
    assert stats.failed_writes == 1
    assert stats.dropped_rows == 3
    assert stats.written_rows == 0
    assert stats.last_error is not None
    assert stats.last_error.startswith("PermissionError writing predictions/date=")
    assert "secret" not in stats.last_error
    assert "Signature" not in caplog.text
    assert writer.submit(scored(2))  # storage is back: the thread still runs
    writer.close()
    assert writer.stats.written_rows == 2
    assert writer.stats.failed_writes == 1
    assert not list(tmp_path.rglob(".*.tmp"))


def test_one_failure_is_retried(tmp_path: Path) -> None:
    fs = FailingFileSystem(failures=1)
    writer = InferenceLogWriter(str(tmp_path), "d", filesystem=fs)
    writer.submit(scored(4))
    writer.close()
    assert fs.attempts == 2
    assert writer.stats.written_rows == 4
    assert writer.stats.failed_writes == 0
    assert writer.stats.last_error is None


def test_flush_times_out_while_storage_hangs(tmp_path: Path) -> None:
    fs = GatedFileSystem()
    writer = InferenceLogWriter(str(tmp_path), "d", filesystem=fs)
    writer.submit(scored())
    with pytest.raises(TimeoutError, match="not flushed within"):
        writer.flush(timeout=0.2)
    fs.gate.set()
    writer.flush(timeout=10)
    assert writer.stats.written_rows == 1
    writer.close()


def test_a_request_arrow_cannot_convert_is_dropped_alone(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d")
    good = [scored(2), scored(1)]
    bad = ScoredRequest(
        **{
            **{name: getattr(good[0], name) for name in ScoredRequest.__slots__},
            "request_id": new_request_id(),
            "features": pd.DataFrame({"x": [object(), object(), object()]}),
            "predictions": [1.0, 2.0, 3.0],
        }
    )
    bad_same_columns = ScoredRequest(
        **{
            **{name: getattr(good[0], name) for name in ScoredRequest.__slots__},
            "request_id": new_request_id(),
            "features": pd.DataFrame({"x": [object()]}),
            "predictions": [1.0],
        }
    )
    assert writer.submit(good[0])
    assert writer.submit(bad)
    assert writer.submit(bad_same_columns)
    assert writer.submit(good[1])
    writer.close()
    stats = writer.stats
    assert stats.written_rows == 3
    assert stats.dropped_rows == 4
    assert stats.failed_writes == 2
    assert stats.last_error is not None
    assert "converting predictions to Arrow" in stats.last_error
    table = read_inference_log(str(tmp_path), "d", with_feedback=False)
    assert set(table.column("request_id").to_pylist()) == {r.request_id for r in good}
