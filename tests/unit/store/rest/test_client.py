"""The REST client: auth header, retries, and error responses back to driftloop classes."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from driftloop.errors import (
    AlreadyExistsError,
    InvalidPageTokenError,
    InvalidParameterError,
    NotFoundError,
    RegisteredModelNotFoundError,
    StoreUnavailableError,
)
from driftloop.store.rest import RemoteError, RestClient, open_rest_stores
from driftloop.store.rest.client import KEEPALIVE_EXPIRY_SECONDS, auth_headers


def test_auth_header_prefers_the_token() -> None:
    env = {
        "DRIFTLOOP_TRACKING_TOKEN": "tok",
        "DRIFTLOOP_TRACKING_USERNAME": "u",
        "DRIFTLOOP_TRACKING_PASSWORD": "p",
    }
    assert auth_headers(env) == {"Authorization": "Bearer tok"}
    del env["DRIFTLOOP_TRACKING_TOKEN"]
    expected = "Basic " + base64.b64encode(b"u:p").decode()
    assert auth_headers(env) == {"Authorization": expected}
    assert auth_headers({}) == {}


def test_credentials_from_the_environment_are_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTLOOP_TRACKING_TOKEN", "secret-token")
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"experiment": None})

    stores = open_rest_stores("http://server", transport=httpx.MockTransport(handler))
    assert stores.experiments.get_experiment_by_name("x") is None
    stores.close()
    assert seen == ["Bearer secret-token"]


def _client(handler: httpx.MockTransport) -> RestClient:
    return RestClient("http://server", transport=handler, backoff_seconds=0, headers={})


def test_503_and_connection_errors_are_retried_then_succeed() -> None:
    answers = iter(["connect", "503", "ok"])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "connect":
            raise httpx.ConnectError("refused", request=request)
        if answer == "503":
            return httpx.Response(503, json={"error_code": "TEMPORARILY_UNAVAILABLE"})
        return httpx.Response(200, json={"ok": True})

    assert _client(httpx.MockTransport(handler)).get("/x") == {"ok": True}


def test_unreachable_server_is_store_unavailable_after_the_retries() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(StoreUnavailableError, match="cannot reach the tracking server"):
        _client(httpx.MockTransport(handler)).get("/x")
    assert calls == 4


def test_a_read_timeout_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(StoreUnavailableError, match="ReadTimeout"):
        _client(httpx.MockTransport(handler)).post("/x", {})
    assert calls == 1


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            404,
            {"error_code": "RESOURCE_DOES_NOT_EXIST", "error_type": "RegisteredModelNotFoundError"},
            RegisteredModelNotFoundError,
        ),
        (
            400,
            {"error_code": "INVALID_PARAMETER_VALUE", "error_type": "InvalidPageTokenError"},
            InvalidPageTokenError,
        ),
        (404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}, NotFoundError),
        (400, {"error_code": "RESOURCE_ALREADY_EXISTS", "error_type": "Nope"}, AlreadyExistsError),
        (400, {"error_code": "MALFORMED_REQUEST"}, InvalidParameterError),
        (401, {"error_code": "UNAUTHENTICATED"}, RemoteError),
    ],
)
def test_error_bodies_map_back_to_classes(
    status: int, body: dict[str, str], expected: type[Exception]
) -> None:
    payload = {**body, "message": "the message", "field": "name"}
    transport = httpx.MockTransport(lambda _r: httpx.Response(status, json=payload))
    with pytest.raises(expected, match="the message") as caught:
        _client(transport).get("/x")
    assert type(caught.value) is expected
    assert caught.value.field == "name"  # type: ignore[attr-defined]


def test_a_non_json_error_is_a_remote_error_with_the_status() -> None:
    transport = httpx.MockTransport(lambda _r: httpx.Response(502, text="bad gateway"))
    with pytest.raises(RemoteError, match="502: bad gateway") as caught:
        _client(transport).get("/x")
    assert caught.value.status == 502


def test_non_finite_floats_are_sent_as_strings() -> None:
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={})

    _client(httpx.MockTransport(handler)).post("/x", {"v": [float("nan"), float("-inf")]})
    assert bodies == [{"v": ["NaN", "-Infinity"]}]


@pytest.fixture
def keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    """A real HTTP/1.1 keep-alive server on 127.0.0.1 that never closes an idle connection;
    yields its URL and the client port of each request it answered."""
    ports: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            ports.append(self.client_address[1])
            body = b'{"experiment": null}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", ports
    finally:
        server.shutdown()
        server.server_close()


def test_idle_connections_are_not_reused_past_the_keep_alive_expiry(
    keep_alive_server: tuple[str, list[int]],
) -> None:
    # Servers close idle connections (uvicorn after 5 s); reusing one as it closes fails the
    # request, so the client drops its idle connections well before.
    url, ports = keep_alive_server
    client = RestClient(url)
    try:
        client.get("/x")
        client.get("/x")
        time.sleep(KEEPALIVE_EXPIRY_SECONDS + 0.5)
        client.get("/x")
    finally:
        client.http.close()
    assert KEEPALIVE_EXPIRY_SECONDS < 5.0
    assert ports[0] == ports[1]  # reused while fresh
    assert ports[2] != ports[1]  # a new connection after the expiry
