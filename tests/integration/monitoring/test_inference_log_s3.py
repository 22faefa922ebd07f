"""The inference log on a real S3 server (``rclone serve s3``): completeness and reading."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pandas as pd
import pytest
from tests.contract.s3_server import S3Server, require_rclone, run_s3_server

from driftloop.monitoring.inference_log import (
    FeedbackLabel,
    InferenceLogWriter,
    ScoredRequest,
    feature_frame,
    find_request_ids,
    read_inference_log,
)
from driftloop.monitoring.request_ids import new_request_id

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    rclone = require_rclone()
    with run_s3_server(rclone, tmp_path_factory.mktemp("s3-server")) as server:
        yield server


@pytest.fixture
def root(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh prefix; keys from the standard AWS variables, the endpoint in the URI."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    prefix = f"logs-{uuid.uuid4().hex[:8]}"
    return (
        f"s3://{s3_server.bucket}/{prefix}?endpoint_url={s3_server.endpoint_url}&region=us-east-1"
    )


def scored(rows: int, route: str) -> ScoredRequest:
    return ScoredRequest(
        request_id=new_request_id(),
        timestamp_ms=time.time_ns() // 1_000_000,
        model_name="churn",
        model_version=2,
        route=route,
        features=pd.DataFrame({"tenure": list(range(rows)), "plan": ["pro"] * rows}),
        predictions=[True] * rows,
        probabilities=[[0.1, 0.9]] * rows,
        latency_ms=3.0,
    )


def test_every_request_id_is_written_exactly_once_on_s3(root: str, s3_server: S3Server) -> None:
    writer = InferenceLogWriter(root, "churn-api", flush_rows=400, flush_seconds=0.5)
    writer.start()
    expected: dict[str, int] = {}
    lock = threading.Lock()

    def client(seed: int) -> None:
        mine = {}
        for i in range(400):
            request = scored(1 + (seed + i) % 5, "champion" if i % 4 else "challenger")
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

    assert writer.stats.dropped_rows == 0
    assert writer.stats.failed_writes == 0
    table = read_inference_log(root, "churn-api", with_feedback=False)
    assert Counter(table.column("request_id").to_pylist()) == Counter(expected)
    pairs = set(
        zip(
            table.column("request_id").to_pylist(),
            table.column("row_index").to_pylist(),
            strict=True,
        )
    )
    assert len(pairs) == table.num_rows == sum(expected.values())
    # The objects really are on the server's disk, under the documented layout, whole.
    prefix = root.split("?", maxsplit=1)[0].removeprefix(f"s3://{s3_server.bucket}/")
    served = s3_server.served_dir / s3_server.bucket / prefix / "churn-api" / "predictions"
    files = [p for p in served.rglob("*") if p.is_file()]
    assert files
    assert all(p.parent.name.startswith("date=") and p.suffix == ".parquet" for p in files)
    assert len(files) == writer.stats.written_files


def test_windows_feedback_and_lookups_on_s3(root: str) -> None:
    writer = InferenceLogWriter(root, "fraud")
    requests = [scored(2, "champion" if i % 2 else "shadow") for i in range(6)]
    for request in requests:
        assert writer.submit(request)
    writer.flush(timeout=30)
    labels = [
        FeedbackLabel(requests[0].request_id, False, 0, requests[0].timestamp_ms + 10),
        FeedbackLabel(requests[0].request_id, True, 0, requests[0].timestamp_ms + 20),
        FeedbackLabel(requests[3].request_id, True, 1),
    ]
    assert writer.submit_feedback(labels)
    writer.close()

    table = read_inference_log(root, "fraud")
    assert table.num_rows == 12
    by_row = {
        (rid, index): label
        for rid, index, label in zip(
            table.column("request_id").to_pylist(),
            table.column("row_index").to_pylist(),
            table.column("label").to_pylist(),
            strict=True,
        )
    }
    assert by_row[(requests[0].request_id, 0)] is True
    assert by_row[(requests[3].request_id, 1)] is True
    assert sum(label is not None for label in by_row.values()) == 2
    newest = read_inference_log(root, "fraud", last_rows=4, routes={"champion"})
    assert newest.column("request_id").to_pylist() == [
        requests[3].request_id,
        requests[3].request_id,
        requests[5].request_id,
        requests[5].request_id,
    ]
    assert list(feature_frame(newest).columns) == ["tenure", "plan"]
    unknown = new_request_id()
    assert find_request_ids(root, "fraud", [requests[1].request_id, unknown]) == {
        requests[1].request_id
    }
