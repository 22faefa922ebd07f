"""Login and logout: an API token or a username and password in, a session cookie out.

Only a server started with ``--auth`` has a login; without it these routes send the browser
to the experiments page. Credentials are checked by the auth store the API uses
(:meth:`AuthStore.authenticate_token`, :meth:`AuthStore.verify_password`); a password login
creates an API token named ``ui session`` that expires with the session, and logging out
revokes it. Failed logins answer 401 with the form again; nothing secret is logged.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from driftloop.server.auth.authorizer import TokenAuthorizer
from driftloop.server.auth.tokens import looks_like_token
from driftloop.server.routing import Call, Endpoint, Permission
from driftloop.store.sql.ids import now_ms
from driftloop.ui.bridge import LOGIN_PATH, clear_cookie_header, cookie_value
from driftloop.ui.page import page
from driftloop.ui.render import render
from driftloop.ui.session import COOKIE_NAME, SESSION_SECONDS, Session, SessionCodec

logger = logging.getLogger("driftloop.ui")

SESSION_TOKEN_NAME = "ui session"  # noqa: S105 - the token's label, not a secret
"""Name of the API tokens created by password logins."""
_MAX_FORM_BYTES = 16 * 1024


def login_endpoints(codec: SessionCodec) -> list[Endpoint]:
    """The login form, its submission and logout, signing cookies with ``codec``."""

    async def login_form(call: Call) -> Response:
        """Show the login form."""
        if not isinstance(call.state.authorizer, TokenAuthorizer):
            return RedirectResponse("/", status_code=303)
        return _form(call, "", 200, "", call.request.query_params.get("next"))

    async def login(call: Call) -> Response:
        """Check the credentials and set the session cookie."""
        authorizer = call.state.authorizer
        if not isinstance(authorizer, TokenAuthorizer):
            return RedirectResponse("/", status_code=303)
        form = await _read_form(call)
        session = await _session_for(authorizer, form)
        if session is None:
            logger.info("UI login failed")
            return _form(
                call, "Invalid credentials.", 401, form.get("username", ""), form.get("next")
            )
        response = RedirectResponse(safe_next(form.get("next")), status_code=303)
        response.set_cookie(
            COOKIE_NAME,
            codec.encode(session),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=call.request.url.scheme == "https",
        )
        return response

    async def logout(call: Call) -> Response:
        """Revoke a password session's token and clear the cookie."""
        authorizer = call.state.authorizer
        headers = list(call.request.scope["headers"])
        session = codec.decode(cookie_value(headers, COOKIE_NAME))
        if isinstance(authorizer, TokenAuthorizer) and session is not None:
            await _end(authorizer, session)
        response = RedirectResponse(LOGIN_PATH if call.state.config.auth else "/", 303)
        response.headers.append("set-cookie", clear_cookie_header())
        return response

    return [
        page(LOGIN_PATH, login_form, Permission.PUBLIC),
        page(LOGIN_PATH, login, Permission.PUBLIC, methods="POST", raw_body=True),
        page("/logout", logout, Permission.PUBLIC, methods="POST", raw_body=True),
    ]


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return "/"
    return target


async def _session_for(authorizer: TokenAuthorizer, form: dict[str, str]) -> Session | None:
    store = authorizer.auth_store
    token = form.get("token", "").strip()
    if token:
        found = await run_in_threadpool(store.authenticate_token, token)
        return None if found is None else Session(kind="token", token=token)
    user, password = form.get("username", "").strip(), form.get("password", "")
    if not user or not password:
        return None
    if looks_like_token(password):
        found = await run_in_threadpool(store.authenticate_token, password)
        if found is not None and found.user.name == user:
            return Session(kind="token", token=password)
    verified = await run_in_threadpool(store.verify_password, user, password)
    if verified is None:
        return None
    created = await run_in_threadpool(
        store.create_token, verified.name, SESSION_TOKEN_NAME, now_ms() + SESSION_SECONDS * 1000
    )
    logger.info("UI login of user %r", verified.name)
    return Session(kind="password", token=created.secret)


async def _end(authorizer: TokenAuthorizer, session: Session) -> None:
    if session.kind == "password":
        found = await run_in_threadpool(authorizer.auth_store.authenticate_token, session.token)
        if found is not None and found.token.name == SESSION_TOKEN_NAME:
            await run_in_threadpool(authorizer.auth_store.revoke_token, found.token.token_id)
    authorizer.forget()


async def _read_form(call: Call) -> dict[str, str]:
    body = b""
    async for chunk in call.request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    return {key: values[-1] for key, values in parsed.items()}


def _form(call: Call, error: str, status: int, username: str, target: str | None) -> Response:
    context = {"error": error, "username": username, "next": safe_next(target)}
    return render(call, "login.html.j2", context, status)
