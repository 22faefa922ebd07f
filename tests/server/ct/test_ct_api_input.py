"""``/api/v1/ct/*`` bad input over real HTTP: 4xx naming the field with nothing written,
never a 5xx whatever the junk, and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server.ct.support import (
    _error,
    _events,
    _ok,
    _post,
    _start,
    _stored,
)

from driftloop.server.api_v1 import ct
from driftloop.testing import T0

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
