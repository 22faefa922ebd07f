"""``/api/v1/ct/*`` over real HTTP: wire format, conflicts as 409, the REST stores' ``.ct``
and ``driftloop ct`` against a server (bad input: ``test_ct_api_input.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from tests.server.ct.support import (
    EPISODE_FIELDS,
    PREFIX,
    _error,
    _events,
    _ok,
    _post,
    _start,
)

from driftloop.cli.main import cli
from driftloop.store.rest import RestCtStore, open_rest_stores
from driftloop.testing import T0
from driftloop.tracking import uri

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
