"""A throw-away PostgreSQL database for one test session.

Contract suites against PostgreSQL need a database nobody else writes to. The helper creates
one with a unique name next to the server's ``postgres`` maintenance database and drops it
(forcibly, so leftover connections do not block it) when the ``with`` block ends.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

_UNSAFE = re.compile(r"[^a-z0-9_]")

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_base_url() -> str:
    """The server tests use: ``$DRIFTLOOP_TEST_POSTGRES_URL`` or the local default."""
    return os.environ.get("DRIFTLOOP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def require_postgres(base_url: str) -> None:
    """Skip the calling test when the server is unreachable, or fail it when ``CI=true``.

    CI must never skip the PostgreSQL tests silently, so there an unreachable server is a
    failure; on a developer's machine it is a skip that says how to fix it.
    """
    engine = create_engine(base_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = f"PostgreSQL is unreachable at {engine.url!r}: {type(exc.orig).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)")
        pytest.skip(f"{reason}; start it or set DRIFTLOOP_TEST_POSTGRES_URL")
    finally:
        engine.dispose()


def _database_name(label: str) -> str:
    safe_label = _UNSAFE.sub("_", label.lower())[:20]
    return f"driftloop_test_{safe_label}_{secrets.token_hex(4)}"


@contextmanager
def temporary_postgres_database(base_url: str, *, label: str | None = None) -> Iterator[str]:
    """Create a uniquely named database, yield its URL, then drop it.

    Args:
        base_url: SQLAlchemy URL of any database on the server (credentials included); the
            helper connects to the ``postgres`` database of the same server to create and drop.
        label: Part of the name that says who owns it; defaults to the pytest-xdist worker id
            (``gw0``...) or ``main``.

    Yields:
        The SQLAlchemy URL of the new, empty database, as a string with the password kept.

    Raises:
        sqlalchemy.exc.OperationalError: The server cannot be reached.
    """
    owner = label if label is not None else os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = _database_name(owner)
    admin_url = make_url(base_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
