"""Between the browser and a UI route: the session cookie in, HTML errors out.

Wraps the ASGI app of each UI route (never an API route, so the cookie authenticates only
UI pages):

* a request with a valid session cookie and no ``Authorization`` header gets
  ``Authorization: Bearer <token>`` before the route's single authorization check runs;
* a browser (``Accept: text/html``) that gets the wrapper's JSON error is sent to the login
  page on 401 (clearing a stale cookie) and shown an HTML page for other statuses. Other
  clients keep the JSON error every route answers.
"""

from __future__ import annotations

import json
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from driftloop.ui.render import render_html
from driftloop.ui.session import COOKIE_NAME, SessionCodec

LOGIN_PATH = "/login"
_TITLES = {401: "Login required", 403: "Permission denied", 404: "Not found"}


class SessionBridge:
    """ASGI wrapper of one UI route (see the module docstring)."""

    def __init__(self, app: ASGIApp, codec: SessionCodec) -> None:
        self.app = app
        self.codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the session's credentials, then turn JSON errors into pages for browsers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        names = {name.lower() for name, _ in headers}
        had_cookie = False
        if b"authorization" not in names:
            raw = cookie_value(headers, COOKIE_NAME)
            had_cookie = raw is not None
            session = self.codec.decode(raw)
            if session is not None:
                headers.append((b"authorization", f"Bearer {session.token}".encode()))
                scope = {**scope, "headers": headers}
        if not _wants_html(headers):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _HtmlErrors(scope, send, clear_cookie=had_cookie))


class _HtmlErrors:
    """A ``send`` that replaces a JSON error response by a redirect or an HTML page."""

    def __init__(self, scope: Scope, send: Send, *, clear_cookie: bool) -> None:
        self.scope = scope
        self.send = send
        self.clear_cookie = clear_cookie
        self.status = 0
        self.body = b""
        self.replacing = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            self.replacing = self.status >= 400 and content_type.startswith(b"application/json")
            if not self.replacing:
                await self.send(message)
            return
        if not self.replacing or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if not message.get("more_body", False):
            await self._replace()

    async def _replace(self) -> None:
        if self.status == 401:
            await self._redirect_to_login()
            return
        try:
            text = str(json.loads(self.body).get("message", ""))
        except (ValueError, AttributeError):
            text = ""
        if self.status >= 500:
            text = "The server failed; see its log."
        response = render_html(
            "error.html.j2",
            {"title": _TITLES.get(self.status, "Error"), "message": text},
            self.status,
        )
        await self._send_response(response.status_code, response.raw_headers, bytes(response.body))

    async def _redirect_to_login(self) -> None:
        target = self.scope.get("path", "/")
        query = self.scope.get("query_string", b"").decode("latin-1")
        if query:
            target += "?" + query
        headers = [(b"location", f"{LOGIN_PATH}?next={quote(target, safe='')}".encode())]
        if self.clear_cookie:
            headers.append((b"set-cookie", clear_cookie_header().encode()))
        await self._send_response(303, headers, b"")

    async def _send_response(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        fixed = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        fixed.append((b"content-length", str(len(body)).encode()))
        await self.send({"type": "http.response.start", "status": status, "headers": fixed})
        await self.send({"type": "http.response.body", "body": body})


def cookie_value(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    """The value of cookie ``name`` in the request headers, if any."""
    for key, value in headers:
        if key.lower() != b"cookie":
            continue
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(value.decode("latin-1"))
        except CookieError:
            continue
        if name in jar:
            return jar[name].value
    return None


def clear_cookie_header() -> str:
    """A ``Set-Cookie`` value that deletes the session cookie."""
    return f"{COOKIE_NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"


def _wants_html(headers: list[tuple[bytes, bytes]]) -> bool:
    for key, value in headers:
        if key.lower() == b"accept":
            return b"text/html" in value
    return False
