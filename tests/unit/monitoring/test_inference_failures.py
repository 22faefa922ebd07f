"""Failed requests in the inference log: written by the real writer, read back by window."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.inference_log import (
    FailedRequest,
    InferenceLogWriter,
    ScoredRequest,
    find_request_ids,
    read_failures,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id

T0 = int(dt.datetime(2026, 5, 10, 23, 59, 59, tzinfo=dt.UTC).timestamp() * 1000)
DAY = 86_400_000


def failure(
    timestamp_ms: int,
    *,
    route: str = "challenger",
    version: int = 2,
    status: int = 500,
    request_id: str | None = None,
) -> FailedRequest:
    return FailedRequest(
        request_id=request_id or new_request_id(),
        timestamp_ms=timestamp_ms,
        model_name="m",
        model_version=version,
        route=route,
        error_type="RuntimeError" if status >= 500 else "SignatureError",
        error_code="INTERNAL_ERROR" if status >= 500 else "SIGNATURE_MISMATCH",
        status=status,
        latency_ms=1.5,
    )


def answered(timestamp_ms: int) -> ScoredRequest:
    return ScoredRequest(
        request_id=new_request_id(),
        timestamp_ms=timestamp_ms,
        model_name="m",
        model_version=1,
        route="champion",
        features=pd.DataFrame({"x": [1.0]}),
        predictions=[0],
        probabilities=None,
        latency_ms=2.0,
    )


def write(root: Path, *failures: FailedRequest, requests: tuple[ScoredRequest, ...] = ()) -> None:
    writer = InferenceLogWriter(str(root), "dep")
    for item in failures:
        assert writer.submit_failure(item)
    for scored in requests:
        assert writer.submit(scored)
    writer.close()


def test_failures_round_trip_in_time_order_across_dates(tmp_path: Path) -> None:
    # T0 is one second before midnight: the batch is split into two date partitions.
    written = [failure(T0 + 2000, status=400), failure(T0), failure(T0 + 1000, route="shadow")]
    write(tmp_path, *written[:1])
    write(tmp_path, *written[1:])
    dates = sorted(p.name for p in (tmp_path / "dep" / "failures").iterdir())
    assert dates == ["date=2026-05-10", "date=2026-05-11"]
    table = read_failures(str(tmp_path), "dep")
    in_order = [written[1], written[2], written[0]]
    assert table.column("request_id").to_pylist() == [f.request_id for f in in_order]
    first = table.to_pylist()[0]
    assert first["timestamp"] == dt.datetime.fromtimestamp(T0 / 1000, tz=dt.UTC)
    assert {k: first[k] for k in ("deployment", "model_name", "model_version", "route")} == {
        "deployment": "dep",
        "model_name": "m",
        "model_version": 2,
        "route": "challenger",
    }
    assert (first["error_type"], first["error_code"], first["status"]) == (
        "RuntimeError",
        "INTERNAL_ERROR",
        500,
    )
    assert first["latency_ms"] == 1.5
    assert table.schema.field("status").type == pa.int16()
    assert table.schema.field("model_version").type == pa.int32()


def test_window_and_route_filters(tmp_path: Path) -> None:
    written = [failure(T0 + i * 1000, route="shadow" if i % 2 else "challenger") for i in range(6)]
    write(tmp_path, *reversed(written))  # submitted out of order: read back in time order
    window = read_failures(str(tmp_path), "dep", start=T0 + 1000, end=T0 + 4000)
    assert window.column("request_id").to_pylist() == [f.request_id for f in written[1:4]]
    shadow = read_failures(str(tmp_path), "dep", routes={"shadow"})
    assert shadow.column("request_id").to_pylist() == [f.request_id for f in written[1::2]]
    later = dt.datetime.fromtimestamp((T0 + 2 * DAY) / 1000, tz=dt.UTC)
    assert read_failures(str(tmp_path), "dep", start=later).num_rows == 0


def test_a_log_without_failures_reads_as_none(tmp_path: Path) -> None:
    # A log written before failures were recorded: predictions only, no failures folder.
    write(tmp_path, requests=(answered(T0),))
    assert not (tmp_path / "dep" / "failures").exists()
    table = read_failures(str(tmp_path), "dep", start=0)
    assert table.num_rows == 0
    assert "status" in table.column_names
    assert read_failures(str(tmp_path), "never-written").num_rows == 0


def test_failures_stay_out_of_the_predictions(tmp_path: Path) -> None:
    now = time.time_ns() // 1_000_000  # find_request_ids looks near the ids' own time
    scored = answered(now)
    failed = failure(now + 1)
    write(tmp_path, failed, requests=(scored,))
    table = read_inference_log(str(tmp_path), "dep")
    assert table.column("request_id").to_pylist() == [scored.request_id]
    ids = find_request_ids(str(tmp_path), "dep", [scored.request_id, failed.request_id])
    assert ids == {scored.request_id}


def test_bad_failures_are_refused_naming_the_field(tmp_path: Path) -> None:
    writer = InferenceLogWriter(str(tmp_path), "dep")
    with pytest.raises(InvalidParameterError, match="route must be one of") as raised:
        writer.submit_failure(failure(T0, route="canary"))
    assert raised.value.field == "route"
    with pytest.raises(InvalidParameterError, match="HTTP error status") as raised:
        writer.submit_failure(failure(T0, status=200))
    assert raised.value.field == "status"
    writer.close()
    assert writer.submit_failure(failure(T0)) is False
    assert writer.stats.dropped_rows == 1
    with pytest.raises(InvalidParameterError, match="start must be a timezone-aware"):
        read_failures(str(tmp_path), "dep", start=dt.datetime(2026, 1, 1))
