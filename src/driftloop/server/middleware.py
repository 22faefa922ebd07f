"""Browser-facing guards: a Host allowlist (DNS rebinding) and an Origin check (drive-by calls).

A web page in the user's browser can send requests to ``127.0.0.1:5000``; with DNS rebinding it
can even read the answers. Requests whose ``Host`` is not a name this server answers to, or that
carry an ``Origin`` other than the server's own or an allowed one, are refused with 403 before
any route runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from driftloop.server.responses import encode


class HostOriginMiddleware:
    """Refuse requests with an unknown ``Host`` or a foreign ``Origin``."""

    def __init__(
        self, app: ASGIApp, allowed_hosts: frozenset[str], allowed_origins: frozenset[str]
    ) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the headers, then pass the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self.any_host and _host_name(host) not in self.allowed_hosts:
            await _deny(send, "INVALID_HOST", f"host {host!r} is not served here")
            return
        origin = headers.get("origin")
        if origin is not None and not self._origin_ok(origin, host, scope):
            await _deny(send, "INVALID_ORIGIN", f"requests from origin {origin!r} are refused")
            return
        await self.app(scope, receive, send)

    def _origin_ok(self, origin: str, host: str, scope: Scope) -> bool:
        if origin in self.allowed_origins or "*" in self.allowed_origins:
            return True
        scheme = scope.get("scheme", "http")
        return origin.lower() == f"{scheme}://{host}".lower()


def _host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:5000
        return host.split("]", 1)[0].lower() + "]"
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.lower() if name else urlsplit("//" + host).hostname or ""


async def _deny(send: Send, code: str, message: str) -> None:
    body = encode({"error_code": code, "message": message})
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
