"""Logging in to the web UI of a ``driftloop server --auth`` in Chromium: the login page is
accessible, a password login lands on the page asked for, logging out returns to the login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.e2e.ui_support import accessibility_problems, run_server, tab

from driftloop.server.auth.entities import Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.sql import open_sql_stores

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PASSWORD = "correct horse battery"


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[str]:
    db_uri = f"sqlite:///{tmp_path / 'auth.db'}"
    artifacts = str(tmp_path / "artifacts")
    stores = open_sql_stores(db_uri, artifacts)
    try:
        SqlAuthStore(stores.database).create_user("ada", Role.READER, PASSWORD)
        stores.experiments.create_experiment("fraud")
    finally:
        stores.close()
    with run_server(db_uri, artifacts, tmp_path, ("--auth",)) as url:
        yield url


def test_a_password_login_and_logout(ui_browser: Browser, auth_server: str) -> None:
    with tab(ui_browser, auth_server) as opened:
        page = opened.page
        page.goto(auth_server + "/")
        assert page.url == auth_server + "/login?next=%2F"
        assert accessibility_problems(page) == []
        opened.screenshot("login")
        page.fill("#username", "ada")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.press("#password", "Enter")
        assert page.url == auth_server + "/"
        assert page.locator("h1").inner_text() == "Experiments"
        assert "fraud" in page.locator("table.data").inner_text()
        assert page.locator(".who").inner_text() == "ada"
        cookies = page.context.cookies()
        (session,) = [c for c in cookies if c["name"] == "driftloop_session"]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        with page.expect_navigation():
            page.click("form.logout button")
        assert page.url == auth_server + "/login"
        page.goto(auth_server + "/")
        assert page.url.startswith(auth_server + "/login")
