"""The scoring routes over real HTTP: MLflow's formats, the native predict, errors, probes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import numpy as np
import pytest
from tests.serving.conftest import Registry
from tests.serving.models import FEATURES, training_frame

from driftloop.models.loading import load_model_uri

Serve = Callable[..., AbstractContextManager[str]]


@pytest.fixture(scope="module")
def expected(registry: Registry) -> np.ndarray:
    """What v1 predicts for the first 5 training rows, computed in this process."""
    model = load_model_uri(registry.client, "models:/clf/1", trusted=False)
    frame, _ = training_frame()
    return np.asarray(model.predict(frame.head(5)))


def _rows() -> list[list[float]]:
    frame, _ = training_frame()
    return frame.head(5).to_numpy().tolist()


def test_invocations_accepts_every_mlflow_format(serve: Serve, expected: np.ndarray) -> None:
    rows = _rows()
    records = [dict(zip(FEATURES, row, strict=True)) for row in rows]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(FEATURES)}
    bodies = [
        {"dataframe_split": {"columns": FEATURES, "data": rows}},
        {"dataframe_records": records},
        {"instances": records},
        {"inputs": columns},
    ]
    with serve("models:/clf@champion") as url:
        for body in bodies:
            response = httpx.post(f"{url}/invocations", json=body)
            assert response.status_code == 200, response.text
            assert response.json() == {"predictions": expected.tolist()}
            assert response.headers["x-model-version"] == "1"
            assert uuid.UUID(response.headers["x-request-id"]).version == 7
        csv = "f0,f1,f2,f3\n" + "\n".join(",".join(repr(v) for v in row) for row in rows)
        response = httpx.post(
            f"{url}/invocations", content=csv, headers={"content-type": "text/csv"}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"predictions": expected.tolist()}


def test_native_predict_answers_per_row(serve: Serve, expected: np.ndarray) -> None:
    rows = _rows()
    with serve("models:/clf@champion") as url:
        response = httpx.post(
            f"{url}/v1/predict", json={"dataframe_split": {"columns": FEATURES, "data": rows}}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert uuid.UUID(body["request_id"]).version == 7
    assert body["model_name"] == "clf"
    assert body["model_version"] == "1"
    assert body["route"] == "champion"
    assert [row["prediction"] for row in body["predictions"]] == expected.tolist()
    for row in body["predictions"]:
        assert set(row["probabilities"]) == {"0", "1"} or set(row["probabilities"]) == {0, 1}
        assert sum(row["probabilities"].values()) == pytest.approx(1.0)
        best = max(row["probabilities"], key=row["probabilities"].get)
        assert int(best) == row["prediction"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (
            b'{"dataframe_split": {"columns": ["f0", "f1", "f2"], "data": [[1, 2, 3]]}}',
            "application/json",
            400,
            "f3",
        ),
        (
            b'{"dataframe_records": [{"f0": "x", "f1": 1, "f2": 1, "f3": 1}]}',
            "application/json",
            400,
            "f0",
        ),
        (b"{not json", "application/json", 400, None),
        (b'{"dataframe_records": []}', "application/json", 400, None),
        (b'{"rows": [[1, 2, 3, 4]]}', "application/json", 400, None),
        (b'{"dataframe_records": [], "instances": []}', "application/json", 400, None),
        (b"[1, 2]", "application/json", 400, None),
        (b'{"instances": [[1, 2, 3, 4]]}', "text/plain", 415, None),
        (b"", "application/json", 400, None),
    ],
)
def test_bad_payloads_are_4xx_naming_the_problem(
    serve: Serve, body: bytes, content_type: str, status: int, field: str | None
) -> None:
    with serve("models:/clf@champion") as url:
        response = httpx.post(
            f"{url}/invocations", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == status, response.text
        error = response.json()
        assert error["error_code"]
        assert "Traceback" not in error["message"]
        if field is not None:
            assert error.get("field") == field, error
        # The server is still fine afterwards.
        good = httpx.post(
            f"{url}/invocations", json={"dataframe_split": {"columns": FEATURES, "data": _rows()}}
        )
        assert good.status_code == 200


def test_body_over_the_limit_is_413(serve: Serve) -> None:
    with serve("models:/clf@champion", max_body_bytes=1000) as url:
        rows = [[0.1, 0.2, 0.3, 0.4]] * 200
        response = httpx.post(
            f"{url}/invocations", json={"dataframe_split": {"columns": FEATURES, "data": rows}}
        )
    assert response.status_code == 413
    assert response.json()["error_code"] == "REQUEST_TOO_LARGE"


def test_probes_version_and_metrics(serve: Serve) -> None:
    with serve("models:/clf@champion") as url:
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{url}/ping").status_code == 200
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 200
        assert ready.json()["champion_version"] == 1
        version = httpx.get(f"{url}/version").json()
        assert version["model_name"] == "clf"
        assert version["target"] == "models:/clf@champion"
        for _ in range(3):
            httpx.post(
                f"{url}/invocations",
                json={"dataframe_split": {"columns": FEATURES, "data": _rows()}},
            )
        httpx.post(f"{url}/invocations", content=b"{", headers={"content-type": "application/json"})
        metrics = httpx.get(f"{url}/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert "driftloop_serving_requests_total" in text
    assert 'endpoint="/invocations"' in text
    assert "driftloop_serving_request_duration_seconds_bucket" in text
    assert "driftloop_serving_batch_rows" in text
    assert "driftloop_serving_errors_total" in text
    assert "driftloop_serving_rows_total" in text
    assert "driftloop_serving_inference_log_queue_depth" in text
    assert "driftloop_serving_inference_log_dropped_total" in text


def test_unknown_target_is_not_ready_but_alive(serve: Serve) -> None:
    with serve("models:/nope@champion") as url:
        assert httpx.get(f"{url}/health").status_code == 200
        ready = httpx.get(f"{url}/ready")
        assert ready.status_code == 503
        assert ready.json()["error_code"] == "NOT_READY"
        response = httpx.post(
            f"{url}/invocations", json={"dataframe_split": {"columns": FEATURES, "data": _rows()}}
        )
        assert response.status_code == 503
        assert "nope" in response.json()["message"]
