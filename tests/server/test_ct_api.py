"""``/api/v1/ct/*`` over real HTTP: wire format, conflicts as 409, bad input (4xx naming the
field, nothing written), never a 5xx, the OpenAPI document, the REST stores' ``.ct`` and
``driftloop ct`` against a server."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from driftloop.cli.main import cli
from driftloop.server.api_v1 import ct
from driftloop.server.config import ServerConfig
from driftloop.store.rest import RestCtStore, open_rest_stores
from driftloop.testing import T0
from driftloop.testing.live_server import live_server
from driftloop.tracking import uri

PREFIX = "/api/v1/ct"
JSON_HEADERS = {"Content-Type": "application/json"}
EPISODE_FIELDS = {
    "episode_id",
    "deployment",
    "phase",
    "trigger",
    "evidence",
    "pipeline_run_id",
    "challenger_version",
    "champion_version",
    "canary_step",
    "phase_started",
    "revision",
    "created",
    "updated",
    "message",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One live server for the module (tests use unique names), and its SQLite file."""
    root = tmp_path_factory.mktemp("ct-api")
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


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + PREFIX, timeout=30) as client:
        yield client


@pytest.fixture
def deployment() -> str:
    return f"ct-{uuid.uuid4().hex[:12]}"


def _stored(server: tuple[str, Path]) -> tuple[int, int, int]:
    """How many episodes, events and leases the server's database holds (read directly)."""
    with contextlib.closing(sqlite3.connect(server[1])) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("ct_episodes", "ct_events", "ct_leases")
        ]
    return counts[0], counts[1], counts[2]


def _post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(path, content=json.dumps(body).encode(), headers=JSON_HEADERS)


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert body.get("field") == field
    assert body["message"]
    return body


def _start(http: httpx.Client, deployment: str, **overrides: Any) -> dict[str, Any]:
    body = {"deployment": deployment, "trigger": "drift", "now": T0, **overrides}
    episode: dict[str, Any] = _ok(_post(http, "/episodes/start", body))["episode"]
    return episode


def _events(http: httpx.Client, deployment: str, **query: Any) -> list[dict[str, Any]]:
    listed = _ok(http.get("/events/list", params={"deployment": deployment, **query}))
    events: list[dict[str, Any]] = listed["events"]
    return events


# -- the wire format -----------------------------------------------------------------------


def test_episode_round_trip_and_partial_advance(http: httpx.Client, deployment: str) -> None:
    """Fields as sent; an advance keeps what it does not send and clears what it sends null."""
    event = {"kind": "trigger_fired", "message": "psi 0.4", "evidence": {"psi": 0.4}}
    started = _start(
        http, deployment, evidence={"psi": 0.4, "cols": ["a"]}, champion_version=3, event=event
    )
    assert set(started) == EPISODE_FIELDS
    assert (started["phase"], started["trigger"], started["revision"]) == ("triggered", "drift", 1)
    assert (started["canary_step"], started["created"], started["message"]) == (-1, T0, None)
    assert started["evidence"] == {"psi": 0.4, "cols": ["a"]}
    episode_id = started["episode_id"]
    got = _ok(http.get("/episodes/get", params={"episode_id": episode_id}))["episode"]
    assert got == started
    assert _ok(http.get("/episodes/active", params={"deployment": deployment})) == {
        "episode": started
    }
    moved = _ok(
        _post(
            http,
            "/episodes/advance",
            {
                "episode_id": episode_id,
                "expected_revision": 1,
                "phase": "training",
                "pipeline_run_id": "run-1",
                "message": "training",
                "event": {"kind": "pipeline_started"},
                "now": T0 + 5,
            },
        )
    )["episode"]
    assert (moved["phase"], moved["revision"], moved["phase_started"]) == ("training", 2, T0 + 5)
    kept = _ok(
        _post(
            http,
            "/episodes/advance",
            {"episode_id": episode_id, "expected_revision": 2, "message": None, "now": T0 + 6},
        )
    )["episode"]
    assert (kept["pipeline_run_id"], kept["message"], kept["revision"]) == ("run-1", None, 3)
    assert kept["phase_started"] == T0 + 5
    listed = _ok(http.get("/episodes/list", params={"deployment": deployment}))
    assert listed == {"episodes": [kept], "next_page_token": None}
    events = _events(http, deployment)
    assert [(e["kind"], e["episode_id"], e["timestamp"]) for e in events] == [
        ("trigger_fired", episode_id, T0),
        ("pipeline_started", episode_id, T0 + 5),
    ]
    assert set(events[0]) == {
        "event_id",
        "deployment",
        "episode_id",
        "timestamp",
        "kind",
        "message",
        "evidence",
    }
    assert (events[0]["message"], events[0]["evidence"]) == ("psi 0.4", {"psi": 0.4})


def test_conflicts_are_409_and_a_held_lease_is_null(http: httpx.Client, deployment: str) -> None:
    """CAS and the one-active rule answer 409 naming the field; a held lease answers null."""
    episode = _start(http, deployment)
    body = _error(
        _post(http, "/episodes/start", {"deployment": deployment, "trigger": "manual"}),
        409,
        "RESOURCE_CONFLICT",
        "deployment",
    )
    assert body["error_type"] == "ConflictError"
    stale = {"episode_id": episode["episode_id"], "expected_revision": 2, "phase": "training"}
    _error(_post(http, "/episodes/advance", stale), 409, "RESOURCE_CONFLICT", "expected_revision")
    illegal = {**stale, "expected_revision": 1, "phase": "promoted"}
    _error(_post(http, "/episodes/advance", illegal), 409, "RESOURCE_CONFLICT", "phase")
    lease = f"ct:{deployment}"
    taken = _ok(
        _post(http, "/leases/acquire", {"name": lease, "holder": "a", "ttl_ms": 1000, "now": T0})
    )
    assert taken == {"lease": {"name": lease, "holder": "a", "expires": T0 + 1000, "acquired": T0}}
    refused = {"name": lease, "holder": "b", "ttl_ms": 1000, "now": T0 + 1}
    assert _ok(_post(http, "/leases/acquire", refused)) == {"lease": None}
    assert _ok(http.get("/leases/get", params={"name": lease})) == taken
    assert _ok(_post(http, "/leases/release", {"name": lease, "holder": "b"})) == {
        "released": False
    }
    assert _ok(_post(http, "/leases/release", {"name": lease, "holder": "a"})) == {"released": True}
    assert _ok(http.get("/leases/get", params={"name": lease})) == {"lease": None}
    assert _events(http, deployment) == []


def test_events_append_filter_and_page(http: httpx.Client, deployment: str) -> None:
    """Appended events page oldest first by id; episode, since and after filters apply."""
    episode = _start(http, deployment)
    ids = []
    for i in range(5):
        body: dict[str, Any] = {"deployment": deployment, "kind": "canary_step", "now": T0 + i}
        if i % 2:
            body["episode_id"] = episode["episode_id"]
        ids.append(_ok(_post(http, "/events/append", body))["event"]["event_id"])
    seen: list[int] = []
    token = None
    for _ in range(3):
        query: dict[str, Any] = {"deployment": deployment, "max_results": 2}
        if token is not None:
            query["page_token"] = token
        page = _ok(http.get("/events/list", params=query))
        seen += [e["event_id"] for e in page["events"]]
        token = page["next_page_token"]
    assert token is None
    assert seen == ids
    mine = _events(http, deployment, episode_id=episode["episode_id"])
    assert [e["event_id"] for e in mine] == [ids[1], ids[3]]
    assert [e["event_id"] for e in _events(http, deployment, since=T0 + 3)] == ids[3:]
    assert [e["event_id"] for e in _events(http, deployment, after_event_id=ids[1])] == ids[2:]


def test_get_unknown_or_missing_episode(http: httpx.Client) -> None:
    for episode_id in ("0" * 32, "x" * 300):
        body = _error(
            http.get("/episodes/get", params={"episode_id": episode_id}),
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "episode_id",
        )
        assert body["error_type"] == "NotFoundError"
    _error(http.get("/episodes/get"), 400, "INVALID_PARAMETER_VALUE", "episode_id")


# -- bad input -----------------------------------------------------------------------------


BAD_STARTS: list[tuple[dict[str, Any], str]] = [
    ({"deployment": None}, "deployment"),
    ({"deployment": ["d"]}, "deployment"),
    ({"deployment": "x" * 257}, "deployment"),
    ({"trigger": "hunch"}, "trigger"),
    ({"trigger": None}, "trigger"),
    ({"evidence": [1, 2]}, "evidence"),
    ({"evidence": "psi=1"}, "evidence"),
    ({"evidence": {"psi": "NaN", "x": 1e400}}, "evidence['x']"),
    ({"evidence": {"a": [1, {"b": 2**63}]}}, "evidence['a'][1]['b']"),
    ({"champion_version": "3"}, "champion_version"),
    ({"champion_version": 0}, "champion_version"),
    ({"event": "trigger_fired"}, "event"),
    ({"event": ["trigger_fired"]}, "event"),
    ({"event": {}}, "event.kind"),
    ({"event": {"kind": "Trigger Fired"}}, "event.kind"),
    ({"event": {"kind": "ok", "message": None}}, "event.message"),
    ({"event": {"kind": "ok", "evidence": {"auc": 1e400}}}, "event.evidence['auc']"),
    ({"now": -1}, "now"),
    ({"now": 1.5}, "now"),
    ({"now": "later"}, "now"),
    ({"now": {"t": 1}}, "now"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_STARTS)
def test_bad_starts_are_400_and_write_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    before = _stored(server)
    body = {"deployment": deployment, "trigger": "drift", **overrides}
    _error(_post(http, "/episodes/start", body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored(server) == before


BAD_ADVANCES: list[tuple[dict[str, Any], str]] = [
    ({"episode_id": ""}, "episode_id"),
    ({"episode_id": None}, "episode_id"),
    ({"expected_revision": None}, "expected_revision"),
    ({"expected_revision": "1"}, "expected_revision"),
    ({"expected_revision": True}, "expected_revision"),
    ({"phase": "retraining"}, "phase"),
    ({"phase": 3}, "phase"),
    ({"pipeline_run_id": ""}, "pipeline_run_id"),
    ({"pipeline_run_id": {"id": 1}}, "pipeline_run_id"),
    ({"challenger_version": -1}, "challenger_version"),
    ({"canary_step": 1.5}, "canary_step"),
    ({"phase": "canary"}, "canary_step"),
    ({"message": 42}, "message"),
    ({"message": ["m"]}, "message"),
    ({"event": 5}, "event"),
    ({"event": {"kind": "ok", "evidence": {"k": [1e400]}}}, "event.evidence['k'][0]"),
    ({"now": "later"}, "now"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_ADVANCES)
def test_bad_advances_are_400_and_change_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    episode = _start(http, deployment)
    episode = _ok(
        _post(
            http,
            "/episodes/advance",
            {"episode_id": episode["episode_id"], "expected_revision": 1, "phase": "training"},
        )
    )["episode"]
    episode = _ok(
        _post(
            http,
            "/episodes/advance",
            {"episode_id": episode["episode_id"], "expected_revision": 2, "phase": "gating"},
        )
    )["episode"]
    before = _stored(server)
    body = {
        "episode_id": episode["episode_id"],
        "expected_revision": 3,
        "phase": "shadow",
        "event": {"kind": "gate_passed"},
        **overrides,
    }
    _error(_post(http, "/episodes/advance", body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored(server) == before
    got = _ok(http.get("/episodes/get", params={"episode_id": episode["episode_id"]}))
    assert got["episode"] == episode


BAD_APPENDS: list[tuple[dict[str, Any], str]] = [
    ({"deployment": "  "}, "deployment"),
    ({"deployment": None}, "deployment"),
    ({"kind": ""}, "kind"),
    ({"kind": "gate-passed"}, "kind"),
    ({"kind": None}, "kind"),
    ({"message": None}, "message"),
    ({"message": "a\x00b"}, "message"),
    ({"evidence": {"x": {"y": 1e400}}}, "evidence['x']['y']"),
    ({"episode_id": ""}, "episode_id"),
    ({"episode_id": [1]}, "episode_id"),
    ({"now": True}, "now"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_APPENDS)
def test_bad_appends_are_400_and_write_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    before = _stored(server)
    body = {"deployment": deployment, "kind": "gate_passed", **overrides}
    _error(_post(http, "/events/append", body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored(server) == before


def test_append_to_an_unknown_or_foreign_episode(http: httpx.Client, deployment: str) -> None:
    body = {"deployment": deployment, "kind": "promoted", "episode_id": "f" * 32}
    _error(_post(http, "/events/append", body), 404, "RESOURCE_DOES_NOT_EXIST", "episode_id")
    foreign = _start(http, f"{deployment}-other")
    body["episode_id"] = foreign["episode_id"]
    _error(_post(http, "/events/append", body), 400, "INVALID_PARAMETER_VALUE", "episode_id")
    assert _events(http, deployment) == []


BAD_LEASES: list[tuple[str, dict[str, Any], str]] = [
    ("/leases/acquire", {"name": ""}, "name"),
    ("/leases/acquire", {"name": "n" * 257}, "name"),
    ("/leases/acquire", {"holder": None}, "holder"),
    ("/leases/acquire", {"holder": ["a"]}, "holder"),
    ("/leases/acquire", {"ttl_ms": 0}, "ttl_ms"),
    ("/leases/acquire", {"ttl_ms": 86_400_001}, "ttl_ms"),
    ("/leases/acquire", {"ttl_ms": "1000"}, "ttl_ms"),
    ("/leases/acquire", {"ttl_ms": None}, "ttl_ms"),
    ("/leases/acquire", {"now": -5}, "now"),
    ("/leases/release", {"name": None}, "name"),
    ("/leases/release", {"holder": 7}, "holder"),
]


@pytest.mark.parametrize(("path", "overrides", "field"), BAD_LEASES)
def test_bad_lease_calls_are_400_and_take_nothing(
    http: httpx.Client,
    server: tuple[str, Path],
    deployment: str,
    path: str,
    overrides: dict[str, Any],
    field: str,
) -> None:
    before = _stored(server)
    body = {"name": f"lease-{deployment}", "holder": "a", "ttl_ms": 1000, "now": T0, **overrides}
    _error(_post(http, path, body), 400, "INVALID_PARAMETER_VALUE", field)
    assert _stored(server) == before


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/episodes/active", {}, "deployment"),
        ("/episodes/active", {"deployment": ""}, "deployment"),
        ("/episodes/list", {"max_results": "0"}, "max_results"),
        ("/episodes/list", {"max_results": "1001"}, "max_results"),
        ("/episodes/list", {"max_results": "ten"}, "max_results"),
        ("/episodes/list", {"page_token": "forged!"}, "page_token"),
        ("/events/list", {"since": "-1"}, "since"),
        ("/events/list", {"since": "soon"}, "since"),
        ("/events/list", {"after_event_id": "-1"}, "after_event_id"),
        ("/events/list", {"after_event_id": "9" * 30}, "after_event_id"),
        ("/events/list", {"max_results": "10001"}, "max_results"),
        ("/events/list", {"episode_id": ""}, "episode_id"),
        ("/events/list", {"page_token": "forged!"}, "page_token"),
        ("/leases/get", {"name": ""}, "name"),
        ("/leases/get", {}, "name"),
    ],
)
def test_bad_queries_are_400(
    http: httpx.Client, deployment: str, path: str, params: dict[str, str], field: str
) -> None:
    query = params if not params or "deployment" in params else {"deployment": deployment, **params}
    body = _error(http.get(path, params=query), 400, "INVALID_PARAMETER_VALUE", field)
    if field == "page_token":
        assert body["error_type"] == "InvalidPageTokenError"


@pytest.mark.parametrize(
    ("content", "content_type", "code", "field"),
    [
        (b"not json", "application/json", "MALFORMED_REQUEST", "body"),
        (b"[1, 2]", "application/json", "MALFORMED_REQUEST", "body"),
        (b'{"deployment": "d"}', "text/plain", "INVALID_PARAMETER_VALUE", "Content-Type"),
        (
            b'{"deployment": "d", "trigger": "drift", "evidence": {"a": NaN}}',
            "application/json",
            "INVALID_PARAMETER_VALUE",
            "evidence['a']",
        ),
        (
            b'{"deployment": "d", "trigger": "drift", "evidence": {"a": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
            "application/json",
            "MALFORMED_REQUEST",
            "body",
        ),
        (
            b'{"deployment": "d", "trigger": "drift", "evidence": {"a": '
            + b"[" * 100
            + b"]" * 100
            + b"}}",
            "application/json",
            "INVALID_PARAMETER_VALUE",
            "evidence['a']" + "[0]" * 32,
        ),
    ],
)
def test_malformed_start_bodies(
    http: httpx.Client,
    server: tuple[str, Path],
    content: bytes,
    content_type: str,
    code: str,
    field: str,
) -> None:
    before = _stored(server)
    response = http.post("/episodes/start", content=content, headers={"Content-Type": content_type})
    _error(response, 400, code, field)
    assert _stored(server) == before


JUNK: tuple[Any, ...] = ([1], {"a": {"b": 1}}, True, 1e300, "", -1, 2**70, "NaN", None)
FIELDS = (
    "deployment",
    "episode_id",
    "trigger",
    "evidence",
    "champion_version",
    "event",
    "expected_revision",
    "phase",
    "pipeline_run_id",
    "challenger_version",
    "canary_step",
    "message",
    "kind",
    "now",
    "name",
    "holder",
    "ttl_ms",
)


@pytest.mark.parametrize("path", sorted(e.path for e in ct.ENDPOINTS if "POST" in e.methods))
def test_junk_in_any_post_field_is_never_a_server_error(
    http: httpx.Client, deployment: str, path: str
) -> None:
    episode = _start(http, f"{deployment}-junk")
    base = {
        "deployment": deployment,
        "episode_id": episode["episode_id"],
        "trigger": "drift",
        "expected_revision": 1,
        "kind": "gate_passed",
        "name": f"lease-{deployment}",
        "holder": "a",
        "ttl_ms": 1000,
    }
    route = path.removeprefix("/ct")
    for field in FIELDS:
        for junk in JUNK:
            response = _post(http, route, {**base, field: junk})
            assert response.status_code < 500, (path, field, junk, response.text)
            if response.status_code >= 400:
                assert response.json()["error_code"]
    for junk in JUNK:
        response = _post(http, route, dict.fromkeys(FIELDS, junk))
        assert response.status_code < 500, (path, junk, response.text)
        if junk != "NaN":  # a valid lease name and holder
            assert response.status_code >= 400, (path, junk, response.text)


@pytest.mark.parametrize("path", sorted(e.path for e in ct.ENDPOINTS if "GET" in e.methods))
def test_junk_in_any_query_is_never_a_server_error(http: httpx.Client, path: str) -> None:
    route = path.removeprefix("/ct")
    names = ("deployment", "episode_id", "since", "after_event_id", "max_results", "name")
    for junk in ("", "abc", "-1", "1.5", "NaN", "0", "9" * 40, "%00", "\u2603"):
        for name in (*names, "page_token"):
            response = http.get(route, params={name: junk})
            assert response.status_code < 500, (path, name, junk, response.text)
        response = http.get(route, params=dict.fromkeys(names, junk))
        assert response.status_code < 500, (path, junk, response.text)


def test_openapi_lists_the_routes_with_their_permissions(server_url: str) -> None:
    paths = httpx.get(server_url + "/openapi.json", timeout=30).json()["paths"]
    for declared in ct.ENDPOINTS:
        (method,) = declared.methods
        operation = paths["/api/v1" + declared.path][method.lower()]
        assert operation["x-driftloop-permission"] == ("edit" if method == "POST" else "read")
        assert operation["x-driftloop-resource"] == (
            "global" if "/leases/" in declared.path else "deployment"
        )
        assert operation["summary"]


# -- the REST stores and the CLI -----------------------------------------------------------


def test_get_stores_of_a_server_url_has_ct(server_url: str, deployment: str) -> None:
    """``get_stores("http://...").ct`` starts episodes the HTTP API then reads."""
    try:
        store = uri.get_stores(server_url).ct  # type: ignore[attr-defined]
        assert isinstance(store, RestCtStore)
        episode = store.start_episode(deployment, trigger="schedule", evidence={"n": (1, 2)})
    finally:
        uri._reset_for_tests()
    with httpx.Client(base_url=server_url + PREFIX, timeout=30) as http:
        got = _ok(http.get("/episodes/get", params={"episode_id": episode.episode_id}))
    assert got["episode"]["evidence"] == {"n": [1, 2]}
    assert got["episode"]["trigger"] == "schedule"


def test_ct_cli_and_controller_against_a_server(
    server_url: str, deployment: str, tmp_path: Path
) -> None:
    """``driftloop ct trigger|status|events`` and ``driftloop controller`` with an http://
    tracking URI: the request, the episode it starts, the lease that makes a second replica
    stand by."""
    stores = open_rest_stores(server_url)
    model = f"{deployment}-model"
    try:
        stores.registry.create_registered_model(model)
        stores.model_versions.create_model_version(model, "s3://bucket/model/1")
        stores.registry.set_alias(model, "champion", 1)
        stores.deployments.create_deployment(deployment, model)
    finally:
        stores.close()
    policy = tmp_path / "policy.yaml"
    document = {
        "deployment": deployment,
        "training": {"entry_point": "no.such.module:train"},  # not reached in one tick
        "gates": {"metric": "accuracy"},
    }
    policy.write_text(json.dumps(document), encoding="utf-8")
    runner = CliRunner()

    def run(*args: str) -> str:
        try:
            result = runner.invoke(cli, ["--tracking-uri", server_url, *args])
        finally:
            uri._reset_for_tests()
        assert result.exit_code == 0, result.output
        return result.output

    def tick(holder: str) -> str:
        log = str(tmp_path / "inference-log")
        options = ["--once", "--holder", holder, "--inference-log", log]
        return run("controller", "--policy", str(policy), *options)

    assert f"retraining of {deployment} requested" in run("ct", "trigger", deployment)
    assert "manual trigger fired" in tick("replica-a")
    assert "standing by: replica-a holds" in tick("replica-b")
    status = json.loads(run("ct", "status", deployment, "--json"))
    assert (status["episode"]["phase"], status["episode"]["trigger"]) == ("triggered", "manual")
    assert status["lease"]["holder"] == "replica-a"
    events = json.loads(run("ct", "events", deployment, "--json"))
    assert [e["kind"] for e in events] == ["manual_request", "lease_acquired", "trigger_fired"]
    assert events[2]["episode_id"] == status["episode"]["episode_id"]
