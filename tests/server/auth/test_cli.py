"""``driftloop users``, ``tokens`` and ``grants`` on a SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from driftloop.cli.main import cli
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.sql import open_sql_stores

PASSWORD = "a fine long password"


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def test_create_list_users_and_tokens(uri: str, tmp_path: Path) -> None:
    backend = ("--backend-store-uri", uri)
    code, out = run(
        "users",
        "create",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        *backend,
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    code, out = run(
        "users", "create", "bob", "--role", "guest", *backend, stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0, out
    code, out = run("users", "list", *backend)
    assert code == 0
    assert "alice" in out
    assert "guest" in out
    code, out = run(
        "tokens", "create", "--user", "alice", "--name", "ci", "--expires-days", "30", *backend
    )
    assert code == 0, out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("dl_")
    code, out = run("tokens", "list", "--user", "alice", *backend)
    assert code == 0
    assert "ci" in out
    assert secret not in out
    stores = open_sql_stores(uri, str(tmp_path / "artifacts"))
    try:
        store = SqlAuthStore(stores.database)
        login = store.authenticate_token(secret)
        assert login is not None
        token_id = login.token.token_id
        assert store.verify_password("alice", PASSWORD) is not None
    finally:
        stores.close()
    code, out = run("tokens", "revoke", token_id, *backend)
    assert code == 0, out
    code, out = run("grants", "set", "bob", "--experiment", "3", "--permission", "edit", *backend)
    assert code == 0, out
    code, out = run("grants", "list", *backend)
    assert "edit" in out
    code, out = run("grants", "delete", "bob", "--experiment", "3", *backend)
    assert code == 0, out
    code, out = run("users", "set-role", "bob", "reader", *backend)
    assert code == 0, out
    code, out = run("users", "delete", "bob", *backend)
    assert code == 0, out


@pytest.mark.parametrize("password", ["", "short", "eleven char"])
def test_weak_passwords_are_refused(uri: str, password: str) -> None:
    code, out = run(
        "users",
        "create",
        "carol",
        "--role",
        "reader",
        "--password-stdin",
        "--backend-store-uri",
        uri,
        stdin=password + "\n",
    )
    assert code == 1
    assert "at least 12 characters" in out


def test_mismatched_confirmation_is_refused(uri: str) -> None:
    code, out = run(
        "users",
        "create",
        "carol",
        "--role",
        "reader",
        "--backend-store-uri",
        uri,
        stdin=f"{PASSWORD}\nsomething else!!\n",
    )
    assert code != 0
    assert "do not match" in out


def test_grant_needs_one_target(uri: str) -> None:
    code, out = run("grants", "set", "bob", "--permission", "read", "--backend-store-uri", uri)
    assert code == 2
    assert "exactly one of --experiment and --model" in out
