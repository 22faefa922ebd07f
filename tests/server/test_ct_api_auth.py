"""``/api/v1/ct/*`` on a server with ``--auth``: who may read and write episodes, events, leases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.server.auth.test_auth_server import (
    assert_denied,
    assert_unauthenticated,
    auth_config,
    bearer,
    serve,
)

from driftloop.server.api_v1 import ct
from driftloop.server.app import create_app
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.base import CtEventDraft
from driftloop.store.rest import RemoteError, RestClient, RestCtStore
from driftloop.store.sql import open_sql_stores
from driftloop.testing import T0

PREFIX = "/api/v1/ct"
TTL = 60_000


@dataclass(frozen=True)
class AuthServer:
    url: str
    tokens: dict[str, str]
    episodes: dict[str, str]
    """Episode id of the one episode started per deployment before the server started."""


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """Deployments ``granted-api`` and ``other-api`` (of models ``granted``/``other``), each
    with an active episode, one event and the controller's lease ``ct:<deployment>``.

    ``guest`` holds an edit grant on model ``granted``; ``reader`` and ``editor`` have roles.
    """
    config = auth_config(tmp_path_factory.mktemp("ct-auth"))
    stores = open_sql_stores(config.backend_store_uri, config.artifacts_destination)
    try:
        episodes: dict[str, str] = {}
        for model in ("granted", "other"):
            stores.registry.create_registered_model(model)
            stores.model_versions.create_model_version(model, f"s3://b/{model}/1")
            stores.registry.set_alias(model, "champion", 1)
            name = f"{model}-api"
            stores.deployments.create_deployment(name, model)
            episodes[name] = stores.ct.start_episode(
                name, trigger="drift", event=CtEventDraft("trigger_fired"), now=T0
            ).episode_id
            stores.ct.acquire_lease(f"ct:{name}", "replica-a", ttl_ms=TTL, now=T0)
        auth = SqlAuthStore(stores.database)
        auth.create_user("guest", Role.GUEST)
        auth.create_user("reader", Role.READER)
        auth.create_user("editor", Role.EDITOR)
        auth.set_grant("guest", ResourceType.REGISTERED_MODEL, "granted", GrantPermission.EDIT)
        tokens = {u: auth.create_token(u).secret for u in ("guest", "reader", "editor")}
    finally:
        stores.close()
    with serve(create_app(config)) as url:
        yield AuthServer(url, tokens, episodes)


@pytest.fixture
def http(auth_server: AuthServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=auth_server.url + PREFIX, timeout=30) as client:
        yield client


@pytest.fixture
def store_of(auth_server: AuthServer) -> Iterator[Any]:
    """``store_of(user)``: a RestCtStore with that user's token (closed after the test)."""
    clients: list[RestClient] = []

    def open_store(user: str) -> RestCtStore:
        client = RestClient(auth_server.url, headers=bearer(auth_server.tokens[user]))
        clients.append(client)
        return RestCtStore(client)

    yield open_store
    for client in clients:
        client.close()


def _writes(deployment: str, episode_id: str) -> list[tuple[str, dict[str, Any]]]:
    """One request per write route, valid as far as the store is concerned."""
    return [
        ("/episodes/start", {"deployment": deployment, "trigger": "manual"}),
        (
            "/episodes/advance",
            {"episode_id": episode_id, "expected_revision": 1, "phase": "training"},
        ),
        ("/events/append", {"deployment": deployment, "kind": "manual_request"}),
        ("/leases/acquire", {"name": f"ct:{deployment}", "holder": "x", "ttl_ms": TTL}),
        ("/leases/release", {"name": f"ct:{deployment}", "holder": "replica-a"}),
    ]


def _state(store: RestCtStore, deployment: str) -> tuple[Any, ...]:
    """What the writes could change: the active episode, the events, the lease."""
    return (
        store.get_active_episode(deployment),
        tuple(store.list_events(deployment)),
        store.get_lease(f"ct:{deployment}"),
    )


def test_every_route_needs_credentials(http: httpx.Client, auth_server: AuthServer) -> None:
    episode_id = auth_server.episodes["granted-api"]
    query = {"deployment": "granted-api", "episode_id": episode_id, "name": "ct:granted-api"}
    for declared in ct.ENDPOINTS:
        path = declared.path.removeprefix("/ct")
        if "GET" in declared.methods:
            assert_unauthenticated(http.get(path, params=query))
        else:
            assert_unauthenticated(http.post(path, json={**query, "trigger": "manual"}))


def test_reader_reads_everything_and_writes_nothing(
    http: httpx.Client, auth_server: AuthServer, store_of: Any
) -> None:
    """403 PERMISSION_DENIED on every write, over HTTP and through the REST store."""
    reader = bearer(auth_server.tokens["reader"])
    store: RestCtStore = store_of("reader")
    for name, episode_id in auth_server.episodes.items():
        before = _state(store, name)
        assert store.get_episode(episode_id).deployment == name
        assert [e.episode_id for e in store.list_episodes(name)] == [episode_id]
        for path, body in _writes(name, episode_id):
            assert_denied(http.post(path, json=body, headers=reader))
        assert _state(store, name) == before
    with pytest.raises(RemoteError, match="lacks edit permission") as caught:
        store.advance_episode(
            auth_server.episodes["other-api"], expected_revision=1, phase="training"
        )
    assert (caught.value.status, caught.value.error_code) == (403, "PERMISSION_DENIED")
    with pytest.raises(RemoteError, match="lacks edit permission"):
        store.acquire_lease("ct:other-api", "reader", ttl_ms=TTL)


def test_editor_runs_an_episode(store_of: Any) -> None:
    """The controller's calls, as an editor: lease, start, advance with event, release."""
    store: RestCtStore = store_of("editor")
    lease = store.acquire_lease("ct:editor-api", "replica-e", ttl_ms=TTL)
    assert lease is not None
    episode = store.start_episode("editor-api", trigger="manual")
    moved = store.advance_episode(
        episode.episode_id,
        expected_revision=1,
        phase="training",
        event=CtEventDraft("pipeline_started"),
    )
    assert moved.revision == 2
    assert [e.kind for e in store.list_events("editor-api")] == ["pipeline_started"]
    assert store.release_lease("ct:editor-api", "replica-e") is True


def test_guest_reads_and_triggers_only_granted_deployments(
    http: httpx.Client, auth_server: AuthServer, store_of: Any
) -> None:
    """A grant on the model covers its deployment's episodes, events and controller lease."""
    store: RestCtStore = store_of("guest")
    granted, other = auth_server.episodes["granted-api"], auth_server.episodes["other-api"]
    assert store.get_episode(granted).deployment == "granted-api"
    assert store.get_active_episode("granted-api") is not None
    lease = store.get_lease("ct:granted-api")
    assert lease is not None
    assert lease.holder == "replica-a"
    appended = store.append_event("granted-api", "note", message="guest was here")
    assert store.list_events("granted-api", after_event_id=appended.event_id - 1)[0] == appended

    guest = bearer(auth_server.tokens["guest"])
    for episode_id in (other, "0" * 32):
        assert_denied(http.get("/episodes/get", params={"episode_id": episode_id}, headers=guest))
    for deployment in ("other-api", "no-such-deployment"):
        for path in ("/episodes/active", "/episodes/list", "/events/list"):
            assert_denied(http.get(path, params={"deployment": deployment}, headers=guest))
        assert_denied(http.get("/leases/get", params={"name": f"ct:{deployment}"}, headers=guest))
        body = {"deployment": deployment, "kind": "manual_request"}
        assert_denied(http.post("/events/append", json=body, headers=guest))
    assert_denied(http.get("/leases/get", params={"name": "ct-controller"}, headers=guest))


def test_guest_cannot_reach_another_deployments_episode(
    http: httpx.Client, auth_server: AuthServer, store_of: Any
) -> None:
    """Naming a granted deployment beside another deployment's episode id does not help."""
    guest = bearer(auth_server.tokens["guest"])
    other = auth_server.episodes["other-api"]
    reader: RestCtStore = store_of("reader")
    before = reader.get_episode(other)
    advance = {
        "deployment": "granted-api",
        "episode_id": other,
        "expected_revision": 1,
        "phase": "failed",
    }
    assert_denied(http.post("/episodes/advance", json=advance, headers=guest))
    query = {"deployment": "granted-api", "episode_id": other}
    assert_denied(http.get("/episodes/get", params=query, headers=guest))
    assert_denied(http.get("/events/list", params=query, headers=guest))
    assert reader.get_episode(other) == before


def test_guest_with_an_edit_grant_cannot_take_leases(
    http: httpx.Client, auth_server: AuthServer
) -> None:
    """Leases are global: taking or releasing one needs the editor role."""
    guest = bearer(auth_server.tokens["guest"])
    for path, body in _writes("granted-api", auth_server.episodes["granted-api"])[3:]:
        assert_denied(http.post(path, json=body, headers=guest))
