"""The UI on a server with ``--auth``: login, session cookie, logout and per-resource grants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.applications import Starlette
from tests.ui.conftest import HTML, AsgiClient, Seeded, seed, ui_config

from driftloop.server.app import create_app
from driftloop.server.auth.authorizer import TokenAuthorizer
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.ui.login import SESSION_TOKEN_NAME, safe_next
from driftloop.ui.session import COOKIE_NAME

PASSWORD = "a long enough password"


@dataclass(frozen=True)
class Users:
    seeded: Seeded
    authorizer: TokenAuthorizer
    reader_token: str
    guest_token: str


@pytest.fixture
def auth_app(tmp_path: Path) -> Iterator[Starlette]:
    application = create_app(ui_config(tmp_path, auth=True))
    try:
        yield application
    finally:
        application.state.driftloop.stores.close()


@pytest.fixture
def users(auth_app: Starlette) -> Users:
    state = auth_app.state.driftloop
    seeded = seed(state)
    authorizer = state.authorizer
    assert isinstance(authorizer, TokenAuthorizer)
    store = authorizer.auth_store
    store.create_user("reader", Role.READER, PASSWORD)
    store.create_user("guest", Role.GUEST)
    store.set_grant("guest", ResourceType.EXPERIMENT, seeded.experiment_id, GrantPermission.READ)
    return Users(
        seeded=seeded,
        authorizer=authorizer,
        reader_token=store.create_token("reader").secret,
        guest_token=store.create_token("guest").secret,
    )


@pytest.fixture
def browser(auth_app: Starlette) -> Iterator[AsgiClient]:
    client = AsgiClient(auth_app)
    try:
        yield client
    finally:
        client.close()


def login(browser: AsgiClient, **form: str) -> str:
    answer = browser.post("/login", data=form, headers=HTML)
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Max-Age=43200" in cookie
    return answer.headers["location"]


def test_browsers_are_sent_to_the_login_page_and_apis_get_401(
    browser: AsgiClient, users: Users
) -> None:
    page = browser.get(f"/experiments/{users.seeded.experiment_id}?filter=x", headers=HTML)
    assert page.status_code == 303
    target = f"%2Fexperiments%2F{users.seeded.experiment_id}%3Ffilter%3Dx"
    assert page.headers["location"] == f"/login?next={target}"
    plain = browser.get("/")
    assert plain.status_code == 401
    assert plain.json()["error_code"] == "UNAUTHENTICATED"
    form = browser.get("/login", headers=HTML)
    assert form.status_code == 200
    assert '<label for="token">API token</label>' in form.text
    assert browser.get("/static/ui.css").status_code == 200  # public


def test_a_token_login_opens_the_pages(browser: AsgiClient, users: Users) -> None:
    target = f"/experiments/{users.seeded.experiment_id}"
    location = login(browser, token=users.reader_token, next=target)
    assert location == target
    page = browser.get(target, headers=HTML)
    assert page.status_code == 200
    assert "run-0" in page.text
    assert ">reader</span>" in page.text  # who is logged in
    # The cookie authenticates UI pages only, never the API.
    assert browser.get("/api/v1/experiments/search").status_code == 401


def test_a_password_login_creates_a_session_token_that_logout_revokes(
    browser: AsgiClient, users: Users
) -> None:
    assert login(browser, username="reader", password=PASSWORD, next="//evil.example/") == "/"
    store = users.authorizer.auth_store
    sessions = [t for t in store.list_tokens("reader") if t.name == SESSION_TOKEN_NAME]
    assert len(sessions) == 1
    assert sessions[0].expires is not None
    assert browser.get("/", headers=HTML).status_code == 200
    out = browser.post("/logout", headers=HTML)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert f"{COOKIE_NAME}=;" in out.headers["set-cookie"]
    (revoked,) = [t for t in store.list_tokens("reader") if t.name == SESSION_TOKEN_NAME]
    assert revoked.revoked is not None
    assert browser.get("/", headers=HTML).status_code == 303


def test_wrong_credentials_show_the_form_again(browser: AsgiClient, users: Users) -> None:
    for form in (
        {"username": "reader", "password": "wrong password!!"},
        {"username": "nobody", "password": PASSWORD},
        {"token": "dl_" + "x" * 43},
        {"username": "guest", "password": users.reader_token},  # someone else's token
        {},
    ):
        answer = browser.post("/login", data=form, headers=HTML)
        assert answer.status_code == 401, form
        assert "Invalid credentials." in answer.text
        assert "set-cookie" not in answer.headers


def test_a_forged_cookie_is_ignored_and_cleared(browser: AsgiClient, users: Users) -> None:
    login(browser, token=users.reader_token)
    value = browser.cookies[COOKIE_NAME]
    kind, token, signature = value.split(".")
    browser.cookies.clear()
    browser.cookies.set(COOKIE_NAME, f"{kind}.{token}.{signature[:-2]}AA")
    page = browser.get("/", headers=HTML)
    assert page.status_code == 303
    assert f"{COOKIE_NAME}=;" in page.headers["set-cookie"]


def test_a_guest_sees_only_granted_experiments(browser: AsgiClient, users: Users) -> None:
    login(browser, token=users.guest_token)
    seeded = users.seeded
    listing = browser.get("/", headers=HTML).text
    assert "churn" in listing
    assert "secret-project" not in listing
    assert browser.get(f"/experiments/{seeded.experiment_id}", headers=HTML).status_code == 200
    denied = browser.get(f"/experiments/{seeded.other_experiment_id}", headers=HTML)
    assert denied.status_code == 403
    assert "<h1>Permission denied</h1>" in denied.text
    assert browser.get(f"/runs/{seeded.other_run_id}", headers=HTML).status_code == 403
    history = browser.get(f"/runs/{seeded.other_run_id}/metric-history", params={"key": "a"})
    assert history.status_code == 403
    compared = browser.get(
        "/compare", params=[("runs", seeded.run_ids[0]), ("runs", seeded.other_run_id)]
    )
    assert compared.status_code == 404
    assert "hidden-run" not in compared.text
    sneaky = browser.get(
        f"/runs/{seeded.other_run_id}", params={"run_id": seeded.run_ids[0]}, headers=HTML
    )
    assert sneaky.status_code == 400
    assert "hidden-run" not in sneaky.text
    assert re.search(r"secret-project", sneaky.text) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/experiments/1?filter=x", "/experiments/1?filter=x"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_login_only_returns_to_this_server(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
