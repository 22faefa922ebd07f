"""``/api/v1/monitoring/*`` over real HTTP: wire format, NaN, bad input (4xx naming the field,
nothing written), never a 5xx, the OpenAPI document, and the REST stores' ``.monitoring``."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from driftloop.entities import MonitorPoint
from driftloop.server.api_v1 import monitoring
from driftloop.server.config import ServerConfig
from driftloop.server.responses import encode
from driftloop.store.rest import RestMonitorStore
from driftloop.testing import T0
from driftloop.testing.live_server import live_server
from driftloop.testing.monitor_contract import INVALID_RUNS
from driftloop.tracking import uri

PREFIX = "/api/v1/monitoring"
MINUTE = 60_000
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One live server for the module (the tests use unique deployment names), and its
    SQLite file."""
    root = tmp_path_factory.mktemp("monitoring-api")
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{root / 'server.db'}",
        artifacts_destination=str(root / "artifacts"),
        port=0,
    )
    with live_server(config) as url:
        yield url, root / "server.db"


@pytest.fixture
def server_url(server: tuple[str, Path]) -> str:
    return server[0]


def _stored_rows(server: tuple[str, Path]) -> tuple[int, int]:
    """How many monitoring runs and points the server's database holds (read directly)."""
    with contextlib.closing(sqlite3.connect(server[1])) as conn:
        runs = conn.execute("SELECT count(*) FROM monitor_runs").fetchone()[0]
        points = conn.execute("SELECT count(*) FROM monitor_points").fetchone()[0]
    return int(runs), int(points)


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + PREFIX, timeout=30) as client:
        yield client


@pytest.fixture
def deployment() -> str:
    return f"mon-{uuid.uuid4().hex[:12]}"


def _run_body(name: str, /, **overrides: Any) -> dict[str, Any]:
    return {
        "deployment": name,
        "model_version": 1,
        "window_start": T0,
        "window_end": T0 + MINUTE,
        "rows": 10,
        "verdict": "drift",
        "points": [{"column": "a", "metric": "psi", "value": 0.1}],
        **overrides,
    }


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST ``body`` as driftloop encodes it (non-finite floats as ``"NaN"``/``"Infinity"``)."""
    return http.post(path, content=encode(body), headers=JSON_HEADERS)


def _error(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert body.get("field") == field
    assert body["message"]
    return body


def _assert_nothing_stored(http: httpx.Client, deployment: str) -> None:
    listed = http.get("/runs/list", params={"deployment": deployment})
    assert listed.json() == {"runs": [], "next_page_token": None}
    series = http.get(
        "/series/get", params={"deployment": deployment, "column": "a", "metric": "psi"}
    )
    assert series.json() == {"series": []}


def _json_value(value: Any) -> Any:
    """A contract-suite argument as a JSON client would send it."""
    if isinstance(value, MonitorPoint):
        return {"column": value.column, "metric": value.metric, "value": value.value}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


# -- the wire format -----------------------------------------------------------------------


def test_record_get_list_series_delete(http: httpx.Client, deployment: str) -> None:
    points = [
        {"column": "age", "metric": "psi", "value": 0.25},
        {"column": "__dataset__", "metric": "drift_share", "value": 0.5},
    ]
    recorded = _post(
        http, "/runs/record", _run_body(deployment, points=points, details={"rule": "share"})
    )
    assert recorded.status_code == 200, recorded.text
    run = recorded.json()["run"]
    assert set(run) == {
        "run_id",
        "deployment",
        "model_version",
        "window_start",
        "window_end",
        "rows",
        "verdict",
        "created",
        "points",
        "details",
    }
    assert (run["deployment"], run["model_version"], run["rows"], run["verdict"]) == (
        deployment,
        1,
        10,
        "drift",
    )
    assert [(p["column"], p["metric"]) for p in run["points"]] == [
        ("__dataset__", "drift_share"),
        ("age", "psi"),
    ]
    assert run["details"] == {"rule": "share"}
    got = http.get("/runs/get", params={"run_id": run["run_id"]}).json()["run"]
    assert got == run
    listed = http.get("/runs/list", params={"deployment": deployment}).json()
    assert listed["next_page_token"] is None
    assert [r["run_id"] for r in listed["runs"]] == [run["run_id"]]
    assert listed["runs"][0]["points"] == []
    series = http.get(
        "/series/get", params={"deployment": deployment, "column": "age", "metric": "psi"}
    ).json()
    assert series == {
        "series": [
            {"run_id": run["run_id"], "window_end": T0 + MINUTE, "model_version": 1, "value": 0.25}
        ]
    }
    kept = _post(http, "/runs/delete", {"deployment": deployment, "before": T0 + MINUTE})
    assert kept.json() == {"deleted": 0}
    deleted = _post(http, "/runs/delete", {"deployment": deployment, "before": T0 + MINUTE + 1})
    assert deleted.json() == {"deleted": 1}
    _error(
        http.get("/runs/get", params={"run_id": run["run_id"]}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "run_id",
    )


def test_nan_travels_as_the_string_nan(http: httpx.Client, deployment: str) -> None:
    """NaN is written ``"NaN"`` both ways; a bare ``NaN`` token and ``"nan"`` are read too."""
    points = (
        '[{"column": "a", "metric": "psi", "value": "NaN"},'
        '{"column": "b", "metric": "psi", "value": NaN},'
        '{"column": "c", "metric": "psi", "value": "nan"}]'
    )
    body = (
        f'{{"deployment": "{deployment}", "model_version": null, "window_start": 1,'
        f' "window_end": 2, "rows": 0, "verdict": "insufficient_data", "points": {points}}}'
    )
    recorded = http.post("/runs/record", content=body.encode(), headers=JSON_HEADERS)
    assert recorded.status_code == 200, recorded.text
    assert recorded.text.count('"value":"NaN"') == 3
    run_id = recorded.json()["run"]["run_id"]
    got = http.get("/runs/get", params={"run_id": run_id})
    assert [p["value"] for p in got.json()["run"]["points"]] == ["NaN", "NaN", "NaN"]
    series = http.get(
        "/series/get", params={"deployment": deployment, "column": "b", "metric": "psi"}
    )
    assert series.json()["series"][0]["value"] == "NaN"
    assert series.json()["series"][0]["model_version"] is None


def test_paging_over_http(http: httpx.Client, deployment: str) -> None:
    for minute in range(5):
        body = _run_body(deployment, window_start=T0, window_end=T0 + minute * MINUTE)
        assert _post(http, "/runs/record", body).status_code == 200
    seen: list[int] = []
    token: str | None = None
    for _ in range(3):
        params: dict[str, Any] = {"deployment": deployment, "max_results": 2}
        if token is not None:
            params["page_token"] = token
        page = http.get("/runs/list", params=params).json()
        seen += [r["window_end"] for r in page["runs"]]
        token = page["next_page_token"]
    assert token is None
    assert seen == [T0 + m * MINUTE for m in (4, 3, 2, 1, 0)]
    bounded = http.get(
        "/runs/list",
        params={"deployment": deployment, "since": T0 + MINUTE, "until": T0 + 3 * MINUTE},
    ).json()
    assert [r["window_end"] for r in bounded["runs"]] == [T0 + 2 * MINUTE, T0 + MINUTE]


def test_large_run(http: httpx.Client, deployment: str) -> None:
    """A 20,000-point run is one request and comes back whole and sorted."""
    points = [
        {"column": f"f{i // 20:04d}", "metric": f"m{i % 20:02d}", "value": i / 3}
        for i in reversed(range(20_000))
    ]
    recorded = _post(http, "/runs/record", _run_body(deployment, points=points))
    assert recorded.status_code == 200, recorded.text[:300]
    got = http.get("/runs/get", params={"run_id": recorded.json()["run"]["run_id"]})
    values = [p["value"] for p in got.json()["run"]["points"]]
    assert values == [i / 3 for i in range(20_000)]


# -- bad input -----------------------------------------------------------------------------


# On the wire the string "NaN" *is* NaN, so the contract's str-"NaN" case is a valid request.
HTTP_INVALID_RUNS = [
    (overrides, field)
    for overrides, field in INVALID_RUNS
    if not any(
        isinstance(p, MonitorPoint) and p.value == "NaN"  # type: ignore[comparison-overlap]
        for p in overrides.get("points", ())
    )
]


@pytest.mark.parametrize(("overrides", "field"), HTTP_INVALID_RUNS)
def test_contract_invalid_runs_are_400_and_write_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    """Every invalid run of the contract suite, sent as JSON, answers 400 naming the field."""
    before = _stored_rows(server)
    body = _run_body(deployment, **{key: _json_value(v) for key, v in overrides.items()})
    _error(_post(http, "/runs/record", body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored_rows(server) == before
    _assert_nothing_stored(http, deployment)


BAD_RECORDS: list[tuple[dict[str, Any], str]] = [
    ({"points": {"a": 1}}, "points"),
    ({"points": "a,psi,1"}, "points"),
    ({"points": None}, "points"),
    ({"points": [5]}, "points[0]"),
    ({"points": [["a", "psi", 1.0]]}, "points[0]"),
    ({"points": [{"column": "a", "metric": "psi"}]}, "points[0].value"),
    ({"points": [{"column": "a", "metric": "psi", "value": "Infinity"}]}, "points[0].value"),
    ({"points": [{"column": "a", "metric": "psi", "value": "-infinity"}]}, "points[0].value"),
    ({"points": [{"column": "a", "metric": "psi", "value": None}]}, "points[0].value"),
    ({"points": [{"column": "a", "metric": "psi", "value": [1]}]}, "points[0].value"),
    ({"points": [{"column": 5, "metric": "psi", "value": 1}]}, "points[0].column"),
    ({"points": [{"metric": "psi", "value": 1}]}, "points[0].column"),
    ({"points": [{"column": "a", "metric": {"x": 1}, "value": 1}]}, "points[0].metric"),
    ({"deployment": {"a": 1}}, "deployment"),
    ({"deployment": None}, "deployment"),
    ({"model_version": [1]}, "model_version"),
    ({"model_version": 2**31}, "model_version"),
    ({"window_start": "1"}, "window_start"),
    ({"window_start": None}, "window_start"),
    ({"window_end": 2**70}, "window_end"),
    ({"rows": 1.5}, "rows"),
    ({"rows": None}, "rows"),
    ({"verdict": 5}, "verdict"),
    ({"verdict": "DRIFT"}, "verdict"),
    ({"details": {"k": {"x": 1}}}, "details"),
    ({"details": "k=v"}, "details"),
    ({"details": {"k": None}}, "details"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_RECORDS)
def test_bad_records_are_400_and_write_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    before = _stored_rows(server)
    body = _run_body(deployment, **overrides)
    _error(_post(http, "/runs/record", body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored_rows(server) == before
    _assert_nothing_stored(http, deployment)


@pytest.mark.parametrize(
    ("content", "content_type", "code", "field"),
    [
        (b"not json", "application/json", "MALFORMED_REQUEST", "body"),
        (b"[1, 2]", "application/json", "MALFORMED_REQUEST", "body"),
        (b'{"deployment": "d"}', "text/plain", "INVALID_PARAMETER_VALUE", "Content-Type"),
        (b'{"deployment": "d", "window_start": NaN}', "application/json", None, "window_start"),
        (b'{"deployment": "d", "window_start": 1e400}', "application/json", None, "window_start"),
    ],
)
def test_malformed_record_bodies(
    http: httpx.Client, content: bytes, content_type: str, code: str | None, field: str
) -> None:
    response = http.post("/runs/record", content=content, headers={"Content-Type": content_type})
    _error(response, 400, code or "INVALID_PARAMETER_VALUE", field)


def test_get_unknown_or_missing_run_is_404(http: httpx.Client) -> None:
    for params in ({"run_id": "0" * 32}, {"run_id": "x" * 300}, {}):
        body = _error(
            http.get("/runs/get", params=params), 404, "RESOURCE_DOES_NOT_EXIST", "run_id"
        )
        assert body["error_type"] == "NotFoundError"


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({}, "INVALID_PARAMETER_VALUE", "deployment"),
        ({"deployment": ""}, "INVALID_PARAMETER_VALUE", "deployment"),
        ({"since": "abc"}, "INVALID_PARAMETER_VALUE", "since"),
        ({"since": "-1"}, "INVALID_PARAMETER_VALUE", "since"),
        ({"until": "1.5"}, "INVALID_PARAMETER_VALUE", "until"),
        ({"until": "9" * 30}, "INVALID_PARAMETER_VALUE", "until"),
        ({"max_results": "0"}, "INVALID_PARAMETER_VALUE", "max_results"),
        ({"max_results": "1001"}, "INVALID_PARAMETER_VALUE", "max_results"),
        ({"max_results": "ten"}, "INVALID_PARAMETER_VALUE", "max_results"),
        ({"page_token": "not a page token!"}, "INVALID_PARAMETER_VALUE", "page_token"),
    ],
)
def test_bad_list_queries(
    http: httpx.Client, deployment: str, params: dict[str, str], code: str, field: str
) -> None:
    query = params if not params or "deployment" in params else {"deployment": deployment, **params}
    body = _error(http.get("/runs/list", params=query), 400, code, field)
    if field == "page_token":
        assert body["error_type"] == "InvalidPageTokenError"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"deployment": ""}, "deployment"),
        ({"column": ""}, "column"),
        ({"metric": ""}, "metric"),
        ({"metric": "m" * 251}, "metric"),
        ({"model_version": "0"}, "model_version"),
        ({"model_version": "v1"}, "model_version"),
        ({"since": "-5"}, "since"),
        ({"until": "tomorrow"}, "until"),
    ],
)
def test_bad_series_queries(
    http: httpx.Client, deployment: str, params: dict[str, str], field: str
) -> None:
    query = {"deployment": deployment, "column": "a", "metric": "psi", **params}
    _error(http.get("/series/get", params=query), 400, "INVALID_PARAMETER_VALUE", field)


DEPLOYMENT = object()  # stands for the test's deployment name
LATER = T0 + 10 * MINUTE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"before": LATER}, "deployment"),
        ({"deployment": "", "before": LATER}, "deployment"),
        ({"deployment": ["d"], "before": LATER}, "deployment"),
        ({"deployment": DEPLOYMENT}, "before"),
        ({"deployment": DEPLOYMENT, "before": str(LATER)}, "before"),
        ({"deployment": DEPLOYMENT, "before": -5}, "before"),
        ({"deployment": DEPLOYMENT, "before": float(LATER)}, "before"),
        ({"deployment": DEPLOYMENT, "before": True}, "before"),
        ({"deployment": DEPLOYMENT, "before": {"t": 1}}, "before"),
    ],
)
def test_bad_deletes_are_400_and_delete_nothing(
    http: httpx.Client, deployment: str, body: dict[str, Any], field: str
) -> None:
    assert _post(http, "/runs/record", _run_body(deployment)).status_code == 200
    sent = {key: deployment if value is DEPLOYMENT else value for key, value in body.items()}
    _error(_post(http, "/runs/delete", sent), 400, "INVALID_PARAMETER_VALUE", field)
    assert len(http.get("/runs/list", params={"deployment": deployment}).json()["runs"]) == 1


JUNK: tuple[Any, ...] = ([1], {"a": {"b": 1}}, True, 1e300, "", -1, 2**70, "NaN", None)
FIELDS = (
    "deployment",
    "model_version",
    "window_start",
    "window_end",
    "rows",
    "verdict",
    "points",
    "details",
    "before",
)


@pytest.mark.parametrize(
    "path", sorted(e.path for e in monitoring.ENDPOINTS if "POST" in e.methods)
)
def test_junk_in_any_post_field_is_never_a_server_error(
    http: httpx.Client, deployment: str, path: str
) -> None:
    base = {**_run_body(deployment), "before": T0}
    route = path.removeprefix("/monitoring")
    for field in FIELDS:
        for junk in JUNK:
            response = _post(http, route, {**base, field: junk})
            assert response.status_code < 500, (path, field, junk, response.text)
            if response.status_code >= 400:
                assert response.json()["error_code"]
    for junk in JUNK:
        response = _post(http, route, dict.fromkeys(FIELDS, junk))
        assert 400 <= response.status_code < 500, (path, junk, response.text)


@pytest.mark.parametrize("path", sorted(e.path for e in monitoring.ENDPOINTS if "GET" in e.methods))
def test_junk_in_any_query_is_never_a_server_error(http: httpx.Client, path: str) -> None:
    route = path.removeprefix("/monitoring")
    names = ("deployment", "run_id", "column", "metric", "since", "until", "max_results")
    for junk in ("", "abc", "-1", "1.5", "NaN", "0", "9" * 40, "%00", "\u2603"):
        for name in (*names, "model_version", "page_token"):
            response = http.get(route, params={name: junk})
            assert response.status_code < 500, (path, name, junk, response.text)
        response = http.get(route, params=dict.fromkeys((*names, "model_version"), junk))
        assert 400 <= response.status_code < 500, (path, junk, response.text)


def test_openapi_lists_the_routes(server_url: str) -> None:
    paths = httpx.get(server_url + "/openapi.json", timeout=30).json()["paths"]
    for declared in monitoring.ENDPOINTS:
        assert "/api/v1" + declared.path in paths


# -- the REST stores -----------------------------------------------------------------------


def test_get_stores_of_a_server_url_has_monitoring(server_url: str, deployment: str) -> None:
    """``get_stores("http://...").monitoring`` records runs the HTTP API then reads."""
    try:
        store = uri.get_stores(server_url).monitoring  # type: ignore[attr-defined]
        assert isinstance(store, RestMonitorStore)
        run = store.record_monitor_run(
            deployment,
            model_version=2,
            window_start=T0,
            window_end=T0 + MINUTE,
            rows=5,
            verdict="no_drift",
            points=[MonitorPoint("age", "psi", math.nan)],
        )
    finally:
        uri._reset_for_tests()
    with httpx.Client(base_url=server_url + PREFIX, timeout=30) as http:
        got = http.get("/runs/get", params={"run_id": run.run_id}).json()["run"]
    assert got["points"] == [{"column": "age", "metric": "psi", "value": "NaN"}]
    assert got["model_version"] == 2
