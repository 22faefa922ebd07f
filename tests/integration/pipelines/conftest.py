from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import driftloop
from driftloop.server.config import ServerConfig
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database
from driftloop.testing.live_server import live_server
from driftloop.tracking import batching, fluent, uri


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DRIFTLOOP_TRACKING_URI", "DRIFTLOOP_ARTIFACT_ROOT", "DRIFTLOOP_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRIFTLOOP_USER", "alice")
    uri._reset_for_tests()
    yield
    fluent._reset_for_tests()
    batching._reset_for_tests()
    uri._reset_for_tests()


@pytest.fixture
def client(tmp_path: Path) -> driftloop.Client:
    return driftloop.Client(str(tmp_path / "tracking"))


@pytest.fixture(params=["folder", pytest.param("postgresql", marks=pytest.mark.postgres), "server"])
def any_client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[driftloop.Client]:
    """A client on each kind of tracking store: folder, PostgreSQL, a live server."""
    if request.param == "folder":
        yield driftloop.Client(str(tmp_path / "tracking"))
    elif request.param == "postgresql":
        base_url = postgres_base_url()
        require_postgres(base_url)
        monkeypatch.setenv("DRIFTLOOP_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
        with temporary_postgres_database(base_url, label="pipelines") as db_url:
            yield driftloop.Client(db_url)
            uri._reset_for_tests()  # close the pool before the database is dropped
    else:
        config = ServerConfig(f"sqlite:///{tmp_path / 'db.sqlite'}", str(tmp_path / "art"), port=0)
        with live_server(config) as url:
            yield driftloop.Client(url)
            uri._reset_for_tests()
