"""The inference log writer on local disk: completeness, flush triggers, files and layout."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.inference_log import (
    InferenceLogWriter,
    ScoredRequest,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id


def scored(
    rows: int = 1,
    *,
    timestamp_ms: int | None = None,
    route: str = "champion",
    request_id: str | None = None,
) -> ScoredRequest:
    return ScoredRequest(
        request_id=request_id or new_request_id(),
        timestamp_ms=timestamp_ms if timestamp_ms is not None else time.time_ns() // 1_000_000,
        model_name="churn",
        model_version=3,
        route=route,
        features=pd.DataFrame({"age": list(range(rows)), "plan": ["basic"] * rows}),
        predictions=[i % 2 for i in range(rows)],
        probabilities=[[0.25, 0.75]] * rows,
        latency_ms=1.25,
    )


def wait_until(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_every_request_id_is_written_exactly_once_under_concurrency(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "churn-api", flush_rows=2_000, flush_seconds=0.5)
    writer.start()
    expected: dict[str, int] = {}
    lock = threading.Lock()

    def client(seed: int) -> None:
        mine = {}
        for i in range(2_000):
            request = scored(1 + (seed + i) % 5)
            assert writer.submit(request)
            mine[request.request_id] = len(request.features)
        with lock:
            expected.update(mine)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()

    stats = writer.stats
    assert stats.dropped_rows == 0
    assert stats.queued_rows == 0
    assert stats.written_rows == sum(expected.values())
    table = read_inference_log(str(tmp_path), "churn-api", with_feedback=False)
    counts = Counter(table.column("request_id").to_pylist())
    assert len(counts) == 8_000
    assert counts == Counter(expected)
    pairs = list(
        zip(
            table.column("request_id").to_pylist(),
            table.column("row_index").to_pylist(),
            strict=True,
        )
    )
    assert len(set(pairs)) == len(pairs)
    assert all(index < expected[rid] for rid, index in pairs)


def test_layout_names_and_schema(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "churn-api", worker_id="w1")
    request = scored(2, timestamp_ms=1_750_000_000_000)
    writer.submit(request)
    writer.close()
    files = sorted((tmp_path / "churn-api" / "predictions").rglob("*"))
    assert [f.relative_to(tmp_path).as_posix() for f in files if f.is_file()] == [
        "churn-api/predictions/date=2025-06-15/w1-1750000000000-000000.parquet"
    ]
    table = pq.read_table(files[-1])
    assert table.column_names == [
        "request_id",
        "row_index",
        "timestamp",
        "deployment",
        "model_name",
        "model_version",
        "route",
        "latency_ms",
        "prediction",
        "probabilities",
        "feature.age",
        "feature.plan",
    ]
    assert str(table.schema.field("timestamp").type) == "timestamp[ms, tz=UTC]"
    assert str(table.schema.field("row_index").type) == "int32"
    assert str(table.schema.field("probabilities").type) == "list<element: double>"
    assert table.column("row_index").to_pylist() == [0, 1]
    assert table.column("deployment").to_pylist() == ["churn-api", "churn-api"]
    assert table.column("prediction").to_pylist() == [0, 1]


def test_default_worker_id_is_host_pid_random(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d")
    import os

    assert f"-{os.getpid()}-" in writer.worker_id
    assert writer.worker_id != InferenceLogWriter(str(tmp_path), "d").worker_id


def test_flush_by_rows(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d", flush_rows=5, flush_seconds=600)
    writer.start()
    try:
        for _ in range(5):
            writer.submit(scored())
        assert wait_until(lambda: writer.stats.written_rows == 5)
        writer.submit(scored())
        time.sleep(0.3)
        assert writer.stats.written_rows == 5  # one row waits for more rows or the timer
        assert writer.stats.queued_rows == 1
    finally:
        writer.close()
    assert writer.stats.written_rows == 6


def test_flush_by_seconds(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d", flush_rows=1_000, flush_seconds=0.3)
    writer.start()
    try:
        started = time.monotonic()
        writer.submit(scored())
        assert wait_until(lambda: writer.stats.written_rows == 1)
        assert time.monotonic() - started >= 0.25
    finally:
        writer.close()


def test_flush_writes_everything_submitted_before_it(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d", flush_rows=10_000, flush_seconds=600)
    ids = []
    for _ in range(20):
        request = scored()
        ids.append(request.request_id)
        writer.submit(request)
    writer.flush(timeout=10)
    assert writer.stats.written_rows == 20
    table = read_inference_log(str(tmp_path), "d", with_feedback=False)
    assert set(table.column("request_id").to_pylist()) == set(ids)
    writer.close()
    writer.close()  # idempotent


def test_close_without_start_drains_and_later_submits_are_dropped(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d")
    writer.submit(scored(3))
    writer.close()
    assert writer.stats.written_rows == 3
    assert writer.submit(scored(2)) is False
    assert writer.stats.dropped_rows == 2


def test_a_batch_across_midnight_is_split_by_utc_date(tmp_path: Path) -> None:
    midnight = int(dt.datetime(2026, 3, 1, tzinfo=dt.UTC).timestamp() * 1000)
    writer = InferenceLogWriter(str(tmp_path), "d", worker_id="w")
    writer.submit(scored(2, timestamp_ms=midnight - 500))
    writer.submit(scored(1, timestamp_ms=midnight + 500))
    writer.close()
    before = list((tmp_path / "d" / "predictions" / "date=2026-02-28").glob("*.parquet"))
    after = list((tmp_path / "d" / "predictions" / "date=2026-03-01").glob("*.parquet"))
    assert len(before) == len(after) == 1
    assert pq.read_table(before[0]).num_rows == 2
    assert pq.read_table(after[0]).num_rows == 1
    assert after[0].name.startswith(f"w-{midnight + 500}-")


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d", flush_rows=3)
    for _ in range(10):
        writer.submit(scored())
    writer.close()
    names = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert names
    assert all(name.endswith(".parquet") and not name.startswith(".") for name in names)


def test_file_uri_root(tmp_path: Path) -> None:
    writer = InferenceLogWriter(tmp_path.as_uri(), "d")
    writer.submit(scored())
    writer.close()
    assert read_inference_log(str(tmp_path), "d").num_rows == 1


@pytest.mark.parametrize("deployment", ["", "../up", "a/b", ".hidden"])
def test_bad_deployment_names_are_refused(tmp_path: Path, deployment: str) -> None:
    with pytest.raises(InvalidParameterError, match="deployment must be") as info:
        InferenceLogWriter(str(tmp_path), deployment)
    assert info.value.field == "deployment"


def test_bad_requests_are_refused_at_submit(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "d")
    request = scored(2)
    with pytest.raises(InvalidParameterError, match="route must be one of"):
        writer.submit(ScoredRequest(**{**_fields(request), "route": "canary"}))
    with pytest.raises(InvalidParameterError, match="1 predictions for 2 feature rows"):
        writer.submit(ScoredRequest(**{**_fields(request), "predictions": [1]}))
    with pytest.raises(InvalidParameterError, match="3 probability lists") as info:
        writer.submit(ScoredRequest(**{**_fields(request), "probabilities": [[1.0]] * 3}))
    assert info.value.field == "probabilities"
    writer.close()
    assert writer.stats.written_rows == 0


def test_unsupported_root_scheme(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="must be a path, file:// or s3://"):
        InferenceLogWriter("gs://bucket/logs", "d")


def test_mixed_predictions_are_strings_and_list_predictions_are_lists(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "mixed")
    request = scored(2)
    writer.submit(ScoredRequest(**{**_fields(request), "predictions": [1, "b"]}))
    writer.close()
    table = read_inference_log(str(tmp_path), "mixed", with_feedback=False)
    assert table.column("prediction").to_pylist() == ["1", "b"]
    multi = InferenceLogWriter(str(tmp_path), "multi")
    multi.submit(
        ScoredRequest(
            **{**_fields(request), "predictions": [[1.0, 2.0], [3.0, 4.0]], "probabilities": None}
        )
    )
    multi.close()
    table = read_inference_log(str(tmp_path), "multi", with_feedback=False)
    assert table.column("prediction").to_pylist() == [[1.0, 2.0], [3.0, 4.0]]
    assert table.column("probabilities").to_pylist() == [None, None]


def _fields(request: ScoredRequest) -> dict[str, object]:
    return {name: getattr(request, name) for name in ScoredRequest.__slots__}


def test_numpy_predictions_and_probabilities(tmp_path: Path) -> None:
    import numpy as np

    writer = InferenceLogWriter(str(tmp_path), "np")
    request = scored(3)
    writer.submit(
        ScoredRequest(
            **{
                **_fields(request),
                "predictions": np.array([0.5, 1.5, 2.5]),
                "probabilities": np.array([[1, 0], [0.5, 0.5], [0, 1]]),
            }
        )
    )
    writer.submit(ScoredRequest(**{**_fields(scored(1)), "predictions": [np.int64(4)]}))
    writer.close()
    table = read_inference_log(str(tmp_path), "np", with_feedback=False)
    assert table.column("prediction").to_pylist() == [0.5, 1.5, 2.5, 4.0]
    assert table.column("probabilities").to_pylist()[:3] == [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
