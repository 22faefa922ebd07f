"""MLflow's experiment, run, metric and artifact-list routes over raw HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

API = "/api/2.0/mlflow"


def post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(f"{API}/{path}", json=body)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def make_run(http: httpx.Client, name: str = "exp") -> tuple[str, str]:
    experiment_id = ok(post(http, "experiments/create", {"name": name}))["experiment_id"]
    run = ok(post(http, "runs/create", {"experiment_id": experiment_id, "start_time": 1}))
    return experiment_id, run["run"]["info"]["run_id"]


def test_experiment_lifecycle(http: httpx.Client) -> None:
    created = ok(
        post(http, "experiments/create", {"name": "a", "tags": [{"key": "k", "value": "v"}]})
    )
    experiment_id = created["experiment_id"]
    assert isinstance(experiment_id, str)
    got = ok(http.get(f"{API}/experiments/get", params={"experiment_id": experiment_id}))
    experiment = got["experiment"]
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"
    assert experiment["tags"] == [{"key": "k", "value": "v"}]
    assert experiment["lifecycle_stage"] == "active"
    assert isinstance(experiment["creation_time"], int)
    missing = http.get(f"{API}/experiments/get-by-name", params={"experiment_name": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    duplicate = post(http, "experiments/create", {"name": "a"})
    assert duplicate.status_code == 400
    assert duplicate.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    assert (
        ok(post(http, "experiments/update", {"experiment_id": experiment_id, "new_name": "b"}))
        == {}
    )
    by_name = ok(http.get(f"{API}/experiments/get-by-name", params={"experiment_name": "b"}))
    assert by_name["experiment"]["experiment_id"] == experiment_id
    body = {"experiment_id": experiment_id, "key": "x", "value": ""}
    assert ok(post(http, "experiments/set-experiment-tag", body)) == {}
    body = {"experiment_id": experiment_id, "key": "k"}
    assert ok(post(http, "experiments/delete-experiment-tag", body)) == {}
    assert ok(post(http, "experiments/delete", {"experiment_id": experiment_id})) == {}
    active = ok(http.get(f"{API}/experiments/search", params={"max_results": 10}))
    assert experiment_id not in [e["experiment_id"] for e in active["experiments"]]
    deleted = ok(post(http, "experiments/search", {"view_type": "DELETED_ONLY"}))
    assert [e["experiment_id"] for e in deleted["experiments"]] == [experiment_id]
    assert ok(post(http, "experiments/restore", {"experiment_id": experiment_id})) == {}


def test_experiment_search_pages(http: httpx.Client) -> None:
    for index in range(3):
        ok(post(http, "experiments/create", {"name": f"page-{index}"}))
    first = ok(
        http.get(
            f"{API}/experiments/search", params={"max_results": 2, "filter": "name LIKE 'page-%'"}
        )
    )
    assert len(first["experiments"]) == 2
    rest = ok(
        http.get(
            f"{API}/experiments/search",
            params={"filter": "name LIKE 'page-%'", "page_token": first["next_page_token"]},
        )
    )
    assert len(rest["experiments"]) == 1
    assert "next_page_token" not in rest


def test_run_logging_and_get(http: httpx.Client) -> None:
    _, run_id = make_run(http)
    assert (
        ok(
            post(
                http,
                "runs/log-metric",
                {"run_id": run_id, "key": "m", "value": 1.5, "timestamp": 5, "step": 1},
            )
        )
        == {}
    )
    ok(
        post(
            http,
            "runs/log-metric",
            {"run_uuid": run_id, "key": "n", "value": "NaN", "timestamp": 5},
        )
    )
    ok(post(http, "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "x" * 7000}))
    ok(post(http, "runs/set-tag", {"run_id": run_id, "key": "t", "value": "v"}))
    ok(post(http, "runs/set-tag", {"run_id": run_id, "key": "gone", "value": "v"}))
    ok(post(http, "runs/delete-tag", {"run_id": run_id, "key": "gone"}))
    batch = {
        "run_id": run_id,
        "metrics": [{"key": "m", "value": 2.0, "timestamp": 6, "step": 2}],
        "params": [{"key": "q", "value": "1"}],
        "tags": [{"key": "u", "value": "w"}],
    }
    ok(post(http, "runs/log-batch", batch))
    dataset = {"name": "d", "digest": "abc", "source_type": "local", "source": "{}"}
    inputs = {
        "run_id": run_id,
        "datasets": [
            {"tags": [{"key": "mlflow.data.context", "value": "train"}], "dataset": dataset}
        ],
    }
    assert ok(post(http, "runs/log-inputs", inputs)) == {}
    assert (
        ok(
            post(
                http, "runs/outputs", {"run_id": run_id, "models": [{"model_id": "m-1", "step": 0}]}
            )
        )
        == {}
    )
    ok(post(http, "runs/log-model", {"run_id": run_id, "model_json": '{"artifact_path": "m"}'}))
    run = ok(http.get(f"{API}/runs/get", params={"run_id": run_id}))["run"]
    assert run["info"]["run_uuid"] == run_id
    assert run["info"]["status"] == "RUNNING"
    assert run["info"]["artifact_uri"].startswith("mlflow-artifacts:/")
    metrics = {m["key"]: m for m in run["data"]["metrics"]}
    assert metrics["m"] == {"key": "m", "value": 2.0, "timestamp": 6, "step": 2}
    assert metrics["n"]["value"] == "NaN"
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params == {"p": "x" * 6000, "q": "1"}
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["t"] == "v"
    assert "gone" not in tags
    assert '"artifact_path": "m"' in tags["mlflow.log-model.history"]
    assert run["inputs"]["dataset_inputs"][0]["dataset"]["digest"] == "abc"
    history = ok(
        http.get(f"{API}/metrics/get-history", params={"run_id": run_id, "metric_key": "m"})
    )
    assert [p["value"] for p in history["metrics"]] == [1.5, 2.0]
    paged = ok(
        http.get(
            f"{API}/metrics/get-history",
            params={"run_id": run_id, "metric_key": "m", "max_results": 1},
        )
    )
    assert len(paged["metrics"]) == 1
    assert paged["next_page_token"]
    bulk = ok(
        http.get(
            f"{API}/metrics/get-history-bulk-interval",
            params={"run_ids": [run_id], "metric_key": "m"},
        )
    )
    assert [p["run_id"] for p in bulk["metrics"]] == [run_id, run_id]
    updated = ok(post(http, "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 9}))
    assert updated["run_info"]["status"] == "FINISHED"
    assert updated["run_info"]["end_time"] == 9


def test_run_search_filter_order_pages_and_lifecycle(http: httpx.Client) -> None:
    experiment_id, _ = make_run(http)
    for index in range(3):
        run = ok(post(http, "runs/create", {"experiment_id": experiment_id}))["run"]
        ok(
            post(
                http,
                "runs/log-metric",
                {"run_id": run["info"]["run_id"], "key": "s", "value": index, "timestamp": 1},
            )
        )
    body = {
        "experiment_ids": [experiment_id],
        "filter": "metrics.s >= 1",
        "order_by": ["metrics.s DESC"],
    }
    found = ok(post(http, "runs/search", body))["runs"]
    assert [r["data"]["metrics"][0]["value"] for r in found] == [2.0, 1.0]
    first = ok(post(http, "runs/search", {"experiment_ids": [experiment_id], "max_results": 3}))
    assert len(first["runs"]) == 3
    rest = ok(
        post(
            http,
            "runs/search",
            {"experiment_ids": [experiment_id], "page_token": first["next_page_token"]},
        )
    )
    assert len(rest["runs"]) == 1
    victim = found[0]["info"]["run_id"]
    assert ok(post(http, "runs/delete", {"run_id": victim})) == {}
    deleted = ok(
        post(
            http,
            "runs/search",
            {"experiment_ids": [experiment_id], "run_view_type": "DELETED_ONLY"},
        )
    )
    assert [r["info"]["run_id"] for r in deleted["runs"]] == [victim]
    assert ok(post(http, "runs/restore", {"run_id": victim})) == {}
    bad = post(
        http,
        "runs/search",
        {"experiment_ids": [experiment_id], "filter": "metrics.s > 1 OR params.a = 'b'"},
    )
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_batch_limits_and_errors(http: httpx.Client) -> None:
    _, run_id = make_run(http)
    params = [{"key": f"p{i}", "value": "v"} for i in range(101)]
    too_many = post(http, "runs/log-batch", {"run_id": run_id, "params": params})
    assert too_many.status_code == 400
    assert too_many.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    ok(post(http, "runs/log-parameter", {"run_id": run_id, "key": "a", "value": "1"}))
    overwrite = post(http, "runs/log-parameter", {"run_id": run_id, "key": "a", "value": "2"})
    assert overwrite.status_code == 400
    missing = http.get(f"{API}/runs/get", params={"run_id": "0" * 32})
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    no_field = post(http, "runs/log-metric", {"run_id": run_id, "key": "m", "timestamp": 1})
    assert no_field.status_code == 400
    assert no_field.json()["field"] == "value"


def test_content_type_is_required(http: httpx.Client) -> None:
    response = http.post(
        f"{API}/experiments/create",
        content=b'{"name": "x"}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Content-Type must be one of ['application/json']"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("experiments/create", b"{"),
        ("experiments/create", b"[1, 2]"),
        ("experiments/create", b'{"name": true}'),
        ("experiments/create", b'{"name": {"a": 1}}'),
        ("experiments/create", b'{"name": "x", "tags": "nope"}'),
        ("experiments/create", b'{"name": "y", "tags": [{"key": 1}]}'),
        ("runs/create", b'{"experiment_id": "abc"}'),
        ("runs/create", b'{"experiment_id": "0", "start_time": "soon"}'),
        ("runs/log-batch", b'{"run_id": "x", "metrics": [1, 2]}'),
        (
            "runs/log-batch",
            b'{"run_id": "x", "metrics": [{"key": "m", "value": "a", "timestamp": 1}]}',
        ),
        ("runs/log-metric", b'{"run_id": null, "key": "m"}'),
        ("runs/search", b'{"experiment_ids": [{"a": 1}]}'),
        ("runs/search", b'{"experiment_ids": ["0"], "max_results": 0}'),
        ("runs/search", b'{"experiment_ids": ["0"], "page_token": "%%%"}'),
        ("runs/update", b'{"run_id": "x", "status": "DONE"}'),
        ("runs/log-inputs", b'{"run_id": "x", "datasets": [{"dataset": 3}]}'),
        ("runs/log-model", b'{"run_id": "x", "model_json": "{"}'),
    ],
)
def test_malformed_bodies_are_client_errors(http: httpx.Client, path: str, body: bytes) -> None:
    response = http.post(
        f"{API}/{path}", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert "error_code" in response.json()


def test_artifact_list_for_a_run(http: httpx.Client) -> None:
    _, run_id = make_run(http)
    run = ok(http.get(f"{API}/runs/get", params={"run_id": run_id}))["run"]
    relative = run["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    put = http.put(f"/api/2.0/mlflow-artifacts/artifacts/{relative}/dir/a.txt", content=b"abc")
    assert put.status_code == 200
    listing = ok(http.get(f"{API}/artifacts/list", params={"run_id": run_id}))
    assert listing["root_uri"] == run["info"]["artifact_uri"]
    assert listing["files"] == [{"path": "dir", "is_dir": True}]
    inner = ok(http.get(f"{API}/artifacts/list", params={"run_id": run_id, "path": "dir"}))
    assert inner["files"] == [{"path": "dir/a.txt", "is_dir": False, "file_size": 3}]
    bad = http.get(f"{API}/artifacts/list", params={"run_id": run_id, "path": "../.."})
    assert bad.status_code == 400
