"""Reading the inference log: windows, routes, the feedback join, schema evolution, look-ups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.inference_log import (
    FeedbackLabel,
    InferenceLogWriter,
    ScoredRequest,
    feature_frame,
    find_request_ids,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id

T0 = int(dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC).timestamp() * 1000)
DAY = 86_400_000


def request(
    timestamp_ms: int,
    *,
    rows: int = 1,
    route: str = "champion",
    version: int = 1,
    features: pd.DataFrame | None = None,
    predictions: list[object] | None = None,
    request_id: str | None = None,
) -> ScoredRequest:
    frame = (
        features if features is not None else pd.DataFrame({"x": [float(i) for i in range(rows)]})
    )
    return ScoredRequest(
        request_id=request_id or new_request_id(),
        timestamp_ms=timestamp_ms,
        model_name="m",
        model_version=version,
        route=route,
        features=frame,
        predictions=predictions if predictions is not None else [0] * len(frame),
        probabilities=None,
        latency_ms=2.0,
    )


def write(root: Path, *requests: ScoredRequest, labels: list[FeedbackLabel] | None = None) -> None:
    writer = InferenceLogWriter(str(root), "dep")
    for item in requests:
        assert writer.submit(item)
    if labels:
        assert writer.submit_feedback(labels)
    writer.close()


@pytest.fixture
def ten_requests(tmp_path: Path) -> list[ScoredRequest]:
    """Ten requests one second apart, routes alternating, written in two files."""
    requests = [
        request(T0 + i * 1000, route="champion" if i % 2 == 0 else "challenger") for i in range(10)
    ]
    write(tmp_path, *requests[5:])
    write(tmp_path, *requests[:5])
    return requests


def test_window_by_time_in_ms_and_datetimes(
    tmp_path: Path, ten_requests: list[ScoredRequest]
) -> None:
    table = read_inference_log(str(tmp_path), "dep", start=T0 + 2000, end=T0 + 5000)
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests[2:5]]
    start = dt.datetime.fromtimestamp((T0 + 8000) / 1000, tz=dt.timezone(dt.timedelta(hours=2)))
    table = read_inference_log(str(tmp_path), "dep", start=start)
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests[8:]]


def test_rows_come_in_timestamp_order(tmp_path: Path, ten_requests: list[ScoredRequest]) -> None:
    table = read_inference_log(str(tmp_path), "dep")
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests]


def test_last_rows(tmp_path: Path, ten_requests: list[ScoredRequest]) -> None:
    table = read_inference_log(str(tmp_path), "dep", last_rows=3)
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests[7:]]
    table = read_inference_log(str(tmp_path), "dep", last_rows=3, end=T0 + 5000)
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests[2:5]]
    assert read_inference_log(str(tmp_path), "dep", last_rows=1000).num_rows == 10


def test_last_rows_reaches_back_across_date_partitions(tmp_path: Path) -> None:
    older = [request(T0 - 2 * DAY + i) for i in range(3)]
    newer = [request(T0 + i) for i in range(2)]
    write(tmp_path, *older, *newer)
    table = read_inference_log(str(tmp_path), "dep", last_rows=4)
    assert table.column("request_id").to_pylist() == [r.request_id for r in [*older[1:], *newer]]


def test_route_filter(tmp_path: Path, ten_requests: list[ScoredRequest]) -> None:
    table = read_inference_log(str(tmp_path), "dep", routes={"challenger"})
    assert table.column("request_id").to_pylist() == [r.request_id for r in ten_requests[1::2]]
    assert set(table.column("route").to_pylist()) == {"challenger"}
    assert read_inference_log(str(tmp_path), "dep", routes=["shadow"]).num_rows == 0


def test_bad_window_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="start must be a timezone-aware") as info:
        read_inference_log(str(tmp_path), "dep", start=dt.datetime(2026, 1, 1))
    assert info.value.field == "start"
    with pytest.raises(InvalidParameterError, match="last_rows must be a positive integer"):
        read_inference_log(str(tmp_path), "dep", last_rows=0)
    with pytest.raises(InvalidParameterError, match="end must be Unix milliseconds"):
        read_inference_log(str(tmp_path), "dep", end="yesterday")  # type: ignore[arg-type]


def test_empty_log_reads_as_an_empty_table(tmp_path: Path) -> None:
    table = read_inference_log(str(tmp_path), "nothing-here")
    assert table.num_rows == 0
    assert {"request_id", "timestamp", "label", "label_timestamp"} <= set(table.column_names)


def test_feedback_join_latest_label_wins_and_unlabelled_rows_are_null(tmp_path: Path) -> None:
    first, second, third = request(T0, rows=2), request(T0 + 1), request(T0 + 2, rows=2)
    write(
        tmp_path,
        first,
        second,
        third,
        labels=[
            FeedbackLabel(third.request_id, "only-row-1", row_index=1, timestamp_ms=T0 + 5),
            FeedbackLabel(first.request_id, "no", row_index=0, timestamp_ms=T0 + 5_000),
            FeedbackLabel(first.request_id, "yes", row_index=0, timestamp_ms=T0 + 9_000),
            FeedbackLabel(first.request_id, "maybe", row_index=0, timestamp_ms=T0 + 7_000),
        ],
    )
    # A late label for the other row, in a later file on a later date.
    write(tmp_path, labels=[FeedbackLabel(first.request_id, "late", 1, T0 + 3 * DAY)])
    table = read_inference_log(str(tmp_path), "dep")
    rows = list(
        zip(
            table.column("request_id").to_pylist(),
            table.column("row_index").to_pylist(),
            table.column("label").to_pylist(),
            strict=True,
        )
    )
    assert rows == [
        (first.request_id, 0, "yes"),
        (first.request_id, 1, "late"),
        (second.request_id, 0, None),
        (third.request_id, 0, None),
        (third.request_id, 1, "only-row-1"),
    ]
    stamps = table.column("label_timestamp").cast(pa.int64()).to_pylist()
    assert stamps == [T0 + 9_000, T0 + 3 * DAY, None, None, T0 + 5]
    plain = read_inference_log(str(tmp_path), "dep", with_feedback=False)
    assert "label" not in plain.column_names


def test_feedback_timestamp_defaults_to_now(tmp_path: Path) -> None:
    scored = request(T0)
    write(tmp_path, scored, labels=[FeedbackLabel(scored.request_id, True)])
    table = read_inference_log(str(tmp_path), "dep")
    assert table.column("label").to_pylist() == [True]
    stamp = table.column("label_timestamp").cast(pa.int64())[0].as_py()
    now = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    assert now - 60_000 < stamp <= now


def test_schema_evolution_across_versions(tmp_path: Path) -> None:
    v1 = request(
        T0, version=1, features=pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), predictions=[0, 1]
    )
    v2 = request(
        T0 + 1, version=2, features=pd.DataFrame({"a": [0.5], "c": [7]}), predictions=["high"]
    )
    write(tmp_path, v1)
    write(tmp_path, v2)
    table = read_inference_log(str(tmp_path), "dep", with_feedback=False)
    assert table.column("model_version").to_pylist() == [1, 1, 2]
    assert pa.types.is_floating(table.schema.field("feature.a").type)
    assert table.column("feature.a").to_pylist() == [1.0, 2.0, 0.5]
    assert table.column("feature.b").to_pylist() == ["x", "y", None]
    assert table.column("feature.c").to_pylist() == [None, None, 7]
    assert table.column("prediction").to_pylist() == ["0", "1", "high"]
    frame = feature_frame(table)
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].tolist() == [1.0, 2.0, 0.5]


def id_at(timestamp_ms: int) -> str:
    """A v7 id whose embedded time is ``timestamp_ms`` (as the server makes at scoring time)."""
    rid = new_request_id()
    head = f"{timestamp_ms:012x}"
    return f"{head[:8]}-{head[8:]}{rid[13:]}"


def test_find_request_ids(tmp_path: Path) -> None:
    written = [request(T0 + i * DAY // 2, request_id=id_at(T0 + i * DAY // 2)) for i in range(6)]
    # Made by a client whose clock is 20 hours behind: found through the ± one day margin.
    skewed = request(T0 + DAY, request_id=id_at(T0 + DAY - 20 * 3_600_000))
    legacy = request(T0, request_id="client-chosen-id")
    write(tmp_path, *written, skewed, legacy)
    unknown = id_at(T0)
    asked = [written[0].request_id, written[5].request_id, skewed.request_id, unknown]
    assert find_request_ids(str(tmp_path), "dep", asked) == {
        written[0].request_id,
        written[5].request_id,
        skewed.request_id,
    }
    assert find_request_ids(str(tmp_path), "dep", ["client-chosen-id", "other"]) == {
        "client-chosen-id"
    }
    assert find_request_ids(str(tmp_path), "dep", []) == set()
    assert find_request_ids(str(tmp_path), "elsewhere", asked) == set()


def test_rows_out_of_order_in_a_file_are_sorted(tmp_path: Path) -> None:
    requests = [request(T0 + 3000 - i * 1000) for i in range(4)]  # newest submitted first
    write(tmp_path, *requests)
    table = read_inference_log(str(tmp_path), "dep", with_feedback=False)
    assert table.column("request_id").to_pylist() == [r.request_id for r in reversed(requests)]
    newest = read_inference_log(str(tmp_path), "dep", last_rows=1, with_feedback=False)
    assert newest.column("request_id").to_pylist() == [requests[0].request_id]
