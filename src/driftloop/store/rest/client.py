"""The HTTP client shared by the REST stores: auth, retries, JSON encoding and error mapping.

Credentials come from ``$DRIFTLOOP_TRACKING_TOKEN`` (a bearer token) or
``$DRIFTLOOP_TRACKING_USERNAME`` and ``$DRIFTLOOP_TRACKING_PASSWORD`` (HTTP Basic); they are
sent as a header and never logged. Requests that could not reach the server (connection
errors) and ``503`` answers are retried with exponential backoff.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import httpx

from driftloop.errors import DriftloopError, InvalidParameterError, StoreUnavailableError
from driftloop.server.responses import encode
from driftloop.store.rest.errors import error_from_response

TOKEN_ENV = "DRIFTLOOP_TRACKING_TOKEN"  # noqa: S105 - the variable's name
USERNAME_ENV = "DRIFTLOOP_TRACKING_USERNAME"
PASSWORD_ENV = "DRIFTLOOP_TRACKING_PASSWORD"  # noqa: S105 - the variable's name, not a secret
API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT_SECONDS = 120.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_SECONDS = 0.25
KEEPALIVE_EXPIRY_SECONDS = 2.0
"""How long an idle pooled connection is reused. Below uvicorn's 5 s keep-alive timeout (and
any proxy's): at httpx's own default, also 5 s, a request could go out on a connection the
server was closing at that moment and fail with "Server disconnected without sending a
response"."""

logger = logging.getLogger("driftloop.store.rest")


def auth_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``Authorization`` header from the environment (empty when no credentials are set)."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return {"Authorization": f"Bearer {token}"}
    username = env.get(USERNAME_ENV, "")
    if username:
        pair = f"{username}:{env.get(PASSWORD_ENV, '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}


class RestClient:
    """JSON calls to one server's ``/api/v1``, shared by the five REST stores.

    Args:
        base_url: ``http(s)://host:port`` of the server (a path prefix is kept).
        transport: An httpx transport, e.g. ``httpx.MockTransport`` in tests.
        retries: How many times a connection error or a 503 is retried.
        backoff_seconds: The first retry's delay; each next one doubles it.
        timeout_seconds: Per-request timeout.
        headers: Extra headers; default the auth header from the environment.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        retries: int = DEFAULT_RETRIES,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._retries = retries
        self._backoff = backoff_seconds
        self.http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout_seconds,
            headers=dict(auth_headers() if headers is None else headers),
            limits=httpx.Limits(
                max_connections=100,
                max_keepalive_connections=20,
                keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS,
            ),
        )

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET ``/api/v1<path>`` with query parameters (None values are left out)."""
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        return self._send("GET", API_PREFIX + path, params=query)

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a JSON body to ``/api/v1<path>``."""
        return self._send(
            "POST",
            API_PREFIX + path,
            content=encode(dict(body)),
            headers={"Content-Type": "application/json"},
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send any request (with retries); the caller checks the status."""
        delay = self._backoff
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError as error:
                if last or not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
                    raise StoreUnavailableError(
                        f"cannot reach the tracking server at {self.base_url}: "
                        f"{type(error).__name__}"
                    ) from error
                logger.warning("%s %s: cannot connect, retrying", method, path)
            else:
                if response.status_code != 503 or last:
                    return response
                logger.warning("%s %s: server answered 503, retrying", method, path)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        if response.is_success:
            raise DriftloopError(f"{method} {path}: the server answered a non-JSON body")
        raise error_from_response(response.status_code, body, response.text)

    def close(self) -> None:
        """Close the connections."""
        self.http.close()


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def int_query(value: object, name: str) -> int | None:
    """Check an integer that travels in a query string (where its type would be lost).

    Raises:
        InvalidParameterError: ``value`` is a bool or not an int (None passes).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}", field=name)
    return value
