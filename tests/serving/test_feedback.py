"""``POST /v1/feedback``: late labels joined to predictions; unknown ids reported back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from tests.serving.models import FEATURES

from driftloop.monitoring.inference_log import read_inference_log
from driftloop.monitoring.request_ids import new_request_id

Serve = Callable[..., AbstractContextManager[str]]


def _predict(url: str, rows: int = 1) -> str:
    data = [[0.1 * i, 0.2, -0.3, 0.4] for i in range(rows)]
    response = httpx.post(
        f"{url}/v1/predict", json={"dataframe_split": {"columns": FEATURES, "data": data}}
    )
    assert response.status_code == 200, response.text
    request_id: str = response.json()["request_id"]
    return request_id


def test_labels_join_their_predictions(serve: Serve, tmp_path: Path) -> None:
    root = tmp_path / "log"
    with serve("models:/clf@champion", inference_log_uri=str(root)) as url:
        single = _predict(url)
        multi = _predict(url, rows=3)
        unlabelled = _predict(url)
        one = httpx.post(f"{url}/v1/feedback", json={"request_id": single, "label": 1})
        assert one.status_code == 200, one.text
        assert one.json() == {"accepted": 1, "pending": [], "unknown": []}
        stranger = str(uuid.uuid4())
        batch = httpx.post(
            f"{url}/v1/feedback",
            json={
                "labels": [
                    {"request_id": multi, "row_index": 0, "label": 0},
                    {"request_id": multi, "row_index": 2, "label": 1},
                    {"request_id": stranger, "label": 1},
                ]
            },
        )
        assert batch.status_code == 200, batch.text
        assert batch.json() == {"accepted": 2, "pending": [], "unknown": [stranger]}
        # A corrected label later wins.
        httpx.post(f"{url}/v1/feedback", json={"request_id": single, "label": 0})
    table = read_inference_log(str(root), "clf.champion").to_pylist()
    labels = {(row["request_id"], row["row_index"]): row["label"] for row in table}
    assert labels[(single, 0)] == 0
    assert labels[(multi, 0)] == 0
    assert labels[(multi, 1)] is None
    assert labels[(multi, 2)] == 1
    assert labels[(unlabelled, 0)] is None
    assert stranger not in {row["request_id"] for row in table}


def test_recent_ids_from_elsewhere_are_pending(serve: Serve) -> None:
    with serve("models:/clf@champion") as url:
        minted_elsewhere = new_request_id()  # e.g. another worker, not yet flushed
        response = httpx.post(
            f"{url}/v1/feedback", json={"request_id": minted_elsewhere, "label": 1}
        )
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "pending": [minted_elsewhere], "unknown": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": 1}, "request_id"),
        ({"request_id": "x"}, "label"),
        ({"request_id": "x", "label": None}, "label"),
        ({"request_id": "x", "label": [1]}, "label"),
        ({"request_id": "x", "label": 1, "row_index": -1}, "row_index"),
        ({"labels": []}, "labels"),
        (
            {"labels": [{"request_id": "x", "label": 1}, {"request_id": 5, "label": 1}]},
            "labels[1].request_id",
        ),
    ],
)
def test_bad_feedback_is_400_naming_the_field(
    serve: Serve, body: dict[str, object], field: str
) -> None:
    with serve("models:/clf@champion") as url:
        response = httpx.post(f"{url}/v1/feedback", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_feedback_needs_an_inference_log(serve: Serve) -> None:
    with serve("models:/clf@champion", inference_log_uri=None) as url:
        request_id = _predict(url)
        response = httpx.post(f"{url}/v1/feedback", json={"request_id": request_id, "label": 1})
    assert response.status_code == 400
    assert response.json()["field"] == "inference_log"
